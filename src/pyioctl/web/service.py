"""The verifier service: forward-auth for nginx ``auth_request``, Traefik ``forwardAuth``
and Envoy HTTP ``ext_authz``, so any service can be protected without touching its code.

Every path except ``/healthz`` and ``/metrics`` answers one question: may the request the
proxy is holding go through? Its path and method come from ``X-Original-URI`` /
``X-Original-Method`` (nginx), else ``X-Forwarded-Uri`` / ``X-Forwarded-Method`` (Traefik),
else the request's own (Envoy); headers that disagree about them are refused (403
``ambiguous_request``), since each proxy passes the other's on from the client. 200
carries the policy's ``forward_headers`` (by default ``X-Auth-Issuer``, ``X-Auth-Subject``
and ``X-Auth-Scope``) for the upstream; denials are 401/403 only, because nginx turns any
other status of an auth subrequest into a 500.

This is a raw ASGI app rather than a framework one: a forward-auth check is a handful of
header lookups plus ``policy.authorize``, and a framework's routing and request objects
would cost more than the check itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from json.encoder import encode_basestring_ascii as _json_str
from typing import TYPE_CHECKING

from ..policy import MAX_MEMO_PATH, Decision, Policy, PolicyError, load_policy
from ..policy.memo import ByteMemo
from .accesslog import JsonLog, decision_fields
from .asgi import request_target
from .asgi_types import Message, Receive, Scope, Send, denial_messages
from .bearer import bearer_token
from .metrics import Metrics

if TYPE_CHECKING:
    from .server import EarlyHup

__all__ = ["VerifierApp"]

_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_HEALTHY_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [_TEXT, (b"content-length", b"3")],
}
_HEALTHY = {"type": "http.response.body", "body": b"ok\n"}
_EMPTY = {"type": "http.response.body", "body": b""}
# The app's memos, by bytes held (see policy/memo.py): together with the policy's own
# cache they bound what a worker keeps, however many tokens and paths arrive.
IDENTITY_MEMO_BYTES = 4 * 1024 * 1024
LINE_MEMO_BYTES = 8 * 1024 * 1024
DENIAL_MEMO_BYTES = 512 * 1024
_ERROR_MAX = 300
_FORWARDED = frozenset(
    (b"x-original-uri", b"x-original-method", b"x-forwarded-uri", b"x-forwarded-method")
)
# Protocol validation rather than policy: the proxy's headers disagree about the request.
_AMBIGUOUS = Decision(False, 403, "ambiguous_request", "conflicting forwarded request headers")
_ANONYMOUS = ([(b"content-length", b"0")], '"issuer":null,"subject":null,"scope":null')


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
        self.early_hup: EarlyHup | None = None
        self.log = JsonLog(log_fd)
        self.metrics = Metrics(lambda: self.policy)
        # Token digest → its response headers and log fields: a pure function of the
        # token, so a repeated token's strings are built once.
        self._identities: ByteMemo[str, tuple[list[tuple[bytes, bytes]], str]] = ByteMemo(
            IDENTITY_MEMO_BYTES
        )
        self._denials: ByteMemo[tuple[int, str, str, str | None], tuple[Message, Message]] = (
            ByteMemo(DENIAL_MEMO_BYTES)
        )
        self._lines: ByteMemo[tuple[str, int, str, str, str], str] = ByteMemo(LINE_MEMO_BYTES)

        self._identities_policy = policy  # whose forward_headers those were built with

    def load_policy(self) -> Policy | None:
        """The policy file's current contents, or None after logging and counting the
        refusal. Any failure is a refusal, not only a PolicyError: a reload runs in a
        signal handler, and whatever escapes it would kill the process that keeps serving
        (or supervising) with the old policy."""
        try:
            # Without a path (never the case in reload and the supervisor) it fails and is
            # refused below like any bad file.
            return load_policy(self.policy_path)  # type: ignore[arg-type]
        except Exception as exc:  # any failure: see above
            if isinstance(exc, PolicyError):
                error = exc.message
            else:
                error = f"cannot load the policy ({type(exc).__name__}: {exc})"[:_ERROR_MAX]
            self.metrics.reloaded(False)
            self.log.event("policy_reload", result="refused", error=error)
            return None

    def reload(self) -> bool:
        """Swap in the policy file's current contents; a bad one is refused, the old kept."""
        if self.policy_path is None:
            return False
        policy = self.load_policy()
        if policy is None:
            return False
        self.policy = policy
        self._start_revocations()
        self.metrics.reloaded(True)
        self.log.event("policy_reload", result="ok", warnings=policy.warnings)
        return True

    def _start_revocations(self) -> None:
        # Each worker listens to the shared revocation store from its start (and a new
        # policy's from its reload), not from its first request: a worker that has not
        # listened yet cannot re-add the list to a Redis restarted empty, and would learn
        # of revocations made meanwhile only later.
        self.policy.revoked.refresh()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == "/healthz":
                await send(_HEALTHY_START)
                await send(_HEALTHY)
            elif path == "/metrics":
                body = self.metrics.render()
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
        # path or method would make each entry as large as the request (the policy's own
        # memo skips those too).
        if decision.token is None or len(path) + len(verb) > MAX_MEMO_PATH:
            return decision_fields(decision, identity, verb, path)
        key = (decision.digest, decision.status, decision.reason, verb, path)
        fields = self._lines.get(key)
        if fields is None:
            fields = decision_fields(decision, identity, verb, path)
            self._lines.put(key, fields, 2 * len(fields) + len(path) + len(verb))
        return fields

    def _denial(self, decision: Decision) -> tuple[Message, Message]:
        """The two ASGI messages of a denial, built once per distinct answer: floods of
        requests without a token or with a bad one must not cost more than valid ones."""
        key = (decision.status, decision.reason, decision.description, decision.scope)
        known = self._denials.get(key)
        if known is None:
            known = denial_messages(decision)
            # Bounded: descriptions such as "expired by 1h2m3s" vary without end. Entries
            # stay small: descriptions are short texts of ours and never echo the request,
            # and the scope comes from the policy.
            size = 3 * (len(decision.description) + len(decision.scope or "")) + 200
            self._denials.put(key, known, size)
        return known

    def _identity(self, decision: Decision) -> tuple[list[tuple[bytes, bytes]], str]:
        """Response headers for an allowed request and the log fields naming the token."""
        token = decision.token
        if token is None:
            if decision.issuer is None:
                return _ANONYMOUS
            return _ANONYMOUS[0], f'"issuer":"{decision.issuer}","subject":null,"scope":null'
        if self._identities_policy is not self.policy:
            self._identities.clear()  # a reloaded policy may forward other claims
            self._identities_policy = self.policy
        known = self._identities.get(decision.digest)
        if known is not None:
            return known
        issuer = token.issuer_address
        headers = [(b"content-length", b"0")]
        for name, value in self.policy.forward_headers.values(token):
            headers.append((name.lower().encode(), value.encode()))
        fields = (
            f'"issuer":"{issuer}","subject":{_json_str(token.subject)},'
            f'"scope":{_json_str(token.scope)}'
        )
        # Cleared when full rather than LRU: it only saves rebuilding a few strings. An
        # entry is as large as the token's claims, and only tokens of trusted issuers get
        # here.
        charge = 2 * len(fields) + sum(len(name) + len(value) for name, value in headers)
        self._identities.put(decision.digest, (headers, fields), charge)
        return headers, fields

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                loop = asyncio.get_running_loop()
                self.log.loop = loop
                self._start_revocations()
                self.metrics.start(loop)
                if self.handle_sighup:
                    loop.add_signal_handler(signal.SIGHUP, self.reload)
                    if self.early_hup is not None and self.early_hup.take():
                        self.reload()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.log.loop = None
                self.log.flush()
                self.metrics.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
