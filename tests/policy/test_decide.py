"""Policy.decide: which decisions it hands out with their cache entry (so a caller may
remember them), and Policy.still_valid, which says how long such a decision stands."""

from __future__ import annotations

from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route, token_digest
from pyioctl.policy.revocation import RevocationList

from .conftest import NOW, tok, token, weather_policy


def test_an_entry_comes_with_the_decisions_of_a_token_already_cached(
    issuer: PrivateKey,
) -> None:
    policy = weather_policy(issuer)
    t = token(issuer)
    first, entry = policy.decide(t, "GET", "/weather", NOW)
    assert first.allowed and entry is None  # verified by this very call
    again, entry = policy.decide(t, "GET", "/weather", NOW)
    assert again is first and entry is not None
    assert policy.still_valid(entry, NOW)
    # A new (method, path) of a cached token: decided now, and kept.
    other, entry = policy.decide(t, "DELETE", "/weather", NOW)
    assert other.reason == "insufficient_scope" and entry is not None
    assert policy.authorize(t, "GET", "/weather", NOW) is first


def test_still_valid_follows_the_validity_window_and_revocation(issuer: PrivateKey) -> None:
    revoked = RevocationList()
    policy = weather_policy(issuer, revoked=revoked, leeway=5)
    t = token(issuer, iat=NOW, exp=NOW + 60)
    policy.decide(t, "GET", "/weather", NOW)
    _, entry = policy.decide(t, "GET", "/weather", NOW)
    assert entry is not None
    assert policy.still_valid(entry, NOW + 65) and not policy.still_valid(entry, NOW + 66)
    assert policy.still_valid(entry, NOW - 5) and not policy.still_valid(entry, NOW - 6)
    revoked.add([token_digest(t)])
    assert not policy.still_valid(entry, NOW)
    decision, entry = policy.decide(t, "GET", "/weather", NOW)
    assert decision.reason == "revoked" and entry is None


def test_nothing_is_handed_out_that_must_be_decided_each_time(issuer: PrivateKey) -> None:
    once = Policy(issuers=[issuer.address], routes=[Route("/once/**", one_time=True)])
    t = tok(issuer, jti="j")
    for _ in range(3):
        assert once.decide(t, "GET", "/once/x", NOW)[1] is None  # one-time: never
    uncached = weather_policy(issuer, cache_size=0)
    for _ in range(3):
        assert uncached.decide(token(issuer), "GET", "/weather", NOW)[1] is None
    policy = weather_policy(issuer)
    t = token(issuer)
    for _ in range(3):
        assert policy.decide(t, "GET", "/weather/" + "x" * 600, NOW)[1] is None  # long path
        assert policy.decide(None, "GET", "/weather", NOW)[1] is None
        assert policy.decide("a.b.c", "GET", "/weather", NOW)[1] is None
        assert policy.decide(t, "GET", "/weather/../admin", NOW)[1] is None


def test_route_answers_are_remembered_per_target_and_bounded(issuer: PrivateKey) -> None:
    policy = Policy(
        issuers=[issuer.address],
        routes=[Route("/weather/**", "weather", {"DELETE": None})],
    )
    t = token(issuer)
    for _ in range(2):
        assert policy.authorize(t, "GET", "/weather/x", NOW).allowed
        assert policy.authorize(t, "DELETE", "/weather/x", NOW).reason == "method_not_allowed"
        assert policy.authorize(t, "GET", "/nowhere", NOW).reason == "no_route"
        assert policy.authorize(t, "GET", "/weather//x", NOW).reason == "unsafe_path"
    assert len(policy._rules) == 4
    for i in range(20):
        policy.authorize(None, "GET", f"/weather/{i}/" + "x" * 600, NOW)
    assert len(policy._rules) == 4  # long targets are not kept
    for i in range(20_000):
        policy.authorize(None, "GET", f"/weather/{i}", NOW)
    assert policy._rules.size <= policy._rules.max_bytes
