"""grpcio server interceptor: ioctl's ``authorization: bearer <token>`` metadata (go-ioctl.md §2.4).

The full method name (``/iotexapi.APIService/GetAccount``) is the path the policy's routes
match, and every call is checked as method ``POST`` (gRPC calls are HTTP/2 POSTs), so gRPC
routes usually give one scope for all methods (``scopes: Read``). Denied calls end with
UNAUTHENTICATED (401) or PERMISSION_DENIED (403) before the handler runs; allowed handlers
find the verified token with :func:`current_token`. :class:`PolicyInterceptor` serves
``grpc.server``, :class:`AioPolicyInterceptor` ``grpc.aio.server``, with the same decisions.

Method names are matched literally: gRPC never percent-encodes them and the server
dispatches the whole name, so a name holding ``%`` or ``?``, a ``.``/``..`` or empty
segment, or anything else a canonical path may not is refused (``PERMISSION_DENIED``,
reason ``unsafe_path``) rather than decoded, cut at the ``?`` or resolved.

Needs the ``grpc`` extra (grpcio).
"""

from __future__ import annotations

import contextvars
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import grpc

from ..jwt import VerifiedToken
from ..policy import UNSAFE_PATH, Decision, Policy, canonical_path
from .bearer import bearer_token, challenge
from .policy_source import PolicySource

__all__ = ["AioPolicyInterceptor", "PolicyInterceptor", "current_token"]

# The interceptor runs on the server's polling thread, the handler on a pool thread, so
# the token travels with the handler call rather than in the interceptor's context.
_current: contextvars.ContextVar[VerifiedToken | None] = contextvars.ContextVar(
    "pyioctl_grpc_token", default=None
)

_STATUS = {401: grpc.StatusCode.UNAUTHENTICATED, 403: grpc.StatusCode.PERMISSION_DENIED}

_KINDS = (
    ("unary_unary", grpc.unary_unary_rpc_method_handler),
    ("unary_stream", grpc.unary_stream_rpc_method_handler),
    ("stream_unary", grpc.stream_unary_rpc_method_handler),
    ("stream_stream", grpc.stream_stream_rpc_method_handler),
)


def current_token() -> VerifiedToken | None:
    """The verified token of the call being handled (None on paths the policy leaves open)."""
    return _current.get()


def _decide(source: PolicySource, details: grpc.HandlerCallDetails) -> Decision:
    method = details.method
    if canonical_path(method, literal=True) is None:
        return UNSAFE_PATH
    metadata = details.invocation_metadata or ()
    auth = [value for key, value in metadata if key == "authorization"]
    return source.current().authorize(bearer_token(auth), "POST", method)


def _kind(
    handler: grpc.RpcMethodHandler[Any, Any],
) -> tuple[str, Callable[..., grpc.RpcMethodHandler[Any, Any]]]:
    return next((k, m) for k, m in _KINDS if getattr(handler, k) is not None)


class _Enforcing:
    """The policy both interceptors enforce: a Policy, or a file reloaded when it changes."""

    def __init__(self, policy: Policy | str | os.PathLike[str]) -> None:
        self.source = PolicySource(policy)

    @property
    def policy(self) -> Policy:
        return self.source.current()


class PolicyInterceptor(_Enforcing, grpc.ServerInterceptor):
    """``grpc.server(pool, interceptors=[PolicyInterceptor(load_policy("policy.yaml"))])``,
    or a policy path: the file is then reloaded when it changes."""

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED itself
            return None
        return _wrap(handler, _decide(self.source, handler_call_details))


def _wrap(
    handler: grpc.RpcMethodHandler[Any, Any], decision: Decision
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same kind that either runs the original with the token set, or
    aborts with the decision's status."""
    kind, make = _kind(handler)
    behaviour = getattr(handler, kind)
    run: Callable[..., Any]
    if decision.allowed and kind.endswith("_stream"):
        token = decision.token

        def run(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            # grpc.aio takes each reply of a sync behaviour on whichever pool thread is
            # free, where another call's token may be set: every step runs in this call's
            # own context instead.
            own = contextvars.copy_context()
            own.run(_current.set, token)
            replies = own.run(lambda: iter(behaviour(request, context)))
            try:
                while True:
                    try:
                        reply = own.run(next, replies)
                    except StopIteration:
                        return
                    yield reply
            finally:
                close = getattr(replies, "close", None)
                if close is not None:
                    own.run(close)

    elif decision.allowed:
        token = decision.token

        def run(request: Any, context: grpc.ServicerContext) -> Any:
            _current.set(token)
            return behaviour(request, context)

    else:

        def run(request: Any, context: grpc.ServicerContext) -> Any:
            context.set_trailing_metadata((("www-authenticate", challenge(decision)),))
            context.abort(_STATUS[decision.status], decision.description or decision.reason)

    return make(
        run,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


class AioPolicyInterceptor(_Enforcing, grpc.aio.ServerInterceptor):
    """``grpc.aio.server(interceptors=[AioPolicyInterceptor(load_policy("policy.yaml"))])``,
    or a policy path: the file is then reloaded when it changes."""

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED itself
            return None
        return _wrap_aio(handler, _decide(self.source, handler_call_details))


def _is_async(behaviour: Callable[..., Any]) -> bool:
    """Whether grpc.aio runs ``behaviour`` on its event loop: the test grpc.aio itself
    makes. Any other behaviour it runs on its thread pool, with a context whose abort()
    raises and plain request iterators."""
    return inspect.iscoroutinefunction(behaviour) or inspect.isasyncgenfunction(behaviour)


def _wrap_aio(
    handler: grpc.RpcMethodHandler[Any, Any], decision: Decision
) -> grpc.RpcMethodHandler[Any, Any]:
    """:func:`_wrap` for grpc.aio, whose behaviours may be async functions, async
    generators, coroutines writing through ``context.write``, or sync functions. Each
    async call runs in its own task, so the token set here is the one the behaviour sees."""
    kind, make = _kind(handler)
    behaviour = getattr(handler, kind)
    if decision.allowed and not _is_async(behaviour):
        # Wrapped in a coroutine, a sync behaviour would block the event loop and get the
        # async context, whose abort() it calls without awaiting: its own refusal would be
        # skipped and its reply sent. Wrapped in a sync function, grpc.aio runs it as it
        # would unwrapped.
        return _wrap(handler, decision)
    run: Callable[..., Any]
    if not decision.allowed:

        async def run(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            context.set_trailing_metadata((("www-authenticate", challenge(decision)),))
            await context.abort(_STATUS[decision.status], decision.description or decision.reason)

    elif kind.endswith("_stream"):
        token = decision.token

        async def run(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            _current.set(token)
            result = behaviour(request, context)
            if hasattr(result, "__aiter__"):
                async for item in result:
                    yield item
            else:
                await result  # writes its replies through context.write

    else:
        token = decision.token

        async def run(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            _current.set(token)
            return await behaviour(request, context)

    return make(
        run,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
