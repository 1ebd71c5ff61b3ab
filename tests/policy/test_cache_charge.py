"""The verified-token cache's byte count (Policy.cached_bytes) is exactly what its entries
hold, whatever threads share the policy (WSGI servers run one per request): a count that
drifts below the truth lets the cache outgrow ``cache_bytes`` a little more each time."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, token_digest
from pyioctl.policy.revocation import RevocationList

from .conftest import NOW, token, weather_policy

_KEY = PrivateKey.from_bytes(bytes(range(1, 33)))
_TOKENS = [token(_KEY, iat=NOW - i, exp=NOW + 60 + i) for i in range(6)]


def charged_exactly(policy: Policy) -> bool:
    return policy.cached_bytes == sum(entry.size for entry in policy._cache.values())


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switch every microsecond, so the interleavings that matter happen often."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def hammer(policy: Policy, tokens: int, paths: int, threads: int, requests: int) -> None:
    """``threads`` threads deciding requests of ``tokens`` tokens on ``paths`` paths; one
    request in 16 comes after the token's expiry, which drops its entry."""

    def work(seed: int) -> None:
        for i in range(requests):
            which = (i * 3 + seed) % tokens
            now = NOW + 61 + which if i % 16 == 15 else NOW
            policy.authorize(_TOKENS[which], "GET", f"/weather/{(i * 7 + seed) % paths}", now)

    running = [threading.Thread(target=work, args=(seed,)) for seed in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()


def test_threads_sharing_a_policy_keep_its_byte_count_exact(fast_switching: None) -> None:
    for _ in range(5):
        policy = weather_policy(_KEY, cache_size=2)
        hammer(policy, tokens=3, paths=64, threads=6, requests=1000)
        assert charged_exactly(policy)
        assert policy.cached_bytes <= policy.cache_bytes


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tokens=st.integers(1, len(_TOKENS)),
    cache_size=st.integers(1, len(_TOKENS)),
    cache_bytes=st.sampled_from([4_000, 20_000, 10**6]),
    paths=st.integers(1, 80),
    threads=st.integers(2, 6),
    revoke=st.booleans(),
)
def test_the_byte_count_stays_exact_under_any_shared_load(
    fast_switching: None,
    tokens: int,
    cache_size: int,
    cache_bytes: int,
    paths: int,
    threads: int,
    revoke: bool,
) -> None:
    revoked = RevocationList()
    if revoke:
        revoked.add([token_digest(_TOKENS[0])])
    policy = weather_policy(_KEY, cache_size=cache_size, cache_bytes=cache_bytes, revoked=revoked)
    hammer(policy, tokens, paths, threads, requests=300)
    assert charged_exactly(policy)
    assert policy.cached_bytes <= policy.cache_bytes
