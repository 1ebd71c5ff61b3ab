"""What the real-proxy tests (nginx, Caddy) share: the published configuration on the
test's ports, the published policy with one more route, open to any subject, for tokens
without a ``sub``, and a client of the started proxy."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from processes import stop_process

from .examples import EXAMPLES, POLICY

OPEN_ROUTE = "  - path: /open/**\n"
# The addresses the published configurations use, replaced by free ports for the tests.
VERIFIER, BACKEND, FRONT = "127.0.0.1:8080", "127.0.0.1:9000", "127.0.0.1:8000"


def published_site(name: str, verifier_url: str, backend: str, front: str) -> str:
    """docs/examples/``name`` as published, with its three addresses replaced by these."""
    site = (EXAMPLES / name).read_text()
    for published, actual in (
        (VERIFIER, verifier_url.removeprefix("http://")),
        (BACKEND, backend),
        (FRONT, front),
    ):
        assert published in site
        site = site.replace(published, actual)
    return site


def proxy_policy(tmp: Path) -> Path:
    """docs/examples/policy.yaml (and its revocation file) plus ``/open/**`` for any subject."""
    text = POLICY.read_text()
    assert text.count("\nroutes:\n") == 1
    path = tmp / "policy.yaml"
    path.write_text(text.replace("\nroutes:\n", "\nroutes:\n" + OPEN_ROUTE, 1))
    shutil.copy(EXAMPLES / "revoked.txt", tmp / "revoked.txt")
    return path


def wait_port(port: int, process: subprocess.Popen, log: Path, name: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} did not start: {log.read_text()}") from None
            time.sleep(0.02)


@contextlib.contextmanager
def front_client(
    name: str, process: subprocess.Popen, port: int, log: Path
) -> Iterator[httpx.Client]:
    """A client of the proxy ``process`` once it listens on ``port``; stops it afterwards."""
    try:
        wait_port(port, process, log, name)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            yield client
    finally:
        stop_process(process)
