"""PolicyMiddleware for WSGI under a real Flask app and its test client."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from flask import Flask, jsonify, request
from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import policy_from_yaml as load_policy_text
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


def admin_policy(tmp_path: Path, issuer: PrivateKey) -> Path:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f"issuers: [{issuer.address}]\ndefault: allow\nroutes:\n"
        "  - path: /admin/**\n    scopes: Admin\n"
    )
    return policy


def test_a_path_rewritten_before_the_middleware_is_judged_as_the_app_routes_it(
    tmp_path: Path, issuer: PrivateKey, sign
) -> None:
    # mod_rewrite or a prefix-stripping middleware changes PATH_INFO but not REQUEST_URI:
    # the client's /v1/admin/secret is served as /admin/secret and must be judged so.
    app = Flask(__name__)

    @app.route("/admin/secret")
    def secret():
        return "secret"

    app.wsgi_app = PolicyMiddleware(app.wsgi_app, admin_policy(tmp_path, issuer))
    inner = app.wsgi_app

    def strip_v1(environ, start_response):
        environ["PATH_INFO"] = environ["PATH_INFO"].removeprefix("/v1")
        return inner(environ, start_response)

    app.wsgi_app = strip_v1
    r = app.test_client().get("/v1/admin/secret", headers={"Authorization": f"Bearer {sign()}"})
    assert (r.status_code, r.json["error"]) == (403, "insufficient_scope")


_SEGMENTS = st.sampled_from(["admin", "v1", "weather", "%2e%2e", "..", "%2F", "a%20b", "ä", ""])


@settings(max_examples=300, deadline=None)
@given(
    client_path=st.lists(_SEGMENTS, min_size=1, max_size=4).map("/".join),
    served=st.one_of(st.none(), st.lists(_SEGMENTS, min_size=1, max_size=4).map("/".join)),
    raw_key=st.sampled_from(["RAW_URI", "REQUEST_URI"]),
    absolute=st.booleans(),
)
def test_the_app_only_serves_paths_the_policy_allowed(
    client_path: str, served: str | None, raw_key: str, absolute: bool
) -> None:
    # Whatever the raw target says and whatever rewrote PATH_INFO, a request reaches the
    # app only if the policy allows the path the app serves.
    issuer = PrivateKey.from_bytes(b"\x01" * 32)
    policy = load_policy_text(
        f"issuers: [{issuer.address}]\ndefault: allow\nroutes:\n"
        "  - path: /admin/**\n    scopes: Admin\n"
    )
    token = jwt.sign(issuer, sub="weather", scope="Read", exp=2**40)
    raw = ("http://example.com" if absolute else "") + client_path
    path_info = unquote(client_path, "latin-1") if served is None else unquote(served, "latin-1")
    reached = []

    def app(environ, start_response):
        reached.append(environ["PATH_INFO"])
        start_response("204 No Content", [])
        return [b""]

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        raw_key: raw,
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    PolicyMiddleware(app, policy)(environ, lambda status, headers: None)
    if reached:
        assert policy.authorize(token, "GET", quote(path_info.encode("latin-1"))).allowed
