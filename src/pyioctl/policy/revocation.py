"""Revoked tokens: a digest file reloaded on change, and per-issuer cut-off times."""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import PyioctlError
from ..jwt import (
    VerifiedToken,
    parse_issuer,
)
from .errors import PolicyError

log = logging.getLogger("pyioctl.policy")

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def issuer_hash(issuer: Any) -> bytes:
    """Account hash of an issuer given as io address, 0x address or public key hex."""
    if not isinstance(issuer, str):
        raise PolicyError(f"issuer {issuer!r} must be a string")
    try:
        return parse_issuer(issuer.strip())
    except PyioctlError as exc:
        raise PolicyError(f"issuer {issuer!r}: {exc.message}") from None


class RevocationList:
    """Revoked token digests from a file plus per-issuer ``revoked_before`` cut-offs.

    The file is re-read when its inode, size or mtime changes, so an operator revokes a
    token by editing it, without restarting anything; one ``stat`` at most every
    ``check_interval`` seconds keeps that off the per-request cost. A file that
    disappears or breaks while running keeps the last good list: failing open there would
    silently un-revoke every token.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        before: Mapping[str, int] | None = None,
        *,
        check_interval: float = 1.0,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.check_interval = check_interval
        self._checked = -math.inf
        # Keyed by account hash, so io, 0x and public-key spellings name the same issuer.
        self.before: dict[bytes, int] = {
            issuer_hash(issuer): int(cutoff) for issuer, cutoff in (before or {}).items()
        }
        self._digests: frozenset[str] = frozenset()
        self._stamp: tuple[int, int, int, int] | None = None
        self._failed_stamp: object = None
        self._lock = threading.Lock()
        if self.path is not None:
            try:
                st = os.stat(self.path)
            except OSError as exc:
                raise PolicyError(
                    f"{self.path}: cannot read revocation file: {exc.strerror or exc}"
                ) from None
            self._load(st)

    def __len__(self) -> int:
        return len(self._digests)

    def _load(self, st: os.stat_result) -> None:
        assert self.path is not None
        digests = set()
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{self.path}: cannot read revocation file: {exc}") from None
        for lineno, line in enumerate(text.splitlines(), 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if not _HEX64.fullmatch(fields[0]):
                raise PolicyError(
                    f"{self.path}:{lineno}: expected a SHA-256 hex digest of a token",
                    line=lineno,
                )
            digests.add(fields[0].lower())
        self._digests = frozenset(digests)
        self._stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def refresh(self) -> None:
        """Reload the file if it changed since the last look."""
        if self.path is None:
            return
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return
        self._checked = now
        try:
            st = os.stat(self.path)
            stamp: object = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError as exc:
            stamp = exc.errno
            st = None
        if stamp == self._stamp or stamp == self._failed_stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            try:
                if st is None:
                    raise PolicyError(f"{self.path}: revocation file is gone")
                self._load(st)
            except PolicyError as exc:
                # Log once per change, not once per request.
                self._failed_stamp = stamp
                log.warning("%s; keeping the previous %d revoked tokens", exc, len(self._digests))
                return
            self._failed_stamp = None
            log.info("reloaded %s: %d revoked tokens", self.path, len(self._digests))

    def is_revoked(self, digests: tuple[str, ...], token: VerifiedToken) -> bool:
        """``digests``: the token's SHA-256 and that of its S-flipped twin (see twin_token)."""
        if not self._digests.isdisjoint(digests):
            return True
        if not self.before:
            return False
        cutoff = self.before.get(token.public_key.hash160)
        # A token without iat (issued_at 0) cannot prove it was issued after the cut-off.
        return cutoff is not None and token.issued_at < cutoff
