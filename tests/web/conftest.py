"""Shared fixtures for the enforcement points: a trusted key, tokens, a policy file, and
the real verifier service as a separate process on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from helpers import NGINX_MISSING
from processes import stop_process
from pyioctl import jwt
from pyioctl.keys import PrivateKey

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def sign(issuer: PrivateKey):
    """``sign(sub=..., scope=..., exp_in=..., key=...)`` with a live expiry by default."""

    def make(
        sub: str = "weather", scope: str = "Read", exp_in: int = 3600, key: PrivateKey = issuer
    ) -> str:
        now = int(time.time())
        return jwt.sign(key, sub=sub, scope=scope, exp=now + exp_in, iat=now - 1)

    return make


def policy_text(issuer: PrivateKey, extra: str = "") -> str:
    return f"""\
issuers:
  - {issuer.address}
routes:
  - path: /weather/**
    subject: weather
  - path: /iotexapi.APIService/*
    subject: iotex-api
    scopes: Read
{extra}"""


@pytest.fixture
def policy_file(tmp_path: Path, issuer: PrivateKey) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(policy_text(issuer))
    return path


@functools.cache
def serve_command() -> list[str]:
    """``ioctl jwt serve`` once the CLI has it, else the command object run directly."""
    ioctl = VENV_BIN / "ioctl"
    if ioctl.exists():
        probe = subprocess.run(
            [str(ioctl), "jwt", "serve", "--help"], capture_output=True, timeout=30
        )
        if probe.returncode == 0:
            return [str(ioctl), "jwt", "serve"]
    return [sys.executable, "-c", "from pyioctl.cli.serve import serve; serve()"]


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    client: httpx.Client

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def wait_log(self, predicate, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.log_lines():
                if predicate(record):
                    return record
            time.sleep(0.02)
        raise AssertionError(f"no such log line in {self.log_lines()}")

    def hup(self) -> None:
        self.process.send_signal(signal.SIGHUP)


@contextlib.contextmanager
def run_service(
    policy: Path, tmp_path: Path, *args: str, command: list[str] | None = None
) -> Iterator[Service]:
    log_path = tmp_path / f"service-{time.monotonic_ns()}.log"
    command = command or serve_command()
    with open(log_path, "wb") as log, open(log_path.with_suffix(".err"), "wb") as err:
        process = subprocess.Popen(
            [*command, "--policy", str(policy), "--listen", "127.0.0.1:0", *args],
            stdout=log,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 20
        listen = None
        while listen is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"service did not start: {log_path.with_suffix('.err').read_text()}"
                )
            for line in log_path.read_text().splitlines():
                record = json.loads(line)
                if record.get("event") == "start":
                    listen = record["listen"]
            time.sleep(0.02)
        url = f"http://{listen}"
        with httpx.Client(base_url=url, timeout=5) as client:
            service = Service(process, url, log_path, client)
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/healthz").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError("service never became healthy")
                time.sleep(0.02)
            yield service
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service")


@pytest.fixture(scope="module")
def service(module_tmp: Path, issuer: PrivateKey) -> Iterator[Service]:
    """One shared service for the read-only tests of a module."""
    policy = module_tmp / "policy.yaml"
    policy.write_text(policy_text(issuer))
    with run_service(policy, module_tmp) as svc:
        yield svc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _find_nginx() -> str | None:
    # PYIOCTL_NGINX names the binary to use; set empty, it makes nginx "missing" (as the
    # test of the skip summary does: PATH alone cannot hide /usr/sbin/nginx).
    if "PYIOCTL_NGINX" in os.environ:
        path = os.environ["PYIOCTL_NGINX"]
        return path if path and os.access(path, os.X_OK) else None
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


NGINX = _find_nginx()
needs_nginx = pytest.mark.skipif(NGINX is None, reason=NGINX_MISSING)
