"""Issue 8 finding 1, as an attacker runs it: a Read token, ``/public/** -> Read`` and
``/admin/** -> Admin``, and ``GET /admin/files/../../public/x`` sent verbatim to a real
server whose ``/admin/files/{path:path}`` handler routes on the literal path."""

from __future__ import annotations

import contextlib
import http.client
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from flask import Flask
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
POLICY = Policy(
    issuers=[KEY.address],
    routes=[Route("/public/**", scopes="Read"), Route("/admin/**", scopes="Admin")],
)
EXPLOITS = (
    "/admin/files/../../public/x",
    "/admin/files/%2e%2e/%2E%2E/public/x",
    "/admin/files/..%2f..%2fpublic/x",
    "/public/../admin/files/x",
    "/public//../admin/files/x",
)


def read_token() -> str:
    now = int(time.time())
    return jwt.sign(KEY, sub="reader", scope="Read", exp=now + 3600, iat=now - 1)


def get(port: int, target: str, token: str) -> tuple[int, str]:
    # http.client sends the target verbatim; httpx and test clients resolve dot segments.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", target, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


async def admin_file(request: Request) -> PlainTextResponse:
    return PlainTextResponse("admin " + request.path_params["path"])


async def public(request: Request) -> PlainTextResponse:
    return PlainTextResponse("public")


def starlette_app() -> Starlette:
    return Starlette(
        routes=[
            StarletteRoute("/admin/files/{path:path}", admin_file),
            StarletteRoute("/public/{path:path}", public),
        ]
    )


def fastapi_app() -> FastAPI:
    app = FastAPI()

    @app.get("/admin/files/{path:path}")
    def admin(path: str) -> str:
        return "admin " + path

    @app.get("/public/{path:path}")
    def pub(path: str) -> str:
        return "public"

    return app


def flask_app() -> Flask:
    app = Flask("bypass")

    @app.get("/admin/files/<path:path>")
    def admin(path: str) -> str:
        return "admin " + path

    @app.get("/public/<path:path>")
    def pub(path: str) -> str:
        return "public"

    app.wsgi_app = wsgi.PolicyMiddleware(app.wsgi_app, POLICY)  # type: ignore[method-assign]
    return app


SERVERS: dict[str, Callable[[], contextlib.AbstractContextManager[int]]] = {
    "starlette": lambda: uvicorn_serving(asgi.PolicyMiddleware(starlette_app(), POLICY)),
    "fastapi": lambda: uvicorn_serving(asgi.PolicyMiddleware(fastapi_app(), POLICY)),
    "flask": lambda: werkzeug_serving(flask_app()),
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    with SERVERS[request.param]() as bound:
        yield bound


def test_the_policy_works_on_canonical_paths(port: int) -> None:
    token = read_token()
    assert get(port, "/public/x", token)[0] == 200
    assert get(port, "/admin/files/x", token)[0] == 403


@pytest.mark.parametrize("target", EXPLOITS)
def test_dot_segments_never_reach_the_admin_handler(port: int, target: str) -> None:
    status, body = get(port, target, read_token())
    assert status == 400, (status, body)
    assert "unsafe_path" in body
    assert "admin" not in body
