"""JSON encoding byte-compatible with Go's encoding/json (go-ioctl.md §1.6).

Token payloads, keystore files and ioctl's displayed output are compared byte for byte
with Go's, so the escaping rules matter: Go escapes ``<``, ``>``, ``&`` and U+2028/U+2029
inside strings and replaces invalid UTF-8 with U+FFFD, which Python's ``json`` does not.
Python's control-character escapes (``\\b \\f \\n \\r \\t`` and lowercase ``\\u00XX``) already
match Go >= 1.22, so the standard encoder is used and only those differences are patched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# These characters can only occur inside JSON strings in encoder output, so replacing
# them over the whole document is safe.
_GO_EXTRA_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """Replace lone surrogates (invalid UTF-8 smuggled in via surrogateescape) like Go."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(value: Any, *, indent: bool = False, sort_keys: bool = False) -> str:
    """Encode like Go: ``json.Marshal`` (compact) or ``json.MarshalIndent(v, "", "  ")``.

    Dicts keep their insertion order (Go structs) unless ``sort_keys`` (Go maps).
    """
    text = json.dumps(
        _clean(value),
        ensure_ascii=False,
        sort_keys=sort_keys,
        indent=2 if indent else None,
        separators=(",", ": ") if indent else (",", ":"),
    )
    return text.translate(_GO_EXTRA_ESCAPES)
