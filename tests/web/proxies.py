"""What the real-proxy tests (nginx, Caddy) share: waiting for a port, and the published
policy with one more route, open to any subject, for tokens without a ``sub``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .examples import EXAMPLES, POLICY

OPEN_ROUTE = "  - path: /open/**\n"


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
