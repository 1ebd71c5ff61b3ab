"""Who may do what with which token: routes, scopes, trusted issuers and revocation.

A :class:`Policy` is built in code or loaded from YAML (``Policy.load``) and answers one
question, :meth:`Policy.authorize`: may this bearer token make this request? Every
enforcement point (ASGI, WSGI, gRPC, the verifier service) asks it and only translates the
:class:`Decision` into its own protocol, so the rules live in exactly one place.

Verified tokens are cached (bounded LRU keyed by the exact token string) because a client
sends the same token on every request and a signature check costs far more than the rest
of a request; revocation and expiry are re-checked on every hit, failures never cached.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from .durations import parse_duration
from .errors import PyioctlError
from .jwt import (
    ANY_ISSUER,
    Issuers,
    TokenError,
    VerifiedToken,
    parse_issuer,
    scope_rights,
    verify,
)
from .jwt.codec import b64url_encode
from .keys import CURVE_ORDER

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_SCOPES",
    "Decision",
    "Policy",
    "PolicyError",
    "PolicyWarning",
    "RevocationList",
    "Route",
    "normalize_path",
    "require",
    "token_digest",
]

log = logging.getLogger("pyioctl.policy")

# Methods absent from this map (TRACE, CONNECT, ...) are refused unless a route names them.
DEFAULT_SCOPES: Mapping[str, str] = {
    "GET": "Read",
    "HEAD": "Read",
    "OPTIONS": "Read",
    "POST": "Create",
    "PUT": "Update",
    "PATCH": "Update",
    "DELETE": "Delete",
}

# ~2 KiB per entry (token string, claims dict, VerifiedToken): about 20 MiB at the bound,
# whatever the number of distinct tokens seen.
DEFAULT_CACHE_SIZE = 10_000

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_METHOD = re.compile(r"[A-Z]+")


class PolicyError(PyioctlError):
    """A policy (or its revocation file) is invalid; the message names file, line and key."""

    code = "policy"

    def __init__(self, message: str, *, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.key = key


class PolicyWarning(UserWarning):
    """A policy is valid but risky (e.g. it trusts any issuer)."""


def token_digest(token: str) -> str:
    """SHA-256 hex of the token: how the revocation file and logs name a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _twin(token: str, signature: bytes) -> str:
    """The token with its signature's S replaced by n - S. ECDSA accepts both, so anyone
    holding a token can make the other spelling, whose SHA-256 differs: revocation must
    look for both, or a revoked token comes back flipped."""
    s = int.from_bytes(signature[32:], "big")
    flipped = signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big")
    return token.rpartition(".")[0] + "." + b64url_encode(flipped)


def _rights(
    token: VerifiedToken,
    digest: str,
    scopes: frozenset[str],
    subject: str | None,
    required: str | None,
) -> Decision:
    if subject is not None and token.subject != subject:
        return Decision(
            False, 403, "wrong_subject", f"token is not for subject {subject!r}",
            token, digest, required,
        )  # fmt: skip
    # A token's scope is one right or a space-separated list, compared case-insensitively
    # (ioctl users write Read, read and READ); a route may require several rights.
    if required is not None and not scope_rights(required) <= scopes:
        return Decision(
            False, 403, "insufficient_scope", f"token lacks scope {required!r}",
            token, digest, required,
        )  # fmt: skip
    return Decision(True, 200, "ok", "", token, digest, required)


def require(
    token: VerifiedToken | None, *, scope: str | None = None, subject: str | None = None
) -> Decision:
    """Subject and scope checks for an already verified token (None: none was verified),
    for per-endpoint requirements on top of the policy's routes; same rules as
    :meth:`Policy.authorize`."""
    if token is None:
        return Decision(False, 401, "missing_token", "a bearer token is required", scope=scope)
    return _rights(token, "", scope_rights(token.scope), subject, scope)


