"""grpcio server interceptor: ioctl's ``authorization: bearer <token>`` metadata (go-ioctl.md §2.4).

The full method name (``/iotexapi.APIService/GetAccount``) is the path the policy's routes
match, and every call is checked as method ``POST`` (gRPC calls are HTTP/2 POSTs), so gRPC
routes usually give one scope for all methods (``scopes: Read``). Denied calls end with
UNAUTHENTICATED (401) or PERMISSION_DENIED (403) before the handler runs; allowed handlers
find the verified token with :func:`current_token`.

Needs the ``grpc`` extra (grpcio).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable
from typing import Any

import grpc

from ..jwt import VerifiedToken
from ..policy import Decision, Policy
from . import bearer_token, challenge

__all__ = ["PolicyInterceptor", "current_token"]

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


class PolicyInterceptor(grpc.ServerInterceptor):
    """``grpc.server(pool, interceptors=[PolicyInterceptor(Policy.load("policy.yaml"))])``."""

    def __init__(self, policy: Policy | str | os.PathLike[str]) -> None:
        self.policy = policy if isinstance(policy, Policy) else Policy.load(policy)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED itself
            return None
        metadata = handler_call_details.invocation_metadata or ()
        auth = [value for key, value in metadata if key == "authorization"]
        decision = self.policy.authorize(bearer_token(auth), "POST", handler_call_details.method)
        return _wrap(handler, decision)


def _wrap(handler: grpc.RpcMethodHandler, decision: Decision) -> grpc.RpcMethodHandler:
    """A handler of the same kind that either runs the original with the token set, or
    aborts with the decision's status."""
    kind, make = next((k, m) for k, m in _KINDS if getattr(handler, k) is not None)
    behaviour = getattr(handler, kind)
    if decision.allowed:
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
