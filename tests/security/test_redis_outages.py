"""Redis-shared revocation under the failures a replica meets: a policy reloaded while
Redis is away, entries in the set that are not digests, one-time tokens whose replay key
must outlive every moment the policy still accepts them, and connections that go silent or
are cut without Redis going down (through a relay that can freeze them). A real
``redis-server`` each time; the policy runs in process, as the adapters run it."""

from __future__ import annotations

import base64
import gc
import json
import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route, token_digest
from pyioctl.policy.redisstore import LIVENESS_SECONDS, RECONNECT_DELAY, RedisStore
from pyioctl.policy.revocation import RevocationList
from web.redis_server import RedisServer, needs_redis, running_redis
from web.relay import Relay, relaying

pytestmark = needs_redis

KEY = PrivateKey.from_bytes(bytes(range(1, 33)))
KEY_NAME = "ioctl:revoked"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_with(**claims: object) -> str:
    body = {"iss": "0x" + KEY.public_key.hex(), "scope": "Read", **claims}
    head = b64(b'{"alg":"ES256","typ":"JWT"}') + "." + b64(json.dumps(body).encode())
    return head + "." + b64(KEY.sign(head.encode()))


def shared_policy(
    url: str, *, one_time: bool = False, leeway: int = 0, liveness: float = LIVENESS_SECONDS
) -> Policy:
    return Policy(
        issuers=[KEY.public_key.address],
        routes=[Route("/**", scopes="Read", one_time=one_time)],
        revoked=RevocationList(store=RedisStore(url, KEY_NAME, liveness=liveness)),
        leeway=leeway,
    )


def refused_as_revoked(policy: Policy, token: str) -> bool:
    return policy.authorize(token, "GET", "/x").reason == "revoked"


def eventually(check: Callable[[], bool], seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


def test_a_policy_reloaded_while_redis_is_down_keeps_what_the_replica_knew(
    redis_server: RedisServer,
) -> None:
    token = token_with(exp=int(time.time()) + 3600)
    old = shared_policy(redis_server.url)
    old.revoked.record([token_digest(token)])
    assert eventually(partial(refused_as_revoked, old, token))
    redis_server.kill()
    # A reload (SIGHUP, or the adapters' file watch) while Redis is away: the new
    # policy's store cannot read the set, and must not start from nothing.
    new = shared_policy(redis_server.url)
    assert refused_as_revoked(new, token)
    del old
    gc.collect()
    assert refused_as_revoked(new, token)
    # Redis comes back empty: the reloaded replica writes back what it knows.
    redis_server.start()
    assert eventually(lambda: token_digest(token) in redis_server.client().smembers(KEY_NAME))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(junk=st.lists(st.binary(min_size=0, max_size=80), min_size=1, max_size=3))
def test_entries_that_are_not_digests_never_stop_a_replica_hearing_of_revocations(
    redis_server: RedisServer, junk: list[bytes]
) -> None:
    import redis

    raw = redis.Redis(host="127.0.0.1", port=redis_server.port)
    raw.flushall()
    raw.sadd(KEY_NAME, *junk)
    policy = shared_policy(redis_server.url)  # loads whatever the set holds
    token = token_with(exp=int(time.time()) + 3600, jti=junk[0].hex())
    assert policy.authorize(token, "GET", "/x").allowed
    for item in junk:
        raw.publish(KEY_NAME, item)
    raw.sadd(KEY_NAME, token_digest(token))
    raw.publish(KEY_NAME, token_digest(token))
    assert eventually(lambda: policy.authorize(token, "GET", "/x").reason == "revoked", 1.0)
    assert policy.revoked.store_up
    # Only digests are kept: junk costs nothing in the local copy.
    assert policy.revoked.digests == {token_digest(token)}
    # A fresh replica reads the same set and refuses the token from its first request.
    assert shared_policy(redis_server.url).authorize(token, "GET", "/x").reason == "revoked"
    raw.close()


def test_a_one_time_token_cannot_be_replayed_in_its_leeway_after_exp(
    redis_server: RedisServer,
) -> None:
    policy = shared_policy(redis_server.url, one_time=True, leeway=30)
    exp = int(time.time()) + 1
    token = token_with(exp=exp, jti="once")
    assert policy.authorize(token, "GET", "/x").allowed
    while time.time() < exp + 1.2:
        time.sleep(0.1)
    # Past exp, inside the leeway: still a valid token, and still used.
    assert policy.authorize(token, "GET", "/x").reason == "replayed"


def test_a_digest_removed_from_the_set_on_purpose_stays_removed_after_a_reload(
    redis_server: RedisServer,
) -> None:
    # The documented un-revoke (SREM, then reload): the same Redis run's set is the truth,
    # even while the old policy, which still knows the digest, is alive.
    token = token_with(exp=int(time.time()) + 3600)
    old = shared_policy(redis_server.url)
    old.revoked.record([token_digest(token)])
    assert eventually(partial(refused_as_revoked, old, token), 1.0)
    redis_server.client().srem(KEY_NAME, token_digest(token))
    new = shared_policy(redis_server.url)
    assert new.authorize(token, "GET", "/x").allowed
    assert token_digest(token).encode() not in redis_server.client().smembers(KEY_NAME)
    del old


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    leeway=st.integers(0, 10**6),
    exp_offset=st.one_of(st.none(), st.integers(-(10**6), 10**7), st.just("int64 max")),
    clock=st.integers(-5, 5),
)
def test_a_one_time_key_outlives_every_moment_the_token_is_accepted(
    redis_server: RedisServer, leeway: int, exp_offset: int | str | None, clock: int
) -> None:
    """Whatever exp, leeway and the policy's clock against Redis' say, the key that marks
    a jti used lives at least until the token stops being accepted, or the use is
    refused outright; never the other way round."""
    redis_server.client().flushall()
    policy = shared_policy(redis_server.url, one_time=True, leeway=leeway)
    now = int(time.time()) + clock
    exp = (
        None if exp_offset is None else now + exp_offset if exp_offset != "int64 max" else 2**63 - 1
    )
    claims: dict[str, object] = {"iat": now - 1, "jti": "j"}
    if exp is not None:
        claims["exp"] = exp
    policy.require_exp = exp is not None
    token = token_with(**claims)
    decision = policy.authorize(token, "GET", "/x", now=now)
    if not decision.allowed:
        assert decision.reason == "expired"
        return
    keys = redis_server.client().keys(f"{KEY_NAME}:jti:*")
    assert len(keys) == 1
    ttl = redis_server.client().pttl(keys[0])
    if exp is None:
        assert ttl == -1  # never expires: the token never does
    else:
        assert ttl == -1 or now + ttl / 1000 >= exp + leeway
    assert policy.authorize(token, "GET", "/x", now=now).reason == "replayed"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(st.sampled_from(["revoke", "kill", "start", "reload"]), max_size=8))
