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
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..jwt import VerifiedToken
from ..policy import MAX_MEMO_PATH, Decision, Policy, PolicyError, load_policy
from ..policy.forwarding import claim_value
from ..policy.memo import ByteMemo
from .accesslog import CLAIM_MAX, JsonLog, decision_fields, json_text, request_fields
from .asgi import request_target
from .asgi_types import Message, Receive, Scope, Send, denial_messages
from .bearer import bearer_token
from .metrics import Metrics, outcome

if TYPE_CHECKING:
    from ..policy.core import _CacheEntry
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
ANSWER_MEMO_BYTES = 10 * 1024 * 1024
IDENTITY_MEMO_BYTES = 1024 * 1024
REQUEST_MEMO_BYTES = 1024 * 1024
DENIAL_MEMO_BYTES = 512 * 1024
# Per remembered answer, the Python objects around its strings (the answer, its key tuple).
_ANSWER_OVERHEAD = 200
_ERROR_MAX = 300
_FORWARDED = frozenset(
    (b"x-original-uri", b"x-original-method", b"x-forwarded-uri", b"x-forwarded-method")
)
# Protocol validation rather than policy: the proxy's headers disagree about the request.
_AMBIGUOUS = Decision(False, 403, "ambiguous_request", "conflicting forwarded request headers")
_ALLOWED = {"type": "http.response.start", "status": 200, "headers": ((b"content-length", b"0"),)}
_ANONYMOUS = '"issuer":null,"subject":null,"scope":null'


def _no_entry() -> None:
    """The entry of an answer that is never remembered."""


