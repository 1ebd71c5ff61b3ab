"""What ``jwt verify`` and ``jwt decode`` do and print.

Commands that scripts run most have their bodies here, free of click, so that
cli/fastpath.py can run them from a plain command line; the click commands in cli/jwt.py
call the same functions (cli/account_reports.py is the same for ``account``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from .. import gojson
from .. import jwt as _jwt
from ..errors import PyioctlError
from .context import App
from .output import CliError, GoCode, wrapped
from .prompt import read_token


def verify_token(
    app: App,
    token: str | None = None,
    *,
    issuers: tuple[str, ...] = (),
    any_issuer: bool = False,
    scope: str | None = None,
    sub: str | None = None,
    at: int | None = None,
    leeway: int = 0,
    max_lifetime: int | None = None,
    require_exp: bool = False,
    strict: bool = False,
) -> None:
    text = read_token(token, "ioctl jwt verify")
    if scope is not None and not scope.split():
        raise CliError("--scope needs at least one right, e.g. Read", GoCode.FLAG)
    if issuers and any_issuer:
        raise CliError("--issuer and --any-issuer exclude each other", GoCode.FLAG)
    trusted: Any = _jwt.ANY_ISSUER
    if issuers:
        trusted = [_issuer_argument(app, i) for i in issuers]
    elif not any_issuer:
        app.out.warn(
            "Warn: issuer not pinned: checked against the token's own key, so anyone can make "
            "a token that passes; use --issuer to say whose tokens you trust."
        )
    now = int(time.time()) if at is None else at
    try:
        verified = _jwt.verify(
            text, issuers=trusted, now=now, leeway=leeway, scope=scope, sub=sub,
            max_lifetime=max_lifetime, require_exp=require_exp, strict=strict,
        )  # fmt: skip
    except _jwt.TokenError as exc:
        raise CliError(f"invalid token: {exc}", GoCode.VALIDATION, reason=exc.code) from None
    pinned = bool(issuers)
    rows = [
        ("issuer", verified.issuer_address),
        ("public key", "0x" + verified.public_key.hex()),
        ("dialect", verified.alg),
        ("subject", _shown(verified.subject)),
        ("scope", _shown(verified.scope)),
        *_time_fields(verified.claims, now),
    ]
    headline = "Token is valid." if pinned or any_issuer else "Signature valid (issuer not pinned)."
    app.out.result(
        headline + "\n" + _table(rows),
        {
            "valid": True,
            "issuerPinned": pinned,
            "issuer": verified.issuer,
            "issuerAddress": verified.issuer_address,
            "subject": verified.subject,
            "scope": verified.scope,
            "issuedAt": verified.issued_at,
            "expiresAt": verified.expires_at,
            "alg": verified.alg,
            "claims": verified.claims,
        },
    )


def _issuer_argument(app: App, text: str) -> str:
    """An issuer flag: an address or key as is, anything else looked up as an alias."""
    try:
        _jwt.parse_issuer(text)
        return text
    except (PyioctlError, ValueError):
        pass
    with wrapped(GoCode.ADDRESS, f"invalid issuer {text}"):
        return app.wallet.resolve(text)


def decode_token(app: App, token: str | None = None) -> None:
    text = read_token(token, "ioctl jwt decode")
    with wrapped(GoCode.VALIDATION, "malformed token"):
        decoded = _jwt.decode(text)
    now = int(time.time())
    rows = [("issuer", decoded.issuer_address or "(iss is not a valid public key)")]
    rows.append(("dialect", _shown(str(decoded.header.get("alg", "")))))
    rows += _time_fields(decoded.claims, now)
    rows.append(("signature", decoded.signature_hex))
    human = (
        "UNVERIFIED: signature, expiry and issuer were not checked.\nheader:\n"
        + _terminal_json(decoded.header, indent=True)
        + "\nclaims:\n"
        + _terminal_json(decoded.claims, indent=True)
        + "\n"
        + _table(rows)
    )
    app.out.result(
        human,
        {
            "verified": False,
            "header": decoded.header,
            "claims": decoded.claims,
            "signature": decoded.signature_hex,
            "issuerAddress": decoded.issuer_address,
        },
    )


def _when(timestamp: int, now: int) -> str:
    moment = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    delta = timestamp - now
    relative = f"in {_jwt.go_duration(delta)}" if delta > 0 else f"{_jwt.go_duration(-delta)} ago"
    return f"{moment} ({relative})"


def _time_fields(claims: Mapping[str, Any], now: int) -> list[tuple[str, str]]:
    rows = []
    for name, label in (("iat", "issued at"), ("nbf", "not before"), ("exp", "expires at")):
        value = claims.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value:
            try:
                rows.append((label, _when(value, now)))
            except (OverflowError, OSError, ValueError):
                rows.append((label, str(value)))
    if not claims.get("exp"):
        rows.append(("expires at", "never (no exp claim)"))
    return rows


def _shown(text: str) -> str:
    """A token-controlled string as it may reach a terminal: as is when plain, else as a
    JSON string, so a claim cannot forge lines of the report or send escape codes."""
    return text if text.isprintable() else _terminal_json(text)


def _terminal_json(value: Any, *, indent: bool = False) -> str:
    """``value`` as JSON that is safe on a terminal. JSON escapes only the C0 controls;
    DEL, the C1 controls (U+009B is CSI, which terminals act on as ESC [), bidi overrides
    that reorder the rest of a line and every other unprintable character are escaped
    too, as ``\\u`` and four hex digits (a UTF-16 pair beyond U+FFFF), so the text
    still reads back as the token's. The only raw newlines are the indentation's."""
    text = gojson.dumps(value, indent=indent)
    if text.isascii() and "\x7f" not in text:
        return text
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows) + 1
    return "\n".join(f"{label + ':':<{width}} {value}" for label, value in rows)
