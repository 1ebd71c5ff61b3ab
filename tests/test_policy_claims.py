"""pyioctl.policy: the audience rules and the claims forwarded to the upstream."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from helpers import signed_claims
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, PolicyError, PolicyWarning, Route
from pyioctl.policy.forwarding import MAX_HEADER_VALUE, ForwardHeaders

NOW = 1_700_000_000


@pytest.fixture(scope="module")
def issuer() -> PrivateKey:
    return PrivateKey.generate()


def tok(key: PrivateKey, **claims: object) -> str:
    base: dict[str, object] = {"iat": NOW, "exp": NOW + 3600, "sub": "weather", "scope": "Read"}
    base.update(claims)
    return signed_claims(key, **{k: v for k, v in base.items() if v is not None})


def policy(issuer: PrivateKey, **kw: object) -> Policy:
    return Policy(issuers=[issuer.address], routes=[Route("/weather/**")], **kw)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


# -- audience -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aud", "require_aud", "reason"),
    [
        ("weather-api", False, "ok"),
        (["billing", "weather-api"], False, "ok"),
        (None, False, "ok"),
        ("billing", False, "wrong_audience"),
        (["billing", "other"], False, "wrong_audience"),
        ("weather-api", True, "ok"),
        (None, True, "wrong_audience"),
        ("", True, "wrong_audience"),
        ([], True, "wrong_audience"),
    ],
)
def test_audience(issuer: PrivateKey, aud: object, require_aud: bool, reason: str) -> None:
    p = policy(issuer, audience=["weather-api", "weather-admin"], require_aud=require_aud)
    decision = p.authorize(tok(issuer, aud=aud), "GET", "/weather/today", NOW)
    assert decision.reason == reason
    assert decision.status == (200 if reason == "ok" else 401)


def test_without_an_audience_aud_is_not_checked(issuer: PrivateKey) -> None:
    assert policy(issuer).authorize(tok(issuer, aud="x"), "GET", "/weather", NOW).allowed


def test_a_wrong_audience_is_refused_on_every_cache_hit(issuer: PrivateKey) -> None:
    p = policy(issuer, audience="weather-api")
    t = tok(issuer, aud="billing")
    for _ in range(3):
        assert p.authorize(t, "GET", "/weather", NOW).reason == "wrong_audience"


def test_require_aud_needs_an_audience(issuer: PrivateKey) -> None:
    with pytest.raises(PolicyError) as info:
        policy(issuer, require_aud=True)
    assert info.value.key == "require_aud"
    with pytest.raises(PolicyError):
        policy(issuer, audience=[])


def test_load_audience(issuer: PrivateKey, tmp_path: Path) -> None:
    text = f"issuers: [{issuer.address}]\nroutes:\n  - path: /weather/**\n"
    p = Policy.load(write(tmp_path, text + "audience: [weather-api, b]\nrequire_aud: true\n"))
    assert p.audience == {"weather-api", "b"} and p.require_aud
    assert p.authorize(tok(issuer), "GET", "/weather", NOW).reason == "wrong_audience"
    p = Policy.load(write(tmp_path, text + "audience: weather-api\n"))
    assert p.audience == {"weather-api"} and not p.require_aud


# -- forward_headers ----------------------------------------------------------------------


def forwarded(p: Policy, token: str) -> dict[str, str]:
    decision = p.authorize(token, "GET", "/weather/today", NOW)
    assert decision.allowed, decision
    assert decision.token is not None
    return dict(p.forward_headers.values(decision.token))


def test_default_is_the_three_identity_headers(issuer: PrivateKey) -> None:
    assert forwarded(policy(issuer), tok(issuer, scope="Read Create")) == {
        "X-Auth-Issuer": issuer.address,
        "X-Auth-Subject": "weather",
        "X-Auth-Scope": "Read Create",
    }


def test_configured_headers_replace_the_default(issuer: PrivateKey) -> None:
    p = policy(
        issuer,
        forward_headers={"X-Auth-Subject": "sub", "X-Auth-Tenant": "tenant", "X-Auth-Who": "iss"},
    )
    assert forwarded(p, tok(issuer, tenant="acme")) == {
        "X-Auth-Subject": "weather",
        "X-Auth-Tenant": "acme",
        "X-Auth-Who": issuer.address,  # iss is forwarded as the io address
    }


@pytest.mark.parametrize(
    ("value", "header"),
    [
        ("acme", "acme"),
        (42, "42"),
        (-7, "-7"),
        (1.5, "1.5"),
        ("a\r\nX-Evil: 1", "a%0D%0AX-Evil: 1"),
        ("nul\x00", "nul%00"),
        ("tab\there", "tab%09here"),
        ("del\x7f", "del%7F"),
        ("caf\u00e9", "caf%C3%A9"),
        ("100%", "100%25"),
        (None, ""),  # absent
        (True, ""),
        ([1, 2], ""),
        ({"a": 1}, ""),
        ("x" * MAX_HEADER_VALUE, "x" * MAX_HEADER_VALUE),
        ("x" * (MAX_HEADER_VALUE + 1), ""),  # never truncated: a prefix is another value
        ("\n" * (MAX_HEADER_VALUE // 3 + 1), ""),  # the cap counts the encoded length
    ],
)
def test_claim_values_are_made_header_safe(issuer: PrivateKey, value: object, header: str):
    p = policy(issuer, forward_headers={"X-Auth-Tenant": "tenant"})
    claims = {"tenant": value} if value is not None else {}
    assert forwarded(p, tok(issuer, **claims)) == {"X-Auth-Tenant": header}


def test_a_json_null_claim_forwards_empty(issuer: PrivateKey) -> None:
    p = policy(issuer, forward_headers={"X-Auth-Tenant": "tenant"})
    token = signed_claims(issuer, iat=NOW, exp=NOW + 3600, scope="Read", tenant=None)
    assert forwarded(p, token) == {"X-Auth-Tenant": ""}


@pytest.mark.parametrize(
    "name",
    [
        "X Auth",
        "X-Auth:",
        "X-Auth\r\nEvil",
        "",
        "X-Äuth",
        "Content-Length",
        "transfer-encoding",
        "Host",
        "Authorization",
        "WWW-Authenticate",
        "Set-Cookie",
        "X-Forwarded-For",
        "X-Original-URI",
        "Proxy-Authorization",
    ],
)
def test_unusable_header_names_are_refused(issuer: PrivateKey, name: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy(issuer, forward_headers={name: "sub"})
    assert info.value.key == f"forward_headers.{name}"


def test_names_are_compared_case_insensitively(issuer: PrivateKey) -> None:
    with pytest.raises(PolicyError, match="duplicate"):
        ForwardHeaders({"X-Auth-Subject": "sub", "x-auth-subject": "tenant"})


def test_a_name_outside_x_auth_warns(issuer: PrivateKey) -> None:
    with pytest.warns(PolicyWarning, match="X-Tenant"):
        p = policy(issuer, forward_headers={"X-Tenant": "tenant"})
    assert any("X-Tenant" in w for w in p.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy(issuer, forward_headers={"x-auth-tenant": "tenant"})


def test_load_forward_headers(issuer: PrivateKey, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"issuers: [{issuer.address}]\nroutes:\n  - path: /weather/**\n"
        "forward_headers:\n  X-Auth-Subject: sub\n  X-Auth-Tenant: tenant\n",
    )
    p = Policy.load(path)
    assert p.forward_headers.headers == (("X-Auth-Subject", "sub"), ("X-Auth-Tenant", "tenant"))
    assert forwarded(p, tok(issuer, tenant="acme")) == {
        "X-Auth-Subject": "weather",
        "X-Auth-Tenant": "acme",
    }


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("forward_headers:\n  X-Auth-A: sub\n  X Auth: sub\n", 4, "forward_headers.X Auth"),
        ("forward_headers:\n  X-Auth-A: sub\n  Host: sub\n", 4, "forward_headers.Host"),
        ("forward_headers:\n  X-Auth-A: sub\n  x-auth-a: b\n", 4, "forward_headers.x-auth-a"),
        ("forward_headers:\n  X-Auth-A: sub\n  X-Auth-A: b\n", 4, "forward_headers.X-Auth-A"),
        ("forward_headers:\n  X-Auth-A: ''\n", 3, "forward_headers.X-Auth-A"),
        ("forward_headers:\n  X-Auth-A: [sub]\n", 3, "forward_headers.X-Auth-A"),
        ("forward_headers: [X-Auth-A]\n", 2, "forward_headers"),
        ("audience: []\n", 2, "audience"),
        ("audience: [ok, '']\n", 2, "audience[1]"),
        ("audience: {a: b}\n", 2, "audience"),
        ("require_aud: yes please\n", 2, "require_aud"),
        ("require_aud: true\n", 1, "require_aud"),
    ],
)
def test_validation_errors_name_line_and_key(
    issuer: PrivateKey, tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = write(tmp_path, f"issuers: [{issuer.address}]\n" + text)
    with pytest.raises(PolicyError) as info:
        Policy.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: {key}: "), message
    assert (info.value.key, info.value.line) == (key, line)
