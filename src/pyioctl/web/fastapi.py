"""FastAPI dependency for per-endpoint requirements on top of :class:`PolicyMiddleware`.

The middleware decides by the policy's routes; ``require_scope`` adds a requirement in code
for one endpoint (``Depends(require_scope("Admin"))``) and hands the handler the verified
token. The endpoint's path must be covered by a policy route: on a ``default: allow`` path
no token is verified, so the dependency answers 401.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request
from fastapi.responses import Response

from ..jwt import VerifiedToken
from ..policy import Decision, canonical_path, require
from .asgi import request_target
from .bearer import BAD_TARGET, challenge, denial

__all__ = ["TokenDenied", "denied_response", "require_scope"]


class TokenDenied(HTTPException):
    """Raised by ``require_scope``; answered by :func:`denied_response` with the body every
    other enforcement point sends, ``{"error": …, "error_description": …}``."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(
            decision.status,
            detail={"error": decision.reason, "error_description": decision.description},
            headers={"WWW-Authenticate": challenge(decision)},
        )
        self.decision = decision


def denied_response(request: Request, exc: Exception) -> Response:
    """The exception handler for :class:`TokenDenied`, installed by the dependency itself."""
    # Starlette's handler signature says Exception; this one is installed for TokenDenied.
    decision = exc.decision  # type: ignore[attr-defined]
    headers, body = denial(decision)
    return Response(body, decision.status, headers=dict(headers[:2]))


def require_scope(
    scope: str | None = None, *, subject: str | None = None, state_key: str = "token"
) -> Callable[[Request], VerifiedToken]:
    """A dependency returning the request's verified token when it holds ``scope`` (and is
    for ``subject``); otherwise 401/403 with the same challenge and body the middleware
    sends."""

    def dependency(request: Request) -> VerifiedToken:
        token = getattr(request.state, state_key, None)
        # Checked here too: the endpoint may be reached without the middleware in front.
        if canonical_path(request_target(request.scope)) is None:
            decision = BAD_TARGET
        else:
            decision = require(token, scope=scope, subject=subject)
        if not decision.allowed:
            # FastAPI answers an HTTPException with {"detail": …}; the handler that gives
            # the shared shape is put in the app's own table (Starlette keeps it in the
            # scope), so no set-up is asked of the app. Should that table be missing, the
            # HTTPException still carries the right status, challenge and fields.
            handlers = request.scope.get("starlette.exception_handlers")
            if isinstance(handlers, tuple) and isinstance(handlers[0], dict):
                handlers[0].setdefault(TokenDenied, denied_response)
            raise TokenDenied(decision)
        # An allowed decision had a token: require() refuses None with missing_token.
        return token  # type: ignore[return-value]

    return dependency
