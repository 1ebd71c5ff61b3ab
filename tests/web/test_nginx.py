"""Real nginx with auth_request, configured by docs/examples/nginx.conf as published, in
front of an echo backend, asking the real verifier service."""

from __future__ import annotations

import http.client
import os
import pwd
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from .conftest import NGINX, free_port, needs_nginx, run_service
from .examples import EXAMPLE_KEY, example_token
from .proxies import front_client, proxy_policy, published_site

pytestmark = needs_nginx


MAIN_CONF = """\
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
    # The protected API: echoes what nginx passed on.
    server {{
        listen {backend};
        location / {{
            default_type text/plain;
            set $who "issuer=$http_x_auth_issuer subject=$http_x_auth_subject";
            return 200 "$who scope=$http_x_auth_scope uri=$request_uri";
        }}
    }}
}}
"""


# Run as the current user: as root nginx would drop its workers to "nobody", who cannot
# write the temporary directories.
USER = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("nginx")
    with run_service(proxy_policy(tmp), tmp) as verifier:
        backend, front_port = free_port(), free_port()
        site = published_site(
            "nginx.conf", verifier.url, f"127.0.0.1:{backend}", f"127.0.0.1:{front_port}"
        )
        (tmp / "site.conf").write_text(site)
        (tmp / "nginx.conf").write_text(
            MAIN_CONF.format(tmp=tmp, backend=f"127.0.0.1:{backend}", user=USER)
        )
        log = tmp / "error.log"
        process = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(log),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        with front_client("nginx", process, front_port, log) as client:
            yield client


def test_allowed_request_reaches_the_api_with_identity(front: httpx.Client) -> None:
    r = front.get(
        "/weather/today?units=metric",
        headers={"Authorization": f"bearer {example_token()}", "X-Auth-Subject": "spoofed"},
    )
    assert r.status_code == 200
    assert r.text == (
        f"issuer={EXAMPLE_KEY.address} subject=weather scope=Read uri=/weather/today?units=metric"
    )


def test_client_subject_does_not_pass_when_the_token_has_none(front: httpx.Client) -> None:
    # The verifier answers with an empty X-Auth-Subject, and proxy_set_header with an
    # empty value sends none: the client's own must not take its place.
    r = front.get(
        "/open/x",
        headers={"Authorization": f"Bearer {example_token(sub='')}", "X-Auth-Subject": "admin"},
    )
    assert r.status_code == 200
    assert r.text == f"issuer={EXAMPLE_KEY.address} subject= scope=Read uri=/open/x"


def test_post_with_body_and_create_scope(front: httpx.Client) -> None:
    auth = {"Authorization": f"Bearer {example_token(scope='Create')}"}
    r = front.post("/weather/reports", headers=auth, content=b"x" * 100_000)
    assert r.status_code == 200


def test_no_token_is_401_with_bare_challenge(front: httpx.Client) -> None:
    r = front.get("/weather/today")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_invalid_token_is_401(front: httpx.Client) -> None:
    r = front.get("/weather/today", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_expired_token_is_401(front: httpx.Client) -> None:
    r = front.get(
        "/weather/today", headers={"Authorization": f"Bearer {example_token(exp_in=-90)}"}
    )
    assert r.status_code == 401
    assert "expired" in r.headers["www-authenticate"]


def test_missing_scope_is_403(front: httpx.Client) -> None:
    r = front.delete("/weather/today", headers={"Authorization": f"Bearer {example_token()}"})
    assert r.status_code == 403


def test_unrouted_path_is_403(front: httpx.Client) -> None:
    r = front.get("/admin", headers={"Authorization": f"Bearer {example_token()}"})
    assert r.status_code == 403


def test_hostile_headers_never_5xx(front: httpx.Client) -> None:
    for value in ("Bearer", "Basic x", "Bearer " + "A" * 60000, "Bearer a b c"):
        r = front.get("/weather/today", headers={"Authorization": value})
        assert r.status_code in (400, 401, 431), (value[:20], r.status_code)


def test_long_unrouted_path_is_403_not_502(front: httpx.Client) -> None:
    r = front.get("/x" + "a" * 6000, headers={"Authorization": f"Bearer {example_token()}"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "spoofed"),
    [
        # nginx passes a client's X-Forwarded-* on to the verifier next to its own
        # X-Original-*: naming an allowed request there must not let another through.
        ("GET", "/admin", {"X-Forwarded-Uri": "/weather/today"}),
        ("DELETE", "/weather/today", {"X-Forwarded-Method": "GET"}),
        # Conflicting ones are refused even when the real request would pass.
        ("GET", "/weather/today", {"X-Forwarded-Uri": "/weather/other"}),
    ],
)
def test_spoofed_forwarded_headers_are_not_believed(
    front: httpx.Client, method: str, path: str, spoofed: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {example_token()}", **spoofed}
    r = front.request(method, path, headers=headers)
    assert r.status_code == 403, r.text


@pytest.mark.parametrize(
    "target",
    [
        # nginx resolves these only for its own location matching; proxy_pass (no URI)
        # sends the API the target as the client wrote it, so an /admin route there
        # would serve it. The verifier must refuse, not judge /weather/today.
        "/admin/../weather/today",
        "/admin/%2e%2e/weather/today",
        "/admin//../weather/today",
    ],
)
def test_dot_segments_do_not_reach_the_api(front: httpx.Client, target: str) -> None:
    # http.client sends the target verbatim; httpx would resolve the dot segments first.
    conn = http.client.HTTPConnection(front.base_url.host, front.base_url.port, timeout=5)
    try:
        conn.request("GET", target, headers={"Authorization": f"Bearer {example_token()}"})
        response = conn.getresponse()
        body = response.read().decode()
    finally:
        conn.close()
    assert response.status == 403, body
    assert "uri=" not in body
