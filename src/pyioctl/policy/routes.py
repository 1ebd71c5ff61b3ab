"""Which rule a request path falls under, and which scope its method needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import PolicyError

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


# A '%' not followed by two hex digits, or an escape that would change which segments a
# path has (``%2F``, ``%5C``) or end it early in C code behind us (``%00``): no two
# frameworks agree on these, so they are never judged.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})|%(?:2[Ff]|5[Cc]|00)")
# Raw characters no canonical target holds: non-ASCII, controls, space, backslash (some
# servers treat it as '/'), '#' (servers differ on whether it starts a fragment).
_RAW_UNSAFE = re.compile(r"[\x00-\x20\x7f\\#]")
_DECODED_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# An empty segment (only the last may be empty: a trailing slash) or a dot segment.
_BAD_SEGMENT = re.compile(r"//|/\.{1,2}(?:/|\Z)")


def canonical_path(target: str, *, literal: bool = False) -> str | None:
    """The path ``target`` addresses, decoded as the frameworks decode it, or None when the
    path (the part before ``?``) is not canonical and must be refused, never resolved.

    Starlette, Flask and nginx ``proxy_pass`` route on the literal path, so resolving
    ``..`` or ``//`` here would judge a different path than the one the app then serves
    (``/admin/files/../../public/x`` matched ``/public/**`` and reached an ``/admin``
    handler). Refused: ``.``/``..`` and empty segments (also percent-encoded, any case),
    ``%2F``, ``%5C``, ``%00``, backslashes, control characters, invalid escapes, invalid
    UTF-8 once decoded, and absolute-form URLs that do not parse. ``literal`` (gRPC method
    names, which are never percent-encoded) refuses every ``%`` and the absolute form.
    One pass over the text: the cost is linear in its size.
    """
    path = target.split("?", 1)[0]
    if not path.isascii() or _RAW_UNSAFE.search(path) is not None:
        return None
    if not path.startswith("/"):
        # Absolute form (RFC 9112 §3.2.2, ``GET http://host/admin``): servers route by
        # its path part, so that is what must be canonical and match.
        if literal or "://" not in path:
            return None
        try:
            parts = urlsplit(path)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        path = parts.path or "/"
    if "%" in path:
        if literal or _BAD_ESCAPE.search(path) is not None:
            return None
        # No backslash got this far, so once each '%' is '\x' the only escapes
        # unicode_escape sees are the validated %XX: decoding runs in C, in one pass.
        octets = path.replace("%", "\\x").encode("ascii").decode("unicode_escape")
        try:
            path = octets.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            return None
        if _DECODED_CONTROL.search(path) is not None:
            return None
    if _BAD_SEGMENT.search(path) is not None:
        return None
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
    # A token (by issuer and jti) passes this route once, across replicas (Redis store).
    one_time: bool = False
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
