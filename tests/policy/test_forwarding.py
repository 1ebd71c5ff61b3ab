"""policy/forwarding.py: the claims an allowed request carries upstream, as safe header values."""

from __future__ import annotations

import warnings

import pytest

from helpers import signed_claims
from pyioctl.keys import PrivateKey
from pyioctl.policy import PolicyError, PolicyWarning
from pyioctl.policy.forwarding import MAX_HEADER_VALUE, ForwardHeaders, header_value

from .conftest import NOW, forwarded, open_policy, tok


def test_default_is_the_three_identity_headers(issuer: PrivateKey) -> None:
    assert forwarded(open_policy(issuer), tok(issuer, scope="Read Create")) == {
        "X-Auth-Issuer": issuer.address,
        "X-Auth-Subject": "weather",
        "X-Auth-Scope": "Read Create",
    }


def test_configured_headers_replace_the_default(issuer: PrivateKey) -> None:
    p = open_policy(
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
    p = open_policy(issuer, forward_headers={"X-Auth-Tenant": "tenant"})
    claims = {"tenant": value} if value is not None else {}
    assert forwarded(p, tok(issuer, **claims)) == {"X-Auth-Tenant": header}


def test_a_json_null_claim_forwards_empty(issuer: PrivateKey) -> None:
    p = open_policy(issuer, forward_headers={"X-Auth-Tenant": "tenant"})
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
        open_policy(issuer, forward_headers={name: "sub"})
    assert info.value.key == f"forward_headers.{name}"


def test_names_are_compared_case_insensitively(issuer: PrivateKey) -> None:
    with pytest.raises(PolicyError, match="duplicate"):
        ForwardHeaders({"X-Auth-Subject": "sub", "x-auth-subject": "tenant"})


def test_a_name_outside_x_auth_warns(issuer: PrivateKey) -> None:
    with pytest.warns(PolicyWarning, match="X-Tenant"):
        p = open_policy(issuer, forward_headers={"X-Tenant": "tenant"})
    assert any("X-Tenant" in w for w in p.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        open_policy(issuer, forward_headers={"x-auth-tenant": "tenant"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("weather", "weather"),
        ("Read Create", "Read Create"),
        ("a\r\nX: y", "a%0D%0AX: y"),
        ("météo", "m%C3%A9t%C3%A9o"),
        ("100%", "100%25"),
    ],
)
def test_header_value(text: str, value: str) -> None:
    assert header_value(text) == value
