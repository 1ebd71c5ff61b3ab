"""The verifier service's remembered answers: a repeated (token, method, path) is answered
from a memo, which must never outlive what made the answer true: the token's validity
window, the revocation list (file or Redis-fed), the policy in force, and one-time use."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import respond, signed_claims
from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route, load_policy, token_digest
from pyioctl.policy.core import _CacheEntry
from pyioctl.policy.redisstore import RedisStore
from pyioctl.policy.revocation import RevocationList, append_digests
from pyioctl.web.service import VerifierApp

from .conftest import policy_text
from .redis_server import RedisServer, needs_redis, running_redis

WEATHER = "/weather/today"


def request(app: VerifierApp, token: str, target: str = WEATHER, method: str = "GET") -> dict:
    """The http.response.start message of one forward-auth request."""
    headers = [
        ("Authorization", f"Bearer {token}"),
        ("X-Original-URI", target),
        ("X-Original-Method", method),
    ]
    return respond(app, headers)


def remembered(app: VerifierApp) -> int:
    return len(app._answers)


def allow_and_remember(app: VerifierApp, token: str) -> None:
    """Allowed twice: the first request caches the token, the second its whole answer."""
    assert request(app, token)["status"] == 200
    assert request(app, token)["status"] == 200
    assert remembered(app) == 1


@pytest.fixture
def log_fd() -> Iterator[int]:
    fd = os.open(os.devnull, os.O_WRONLY)
    yield fd
    os.close(fd)


def make_app(tmp_path: Path, issuer: PrivateKey, log_fd: int, extra: str = "") -> VerifierApp:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer, extra))
    return VerifierApp(load_policy(policy), policy, log_fd=log_fd)


def wait_for_status(app: VerifierApp, token: str, status: int, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        answer = request(app, token)
        if answer["status"] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.02)


def test_a_remembered_answer_is_dropped_when_the_file_revokes_it(
    tmp_path: Path, issuer: PrivateKey, sign, log_fd: int
) -> None:
    revoked = tmp_path / "revoked.txt"
    revoked.write_text("")
    app = make_app(tmp_path, issuer, log_fd, "revoked:\n  file: revoked.txt\n")
    app.policy.revoked.check_interval = 0  # read the file on every request
    token = sign()
    allow_and_remember(app, token)
    append_digests(revoked, [token_digest(token)])
    answer = request(app, token)
    assert answer["status"] == 401
    assert b"revoked" in dict(answer["headers"])[b"www-authenticate"]


def test_a_remembered_answer_is_dropped_when_its_high_s_twin_is_revoked(
    tmp_path: Path, issuer: PrivateKey, sign, log_fd: int
) -> None:
    """The twin's digest is made only once a list has entries: it must still be made."""
    app = make_app(tmp_path, issuer, log_fd)
    token = sign()
    allow_and_remember(app, token)
    verified = jwt.verify(token, issuers=[issuer.address])
    app.policy.revoked.add([token_digest(jwt.twin_token(token, verified.signature))])
    assert request(app, token)["status"] == 401


def test_a_remembered_answer_is_dropped_by_an_issuer_cut_off_on_reload(
    tmp_path: Path, issuer: PrivateKey, sign, log_fd: int
) -> None:
    app = make_app(tmp_path, issuer, log_fd)
    token = sign()
    allow_and_remember(app, token)
    assert app.policy_path is not None
    Path(app.policy_path).write_text(
        policy_text(
            issuer, f"revoked:\n  revoked_before:\n    {issuer.address}: {int(time.time()) + 60}\n"
        )
    )
    assert app.reload()
    assert request(app, token)["status"] == 401


def test_a_remembered_answer_is_dropped_when_the_token_expires(
    tmp_path: Path, issuer: PrivateKey, log_fd: int
) -> None:
    app = make_app(tmp_path, issuer, log_fd)
    now = int(time.time())
    token = jwt.sign(issuer, sub="weather", scope="Read", exp=now + 1, iat=now - 1)
    allow_and_remember(app, token)
    while int(time.time()) <= now + 1:
        time.sleep(0.05)
    answer = request(app, token)
    assert answer["status"] == 401
    assert b"expired" in dict(answer["headers"])[b"www-authenticate"]


