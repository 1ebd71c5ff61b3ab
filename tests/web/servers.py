"""Real servers on 127.0.0.1 in threads of the test process, for apps built in the test:
uvicorn for ASGI and werkzeug (Flask's server) for WSGI, each yielding its port, and a
grpcio server, yielding a channel to it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from concurrent import futures

import grpc
import uvicorn
from werkzeug.serving import make_server


@contextlib.contextmanager
def uvicorn_serving(app) -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def werkzeug_serving(app) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)


@contextlib.contextmanager
def grpc_channel(
    interceptor: grpc.ServerInterceptor, handler: grpc.GenericRpcHandler
) -> Iterator[grpc.Channel]:
    """A grpcio server with ``interceptor`` in front of ``handler``, and a channel to it."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4), interceptors=[interceptor], handlers=[handler]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        server.stop(None)
