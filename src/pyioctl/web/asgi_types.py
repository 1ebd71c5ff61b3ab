"""The ASGI callable's types and the denial answer as ASGI messages, shared by the
middleware (``asgi``) and the verifier service (``service``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..policy import Decision
from .bearer import denial

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send", "denial_messages"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def denial_messages(decision: Decision, prefix: str = "http.response") -> tuple[Message, Message]:
    """The start and body messages of a denial; ``prefix`` is ``websocket.http.response``
    for a WebSocket handshake answered over HTTP."""
    headers, body = denial(decision)
    start = {
        "type": f"{prefix}.start",
        "status": decision.status,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }
    return start, {"type": f"{prefix}.body", "body": body}
