"""The verifier service: forward-auth for nginx ``auth_request``, Traefik ``forwardAuth``
and Envoy HTTP ``ext_authz``, so any service can be protected without touching its code.

Every path except ``/healthz`` and ``/metrics`` answers one question: may the request the
proxy is holding go through? Its path and method come from ``X-Original-URI`` /
``X-Original-Method`` (nginx), else ``X-Forwarded-Uri`` / ``X-Forwarded-Method`` (Traefik),
else the request's own (Envoy); headers that disagree about them are refused (403
``ambiguous_request``), since each proxy passes the other's on from the client. 200
carries ``X-Auth-Issuer``, ``X-Auth-Subject`` and ``X-Auth-Scope`` for the upstream;
denials are 401/403 only, because nginx turns any other status of an auth subrequest into
a 500.

This is a raw ASGI app rather than a framework one: a forward-auth check is a handful of
header lookups plus ``policy.authorize``, and a framework's routing and request objects
would cost more than the check itself.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable, MutableMapping
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

from ..errors import PyioctlError
from ..policy import MAX_MEMO_PATH, Decision, Policy, PolicyError
from . import bearer_token, denial, header_value
from .asgi import request_target

__all__ = ["VerifierApp", "serve"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Decision latency buckets (seconds): cache hits land in the first, signature checks
# around 50-100 µs, so the interesting range is 10 µs .. 10 ms.
BUCKETS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2)

_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_HEALTHY_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [_TEXT, (b"content-length", b"3")],
}
_HEALTHY = {"type": "http.response.body", "body": b"ok\n"}
_EMPTY = {"type": "http.response.body", "body": b""}
_DENIAL_CACHE_SIZE = 1024
_LOG_FIELD_MAX = 2048
_FORWARDED = frozenset(
    (b"x-original-uri", b"x-original-method", b"x-forwarded-uri", b"x-forwarded-method")
)
# Protocol validation rather than policy: the proxy's headers disagree about the request.
_AMBIGUOUS = Decision(False, 403, "ambiguous_request", "conflicting forwarded request headers")
_ANONYMOUS = ([(b"content-length", b"0")], '"issuer":null,"subject":null,"scope":null')


class _Metrics:
    """Decisions by result and reason, and a histogram of ``authorize`` latency, in
    Prometheus text format. Per process: with several workers each reports its own."""

    def __init__(self) -> None:
        self.decisions: dict[tuple[str, str], int] = {}
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.latency_sum = 0.0
        self.reloads = {"ok": 0, "refused": 0}

    def observe(self, decision: Decision, seconds: float) -> None:
        key = ("allow" if decision.allowed else "deny", decision.reason)
        self.decisions[key] = self.decisions.get(key, 0) + 1
        self.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum += seconds

    def render(self, policy: Policy) -> bytes:
        lines = [
            "# HELP pyioctl_auth_decisions_total Authorization decisions by result and reason.",
            "# TYPE pyioctl_auth_decisions_total counter",
        ]
        for (result, reason), count in sorted(self.decisions.items()):
            lines.append(
                f'pyioctl_auth_decisions_total{{decision="{result}",reason="{reason}"}} {count}'
            )
        lines += [
            "# HELP pyioctl_auth_decision_seconds Time to decide one request (policy.authorize).",
            "# TYPE pyioctl_auth_decision_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip((*BUCKETS, "+Inf"), self.buckets, strict=True):
            cumulative += count
            lines.append(f'pyioctl_auth_decision_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines += [
            f"pyioctl_auth_decision_seconds_sum {self.latency_sum:.9f}",
            f"pyioctl_auth_decision_seconds_count {cumulative}",
            "# HELP pyioctl_auth_cached_tokens Verified tokens held in the cache.",
            "# TYPE pyioctl_auth_cached_tokens gauge",
            f"pyioctl_auth_cached_tokens {policy.cached_tokens}",
            "# HELP pyioctl_policy_reloads_total Policy reloads on SIGHUP by result.",
            "# TYPE pyioctl_policy_reloads_total counter",
        ]
        for result, count in self.reloads.items():
            lines.append(f'pyioctl_policy_reloads_total{{result="{result}"}} {count}')
        up = policy.revoked.store_up
        if up is not None:
            lines += [
                "# HELP pyioctl_revocation_store_up Whether the revocation store (Redis) answers.",
                "# TYPE pyioctl_revocation_store_up gauge",
                f"pyioctl_revocation_store_up {int(up)}",
            ]
        return ("\n".join(lines) + "\n").encode()


def decision_fields(decision: Decision, identity: str, method: str, path: str) -> str:
    """The JSON members of a decision's log line after ``time``, assembled by hand because
    json.dumps of a dict costs more than the decision. ``identity`` is the pre-encoded
    issuer, subject and scope."""
    # The query string is left out: it can carry secrets of its own. Lengths are capped
    # so a hostile request cannot write 64 KiB log lines.
    path = path.split("?", 1)[0][:_LOG_FIELD_MAX]
    method = method[:_LOG_FIELD_MAX]
    digest = f'"{decision.digest}"' if decision.digest else "null"
    return (
        f'{identity},"method":{_json_str(method)},"path":{_json_str(path)},'
        f'"decision":"{"allow" if decision.allowed else "deny"}","status":{decision.status},'
        f'"reason":{_json_str(decision.reason)},"digest":{digest}'
    )


class _JsonLog:
    """One JSON object per line on a file descriptor.

    Decision lines are batched and written from the event loop a few milliseconds later,
    so a request never waits for a write; events (start, reload) are written at once.
    """

    FLUSH_DELAY = 0.01
    MAX_PENDING = 512

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self._second = -1
        self._stamp = ""

    def now(self) -> str:
        t = time.time()
        second = int(t)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._stamp}.{int((t - second) * 1000):03d}Z"

    def decision(self, fields: str) -> None:
        """Queue one decision line; ``fields`` is everything after the time (see
        :func:`decision_fields`), built once per distinct decision by the caller."""
        self.pending.append(f'{{"time":"{self.now()}",{fields}}}\n')
        if self.loop is None or len(self.pending) >= self.MAX_PENDING:
            self.flush()
        elif len(self.pending) == 1:
            self.loop.call_later(self.FLUSH_DELAY, self.flush)

    def event(self, event: str, **fields: Any) -> None:
        self.pending.append(
            json.dumps({"time": self.now(), "event": event, **fields}, separators=(",", ":")) + "\n"
        )
        self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        data = "".join(self.pending).encode()
        self.pending.clear()
        with contextlib.suppress(OSError):  # a closed log must not take the service down
            while data:
                data = data[os.write(self.fd, data) :]


class _EarlyHup:
    """SIGHUP's handler until the event loop's takes over: the default action would kill
    a process still starting, and ignoring the signal would lose the reload it asks for,
    so it is noted here and done once the loop handles SIGHUP."""

    def __init__(self) -> None:
        self.pending = False

    def __call__(self, signum: int, frame: object) -> None:
        self.pending = True

    def take(self) -> bool:
        pending, self.pending = self.pending, False
        return pending


def _agreed(
    forwarded: dict[bytes, bytes], nginx: bytes, traefik: bytes
) -> tuple[bytes | None, bool]:
    """The value one of the two proxies' headers gives, and whether both are there and differ."""
    first, second = forwarded.get(nginx), forwarded.get(traefik)
    if first is None:
        return second, False
    return first, second is not None and second != first


