"""The verifier service's JSON log: one object per line, decisions batched off the
request path."""

from __future__ import annotations

import asyncio
import json
import os
import select
import time
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

from ..policy import Decision

__all__ = ["CLAIM_MAX", "JsonLog", "decision_fields", "json_text", "request_fields"]

# Workers share stdout, and a pipe writes at most PIPE_BUF bytes (4096 on Linux) in one
# piece: a longer write can be cut by another worker's when the pipe is full. So every
# decision line stays under 4096 bytes, the escaped request and claim texts within these
# (the rest of a line is under 400), and lines are written in whole groups that fit.
PATH_MAX = 2048
METHOD_MAX = 64
CLAIM_MAX = 512  # the subject, and the scope
_WRITE_MAX = getattr(select, "PIPE_BUF", 512)


def json_text(text: str, limit: int) -> str:
    """``text`` as a JSON string holding at most ``limit`` characters between its quotes:
    the longest prefix that fits, never half an escape."""
    encoded = _json_str(text[:limit])
    if len(encoded) <= limit + 2:
        return encoded
    # An escape spells one character in up to 12: search the longest prefix that fits.
    low, high = 0, min(len(text), limit) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if len(_json_str(text[:middle])) <= limit + 2:
            low = middle
        else:
            high = middle - 1
    return _json_str(text[:low])


def request_fields(decision: Decision, method: str, path: str) -> str:
    """The JSON members of a decision's log line that depend on the request and the answer
    but not on the token: method, path, decision, status and reason."""
    # The query string is left out: it can carry secrets of its own.
    path = path.split("?", 1)[0]
    return (
        f'"method":{json_text(method, METHOD_MAX)},"path":{json_text(path, PATH_MAX)},'
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
    A full pipe makes the writer wait rather than lose lines, also when the descriptor is
    non-blocking (as a parent sharing it may have made it).
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
        lines, self.pending = self.pending, []
        group: list[str] = []
        size = 0
        for line in lines:  # ASCII: as many bytes as characters
            if group and size + len(line) > _WRITE_MAX:
                if not self._write("".join(group).encode()):
                    return
                group, size = [], 0
            group.append(line)
            size += len(line)
        self._write("".join(group).encode())

    def _write(self, data: bytes) -> bool:
        """Write all of ``data``; False once the log is closed, which must not take the
        service down."""
        while data:
            try:
                data = data[os.write(self.fd, data) :]
            except BlockingIOError:
                select.select([], [self.fd], [])
            except OSError:
                return False
        return True
