"""A real grpcio server with PolicyInterceptor and a client sending ioctl's metadata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from pyioctl.keys import PrivateKey
from pyioctl.web.grpc import PolicyInterceptor, current_token

from .servers import grpc_channel

SERVICE = "iotexapi.APIService"


def _who(request: bytes, context: grpc.ServicerContext) -> bytes:
    token = current_token()
    return f"{token.issuer_address} {token.subject} {request.decode()}".encode()


def _count(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
    for i in range(int(request)):
        yield f"{current_token().subject}-{i}".encode()


@pytest.fixture
def channel(policy_file: Path) -> Iterator[grpc.Channel]:
    # Generic handlers with raw bytes: no protoc, no generated code.
    handler = grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "GetAccount": grpc.unary_unary_rpc_method_handler(_who),
            "StreamBlocks": grpc.unary_stream_rpc_method_handler(_count),
        },
    )
    with grpc_channel(PolicyInterceptor(policy_file), handler) as ch:
        yield ch


def call(channel: grpc.Channel, method: str, body: bytes, metadata=()):
    return channel.unary_unary(f"/{SERVICE}/{method}")(body, metadata=metadata, timeout=5)


def test_ioctl_metadata_is_accepted(channel, sign, issuer: PrivateKey) -> None:
    tok = sign(sub="iotex-api", scope="Read")
    # Exactly what ioctl sends (go-ioctl.md §2.4): lower-case key and lower-case "bearer ".
    reply = call(channel, "GetAccount", b"io1x", [("authorization", f"bearer {tok}")])
    assert reply == f"{issuer.address} iotex-api io1x".encode()


def test_streaming_handler_sees_the_token(channel, sign) -> None:
    tok = sign(sub="iotex-api", scope="read")
    stream = channel.unary_stream(f"/{SERVICE}/StreamBlocks")
    replies = list(stream(b"3", metadata=[("authorization", f"bearer {tok}")], timeout=5))
    assert replies == [b"iotex-api-0", b"iotex-api-1", b"iotex-api-2"]


@pytest.mark.parametrize(
    ("metadata", "code", "detail"),
    [
        ((), grpc.StatusCode.UNAUTHENTICATED, "a bearer token is required"),
        ([("authorization", "bearer x.y.z")], grpc.StatusCode.UNAUTHENTICATED, "base64"),
        ([("authorization", "Basic abc")], grpc.StatusCode.UNAUTHENTICATED, "required"),
    ],
)
def test_denied_calls(channel, metadata, code, detail) -> None:
    with pytest.raises(grpc.RpcError) as info:
        call(channel, "GetAccount", b"", metadata)
    assert info.value.code() == code
    assert detail in info.value.details()


def test_wrong_subject_or_scope_is_permission_denied(channel, sign) -> None:
    for tok in (sign(sub="weather", scope="Read"), sign(sub="iotex-api", scope="Create")):
        with pytest.raises(grpc.RpcError) as info:
            call(channel, "GetAccount", b"", [("authorization", f"bearer {tok}")])
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        trailers = dict(info.value.trailing_metadata())
        assert trailers["www-authenticate"].startswith('Bearer error="insufficient_scope"')


def test_expired_token(channel, sign) -> None:
    tok = sign(sub="iotex-api", exp_in=-5)
    with pytest.raises(grpc.RpcError) as info:
        call(channel, "GetAccount", b"", [("authorization", f"bearer {tok}")])
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in info.value.details()


def test_unknown_method_stays_unimplemented(channel, sign) -> None:
    with pytest.raises(grpc.RpcError) as info:
        call(channel, "Nope", b"", [("authorization", f"bearer {sign(sub='iotex-api')}")])
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_streaming_call_without_token_is_refused(channel) -> None:
    stream = channel.unary_stream(f"/{SERVICE}/StreamBlocks")
    with pytest.raises(grpc.RpcError) as info:
        list(stream(b"3", timeout=5))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


class _AnyMethod(grpc.GenericRpcHandler):
    """Serves every method name, so names only the policy can refuse reach it."""

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(_who)


def test_unsafe_method_names_are_refused(policy_file: Path, sign) -> None:
    from .test_grpc_aio import UNSAFE_METHODS

    metadata = [("authorization", f"bearer {sign(sub='iotex-api', scope='Read')}")]
    with grpc_channel(PolicyInterceptor(policy_file), _AnyMethod()) as ch:
        assert call(ch, "GetAccount", b"ok", metadata)
        for method in UNSAFE_METHODS:
            with pytest.raises(grpc.RpcError) as info:
                ch.unary_unary(method)(b"", metadata=metadata, timeout=5)
            assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED, method
            assert "canonical" in info.value.details()
