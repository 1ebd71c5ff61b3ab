"""The verifier service as a real process on 127.0.0.1, spoken to over HTTP."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from pyioctl.keys import PrivateKey
from pyioctl.policy import token_digest

from .conftest import Service, policy_text, run_service


def auth(token: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


def nginx_style(uri: str, method: str = "GET") -> dict[str, str]:
    return {"X-Original-URI": uri, "X-Original-Method": method}


def test_allow_returns_identity_headers(service: Service, sign, issuer: PrivateKey) -> None:
    tok = sign(scope="Read Create")
    r = service.client.get("/auth", headers={**auth(tok), **nginx_style("/weather/today?x=1")})
    assert r.status_code == 200
    assert r.headers["x-auth-issuer"] == issuer.address
    assert r.headers["x-auth-subject"] == "weather"
    assert r.headers["x-auth-scope"] == "Read Create"
    assert "www-authenticate" not in r.headers


def test_lowercase_bearer_as_ioctl_sends_it(service: Service, sign) -> None:
    r = service.client.get("/auth", headers={**auth(sign(), "bearer"), **nginx_style("/weather")})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("headers", "status", "challenge"),
    [
        ({}, 401, "Bearer"),
        ({"Authorization": ""}, 401, "Bearer"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "Bearer"),
        ({"Authorization": "Bearer"}, 401, 'Bearer error="invalid_token"'),
        ({"Authorization": "Bearer  a b"}, 401, 'Bearer error="invalid_token"'),
        ({"Authorization": "Bearer a.b.c"}, 401, 'Bearer error="invalid_token"'),
        ({"Authorization": "Bearer " + "A" * 65536}, 401, 'Bearer error="invalid_token"'),
    ],
)
def test_denials(service: Service, headers: dict, status: int, challenge: str) -> None:
    r = service.client.get("/auth", headers={**headers, **nginx_style("/weather/today")})
    assert r.status_code == status
    assert r.headers["www-authenticate"].startswith(challenge)
    if challenge == "Bearer":
        assert r.headers["www-authenticate"] == "Bearer"  # RFC 6750: no error code
    # The one denial body of every enforcement point, with RFC 6750's names.
    assert r.headers["content-type"] == "application/json"
    assert sorted(r.json()) == ["error", "error_description"] and r.json()["error"]


def test_expired_untrusted_and_scope(service: Service, sign, stranger: PrivateKey) -> None:
    target = nginx_style("/weather/today", "DELETE")
    r = service.client.get("/auth", headers={**auth(sign(exp_in=-3600)), **target})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert 'error_description="token is expired by 1h' in r.headers["www-authenticate"]
    r = service.client.get("/auth", headers={**auth(sign(key=stranger)), **target})
    assert (r.status_code, r.json()["error"]) == (401, "untrusted_issuer")
    r = service.client.get("/auth", headers={**auth(sign(scope="Read")), **target})
    assert r.status_code == 403
    assert r.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert 'scope="Delete"' in r.headers["www-authenticate"]
    r = service.client.get("/auth", headers={**auth(sign(sub="maps")), **nginx_style("/weather/x")})
    assert (r.status_code, r.json()["error"]) == (403, "wrong_subject")
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]


def test_path_and_method_sources(service: Service, sign) -> None:
    tok = sign(scope="Create")
    # Traefik forwardAuth
    traefik = {"X-Forwarded-Uri": "/weather/x", "X-Forwarded-Method": "POST"}
    assert service.client.get("/traefik", headers={**auth(tok), **traefik}).status_code == 200
    # Both pairs, agreeing: one request, judged once
    both = {**traefik, **nginx_style("/weather/x", "POST")}
    assert service.client.get("/both", headers={**auth(tok), **both}).status_code == 200
    # Path from one pair, method from the other
    mixed = {"X-Original-URI": "/weather/x", "X-Forwarded-Method": "POST"}
    assert service.client.get("/mixed", headers={**auth(tok), **mixed}).status_code == 200
    # Envoy ext_authz: the request's own path and method
    assert service.client.post("/weather/x", headers=auth(tok)).status_code == 200
    assert service.client.get("/weather/x", headers=auth(tok)).status_code == 403
    # No route for the path
    r = service.client.get("/auth", headers={**auth(tok), **nginx_style("/maps")})
    assert (r.status_code, r.json()["error"]) == (403, "no_route")


def assert_ambiguous(r: httpx.Response) -> None:
    assert (r.status_code, r.json()["error"]) == (403, "ambiguous_request"), r.text
    assert r.json()["error_description"] == "conflicting forwarded request headers"


@pytest.mark.parametrize(
    "headers",
    [
        # Behind Traefik, which sets X-Forwarded-* and passes client headers on: a client
        # adds X-Original-* naming a path or method it may use.
        [("X-Forwarded-Uri", "/admin"), ("X-Forwarded-Method", "GET"),
         ("X-Original-URI", "/weather/x")],
        [("X-Forwarded-Uri", "/weather/x"), ("X-Forwarded-Method", "DELETE"),
         ("X-Original-URI", "/weather/x"), ("X-Original-Method", "GET")],
        # Behind nginx, which sets X-Original-* and passes a client's X-Forwarded-* on.
        [("X-Original-URI", "/admin"), ("X-Original-Method", "GET"),
         ("X-Forwarded-Uri", "/weather/x")],
        [("X-Original-URI", "/weather/x"), ("X-Original-Method", "DELETE"),
         ("X-Forwarded-Method", "GET")],
        # One header twice, differently.
        [("X-Original-URI", "/weather/x"), ("X-Original-URI", "/admin")],
        [("X-Forwarded-Uri", "/admin"), ("X-Forwarded-Uri", "/weather/x")],
        [("X-Original-URI", "/weather/x"), ("X-Original-Method", "DELETE"),
         ("X-Original-Method", "GET")],
        [("X-Forwarded-Uri", "/weather/x"), ("X-Forwarded-Method", "DELETE"),
         ("X-Forwarded-Method", "GET")],
    ],
)  # fmt: skip
def test_conflicting_forwarded_headers_are_refused(service: Service, sign, headers) -> None:
    r = service.client.get("/auth", headers=[*auth(sign(scope="Read")).items(), *headers])
    assert_ambiguous(r)


def test_spoofed_original_uri_matching_traefiks_is_judged_with_its_method(
    service: Service, sign
) -> None:
    # Traefik asks with GET and names the method in X-Forwarded-Method; a client-sent
    # X-Original-URI equal to the real path must not make the verifier judge that GET.
    headers = {
        **auth(sign(scope="Read")),
        "X-Forwarded-Uri": "/weather/x",
        "X-Forwarded-Method": "DELETE",
        "X-Original-URI": "/weather/x",
    }
    r = service.client.get("/auth", headers=headers)
    assert (r.status_code, r.json()["error"]) == (403, "insufficient_scope")


def test_ambiguous_request_is_logged_and_counted(service: Service, sign) -> None:
    path = f"/weather/ambiguous-{time.monotonic_ns()}"
    headers = [*auth(sign()).items(), ("X-Original-URI", path), ("X-Forwarded-Uri", "/admin")]
    assert_ambiguous(service.client.get("/auth", headers=headers))
    record = service.wait_log(lambda r: r.get("path") == path)
    assert (record["decision"], record["status"]) == ("deny", 403)
    assert record["reason"] == "ambiguous_request"
    text = service.client.get("/metrics").text
    assert 'pyioctl_auth_decisions_total{decision="deny",reason="ambiguous_request"}' in text


def test_repeated_identical_forwarded_headers_are_fine(service: Service, sign) -> None:
    headers = [*auth(sign()).items(), *[("X-Original-URI", "/weather/x")] * 2]
    assert service.client.get("/auth", headers=headers).status_code == 200


def test_duplicated_authorization_headers(service: Service, sign) -> None:
    tok = sign()
    headers = [("Authorization", f"Bearer {tok}"), ("Authorization", f"Bearer {tok}")]
    headers += list(nginx_style("/weather").items())
    r = service.client.get("/auth", headers=headers)
    assert (r.status_code, r.json()["error"]) == (401, "malformed")


def raw_request(url: str, request: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: Bearer \xe9\xe8.\xff.\x80\r\n".encode("latin-1"),
        "Authorization: Bearer tök.én.ü\r\n".encode(),
        b"Authorization: Bearer a.b.c\r\nAuthorization: Basic x\r\n",
        b"Authorization: Bearer " + b"x." * 32768 + b"\r\n",
        b"X-Original-URI: /weather/\xff\xfe%ff%00\r\n",
        b"X-Original-Method: \xff\r\n",
        b"X-Original-URI: \r\n",
        b"Authorization: Bearer    \r\n",
    ],
)
def test_hostile_bytes_never_5xx(service: Service, header: bytes) -> None:
    request = b"GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header + b"\r\n"
    response = raw_request(service.url, request)
    status = int(response.split(b" ", 2)[1])
    assert 400 <= status < 500, response[:200]
    assert service.client.get("/healthz").status_code == 200


def test_healthz_and_metrics(service: Service, sign) -> None:
    assert service.client.get("/healthz").text == "ok\n"
    service.client.get("/auth", headers={**auth(sign()), **nginx_style("/weather")})
    service.client.get("/auth", headers=nginx_style("/weather"))
    text = service.client.get("/metrics").text
    assert "# TYPE pyioctl_auth_decisions_total counter" in text
    assert 'pyioctl_auth_decisions_total{decision="allow",reason="ok"}' in text
    assert 'pyioctl_auth_decisions_total{decision="deny",reason="missing_token"}' in text
    assert "# TYPE pyioctl_auth_decision_seconds histogram" in text
    assert 'pyioctl_auth_decision_seconds_bucket{le="+Inf"}' in text
    assert "pyioctl_auth_decision_seconds_count" in text


def test_refused_token_with_a_good_signature_names_its_issuer_in_the_log(
    service: Service, sign, issuer: PrivateKey, stranger: PrivateKey
) -> None:
    expired = f"/weather/expired-{time.monotonic_ns()}"
    service.client.get("/auth", headers={**auth(sign(exp_in=-3600)), **nginx_style(expired)})
    record = service.wait_log(lambda r: r.get("path") == expired)
    assert (record["reason"], record["issuer"]) == ("expired", issuer.address)
    # An untrusted issuer's signature is never checked: its claim names nobody.
    untrusted = f"/weather/untrusted-{time.monotonic_ns()}"
    headers = {**auth(sign(key=stranger)), **nginx_style(untrusted)}
    service.client.get("/auth", headers=headers)
    record = service.wait_log(lambda r: r.get("path") == untrusted)
    assert (record["reason"], record["issuer"]) == ("untrusted_issuer", None)


def test_one_json_log_line_per_decision_without_the_token(
    service: Service, sign, issuer: PrivateKey
) -> None:
    tok = sign(sub="weather", scope="Read")
    path = f"/weather/logged-{time.monotonic_ns()}"
    service.client.get("/auth", headers={**auth(tok), **nginx_style(path + "?secret=1")})
    record = service.wait_log(lambda r: r.get("path") == path)
    assert record["issuer"] == issuer.address
    assert (record["subject"], record["scope"], record["method"]) == ("weather", "Read", "GET")
    assert (record["decision"], record["reason"], record["status"]) == ("allow", "ok", 200)
    assert record["digest"] == token_digest(tok)
    assert record["time"].endswith("Z")
    text = service.log_path.read_text()
    assert tok not in text and tok.split(".")[2] not in text and "secret=1" not in text


@pytest.fixture
def own_service(tmp_path: Path, issuer: PrivateKey):
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    with run_service(policy, tmp_path) as svc:
        yield svc, policy


def test_sighup_reloads_a_good_policy_and_refuses_a_bad_one(
    own_service, sign, issuer: PrivateKey
) -> None:
    svc, policy = own_service
    maps = {**auth(sign(sub="maps")), **nginx_style("/maps/x")}
    assert svc.client.get("/auth", headers=maps).status_code == 403
    policy.write_text(policy_text(issuer, "  - path: /maps/**\n    subject: maps\n"))
    svc.hup()
    svc.wait_log(lambda r: r.get("event") == "policy_reload" and r["result"] == "ok")
    assert svc.client.get("/auth", headers=maps).status_code == 200

    policy.write_text("issuers: [\n")  # corrupted
    svc.hup()
    refused = svc.wait_log(lambda r: r.get("result") == "refused")
    assert "invalid YAML" in refused["error"]
    assert svc.client.get("/auth", headers=maps).status_code == 200
    policy.unlink()  # deleted
    svc.hup()
    svc.wait_log(lambda r: "cannot read policy" in r.get("error", ""))
    assert svc.client.get("/auth", headers=maps).status_code == 200
    assert svc.process.poll() is None


def test_revocation_file_reloads_while_running(tmp_path: Path, sign, issuer: PrivateKey) -> None:
    revoked = tmp_path / "revoked.txt"
    revoked.write_text("")
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer, "revoked:\n  file: revoked.txt\n"))
    tok = sign()
    headers = {**auth(tok), **nginx_style("/weather")}
    with run_service(policy, tmp_path) as svc:
        assert svc.client.get("/auth", headers=headers).status_code == 200
        revoked.write_text(f"{token_digest(tok)} leaked\n")
        deadline = time.monotonic() + 15  # checked at most once a second; CI may be loaded
        while (r := svc.client.get("/auth", headers=headers)).status_code == 200:
            assert time.monotonic() < deadline, "revocation not picked up"
            time.sleep(0.1)
        assert (r.status_code, r.json()["error"]) == (401, "revoked")


def test_bad_policy_refuses_to_start(tmp_path: Path) -> None:
    import subprocess

    from .conftest import serve_command

    policy = tmp_path / "policy.yaml"
    policy.write_text("issuers: []\n")
    result = subprocess.run(
        [*serve_command(), "--policy", str(policy), "--listen", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode != 0
    assert f"{policy}:1: issuers:" in result.stderr + result.stdout


def test_workers_share_the_socket_and_reload_together(
    tmp_path: Path, sign, issuer: PrivateKey
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    maps = {**auth(sign(sub="maps")), **nginx_style("/maps")}
    with run_service(policy, tmp_path, "--workers", "2") as svc:
        assert svc.client.get("/auth", headers=maps).status_code == 403
        policy.write_text("routes: []\n")
        svc.hup()
        svc.wait_log(lambda r: r.get("result") == "refused")
        policy.write_text(policy_text(issuer, "  - path: /maps/**\n"))
        svc.hup()
        # Generous: both workers must reload, on two cores shared with the rest of the suite.
        deadline = time.monotonic() + 15
        while sum(r.get("result") == "ok" for r in svc.log_lines()) < 2:
            assert time.monotonic() < deadline, svc.log_lines()
            time.sleep(0.05)
        for _ in range(10):
            with httpx.Client(base_url=svc.url) as fresh:  # new connections
                assert fresh.get("/auth", headers=maps).status_code == 200


# serve() with SIGHUP sent to itself at the two points before the event loop handles it:
# after the policy is loaded (having changed the file) and as a worker starts.
EARLY_HUP = """\
import os, signal, sys
from pathlib import Path
from pyioctl.web import server

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
policy = Path(args["--policy"])
bind, run_worker = server._bind, server._run_worker

