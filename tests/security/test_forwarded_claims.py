"""Claims forwarded to the upstream as response headers: whatever a token's author puts in
a claim, and whatever header name a policy names, the verifier's 200 answer stays a valid
HTTP response that carries the claim unchanged or not at all.

h11 (uvicorn's HTTP/1.1 implementation, not ours) judges header names and values, so a
value that could split a header, end the head or be trimmed in transit is caught whatever
the next variant looks like.
"""

from __future__ import annotations

import os
from urllib.parse import unquote

import h11
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import respond, signed_claims
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, PolicyError, Route
from pyioctl.policy.forwarding import MAX_HEADER_VALUE, ForwardHeaders, header_value
from pyioctl.web.service import VerifierApp

KEY = PrivateKey.generate()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=MAX_HEADER_VALUE + 50)
numbers = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=5,
)


def valid_response(headers: list[tuple[bytes, bytes]]) -> None:
    """Raises unless h11 would send these headers in a response, and read them back."""
    headers = [(b"content-length", b"0"), *(h for h in headers if h[0] != b"content-length")]
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    conn.next_event()
    wire = conn.send(h11.Response(status_code=200, headers=headers))
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    client.receive_data(wire)
    event = client.next_event()
    assert isinstance(event, h11.Response)
    received = [(k, v) for k, v in event.headers if k != b"content-length"]
    sent = [(k.lower(), v) for k, v in headers if k != b"content-length"]
    assert received == sent  # nothing split off, merged or trimmed


@SETTINGS
@given(texts)
def test_header_value_is_visible_ascii_and_reversible(text: str) -> None:
    value = header_value(text)
    assert all(" " <= c <= "~" for c in value)
    assert value == value.strip(" ")  # parsers drop spaces at the ends
    assert unquote(value, errors="strict") == text
    valid_response([(b"x-auth-subject", value.encode())])


@SETTINGS
@given(st.text(max_size=40))
def test_any_accepted_header_name_is_a_plain_http_field(name: str) -> None:
    try:
        forward = ForwardHeaders({name: "sub"})
    except PolicyError:
        return
    assert forward.headers == ((name, "sub"),)
    valid_response([(name.encode(), b"v")])
    assert name.lower() not in ("content-length", "transfer-encoding", "connection", "host")


@pytest.fixture(scope="module")
def app() -> VerifierApp:
    policy = Policy(
        issuers=[KEY.address],
        routes=[Route("/api/**")],
        require_exp=False,
        forward_headers={"X-Auth-Subject": "sub", "X-Auth-Tenant": "tenant", "X-Auth-Who": "iss"},
    )
    return VerifierApp(policy, log_fd=os.open(os.devnull, os.O_WRONLY))


def answer(app: VerifierApp, token: str) -> tuple[int, list[tuple[bytes, bytes]]]:
    start = respond(app, [("Authorization", f"Bearer {token}"), ("X-Original-URI", "/api")])
    return start["status"], start["headers"]


@SETTINGS
@given(tenant=json_values, sub=texts)
def test_the_200_answer_is_valid_http_whatever_the_claims(app, tenant, sub) -> None:
    status, headers = answer(app, signed_claims(KEY, sub=sub, scope="Read", tenant=tenant))
    assert status == 200
    valid_response(headers)
    got = dict(headers)
    assert set(got) == {b"content-length", b"x-auth-subject", b"x-auth-tenant", b"x-auth-who"}
    assert got[b"x-auth-who"] == KEY.address.encode()
    for value, claim in ((got[b"x-auth-subject"], sub), (got[b"x-auth-tenant"], tenant)):
        assert len(value) <= MAX_HEADER_VALUE
        if isinstance(claim, str) and value:
            assert unquote(value.decode()) == claim  # the claim itself, or nothing
        elif not isinstance(claim, (int, float)) or isinstance(claim, bool):
            assert value == b""
