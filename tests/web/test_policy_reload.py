"""The ASGI and WSGI middleware, given a policy path, pick up a changed file in a real
app under a real server; a file that fails to load keeps the old policy, with one warning."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from helpers import eventually
from pyioctl.keys import PrivateKey
from pyioctl.policy import load_policy
from pyioctl.web import asgi, wsgi

from .conftest import policy_text
from .servers import uvicorn_serving, werkzeug_serving


async def weather(request: Request) -> PlainTextResponse:
    return PlainTextResponse("sunny")


def starlette_server(policy: Path):
    app = Starlette(routes=[Route("/weather/{city}", weather)])
    return uvicorn_serving(asgi.PolicyMiddleware(app, policy))


def flask_server(policy: Path):
    app = Flask("reload")
    app.add_url_rule("/weather/<city>", "weather", lambda city: "sunny")
    app.wsgi_app = wsgi.PolicyMiddleware(app.wsgi_app, policy)  # type: ignore[method-assign]
    return werkzeug_serving(app)


SERVERS = {"starlette": starlette_server, "flask": flask_server}


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest, policy_file: Path) -> Iterator[str]:
    with SERVERS[request.param](policy_file) as port:
        yield f"http://127.0.0.1:{port}/weather/oslo"


def test_a_changed_policy_applies_without_restart(
    server: str, policy_file: Path, issuer: PrivateKey, sign, caplog: pytest.LogCaptureFixture
) -> None:
    auth = {"Authorization": f"Bearer {sign()}"}
    assert httpx.get(server, headers=auth).status_code == 200

    policy_file.write_text(policy_text(issuer).replace("subject: weather", "subject: other"))
    assert eventually(lambda: httpx.get(server, headers=auth).status_code == 403)

    # A broken file: the running policy stays, and one warning says so, however many
    # requests arrive while it is there.
    with caplog.at_level(logging.WARNING, logger="pyioctl.policy"):
        policy_file.write_text("issuers: [")
        deadline = time.monotonic() + 1.3
        while time.monotonic() < deadline:
            assert httpx.get(server, headers=auth).status_code == 403
            time.sleep(0.05)
    warnings = [r for r in caplog.records if "not reloaded" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]

    policy_file.write_text(policy_text(issuer))
    assert eventually(lambda: httpx.get(server, headers=auth).status_code == 200)


def test_a_policy_object_is_never_reloaded(tmp_path: Path, issuer: PrivateKey, sign) -> None:

    path = tmp_path / "policy.yaml"
    path.write_text(policy_text(issuer))
    middleware = wsgi.PolicyMiddleware(lambda e, s: [b""], load_policy(path))
    before = middleware.policy
    path.write_text("issuers: [")
    time.sleep(1.1)
    assert middleware.policy is before