@example(steps=["revoke", "kill", "reload", "start"])
# Redis back empty, and a reload before the old listener has written the set back: the
# new store must not take the empty set for the truth.
@example(steps=["revoke", "kill", "start", "reload"])
def test_no_sequence_of_outages_and_reloads_un_revokes_a_token(
    redis_server: RedisServer, steps: list[str]
) -> None:
    """Revocations, Redis dying and coming back empty, and reloads in any order: the
    policy in force refuses every token ever revoked, and a Redis that is up ends up
    holding all of them again."""
    assert redis_server.process is not None
    if redis_server.process.poll() is not None:  # the previous example left it dead
        redis_server.start()
    redis_server.client().flushall()
    policy = shared_policy(redis_server.url)
    revoked: list[str] = []
    up = True
    for n, step in enumerate(steps):
        if step == "revoke" and up:
            token = token_with(exp=int(time.time()) + 3600, jti=f"{n}")
            policy.revoked.record([token_digest(token)])
            revoked.append(token)
            assert eventually(partial(refused_as_revoked, policy, token), 1.0)
        elif step == "kill" and up:
            redis_server.kill()
            up = False
        elif step == "start" and not up:
            redis_server.start()
            up = True
        elif step == "reload":
            policy = shared_policy(redis_server.url)
            gc.collect()  # the old policy, and its store, are gone
        for token in revoked:
            assert refused_as_revoked(policy, token), steps[: n + 1]
    if up:
        wanted = {token_digest(token) for token in revoked}
        assert eventually(lambda: wanted <= redis_server.client().smembers(KEY_NAME))


# Short enough to keep these tests quick; the production bound is LIVENESS_SECONDS.
LIVENESS = 0.4
# What a loaded test machine may add to a bound: thread wake-ups, a reconnect.
SLACK = 0.6


def revoke_on_redis(server: RedisServer, token: str) -> None:
    """``ioctl jwt revoke`` from another host: straight to Redis, not through the relay."""
    client = server.client()
    client.sadd(KEY_NAME, token_digest(token))
    client.publish(KEY_NAME, token_digest(token))
    client.close()


