"""HEAD runs the GET handler: Starlette adds HEAD to every GET route, Flask and Django
answer HEAD with the GET view. A route that raises what GET needs (``GET: Admin``) or
forbids GET must hold for HEAD too, or a weaker token runs the GET handler by asking
for HEAD (its side effects, its headers, its timing). Real servers, requests sent
verbatim."""

from __future__ import annotations

import http.client
import time

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route as StarletteRoute

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route
from pyioctl.web import asgi, wsgi
from web.servers import uvicorn_serving, werkzeug_serving

KEY = PrivateKey.generate()
NOW = int(time.time())
READER = jwt.sign(KEY, scope="Read", exp=NOW + 3600, iat=NOW - 1)
ADMIN = jwt.sign(KEY, scope="Read Admin", exp=NOW + 3600, iat=NOW - 1)
POLICY = Policy(
    issuers=[KEY.address],
    routes=[
        Route("/admin/**", scopes={"GET": "Admin"}),
        Route("/closed/**", scopes={"get": None}),
    ],
)


def request(port: int, method: str, target: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, target, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def starlette_app(ran: list[str]) -> Starlette:
    async def export(request: Request) -> PlainTextResponse:
        ran.append(request.url.path)
        return PlainTextResponse("secret")

    return Starlette(
        routes=[StarletteRoute("/admin/export", export), StarletteRoute("/closed/x", export)]
    )


def flask_app(ran: list[str]) -> Flask:
    app = Flask("head")

    @app.get("/admin/export")
    @app.get("/closed/x", endpoint="closed")
    def export() -> str:
        from flask import request

        ran.append(request.path)
        return "secret"

    return app


@pytest.mark.parametrize("framework", ["starlette", "flask"])
def test_head_needs_what_get_needs(framework: str) -> None:
    ran: list[str] = []
    if framework == "starlette":
        serving = uvicorn_serving(asgi.PolicyMiddleware(starlette_app(ran), POLICY))
    else:
        app = flask_app(ran)
        app.wsgi_app = wsgi.PolicyMiddleware(app.wsgi_app, POLICY)  # type: ignore[method-assign]
        serving = werkzeug_serving(app)
    with serving as port:
        assert request(port, "GET", "/admin/export", READER) == 403
        assert request(port, "HEAD", "/admin/export", READER) == 403
        assert request(port, "HEAD", "/closed/x", ADMIN) == 403
        assert ran == []
        assert request(port, "HEAD", "/admin/export", ADMIN) == 200
    assert ran == ["/admin/export"]


METHODS = ["GET", "HEAD", "get", "head", "POST", "OPTIONS", "DELETE"]
scope_maps = st.dictionaries(
    st.sampled_from(METHODS), st.one_of(st.none(), st.sampled_from(["Read", "Admin", "X"]))
)


@settings(max_examples=200, deadline=None)
@given(scopes=scope_maps, rights=st.sets(st.sampled_from(["Read", "Admin", "X"])))
def test_a_token_allowed_head_is_one_allowed_get(
    scopes: dict[str, str | None], rights: set[str]
) -> None:
    """For any method map: whenever HEAD passes, GET passes with the same token, unless
    the route refuses GET and names HEAD itself (a HEAD-only endpoint)."""
    policy = Policy(issuers=[KEY.address], routes=[Route("/r", scopes=scopes)])
    token = jwt.sign(KEY, scope=" ".join(sorted(rights)), exp=NOW + 3600, iat=NOW - 1)
    if policy.authorize(token, "HEAD", "/r", NOW).allowed:
        get = policy.authorize(token, "GET", "/r", NOW)
        assert get.allowed or (
            get.reason == "method_not_allowed" and any(m.upper() == "HEAD" for m in scopes)
        )