def bind_after_hup(listen):
    policy.write_text(policy.read_text() + "  - path: /maps/**\\n")
    os.kill(os.getpid(), signal.SIGHUP)
    return bind(listen)

def run_worker_after_hup(app, sock, *options):
    os.kill(os.getpid(), signal.SIGHUP)
    run_worker(app, sock, *options)

server._bind, server._run_worker = bind_after_hup, run_worker_after_hup
server.serve(policy, args["--listen"], int(args.get("--workers", 1)))
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sighup_while_starting_reloads_once_started(
    tmp_path: Path, sign, issuer: PrivateKey, workers: str
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    maps = {**auth(sign(sub="maps")), **nginx_style("/maps")}
    command = [sys.executable, "-c", EARLY_HUP]
    with run_service(policy, tmp_path, "--workers", workers, command=command) as svc:
        assert svc.process.poll() is None
        # The policy changed after it was loaded: the early SIGHUP's reload is not lost.
        for _ in range(10):
            with httpx.Client(base_url=svc.url) as fresh:  # new connections, any worker
                assert fresh.get("/auth", headers=maps).status_code == 200


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_sighup_before_the_start_line_does_not_kill(tmp_path: Path, issuer: PrivateKey) -> None:
    import json
    import subprocess

    from .conftest import serve_command

    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))

    def records(log_path: Path) -> list[dict]:
        return [json.loads(line) for line in log_path.read_text().splitlines()]

    for attempt in range(3):  # the window is short: a loaded machine may miss it
        log_path = tmp_path / f"early-{attempt}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [*serve_command(), "--policy", str(policy), "--listen", "127.0.0.1:0"],
                stdout=log,
                stderr=subprocess.DEVNULL,
            )
        try:
            # Until serve() runs, SIGHUP keeps its default action (the interpreter and the
            # CLI are starting): send it the moment serve() takes the signal over.
            deadline = time.monotonic() + 20
            while not caught_signals(process.pid) & (1 << (signal.SIGHUP - 1)):
                assert process.poll() is None and time.monotonic() < deadline
            early = not records(log_path)
            process.send_signal(signal.SIGHUP)
            while not (start := [r for r in records(log_path) if r.get("event") == "start"]):
                assert process.poll() is None, "killed by an early SIGHUP"
                assert time.monotonic() < deadline
                time.sleep(0.01)
            with httpx.Client(base_url=f"http://{start[0]['listen']}", timeout=5) as client:
                while True:
                    with contextlib.suppress(httpx.TransportError):
                        if client.get("/healthz").status_code == 200:
                            break
                    assert process.poll() is None, "killed by an early SIGHUP"
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
            assert process.poll() is None
        finally:
            process.terminate()
            process.wait(10)
        if early:
            return
    raise AssertionError("SIGHUP was only caught after the start line")


