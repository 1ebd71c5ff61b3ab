"""Which rule a request path falls under, and which scope its method needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..jwt import scope_rights
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
    names, which are never percent-encoded and have no query: the server dispatches the
    whole name) refuses every ``%`` and ``?`` and the absolute form.
    One pass over the text: the cost is linear in its size.
    """
    if literal and "?" in target:
        return None
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


# Glob elements: what one position of a compiled glob consumes.
_LITERAL, _ONE, _STAR, _GLOBSTAR, _SLASH_OR_SKIP = range(5)


def _glob_elements(glob: str) -> list[tuple[int, str]]:
    """``*`` and ``?`` stay inside one segment; ``**`` spans segments, and ``/**`` also
    matches the bare parent (``/weather/**`` covers ``/weather``): it is an optional
    ``/`` followed by ``**``."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(glob):
        if glob.startswith("/**", i) and (i + 3 == len(glob) or glob[i + 3] == "/"):
            out += [(_SLASH_OR_SKIP, "/"), (_GLOBSTAR, "")]
            i += 3
        elif glob.startswith("**", i):
            out.append((_GLOBSTAR, ""))
            i += 2
        elif glob[i] == "*":
            out.append((_STAR, ""))
            i += 1
        elif glob[i] == "?":
            out.append((_ONE, ""))
            i += 1
        else:
            out.append((_LITERAL, glob[i]))
            i += 1
    return out


def _glob_regex(elements: list[tuple[int, str]]) -> re.Pattern[str]:
    parts = []
    for i, (kind, char) in enumerate(elements):
        if kind == _LITERAL:
            parts.append(re.escape(char))
        elif kind == _ONE:
            parts.append("[^/]")
        elif kind == _STAR:
            parts.append("[^/]*")
        elif kind == _GLOBSTAR:
            parts.append(".*)?" if i and elements[i - 1][0] == _SLASH_OR_SKIP else ".*")
        else:
            parts.append("(?:/")
    return re.compile("".join(parts), re.DOTALL)


def _backtracks_linearly(glob: str) -> bool:
    """Whether a backtracking regex matches ``glob`` in time linear in the path.

    ``re`` tries every split of one quantifier against every split of the next, so
    ``/**/a/**/b`` costs n^2 and each further ``**`` another factor of n (57 s for 400
    segments), as does ``a*b*c`` within one long segment. With at most one ``**`` and at
    most one ``*`` per segment, every ``[^/]*`` ends where its segment does, and the one
    ``.*`` has n splits that each cost at most the segments after it: linear.
    """
    if glob.count("**") > 1:
        return False
    return all(segment == "**" or segment.count("*") <= 1 for segment in glob.split("/"))


class _GlobAutomaton:
    """A glob as a bit-parallel NFA: bit j of the state is "before element j". Each path
    character costs a fixed number of integer operations, whatever the glob's shape, so
    any glob matches in time linear in the path (the regex fast path is kept for the
    shapes that are linear under backtracking too)."""

    __slots__ = ("_accept", "_eps_one", "_eps_two", "_other", "_table")

    def __init__(self, elements: list[tuple[int, str]]) -> None:
        def bits(*kinds: int) -> int:
            return sum(1 << j for j, (kind, _) in enumerate(elements) if kind in kinds)

        one, star, globstar = bits(_ONE), bits(_STAR), bits(_GLOBSTAR)
        self._accept = 1 << len(elements)
        self._eps_one = star | globstar  # may match nothing: on to the next element
        self._eps_two = bits(_SLASH_OR_SKIP)  # the whole optional "/**" skipped
        # Per character: (elements that consume it and advance, elements that loop on it).
        self._other = (one, star | globstar)  # any character but '/' not in the glob
        table = {"/": (self._eps_two, globstar)}
        for j, (kind, char) in enumerate(elements):
            if kind == _LITERAL:
                advance, loop = table.get(char, self._other)
                table[char] = (advance | 1 << j, loop)
        self._table = table

    def _closure(self, state: int) -> int:
        while True:
            wider = state | (state & self._eps_one) << 1 | (state & self._eps_two) << 2
            if wider == state:
                return state
            state = wider

    def fullmatch(self, path: str) -> bool:
        table, other = self._table, self._other
        state = self._closure(1)
        for char in path:
            advance, loop = table.get(char, other)
            state = self._closure((state & advance) << 1 | state & loop)
            if not state:
                return False
        return bool(state & self._accept)


def _all_rights(first: str, second: str) -> str:
    """One scope string holding the rights of both, each once. Split and compared by
    ``scope_rights`` itself: a second reading (``str.split`` also splits at tabs and
    no-break spaces) made ``GET: "Read\tAdmin"`` one right for GET and two for HEAD."""
    spellings = {scope_rights(right): right for right in (first + " " + second).split(" ")}
    return " ".join(right for rights, right in spellings.items() if rights)


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
    _matcher: re.Pattern[str] | _GlobAutomaton = field(init=False, repr=False, compare=False)
    _methods: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise PolicyError(f"route path {self.path!r} must start with '/'", key="path")
        elements = _glob_elements(self.path)
        matcher = (
            _glob_regex(elements) if _backtracks_linearly(self.path) else _GlobAutomaton(elements)
        )
        object.__setattr__(self, "_matcher", matcher)
        methods: dict[str, str] = {}
        if not isinstance(self.scopes, str):
            methods.update(DEFAULT_SCOPES)
            for method, scope in (self.scopes or {}).items():
                if scope is None:
                    methods.pop(method.upper(), None)
                else:
                    methods[method.upper()] = scope
            # Starlette, Flask and Django answer HEAD with the GET handler: HEAD needs every
            # right GET needs, and is refused where GET is, unless the route names HEAD.
            get = methods.get("GET")
            if get is not None and "HEAD" in methods:
                methods["HEAD"] = _all_rights(methods["HEAD"], get)
            elif get is None and not any(m.upper() == "HEAD" for m in self.scopes or {}):
                methods.pop("HEAD", None)
        object.__setattr__(self, "_methods", methods)

    def matches(self, path: str) -> bool:
        return bool(self._matcher.fullmatch(path))

    def scope_for(self, method: str) -> str | None:
        """The scope a request with ``method`` needs here; None when the method is refused."""
        if isinstance(self.scopes, str):
            return self.scopes
        return self._methods.get(method.upper())


# Not frozen: one is made per request, and a frozen dataclass takes four times as long
