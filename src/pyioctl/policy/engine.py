"""The Policy object: trusted issuers, routes and token rules, with the verified-token
cache behind its one ``authorize`` decision."""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from ..durations import to_seconds
from ..jwt import (
    ANY_ISSUER,
    Issuers,
    TokenError,
    VerifiedToken,
    scope_rights,
    verify,
)
from .decision import Decision, check_rights, token_digest, twin_token
from .errors import PolicyError, PolicyWarning
from .revocation import RevocationList, issuer_hash
from .routes import Route, normalize_path

# ~2 KiB per entry (token string, claims dict, VerifiedToken): about 20 MiB at the bound,
# whatever the number of distinct tokens seen.
DEFAULT_CACHE_SIZE = 10_000

_DECISIONS_PER_TOKEN = 32
# Longer request targets are decided afresh each time rather than remembered: a memo
# keyed by hostile 60 KiB paths would make memory grow with the size of requests.
MAX_MEMO_PATH = 512


class _CacheEntry:
    __slots__ = ("decisions", "digest", "digests", "not_after", "not_before", "scopes", "token")

    def __init__(self, raw: str, token: VerifiedToken, digest: str, leeway: int) -> None:
        claims = token.claims
        self.decisions: dict[tuple[str, str], Decision] = {}
        self.token = token
        self.digest = digest
        self.digests = (digest, token_digest(twin_token(raw, token.signature)))
        self.scopes = scope_rights(token.scope)
        exp = claims.get("exp")
        self.not_after = exp + leeway if exp is not None else math.inf
        starts = [v for v in (claims.get("iat"), claims.get("nbf")) if v is not None]
        self.not_before = max(starts) - leeway if starts else -math.inf

    def remember(self, method: str, path: str, decision: Decision) -> None:
        # Bounded per token: a client walking many paths must not grow one entry forever.
        if len(self.decisions) < _DECISIONS_PER_TOKEN and len(path) + len(method) <= MAX_MEMO_PATH:
            self.decisions[(method, path)] = decision


class Policy:
    """Trusted issuers, ordered routes and token rules; see :meth:`authorize`."""

    def __init__(
        self,
        *,
        issuers: Iterable[str] | object,
        routes: Iterable[Route] = (),
        default: str = "deny",
        leeway: int | timedelta | str = 0,
        require_exp: bool = True,
        max_lifetime: int | None = None,
        revoked: RevocationList | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        source: str | None = None,
    ) -> None:
        self.warnings: list[str] = []
        if issuers is ANY_ISSUER:
            self.issuers: Issuers | object = ANY_ISSUER
            self._warn(
                "the policy trusts tokens from any issuer: anyone can sign a token that passes"
            )
        else:
            if isinstance(issuers, str):
                raise PolicyError("issuers must be a list (or ANY_ISSUER), not one string")
            listed = list(issuers)  # type: ignore[call-overload]
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
        self.source = source
        self._cache: OrderedDict[str, _CacheEntry] = OrderedDict()
        self._lock = threading.Lock()

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        warnings.warn(message, PolicyWarning, stacklevel=3)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """Read and validate a YAML policy; a revocation file path is relative to it."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{p}: cannot read policy: {exc}") from None
        return cls.from_yaml(text, source=str(p), base_dir=p.parent)

    @classmethod
    def from_yaml(
        cls, text: str, *, source: str = "<policy>", base_dir: str | os.PathLike[str] = "."
    ) -> Policy:
        from .loader import PolicyReader  # the loader builds Policy objects: import late

        return PolicyReader(text, source, Path(base_dir)).read()

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
        # Descriptions never echo the path or method: they reach response headers, and a
        # proxy refuses (with a 5xx) an auth answer whose headers outgrow its buffer.
        entry: _CacheEntry | Decision | None = None
        if token is not None:
            if now is None:
                now = int(time.time())
            self.revoked.refresh()
            entry = self._cached(token, now)
            if entry is not None:
                # A token's answer for one (method, path) only changes with time (checked
                # by _cached), revocation (checked here) or a new policy (a new cache).
                known = entry.decisions.get((method, path))
                if known is not None and not self.revoked.is_revoked(entry.digests, entry.token):
                    return known
        route = self.route_for(normalize_path(path))
        if route is None:
            if self.default_allow:
                return Decision(True, 200, "default_allow")
            return Decision(False, 403, "no_route", "no policy route allows this path")
        required = route.scope_for(method)
        if required is None:
            return Decision(False, 403, "method_not_allowed", "method not allowed on this path")
        if token is None or now is None:
            return Decision(
                False, 401, "missing_token", "a bearer token is required", scope=required
            )
        if entry is None:
            entry = self._verify(token, now)
            if isinstance(entry, Decision):
                return entry
        verified = entry.token
        if self.revoked.is_revoked(entry.digests, verified):
            return Decision(False, 401, "revoked", "token has been revoked", None, entry.digest)
        decision = check_rights(verified, entry.digest, entry.scopes, route.subject, required)
        entry.remember(method, path, decision)
        return decision

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
        return None

    def _verify(self, token: str, now: int) -> _CacheEntry | Decision:
        digest = token_digest(token)
        try:
            verified = verify(
                token,
                issuers=self.issuers,
                now=now,
                leeway=self.leeway,
                max_lifetime=self.max_lifetime,
                require_exp=self.require_exp,
            )
        except TokenError as exc:
            return Decision(False, 401, exc.code, exc.message, None, digest)
        entry = _CacheEntry(token, verified, digest, self.leeway)
        if self.cache_size:
            with self._lock:
                self._cache[token] = entry
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return entry

    @property
    def cached_tokens(self) -> int:
        return len(self._cache)
