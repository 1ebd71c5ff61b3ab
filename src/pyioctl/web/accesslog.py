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

__all__ = ["JsonLog", "decision_fields", "request_fields"]

_LOG_FIELD_MAX = 2048


def request_fields(decision: Decision, method: str, path: str) -> str:
    """The JSON members of a decision's log line that depend on the request and the answer
    but not on the token: method, path, decision, status and reason."""
    # The query string is left out: it can carry secrets of its own. Lengths are capped
    # so a hostile request cannot write 64 KiB log lines.
    path = path.split("?", 1)[0][:_LOG_FIELD_MAX]
    method = method[:_LOG_FIELD_MAX]
    return (
        f'"method":{_json_str(method)},"path":{_json_str(path)},'
        f'"decision":"{"allow" if decision.allowed else "deny"}","status":{decision.status},'
        f'"reason":{_json_str(decision.reason)}'
    )


def decision_fields(
    decision: Decision, identity: str, method: str, path: str, request: str | None = None
) -> str:
    """The JSON members of a decision's log line after ``time``, assembled by hand because
    json.dumps of a dict costs more than the decision. ``identity`` is the pre-encoded
    issuer, subject and scope; ``request``, when the caller has it, the
    :func:`request_fields` of this decision, method and path."""
    if request is None:
        request = request_fields(decision, method, path)
    digest = f'"{decision.digest}"' if decision.digest else "null"
    return f'{identity},{request},"digest":{digest}'


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
        self._milli = -1
        self._head = ""

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
        milli = int(time.time() * 1000)
        if milli != self._milli:
            # Formatting the time costs more than the rest of a remembered answer, and
            # under load many lines share one millisecond.
            self._milli = milli
            self._head = f'{{"time":"{self.now()}",'
        pending = self.pending
        pending.append(self._head + fields + "}\n")
        if self.loop is None or len(pending) >= self.MAX_PENDING:
            self.flush()
        elif len(pending) == 1:
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
