"""A gRPC service that only answers callers with a valid IoTeX token.

ioctl sends its token as metadata ``authorization: bearer <token>``. A generic handler with
raw bytes keeps this example free of generated code; with generated code, pass the same
``interceptors=`` to ``grpc.server`` and nothing else changes.

Run: ``python grpc_server.py`` (listens on 127.0.0.1:50051).
"""

from concurrent import futures
from pathlib import Path

import grpc

from pyioctl.web.grpc import PolicyInterceptor, current_token


def get_account(request: bytes, context: grpc.ServicerContext) -> bytes:
    caller = current_token().issuer_address  # the verified token of this call
    return f"account {request.decode()} requested by {caller}".encode()


def serve(address: str = "127.0.0.1:50051") -> tuple[grpc.Server, int]:
    handler = grpc.method_handlers_generic_handler(
        "iotexapi.APIService",
        {"GetAccount": grpc.unary_unary_rpc_method_handler(get_account)},
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        interceptors=[PolicyInterceptor(Path(__file__).with_name("policy.yaml"))],
        handlers=[handler],
    )
    port = server.add_insecure_port(address)
    server.start()
    return server, port


if __name__ == "__main__":
    server, port = serve()
    print(f"listening on 127.0.0.1:{port}")
    server.wait_for_termination()
