"""RFC 6750 on the wire: reading the bearer token of a request, and phrasing a denial
(the ``WWW-Authenticate`` challenge and a small JSON body) for every adapter in ``web/``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..policy import UNSAFE_PATH, Decision

# In front of an app, a request whose path is not canonical is malformed (400), whatever
# its token; the service says 403 instead, the status a proxy's auth_request passes on.
BAD_TARGET = Decision(False, 400, UNSAFE_PATH.reason, UNSAFE_PATH.description)


def app_decision(decision: Decision) -> Decision:
    """The decision as middleware in front of an app answers it."""
    return BAD_TARGET if decision.reason == UNSAFE_PATH.reason else decision


_SAFE_DESCRIPTION = str.maketrans({'"': "'", "\\": "/"})


def bearer_token(values: Sequence[str | bytes]) -> str | None:
    """The token from the ``Authorization`` header values of one request.

    None means no bearer credentials (no header, an empty one, or another scheme such as
    Basic): RFC 6750 answers that with a bare challenge. Everything else yields a string
    that ``authorize`` judges, so a bare ``Bearer`` gives "" and several headers are joined
    with ", " as RFC 9110 §5.3 combines field lines; neither ever parses as a token. The
    scheme is case-insensitive (ioctl sends ``bearer``) and surrounding whitespace, such as
    the trailing newline of a verbatim ``auth.jwt``, is ignored.
    """
    if not values:
        return None
    if len(values) == 1:
        value = values[0]
    else:
        value = ", ".join(v.decode("latin-1") if isinstance(v, bytes) else v for v in values)
    if isinstance(value, bytes):
        # latin-1 maps every byte, so hostile bytes become a malformed token, not a crash.
        value = value.decode("latin-1")
    parts = value.strip().split(None, 1)
    if not parts or parts[0].lower() != "bearer":
        return None
    return parts[1].strip() if len(parts) == 2 else ""


def _quoted(text: str) -> str:
    # A quoted-string may not hold '"' or '\' unescaped, and header values must stay
    # visible ASCII; descriptions are ours, but cheap to make safe for good.
    text = text.translate(_SAFE_DESCRIPTION)
    if not (text.isascii() and text.isprintable()):
        text = "".join(c if " " <= c <= "~" else "?" for c in text)
    return text


def challenge(decision: Decision) -> str:
    """The ``WWW-Authenticate`` value for a denial (RFC 6750 §3)."""
    if decision.reason == "missing_token":
        return "Bearer"
    if decision.status == 400:
        error = "invalid_request"
    else:
        error = "insufficient_scope" if decision.status == 403 else "invalid_token"
    value = f'Bearer error="{error}", error_description="{_quoted(decision.description)}"'
    if decision.status == 403 and decision.scope:
        value += f', scope="{_quoted(decision.scope)}"'
    return value


def denial(decision: Decision) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and a small JSON body (for clients that show bodies) for a denial."""
    body = json.dumps(
        {"error": decision.reason, "error_description": decision.description},
        separators=(",", ":"),
    ).encode()
    headers = [
        ("WWW-Authenticate", challenge(decision)),
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
    ]
    return headers, body
