"""WSGI middleware (Flask, Django, any WSGI server).

Allowed requests reach the app with the verified token in ``environ["pyioctl.token"]``
(Flask: ``request.environ``); denied ones get 401/403 with an RFC 6750 challenge.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from ..policy import Policy
from .bearer import app_decision, bearer_token, denial
from .policy_source import PolicySource

__all__ = ["ENVIRON_KEY", "PolicyMiddleware"]

ENVIRON_KEY = "pyioctl.token"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _target(environ: dict[str, Any]) -> str:
    """The request target to judge: the path the app will route, SCRIPT_NAME + PATH_INFO.

    The raw target (RAW_URI, REQUEST_URI) is judged instead when it spells that same path,
    because it keeps the escapes decoding hides (``%2F``, ``%2e%2e``), which the policy
    refuses, and authorize then decodes exactly once. When something before this
    middleware rewrote the path (Apache mod_rewrite, a prefix-stripping middleware) or the
    target is in absolute form, the raw target names another path than the one the app
    serves, and that one is judged, re-quoted (PATH_INFO is decoded, as latin-1)."""
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
    raw: str | None = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.isascii() and unquote_to_bytes(raw.split("?", 1)[0]) == path:
        return raw
    return quote(path)


class PolicyMiddleware:
    """``app.wsgi_app = PolicyMiddleware(app.wsgi_app, load_policy("policy.yaml"))``, or
    a policy path: the file is then reloaded when it changes (see :class:`PolicySource`)."""

    def __init__(self, app: WSGIApp, policy: Policy | str | os.PathLike[str]) -> None:
        self.app = app
        self.source = PolicySource(policy)

    @property
    def policy(self) -> Policy:
        return self.source.current()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        auth = environ.get("HTTP_AUTHORIZATION")
        decision = app_decision(
            self.source.current().authorize(
                bearer_token([auth] if auth is not None else []),
                environ.get("REQUEST_METHOD", "GET"),
                _target(environ),
            )
        )
        if decision.allowed:
            environ[ENVIRON_KEY] = decision.token
            return self.app(environ, start_response)
        headers, body = denial(decision)
        start_response(f"{decision.status} {HTTPStatus(decision.status).phrase}", headers)
        return [body]
