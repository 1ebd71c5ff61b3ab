"""A real grpc.aio server with AioPolicyInterceptor and a grpc.aio client: the same
decisions as the sync interceptor, for async and sync behaviours alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
import pytest

from pyioctl.keys import PrivateKey
from pyioctl.web.grpc import AioPolicyInterceptor, current_token

SERVICE = "iotexapi.APIService"


async def _who(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    await asyncio.sleep(0)  # the token must survive a suspension
    token = current_token()
    return f"{token.issuer_address} {token.subject} {request.decode()}".encode()


def _who_sync(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return f"sync {current_token().subject}".encode()


async def _count(request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
    for i in range(int(request)):
        await asyncio.sleep(0)
        yield f"{current_token().subject}-{i}".encode()


async def _count_by_write(request: bytes, context: grpc.aio.ServicerContext) -> None:
    for i in range(int(request)):
        await context.write(f"w{current_token().subject}-{i}".encode())


class _AnyMethod(grpc.GenericRpcHandler):
    """Serves every method name, so names only the policy can refuse reach it."""

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(_who)


def run(
    policy: Path, scenario: Callable[[grpc.aio.Channel], Awaitable[None]], any_method=False
) -> None:
    async def main() -> None:
        handlers = [
            grpc.method_handlers_generic_handler(
                SERVICE,
                {
                    "GetAccount": grpc.unary_unary_rpc_method_handler(_who),
                    "GetSync": grpc.unary_unary_rpc_method_handler(_who_sync),
                    "StreamBlocks": grpc.unary_stream_rpc_method_handler(_count),
                    "StreamWrites": grpc.unary_stream_rpc_method_handler(_count_by_write),
                },
            )
        ]
        if any_method:
            handlers = [_AnyMethod()]
        server = grpc.aio.server(interceptors=[AioPolicyInterceptor(policy)], handlers=handlers)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                await scenario(channel)
        finally:
            await server.stop(None)

    asyncio.run(main())


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"bearer {token}")]


def test_allowed_calls_see_the_token(policy_file: Path, sign, issuer: PrivateKey) -> None:
    tok = sign(sub="iotex-api", scope="Read")

    async def scenario(channel: grpc.aio.Channel) -> None:
        call = channel.unary_unary(f"/{SERVICE}/GetAccount")
        assert await call(b"io1x", metadata=bearer(tok), timeout=5) == (
            f"{issuer.address} iotex-api io1x".encode()
        )
        sync = channel.unary_unary(f"/{SERVICE}/GetSync")
        assert await sync(b"", metadata=bearer(tok), timeout=5) == b"sync iotex-api"
        for name, prefix in (("StreamBlocks", ""), ("StreamWrites", "w")):
            stream = channel.unary_stream(f"/{SERVICE}/{name}")
            replies = [r async for r in stream(b"2", metadata=bearer(tok), timeout=5)]
            assert replies == [f"{prefix}iotex-api-0".encode(), f"{prefix}iotex-api-1".encode()]

    run(policy_file, scenario)


@pytest.mark.parametrize(
    ("metadata", "code", "detail"),
    [
        ((), grpc.StatusCode.UNAUTHENTICATED, "a bearer token is required"),
        ([("authorization", "bearer x.y.z")], grpc.StatusCode.UNAUTHENTICATED, "base64"),
        ([("authorization", "Basic abc")], grpc.StatusCode.UNAUTHENTICATED, "required"),
    ],
)
def test_denied_calls(policy_file: Path, metadata, code, detail) -> None:
    async def scenario(channel: grpc.aio.Channel) -> None:
        for name in ("GetAccount", "StreamBlocks"):
            multi = channel.unary_stream if name == "StreamBlocks" else channel.unary_unary
            with pytest.raises(grpc.aio.AioRpcError) as info:
                call = multi(f"/{SERVICE}/{name}")(b"1", metadata=metadata, timeout=5)
                if name == "StreamBlocks":
                    [r async for r in call]
                else:
                    await call
            assert info.value.code() == code
            assert detail in info.value.details()

    run(policy_file, scenario)


def test_wrong_subject_or_scope_is_permission_denied(policy_file: Path, sign) -> None:
    async def scenario(channel: grpc.aio.Channel) -> None:
        for tok in (sign(sub="weather", scope="Read"), sign(sub="iotex-api", scope="Create")):
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await channel.unary_unary(f"/{SERVICE}/GetAccount")(
                    b"", metadata=bearer(tok), timeout=5
                )
            assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
            trailers = dict(info.value.trailing_metadata())
            assert trailers["www-authenticate"].startswith('Bearer error="insufficient_scope"')

    run(policy_file, scenario)


def test_unknown_method_stays_unimplemented(policy_file: Path, sign) -> None:
    async def scenario(channel: grpc.aio.Channel) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await channel.unary_unary(f"/{SERVICE}/Nope")(
                b"", metadata=bearer(sign(sub="iotex-api")), timeout=5
            )
        assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED

    run(policy_file, scenario)


UNSAFE_METHODS = [
    f"/{SERVICE}/x/../GetAccount",
    f"/{SERVICE}/%2e%2e/{SERVICE}/GetAccount",
    f"/{SERVICE}//GetAccount",
    f"/{SERVICE}/Get%41ccount",
    f"/{SERVICE}/GetAccount%2F",
]


def test_unsafe_method_names_are_refused(policy_file: Path, sign) -> None:
    tok = sign(sub="iotex-api", scope="Read")

    async def scenario(channel: grpc.aio.Channel) -> None:
        assert await channel.unary_unary(f"/{SERVICE}/GetAccount")(
            b"ok", metadata=bearer(tok), timeout=5
        )
        for method in UNSAFE_METHODS:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await channel.unary_unary(method)(b"", metadata=bearer(tok), timeout=5)
            assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED, method
            assert "canonical" in info.value.details()

    run(policy_file, scenario, any_method=True)
