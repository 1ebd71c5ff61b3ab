"""Operators' knobs of ``ioctl jwt serve`` on a real served process: header and idle
timeouts against slow clients, the connection cap, TLS and the environment."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from processes import stop_process
from pyioctl.keys import PrivateKey

from .conftest import policy_text, run_service, serve_command


def closed_by_peer(sock: socket.socket) -> bool:
    """True once the server has closed ``sock`` (EOF or reset), False while it is open."""
    sock.setblocking(False)
    try:
        return sock.recv(1024) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


def test_slow_and_idle_connections_are_closed_and_the_service_answers(
    tmp_path: Path, issuer: PrivateKey
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    args = ("--timeout-headers", "1", "--timeout-keep-alive", "1")
    with run_service(policy, tmp_path, *args) as svc:
        host, port = svc.url.removeprefix("http://").rsplit(":", 1)
        slow = []
        for i in range(60):
            sock = socket.create_connection((host, int(port)))
            if i % 3 == 0:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # a head never ended
            elif i % 3 == 1:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # kept alive, idle
            slow.append(sock)  # and a third that never sends a byte
        # Slowloris: a header line now and then keeps no connection open past the deadline.
        deadline = time.monotonic() + 10
        while not all(closed_by_peer(s) for s in slow):
            assert time.monotonic() < deadline, "slow connections were never closed"
            for s in slow[::3]:
                with contextlib.suppress(OSError):
                    s.sendall(b"X-Slow: 1\r\n")
            assert svc.client.get("/healthz").status_code == 200
            time.sleep(0.2)
        for s in slow:
            s.close()
        with httpx.Client(base_url=svc.url) as fresh:
            assert fresh.get("/healthz").status_code == 200


def test_limit_concurrency_caps_connections(tmp_path: Path, issuer: PrivateKey) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    with run_service(policy, tmp_path, "--limit-concurrency", "4") as svc:
        host, port = svc.url.removeprefix("http://").rsplit(":", 1)
        held = [socket.create_connection((host, int(port))) for _ in range(6)]
        try:
            time.sleep(0.3)
            with httpx.Client(base_url=svc.url) as fresh:
                assert fresh.get("/healthz").status_code == 503
        finally:
            for s in held:
                s.close()
        deadline = time.monotonic() + 10
        while True:
            with httpx.Client(base_url=svc.url) as fresh:
                if fresh.get("/healthz").status_code == 200:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.1)


@contextlib.contextmanager
def started(args: list[str], env: dict[str, str], tmp_path: Path) -> Iterator[dict]:
    """``ioctl jwt serve`` with ``args`` and ``env``; yields its start log record, and the
    process under ``"process"``."""
    log_path = tmp_path / f"serve-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*serve_command(), *args], stdout=log, stderr=subprocess.PIPE, env=env
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "service did not start"
            records = [json.loads(x) for x in log_path.read_text().splitlines() if x]
            start = next((r for r in records if r.get("event") == "start"), None)
            if start is not None:
                yield {**start, "process": process}
                return
            time.sleep(0.05)
    finally:
        stop_process(process)


def self_signed(tmp_path: Path, password: bytes | None = None) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def test_tls_and_options_from_the_environment(tmp_path: Path, sign, issuer: PrivateKey) -> None:
    pytest.importorskip("cryptography")
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    cert, key = self_signed(tmp_path)
    env = {
        **os.environ,
        "IOCTL_SERVE_POLICY": str(policy),
        "IOCTL_SERVE_LISTEN": "127.0.0.1:0",
        "IOCTL_SERVE_WORKERS": "2",
        "IOCTL_SERVE_TLS_CERT": str(cert),
        "IOCTL_SERVE_TLS_KEY": str(key),
    }
    with started([], env, tmp_path) as start:
        assert start["workers"] == 2 and start["policy"] == str(policy)
        context = ssl.create_default_context(cafile=str(cert))
        headers = {
            "Authorization": f"Bearer {sign()}",
            "X-Original-URI": "/weather/today",
        }
        with httpx.Client(base_url=f"https://{start['listen']}", verify=context) as client:
            deadline = time.monotonic() + 20
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/healthz").status_code == 200:
                        break
                assert time.monotonic() < deadline, "never answered over HTTPS"
                time.sleep(0.05)
            r = client.get("/auth", headers=headers)
            assert (r.status_code, r.headers["x-auth-issuer"]) == (200, issuer.address)
        # Plain HTTP on the TLS port gets no answer of the service.
        plain = httpx.Client(base_url=f"http://{start['listen']}")
        with plain, contextlib.suppress(httpx.TransportError):
            assert plain.get("/healthz").status_code != 200
    # The command line wins over the environment.
    with started(["--workers", "1"], env, tmp_path) as start:
        assert start["workers"] == 1


def test_unusable_tls_files_stop_the_start(tmp_path: Path, issuer: PrivateKey) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    bogus = tmp_path / "cert.pem"
    bogus.write_text("not a certificate\n")
    tls = ["--tls-cert", str(bogus), "--tls-key", str(bogus)]
    r = subprocess.run(
        [*serve_command(), "--policy", str(policy), "--listen", "127.0.0.1:0", *tls],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode != 0 and "TLS" in r.stderr and r.stdout == ""


def on_a_terminal(args: list[str], seconds: float) -> tuple[int | None, str]:
    """Run ``ioctl jwt serve args`` on a pseudo-terminal as an operator would: its exit
    status (None if still running after ``seconds``, then killed) and all it wrote."""
    import pty
    import select
    import signal

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - replaced by exec
        command = serve_command()
        os.execv(command[0], [*command, *args])
    output = b""
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            with contextlib.suppress(OSError):  # the terminal closed: the process ended
                output += os.read(fd, 4096)
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(code)
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    return status, output.decode(errors="replace")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_encrypted_tls_key_is_refused_not_asked_for(
    tmp_path: Path, issuer: PrivateKey, workers: str
) -> None:
    """OpenSSL asks for the pass phrase of an encrypted key on the terminal: the start (and
    every worker) would wait there, and without a terminal it failed with "Invalid
    argument". The start stops at once with one line instead."""
    pytest.importorskip("cryptography")
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    cert, key = self_signed(tmp_path, password=b"hunter2")
    args = ["--policy", str(policy), "--listen", "127.0.0.1:0", "--workers", workers]
    status, output = on_a_terminal([*args, "--tls-cert", str(cert), "--tls-key", str(key)], 10)
    assert status not in (None, 0), output
    assert "pass phrase" not in output.lower()
    assert output.strip().splitlines() == [
        f"Error: cannot use the TLS certificate and key: {key} is encrypted; give the "
        "service an unencrypted key that only its user can read"
    ]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_replaced_worker_serves_the_tls_key_read_at_the_start(
    tmp_path: Path, issuer: PrivateKey
) -> None:
    """No worker reads the key files again: one started after they changed on disk (here
    to an encrypted key) serves what the start read, without asking for anything."""
    pytest.importorskip("cryptography")
    from processes import children

    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    cert, key = self_signed(tmp_path)
    args = ["--policy", str(policy), "--listen", "127.0.0.1:0", "--workers", "2"]
    args += ["--tls-cert", str(cert), "--tls-key", str(key)]
    with started(args, dict(os.environ), tmp_path) as start:
        context = ssl.create_default_context(cafile=str(cert))
        self_signed(tmp_path, password=b"hunter2")  # both files replaced
        supervisor = start["process"].pid
        deadline = time.monotonic() + 20
        while len(workers := children(supervisor)) < 2:
            assert time.monotonic() < deadline, "workers never started"
            time.sleep(0.05)
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        while len(children(supervisor) - workers) < 2:
            assert time.monotonic() < deadline, "workers were not replaced"
            time.sleep(0.05)
        url = f"https://{start['listen']}"
        answered = 0
        while answered < 6:
            assert time.monotonic() < deadline, "replaced workers never answered over HTTPS"
            client = httpx.Client(base_url=url, verify=context)
            with client, contextlib.suppress(httpx.TransportError):
                answered += client.get("/healthz").status_code == 200
            time.sleep(0.05)
