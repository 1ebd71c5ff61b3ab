"""The Policy object: trusted issuers, routes and token rules, with the verified-token
cache behind its one ``authorize`` decision."""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import timedelta

from ..durations import to_seconds
from ..jwt import (
    ANY_ISSUER,
    DEFAULT_ALGORITHMS,
    AnyIssuer,
    Issuers,
    TokenError,
    VerifiedToken,
    audiences,
    twin_token,
    verify,
)
from .decision import Decision, check_rights, rights, token_digest
from .errors import PolicyError, PolicyWarning
from .forwarding import ForwardHeaders
from .memo import ENTRY_OVERHEAD, TOKEN_OVERHEAD, ByteMemo
from .revocation import RevocationList, issuer_hash
from .routes import Route, canonical_path

# The verified-token cache is bounded both ways: entries, and the bytes they hold with
# their remembered decisions (see memo.py for how an entry is charged).
DEFAULT_CACHE_SIZE = 10_000
DEFAULT_CACHE_BYTES = 24 * 1024 * 1024
# Recent failures, keyed by token digest so a huge bad token costs 64 bytes of key.
FAILURE_MEMO_BYTES = 2 * 1024 * 1024
# (method, request target) → its route and required scope; only targets up to
# MAX_MEMO_PATH are kept.
RULE_MEMO_BYTES = 512 * 1024
# Failures that no passing second can change, for one policy; the others (expired, not
# yet valid) are reused only within the second they were decided in.
_LASTING_FAILURES = frozenset(("malformed", "unsupported_alg", "bad_signature", "untrusted_issuer"))

# A path that is not canonical is refused whatever the token: see routes.canonical_path.
UNSAFE_PATH = Decision(False, 403, "unsafe_path", "the request path is not in canonical form")

_DECISIONS_PER_TOKEN = 32
# Longer request targets are decided afresh each time rather than remembered: a memo
# keyed by hostile 60 KiB paths would make memory grow with the size of requests.
MAX_MEMO_PATH = 512


class _CacheEntry:
    # Weakly referable: the service's remembered answers must not keep evicted entries.
    __slots__ = (
        "__weakref__", "_twin", "decisions", "digest", "not_after", "not_before", "raw",
        "scopes", "size", "token",
    )  # fmt: skip

    def __init__(self, raw: str, token: VerifiedToken, digest: str, leeway: int) -> None:
        claims = token.claims
        self.decisions: dict[tuple[str, str], Decision] = {}
        self.raw = raw
        self.token = token
        self.digest = digest
        self._twin: str | None = None
        self.scopes = rights(token.scope)
        exp = claims.get("exp")
        self.not_after = exp + leeway if exp is not None else math.inf
        iat, nbf = claims.get("iat"), claims.get("nbf")
        start = nbf if iat is None else iat if nbf is None else max(iat, nbf)
        self.not_before = start - leeway if start is not None else -math.inf
        self.size = TOKEN_OVERHEAD + 2 * len(raw)

    @property
    def digests(self) -> tuple[str, str]:
        """The token's SHA-256 and that of its high-S twin, the names revocation knows it
        by. The twin's costs a re-encode and a hash, so it is made only when a revocation
        list has entries to compare it with, and then once."""
        twin = self._twin
        if twin is None:
            twin = self._twin = token_digest(twin_token(self.raw, self.token.signature))
        return (self.digest, twin)

    def remember(self, method: str, path: str, decision: Decision) -> int:
        """Keep the decision; the bytes it adds to the entry (0 when not kept)."""
        # Bounded per token: a client walking many paths must not grow one entry forever.
        size = len(path) + len(method)
        if (
            len(self.decisions) < _DECISIONS_PER_TOKEN
            and size <= MAX_MEMO_PATH
            and (method, path) not in self.decisions
        ):
            self.decisions[(method, path)] = decision
            self.size += size + ENTRY_OVERHEAD
            return size + ENTRY_OVERHEAD
        return 0