class _Answer:
    """Everything a request's answer needs besides the time: the two response messages,
    the log fields and the metrics label. ``entry`` refers to the policy's cache entry
    whose validity the answer shares when it is remembered (giving None when it is not).

    Weakly: an entry holds a verified token and up to 32 decisions, and one the policy
    has evicted must not live on in the memo, whose bound does not count it (6,000
    tokens kept 14 MiB alive over a 24 KiB cache). The answer then goes with it.
    """

    __slots__ = ("body", "entry", "fields", "outcome", "start")

    def __init__(
        self,
        entry: _CacheEntry | None,
        outcome: tuple[str, str],
        start: Message,
        body: Message,
        fields: str,
    ) -> None:
        self.entry: Callable[[], _CacheEntry | None] = (
            _no_entry if entry is None else weakref.ref(entry)
        )
        self.outcome = outcome
        self.start = start
        self.body = body
        self.fields = fields


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
        # (Authorization header, method, path) → the whole answer, for a verified token
        # whose decision the policy's cache keeps: a repeated request costs a lookup and
        # Policy.still_valid (time and revocation) instead of building anything.
        self._answers: ByteMemo[tuple[bytes, str, str], _Answer] = ByteMemo(ANSWER_MEMO_BYTES)
        # The claims a token's 200 headers and log identity come from → those: tokens
        # differ in exp, iat or jti far more often than in issuer, subject and scope.
        self._identities: ByteMemo[tuple[str, ...], tuple[Message, str]] = ByteMemo(
            IDENTITY_MEMO_BYTES
        )
        self._requests: ByteMemo[tuple[bool, int, str, str, str], str] = ByteMemo(
            REQUEST_MEMO_BYTES
        )
        self._denials: ByteMemo[tuple[int, str, str, str | None], tuple[Message, Message]] = (
            ByteMemo(DENIAL_MEMO_BYTES)
        )
        self._forget(policy)

    def _forget(self, policy: Policy) -> None:
        """Drop the answers and identities made with another policy."""
        self._answers.clear()
        self._identities.clear()
        self._memo_policy = policy  # the policy the answers and identities are made with
        # The claims an identity depends on besides the three it always reads.
        self._extra_claims = tuple(
            claim for claim in policy.forward_headers.claims if claim not in ("sub", "scope")
        )

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
        if len(forwarded) < 2:  # nothing to disagree with: the common case, made cheap
            uri = forwarded.get(b"x-original-uri", forwarded.get(b"x-forwarded-uri"))
            method = forwarded.get(b"x-original-method", forwarded.get(b"x-forwarded-method"))
        else:
            uri, uri_conflict = _agreed(forwarded, b"x-original-uri", b"x-forwarded-uri")
            method, method_conflict = _agreed(
                forwarded, b"x-original-method", b"x-forwarded-method"
            )
            ambiguous = ambiguous or uri_conflict or method_conflict
        path = request_target(scope) if uri is None else uri.decode("latin-1")
        verb = method.decode("latin-1").upper() if method else scope["method"]

        policy = self.policy
        if policy is not self._memo_policy:
            # A reloaded policy may decide or forward differently: nothing made with the
            # old one is reused.
            self._forget(policy)
        started = time.perf_counter()
        if ambiguous:
            answer = self._answer(_AMBIGUOUS, verb, path, None)
        else:
            # The exact header bytes: any other spelling of the same token is its own key.
            # Long targets are never remembered (see MAX_MEMO_PATH).
            key = (
                (auth[0], verb, path)
                if len(auth) == 1 and len(path) + len(verb) <= MAX_MEMO_PATH
                else None
            )
            known = self._answers.get(key) if key is not None else None
            if (
                known is not None
                and (entry := known.entry()) is not None
                and policy.still_valid(entry, int(time.time()))
            ):
                answer = known
            else:
                decision, entry = policy.decide(bearer_token(auth), verb, path)
                answer = self._answer(decision, verb, path, entry)
                if entry is not None and key is not None:
                    size = len(key[0]) + len(verb) + len(path) + len(answer.fields)
                    self._answers.put(key, answer, size + _ANSWER_OVERHEAD)
        self.metrics.count(answer.outcome, time.perf_counter() - started)
        self.log.decision(answer.fields)
        await send(answer.start)
        await send(answer.body)

    def _answer(
        self, decision: Decision, verb: str, path: str, entry: _CacheEntry | None
    ) -> _Answer:
        token = decision.token
        if token is not None:
            allowed, identity = self._identity(token)
        else:
            allowed = _ALLOWED
            identity = (
                _ANONYMOUS
                if decision.issuer is None
                else f'"issuer":"{decision.issuer}","subject":null,"scope":null'
            )
        fields = decision_fields(
            decision, identity, verb, path, self._request_fields(decision, verb, path)
        )
        if decision.allowed:
            return _Answer(entry, outcome(decision), allowed, _EMPTY, fields)
        start, body = self._denial(decision)
        return _Answer(entry, outcome(decision), start, body, fields)

    def _request_fields(self, decision: Decision, verb: str, path: str) -> str:
        # A long path or method would make each entry as large as the request.
        if len(path) + len(verb) > MAX_MEMO_PATH:
            return request_fields(decision, verb, path)
        key = (decision.allowed, decision.status, decision.reason, verb, path)
        fields = self._requests.get(key)
        if fields is None:
            fields = request_fields(decision, verb, path)
            self._requests.put(key, fields, 2 * len(fields) + len(path) + len(verb))
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

    def _identity(self, token: VerifiedToken) -> tuple[Message, str]:
        """The response start of an allowed request and the log fields naming the token,
        from the claims they are made of: the issuer, subject, scope and any other claim
        the policy forwards."""
        forward = self.policy.forward_headers
        key: tuple[str, ...] = (token.issuer, token.subject, token.scope)
        extra = self._extra_claims
        if extra:
            claims = token.claims
            key += tuple(claim_value(claims.get(claim)) for claim in extra)
        known = self._identities.get(key)
        if known is not None:
            return known
        issuer = token.issuer_address
        headers = [(b"content-length", b"0")]
        for name, value in forward.values(token, issuer):
            headers.append((name.lower().encode(), value.encode()))
        fields = (
            f'"issuer":"{issuer}","subject":{json_text(token.subject, CLAIM_MAX)},'
            f'"scope":{json_text(token.scope, CLAIM_MAX)}'
        )
        start = {"type": "http.response.start", "status": 200, "headers": tuple(headers)}
        # Only tokens of trusted issuers get here; an entry is as large as those claims.
        charge = 2 * len(fields) + sum(map(len, key))
        charge += sum(len(name) + len(value) for name, value in headers)
        self._identities.put(key, (start, fields), charge)
        return start, fields

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
