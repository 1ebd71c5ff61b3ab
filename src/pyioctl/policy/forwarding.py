"""Which claims of an allowed token reach the upstream, in which response headers, and how a
claim becomes a value that is safe to put in one.

The verifier service answers an allowed request with these headers, and the proxy copies
them onto the request it passes on; so a header name must be one no proxy or upstream
reads as framing or routing, and a value must never split or end a header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from ..jwt import VerifiedToken
from .errors import PolicyError

# What the service forwarded before this was configurable, and what the examples copy.
DEFAULT_FORWARD_HEADERS: Mapping[str, str] = {
    "X-Auth-Issuer": "iss",
    "X-Auth-Subject": "sub",
    "X-Auth-Scope": "scope",
}
# Per value, once encoded: a few of these must fit the proxy's buffer for the whole auth
# response (nginx proxy_buffer_size is one page, 4 KiB, by default), or it answers 502.
MAX_HEADER_VALUE = 1024
# The prefix the published nginx and Caddy configurations clear from client requests.
SAFE_PREFIX = "x-auth-"

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 §5.6.2 field name
# Framing, hop-by-hop, credentials and the headers proxies route or authorise by: a claim
# in one of these would change what the proxy or the upstream does with the request.
_RESERVED = frozenset(
    {
        "authorization",
        "connection",
        "content-length",
        "content-type",
        "cookie",
        "date",
        "forwarded",
        "host",
        "keep-alive",
        "location",
        "server",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "www-authenticate",
        "x-real-ip",
    }
)
_RESERVED_PREFIXES = ("proxy-", "x-forwarded-", "x-original-")
_URL_SAFE = " !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~"


def header_value(text: str) -> str:
    """``text`` as a safe header value: claim strings come from the token's author and
    may hold CR, LF, NUL or non-ASCII, which would split or break a response header. Those
    are percent-encoded, and so is '%' itself, so the value stays unambiguous; so are
    spaces at either end, which HTTP parsers strip (``" admin"`` would arrive as
    ``admin``). Unquoting the value gives back ``text`` exactly."""
    if text.isascii() and text.isprintable() and "%" not in text and text.strip(" ") == text:
        return text
    value = quote(text, safe=_URL_SAFE)
    body = value.strip(" ")
    if len(body) == len(value):
        return value
    head = len(value) - len(value.lstrip(" "))
    return "%20" * head + body + "%20" * (len(value) - head - len(body))


def check_forward_header(name: object, claim: object) -> str | None:
    """Raise PolicyError unless ``name: claim`` is a usable mapping; return a warning
    text for a name the published proxy configurations would not protect, else None."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise PolicyError(f"{name!r} is not a header name", key=f"forward_headers.{name}")
    lower = name.lower()
    if lower in _RESERVED or lower.startswith(_RESERVED_PREFIXES):
        raise PolicyError(
            f"{name} is a framing, credential or proxy header; choose another name",
            key=f"forward_headers.{name}",
        )
    if not isinstance(claim, str) or not claim.strip():
        raise PolicyError("expected a claim name", key=f"forward_headers.{name}")
    if not lower.startswith(SAFE_PREFIX):
        return (
            f"forward_headers: {name} does not start with X-Auth-, so the published proxy "
            "configurations do not remove a client-sent one; make sure yours does"
        )
    return None


class ForwardHeaders:
    """The response headers of an allowed request: header name → claim name.

    ``iss`` is forwarded as the issuer's io address (the claim itself is the public key),
    as the policy's issuers are named. A claim that is absent, not a string or a number,
    or longer than :data:`MAX_HEADER_VALUE` once encoded gives an empty value rather than
    no header, so a proxy that copies the header still overwrites a client's own; it is
    never truncated, since a prefix of an identifier can be another identifier.
    """

    __slots__ = ("claims", "headers", "warnings")

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        items = DEFAULT_FORWARD_HEADERS if mapping is None else mapping
        if not isinstance(items, Mapping):
            raise PolicyError("forward_headers must map header names to claim names")
        self.warnings: list[str] = []
        seen: set[str] = set()
        headers = []
        for name, claim in items.items():
            warning = check_forward_header(name, claim)
            if name.lower() in seen:
                raise PolicyError("duplicate header name", key=f"forward_headers.{name}")
            seen.add(name.lower())
            if warning:
                self.warnings.append(warning)
            headers.append((name, claim.strip()))
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)
        # The claims the values depend on besides ``iss`` (which gives the issuer address).
        self.claims: tuple[str, ...] = tuple(
            dict.fromkeys(claim for _, claim in headers if claim != "iss")
        )

    def values(self, token: VerifiedToken, issuer: str | None = None) -> list[tuple[str, str]]:
        """(header name, value) for each configured header; values are visible ASCII.
        ``issuer``: the token's issuer address, when the caller already has it."""
        claims = token.claims
        out = []
        for name, claim in self.headers:
            if claim == "iss":
                value = token.issuer_address if issuer is None else issuer
            else:
                value = claim_value(claims.get(claim))
            out.append((name, value if len(value) <= MAX_HEADER_VALUE else ""))
        return out


def claim_value(value: object) -> str:
    """A claim as header text: strings encoded by :func:`header_value`, numbers as JSON
    writes them, anything else (absent, boolean, null, list, object) empty."""
    if isinstance(value, str):
        return header_value(value)
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return ""