class Policy:
    """Trusted issuers, ordered routes and token rules; see :meth:`authorize`. Built in
    code, or from YAML by :func:`~pyioctl.policy.load_policy`."""

    def __init__(
        self,
        *,
        issuers: Iterable[str] | AnyIssuer,
        routes: Iterable[Route] = (),
        default: str = "deny",
        leeway: int | timedelta | str = 0,
        require_exp: bool = True,
        max_lifetime: int | None = None,
        revoked: RevocationList | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        source: str | None = None,
        audience: str | Iterable[str] | None = None,
        require_aud: bool = False,
        forward_headers: Mapping[str, str] | None = None,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
    ) -> None:
        self.warnings: list[str] = []
        if issuers is ANY_ISSUER:
            self.issuers: Issuers | AnyIssuer = ANY_ISSUER
            self._warn(
                "the policy trusts tokens from any issuer: anyone can sign a token that passes"
            )
        else:
            if isinstance(issuers, str):
                raise PolicyError("issuers must be a list (or ANY_ISSUER), not one string")
            listed = list(issuers)
            if not listed:
                raise PolicyError("issuers must not be empty: trust is never implicit")
            for issuer in listed:
                issuer_hash(issuer)
            # Parsed once here; verify() then only does a set lookup per token.
            self.issuers = Issuers(listed)
        if default not in ("allow", "deny"):
            raise PolicyError(f"default must be 'allow' or 'deny', not {default!r}")
        if cache_size < 0:
            raise PolicyError("cache_size must be >= 0")
        if cache_bytes < 0:
            raise PolicyError("cache_bytes must be >= 0")
        self.audience: frozenset[str] | None = None
        if audience is not None:
            try:
                self.audience = audiences(audience)
            except ValueError as exc:
                raise PolicyError(str(exc), key="audience") from None
        elif require_aud:
            raise PolicyError(
                "require_aud needs an audience list to compare aud with", key="require_aud"
            )
        self.require_aud = require_aud
        # Which claims an allowed request carries to the upstream (verifier service).
        self.forward_headers = ForwardHeaders(forward_headers)
        for message in self.forward_headers.warnings:
            self._warn(message)
        self.routes = tuple(routes)
        self.default_allow = default == "allow"
        try:
            self.leeway = to_seconds(leeway)
        except ValueError as exc:
            raise PolicyError(f"leeway: {exc}", key="leeway") from None
        self.require_exp = require_exp
        self.max_lifetime = max_lifetime
        self.revoked = revoked if revoked is not None else RevocationList()
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self.source = source
        if isinstance(algorithms, str) or not algorithms:
            raise PolicyError(
                "algorithms must be a non-empty list of ES256, ES256K, EK256K", key="algorithms"
            )
        unknown = sorted(set(algorithms) - set(DEFAULT_ALGORITHMS))
        if unknown:
            raise PolicyError(
                f"unknown algorithms {unknown}; known: {', '.join(DEFAULT_ALGORITHMS)}",
                key="algorithms",
            )
        self.algorithms = frozenset(algorithms)
        self._cache: OrderedDict[str, _CacheEntry] = OrderedDict()
        self._cache_used = 0  # bytes charged to the entries in _cache
        self._failures: ByteMemo[str, tuple[Decision, float]] = ByteMemo(FAILURE_MEMO_BYTES)
        self._rules: ByteMemo[tuple[str, str], tuple[Route | None, str | None]] = ByteMemo(
            RULE_MEMO_BYTES
        )
        self._lock = threading.Lock()

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        warnings.warn(message, PolicyWarning, stacklevel=3)

    # -- the decision ---------------------------------------------------------------------

    def route_for(self, path: str) -> Route | None:
        for route in self.routes:
            if route.matches(path):
                return route
        return None

    def authorize(
        self, token: str | None, method: str, path: str, now: int | None = None
    ) -> Decision:
        """Decide whether a request with bearer ``token`` (None when none was sent) may
        ``method`` the request target ``path``. The one place where that is decided."""
        return self.decide(token, method, path, now)[0]

    def decide(
        self, token: str | None, method: str, path: str, now: int | None = None
    ) -> tuple[Decision, _CacheEntry | None]:
        """:meth:`authorize`, and the verified token's cache entry when the token was
        already cached and the decision is one the cache keeps: the same answer then holds
        for the same ``(token, method, path)`` for as long as :meth:`still_valid` says so
        of that entry (a caller may remember it that long). None for everything else,
        decided afresh each time: failures, revocations, one-time tokens, long paths, a
        full entry, caching turned off; and a token this call verified, since most tokens
        seen once are never seen again and remembering each would cost every one of them."""
        # Descriptions never echo the path or method: they reach response headers, and a
        # proxy refuses (with a 5xx) an auth answer whose headers outgrow its buffer.
        entry: _CacheEntry | None = None
        if token is not None:
            if now is None:
                now = int(time.time())
            self.revoked.refresh()
            entry = self._cached(token, now)
            if entry is not None:
                # A token's answer for one (method, path) only changes with time (checked
                # by _cached), revocation (checked here) or a new policy (a new cache).
                known = entry.decisions.get((method, path))
                if known is not None and not self.revoked.is_revoked(entry):
                    return known, entry
        rule = self._rules.get((method, path))
        if rule is None:
            rule = self._rule(method, path)
        route, required = rule
        if route is None or required is None:
            return self._refusal(route, required), None
        if token is None or now is None:
            return (
                Decision(False, 401, "missing_token", "a bearer token is required", scope=required),
                None,
            )
        fresh = entry is None
        if entry is None:
            checked = self._verify(token, now)
            if isinstance(checked, Decision):
                return checked, None
            entry = checked
        verified = entry.token
        if self.revoked.is_revoked(entry):
            decision = Decision(False, 401, "revoked", "token has been revoked", None, entry.digest)
            keep = False
        else:
            decision = check_rights(verified, entry.digest, entry.scopes, route.subject, required)
            # One-time answers are never remembered: once is once.
            keep = not (route.one_time and decision.allowed)
            if not keep:
                decision = self._use_once(entry, decision, now)
        if fresh:
            # No other thread sees the entry yet: it is cached only now, charged with the
            # decision it already holds (one lock).
            if keep:
                entry.remember(method, path, decision)
            self._keep(token, entry)
            return decision, None
        if keep and self._remember(token, entry, method, path, decision):
            return decision, entry
        return decision, None

    def _remember(
        self, token: str, entry: _CacheEntry, method: str, path: str, decision: Decision
    ) -> bool:
        """Add a decision to a cached entry and charge it, in one step under the lock:
        an entry evicted between the two would take bytes off the count that were never
        added to it, and the cache would outgrow ``cache_bytes`` a little more each time."""
        with self._lock:
            if self._cache.get(token) is not entry:  # evicted meanwhile: nothing to grow
                return False
            added = entry.remember(method, path, decision)
            if added:
                self._cache_used += added
                self._evict()
        return bool(added)

    def _rule(self, method: str, path: str) -> tuple[Route | None, str | None]:
        """The route a request target falls under and the scope ``method`` needs there,
        remembered per policy: they depend on nothing else. ``(None, None)``: the path
        is not canonical; ``(None, "")``: no route matches; ``(route, None)``: the method
        is refused there."""
        canonical = canonical_path(path)
        if canonical is None:
            rule: tuple[Route | None, str | None] = (None, None)
        else:
            route = self.route_for(canonical)
            rule = (None, "") if route is None else (route, route.scope_for(method))
        if len(path) + len(method) <= MAX_MEMO_PATH:
            self._rules.put((method, path), rule, len(path) + len(method))
        return rule

    def _refusal(self, route: Route | None, required: str | None) -> Decision:
        """The answer when no token can change it (see :meth:`_rule`)."""
        if route is not None:
            return Decision(False, 403, "method_not_allowed", "method not allowed on this path")
        if required is None:
            return UNSAFE_PATH
        if self.default_allow:
            return Decision(True, 200, "default_allow")
        return Decision(False, 403, "no_route", "no policy route allows this path")

    def still_valid(self, entry: _CacheEntry, now: int) -> bool:
        """Whether the decisions :meth:`decide` handed out with ``entry`` still stand at
        ``now``: the token is inside its validity window and not revoked (the revocation
        file and shared store are consulted as for any request). A new policy is a new
        Policy object, so answers must also be dropped when the policy in force changes."""
        self.revoked.refresh()
        return entry.not_before <= now <= entry.not_after and not self.revoked.is_revoked(entry)

    def _use_once(self, entry: _CacheEntry, allowed: Decision, now: int) -> Decision:
        verified, digest = entry.token, entry.digest
        jti = verified.claims.get("jti")
        if not isinstance(jti, str) or not jti:
            return Decision(
                False, 401, "jti_required", "this route needs a one-time token with a jti",
                None, digest,
            )  # fmt: skip
        # The jti stays used for as long as the token is accepted: through the whole
        # second of exp + leeway (times are whole seconds, and that one still passes).
        ttl = None if math.isinf(entry.not_after) else int(entry.not_after) - now + 1
        first = self.revoked.use_once(verified, ttl)
        if first is None:  # fail closed: a replay cannot be ruled out
            return Decision(
                False, 401, "replay_check_unavailable", "one-time tokens cannot be checked now",
                None, digest,
            )  # fmt: skip
        if not first:
            return Decision(False, 401, "replayed", "token has already been used", None, digest)
        return allowed

    def _evict(self) -> None:
        """Drop least recently used tokens until both bounds hold; under ``_lock``."""
        while self._cache and (
            self._cache_used > self.cache_bytes or len(self._cache) > self.cache_size
        ):
            _, old = self._cache.popitem(last=False)
            self._cache_used -= old.size

    def _cached(self, token: str, now: int) -> _CacheEntry | None:
        """The cache entry of a token still inside its validity window, refreshed as used."""
        with self._lock:
            entry = self._cache.get(token)
            if entry is None:
                return None
            if entry.not_before <= now <= entry.not_after:
                self._cache.move_to_end(token)
                return entry
            del self._cache[token]
            self._cache_used -= entry.size
        return None

    def _verify(self, token: str, now: int) -> _CacheEntry | Decision:
        digest = token_digest(token)
        # A replayed bad token costs this hash and a lookup, not another parse or
        # signature check.
        failed = self._failures.get(digest)
        if failed is not None and (failed[1] == now or failed[1] == math.inf):
            return failed[0]
        try:
            verified = verify(
                token,
                issuers=self.issuers,
                now=now,
                leeway=self.leeway,
                max_lifetime=self.max_lifetime,
                require_exp=self.require_exp,
                audience=self.audience,
                require_aud=self.require_aud,
                algorithms=self.algorithms,
            )
        except TokenError as exc:
            failure = Decision(False, 401, exc.code, exc.message, None, digest, issuer=exc.issuer)
            lasting = math.inf if exc.code in _LASTING_FAILURES else now
            size = len(digest) + len(exc.message) + len(exc.issuer or "")
            with self._lock:
                self._failures.put(digest, (failure, lasting), size)
            return failure
        return _CacheEntry(token, verified, digest, self.leeway)

    def _keep(self, token: str, entry: _CacheEntry) -> None:
        """Cache a newly verified token's entry, within both bounds."""
        if self.cache_size and entry.size <= self.cache_bytes:
            with self._lock:
                old = self._cache.pop(token, None)
                if old is not None:
                    self._cache_used -= old.size
                self._cache[token] = entry
                self._cache_used += entry.size
                self._evict()

    @property
    def cached_tokens(self) -> int:
        return len(self._cache)

    @property
    def cached_bytes(self) -> int:
        """Bytes charged to the verified-token cache (at most ``cache_bytes``)."""
        return self._cache_used
