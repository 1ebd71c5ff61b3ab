"""Reading a policy from YAML, with errors that name the line and the key: the one home of
loading, so ``core`` (the Policy itself) never imports this module."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ..durations import to_seconds
from ..errors import PyioctlError
from ..jwt import ANY_ISSUER
from ..untrusted import UntrustedInputError, check_yaml
from .core import Policy
from .errors import PolicyError
from .forwarding import ForwardHeaders
from .revocation import RevocationList, issuer_hash
from .routes import Route

_METHOD = re.compile(r"[A-Z]+")
_T = TypeVar("_T")


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a YAML policy file; a revocation file path is relative to it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{p}: cannot read policy: {exc}") from None
    return policy_from_yaml(text, source=str(p), base_dir=p.parent)


def policy_from_yaml(
    text: str, *, source: str = "<policy>", base_dir: str | os.PathLike[str] = "."
) -> Policy:
    """Validate a YAML policy given as text; ``source`` names it in errors and
    ``base_dir`` is where a relative revocation file path starts."""
    return PolicyReader(text, source, Path(base_dir)).read()


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
    "cache_bytes",
    "audience",
    "require_aud",
    "forward_headers",
    "algorithms",
)
_ROUTE_KEYS = ("path", "subject", "scopes", "one_time")
_REVOKED_KEYS = ("file", "redis", "key", "revoked_before")


class PolicyReader:
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
            issuer_hash(node.value)
        except PolicyError as exc:
            raise self.fail(node, key, exc.message) from None
        written: str = node.value  # a scalar node's value is its text
        return written.strip()

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
            # PyYAML's composer recurses once per level: RecursionError on [[[…]]].
            check_yaml(self.text)
            self.loader = yaml.SafeLoader(self.text)
            root = self.loader.get_single_node()
        except UntrustedInputError as exc:
            where = f"{self.source}:{exc.line}" if exc.line else self.source
            raise PolicyError(f"{where}: {exc}", line=exc.line) from None
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
            ("leeway", to_seconds),
            ("max_lifetime", to_seconds),
            ("cache_size", _count),
            ("cache_bytes", _count),
        ):
            if name in top:
                kwargs[name] = self.scalar(top[name][1], name, convert)
        for name in ("require_exp", "require_aud"):
            if name in top:
                kwargs[name] = self.scalar(top[name][1], name, _boolean)
        if "audience" in top:
            kwargs["audience"] = self.audience(top["audience"][1])
        if "forward_headers" in top:
            kwargs["forward_headers"] = self.forward_headers(top["forward_headers"][1])
        if "default" in top:
            kwargs["default"] = self.scalar(top["default"][1], "default", _allow_deny)
        if "revoked" in top:
            kwargs["revoked"] = self.revoked(top["revoked"][1])
        once = next((r for r in kwargs["routes"] if r.one_time), None)
        if once is not None and getattr(kwargs.get("revoked"), "store", None) is None:
            raise self.fail(
                top["routes"][1], "routes.one_time", "one-time routes need revoked.redis"
            )
        if "algorithms" in top:
            kwargs["algorithms"] = self.algorithms(top["algorithms"][1])
        try:
            return Policy(**kwargs)
        except PolicyError as exc:
            raise self.fail(root, exc.key or "policy", exc.message) from None

    def scalar(self, node: yaml.Node, key: str, convert: Callable[[Any], _T]) -> _T:
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

    def algorithms(self, node: yaml.Node) -> list[str]:
        """The token dialects accepted (default: ES256, ES256K and EK256K)."""
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, "algorithms", "expected a non-empty list such as [ES256, EK256K]")
        return [self.scalar(item, f"algorithms[{i}]", _string) for i, item in enumerate(node.value)]

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
            one_time = False
            if "one_time" in entry:
                one_time = self.scalar(entry["one_time"][1], f"{key}.one_time", _boolean)
            try:
                routes.append(Route(path, subject, scopes, one_time=one_time))
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

    def audience(self, node: yaml.Node) -> list[str]:
        if isinstance(node, yaml.ScalarNode):
            return [self.scalar(node, "audience", _string)]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, "audience", "expected a non-empty list of audiences")
        return [self.scalar(item, f"audience[{i}]", _string) for i, item in enumerate(node.value)]

    def forward_headers(self, node: yaml.Node) -> dict[str, str]:
        entry = self.mapping(node, "forward_headers", None)
        headers = {
            name: self.scalar(vnode, f"forward_headers.{name}", _string)
            for name, (_, vnode) in entry.items()
        }
        try:
            ForwardHeaders(headers)  # checked here to name the line of the culprit
        except PolicyError as exc:
            key = exc.key or "forward_headers"
            culprit = entry.get(key.removeprefix("forward_headers."), (node,))[0]
            raise self.fail(culprit, key, exc.message) from None
        return headers

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
        store = None
        if "redis" in entry:
            from .redisstore import RedisStore  # the redis client only when asked for

            url = self.scalar(entry["redis"][1], "revoked.redis", _string)
            prefix = "ioctl:revoked"
            if "key" in entry:
                prefix = self.scalar(entry["key"][1], "revoked.key", _string)
            try:
                store = RedisStore(url, prefix)
            except PyioctlError as exc:
                raise self.fail(entry["redis"][1], "revoked.redis", exc.message) from None
        elif "key" in entry:
            raise self.fail(entry["key"][0], "revoked.key", "only used with revoked.redis")
        try:
            return RevocationList(path, before, store=store)
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
    return str(value)
