"""Request targets against routes (issue 8 finding 1, as a class).

Generated targets, built from the pieces that have broken path matching before (dot
segments, encoded slashes, empty segments, bad escapes, controls), are judged by the
policy and dispatched by the literal-path routers of Starlette and Flask. Whenever the
policy allows a target by route R, the handler the framework picks must be one R covers:
a policy that judged another path than the one served would fail here. The verifier
service answers any target bytes with 200, 401 or 403 only, and judging a target costs
time linear in its size.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from urllib.parse import unquote, unquote_to_bytes

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route as StarletteRoute

from helpers import asgi_messages, respond
from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route, canonical_path
from pyioctl.web.service import VerifierApp

KEY = PrivateKey.generate()
NOW = int(time.time())
TOKEN = jwt.sign(KEY, sub="s", scope="Read Admin", exp=NOW + 86400, iat=NOW - 1)
POLICY = Policy(
    issuers=[KEY.address],
    routes=[
        Route("/public/**", scopes="Read"),
        Route("/admin/**", scopes="Admin"),
        Route("/api/*/items", scopes="Read"),
    ],
)
# Framework handler -> the policy route that covers it (None: no route does).
COVERS = {"public": "/public/**", "admin": "/admin/**", "items": "/api/*/items", "other": None}

PIECES = [
    "public", "admin", "api", "items", "x", "", ".", "..", "%2e", "%2E", "%2e%2E", ".%2e",
    "%2f", "%2F", "..%2f", "%5c", "%5C", "\\", "%00", "%41", "%61dmin", "adm%69n", "pub%6cic",
    "%zz", "%", "%4", "%C3%A9", "%FF", "%C3", "%0a", "%7f", "a;b", ";", " ", "\t", "#", "%23",
    "%3F", "~", "%7E", "%20", "\u00e9", "%25", "%252e",
]  # fmt: skip
piece = st.one_of(
    st.sampled_from(PIECES),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=4),
)
targets = st.builds(
    lambda segments, query: "/" + "/".join(segments) + query,
    st.lists(piece, max_size=6),
    st.sampled_from(["", "?", "?a=1", "?/../admin", "?x=%2e%2e"]),
)


def _handler(name: str):
    async def handle(request: Request) -> PlainTextResponse:
        return PlainTextResponse(name)

    return handle


STARLETTE = Starlette(
    routes=[
        StarletteRoute("/public", _handler("public")),
        StarletteRoute("/public/{p:path}", _handler("public")),
        StarletteRoute("/admin", _handler("admin")),
        StarletteRoute("/admin/{p:path}", _handler("admin")),
        StarletteRoute("/api/{x}/items", _handler("items")),
        StarletteRoute("/{p:path}", _handler("other")),
    ]
)

FLASK = Flask("targets")
for rule, name in [
    ("/public", "public"),
    ("/public/", "public"),
    ("/public/<path:p>", "public"),
    ("/admin", "admin"),
    ("/admin/", "admin"),
    ("/admin/<path:p>", "admin"),
    ("/api/<x>/items", "items"),
    ("/", "other"),
    ("/<path:p>", "other"),
]:
    FLASK.add_url_rule(rule, f"{name}:{rule}", lambda name=name, **_: name)


def starlette_handler(raw_path: str) -> str | None:
    """The handler Starlette runs for the target, given the scope uvicorn builds."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": unquote(raw_path), "raw_path": raw_path.encode("latin-1"),
        "query_string": b"", "root_path": "", "headers": [], "server": ("127.0.0.1", 80),
    }  # fmt: skip
    sent = asgi_messages(STARLETTE, scope)
    if sent[0]["status"] != 200:
        return None  # redirect or not found: no handler ran
    return b"".join(m.get("body", b"") for m in sent[1:]).decode()


def flask_handler(raw_path: str) -> str | None:
    """The handler Flask runs for the target, given the environ a WSGI server builds."""
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"), "REQUEST_URI": raw_path,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": None, "wsgi.errors": None,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip
    status: list[str] = []
    body = b"".join(FLASK.wsgi_app(environ, lambda s, h, e=None: status.append(s)))
    return body.decode() if status[0].startswith("200") else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets)
def test_allowed_targets_reach_only_handlers_their_route_covers(target: str) -> None:
    decision = POLICY.authorize(TOKEN, "GET", target, NOW)
    canonical = canonical_path(target)
    if canonical is None:
        assert (decision.allowed, decision.reason) == (False, "unsafe_path")
        return
    if not decision.allowed:
        return
    route = POLICY.route_for(canonical)
    assert route is not None
    raw_path = target.split("?", 1)[0]
    for router in (starlette_handler, flask_handler):
        handler = router(raw_path)
        assert handler is None or COVERS[handler] == route.path, (router.__name__, handler)


@pytest.mark.parametrize(
    ("target", "handler"),
    [
        ("/admin/files/x", "admin"),
        ("/public/x", "public"),
        ("/%61dmin/x", "admin"),  # decoded before matching, as the frameworks decode it
        ("/api/a%20b/items", "items"),
    ],
)
def test_the_routers_agree_on_canonical_targets(target: str, handler: str) -> None:
    assert starlette_handler(target) == flask_handler(target) == handler
    route = POLICY.route_for(canonical_path(target))  # type: ignore[arg-type]
    assert route is not None and route.path == COVERS[handler]


# -- the service ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service() -> Iterator[VerifierApp]:
    log = os.open(os.devnull, os.O_WRONLY)
    try:
        yield VerifierApp(POLICY, log_fd=log)
    finally:
        os.close(log)


def ask(app: VerifierApp, uri: bytes, token: str | None) -> int:
    headers = [("X-Original-URI", uri.decode("latin-1")), ("X-Original-Method", "GET")]
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    return respond(app, headers)["status"]


@pytest.mark.parametrize(
    "uri",
    [b"http://[/admin", b"http://h:99999/x", b"https://[::1/x", b"//", b"*", b"\xff\xfe", b""],
)
def test_service_refuses_unparsable_targets_without_500(service: VerifierApp, uri: bytes) -> None:
    assert ask(service, uri, TOKEN) == 403


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=64),
        targets.map(lambda t: t.encode("utf-8", "surrogatepass")),
        targets.map(lambda t: ("http://h" + t).encode("utf-8", "surrogatepass")),
        st.binary(max_size=32).map(lambda b: b"http://" + b),
    ),
    st.sampled_from([TOKEN, None, "x.y.z"]),
)
def test_service_answers_any_target_with_200_401_or_403(
    service: VerifierApp, uri: bytes, token: str | None
) -> None:
    assert ask(service, uri, token) in (200, 401, 403)


# -- cost ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit", ["/a", "/%2e", "%41", "/a%C3%A9", "//", "/..", "%", "a", "http://h/a" + "/b"]
)
def test_judging_a_target_costs_linear_time(unit: str) -> None:
    def cost(n: int) -> float:
        target = "/" + unit * n
        best = float("inf")
        for _ in range(7):
            start = time.perf_counter()
            POLICY.authorize(None, "GET", target)
            best = min(best, time.perf_counter() - start)
        return best

    # The best of several runs, without the collector: the algorithm's cost, not the
    # noise of a shared machine.
    gc.disable()
    try:
        small, large = cost(1000), cost(8000)
    finally:
        gc.enable()
    # Generous: 8x the input may cost up to 30x the time, never the 64x of a quadratic.
    assert large < 30 * max(small, 1e-5), (small, large)
