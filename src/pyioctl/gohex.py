"""Go's ``encoding/hex.DecodeString``: its strictness and its error texts.

``bytes.fromhex`` skips whitespace, so ``'ab  cd'`` would sign ``abcd`` where ioctl
refuses; callers that take hex from users go through here instead.
"""

from __future__ import annotations

import binascii

from .gocompat import go_bytes

_HEX = frozenset(b"0123456789abcdefABCDEF")


def _invalid_byte(byte: int) -> ValueError:
    # Go formats the byte as a rune with %#U: the quoted character only when printable.
    char = chr(byte)
    shown = f" '{char}'" if char.isprintable() else ""
    return ValueError(f"encoding/hex: invalid byte: U+{byte:04X}{shown}")


def decode(text: str) -> bytes:
    """Hex digits to bytes, or ValueError with Go's text: the first invalid byte (a UTF-8
    byte, not a character) is reported before an odd length, as Go does."""
    data = go_bytes(text)
    bad = next((b for b in data if b not in _HEX), None)
    if bad is not None:
        raise _invalid_byte(bad)
    if len(data) % 2:
        raise ValueError("encoding/hex: odd length hex string")
    return binascii.unhexlify(data)
