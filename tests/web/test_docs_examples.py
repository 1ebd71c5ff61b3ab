"""The examples of docs/protect-an-api.md, run exactly as published in docs/examples
(nginx.conf and Caddyfile are exercised by test_nginx.py and test_caddy.py)."""

from __future__ import annotations

import re

import grpc
import pytest
from starlette.testclient import TestClient

from .examples import EXAMPLE_KEY, EXAMPLES, example_token, load_example

DOC = EXAMPLES.parent / "protect-an-api.md"


@pytest.mark.parametrize(
    "name",
    ["policy.yaml", "fastapi_app.py", "flask_app.py", "grpc_server.py", "nginx.conf", "Caddyfile"],
)
def test_doc_quotes_each_example_verbatim(name: str) -> None:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert (EXAMPLES / name).read_text() in blocks, f"{name} differs from its copy in {DOC}"


def test_fastapi_example() -> None:
    client = TestClient(load_example("fastapi_app.py").app)
    auth = {"Authorization": f"Bearer {example_token()}"}
    r = client.get("/weather/berlin", headers=auth)
    assert r.json() == {"city": "berlin", "forecast": "sunny", "caller": EXAMPLE_KEY.address}
    assert client.get("/weather/berlin").status_code == 401
    create = {"Authorization": f"Bearer {example_token(scope='Create')}"}
    r = client.post("/weather/berlin/alerts", headers=create)
    assert r.status_code == 403 and 'scope="Alert"' in r.headers["www-authenticate"]
    alert = {"Authorization": f"Bearer {example_token(scope='Create Alert')}"}
    assert client.post("/weather/berlin/alerts", headers=alert).json()["alert"] == "raised"


def test_flask_example() -> None:
    client = load_example("flask_app.py").app.test_client()
    r = client.get("/weather/oslo", headers={"Authorization": f"bearer {example_token()}"})
    assert r.json == {"city": "oslo", "forecast": "sunny", "caller": EXAMPLE_KEY.address}
    r = client.get("/weather/oslo", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_grpc_example() -> None:
    server, port = load_example("grpc_server.py").serve("127.0.0.1:0")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            get_account = channel.unary_unary("/iotexapi.APIService/GetAccount")
            tok = example_token(sub="iotex-api")
            reply = get_account(b"io1abc", metadata=[("authorization", f"bearer {tok}")])
            assert reply == f"account io1abc requested by {EXAMPLE_KEY.address}".encode()
            with pytest.raises(grpc.RpcError) as info:
                get_account(b"io1abc", timeout=5)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        server.stop(None)