def down_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if " is down (" in r.getMessage()]


def listening_policy(relay: Relay) -> Policy:
    policy = shared_policy(relay.url(), liveness=LIVENESS)
    # The first request starts the listener and waits until it has read the set.
    assert policy.authorize(token_with(exp=int(time.time()) + 3600), "GET", "/x").allowed
    assert policy.revoked.store_up
    return policy


def test_a_frozen_connection_is_given_up_and_what_was_revoked_meanwhile_is_known(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A partition that closes nothing: the listener's socket stays open and silent. The
    replica must say it lost Redis, reconnect (the new connection gets through) and
    refuse what was revoked meanwhile, each within the liveness bound."""
    caplog.set_level(logging.WARNING, logger="pyioctl.policy")
    with relaying(redis_server.port) as relay:
        policy = listening_policy(relay)
        token = token_with(exp=int(time.time()) + 3600, jti="frozen")
        relay.freeze()
        frozen = time.monotonic()
        revoke_on_redis(redis_server, token)
        assert eventually(lambda: not policy.revoked.store_up, LIVENESS + SLACK)
        noticed = time.monotonic() - frozen
        assert down_lines(caplog) and "no answer to PING" in down_lines(caplog)[0]
        assert eventually(partial(refused_as_revoked, policy, token), RECONNECT_DELAY + SLACK)
        known = time.monotonic() - frozen
        assert eventually(lambda: policy.revoked.store_up is True, SLACK)
        print(f"silence noticed after {noticed:.2f} s, revocation known after {known:.2f} s")
        assert noticed <= LIVENESS + SLACK
        assert known <= LIVENESS + RECONNECT_DELAY + SLACK


def test_a_healthy_idle_connection_is_kept(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing published for several times the bound: the PINGs are answered, the
    connection stays, and a revocation still arrives on it at once."""
    caplog.set_level(logging.WARNING, logger="pyioctl.policy")
    with relaying(redis_server.port) as relay:
        policy = listening_policy(relay)
        connections = relay.accepted
        time.sleep(4 * LIVENESS)
        assert policy.revoked.store_up
        assert relay.accepted == connections  # no reconnect
        assert caplog.records == []
        token = token_with(exp=int(time.time()) + 3600, jti="idle")
        revoke_on_redis(redis_server, token)
        assert eventually(partial(refused_as_revoked, policy, token), 0.5)


def test_a_cut_connection_is_an_outage_and_the_set_is_read_again(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A connection reset with Redis up is an outage like any other: the set is read again
    on reconnecting, or a revocation published while no connection was subscribed would
    be lost (stood for here by a member added without a message)."""
    caplog.set_level(logging.WARNING, logger="pyioctl.policy")
    with relaying(redis_server.port) as relay:
        policy = listening_policy(relay)
        token = token_with(exp=int(time.time()) + 3600, jti="cut")
        redis_server.client().sadd(KEY_NAME, token_digest(token))
        relay.cut()
        assert eventually(partial(refused_as_revoked, policy, token), RECONNECT_DELAY + SLACK)
        assert len(down_lines(caplog)) == 1
        assert eventually(lambda: policy.revoked.store_up is True, SLACK)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(st.sampled_from(["freeze", "thaw", "cut", "revoke"]), max_size=5))
@example(steps=["freeze", "revoke", "thaw", "revoke"])
@example(steps=["revoke", "freeze", "revoke", "revoke", "cut", "revoke"])
def test_every_revocation_is_known_within_the_bound_whatever_the_link_does(
    redis_server: RedisServer, steps: list[str]
) -> None:
    """Connections frozen, thawed and cut in any order around revocations made on Redis:
    each revocation is refused by the replica within the liveness bound plus a
    reconnect, and nothing once refused passes again."""
    redis_server.client().flushall()
    with relaying(redis_server.port) as relay:
        policy = listening_policy(relay)
        revoked: list[str] = []
        for n, step in enumerate(steps):
            if step == "revoke":
                token = token_with(exp=int(time.time()) + 3600, jti=f"{n}")
                revoke_on_redis(redis_server, token)
                revoked.append(token)
                bound = LIVENESS + RECONNECT_DELAY + SLACK
                assert eventually(partial(refused_as_revoked, policy, token), bound), steps
            else:
                getattr(relay, step)()
            for token in revoked:
                assert refused_as_revoked(policy, token), steps[: n + 1]
    del policy
    gc.collect()
