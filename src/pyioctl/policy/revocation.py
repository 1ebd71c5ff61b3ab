"""Revoked tokens: a digest file reloaded on change, and per-issuer cut-off times."""

from __future__ import annotations

import fcntl
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import PyioctlError
from ..fsutil import atomic_write
from ..jwt import (
    VerifiedToken,
    parse_issuer,
)
from .errors import PolicyError

if TYPE_CHECKING:  # the redis client is imported only when a policy names it
    from .redisstore import RedisStore

log = logging.getLogger("pyioctl.policy")

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class Revocable(Protocol):
    """A verified token as :meth:`RevocationList.is_revoked` reads it."""

    @property
    def token(self) -> VerifiedToken: ...

    @property
    def digests(self) -> tuple[str, ...]:
        """The token's SHA-256 and that of its S-flipped twin (see jwt.twin_token)."""
        ...


def issuer_hash(issuer: Any) -> bytes:
    """Account hash of an issuer given as io address, 0x address or public key hex."""
    if not isinstance(issuer, str):
        raise PolicyError(f"issuer {issuer!r} must be a string")
    try:
        return parse_issuer(issuer.strip())
    except PyioctlError as exc:
        raise PolicyError(f"issuer {issuer!r}: {exc.message}") from None


# Removals wait for the file to stay unchanged this long: a writer that truncates and
# rewrites in place shows readers an empty or cut file for a moment, and taking that as
# the new list would un-revoke tokens until it finishes.
SETTLE_SECONDS = 2.0


def parse_digests(text: str, source: object) -> set[str]:
    """The digests of a revocation file's text: one SHA-256 hex per line, ``#`` comments."""
    digests = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if not _HEX64.fullmatch(fields[0]):
            raise PolicyError(
                f"{source}:{lineno}: expected a SHA-256 hex digest of a token", line=lineno
            )
        digests.add(fields[0].lower())
    return digests


