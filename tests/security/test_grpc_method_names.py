"""What the gRPC interceptor judges is the whole method name the server dispatches.

A server with a catch-all handler (a gRPC proxy forwarding every method upstream, or a
router that picks a handler by its own reading of the name) serves the name exactly as
the client sent it. Whenever a Read token is let through, the route that allowed it must
cover that whole name: a policy that judged only part of it (the part before a ``?``, as
an HTTP path would be) judged another call than the one served."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route
from pyioctl.web.grpc import PolicyInterceptor
from web.servers import grpc_channel

KEY = PrivateKey.generate()
NOW = int(time.time())
READER = jwt.sign(KEY, scope="Read", exp=NOW + 3600, iat=NOW - 1)
PUBLIC = Route("/public.Svc/*", scopes="Read")
POLICY = Policy(issuers=[KEY.address], routes=[PUBLIC, Route("/admin.Svc/*", scopes="Admin")])


class CatchAll(grpc.GenericRpcHandler):
    """Serves every method, answering with the name it was called by."""

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Any:
        name = handler_call_details.method.encode()
        return grpc.unary_unary_rpc_method_handler(lambda request, context: name)


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    with grpc_channel(PolicyInterceptor(POLICY), CatchAll()) as ch:
        yield ch


def served(channel: grpc.Channel, method: str) -> str | None:
    """The name the handler ran under, or None when the call was refused."""
    try:
        reply = channel.unary_unary(method)(b"", metadata=[("authorization", f"bearer {READER}")])
    except grpc.RpcError:
        return None
    return bytes(reply).decode()


def test_a_query_in_a_method_name_is_not_cut_off(channel: grpc.Channel) -> None:
    assert served(channel, "/public.Svc/Get") == "/public.Svc/Get"
    assert served(channel, "/public.Svc/Get?/admin.Svc/Delete") is None
    assert served(channel, "/public.Svc/Get?x") is None


PIECES = ["public.Svc", "admin.Svc", "Get", "Delete", "?", "#", "%2F", "%", ".", "..", "", ";"]
names = st.builds(
    lambda parts: "/" + "/".join(parts),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text("ab?#%/.;", max_size=3)), max_size=5),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(method=names)
def test_every_method_served_is_one_its_route_covers(channel: grpc.Channel, method: str) -> None:
    name = served(channel, method)
    if name is not None:
        assert PUBLIC.matches(name), name
