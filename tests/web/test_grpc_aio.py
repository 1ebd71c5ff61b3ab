"""A real grpc.aio server with AioPolicyInterceptor and a grpc.aio client: the same
decisions as the sync interceptor, for async and sync behaviours alike."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def serve(
    policy: Path,
    handlers: list[grpc.GenericRpcHandler],
    scenario: Callable[[grpc.aio.Channel], Awaitable[None]],
) -> None:
    """Run ``scenario`` against a grpc.aio server with the interceptor before ``handlers``."""

    async def main() -> None:
        server = grpc.aio.server(interceptors=[AioPolicyInterceptor(policy)], handlers=handlers)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                await scenario(channel)
        finally:
            await server.stop(None)

    asyncio.run(main())


def run(
    policy: Path, scenario: Callable[[grpc.aio.Channel], Awaitable[None]], any_method=False
) -> None:
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
    serve(policy, [_AnyMethod()] if any_method else handlers, scenario)


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


# Each kind of behaviour, sync and async: replies with where it ran and whose token it
# saw, or aborts with its own status when asked to, as an application check would.
def _where() -> str:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return f"pool {current_token().subject}"
    return f"loop {current_token().subject}"


def _sync_unary(request: bytes, context) -> bytes:
    if request == b"abort":
        context.abort(grpc.StatusCode.NOT_FOUND, "gone")
        raise AssertionError("ran on after abort")
    return _where().encode()


def _sync_stream(request: bytes, context):
    yield _where().encode()
    if request == b"abort":
        context.abort(grpc.StatusCode.NOT_FOUND, "gone")
        raise AssertionError("ran on after abort")


def _sync_from_stream(requests, context) -> bytes:
    return _sync_unary(b"".join(requests), context)  # a plain iterator, as grpc gives


def _sync_stream_from_stream(requests, context):
    yield from _sync_stream(b"".join(requests), context)


async def _async_unary(request: bytes, context) -> bytes:
    if request == b"abort":
        await context.abort(grpc.StatusCode.NOT_FOUND, "gone")
    return _where().encode()


async def _async_stream(request: bytes, context):
    yield _where().encode()
    if request == b"abort":
        await context.abort(grpc.StatusCode.NOT_FOUND, "gone")


async def _async_from_stream(requests, context) -> bytes:
    return await _async_unary(b"".join([r async for r in requests]), context)


async def _async_stream_from_stream(requests, context):
    async for reply in _async_stream(b"".join([r async for r in requests]), context):
        yield reply


_BEHAVIOURS = {
    ("unary_unary", "sync"): _sync_unary,
    ("unary_stream", "sync"): _sync_stream,
    ("stream_unary", "sync"): _sync_from_stream,
    ("stream_stream", "sync"): _sync_stream_from_stream,
    ("unary_unary", "async"): _async_unary,
    ("unary_stream", "async"): _async_stream,
    ("stream_unary", "async"): _async_from_stream,
    ("stream_stream", "async"): _async_stream_from_stream,
}


@pytest.mark.parametrize(("kind", "style"), sorted(_BEHAVIOURS))
def test_behaviours_run_and_abort_as_grpc_aio_runs_them(
    policy_file: Path, sign, kind: str, style: str
) -> None:
    """grpc.aio runs a sync behaviour on its thread pool with a context whose abort()
    raises, and hands it plain request iterators: behind the interceptor it must still,
    or its own abort() is a coroutine nobody awaits and the call returns its data."""
    tok = sign(sub="iotex-api", scope="Read")
    where = "pool" if style == "sync" else "loop"
    cases = [(b"ok", False), (b"abort", True)]
    if style == "sync" and kind.endswith("_stream"):
        # grpc.aio itself often loses such an abort (the call runs into its deadline).
        cases = cases[:1]

    async def scenario(channel: grpc.aio.Channel) -> None:
        make = getattr(channel, kind)(f"/{SERVICE}/Any")
        for request, aborts in cases:
            argument = iter([request]) if kind.startswith("stream") else request
            call = make(argument, metadata=bearer(tok), timeout=5)
            try:
                replies = [r async for r in call] if kind.endswith("_stream") else [await call]
            except grpc.aio.AioRpcError as exc:
                assert aborts, exc
                assert (exc.code(), exc.details()) == (grpc.StatusCode.NOT_FOUND, "gone")
            else:
                assert not aborts, replies
                assert replies == [f"{where} iotex-api".encode()]

    class Handler(grpc.GenericRpcHandler):
        def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
            return getattr(grpc, f"{kind}_rpc_method_handler")(_BEHAVIOURS[kind, style])

    serve(policy_file, [Handler()], scenario)


def _own_expiry(request: bytes, context) -> Iterator[bytes]:
    for _ in range(3):
        time.sleep(0.001)  # let other calls take the pool's threads in between
        yield str(current_token().claims["exp"]).encode()


@pytest.fixture(scope="module")
def sync_stream_server(tmp_path_factory: pytest.TempPathFactory, issuer: PrivateKey):
    """A grpc.aio server on its own thread whose one method, a sync generator, replies
    with the expiry of the token it sees; yields its port."""
    from .conftest import policy_text

    policy = tmp_path_factory.mktemp("aio") / "policy.yaml"
    policy.write_text(policy_text(issuer))
    loop = asyncio.new_event_loop()
    ready: list[int] = []
    stop = asyncio.Event()

    async def main() -> None:
        server = grpc.aio.server(interceptors=[AioPolicyInterceptor(policy)])
        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    SERVICE, {"Own": grpc.unary_stream_rpc_method_handler(_own_expiry)}
                ),
            )
        )
        ready.append(server.add_insecure_port("127.0.0.1:0"))
        await server.start()
        await stop.wait()
        await server.stop(None)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not ready:
        assert time.monotonic() < deadline, "the grpc.aio server did not start"
        time.sleep(0.01)
    yield ready[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lifetimes=st.lists(st.integers(600, 605), min_size=1, max_size=8))
def test_concurrent_sync_streams_each_see_their_own_token(
    sync_stream_server: int, sign, lifetimes: list[int]
) -> None:
    """Every reply of a sync streaming behaviour is taken on whichever pool thread is free:
    each must still see the token of its own call, never another caller's."""
    tokens = [sign(sub="iotex-api", scope="Read", exp_in=life) for life in lifetimes]

    async def main() -> list[list[bytes]]:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{sync_stream_server}") as channel:
            own = channel.unary_stream(f"/{SERVICE}/Own")

            async def one(tok: str) -> list[bytes]:
                return [r async for r in own(b"", metadata=bearer(tok), timeout=10)]

            return await asyncio.gather(*map(one, tokens))

    from pyioctl.jwt import decode

    for tok, replies in zip(tokens, asyncio.run(main()), strict=True):
        assert replies == [str(decode(tok).claims["exp"]).encode()] * 3
