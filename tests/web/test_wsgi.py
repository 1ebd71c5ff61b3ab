"""PolicyMiddleware for WSGI under a real Flask app and its test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, jsonify, request

from pyioctl.keys import PrivateKey
from pyioctl.web.wsgi import ENVIRON_KEY, PolicyMiddleware


@pytest.fixture
def client(policy_file: Path):
    app = Flask(__name__)

    @app.route("/weather/<path:rest>", methods=["GET", "POST"])
    def weather(rest: str):
        token = request.environ[ENVIRON_KEY]
        return jsonify(issuer=token.issuer_address, subject=token.subject, scope=token.scope)

    app.wsgi_app = PolicyMiddleware(app.wsgi_app, policy_file)
    return app.test_client()


def test_allowed_request_sees_the_token(client, sign, issuer: PrivateKey) -> None:
    r = client.get("/weather/today", headers={"Authorization": f"bearer {sign()}"})
    assert r.status_code == 200
    assert r.json == {"issuer": issuer.address, "subject": "weather", "scope": "Read"}


def test_denials(client, sign) -> None:
    r = client.get("/weather/today")
    assert (r.status_code, r.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert r.json == {"error": "missing_token", "error_description": "a bearer token is required"}
    r = client.post("/weather/today", headers={"Authorization": f"Bearer {sign()}"})
    assert r.status_code == 403
    assert r.headers["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')
    r = client.get("/weather/today", headers={"Authorization": f"Bearer {sign(exp_in=-60)}"})
    assert (r.status_code, r.json["error"]) == (401, "expired")
    r = client.get("/elsewhere", headers={"Authorization": f"Bearer {sign()}"})
    assert (r.status_code, r.json["error"]) == (403, "no_route")


@pytest.mark.parametrize(
    "value", ["", "Bearer", "Basic abc", "Bearer a b", "Bearer tök.én", "Bearer " + "x" * 65536]
)
def test_odd_headers_are_4xx(client, value: str) -> None:
    r = client.get("/weather/today", headers={"Authorization": value})
    assert r.status_code == 401


def test_dot_segments_are_refused(client, sign) -> None:
    auth = {"Authorization": f"Bearer {sign()}"}
    denied = client.get("/weather/%2e%2e/admin", headers=auth)
    assert (denied.status_code, denied.json["error"]) == (400, "unsafe_path")
    assert 'error="invalid_request"' in denied.headers["WWW-Authenticate"]


def test_without_raw_uri_path_info_is_requoted(policy_file: Path, sign) -> None:
    seen = []

    def app(environ, start_response):
        seen.append(environ[ENVIRON_KEY].subject)
        start_response("204 No Content", [])
        return [b""]

    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/weather/100%",  # decoded already: '%' is literal, not an escape
        "HTTP_AUTHORIZATION": f"Bearer {sign()}",
    }
    PolicyMiddleware(app, policy_file)(environ, lambda status, headers: statuses.append(status))
    assert (statuses, seen) == (["204 No Content"], ["weather"])


@pytest.mark.parametrize("raw_key", ["RAW_URI", "REQUEST_URI"])
def test_absolute_form_request_target_is_checked_by_its_path(
    tmp_path: Path, issuer: PrivateKey, sign, raw_key: str
) -> None:
    # gunicorn and werkzeug put the request line's target in RAW_URI/REQUEST_URI, which for
    # `GET http://host/admin/secret HTTP/1.1` is absolute; the app serves PATH_INFO.
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f"issuers: [{issuer.address}]\nroutes:\n"
        "  - path: /admin/**\n    scopes: Admin\n"
        "  - path: /**\n    scopes: Read\n"
    )
    reached = []

    def app(environ, start_response):
        reached.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"secret"]

    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/admin/secret",
        raw_key: "http://example.com/admin/secret",
        "HTTP_AUTHORIZATION": f"Bearer {sign()}",  # scope Read only
    }
    PolicyMiddleware(app, policy)(environ, lambda status, headers: statuses.append(status))
    assert reached == [] and statuses[0].startswith("403")