class VerifierApp:
    """The forward-auth ASGI app. ``policy_path`` enables :meth:`reload` (and SIGHUP when
    ``handle_sighup``, for the process that owns the signal)."""

    def __init__(
        self,
        policy: Policy,
        policy_path: str | os.PathLike[str] | None = None,
        *,
        handle_sighup: bool = False,
        log_fd: int = 1,
    ) -> None:
        self.policy = policy
        self.policy_path = policy_path
        self.handle_sighup = handle_sighup
        # serve() catches SIGHUP from its start; one caught early is a reload to do then.
        self.early_hup: _EarlyHup | None = None
        self.log = _JsonLog(log_fd)
        self.metrics = _Metrics()
        # Token digest → its response headers and log fields: a pure function of the
        # token, so a repeated token's strings are built once.
        self._identities: dict[str, tuple[list[tuple[bytes, bytes]], str]] = {}
        self._denials: dict[tuple[int, str, str, str | None], tuple[Message, Message]] = {}
        self._lines: dict[tuple[str, int, str, str, str], str] = {}

    def reload(self) -> bool:
        """Swap in the policy file's current contents; a bad one is refused, the old kept."""
        if self.policy_path is None:
            return False
        try:
            policy = Policy.load(self.policy_path)
        except PolicyError as exc:
            self.metrics.reloads["refused"] += 1
            self.log.event("policy_reload", result="refused", error=exc.message)
            return False
        self.policy = policy
        self.metrics.reloads["ok"] += 1
        self.log.event("policy_reload", result="ok", warnings=policy.warnings)
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == "/healthz":
                await send(_HEALTHY_START)
                await send(_HEALTHY)
            elif path == "/metrics":
                body = self.metrics.render(self.policy)
                headers = [_TEXT, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await self._check(scope, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _check(self, scope: Scope, send: Send) -> None:
        auth = []
        forwarded: dict[bytes, bytes] = {}
        ambiguous = False
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth.append(value)
            elif name in _FORWARDED and forwarded.setdefault(name, value) != value:
                ambiguous = True  # the same header twice, with different values
        # nginx sets X-Original-*, Traefik X-Forwarded-*, and each passes the other pair on
        # from the client: a request naming its target twice, differently, is refused
        # rather than judged by the name the proxy may not act on.
        uri, uri_conflict = _agreed(forwarded, b"x-original-uri", b"x-forwarded-uri")
        method, method_conflict = _agreed(forwarded, b"x-original-method", b"x-forwarded-method")
        ambiguous = ambiguous or uri_conflict or method_conflict
        path = request_target(scope) if uri is None else uri.decode("latin-1")
        verb = method.decode("latin-1").upper() if method else scope["method"]

        started = time.perf_counter()
        if ambiguous:
            decision = _AMBIGUOUS
        else:
            decision = self.policy.authorize(bearer_token(auth), verb, path)
        self.metrics.observe(decision, time.perf_counter() - started)
        headers, identity = self._identity(decision)
        self.log.decision(self._log_fields(decision, identity, verb, path))

        if decision.allowed:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send(_EMPTY)
            return
        start, body = self._denial(decision)
        await send(start)
        await send(body)

    def _log_fields(self, decision: Decision, identity: str, verb: str, path: str) -> str:
        # Policy.authorize hands back the same Decision for a verified token's repeated
        # request, so its log fields are formatted once. Nothing else repeats: a malformed
        # token's denial is new each time (with a digest, but nothing to reuse), and a long
        # path or method would make each entry as large as the request.
        # Same bound as the policy's own memo: bounded by count, so entries must be small.
        if decision.token is None or len(path) + len(verb) > MAX_MEMO_PATH:
            return decision_fields(decision, identity, verb, path)
        key = (decision.digest, decision.status, decision.reason, verb, path)
        fields = self._lines.get(key)
        if fields is None:
            fields = decision_fields(decision, identity, verb, path)
            if len(self._lines) >= self.policy.cache_size:
                self._lines.clear()
            self._lines[key] = fields
        return fields

    def _denial(self, decision: Decision) -> tuple[Message, Message]:
        """The two ASGI messages of a denial, built once per distinct answer: floods of
        requests without a token or with a bad one must not cost more than valid ones."""
        key = (decision.status, decision.reason, decision.description, decision.scope)
        known = self._denials.get(key)
        if known is None:
            headers, body = denial(decision)
            known = (
                {
                    "type": "http.response.start",
                    "status": decision.status,
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
                },
                {"type": "http.response.body", "body": body},
            )
            # Bounded: descriptions such as "expired by 1h2m3s" vary without end. Entries
            # stay small: descriptions are short texts of ours and never echo the request,
            # and the scope comes from the policy.
            if len(self._denials) >= _DENIAL_CACHE_SIZE:
                self._denials.clear()
            self._denials[key] = known
        return known

    def _identity(self, decision: Decision) -> tuple[list[tuple[bytes, bytes]], str]:
        """Response headers for an allowed request and the log fields naming the token."""
        token = decision.token
        if token is None:
            return _ANONYMOUS
        known = self._identities.get(decision.digest)
        if known is not None:
            return known
        issuer = token.issuer_address
        headers = [
            (b"content-length", b"0"),
            (b"x-auth-issuer", issuer.encode()),
            (b"x-auth-subject", header_value(token.subject).encode()),
            (b"x-auth-scope", header_value(token.scope).encode()),
        ]
        fields = (
            f'"issuer":"{issuer}","subject":{_json_str(token.subject)},'
            f'"scope":{_json_str(token.scope)}'
        )
        # As many as the policy caches tokens (every allowed token is one of those), and
        # cleared when full rather than LRU: it only saves rebuilding a few strings. An
        # entry is as large as the token's claims, as the policy's own cache entry is, and
        # only tokens of trusted issuers get here.
        if len(self._identities) >= self.policy.cache_size:
            self._identities.clear()
        self._identities[decision.digest] = (headers, fields)
        return headers, fields

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                loop = asyncio.get_running_loop()
                self.log.loop = loop
                if self.handle_sighup:
                    loop.add_signal_handler(signal.SIGHUP, self.reload)
                    if self.early_hup is not None and self.early_hup.take():
                        self.reload()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.log.loop = None
                self.log.flush()
                await send({"type": "lifespan.shutdown.complete"})
                return


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` → (host, port); port 0 picks a free one."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected HOST:PORT, not {listen!r}")
    return host.strip("[]"), int(port)


def _bind(listen: str) -> socket.socket:
    host, port = parse_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=4096)
    sock.set_inheritable(True)
    return sock


def _run_worker(app: VerifierApp, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        lifespan="on",
        access_log=False,  # every decision is already one JSON line
        proxy_headers=False,  # the client address is never used; skip that middleware
        log_level="warning",
        server_header=False,
        backlog=4096,
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    policy_path: str | os.PathLike[str], listen: str = "127.0.0.1:8080", workers: int = 1
) -> None:
    """Run the verifier until SIGINT/SIGTERM; SIGHUP reloads the policy.

    The policy is loaded before binding, so a bad one stops the start with a PolicyError.
    With ``workers`` > 1 this process forks the workers over one listening socket, checks a
    new policy on SIGHUP before passing the signal on (so a bad one is refused once, and no
    worker ever runs without a policy), and replaces workers that die.
    """
    # From here on SIGHUP cannot kill the process: until a handler of the event loop (or
    # the supervisor) is installed, it is noted and the reload done then.
    early_hup = _EarlyHup()
    previous = signal.signal(signal.SIGHUP, early_hup)
    try:
        _serve(policy_path, listen, workers, early_hup)
    finally:
        signal.signal(signal.SIGHUP, previous)


def _serve(
    policy_path: str | os.PathLike[str], listen: str, workers: int, early_hup: _EarlyHup
) -> None:
    try:
        import uvicorn  # noqa: F401 - checked before binding, used by the workers
    except ImportError:
        raise PyioctlError(
            "the verifier service needs uvicorn: pip install 'pyioctl[server]'",
            code="missing_dependency",
        ) from None
    policy = Policy.load(policy_path)
    sock = _bind(listen)
    host, port = sock.getsockname()[:2]
    app = VerifierApp(policy, policy_path, handle_sighup=workers <= 1)
    app.early_hup = early_hup
    app.log.event(
        "start",
        listen=f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        policy=str(policy_path),
        workers=max(workers, 1),
        warnings=policy.warnings,
    )
    if workers <= 1:
        _run_worker(app, sock)
    else:
        _Supervisor(app, sock, workers).run()


class _Supervisor:
    RESPAWN_BACKOFF = 1.0

    def __init__(self, app: VerifierApp, sock: socket.socket, workers: int) -> None:
        self.app = app
        self.sock = sock
        self.workers = workers
        self.children: dict[int, float] = {}
        self.stopping = False

    def spawn(self) -> None:
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                # Inherited handlers belong to the supervisor; uvicorn installs its own for
                # INT/TERM and the app one for HUP, which until then is noted (the default
                # would kill, and ignoring it would lose a reload passed on while starting).
                self.app.early_hup = _EarlyHup()
                signal.signal(signal.SIGHUP, self.app.early_hup)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self.app.handle_sighup = True
                _run_worker(self.app, self.sock)
                status = 0
            finally:
                os._exit(status)
        self.children[pid] = time.monotonic()

    def on_stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def on_hup(self, signum: int, frame: object) -> None:
        try:
            policy = Policy.load(self.app.policy_path)  # type: ignore[arg-type]
        except PolicyError as exc:
            self.app.log.event("policy_reload", result="refused", error=exc.message)
            return
        # Later respawns start from the new policy too.
        self.app.policy = policy
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.on_stop)
        signal.signal(signal.SIGINT, self.on_stop)
        signal.signal(signal.SIGHUP, self.on_hup)
        if self.app.early_hup is not None and self.app.early_hup.take():
            self.on_hup(signal.SIGHUP, None)  # before any worker starts from the old policy
        for _ in range(self.workers):
            self.spawn()
        while self.children:
            try:
                pid, _ = os.wait()
            except ChildProcessError:
                break
            started = self.children.pop(pid, None)
            if self.stopping or started is None:
                continue
            self.app.log.event("worker_exit", pid=pid)
            if time.monotonic() - started < self.RESPAWN_BACKOFF:
                time.sleep(self.RESPAWN_BACKOFF)  # do not spin on a worker that cannot start
            self.spawn()
