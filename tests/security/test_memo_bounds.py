"""The policy's caches and the service's memos are bounded by the bytes they hold, and a
replayed bad token is answered from the failure memo (issue 8, findings 2 and 8)."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy
from pyioctl.policy.core import FAILURE_MEMO_BYTES
from pyioctl.policy.memo import ByteMemo
from pyioctl.policy.routes import Route

ISSUER = PrivateKey.generate()
NOW = int(time.time())
TOKENS = [
    jwt.sign(ISSUER, sub=f"s{i}", scope="Read", exp=NOW + 3600, iat=NOW - 1) for i in range(12)
]


def charged(policy: Policy) -> int:
    return sum(entry.size for entry in policy._cache.values())


@settings(max_examples=40, deadline=None)
@given(
    budget=st.integers(0, 40_000),
    requests=st.lists(st.tuples(st.integers(0, 11), st.integers(1, 520)), max_size=120),
)
def test_token_cache_stays_within_its_bytes(budget: int, requests: list) -> None:
    policy = Policy(issuers=[ISSUER.address], routes=[Route("/**")], cache_bytes=budget)
    for index, length in requests:
        path = "/" + "p" * (length - 1)
        assert policy.authorize(TOKENS[index], "GET", path, NOW).allowed
        # The bound holds after every request, and the books match the entries held.
        assert policy.cached_bytes <= budget
        assert policy.cached_bytes == charged(policy)


def test_long_paths_no_longer_multiply_the_cache() -> None:
    # The finding: entries x 32 paths of ~490 characters outgrew a count bound tenfold.
    policy = Policy(issuers=[ISSUER.address], routes=[Route("/**")], cache_bytes=64 * 1024)
    for tok in TOKENS:
        for i in range(32):
            policy.authorize(tok, "GET", f"/{i:03d}" + "x" * 486, NOW)
    assert policy.cached_bytes <= 64 * 1024
    assert 0 < policy.cached_tokens < len(TOKENS)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=40), st.integers(0, 5000)), max_size=60))
def test_byte_memo_never_exceeds_its_bound(entries: list) -> None:
    memo: ByteMemo[str, str] = ByteMemo(4096)
    for key, size in entries:
        memo.put(key, key, size)
        assert memo.size <= 4096
        assert size + 200 > 4096 or memo.get(key) == key


def test_a_replayed_bad_token_is_answered_from_the_failure_memo() -> None:
    policy = Policy(issuers=[ISSUER.address], routes=[Route("/**")])
    bad = TOKENS[0][:-4] + ("AAAA" if not TOKENS[0].endswith("AAAA") else "BBBB")
    first = policy.authorize(bad, "GET", "/x", NOW)
    assert first.reason == "bad_signature"
    # The very same answer, found by the token's digest: no parse, no signature check.
    assert policy.authorize(bad, "GET", "/x", NOW + 100) is first
    malformed = "x" * 5000
    assert policy.authorize(malformed, "GET", "/x", NOW) is policy.authorize(
        malformed, "GET", "/x", NOW
    )


def test_time_bound_failures_are_reused_only_within_their_second() -> None:
    policy = Policy(issuers=[ISSUER.address], routes=[Route("/**")])
    expired = jwt.sign(ISSUER, sub="s", scope="Read", exp=NOW - 10, iat=NOW - 100)
    first = policy.authorize(expired, "GET", "/x", NOW)
    assert first.reason == "expired"
    assert policy.authorize(expired, "GET", "/x", NOW) is first
    later = policy.authorize(expired, "GET", "/x", NOW + 3600)
    assert later is not first and later.description != first.description


def test_failure_memo_is_bounded_by_bytes_whatever_the_token_size() -> None:
    policy = Policy(issuers=[ISSUER.address], routes=[Route("/**")])
    for i in range(3000):
        policy.authorize(f"{i}." + "x" * 2000, "GET", "/x", NOW)
    assert policy._failures.size <= FAILURE_MEMO_BYTES
    # Keyed by digest: a 2 KB token costs a 64-character key, so thousands fit.
    assert len(policy._failures) > 1000
