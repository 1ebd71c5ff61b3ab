"""A bounded mixed-traffic soak of ``ioctl jwt serve --workers 2`` on 127.0.0.1 (issue 8).

Client threads send a mix of requests to a real verifier service for a fixed time, and
every answer is checked against the one the policy must give:

- valid tokens (a pool, and fresh ones signed during the run), right and wrong scope,
  wrong subject, a route no policy covers, a method no route allows;
- expired tokens, tokens of an untrusted issuer, tampered ones (payload edited, signature
  bit flipped, ``alg`` changed), garbage and huge (> 8 KiB) tokens, no token at all;
- tokens revoked mid-run with ``ioctl jwt revoke``, and their S-flipped twins: 200 before
  the revocation began, 401 ``revoked`` from shortly after it returned (the service
  re-reads the file at most once a second; answers in between are not judged);
- unsafe paths (``/a/../b``, ``%2e%2e``, ``//``, ``%2F``, bad escapes, ...), which get
  403 ``unsafe_path`` whatever the token, and canonical escapes, which are decoded;
- slow clients that dribble a request out within the header timeout and must get the same
  answer, and silent connections the service must close (slowloris).

It prints the requests sent, the 5xx count, the wrong decisions (with examples), transport
errors, and the RSS of each worker at start, after warm-up and at the end. Exit status 1
when any 5xx, wrong decision, transport error, silent connection left open or lost
worker occurred. ``make bench`` runs ``--short``.

Usage: python bench/soak.py [--seconds 60 | --short] [--clients 6] [--workers 2]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pyioctl import jwt
from pyioctl.keys import PrivateKey

# tests/processes.py, shared with the tests of the served process (neither is a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from processes import children, rss_mib, stop_process

SHORT_SECONDS = 15.0
HEADER_TIMEOUT = 4.0  # --timeout-headers of the service under test
# A revocation is judged from this long after `ioctl jwt revoke` returned: the service
# looks at the file at most once a second, and a request may already be in flight.
REVOKE_GRACE = 2.0
SILENT_CONNECTIONS = 16
DENIED = frozenset(("malformed", "bad_signature", "unsupported_alg", "untrusted_issuer", "expired"))

POLICY = """\
issuers:
  - {issuer}