def caught_signals(pid: int) -> int:
    """The mask of signals a process catches (SigCgt in /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return 0


def test_hostile_path_and_method_are_not_echoed(service: Service, sign) -> None:
    long_path = "/nowhere/" + "a" * 30000
    r = service.client.get("/auth", headers={**auth(sign()), **nginx_style(long_path)})
    assert (r.status_code, r.json()["error"]) == (403, "no_route")
    assert len(r.headers["www-authenticate"]) < 200 and len(r.content) < 200
    method = "X" * 30000
    r = service.client.get("/auth", headers={**auth(sign()), **nginx_style("/weather", method)})
    assert (r.status_code, r.json()["error"]) == (403, "method_not_allowed")
    assert len(r.headers["www-authenticate"]) < 200
    record = service.wait_log(lambda rec: rec.get("path", "").startswith("/nowhere/"))
    assert len(record["path"]) == 2048


# serve() with --workers whose first fork is followed at once, in the supervisor, by a
# SIGHUP for a changed policy: before the new worker is among those the signal reaches.
HUP_AFTER_FORK = """\
import os, signal, sys
from pathlib import Path
from pyioctl.web import server

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
policy = Path(args["--policy"])
fork, forks = os.fork, []

def fork_then_hup():
    pid = fork()
    if pid and not forks:
        forks.append(pid)
        policy.write_text(policy.read_text() + "  - path: /maps/**\\n")
        os.kill(os.getpid(), signal.SIGHUP)
    return pid

os.fork = fork_then_hup
server.serve(policy, args["--listen"], int(args["--workers"]))
"""


def test_a_sighup_as_a_worker_is_forked_reaches_it(
    tmp_path: Path, sign, issuer: PrivateKey
) -> None:
    """The worker was forked with the old policy and, not yet recorded, was not sent the
    reload: it kept the old policy for good. Signals now wait until it is recorded."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    maps = {**auth(sign(sub="maps")), **nginx_style("/maps")}
    command = [sys.executable, "-c", HUP_AFTER_FORK]
    with run_service(policy, tmp_path, "--workers", "2", command=command) as svc:
        deadline = time.monotonic() + 10
        allowed = 0
        while allowed < 20:  # in a row, over new connections: both workers
            assert time.monotonic() < deadline, "a worker kept the old policy"
            with httpx.Client(base_url=svc.url) as fresh:
                ok = fresh.get("/auth", headers=maps).status_code == 200
            allowed = allowed + 1 if ok else 0
