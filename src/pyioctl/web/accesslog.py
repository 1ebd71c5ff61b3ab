"""The verifier service's JSON log: one object per line, decisions batched off the
request path."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

from ..policy import Decision

__all__ = ["JsonLog", "decision_fields"]

_LOG_FIELD_MAX = 2048


def decision_fields(decision: Decision, identity: str, method: str, path: str) -> str:
    """The JSON members of a decision's log line after ``time``, assembled by hand because
    json.dumps of a dict costs more than the decision. ``identity`` is the pre-encoded
    issuer, subject and scope."""
    # The query string is left out: it can carry secrets of its own. Lengths are capped
    # so a hostile request cannot write 64 KiB log lines.
    path = path.split("?", 1)[0][:_LOG_FIELD_MAX]
    method = method[:_LOG_FIELD_MAX]
    digest = f'"{decision.digest}"' if decision.digest else "null"
    return (
        f'{identity},"method":{_json_str(method)},"path":{_json_str(path)},'
        f'"decision":"{"allow" if decision.allowed else "deny"}","status":{decision.status},'
        f'"reason":{_json_str(decision.reason)},"digest":{digest}'
    )


class JsonLog:
    """One JSON object per line on a file descriptor.

    Decision lines are batched and written from the event loop a few milliseconds later,
    so a request never waits for a write; events (start, reload) are written at once.
    """

    FLUSH_DELAY = 0.01
    MAX_PENDING = 512

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self._second = -1
        self._stamp = ""

    def now(self) -> str:
        t = time.time()
        second = int(t)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._stamp}.{int((t - second) * 1000):03d}Z"

    def decision(self, fields: str) -> None:
        """Queue one decision line; ``fields`` is everything after the time (see
        :func:`decision_fields`), built once per distinct decision by the caller."""
        self.pending.append(f'{{"time":"{self.now()}",{fields}}}\n')
        if self.loop is None or len(self.pending) >= self.MAX_PENDING:
            self.flush()
        elif len(self.pending) == 1:
            self.loop.call_later(self.FLUSH_DELAY, self.flush)

    def event(self, event: str, **fields: Any) -> None:
        self.pending.append(
            json.dumps({"time": self.now(), "event": event, **fields}, separators=(",", ":")) + "\n"
        )
        self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        data = "".join(self.pending).encode()
        self.pending.clear()
        with contextlib.suppress(OSError):  # a closed log must not take the service down
            while data:
                data = data[os.write(self.fd, data) :]