class RevocationList:
    """Revoked token digests from a file (and optionally Redis, see :mod:`.redisstore`)
    plus per-issuer ``revoked_before`` cut-offs.

    The file is re-read when its inode, size or mtime changes, so an operator revokes a
    token by editing it, without restarting anything; one ``stat`` at most every
    ``check_interval`` seconds keeps that off the per-request cost.

    **The settle rule.** A digest that appears in the file is revoked at once. A digest
    that disappears is un-revoked only once the file has kept the same stamp and content
    for ``settle`` seconds: a file being rewritten in place is empty or cut short for a
    moment, and must never un-revoke anything. For the same reason a file that disappears
    or breaks keeps the last good list.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        before: Mapping[str, int] | None = None,
        *,
        check_interval: float = 1.0,
        settle: float = SETTLE_SECONDS,
        store: RedisStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.check_interval = check_interval
        self.settle = settle
        self.clock = clock
        self._checked = -math.inf
        # Keyed by account hash, so io, 0x and public-key spellings name the same issuer.
        self.before: dict[bytes, int] = {
            issuer_hash(issuer): int(cutoff) for issuer, cutoff in (before or {}).items()
        }
        self._digests: frozenset[str] = frozenset()
        self._file: frozenset[str] = frozenset()  # what the file said when last read
        self._stamp: object = None
        self._changed = -math.inf  # monotonic time the stamp last changed
        self._pending_removal = False
        self._failed_stamp: object = None
        self._lock = threading.Lock()
        # A shared store (Redis) whose local copy joins the file's digests.
        self.store = store
        if self.path is not None:
            try:
                text, stamp = self._read()
                digests = parse_digests(text, self.path)
            except OSError as exc:
                raise PolicyError(
                    f"{self.path}: cannot read revocation file: {exc.strerror or exc}"
                ) from None
            self._file = frozenset(digests)
            self._stamp = stamp
            self._digests = self._file
        if store is not None:
            store.attach(self)

    def __len__(self) -> int:
        return len(self._digests)

    @property
    def digests(self) -> frozenset[str]:
        return self._digests

    def _read(self) -> tuple[str, tuple[int, int, int, int]]:
        assert self.path is not None
        with open(self.path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(f"{self.path}: cannot read revocation file: {exc}") from None
        return text, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def add(self, digests: Iterable[str]) -> None:
        """Revoke ``digests`` at once (from the file or a shared store)."""
        new = frozenset(digests) - self._digests
        if new:
            with self._lock:
                self._digests = self._digests | new

    def _rebuild(self) -> None:
        """The list once removals have settled: the file's and the store's entries."""
        with self._lock:
            self._digests = self._file | self._shared()

    def refresh(self) -> None:
        """Apply the file's additions at once and its removals once it has settled."""
        if self.store is not None:
            self.store.ensure_running()
        if self.path is None:
            return
        now = self.clock()
        if now - self._checked < self.check_interval:
            return
        self._checked = now
        try:
            st = os.stat(self.path)
            stamp: object = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError as exc:
            stamp = exc.errno
        if stamp == self._stamp or stamp == self._failed_stamp:
            if self._pending_removal and now - self._changed >= self.settle:
                self._settle()
            return
        self._changed = now
        try:
            if not isinstance(stamp, tuple):
                raise PolicyError(f"{self.path}: revocation file is gone")
            text, stamp = self._read()
            digests = parse_digests(text, self.path)
        except (OSError, PolicyError) as exc:
            # Log once per change, not once per request; a broken file (a writer may be
            # mid-line) un-revokes nothing.
            self._failed_stamp = stamp
            message = exc.message if isinstance(exc, PolicyError) else str(exc)
            log.warning("%s; keeping the previous %d revoked tokens", message, len(self))
            return
        self._failed_stamp = None
        self._stamp = stamp
        self._file = frozenset(digests)
        self.add(digests)
        self._pending_removal = not self._digests <= self._file | self._shared()
        log.info("reloaded %s: %d revoked tokens", self.path, len(self._digests))

    def _shared(self) -> frozenset[str]:
        return self.store.known if self.store is not None else frozenset()

    def _settle(self) -> None:
        """The file kept its stamp for the settle time: re-read it, and drop what it no
        longer names only if the content is still what was read when it last changed."""
        try:
            text, stamp = self._read()
            digests = frozenset(parse_digests(text, self.path))
        except (OSError, PolicyError):
            return
        if stamp != self._stamp or digests != self._file:
            self._stamp, self._file, self._changed = stamp, digests, self.clock()
            self.add(digests)
            return
        self._pending_removal = False
        self._rebuild()
        log.info("settled %s: %d revoked tokens", self.path, len(self._digests))

    def record(self, digests: Iterable[str]) -> None:
        """Revoke ``digests`` in every store this list reads: Redis first (every replica
        hears of it at once), then the file, appended atomically."""
        digests = [d.lower() for d in digests]
        if self.store is not None:
            self.store.revoke(digests)
        if self.path is not None:
            append_digests(self.path, digests)

    def entries(self) -> dict[str, list[str]]:
        """Each revoked digest → the stores naming it (``file``, ``redis``), as stored now."""
        out: dict[str, list[str]] = {}
        if self.path is not None:
            text, _ = self._read()
            for digest in sorted(parse_digests(text, self.path)):
                out.setdefault(digest, []).append("file")
        if self.store is not None:
            for digest in sorted(self.store.members()):
                out.setdefault(digest, []).append("redis")
        return out

    def use_once(self, token: VerifiedToken, ttl: int | None) -> bool | None:
        """Claim a one-time token's ``jti`` across replicas for ``ttl`` seconds (None: for
        good): True the first time, False on a replay, None when it cannot be known (no
        shared store reachable)."""
        if self.store is None:
            return None
        return self.store.use_once(token, ttl)

    @property
    def store_up(self) -> bool | None:
        """Whether the shared store is reachable (None when there is none)."""
        return None if self.store is None else self.store.up

    def is_revoked(self, subject: Revocable) -> bool:
        """Whether a verified token is revoked, by digest or by its issuer's cut-off."""
        listed = self._digests
        # The digests are asked for only when there is a list to compare them with.
        if listed and not listed.isdisjoint(subject.digests):
            return True
        if not self.before:
            return False
        token = subject.token
        cutoff = self.before.get(token.public_key.hash160)
        # A token without iat (issued_at 0) cannot prove it was issued after the cut-off.
        return cutoff is not None and token.issued_at < cutoff


def append_digests(path: str | os.PathLike[str], digests: Iterable[str]) -> list[str]:
    """Add the ``digests`` a revocation file lacks (temp file, fsync, rename), under an
    exclusive lock so two writers never lose each other's line; returns those added."""
    target = Path(path)
    while True:
        try:
            fd = os.open(target, os.O_RDONLY)
        except FileNotFoundError:
            return _append(target, b"", digests)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(target).st_ino
            except FileNotFoundError:
                current = None
            # Another writer renamed its file in while this one waited: lock that one.
            if current == os.fstat(fd).st_ino:
                with os.fdopen(os.dup(fd), "rb") as fh:
                    return _append(target, fh.read(), digests)
        finally:
            os.close(fd)


def _append(target: Path, data: bytes, digests: Iterable[str]) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{target}: cannot read revocation file: {exc}") from None
    present = parse_digests(text, target)
    added = [d for d in dict.fromkeys(digests) if d not in present]
    if added:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join(f"{d}  # revoked {stamp}\n" for d in added)
        atomic_write(target, text.encode(), mode=0o644, keep_existing_mode=True)
    return added
