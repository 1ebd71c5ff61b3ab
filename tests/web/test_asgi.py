"""PolicyMiddleware under real Starlette and FastAPI apps, HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from helpers import asgi_messages
from pyioctl.jwt import VerifiedToken
from pyioctl.keys import PrivateKey
from pyioctl.policy import load_policy
from pyioctl.web.asgi import PolicyMiddleware
from pyioctl.web.fastapi import require_scope


async def whoami(request: Request) -> JSONResponse:
    token = request.state.token
    return JSONResponse({"issuer": token.issuer_address, "subject": token.subject})


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.state.token.subject)
    await websocket.close()


@pytest.fixture
def starlette_client(policy_file: Path) -> TestClient:
    app = Starlette(
        routes=[Route("/weather/{rest:path}", whoami), WebSocketRoute("/weather/ws", echo)]
    )
    return TestClient(PolicyMiddleware(app, policy_file))


def test_starlette_http(starlette_client: TestClient, sign, issuer: PrivateKey) -> None:
    r = starlette_client.get("/weather/today", headers={"Authorization": f"bearer {sign()}"})
    assert r.status_code == 200
    assert r.json() == {"issuer": issuer.address, "subject": "weather"}

    r = starlette_client.get("/weather/today")
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "Bearer")
    assert_denial_body(r, "missing_token")
    r = starlette_client.post("/weather/today", headers={"Authorization": f"Bearer {sign()}"})
    assert r.status_code == 403
    assert r.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    r = starlette_client.get("/weather/x", headers={"Authorization": "Bearer x.y.z"})
    assert (r.status_code, r.json()["error"]) == (401, "malformed")


def test_starlette_websocket(starlette_client: TestClient, sign) -> None:
    headers = {"Authorization": f"Bearer {sign()}"}
    with starlette_client.websocket_connect("/weather/ws", headers=headers) as ws:
        assert ws.receive_text() == "weather"
    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        starlette_client.websocket_connect("/weather/ws"),
    ):
        pass
    assert denied.value.status_code == 401
    assert denied.value.headers["www-authenticate"] == "Bearer"


def run_websocket(policy_file: Path, first: dict, extensions: dict | None) -> list[dict]:
    """Drive the middleware by hand, as a server without the HTTP-response extension."""
    scope: dict = {"type": "websocket", "path": "/weather/ws", "headers": []}
    if extensions is not None:
        scope["extensions"] = extensions
    return asgi_messages(PolicyMiddleware(echo, policy_file), scope, first)


def test_websocket_close_without_http_response_extension(policy_file: Path) -> None:
    sent = run_websocket(policy_file, {"type": "websocket.connect"}, {})
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_websocket_gone_before_connect(policy_file: Path) -> None:
    assert run_websocket(policy_file, {"type": "websocket.disconnect", "code": 1000}, None) == []


def test_lifespan_passes_through(policy_file: Path) -> None:
    started = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append(True)
        yield

    app = Starlette(routes=[], lifespan=lifespan)
    with TestClient(PolicyMiddleware(app, policy_file)):
        pass
    assert started == [True]


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.text(max_size=20).filter(lambda k: k not in ("http", "websocket", "lifespan")))
def test_unknown_scope_types_never_reach_the_app(policy_file: Path, kind: str) -> None:
    # A future or custom connection type the policy cannot judge: refused, not passed on.
    reached = []

    async def app(scope, receive, send) -> None:
        reached.append(scope)

    async def receive() -> dict:
        return {"type": f"{kind}.connect"}

    async def send(message) -> None:
        reached.append(message)

    middleware = PolicyMiddleware(app, policy_file)
    with pytest.raises(ValueError, match="cannot judge ASGI scope type"):
        asyncio.run(middleware({"type": kind, "path": "/weather/x", "headers": []}, receive, send))
    assert reached == []


def assert_denial_body(r, error: str) -> None:
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert sorted(body) == ["error", "error_description"] and body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]


def test_fastapi_middleware_and_dependency(policy_file: Path, sign) -> None:
    app = FastAPI()

    @app.get("/weather/today")
    def today(token: Annotated[VerifiedToken, Depends(require_scope("Read"))]) -> dict:
        return {"scope": token.scope}

    @app.get("/weather/admin")
    def admin(
        token: Annotated[VerifiedToken, Depends(require_scope("Admin", subject="weather"))],
    ) -> dict:
        return {"ok": True}

    app.add_middleware(PolicyMiddleware, policy=load_policy(policy_file))
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {sign(scope='Read')}"}
    assert client.get("/weather/today", headers=auth).json() == {"scope": "Read"}
    r = client.get("/weather/admin", headers=auth)
    assert r.status_code == 403
    assert r.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert 'scope="Admin"' in r.headers["www-authenticate"]
    # One body shape for every denial, the middleware's and the dependency's (RFC 6750 names).
    assert_denial_body(r, "insufficient_scope")
    missing = client.get("/weather/today")
    assert_denial_body(missing, "missing_token")
    admin_auth = {"Authorization": f"Bearer {sign(scope='read admin')}"}
    assert client.get("/weather/admin", headers=admin_auth).json() == {"ok": True}
    assert missing.status_code == 401


def test_fastapi_dependency_without_verified_token_is_401() -> None:
    app = FastAPI()

    @app.get("/x")
    def x(token: Annotated[VerifiedToken, Depends(require_scope("Read"))]) -> dict:
        return {}

    r = TestClient(app).get("/x")
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "Bearer")
    assert_denial_body(r, "missing_token")


def test_raw_path_is_decoded_once(policy_file: Path, sign) -> None:
    app = Starlette(routes=[Route("/{rest:path}", whoami)])
    client = TestClient(PolicyMiddleware(app, policy_file))
    auth = {"Authorization": f"Bearer {sign()}"}
    denied = client.get("/weather/%2e%2e/admin", headers=auth)
    assert (denied.status_code, denied.json()["error"]) == (400, "unsafe_path")
    assert client.get("/w%65ather/x", headers=auth).status_code == 200


def test_require_scope_refuses_unsafe_paths_without_the_middleware() -> None:
    app = FastAPI()

    @app.get("/files/{path:path}")
    def read(path: str, token: Annotated[VerifiedToken, Depends(require_scope("Read"))]) -> str:
        return path

    client = TestClient(app)
    denied = client.get("/files/%2e%2e/secret")
    assert denied.status_code == 400
    assert 'error="invalid_request"' in denied.headers["www-authenticate"]
    assert client.get("/files/secret").status_code == 401
