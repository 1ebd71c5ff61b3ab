"""Plain ASGI middleware: works under Starlette, FastAPI or any ASGI server.

Allowed requests reach the app with the verified token in ``scope["state"]`` (Starlette
and FastAPI show it as ``request.state.token``); denied HTTP requests get 401/403 with an
RFC 6750 challenge, denied WebSocket handshakes the same as an HTTP response where the
server supports it, else a close with code 1008 (policy violation).
"""

from __future__ import annotations

import os
from urllib.parse import quote

from ..policy import Decision, Policy
from .asgi_types import ASGIApp, Receive, Scope, Send, denial_messages
from .bearer import app_decision, bearer_token
from .policy_source import PolicySource

__all__ = ["PolicyMiddleware", "request_target"]

_WS_POLICY_VIOLATION = 1008


def request_target(scope: Scope) -> str:
    """The path as received, percent-escapes intact, so ``authorize`` decodes it once
    (``scope["path"]`` is already decoded and is re-quoted when no raw path is given)."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(scope["path"])


class PolicyMiddleware:
    """``app = PolicyMiddleware(app, load_policy("policy.yaml"))``, or a policy path: the
    file is then reloaded when it changes (see :class:`PolicySource`)."""

    def __init__(
        self, app: ASGIApp, policy: Policy | str | os.PathLike[str], *, state_key: str = "token"
    ) -> None:
        self.app = app
        self.source = PolicySource(policy)
        self.state_key = state_key

    @property
    def policy(self) -> Policy:
        return self.source.current()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            if kind != "lifespan":
                # A connection type the policy cannot judge must not reach the app unjudged
                # (fail closed); the ASGI spec asks apps to raise on a scope they do not know.
                raise ValueError(f"PolicyMiddleware cannot judge ASGI scope type {kind!r}")
            await self.app(scope, receive, send)
            return
        auth = [value for name, value in scope["headers"] if name == b"authorization"]
        # WebSocket scopes have no method: their handshake is a GET.
        method = scope.get("method", "GET")
        decision = app_decision(
            self.source.current().authorize(bearer_token(auth), method, request_target(scope))
        )
        if decision.allowed:
            scope.setdefault("state", {})[self.state_key] = decision.token
            await self.app(scope, receive, send)
        elif kind == "http":
            await _send_http(send, "http.response", decision)
        else:
            await _deny_websocket(scope, receive, send, decision)


async def _send_http(send: Send, prefix: str, decision: Decision) -> None:
    start, body = denial_messages(decision, prefix)
    await send(start)
    await send(body)


async def _deny_websocket(scope: Scope, receive: Receive, send: Send, decision: Decision) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await _send_http(send, "websocket.http.response", decision)
    else:
        await send({"type": "websocket.close", "code": _WS_POLICY_VIOLATION})
