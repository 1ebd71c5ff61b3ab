"""The decision log as a log shipper reads it: every line whole and parseable, however
many workers share stdout, however slowly it is read, blocking or not, and whatever text
a request or a token carries."""

from __future__ import annotations

import json
import operator
import os
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import respond
from processes import stop_process
from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route
from pyioctl.web.service import VerifierApp

from .conftest import policy_text, serve_command

# Linux writes at most this many bytes to a pipe in one piece (PIPE_BUF).
PIPE_BUF = 4096


def serve_into_pipe(
    policy: Path, *args: str, nonblocking: bool = False
) -> tuple[subprocess.Popen[bytes], int, str]:
    """``ioctl jwt serve`` whose stdout is a pipe this test reads (made non-blocking, as
    a parent sharing it may do, if asked): the process, the read end and the address,
    once the start line is read."""
    read, write = os.pipe()
    os.set_blocking(write, not nonblocking)
    process = subprocess.Popen(
        [*serve_command(), "--policy", str(policy), "--listen", "127.0.0.1:0", *args],
        stdout=write,
    )
    os.close(write)
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(read, 1)
        assert byte, "the service stopped before its start line"
        line += byte
    return process, read, json.loads(line)["listen"]


def flood_through_a_slow_reader(
    policy: Path, *args: str, nonblocking: bool = False
) -> tuple[int, list[bytes]]:
    """Requests with long, varied paths from 12 clients for 3 s while the log is read a
    few KiB at a time: the requests answered and the log's lines."""
    process, read, listen = serve_into_pipe(policy, *args, nonblocking=nonblocking)
    received: list[bytes] = []

    def reader() -> None:
        while chunk := os.read(read, 3000):
            received.append(chunk)
            time.sleep(0.001)

    stop = threading.Event()
    answered = [0] * 12

    def client(i: int) -> None:
        with httpx.Client(base_url=f"http://{listen}", timeout=30) as c:
            n = 0
            while not stop.is_set():
                uri = f"/weather/{i}-" + "é" * (n % 700) + "x" * 900 + f"-{n}"
                r = c.get("/auth", headers={"X-Original-URI": uri.encode("latin-1")})
                assert r.status_code in (401, 403)
                answered[i] += 1
                n += 1

    threading.Thread(target=reader, daemon=True).start()
    clients = [threading.Thread(target=client, args=(i,)) for i in range(12)]
    try:
        deadline = time.monotonic() + 20
        while True:  # every worker up
            try:
                if httpx.get(f"http://{listen}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service never answered"
            time.sleep(0.05)
        time.sleep(1)
        for c in clients:
            c.start()
        time.sleep(3)
    finally:
        stop.set()
        for c in clients:
            c.join(30)
        time.sleep(0.5)  # the last batches: written within 10 ms
        stop_process(process)
    os.close(read)
    return sum(answered), b"".join(received).split(b"\n")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_every_decision_line_arrives_whole_through_a_slow_pipe(
    tmp_path: Path, issuer: PrivateKey, workers: str
) -> None:
    """Workers share stdout: a write longer than PIPE_BUF may be cut by another worker's
    when the pipe is full (4% of 2 KiB lines were, under a slow reader)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    answered, lines = flood_through_a_slow_reader(policy, "--workers", workers)
    assert lines.pop() == b""
    records = [json.loads(line) for line in lines]  # each a whole JSON object
    decisions = [r for r in records if "decision" in r]
    assert len(decisions) == answered > 100
    assert all(len(line) < PIPE_BUF for line in lines)


def test_a_nonblocking_stdout_loses_no_line(tmp_path: Path, issuer: PrivateKey) -> None:
    """With stdout made non-blocking (by a parent sharing it), a full pipe failed a write
    with EAGAIN and the rest of the batch was dropped (300 of 3,750 decisions)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    answered, lines = flood_through_a_slow_reader(policy, nonblocking=True)
    assert lines.pop() == b""
    decisions = [r for r in map(json.loads, lines) if "decision" in r]
    assert len(decisions) == answered > 100


_KEY = PrivateKey.generate()


def _long(characters: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    """Texts of up to ``most`` repeats of a short text: long ones are what matter here."""
    return st.builds(operator.mul, st.text(characters, max_size=12), st.integers(0, most))


_TEXT = _long(st.characters(codec="utf-8"), 400)
_LATIN1 = _long(st.characters(max_codepoint=0xFF), 600)
# Canonical paths too, or no token would be judged and no identity logged.
_PATH = _LATIN1 | _long(st.sampled_from("abz09-._~"), 600).map(lambda p: "/a" + p)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=_TEXT, scope=_TEXT, path=_PATH, method=_LATIN1)
def test_a_decision_line_is_one_short_json_object(
    tmp_path_factory: pytest.TempPathFactory, subject: str, scope: str, path: str, method: str
) -> None:
    """Whatever a request names and a trusted token claims, its log line is one JSON
    object of at most PIPE_BUF bytes, holding a prefix of each (the path without query)."""
    now = int(time.time())
    token = jwt.sign(_KEY, sub=subject, scope=scope, exp=now + 600, iat=now - 1)
    policy = Policy(issuers=[_KEY.address], routes=[Route("/**", scopes={})])
    log = tmp_path_factory.mktemp("log") / "log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT)
    try:
        app = VerifierApp(policy, log_fd=fd)
        headers = [("Authorization", f"Bearer {token}"), ("X-Original-URI", path)]
        respond(app, [*headers, ("X-Original-Method", method)])
    finally:
        os.close(fd)
    data = log.read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 1 and len(data) <= PIPE_BUF
    record = json.loads(data)
    assert path.split("?", 1)[0].startswith(record["path"])
    assert (method.upper() or "GET").startswith(record["method"])
    if record["subject"] is not None:
        assert subject.startswith(record["subject"]) and scope.startswith(record["scope"])