def normalize_path(target: str) -> str:
    """The path a request really addresses, as the upstream will route it.

    Forward-auth headers carry the raw request target (``$request_uri``), so the query is
    dropped, percent-escapes decoded and ``.``/``..``/empty segments resolved; otherwise
    ``/public/../admin`` would match a ``/public/**`` rule while the upstream serves /admin.
    """
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") and "://" in path:
        # Absolute form (RFC 9112 §3.2.2, ``GET http://host/admin``): servers route by
        # the path part, so that is what must match.
        path = urlsplit(path).path
    if "%" in path:
        path = unquote(path, errors="surrogateescape")
    if not path.startswith("/"):
        path = "/" + path
    if "//" in path or "/." in path:
        parts: list[str] = []
        for segment in path.split("/"):
            if segment == "..":
                if parts:
                    parts.pop()
            elif segment and segment != ".":
                parts.append(segment)
        trailing = "/" if path.endswith(("/", "/.", "/..")) and parts else ""
        path = "/" + "/".join(parts) + trailing
    return path


def _glob_regex(glob: str) -> re.Pattern[str]:
    """``*`` and ``?`` stay inside one segment; ``**`` spans segments, and ``/**`` also
    matches the bare parent (``/weather/**`` covers ``/weather``)."""
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("/**", i) and (i + 3 == len(glob) or glob[i + 3] == "/"):
            out.append("(?:/.*)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)


@dataclass(frozen=True)
class Route:
    """One policy rule: requests whose path matches ``path`` need a token for ``subject``
    (any subject when None) holding the scope mapped to the request method.

    ``scopes`` maps METHOD → scope on top of :data:`DEFAULT_SCOPES` (a None value forbids
    that method); a plain string requires that one scope whatever the method, which suits
    gRPC, where every call is a POST.
    """

    path: str
    subject: str | None = None
    scopes: Mapping[str, str | None] | str | None = None
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _methods: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise PolicyError(f"route path {self.path!r} must start with '/'", key="path")
        object.__setattr__(self, "_regex", _glob_regex(self.path))
        methods: dict[str, str] = {}
        if not isinstance(self.scopes, str):
            methods.update(DEFAULT_SCOPES)
            for method, scope in (self.scopes or {}).items():
                if scope is None:
                    methods.pop(method.upper(), None)
                else:
                    methods[method.upper()] = scope
        object.__setattr__(self, "_methods", methods)

    def matches(self, path: str) -> bool:
        return self._regex.fullmatch(path) is not None

    def scope_for(self, method: str) -> str | None:
        """The scope a request with ``method`` needs here; None when the method is refused."""
        if isinstance(self.scopes, str):
            return self.scopes
        return self._methods.get(method.upper())


# Not frozen: one is made per request, and a frozen dataclass takes four times as long
# to construct; each caller gets its own, so nothing is shared to protect.
@dataclass(slots=True)
class Decision:
    """The answer to one request. ``status`` is 200, 401 (no/invalid token) or 403 (valid
    token, not enough rights, or nothing allows the request); ``reason`` is a stable code;
    ``description`` is safe to show to the client (it never repeats the token)."""

    allowed: bool
    status: int
    reason: str
    description: str = ""
    token: VerifiedToken | None = None
    digest: str = ""
    scope: str | None = None


class RevocationList:
    """Revoked token digests from a file plus per-issuer ``revoked_before`` cut-offs.

    The file is re-read when its inode, size or mtime changes, so an operator revokes a
    token by editing it, without restarting anything; one ``stat`` at most every
    ``check_interval`` seconds keeps that off the per-request cost. A file that
    disappears or breaks while running keeps the last good list: failing open there would
    silently un-revoke every token.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        before: Mapping[str, int] | None = None,
        *,
        check_interval: float = 1.0,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.check_interval = check_interval
        self._checked = -math.inf
        # Keyed by account hash, so io, 0x and public-key spellings name the same issuer.
        self.before: dict[bytes, int] = {
            _issuer_hash(issuer): int(cutoff) for issuer, cutoff in (before or {}).items()
        }
        self._digests: frozenset[str] = frozenset()
        self._stamp: tuple[int, int, int, int] | None = None
        self._failed_stamp: object = None
        self._lock = threading.Lock()
        if self.path is not None:
            try:
                st = os.stat(self.path)
            except OSError as exc:
                raise PolicyError(
                    f"{self.path}: cannot read revocation file: {exc.strerror or exc}"
                ) from None
            self._load(st)

    def __len__(self) -> int:
        return len(self._digests)

    def _load(self, st: os.stat_result) -> None:
        assert self.path is not None
        digests = set()
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{self.path}: cannot read revocation file: {exc}") from None
        for lineno, line in enumerate(text.splitlines(), 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if not _HEX64.fullmatch(fields[0]):
                raise PolicyError(
                    f"{self.path}:{lineno}: expected a SHA-256 hex digest of a token",
                    line=lineno,
                )
            digests.add(fields[0].lower())
        self._digests = frozenset(digests)
        self._stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def refresh(self) -> None:
        """Reload the file if it changed since the last look."""
        if self.path is None:
            return
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return
        self._checked = now
        try:
            st = os.stat(self.path)
            stamp: object = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError as exc:
            stamp = exc.errno
            st = None
        if stamp == self._stamp or stamp == self._failed_stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            try:
                if st is None:
                    raise PolicyError(f"{self.path}: revocation file is gone")
                self._load(st)
            except PolicyError as exc:
                # Log once per change, not once per request.
                self._failed_stamp = stamp
                log.warning("%s; keeping the previous %d revoked tokens", exc, len(self._digests))
                return
            self._failed_stamp = None
            log.info("reloaded %s: %d revoked tokens", self.path, len(self._digests))

    def is_revoked(self, digests: tuple[str, ...], token: VerifiedToken) -> bool:
        """``digests``: the token's SHA-256 and that of its S-flipped twin (see _twin)."""
        if not self._digests.isdisjoint(digests):
            return True
        if not self.before:
            return False
        cutoff = self.before.get(token.public_key.hash160)
        # A token without iat (issued_at 0) cannot prove it was issued after the cut-off.
        return cutoff is not None and token.issued_at < cutoff


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
        self.digests = (digest, token_digest(_twin(raw, token.signature)))
        self.scopes = scope_rights(token.scope)
        exp = claims.get("exp")
        self.not_after = exp + leeway if exp is not None else math.inf
        starts = [v for v in (claims.get("iat"), claims.get("nbf")) if v is not None]
        self.not_before = max(starts) - leeway if starts else -math.inf

    def remember(self, method: str, path: str, decision: Decision) -> None:
        # Bounded per token: a client walking many paths must not grow one entry forever.
        if len(self.decisions) < _DECISIONS_PER_TOKEN and len(path) <= MAX_MEMO_PATH:
            self.decisions[(method, path)] = decision


class Policy:
    """Trusted issuers, ordered routes and token rules; see :meth:`authorize`."""

    def __init__(
        self,
        *,
        issuers: Iterable[str] | object,
        routes: Iterable[Route] = (),
        default: str = "deny",
        leeway: int = 0,
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
                _issuer_hash(issuer)
            # Parsed once here; verify() then only does a set lookup per token.
            self.issuers = Issuers(listed)
        if default not in ("allow", "deny"):
            raise PolicyError(f"default must be 'allow' or 'deny', not {default!r}")
        if cache_size < 0:
            raise PolicyError("cache_size must be >= 0")
        self.routes = tuple(routes)
        self.default_allow = default == "allow"
        self.leeway = int(leeway)
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
        return _PolicyReader(text, source, Path(base_dir)).read()

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
        decision = _rights(verified, entry.digest, entry.scopes, route.subject, required)
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


def _issuer_hash(issuer: Any) -> bytes:
    """Account hash of an issuer given as io address, 0x address or public key hex."""
    if not isinstance(issuer, str):
        raise PolicyError(f"issuer {issuer!r} must be a string")
    try:
        return parse_issuer(issuer.strip())
    except PyioctlError as exc:
        raise PolicyError(f"issuer {issuer!r}: {exc.message}") from None


def _seconds(value: Any) -> int:
    """Whole seconds from an int or a duration like ``30s``, ``5m``, ``2h``, ``7d``, ``1h30m``."""
    if isinstance(value, bool):
        raise ValueError("expected seconds, not a boolean")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected seconds or a duration like 30s, 5m, 2h, 7d, not {value!r}")


def _unix_time(value: Any) -> int:
    """Unix seconds from an int, a YAML timestamp or an ISO 8601 string (UTC if naive)."""
    if isinstance(value, bool):
        raise ValueError("expected a time, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected unix seconds or an ISO 8601 time, not {value!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp())
    raise ValueError(f"expected unix seconds or an ISO 8601 time, not {value!r}")


_TOP_KEYS = (
    "issuers",
    "routes",
    "default",
    "leeway",
    "require_exp",
    "max_lifetime",
    "revoked",
    "cache_size",
)
_ROUTE_KEYS = ("path", "subject", "scopes")
_REVOKED_KEYS = ("file", "revoked_before")


class _PolicyReader:
    """YAML → Policy on the node graph, so every error can name its line and key."""

    def __init__(self, text: str, source: str, base_dir: Path) -> None:
        self.text = text
        self.source = source
        self.base_dir = base_dir

    def fail(self, node: yaml.Node | None, key: str, message: str) -> PolicyError:
        line = node.start_mark.line + 1 if node is not None else None
        where = f"{self.source}:{line}" if line else self.source
        return PolicyError(f"{where}: {key}: {message}", line=line, key=key)

    def value(self, node: yaml.Node, key: str) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            # Unknown tags (!!python/...) and impossible dates such as 2024-13-45.
            raise self.fail(node, key, f"cannot read value: {exc}") from None

    def issuer(self, node: yaml.Node, key: str) -> str:
        """An issuer as written: YAML 1.1 would read an unquoted 0x address as an integer."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, key, "expected an io address, 0x address or public key")
        try:
            _issuer_hash(node.value)
        except PolicyError as exc:
            raise self.fail(node, key, exc.message) from None
        return node.value.strip()

    def mapping(self, node: yaml.Node, key: str, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        """Key → (key node, value node). Keys outside ``allowed`` (when given) and duplicate
        keys are errors: YAML itself would silently keep the last of two ``routes:``."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, "expected a mapping")
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise self.fail(knode, key, "expected a plain key")
            name = knode.value
            label = f"{key}.{name}" if key else name
            if allowed is not None and name not in allowed:
                raise self.fail(knode, label, f"unknown key (expected one of {', '.join(allowed)})")
            if name in out:
                raise self.fail(knode, label, "duplicate key")
            out[name] = (knode, vnode)
        return out

    def read(self) -> Policy:
        try:
            self.loader = yaml.SafeLoader(self.text)
            root = self.loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            if mark is not None:
                line = mark.line + 1
            elif isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids
                line = self.text.count("\n", 0, exc.position) + 1
            else:
                line = None
            where = f"{self.source}:{line}" if line else self.source
            raise PolicyError(f"{where}: invalid YAML: {exc}", line=line) from None
        if root is None:
            raise PolicyError(f"{self.source}: empty policy; 'issuers' is required", key="issuers")
        top = self.mapping(root, "", _TOP_KEYS)
        if "issuers" not in top:
            raise self.fail(root, "issuers", "required: the issuers whose tokens are trusted")
        kwargs: dict[str, Any] = {
            "issuers": self.issuers(top["issuers"][1]),
            "routes": self.routes(top["routes"][1]) if "routes" in top else (),
            "source": self.source,
        }
        for name, convert in (
            ("leeway", _seconds),
            ("max_lifetime", _seconds),
            ("cache_size", _count),
        ):
            if name in top:
                kwargs[name] = self.scalar(top[name][1], name, convert)
        if "require_exp" in top:
            kwargs["require_exp"] = self.scalar(top["require_exp"][1], "require_exp", _boolean)
        if "default" in top:
            kwargs["default"] = self.scalar(top["default"][1], "default", _allow_deny)
        if "revoked" in top:
            kwargs["revoked"] = self.revoked(top["revoked"][1])
        try:
            return Policy(**kwargs)
        except PolicyError as exc:
            raise self.fail(root, exc.key or "policy", exc.message) from None

    def scalar(self, node: yaml.Node, key: str, convert: Any) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, key, "expected a single value")
        value = self.value(node, key)
        try:
            return convert(value)
        except ValueError as exc:
            raise self.fail(node, key, str(exc)) from None

    def issuers(self, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            if node.value == "any":
                return ANY_ISSUER
            raise self.fail(node, "issuers", "expected a list of issuers, or 'any'")
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, "issuers", "expected a non-empty list of issuers, or 'any'")
        return [self.issuer(item, f"issuers[{i}]") for i, item in enumerate(node.value)]

    def routes(self, node: yaml.Node) -> list[Route]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, "routes", "expected a list of routes")
        routes = []
        for i, item in enumerate(node.value):
            key = f"routes[{i}]"
            entry = self.mapping(item, key, _ROUTE_KEYS)
            if "path" not in entry:
                raise self.fail(item, f"{key}.path", "required")
            path = self.scalar(entry["path"][1], f"{key}.path", _string)
            subject = None
            if "subject" in entry:
                subject = self.scalar(entry["subject"][1], f"{key}.subject", _string)
            scopes = None
            if "scopes" in entry:
                scopes = self.scopes(entry["scopes"][1], f"{key}.scopes")
            try:
                routes.append(Route(path, subject, scopes))
            except PolicyError as exc:
                raise self.fail(entry["path"][1], f"{key}.path", exc.message) from None
        return routes

    def scopes(self, node: yaml.Node, key: str) -> str | dict[str, str | None]:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, key, _string)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, "expected a scope, or a mapping METHOD: scope")
        out: dict[str, str | None] = {}
        for name, (knode, vnode) in self.mapping(node, key, None).items():
            label = f"{key}.{name}"
            method = name.upper()
            if not _METHOD.fullmatch(method):
                raise self.fail(knode, label, "expected an HTTP method name")
            if method in out:
                raise self.fail(knode, label, "duplicate method")
            scope = self.value(vnode, label)
            if scope is not None and not (isinstance(scope, str) and scope.strip()):
                raise self.fail(vnode, label, "expected a scope name (or null to forbid)")
            out[method] = scope.strip() if scope is not None else None
        return out

    def revoked(self, node: yaml.Node) -> RevocationList:
        entry = self.mapping(node, "revoked", _REVOKED_KEYS)
        path = None
        if "file" in entry:
            path = self.base_dir / self.scalar(entry["file"][1], "revoked.file", _string)
        before: dict[str, int] = {}
        if "revoked_before" in entry:
            bnode = entry["revoked_before"][1]
            for knode, vnode in self.mapping(bnode, "revoked.revoked_before", None).values():
                label = f"revoked.revoked_before.{knode.value}"
                before[self.issuer(knode, label)] = self.scalar(vnode, label, _unix_time)
        try:
            return RevocationList(path, before)
        except PolicyError as exc:
            raise self.fail(entry["file"][1], "revoked.file", exc.message) from None


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, not {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {value!r}")
    return value


def _allow_deny(value: Any) -> str:
    if value not in ("allow", "deny"):
        raise ValueError(f"expected 'allow' or 'deny', not {value!r}")
    return value
