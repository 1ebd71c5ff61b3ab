"""Real Caddy with forward_auth, configured by docs/examples/Caddyfile as published, in
front of a small upstream that echoes the headers it receives, asking the real verifier
service (`ioctl jwt serve`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from .conftest import free_port, run_service
from .examples import EXAMPLE_KEY, example_token
from .proxies import front_client, proxy_policy, published_site

CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(CADDY is None, reason="caddy not installed (apt-get install caddy)")

# No admin endpoint, no certificates: nothing listens but the site on 127.0.0.1.
GLOBAL = "{\n\tadmin off\n\tauto_https off\n\tstorage file_system {storage}\n}\n\n"


class Echo(BaseHTTPRequestHandler):
    """The protected API: answers every request with the method, target and headers."""

    def answer(self) -> None:
        # Read the request body first: closing with it unread resets the connection, and
        # Caddy then answers 502 if the reset overtakes the response.
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {"method": self.command, "uri": self.path, "headers": self.headers.items()}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("caddy")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        with run_service(proxy_policy(tmp), tmp) as verifier:
            front_port = free_port()
            site = published_site(
                "Caddyfile",
                verifier.url,
                f"127.0.0.1:{upstream.server_port}",
                f"127.0.0.1:{front_port}",
            )
            config = tmp / "Caddyfile"
            config.write_text(GLOBAL.replace("{storage}", str(tmp / "storage")) + site)
            home = {"HOME": str(tmp), "XDG_DATA_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp)}
            log = tmp / "caddy.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"],
                    stdout=out, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", **home},
                )  # fmt: skip
            with front_client("caddy", process, front_port, log) as client:
                yield client
    finally:
        upstream.shutdown()


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def upstream_headers(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, (response.status_code, response.text)
    return {k.lower(): v for k, v in response.json()["headers"]}


def test_allowed_request_reaches_the_api_with_identity(front: httpx.Client) -> None:
    r = front.get("/weather/today?units=metric", headers=auth(example_token()))
    seen = upstream_headers(r)
    assert r.json()["uri"] == "/weather/today?units=metric"
    assert seen["x-auth-issuer"] == EXAMPLE_KEY.address
    assert (seen["x-auth-subject"], seen["x-auth-scope"]) == ("weather", "Read")
    assert "authorization" in seen  # the API may read the token itself too


def test_post_with_body_and_create_scope(front: httpx.Client) -> None:
    r = front.post(
        "/weather/reports", headers=auth(example_token(scope="Create")), content=b"x" * 100_000
    )
    assert r.status_code == 200 and r.json()["method"] == "POST"


def test_no_token_is_401_with_bare_challenge(front: httpx.Client) -> None:
    r = front.get("/weather/today")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["not.a.token", example_token(exp_in=-90)])
def test_invalid_token_is_401(front: httpx.Client, token: str) -> None:
    r = front.get("/weather/today", headers=auth(token))
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_missing_scope_and_unrouted_path_are_403(front: httpx.Client) -> None:
    r = front.delete("/weather/today", headers=auth(example_token()))
    assert r.status_code == 403
    assert r.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert front.get("/admin", headers=auth(example_token())).status_code == 403


def test_client_identity_headers_never_reach_the_api(front: httpx.Client) -> None:
    spoofed = {"X-Auth-Subject": "admin", "X-Auth-Scope": "Admin", "X-Auth-Role": "root"}
    seen = upstream_headers(front.get("/weather/today", headers=auth(example_token(), **spoofed)))
    assert (seen["x-auth-subject"], seen["x-auth-scope"]) == ("weather", "Read")
    assert "x-auth-role" not in seen


def test_client_subject_does_not_pass_when_the_token_has_none(front: httpx.Client) -> None:
    # The verifier sends an empty X-Auth-Subject; newer Caddy's copy_headers would then
    # leave the client's own in place, which the example's request_header removes.
    token = example_token(sub="")
    seen = upstream_headers(
        front.get("/open/x", headers=auth(token, **{"X-Auth-Subject": "admin"}))
    )
    assert seen.get("x-auth-subject", "") == ""
    assert seen["x-auth-issuer"] == EXAMPLE_KEY.address


@pytest.mark.parametrize(
    ("method", "path", "spoofed", "status"),
    [
        # Caddy sets X-Forwarded-Uri/-Method itself, over any the client sent.
        ("GET", "/admin", {"X-Forwarded-Uri": "/weather/today"}, 403),
        ("DELETE", "/weather/today", {"X-Forwarded-Method": "GET"}, 403),
        # The example drops a client's nginx-style pair before asking the verifier.
        ("GET", "/admin", {"X-Original-URI": "/weather/today"}, 403),
        ("GET", "/weather/today", {"X-Original-URI": "/weather/other"}, 200),
    ],
)
def test_spoofed_forwarded_headers_are_not_believed(
    front: httpx.Client, method: str, path: str, spoofed: dict[str, str], status: int
) -> None:
    r = front.request(method, path, headers=auth(example_token(), **spoofed))
    assert r.status_code == status, r.text
