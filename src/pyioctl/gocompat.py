"""Go's view of strings: their bytes, their length, and strconv's parsing and quoting.

Go strings are bytes. Arguments and stdin that are not UTF-8 reach Python as lone
surrogates (surrogateescape); these helpers give them back as the bytes Go would hold,
so lengths, sort orders and error texts match Go ioctl's.
"""

from __future__ import annotations

_UINT32_MAX = 0xFFFFFFFF
_QUOTE_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


def go_bytes(text: str) -> bytes:
    """The bytes Go would hold for ``text``: undecodable argv/stdin bytes (lone surrogates
    under Python's surrogateescape) become the single bytes they came from. Also the sort
    key for Go's byte-ordered map keys."""
    return text.encode("utf-8", "surrogateescape")


def byte_length(text: str) -> int:
    """Length in bytes as Go counts it."""
    return len(go_bytes(text))


def quote(text: str) -> str:
    """strconv.Quote, as it appears in strconv's error texts."""
    out = []
    for ch in text:
        if ch in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def parse_uint32(text: str) -> int:
    """strconv.ParseUint(text, 10, 32), stopping at the first bad digit or overflow as Go
    does; the ValueError carries Go's error text."""
    value = 0
    problem = "invalid syntax" if not text else None
    for ch in text:
        if not "0" <= ch <= "9":
            problem = "invalid syntax"
            break
        value = value * 10 + ord(ch) - ord("0")
        if value > _UINT32_MAX:
            problem = "value out of range"
            break
    if problem:
        raise ValueError(f"strconv.ParseUint: parsing {quote(text)}: {problem}")
    return value
