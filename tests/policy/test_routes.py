"""policy/routes.py: path globs, canonical request targets and the scope each method needs."""

from __future__ import annotations

import pytest

from pyioctl.keys import PrivateKey
from pyioctl.policy import DEFAULT_SCOPES, Policy, Route, canonical_path

from .conftest import NOW, token, weather_policy


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("/weather/**", "/weather", True),
        ("/weather/**", "/weather/", True),
        ("/weather/**", "/weather/today/rain", True),
        ("/weather/**", "/weatherman", False),
        ("/weather/*", "/weather/today", True),
        ("/weather/*", "/weather/today/rain", False),
        ("/a/**/z", "/a/z", True),
        ("/a/**/z", "/a/b/c/z", True),
        ("/a/**/z", "/a/b/c/y", False),
        ("/v?/x", "/v1/x", True),
        ("/v?/x", "/v/x", False),
        ("/files/*.json", "/files/a.json", True),
        ("/files/*.json", "/files/ajson", False),
        ("/pkg.Service/*", "/pkg.Service/Get", True),
    ],
)
def test_route_globs(glob: str, path: str, matches: bool) -> None:
    assert Route(glob).matches(path) is matches


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/a/b?x=1", "/a/b"),
        ("/a/b?x=/../..//", "/a/b"),  # the query is not part of the path
        ("/a/b/", "/a/b/"),
        ("/", "/"),
        ("/w%65ather", "/weather"),  # unreserved escapes are decoded, as frameworks do
        ("/a%20b/%C3%A9", "/a b/\u00e9"),
        ("/a/..b/.c/c./...", "/a/..b/.c/c./..."),  # only whole segments are dot segments
        # Absolute form (RFC 9112): servers route by its path, so that is what matches.
        ("http://example.com/admin/secret", "/admin/secret"),
        ("https://example.com:8443/admin?x=1", "/admin"),
        ("http://example.com", "/"),
    ],
)
def test_canonical_path(target: str, path: str) -> None:
    assert canonical_path(target) == path


@pytest.mark.parametrize(
    "target",
    [
        "/public/../admin",
        "/public/%2e%2e/admin",
        "/public/%2E%2e/admin",
        "/public/.%2E/admin",
        "/a/./b",
        "/a/%2e/b",
        "/a/..",
        "/a/.",
        "/a//b",
        "//a",
        "/a%2Fb",
        "/a%2fb",
        "/a%5cb",
        "/a\\b",
        "/a%00b",
        "/a\tb",
        "/a%0Ab",
        "/a%7F",
        "/a%C2%85",  # a C1 control once decoded
        "/a%",
        "/a%4",
        "/a%zz",
        "/a%FF",  # not UTF-8 once decoded
        "/a%C3",
        "/a b",
        "/a#frag",
        "/caf\u00e9",
        "relative",
        "*",
        "",
        "http://[/admin",
        "http://host:99999/a",
        "http://host/a/../admin",
        "ftp://host/a",
    ],
)
def test_canonical_path_refuses(target: str) -> None:
    assert canonical_path(target) is None


def test_literal_names_refuse_escapes_and_absolute_form() -> None:
    assert canonical_path("/pkg.Service/Get", literal=True) == "/pkg.Service/Get"
    assert canonical_path("/pkg.Service/G%65t", literal=True) is None
    assert canonical_path("http://h/pkg.Service/Get", literal=True) is None


def test_unsafe_paths_are_refused_whatever_the_token(issuer: PrivateKey) -> None:
    policy = Policy(issuers=[issuer.address], routes=[Route("/**")], default="allow")
    tok = token(issuer, scope="Read Admin")
    for target in ("/a/../b", "/a//b", "/%2e%2e/x", "http://[/admin"):
        decision = policy.authorize(tok, "GET", target, NOW)
        assert (decision.allowed, decision.status, decision.reason) == (False, 403, "unsafe_path")


def test_default_scopes_by_method(issuer: PrivateKey) -> None:
    policy = weather_policy(issuer)
    rights = {m: token(issuer, scope=s) for m, s in DEFAULT_SCOPES.items()}
    for method, scope in DEFAULT_SCOPES.items():
        assert policy.authorize(rights[method], method, "/weather/x", NOW).allowed, method
        other = "Delete" if scope != "Delete" else "Read"
        d = policy.authorize(token(issuer, scope=other), method, "/weather/x", NOW)
        assert (d.status, d.reason, d.scope) == (403, "insufficient_scope", scope)


def test_route_scope_map_overrides_and_forbids(issuer: PrivateKey) -> None:
    route = Route("/admin/**", None, {"POST": "Admin", "DELETE": None, "trace": "Debug"})
    policy = Policy(issuers=[issuer.address], routes=[route])
    assert policy.authorize(token(issuer, scope="Admin"), "POST", "/admin", NOW).allowed
    assert policy.authorize(token(issuer, scope="Read"), "GET", "/admin", NOW).allowed
    assert policy.authorize(token(issuer, scope="debug"), "TRACE", "/admin", NOW).allowed
    d = policy.authorize(token(issuer, scope="Delete"), "DELETE", "/admin", NOW)
    assert (d.status, d.reason) == (403, "method_not_allowed")
    d = policy.authorize(token(issuer), "CONNECT", "/admin", NOW)
    assert d.reason == "method_not_allowed"


def test_single_scope_for_every_method(issuer: PrivateKey) -> None:
    policy = Policy(issuers=[issuer.address], routes=[Route("/api.Svc/*", "api", "Read")])
    tok = token(issuer, sub="api")
    assert policy.authorize(tok, "POST", "/api.Svc/Get", NOW).allowed
    assert policy.authorize(tok, "DELETE", "/api.Svc/Get", NOW).allowed


def test_first_match_wins(issuer: PrivateKey) -> None:
    routes = [Route("/weather/admin/**", "weather", "Admin"), Route("/weather/**", "weather")]
    policy = Policy(issuers=[issuer.address], routes=routes)
    tok = token(issuer)
    assert policy.authorize(tok, "GET", "/weather/today", NOW).allowed
    d = policy.authorize(tok, "GET", "/weather/admin/x", NOW)
    assert (d.reason, d.scope) == ("insufficient_scope", "Admin")


def test_unmatched_paths(issuer: PrivateKey) -> None:
    d = weather_policy(issuer).authorize(token(issuer), "GET", "/maps", NOW)
    assert (d.allowed, d.status, d.reason) == (False, 403, "no_route")
    d = weather_policy(issuer, default="allow").authorize(None, "GET", "/maps", NOW)
    assert (d.allowed, d.status, d.reason, d.token) == (True, 200, "default_allow", None)
    # A matched route still needs its token under default: allow.
    assert not weather_policy(issuer, default="allow").authorize(None, "GET", "/weather").allowed


def test_dot_segments_cannot_escape_a_route(issuer: PrivateKey) -> None:
    policy = Policy(issuers=[issuer.address], routes=[Route("/public/**", None, "Read")])
    assert policy.authorize(token(issuer), "GET", "/public/x", NOW).allowed
    for sneaky in ("/public/../admin", "/public/%2E%2E/admin", "/public/..%2fadmin"):
        assert policy.authorize(token(issuer), "GET", sneaky, NOW).reason == "unsafe_path", sneaky