def test_a_remembered_answer_is_dropped_on_policy_reload(
    tmp_path: Path, issuer: PrivateKey, sign, log_fd: int
) -> None:
    app = make_app(tmp_path, issuer, log_fd)
    token = sign(scope="Read")
    allow_and_remember(app, token)
    assert app.policy_path is not None
    Path(app.policy_path).write_text(
        f"issuers: [{issuer.address}]\nroutes:\n  - path: /weather/**\n    scopes: Write\n"
    )
    assert app.reload()
    assert request(app, token)["status"] == 403
    # And a policy set directly, as embedding code may do, is honoured the same way.
    app.policy = Policy(issuers=[issuer.address], routes=[Route("/weather/**", "weather")])
    assert request(app, token)["status"] == 200


def test_answers_are_per_method_and_per_target(
    tmp_path: Path, issuer: PrivateKey, sign, log_fd: int
) -> None:
    app = make_app(tmp_path, issuer, log_fd)
    token = sign(scope="Read")
    assert request(app, token)["status"] == 200
    assert request(app, token, method="DELETE")["status"] == 403  # needs Delete
    assert request(app, token, target="/elsewhere")["status"] == 403
    assert request(app, token)["status"] == 200
    assert request(app, token, method="DELETE")["status"] == 403


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@needs_redis
def test_a_remembered_answer_is_dropped_when_redis_announces_a_revocation(
    tmp_path: Path, issuer: PrivateKey, sign, log_fd: int, redis_server: RedisServer
) -> None:
    app = make_app(tmp_path, issuer, log_fd, f"revoked:\n  redis: {redis_server.url}\n")
    token = sign()
    allow_and_remember(app, token)
    # Another replica (or `ioctl jwt revoke`) revokes it: only pub/sub tells this one.
    other = RevocationList(store=RedisStore(redis_server.url))
    other.record([token_digest(token)])
    assert wait_for_status(app, token, 401)["status"] == 401


@needs_redis
def test_one_time_answers_are_never_remembered(
    tmp_path: Path, issuer: PrivateKey, log_fd: int, redis_server: RedisServer
) -> None:
    app = make_app(
        tmp_path,
        issuer,
        log_fd,
        f"  - path: /once/**\n    one_time: true\nrevoked:\n  redis: {redis_server.url}\n",
    )
    now = int(time.time())
    claims = {"sub": "weather", "scope": "Read", "exp": now + 60, "iat": now - 1, "jti": "j-1"}
    token = signed_claims(issuer, **claims)
    assert request(app, token, "/once/x")["status"] == 200
    assert request(app, token, "/once/x")["status"] == 401  # replayed
    assert request(app, token, "/once/x")["status"] == 401
    assert remembered(app) == 0


# -- property: remembering never changes an answer ---------------------------------------

_KEY = PrivateKey.from_bytes(bytes(range(1, 33)))
_NOW = int(time.time())
_TOKENS = [
    jwt.sign(_KEY, sub="weather", scope="Read", exp=_NOW + 86400, iat=_NOW - 1),
    jwt.sign(_KEY, sub="weather", scope="Read Delete", exp=_NOW + 86400, iat=_NOW - 1),
    jwt.sign(_KEY, sub="other", scope="Read", exp=_NOW + 86400, iat=_NOW - 1),
]
_TWINS = [jwt.twin_token(t, jwt.verify(t, issuers=[_KEY.address]).signature) for t in _TOKENS]
_ROUTE_SETS = [
    (Route("/weather/**", "weather"),),
    (Route("/weather/**", scopes="Delete"),),
    (Route("/weather/today", "other"), Route("/weather/**", "weather")),
]
_operation = st.one_of(
    st.tuples(
        st.just("request"),
        st.integers(0, 2 * len(_TOKENS) - 1),  # a token or its high-S twin
        st.sampled_from([WEATHER, WEATHER, "/nowhere"]),
        st.sampled_from(["GET", "GET", "DELETE"]),
    ),
    st.tuples(st.just("revoke"), st.integers(0, 2 * len(_TOKENS) - 1)),
    st.tuples(st.just("reload"), st.integers(0, len(_ROUTE_SETS) - 1)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_operation, max_size=25))