routes:
  - path: /admin/**
    subject: api
    scopes: Admin
  - path: /api/**
    subject: api
revoked:
  file: revoked.txt
"""

# Each is refused with 403 unsafe_path, whatever the token (docs/security.md).
UNSAFE_TARGETS = (
    "/api/../admin/x",
    "/api/items/..",
    "/api/./items",
    "/api/%2e%2e/admin/x",
    "/api/%2E%2e/admin/x",
    "/api/.%2E/admin/x",
    "/api/items/%2e",
    "//api/items",
    "/api//items",
    "/api/items%2Fx",
    "/api/items%2fx",
    "/api/items%5Cx",
    "/api/items\\x",
    "/api/items%00",
    "/api/items%01x",
    "/api/it%zzems",
    "/api/it%e",
    "/api/%ff%fe",
    "/api/caf\xe9",
    "http://[/admin/x",
    "http://host:99999/api/x",
)


@dataclass
class Revocable:
    """A token revoked mid-run; before that, it and its twin are valid."""

    token: str
    twin: str
    started: float | None = None
    done: float | None = None
    last_pass: float | None = None

    def state(self, sent: float, received: float) -> str:
        """``sent``: when the request's last byte left; ``received``: when its answer came."""
        if self.started is None or received < self.started:
            return "valid"
        if self.done is not None and sent >= self.done + REVOKE_GRACE:
            return "revoked"
        return "transition"


@dataclass
class Case:
    kind: str
    method: str
    target: str
    token: str | None
    status: int = 200
    reasons: frozenset[str] = frozenset(("ok",))
    subject: str | None = "api"
    revocable: Revocable | None = None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    wrong_count: int = 0
    transport: list[str] = field(default_factory=list)
    transition: int = 0

    def record(self, case: Case, status: int, problem: str | None, transition: bool) -> None:
        with self.lock:
            self.sent[case.kind] += 1
            self.statuses[status] += 1
            if transition:
                self.transition += 1
            if problem is not None:
                self.wrong_count += 1
                if len(self.wrong) < 10:
                    self.wrong.append(f"{case.kind} {case.method} {case.target!r}: {problem}")

    def failed(self, case: Case, error: BaseException) -> None:
        with self.lock:
            self.sent[case.kind] += 1
            self.transport.append(f"{case.kind}: {type(error).__name__}: {error}")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    """The token pools, made before the run (and fresh ones during it)."""

    def __init__(self, issuer: PrivateKey, now: int) -> None:
        self.issuer = issuer
        stranger = PrivateKey.generate()

        def make(
            n: int,
            scope: str,
            exp: int,
            key: PrivateKey = issuer,
            sub: str = "api",
            iat: int = now,
            alg: str = "ES256",
        ) -> list[str]:
            # Signatures are deterministic (RFC 6979): distinct tokens need distinct claims.
            return [
                jwt.sign(key, sub=sub, scope=scope, exp=exp + i, iat=iat, alg=alg) for i in range(n)
            ]

        self.read = make(300, "Read", now + 3600)
        self.antenna = make(50, "Read", now + 3600, alg="EK256K")  # iotex-antenna's dialect
        self.create = make(100, "Create", now + 4000)
        self.admin = make(50, "Admin", now + 5000)
        self.other_subject = make(50, "Read Admin", now + 3600, sub="other")
        self.expired = make(50, "Read", now - 3600, iat=now - 7200)
        self.untrusted = make(50, "Read", now + 3600, key=stranger)
        self.tampered = [self._tamper(t, i) for i, t in enumerate(self.read[:60])]
        self.revocable = []
        for i in range(3):
            token = jwt.sign(issuer, sub="api", scope="Read", exp=now + 6000 + i)
            sig = token.rpartition(".")[2]
            self.revocable.append(Revocable(token, jwt.twin_token(token, unb64(sig))))

    @staticmethod
    def _tamper(token: str, i: int) -> tuple[str, frozenset[str]]:
        header, payload, sig = token.split(".")
        way = i % 3
        if way == 0:  # the claims edited, the signature kept
            claims = json.loads(unb64(payload))
            claims["scope"] = "Admin"
            return f"{header}.{b64(json.dumps(claims).encode())}.{sig}", frozenset(
                ("bad_signature",)
            )
        if way == 1:  # one signature bit flipped (the last character may stop being canonical)
            raw = bytearray(unb64(sig))
            raw[i % 64] ^= 1 << (i % 8)
            return f"{header}.{payload}.{b64(bytes(raw))}", frozenset(
                ("bad_signature", "malformed")
            )
        forged = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{forged}.{payload}.{sig}", frozenset(("unsupported_alg", "malformed"))

    def fresh(self) -> str:
        return jwt.sign(self.issuer, sub="api", scope="Read", exp=int(time.time()) + 600)


def garbage(rng: random.Random) -> str:
    alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/"{}[]:,'
    shape = rng.randrange(4)
    if shape == 0:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 300)))
    if shape == 1:
        return ".".join(
            b64(rng.randbytes(rng.randrange(0, 80))) for _ in range(rng.choice((2, 3, 4)))
        )
    if shape == 2:
        deep = '{"alg":"ES256","x":' + "[" * rng.randrange(10, 2000) + "]"
        return f"{b64(deep.encode())}.{b64(b'{}')}.{b64(rng.randbytes(64))}"
    return f"{b64(rng.randbytes(20))}.{b64(b'{')}.{b64(rng.randbytes(64))}"


ES256_HEADER = b64(b'{"alg":"ES256","typ":"JWT"}')


def huge(rng: random.Random) -> str:
    # Over the 8 KiB token cap, under h11's 16 KiB limit on a request head.
    size = rng.randrange(9 * 1024, 14 * 1024)
    return f"{ES256_HEADER}.{b64(rng.randbytes(size * 3 // 4))}.{b64(rng.randbytes(64))}"


def pick(rng: random.Random, tokens: Tokens) -> Case:
    """One request of the mix, with the answer it must get."""
    item = f"/api/items/{rng.randrange(1000)}"
    roll = rng.randrange(100)
    if roll < 22:
        return Case("valid", "GET", item, rng.choice(tokens.read))
    if roll < 24:
        return Case("valid fresh", "GET", item, tokens.fresh())
    if roll < 26:
        return Case("valid EK256K", "GET", item, rng.choice(tokens.antenna))
    if roll < 30:
        return Case("valid", "POST", item, rng.choice(tokens.create))
    if roll < 33:
        path = f"/api/w%69dgets/{'x' * rng.randrange(400)}?next=/../admin"
        return Case("canonical escape", "GET", path, rng.choice(tokens.read))
    if roll < 36:
        return Case("valid admin", "GET", "/admin/users", rng.choice(tokens.admin))
    if roll < 41:
        method = rng.choice(("POST", "DELETE", "PUT"))
        return Case(
            "wrong scope",
            method,
            item,
            rng.choice(tokens.read),
            403,
            frozenset(("insufficient_scope",)),
        )
    if roll < 44:
        return Case(
            "wrong scope",
            "GET",
            "/admin/users",
            rng.choice(tokens.read),
            403,
            frozenset(("insufficient_scope",)),
        )
    if roll < 47:
        return Case(
            "wrong subject",
            "GET",
            item,
            rng.choice(tokens.other_subject),
            403,
            frozenset(("wrong_subject",)),
        )
    if roll < 49:
        return Case(
            "no route", "GET", "/elsewhere", rng.choice(tokens.read), 403, frozenset(("no_route",))
        )
    if roll < 51:
        return Case(
            "bad method",
            "TRACE",
            item,
            rng.choice(tokens.read),
            403,
            frozenset(("method_not_allowed",)),
        )
    if roll < 56:
        return Case(
            "expired", "GET", item, rng.choice(tokens.expired), 401, frozenset(("expired",))
        )
    if roll < 60:
        return Case(
            "untrusted",
            "GET",
            item,
            rng.choice(tokens.untrusted),
            401,
            frozenset(("untrusted_issuer",)),
        )
    if roll < 65:
        token, reasons = rng.choice(tokens.tampered)
        return Case("tampered", "GET", item, token, 401, reasons)
    if roll < 77:
        revocable = rng.choice(tokens.revocable)
        if rng.random() < 0.5:
            return Case("revoked mid-run", "GET", item, revocable.token, revocable=revocable)
        return Case("its S-flipped twin", "GET", item, revocable.twin, revocable=revocable)
    if roll < 86:
        token = rng.choice(tokens.admin + tokens.read + [None])
        return Case(
            "unsafe path",
            "GET",
            rng.choice(UNSAFE_TARGETS),
            token,
            403,
            frozenset(("unsafe_path",)),
            None,
        )
    if roll < 92:
        return Case("garbage token", "GET", item, garbage(rng), 401, DENIED, None)
    if roll < 96:
        return Case("huge token", "GET", item, huge(rng), 401, frozenset(("malformed",)), None)
    return Case("no token", "GET", item, None, 401, frozenset(("missing_token",)), None)


def headers_of(case: Case) -> dict[str, str]:
    headers = {"X-Original-URI": case.target, "X-Original-Method": case.method}
    if case.token is not None:
        headers["Authorization"] = f"Bearer {case.token}"
    return headers


def judge(
    case: Case, sent: float, status: int, headers: dict[str, str], body: bytes
) -> tuple[str | None, bool]:
    """(what is wrong with the answer, or None; whether it fell in a revocation's transition)."""
    expect_status, reasons, subject = case.status, case.reasons, case.subject
    if case.revocable is not None:
        received = time.monotonic()
        state = case.revocable.state(sent, received)
        if state == "transition":
            if status == 200:
                case.revocable.last_pass = max(case.revocable.last_pass or 0.0, received)
            return (None if status in (200, 401) else f"status {status} while being revoked"), True
        if state == "revoked":
            expect_status, reasons, subject = 401, frozenset(("revoked",)), None
    if status == 200:
        reason = "ok"
    else:
        try:
            reason = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            reason = f"<body {body[:60]!r}>"
    if status != expect_status or reason not in reasons:
        return f"got {status} {reason}, expected {expect_status} {'/'.join(sorted(reasons))}", False
    if status == 200 and subject is not None and headers.get("x-auth-subject") != subject:
        return f"X-Auth-Subject {headers.get('x-auth-subject')!r}, expected {subject!r}", False
    return None, False


def client(
    url: tuple[str, int], seed: int, tokens: Tokens, stop: threading.Event, tally: Tally
) -> None:
    rng = random.Random(seed)
    conn: http.client.HTTPConnection | None = None
    while not stop.is_set():
        case = pick(rng, tokens)
        for attempt in (0, 1):
            if conn is None:
                conn = http.client.HTTPConnection(*url, timeout=10)
            try:
                conn.request("GET", "/auth", headers=headers_of(case))
                sent = time.monotonic()
                response = conn.getresponse()
                body = response.read()
            except (ConnectionError, http.client.HTTPException, OSError) as error:
                conn.close()
                conn = None
                # A kept-alive connection the server closed between requests: any client
                # retries once on a new one. A second failure is the service's.
                if attempt == 0 and isinstance(
                    error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                ):
                    continue
                tally.failed(case, error)
                break
            answer = {k.lower(): v for k, v in response.getheaders()}
            problem, transition = judge(case, sent, response.status, answer, body)
            tally.record(case, response.status, problem, transition)
            break
    if conn is not None:
        conn.close()


def slow_client(
    url: tuple[str, int], seed: int, tokens: Tokens, stop: threading.Event, tally: Tally
) -> None:
    """Requests dribbled out in pieces over up to ~2 s (under the header timeout)."""
    rng = random.Random(seed)
    while not stop.is_set():
        case = pick(rng, tokens)
        lines = ["GET /auth HTTP/1.1", f"Host: {url[0]}:{url[1]}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers_of(case).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        cuts = sorted(rng.sample(range(1, len(raw)), min(8, len(raw) - 1)))
        try:
            with socket.create_connection(url, timeout=10) as sock:
                for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True):
                    time.sleep(rng.uniform(0.02, 0.25))
                    sock.sendall(raw[start:end])
                sent = time.monotonic()
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
        except OSError as error:
            tally.failed(Case("slow " + case.kind, case.method, case.target, None), error)
            continue
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        answer = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            answer[name.strip().lower()] = value.strip()
        slow = Case(
            "slow client",
            case.method,
            case.target,
            case.token,
            case.status,
            case.reasons,
            case.subject,
            case.revocable,
        )
        problem, transition = judge(slow, sent, status, answer, body)
        tally.record(slow, status, problem, transition)


def start_service(
    ioctl: Path, policy: Path, workers: int, log: Path
) -> tuple[subprocess.Popen[bytes], tuple[str, int]]:
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(ioctl),
                "jwt",
                "serve",
                "--policy",
                str(policy),
                "--listen",
                "127.0.0.1:0",
                "--workers",
                str(workers),
                "--timeout-headers",
                str(HEADER_TIMEOUT),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        for line in log.read_text(errors="replace").splitlines():
            if '"event": "start"' in line or '"event":"start"' in line:
                host, _, port = json.loads(line)["listen"].rpartition(":")
                address = (host, int(port))
                while len(children(process.pid)) < workers and time.monotonic() < deadline:
                    time.sleep(0.05)
                while time.monotonic() < deadline:
                    try:
                        conn = http.client.HTTPConnection(*address, timeout=5)
                        conn.request("GET", "/healthz")
                        if conn.getresponse().status == 200:
                            return process, address
                    except OSError:
                        time.sleep(0.05)
        time.sleep(0.05)
    process.kill()
    raise SystemExit(
        f"the verifier service did not start:\n{log.read_text(errors='replace')[-2000:]}"
    )


def revoke(ioctl: Path, policy: Path, target: Revocable, env: dict[str, str]) -> None:
    target.started = time.monotonic()
    subprocess.run(
        [str(ioctl), "jwt", "revoke", target.token, "--policy", str(policy)],
        check=True,
        capture_output=True,
        env=env,
    )
    target.done = time.monotonic()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="traffic time (default 60)")
    parser.add_argument(
        "--short", action="store_true", help=f"{SHORT_SECONDS:.0f} s, for make bench"
    )
    parser.add_argument("--clients", type=int, default=6, help="keep-alive client threads")
    parser.add_argument("--slow-clients", type=int, default=2, help="threads dribbling requests")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seconds = SHORT_SECONDS if args.short else args.seconds
    if seconds < 6:
        parser.error("--seconds must be at least 6 (revocations happen mid-run)")
    ioctl = Path(sys.executable).with_name("ioctl")
    if not ioctl.exists():
        raise SystemExit(f"no ioctl next to {sys.executable}: pip install -e . first")

    with tempfile.TemporaryDirectory(prefix="pyioctl-soak-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "HOME": str(tmp)}
        issuer = PrivateKey.generate()
        policy = tmp / "policy.yaml"
        policy.write_text(POLICY.format(issuer=issuer.address))
        (tmp / "revoked.txt").write_text("")
        tokens = Tokens(issuer, int(time.time()))
        process, address = start_service(ioctl, policy, args.workers, tmp / "service.log")
        tally = Tally()
        stop = threading.Event()
        try:
            workers = sorted(children(process.pid))
            rss_start = {w: rss_mib(w) for w in workers}
            silent = [
                socket.create_connection(address, timeout=5) for _ in range(SILENT_CONNECTIONS)
            ]
            for sock in silent[::2]:
                sock.sendall(b"GET /auth HTTP/1.1\r\nHost: x\r\n")  # a head never finished
            threads = [
                threading.Thread(target=client, args=(address, i, tokens, stop, tally))
                for i in range(args.clients)
            ] + [
                threading.Thread(target=slow_client, args=(address, 1000 + i, tokens, stop, tally))
                for i in range(args.slow_clients)
            ]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            time.sleep(seconds * 0.2)
            rss_warm = {w: rss_mib(w) for w in workers}
            # Revocations at 30%, 50% and 70% of the run, each by the real CLI.
            for target, at in zip(tokens.revocable, (0.3, 0.5, 0.7), strict=True):
                time.sleep(max(0.0, began + seconds * at - time.monotonic()))
                revoke(ioctl, policy, target, env)
            time.sleep(max(0.0, began + seconds - time.monotonic()))
            stop.set()
            for thread in threads:
                thread.join(30)
            elapsed = time.monotonic() - began
            rss_end = {w: rss_mib(w) for w in workers}
            still_open = 0
            for sock in silent:
                sock.setblocking(False)
                try:
                    still_open += sock.recv(1) != b""  # an answer (408/400) still means open
                except BlockingIOError:
                    still_open += 1
                except OSError:
                    pass  # reset: closed
                sock.close()
            lost_workers = sorted(set(workers) - children(process.pid))
        finally:
            stop.set()
            stop_process(process, timeout=15)

    total = sum(tally.sent.values())
    fivexx = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(
        f"soak: {elapsed:.1f} s of traffic, `ioctl jwt serve --workers {args.workers}`, "
        f"{args.clients} clients + {args.slow_clients} slow, "
        f"{SILENT_CONNECTIONS} silent connections"
    )
    print()
    print("| kind | requests |")
    print("|---|---:|")
    for kind, n in sorted(tally.sent.items(), key=lambda item: -item[1]):
        print(f"| {kind} | {n} |")
    print()
    print(f"requests sent:        {total} ({total / elapsed:.0f}/s)")
    print(
        f"statuses:             {', '.join(f'{s}: {n}' for s, n in sorted(tally.statuses.items()))}"
    )
    print(f"5xx:                  {fivexx}")
    print(f"wrong decisions:      {tally.wrong_count}")
    for line in tally.wrong:
        print(f"  {line}")
    print(f"transport errors:     {len(tally.transport)}")
    for line in tally.transport[:10]:
        print(f"  {line}")
    print(
        f"revocations:          {len(tokens.revocable)} by `ioctl jwt revoke`; "
        f"{tally.transition} answers within {REVOKE_GRACE:.0f} s of one not judged"
    )
    for i, target in enumerate(tokens.revocable):
        if target.done is not None and target.started is not None:
            last = target.last_pass
            after = (
                "no pass after it began"
                if last is None or last < target.started
                else (f"last pass {last - target.done:+.2f} s after it returned")
            )
            print(f"  #{i + 1}: revoke took {target.done - target.started:.2f} s, {after}")
    print(
        f"silent connections:   {SILENT_CONNECTIONS - still_open} of {SILENT_CONNECTIONS} "
        f"closed by the service (--timeout-headers {HEADER_TIMEOUT:g})"
    )
    print(f"workers lost:         {len(lost_workers)}")
    print("worker RSS (MiB):     start -> after warm-up -> end (growth after warm-up)")
    for w in workers:
        print(
            f"  pid {w}: {rss_start[w]:.1f} -> {rss_warm[w]:.1f} -> {rss_end[w]:.1f} "
            f"({rss_end[w] - rss_warm[w]:+.1f})"
        )
    failed = fivexx or tally.wrong_count or tally.transport or still_open or lost_workers
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
