"""FastAPI dependency for per-endpoint requirements on top of :class:`PolicyMiddleware`.

The middleware decides by the policy's routes; ``require_scope`` adds a requirement in code
for one endpoint (``Depends(require_scope("Admin"))``) and hands the handler the verified
token. The endpoint's path must be covered by a policy route: on a ``default: allow`` path
no token is verified, so the dependency answers 401.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from ..jwt import VerifiedToken
from ..policy import canonical_path, require
from . import BAD_TARGET, challenge
from .asgi import request_target

__all__ = ["require_scope"]


def require_scope(
    scope: str | None = None, *, subject: str | None = None, state_key: str = "token"
) -> Callable[[Request], VerifiedToken]:
    """A dependency returning the request's verified token when it holds ``scope`` (and is
    for ``subject``); otherwise 401/403 with the same challenge the middleware sends."""

    def dependency(request: Request) -> VerifiedToken:
        token = getattr(request.state, state_key, None)
        # Checked here too: the endpoint may be reached without the middleware in front.
        if canonical_path(request_target(request.scope)) is None:
            decision = BAD_TARGET
        else:
            decision = require(token, scope=scope, subject=subject)
        if not decision.allowed:
            raise HTTPException(
                decision.status,
                detail={"error": decision.reason, "error_description": decision.description},
                headers={"WWW-Authenticate": challenge(decision)},
            )
        return token  # type: ignore[return-value]

    return dependency
