"""yaml.v2's way of writing a string scalar, so Go ioctl reads back the files we write.

Go writes config.default and ``alias export -f yaml`` through yaml.v2, which quotes a
string only where a plain scalar would read back as another type (YAML 1.1 booleans,
64-bit integers, floats, timestamps) or would not stay on one line.
"""

from __future__ import annotations

import math
import re

from .errors import ConfigError

_YAML11_BOOL_NULL = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "true",
        "True",
        "TRUE",
        "on",
        "On",
        "ON",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
        "<<",
    ]
)
_YAML11_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_YAML11_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_YAML11_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?")


def _yaml_v2_resolves_to_non_string(text: str) -> bool:
    """Whether yaml.v2 would read ``text`` as a plain scalar of another type.

    Mirrors yaml.v2's resolve(): integers must fit 64 bits (so a 160-bit 0x contract
    address stays a string), floats follow its regex, and base-60 floats are quoted too.
    """
    if text == "" or text in _YAML11_BOOL_NULL:
        return True
    if _YAML11_FLOAT.fullmatch(text) or _YAML11_BASE60.fullmatch(text):
        return True
    if _YAML11_TIMESTAMP.fullmatch(text):
        return True
    plain = text.replace("_", "")
    if not plain.isascii():  # int() would take other scripts' digits; yaml.v2 does not
        return False
    sign = -1 if plain.startswith("-") else 1
    body = plain.lstrip("+-")
    try:
        if body[:2].lower() == "0b":
            number = int(body[2:], 2)
        elif body[:2].lower() in ("0x", "0o"):
            number = int(body, 0)
        elif body.startswith("0") and len(body) > 1:
            number = int(body, 8)
        else:
            number = int(body, 10)
    except ValueError:
        return False
    return -(1 << 63) <= sign * number < 1 << 64


# Line breaks (YAML 1.1 counts NEL and U+2028/9 too) would make a quoted scalar span lines,
# which breaks the one-line ``key: value`` layout dump() writes.
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def scalar(text: str) -> str:
    """``text`` as yaml.v2 writes a string scalar: plain, single- or double-quoted."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        # Invalid UTF-8 from argv or stdin: the emitter would write a \uDCxx escape that no
        # YAML reader (ours included) accepts, leaving config.default unreadable.
        raise ConfigError(f"failed to marshal config: {text!r} is not valid UTF-8")
    style = None
    if _yaml_v2_resolves_to_non_string(text) or any(
        (ord(c) < 32 and c != "\t") or c in _LINE_BREAKS for c in text
    ):
        # Double-quoted with YAML escapes (\x01, \N, \x7F…) as yaml.v2 writes them; a JSON
        # string would leave C1 controls such as \x85 or \x9f raw, and no YAML reader
        # accepts those: the whole config would become unreadable.
        style = '"'
    # Otherwise let the emitter's analysis pick plain or single-quoted, as yaml.v2's does;
    # the implicit flags stop PyYAML from quoting what its own resolver would retype.
    import yaml  # only when writing: reading a plain config needs no PyYAML (start-up)

    events = [
        yaml.StreamStartEvent(),
        yaml.DocumentStartEvent(explicit=False),
        yaml.ScalarEvent(None, None, (True, True), text, style=style),
        yaml.DocumentEndEvent(explicit=False),
        yaml.StreamEndEvent(),
    ]
    out: str = yaml.emit(events, allow_unicode=True, width=math.inf)
    # An empty root scalar gets an explicit "--- " document marker; it is not part of it.
    return out.removeprefix("--- ").removesuffix("\n").removesuffix("\n...")
