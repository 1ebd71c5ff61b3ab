"""Read a plain ``config.default`` without PyYAML, which costs a CLI command ~10 ms to import.

The files ioctl and pyioctl write use a small subset of YAML: ``key: value`` lines, one
level of indented ``key: value`` lines under a bare ``key:``, ``{}``, and scalars that
are plain, single-quoted or double-quoted without escapes. For such text ``load`` returns
exactly what PyYAML's BaseLoader returns (every scalar as text; a test compares the two
on generated documents). Anything else (comments, lists, flow collections, anchors, tags,
escapes, tabs, duplicate keys, block scalars, other indentation) returns None and the
caller lets PyYAML decide, so nothing outside the subset is ever read differently.
"""

from __future__ import annotations

import re
from typing import Any

# Printable ASCII lines only: PyYAML refuses some control characters, and non-ASCII text
# (rare in this file) is left to it.
_TEXT = re.compile(r"[\x20-\x7e\n]*\n")
# A plain scalar that cannot be anything but itself in block context: it starts with a
# letter, digit, '_', '.' or '/' (no indicator), holds no space, '#', quote, bracket,
# brace or comma, and does not end in ':'.
_PLAIN = r"[A-Za-z0-9_./](?:[A-Za-z0-9_./:+~$%^=()<>@-]*[A-Za-z0-9_./+~$%^=()<>@-])?"
_SINGLE = r"'(?:[^'\n]|'')*'"
_DOUBLE = r'"[^"\\\n]*"'
_SCALAR = rf"(?:{_PLAIN}|{_SINGLE}|{_DOUBLE})"
# A plain key holds no ':' at all, so it ends at the first one and matching a line never
# backtracks over it: linear in the line's length.
_KEY = rf"(?:{_PLAIN.replace('_./:', '_./')}|{_SINGLE}|{_DOUBLE})"
_LINE = re.compile(rf"( {{2}})?({_KEY}):(?: ({_SCALAR}|\{{\}}))?")


def _scalar(token: str) -> str:
    if token[0] == "'":
        return token[1:-1].replace("''", "'")
    if token[0] == '"':
        return token[1:-1]
    return token


def load(text: str) -> dict[str, Any] | None:
    """The mapping BaseLoader would build from ``text``, or None when ``text`` is not in
    the plain subset (the caller then parses it with PyYAML)."""
    if _TEXT.fullmatch(text) is None:
        return None
    root: dict[str, Any] = {}
    open_key: str | None = None  # a top-level key written as a bare "key:"
    nested: dict[str, str] | None = None
    for line in text[:-1].split("\n"):
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        indent, key_token, value_token = match.groups()
        key = _scalar(key_token)
        if indent:
            if open_key is None or value_token is None or value_token == "{}":
                return None
            if nested is None:
                nested = root[open_key] = {}
            if key in nested:
                return None
            nested[key] = _scalar(value_token)
            continue
        open_key, nested = None, None
        if key in root:
            return None
        if value_token is None:
            open_key = key
            root[key] = ""  # stays an empty scalar unless indented lines follow
        elif value_token == "{}":
            root[key] = {}
        else:
            root[key] = _scalar(value_token)
    return root