def test_remembered_answers_equal_fresh_ones(operations: list[tuple]) -> None:
    """Whatever the order of requests, revocations and policy changes, the app answers as
    a fresh app with an uncached policy answers the same request."""
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        revoked = RevocationList()
        routes = _ROUTE_SETS[0]

        def policy(cache_size: int) -> Policy:
            return Policy(
                issuers=[_KEY.address], routes=routes, revoked=revoked, cache_size=cache_size
            )

        app = VerifierApp(policy(10_000), log_fd=fd)
        for operation in operations:
            kind = operation[0]
            if kind == "revoke":
                revoked.add([token_digest((_TOKENS + _TWINS)[operation[1]])])
            elif kind == "reload":
                routes = _ROUTE_SETS[operation[1]]
                app.policy = policy(10_000)
            else:
                _, which, target, method = operation
                token = (_TOKENS + _TWINS)[which]
                fresh = request(VerifierApp(policy(0), log_fd=fd), token, target, method)
                assert request(app, token, target, method) == fresh, operation
    finally:
        os.close(fd)


# -- memory: a remembered answer keeps nothing alive that the policy's cache dropped ------


def live_entries(tokens: list[str]) -> int:
    """The policy cache entries of ``tokens`` still in memory, cached or not."""
    gc.collect()
    wanted = set(tokens)
    return sum(1 for o in gc.get_objects() if type(o) is _CacheEntry and o.raw in wanted)


def test_remembered_answers_keep_no_token_the_policy_dropped(
    issuer: PrivateKey, log_fd: int
) -> None:
    """Each cache entry holds a verified token and up to 32 decisions: an answer that
    kept one alive after the policy evicted it would hold memory that neither cache_bytes
    nor the answer memo's bound counts (6,000 tokens: 14 MiB over a 24 KiB cache)."""
    policy = Policy(
        issuers=[issuer.address], routes=[Route("/weather/**", "weather")], cache_size=4
    )
    app = VerifierApp(policy, log_fd=log_fd)
    now = int(time.time())
    tokens = [
        jwt.sign(issuer, sub="weather", scope="Read", exp=now + 600, iat=now - 1 - i)
        for i in range(40)
    ]
    for t in tokens:
        assert request(app, t)["status"] == 200
        assert request(app, t, WEATHER + "/x")["status"] == 200  # remembered with its entry
    assert remembered(app) == len(tokens)
    assert live_entries(tokens) == policy.cached_tokens == 4
    # Answers whose entry is gone are decided afresh, and still right.
    for t in tokens:
        assert request(app, t, WEATHER + "/x")["status"] == 200


_SMALL_CACHE_OPERATION = st.tuples(
    st.integers(0, 2 * len(_TOKENS) - 1), st.sampled_from([WEATHER, WEATHER + "/x", "/nowhere"])
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.lists(_SMALL_CACHE_OPERATION, max_size=30))
def test_remembered_answers_live_only_as_long_as_the_policy_caches_their_token(
    cache_size: int, operations: list[tuple[int, str]]
) -> None:
    """Under any eviction order, every remembered answer's token is one the policy still
    caches (or its entry is gone), and answers equal those of a policy with no cache."""
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        routes = _ROUTE_SETS[0]
        policy = Policy(issuers=[_KEY.address], routes=routes, cache_size=cache_size)
        app = VerifierApp(policy, log_fd=fd)
        uncached = Policy(issuers=[_KEY.address], routes=routes, cache_size=0)
        fresh_app = VerifierApp(uncached, log_fd=fd)
        tokens = _TOKENS + _TWINS
        for which, target in operations:
            token = tokens[which]
            fresh = request(fresh_app, token, target)
            assert request(app, token, target) == fresh
            cached = [*policy._cache.values(), None]
            # Entries are freed as the last reference goes: no collection is needed.
            assert all(answer.entry() in cached for answer in app._answers._data.values())
        assert live_entries(tokens) == policy.cached_tokens
    finally:
        os.close(fd)
