"""policy/loader.py: YAML policies, and errors that name the line and the key."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import PolicyError, PolicyWarning, load_policy

from .conftest import NOW, forwarded, tok, token, write


def test_load_full_policy(issuer: PrivateKey, tmp_path: Path) -> None:
    tok = token(issuer, sub="weather", scope="Create")
    (tmp_path / "revoked.txt").write_text("")
    path = write(
        tmp_path,
        f"""\
issuers:
  - {issuer.address}
routes:
  - path: /weather/**
    subject: weather
    scopes: {{POST: Create, DELETE: null}}
  - path: /grpc.Svc/*
    scopes: Read
default: deny
leeway: 30s
require_exp: true
max_lifetime: 7d
cache_size: 100
revoked:
  file: revoked.txt
  revoked_before:
    {issuer.eth_address}: 2023-01-01T00:00:00Z
""",
    )
    policy = load_policy(path)
    assert policy.leeway == 30 and policy.max_lifetime == 7 * 86400 and policy.cache_size == 100
    assert policy.revoked.path == tmp_path / "revoked.txt"
    assert policy.revoked.before == {issuer.public_key.hash160: 1672531200}
    assert policy.routes[0].scope_for("post") == "Create"
    assert policy.routes[0].scope_for("DELETE") is None
    assert policy.routes[1].scope_for("POST") == "Read"
    assert policy.authorize(tok, "POST", "/weather/x", NOW).allowed
    assert policy.source == str(path)


def test_load_any_issuer_warns(tmp_path: Path) -> None:
    with pytest.warns(PolicyWarning):
        policy = load_policy(write(tmp_path, "issuers: any\nroutes: []\n"))
    assert policy.issuers is jwt.ANY_ISSUER


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("routes: []\n", 1, "issuers"),
        ("issuers: []\n", 1, "issuers"),
        ("issuers: io1nope\n", 1, "issuers"),
        ("issuers:\n  - {a}\n  - io1bad\n", 3, "issuers[1]"),
        ("issuers: [{a}]\nroutse: []\n", 2, "routse"),
        ("issuers: [{a}]\nroutes:\n  - path: /x\n    scope: Read\n", 4, "routes[0].scope"),
        ("issuers: [{a}]\nroutes:\n  - subject: x\n", 3, "routes[0].path"),
        ("issuers: [{a}]\nroutes:\n  - path: x/y\n", 3, "routes[0].path"),
        (
            "issuers: [{a}]\nroutes:\n  - path: /x\n    scopes: {{GET: 3}}\n",
            4,
            "routes[0].scopes.GET",
        ),
        (
            "issuers: [{a}]\nroutes:\n  - path: /x\n    scopes:\n      G-T: Read\n",
            5,
            "routes[0].scopes.G-T",
        ),
        ("issuers: [{a}]\nroutes: /x\n", 2, "routes"),
        ("issuers: [{a}]\ndefault: maybe\n", 2, "default"),
        ("issuers: [{a}]\nleeway: soon\n", 2, "leeway"),
        ("issuers: [{a}]\nleeway: -5\n", 2, "leeway"),
        ("issuers: [{a}]\nrequire_exp: 'yes'\n", 2, "require_exp"),
        ("issuers: [{a}]\nmax_lifetime: [1]\n", 2, "max_lifetime"),
        ("issuers: [{a}]\ncache_size: -1\n", 2, "cache_size"),
        ("issuers: [{a}]\nrevoked:\n  file: nothere.txt\n", 3, "revoked.file"),
        ("issuers: [{a}]\nrevoked:\n  revoked_before:\n    io1x: 5\n", 4, None),
        ("issuers: [{a}]\nrevoked:\n  revoked_before:\n    {a}: someday\n", 4, None),
        ("issuers: [{a}]\nissuers: [{a}]\n", 2, "issuers"),
        ("issuers: [{a}]\nleeway: !!python/name:os.system\n", 2, "leeway"),
        ("issuers: [{a}]\nrevoked:\n  revoked_before:\n    {a}: 2024-13-45\n", 4, None),
        (
            "issuers: [{a}]\nroutes:\n  - path: /x\n    scopes:\n      GET: !!binary AAAA\n",
            5,
            "routes[0].scopes.GET",
        ),
        ("issuers: [{a}]\n\x00\n", 2, None),
        ("issuers: [{a}]\n  bad: indent\n", 2, None),
        (
            "issuers: [{a}]\nforward_headers:\n  X-Auth-A: sub\n  X Auth: sub\n",
            4,
            "forward_headers.X Auth",
        ),
        (
            "issuers: [{a}]\nforward_headers:\n  X-Auth-A: sub\n  Host: sub\n",
            4,
            "forward_headers.Host",
        ),
        (
            "issuers: [{a}]\nforward_headers:\n  X-Auth-A: sub\n  x-auth-a: b\n",
            4,
            "forward_headers.x-auth-a",
        ),
        (
            "issuers: [{a}]\nforward_headers:\n  X-Auth-A: sub\n  X-Auth-A: b\n",
            4,
            "forward_headers.X-Auth-A",
        ),
        ("issuers: [{a}]\nforward_headers:\n  X-Auth-A: ''\n", 3, "forward_headers.X-Auth-A"),
        ("issuers: [{a}]\nforward_headers:\n  X-Auth-A: [sub]\n", 3, "forward_headers.X-Auth-A"),
        ("issuers: [{a}]\nforward_headers: [X-Auth-A]\n", 2, "forward_headers"),
        ("issuers: [{a}]\naudience: []\n", 2, "audience"),
        ("issuers: [{a}]\naudience: [ok, '']\n", 2, "audience[1]"),
        ("issuers: [{a}]\naudience: {{a: b}}\n", 2, "audience"),
        ("issuers: [{a}]\nrequire_aud: yes please\n", 2, "require_aud"),
        ("issuers: [{a}]\nrequire_aud: true\n", 1, "require_aud"),
    ],
)
def test_validation_errors_name_line_and_key(
    issuer: PrivateKey, tmp_path: Path, text: str, line: int, key: str | None
) -> None:
    path = write(tmp_path, text.format(a=issuer.address))
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    if key is not None:
        assert message.startswith(f"{path}:{line}: {key}: "), message
        assert (info.value.key, info.value.line) == (key, line)


def test_unreadable_and_empty_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(PolicyError, match="issuers"):
        load_policy(write(tmp_path, ""))
    with pytest.raises(PolicyError, match="expected a mapping"):
        load_policy(write(tmp_path, "- a\n"))


def test_policy_file_in_use_is_independent_of_later_edits(
    issuer: PrivateKey, tmp_path: Path
) -> None:
    path = write(tmp_path, f"issuers: [{issuer.address}]\nroutes: [{{path: /**}}]\n")
    policy = load_policy(path)
    path.write_text("garbage: [")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert policy.authorize(token(issuer), "GET", "/x", NOW).allowed


def test_load_audience(issuer: PrivateKey, tmp_path: Path) -> None:
    text = f"issuers: [{issuer.address}]\nroutes:\n  - path: /weather/**\n"
    p = load_policy(write(tmp_path, text + "audience: [weather-api, b]\nrequire_aud: true\n"))
    assert p.audience == {"weather-api", "b"} and p.require_aud
    assert p.authorize(tok(issuer), "GET", "/weather", NOW).reason == "wrong_audience"
    p = load_policy(write(tmp_path, text + "audience: weather-api\n"))
    assert p.audience == {"weather-api"} and not p.require_aud


def test_load_forward_headers(issuer: PrivateKey, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"issuers: [{issuer.address}]\nroutes:\n  - path: /weather/**\n"
        "forward_headers:\n  X-Auth-Subject: sub\n  X-Auth-Tenant: tenant\n",
    )
    p = load_policy(path)
    assert p.forward_headers.headers == (("X-Auth-Subject", "sub"), ("X-Auth-Tenant", "tenant"))
    assert forwarded(p, tok(issuer, tenant="acme")) == {
        "X-Auth-Subject": "weather",
        "X-Auth-Tenant": "acme",
    }
