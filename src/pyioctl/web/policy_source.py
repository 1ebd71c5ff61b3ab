"""The policy an in-process adapter (ASGI, WSGI, gRPC) enforces: a :class:`Policy` given
as an object, or loaded from a file and reloaded when that file changes."""

from __future__ import annotations

import logging
import os
import threading
import time

from ..policy import Policy, load_policy

__all__ = ["RELOAD_INTERVAL", "PolicySource"]

# Seconds between checks of the policy file: one stat() per interval, not per request.
RELOAD_INTERVAL = 1.0

log = logging.getLogger("pyioctl.policy")


def _stamp(path: str | os.PathLike[str]) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class PolicySource:
    """``PolicySource(Policy(...))`` always answers that policy; ``PolicySource("p.yaml")``
    loads the file and, at most once per ``interval`` seconds, reloads it when its mtime,
    size or inode changed, as the service does on SIGHUP. A new file that fails to load
    keeps the old policy and logs one warning (until the file changes again)."""

    def __init__(
        self, policy: Policy | str | os.PathLike[str], *, interval: float = RELOAD_INTERVAL
    ) -> None:
        self.path: str | os.PathLike[str] | None = None
        if isinstance(policy, Policy):
            self._policy = policy
            return
        self.path = policy
        self.interval = interval
        stamp = _stamp(policy)
        self._policy = load_policy(policy)
        self._stamp = stamp
        self._next_check = time.monotonic() + interval
        self._lock = threading.Lock()

    def current(self) -> Policy:
        if self.path is None or time.monotonic() < self._next_check:
            return self._policy
        # One thread checks; the others keep answering with the policy they have.
        if self._lock.acquire(blocking=False):
            try:
                self._check(self.path)
            finally:
                self._lock.release()
        return self._policy

    def _check(self, path: str | os.PathLike[str]) -> None:
        self._next_check = time.monotonic() + self.interval
        stamp = _stamp(path)
        if stamp is None or stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            policy = load_policy(path)
        except Exception as exc:  # any failure keeps the policy in force
            log.warning("policy %s not reloaded, keeping the previous one: %s", self.path, exc)
            return
        self._policy = policy
        log.info("policy %s reloaded", self.path)
