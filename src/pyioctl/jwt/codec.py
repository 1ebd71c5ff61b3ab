"""Strict compact-serialisation parsing: segments, base64url and JSON objects.

A verifier that accepts several spellings of one token invites confusion between
components (a cache keyed by token text, a revocation list, a log search), so each token
has exactly one accepted spelling: three segments of unpadded base64url with zero unused
bits, holding UTF-8 JSON objects with unique member names. Everything here runs on the
hot path, hence C-level primitives (``bytes.translate``, ``binascii``, the C JSON scanner)
instead of regular expressions.
"""

from __future__ import annotations

import binascii
import json
from typing import Any, NoReturn

from ..untrusted import UntrustedInputError, finite_float, nesting_exceeds
from .errors import MalformedTokenError

DEFAULT_MAX_TOKEN_SIZE = 8192
# Real claims nest two or three levels. A fixed bound makes acceptance independent of the
# interpreter's recursion limit, which other code (test runners among them) may raise.
MAX_JSON_DEPTH = 32

_STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL_SAFE = _STANDARD[:62] + b"-_"
_TO_STANDARD = bytes(
    _STANDARD[_URL_SAFE.index(b)] if b in _URL_SAFE else b if b == ord(".") else 0
    for b in range(256)
)
_STD_TO_URL = bytes.maketrans(b"+/", b"-_")
# The last character of an unpadded segment carries 4 (length % 4 == 2) or 2 (== 3) bits
# beyond the data; only characters whose spare bits are zero give the canonical spelling.
_CANONICAL_LAST = (b"", b"", b"AQgw", b"AEIMQUYcgkosw048")
_PADDING = (b"", b"", b"==", b"=")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, the only spelling ``b64url_decode`` accepts."""
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_STD_TO_URL).decode()


def _character_problem(raw: bytes) -> str:
    """Why a token failed the alphabet check; only computed on that failure path."""
    if raw[:7].lower() == b"bearer ":
        return "token must not contain the 'Bearer ' prefix"
    if b"=" in raw:
        return "base64url padding '=' is not allowed in a token"
    if any(c in raw for c in b" \t\r\n\f\v"):
        return "token contains whitespace"
    return "token contains characters outside the base64url alphabet"


def _decode_segment(segment: bytes, what: str) -> bytes:
    """Decode a segment already confined to the alphabet and translated to standard base64."""
    rem = len(segment) & 3
    if rem == 1:
        raise MalformedTokenError(f"{what} is not valid base64url: impossible length")
    if rem and segment[-1] not in _CANONICAL_LAST[rem]:
        raise MalformedTokenError(f"{what} is not canonical base64url: unused bits are set")
    return binascii.a2b_base64(segment + _PADDING[rem])


def split(token: str | bytes, max_size: int) -> tuple[bytes, bytes, bytes, bytes]:
    """The header segment for ``parse_header``, the decoded payload and signature, and the
    signing input ``header.payload``.

    The size limit is enforced before any decoding so an oversized token costs nothing.
    """
    if type(token) is str:
        if len(token) > max_size:
            raise MalformedTokenError(f"token is longer than {max_size} bytes")
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            raise MalformedTokenError("token contains non-ASCII characters") from None
    elif isinstance(token, (bytes, bytearray)):
        if len(token) > max_size:
            raise MalformedTokenError(f"token is longer than {max_size} bytes")
        raw = bytes(token)
    else:
        # A missing header often arrives as None; it must fail as a token, not crash.
        raise MalformedTokenError(f"token must be str or bytes, not {type(token).__name__}")
    # One pass maps base64url to standard base64 and every other byte (but '.') to NUL.
    std = raw.translate(_TO_STANDARD)
    if 0 in std:  # an int operand makes this a memchr
        raise MalformedTokenError(_character_problem(raw))
    parts = std.split(b".")
    if len(parts) != 3:
        raise MalformedTokenError("token contains an invalid number of segments")
    header, payload, signature = parts
    return (
        header,
        _decode_segment(payload, "payload"),
        _decode_segment(signature, "signature"),
        raw[: len(header) + 1 + len(payload)],
    )


class _Refused(ValueError):
    """Valid to Python's json module, refused here."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Parsers disagree on which duplicate wins (Go and Python: the last, others: the
    # first), so a token with duplicates could mean different things to two verifiers.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Refused("duplicate member name")
    return obj


def _no_constants(name: str) -> NoReturn:
    raise _Refused(f"{name} is not JSON")


# finite_float: Python reads 1e999 as infinity, which Go refuses and JSON cannot print.
# scan_once is set by JSONDecoder.__init__ (the C scanner), but typeshed does not declare it.
_scan_fast = json.JSONDecoder(  # type: ignore[attr-defined]
    parse_constant=_no_constants, parse_float=finite_float
).scan_once
_CHECKED = json.JSONDecoder(
    object_pairs_hook=_unique_members, parse_constant=_no_constants, parse_float=finite_float
)


def parse_object(data: bytes, what: str) -> dict[str, Any]:
    """A JSON object from strict UTF-8, without duplicate names, NaN, lone surrogates or
    more than MAX_JSON_DEPTH levels of nesting."""
    try:
        text = data.decode("utf-8")
        if nesting_exceeds(text, MAX_JSON_DEPTH):
            raise MalformedTokenError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
        try:
            # The C scanner alone, without the pairs hook (a third of the parse time)
            # or JSONDecoder.decode's whitespace regexes.
            value, end = _scan_fast(text, 0)
        except StopIteration:
            end = -1
        # Each member but an object's first needs a comma, so if the commas are exactly
        # one fewer than the top-level names no object can hold a duplicate. Otherwise
        # (commas in strings, arrays, nested objects) the checking parse decides.
        if end != len(text) or type(value) is not dict or text.count(",") + 1 != len(value):
            value = _CHECKED.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError stays possible when the caller's own stack is nearly full.
        raise MalformedTokenError(f"{what} is not valid JSON: {_reason(exc)}") from None
    if type(value) is not dict:
        raise MalformedTokenError(f"{what} is not a JSON object")
    # A lone backslash search is a memchr; most payloads have no escapes at all.
    if "\\" in text and ("\\ud" in text or "\\uD" in text):
        _reject_lone_surrogates(value, what)
    return value


def parse_header(segment: bytes) -> dict[str, Any]:
    """The header object of the (still encoded) header segment ``split`` returns."""
    return parse_object(_decode_segment(segment, "header"), "header")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, (json.JSONDecodeError, _Refused, UntrustedInputError)):
        return str(exc)
    return "a number has too many digits"  # int()'s limit, whose advice does not apply


def _reject_lone_surrogates(value: dict[str, Any], what: str) -> None:
    # An escaped lone surrogate (\ud800) decodes to a str no UTF-8 text can hold; Go
    # silently turns it into U+FFFD, so the claim would differ between verifiers.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedTokenError(f"{what} contains an unpaired surrogate escape") from None
