"""Which rule a request path falls under, and which scope its method needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

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
