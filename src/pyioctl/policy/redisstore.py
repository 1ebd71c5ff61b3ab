"""Revocations shared by every replica through Redis: a set of digests, a pub/sub channel
announcing each new one, and ``SET NX`` keys for one-time tokens.

Each process keeps a local copy of the set, so a request never waits for Redis: a
background thread subscribes to the channel, then reads the whole set (in that order, so
nothing published in between is missed), and adds what it hears. When Redis goes away
the copy stays as it was (nothing is un-revoked by an outage), ``up`` turns False and one
log line says so; the thread reconnects by itself, writes back what it knows (a Redis
restarted without persistence comes back empty) and reads the set again. A store made
while Redis is away (a policy reloaded during an outage) starts from what the process's
other stores of the same set know, so a reload un-revokes nothing either.

A connection that dies without closing (a network partition, a firewall dropping its
state, a frozen Redis host) counts as an outage too: after half of ``LIVENESS_SECONDS``
(3 s) without a message the listener sends its own PING on the subscribed connection, and
when nothing at all has arrived for ``LIVENESS_SECONDS`` it gives the connection up and
reconnects as above. So a revocation published while this replica could not hear it is
known at the latest ``LIVENESS_SECONDS`` plus one reconnect after it was made. Every
other connection failure goes the same way: redis-py's own silent reconnect (which
resubscribes but never re-reads the set, losing what was published meanwhile) is off.

Members are read as bytes and only SHA-256 hex digests are kept: anything else someone
wrote into the set or the channel is ignored, never a reason to stop listening.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import PyioctlError
from .errors import PolicyError

log = logging.getLogger("pyioctl.policy")

RECONNECT_DELAY = 0.2
LIVENESS_SECONDS = 3.0
_SOCKET_TIMEOUT = 0.5
_HEX = frozenset(b"0123456789abcdefABCDEF")
# Redis refuses an expiry whose milliseconds overflow; a one-time key meant to outlive
# a token valid for longer than this is simply kept.
_MAX_TTL = 10**10


def _server_run(client: Any) -> str | None:
    """The Redis server's ``run_id``, new at every start; None where INFO is not allowed
    (an ACL may refuse it), and then no restart is ever assumed."""
    try:
        run = client.info("server").get("run_id")
    except _redis().ResponseError:
        return None
    return run if isinstance(run, str) else None


def _digests(items: Iterable[bytes]) -> frozenset[str]:
    """The SHA-256 hex digests among ``items``, lower case; everything else is dropped."""
    return frozenset(
        item.decode("ascii").lower()
        for item in items
        if type(item) is bytes and len(item) == 64 and _HEX.issuperset(item)
    )


class StoreError(PyioctlError):
    """The shared revocation store cannot be read or written."""

    code = "revocation_store"


def _redis() -> Any:
    try:
        import redis
    except ImportError:
        raise PyioctlError(
            "revocation in Redis needs the redis client: pip install 'pyioctl[redis]'",
            code="missing_dependency",
        ) from None
    return redis


def _after_fork() -> None:
    for store in list(_STORES):
        store._running = False


_STORES: weakref.WeakSet[RedisStore] = weakref.WeakSet()
os.register_at_fork(after_in_child=_after_fork)


class RedisStore:
    """The Redis side of a :class:`~.revocation.RevocationList`; ``key`` names the set and
    the channel, and prefixes the one-time-token keys."""

    def __init__(
        self, url: str, key: str = "ioctl:revoked", *, liveness: float = LIVENESS_SECONDS
    ) -> None:
        redis = _redis()
        try:
            redis.connection.parse_url(url)
        except ValueError as exc:
            raise PolicyError(f"redis URL {url!r}: {exc}") from None
        self.url = url
        self.key = key
        self.liveness = liveness
        self.known: frozenset[str] = frozenset()
        # The run of the Redis server whose set ``known`` last agreed with (see attach).
        self.server_run: str | None = None
        self.up = False
        # Weak: a replaced policy's list goes away, and its listener with it.
        self._owner: Callable[[], Any] = lambda: None
        self._synced = threading.Event()
        self._running = False  # this process's listener; reset in a forked child
        self._client_pid: int | None = None
        self._client: Any = None
        self._was_up: bool | None = None
        _STORES.add(self)

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r}, {self.key!r})"

    def client(self) -> Any:
        """A client of this process (sockets are never shared across a fork)."""
        if self._client_pid != os.getpid():
            self._client = _redis().Redis.from_url(
                self.url,
                socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_SOCKET_TIMEOUT,
            )
            self._client_pid = os.getpid()
        return self._client

    # -- the local copy ---------------------------------------------------------------------

    def attach(self, owner: Any) -> None:
        """Read the set once now, so the first request already sees it.

        What the process's other stores of the same set know still holds when the set
        cannot be read, and when Redis has restarted since they read it (a Redis without
        persistence comes back empty, and their listeners may not have written it back
        yet, or ever, if their policy is being replaced by this one); that is then written
        back. A set read from the same server run is the truth: a digest removed from it
        on purpose (SREM, then reload) stays removed."""
        self._owner = weakref.ref(owner)
        peers = [
            s for s in list(_STORES) if s is not self and (s.url, s.key) == (self.url, self.key)
        ]
        try:
            client = self.client()
            members = _digests(client.smembers(self.key))
            run = _server_run(client)
            lost = (
                frozenset(
                    digest
                    for store in peers
                    if store.server_run is not None and store.server_run != run
                    for digest in store.known
                )
                - members
            )
            if lost:
                client.sadd(self.key, *lost)
            self._learn(members | lost)
            self.server_run = run
            self._mark(True)
        except _redis().RedisError as exc:
            self._learn(digest for store in peers for digest in store.known)
            self._mark(False, exc)

    def _learn(self, digests: Iterable[str]) -> None:
        fresh = frozenset(digests) - self.known
        owner = self._owner()
        if fresh and owner is not None:
            self.known = self.known | fresh
            owner.add(fresh)

    def _mark(self, up: bool, error: object = None) -> None:
        self.up = up
        if up == self._was_up:
            return
        if up and self._was_up is not None:
            log.warning("revocation store %s is back: %d revoked tokens", self.url, len(self.known))
        elif not up:
            log.warning(
                "revocation store %s is down (%s); keeping the last-known %d revoked tokens",
                self.url, error, len(self._owner() or ()),
            )  # fmt: skip
        self._was_up = up

    def ensure_running(self) -> None:
        """Start this process's listener (once per process: a fork does not copy threads),
        and give it a moment to read the set, which may have grown since :meth:`attach`."""
        # Called on every request: an attribute test, not a getpid() system call.
        if self._running:
            return
        self._running = True
        self._synced.clear()
        threading.Thread(target=self._listen, name="pyioctl-revocations", daemon=True).start()
        self._synced.wait(2 * _SOCKET_TIMEOUT)

    def _listen(self) -> None:
        redis = _redis()
        # A store that could not read the set at its start writes back what it inherited.
        lost = not self.up
        while self._owner() is not None:
            client = None
            try:
                client = redis.Redis.from_url(
                    self.url,
                    socket_connect_timeout=_SOCKET_TIMEOUT,
                    # Bounds the write-back and the read of the set on a silent connection.
                    socket_timeout=self.liveness,
                    socket_keepalive=True,
                    # A connection lost must reach this loop, which reads the set again.
                    retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.key)
                owner = self._owner()
                if lost and owner is not None and len(owner):
                    # A Redis restarted without its data must not forget revocations.
                    client.sadd(self.key, *owner.digests)
                del owner
                self._learn(_digests(client.smembers(self.key)))
                self.server_run = _server_run(client)
                self._mark(True)
                self._synced.set()
                lost = False
                heard = time.monotonic()
                pinged = False
                while self._owner() is not None:
                    # A silent socket is not a live one: nothing tells a quiet channel
                    # from a dead peer but an answer to a PING of our own.
                    due = heard + self.liveness / (1 if pinged else 2)
                    wait = min(1.0, max(0.0, due - time.monotonic()))
                    message = pubsub.get_message(timeout=wait)
                    if message is not None:
                        heard, pinged = time.monotonic(), False
                        if message.get("type") == "message":
                            self._learn(_digests([message["data"]]))
                    elif time.monotonic() >= due:
                        if pinged:
                            raise redis.ConnectionError(
                                f"no answer to PING in {self.liveness / 2:g} s"
                            )
                        pubsub.ping()
                        pinged = True
            except (redis.RedisError, OSError, ValueError) as exc:
                lost = True
                self._mark(False, exc)
                self._synced.set()
                time.sleep(RECONNECT_DELAY)
            finally:
                if client is not None:
                    with contextlib.suppress(Exception):  # closing a dead connection
                        client.close()

    # -- writes -----------------------------------------------------------------------------

    def revoke(self, digests: Iterable[str]) -> None:
        """Add ``digests`` to the set and announce each to every listening replica."""
        pipe = self.client().pipeline()
        for digest in digests:
            pipe.sadd(self.key, digest)
            pipe.publish(self.key, digest)
        try:
            pipe.execute()
        except _redis().RedisError as exc:
            raise StoreError(f"cannot reach Redis at {self.url}: {exc}") from None

    def members(self) -> frozenset[str]:
        """The digests in the set now (members that are not digests left out)."""
        try:
            return _digests(self.client().smembers(self.key))
        except _redis().RedisError as exc:
            raise StoreError(f"cannot reach Redis at {self.url}: {exc}") from None

    def use_once(self, token: Any, ttl: int | None) -> bool | None:
        """SET NX of the token's issuer and ``jti``, kept ``ttl`` seconds (None: for good).

        The caller's ``ttl`` runs to the end of the last second it accepts the token in,
        leeway included: a relative expiry, so Redis' clock does not shorten it."""
        jti = token.claims.get("jti")
        # By account, not by how the token spells its issuer.
        name = hashlib.sha256(token.public_key.hash160 + b"\0" + jti.encode()).hexdigest()
        if ttl is not None and ttl > _MAX_TTL:
            ttl = None
        try:
            ok = self.client().set(f"{self.key}:jti:{name}", "1", nx=True, ex=ttl)
        except _redis().RedisError as exc:
            self._mark(False, exc)
            return None
        return bool(ok)
