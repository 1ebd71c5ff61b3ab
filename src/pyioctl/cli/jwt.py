"""``ioctl jwt``: issue tokens as Go ioctl does (go-ioctl.md §7), inspect and verify them."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import click

from .. import gojson, untrusted
from .. import jwt as _jwt
from ..durations import parse_duration
from ..errors import PyioctlError
from ..fsutil import atomic_write
from .cobra_style import IoctlGroup
from .context import App, complete_signer, pass_app
from .output import CliError, GoCode, wrapped
from .prompt import read_token
from .revoke import revoke
from .serve import serve
from .signer import unlock_signer

_INT64 = re.compile(r"[+-]?[0-9]+")  # ASCII only, as strconv.ParseInt
# Claims for a token that must fit in DEFAULT_MAX_TOKEN_SIZE; the JSON can be no larger.
_MAX_ARGUMENTS = 64 * 1024
# What Go ioctl copies from --with-arguments into the token; iat and iss it sets itself.
_SIGNED_ARGUMENTS = frozenset({"exp", "scope", "sub"})
_GO_TYPE_NAMES = {bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


@click.group(cls=IoctlGroup)
def jwt() -> None:
    """Sign, verify, decode and serve JWT access tokens.

    Tokens say ES256 in their header but are signed with the account's secp256k1 key,
    as Go ioctl and iotex-antenna-go make them.
    """


# The server itself is imported only when `serve` runs.
jwt.add_command(serve)
jwt.add_command(revoke)


class _Duration(click.ParamType):  # type: ignore[type-arg]  # generic in newer click only
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = _Duration()


def _parse_arguments(text: str) -> dict[str, str]:
    """``--with-arguments``: a JSON object of strings (go-ioctl.md §7.2)."""
    if not text:
        return {}
    try:
        value = untrusted.load_json(text, max_size=_MAX_ARGUMENTS)
    except ValueError as exc:
        raise CliError(f"failed to unmarshal arguments: {exc}", GoCode.SERIALIZATION) from None
    if not isinstance(value, dict):
        kind = "null" if value is None else _GO_TYPE_NAMES.get(type(value), "string")
        raise CliError(
            f"failed to unmarshal arguments: json: cannot unmarshal {kind} "
            "into Go value of type map[string]string",
            GoCode.SERIALIZATION,
        )
    for name, item in value.items():
        if item is None:  # Go leaves the string zero-valued
            value[name] = ""
        elif not isinstance(item, str):
            kind = _GO_TYPE_NAMES[type(item)]
            raise CliError(
                f"failed to unmarshal arguments: json: cannot unmarshal {kind} "
                "into Go value of type string",
                GoCode.SERIALIZATION,
            )
    return value


def _parse_exp(text: str) -> int:
    reason = "invalid syntax"
    if _INT64.fullmatch(text):
        # More than 19 significant digits is out of range; int() on thousands of digits
        # would raise its own ValueError instead.
        if len(text.lstrip("+-").lstrip("0")) <= 19:
            number = int(text)
            if -(1 << 63) <= number < 1 << 63:
                return number
        reason = "value out of range"
    raise CliError(
        f'invalid expire time: strconv.ParseInt: parsing "{text}": {reason}', GoCode.SERIALIZATION
    )


def _sign_output(token: str, key_address: str, public_hex: str, claims: dict[str, str]) -> str:
    return (
        f"JWT token: {token}\n\nsigned by:\n{{\n  address: {key_address}\n"
        f"  public key: 0x{public_hex}\n}}\nwith following claims:\n"
        + gojson.dumps(claims, indent=True, sort_keys=True)
    )


@jwt.command()
@click.option(
    "-s",
    "--signer",
    default="",
    metavar="ALIAS|ADDRESS|hdw::PATH",
    help="Account that signs (default: the default account).",
    shell_complete=complete_signer,
)
@click.option(
    "-P",
    "--password",
    default="",
    help="Key password (visible to other users: prefer the prompt or piped stdin).",
)
@click.option(
    "--with-arguments",
    "arguments",
    default="",
    metavar="JSON",
    help='Claims as a JSON object of strings: {"sub": …, "scope": …, "exp": UNIX_TIME}.',
)
@click.option(
    "--expires-in",
    type=DURATION,
    default=None,
    help="Set exp to now + DURATION (3600, 90m, 24h, 7d). Not with an exp argument.",
)
@click.option(
    "--save",
    is_flag=True,
    help="Also write the bare token to ~/.config/ioctl/default/auth.jwt (0600), "
    "where Go ioctl reads it.",
)
@click.option(
    "--token-only",
    is_flag=True,
    help="Print only the token and a newline, for scripts: TOKEN=$(ioctl jwt sign … --token-only).",
)
@click.option(
    "--alg",
    type=click.Choice(list(_jwt.ALGORITHMS)),
    default="ES256",
    show_default=True,
    help="Dialect; ES256K (RFC 8812) lets standard JOSE libraries verify, EK256K is "
    "iotex-antenna's (JS, Java).",
)
@click.option("-y", "--assume-yes", is_flag=True, hidden=True)
@click.option("-l", "--gas-limit", hidden=True)
@click.option("-p", "--gas-price", hidden=True)
@click.option("-n", "--nonce", hidden=True)
@click.option("-w", "--wait", is_flag=True, hidden=True)
@pass_app
def sign(app: App, /, signer: str, password: str, arguments: str, expires_in: int | None,
         save: bool, token_only: bool, alg: str, **_ignored: Any) -> None:  # fmt: skip
    """Sign a JWT access token with an account's key.

    \b
    Example:
      ioctl jwt sign -s alice --expires-in 1h \\
        --with-arguments '{"sub":"weather","scope":"Create"}'
    """
    claims = _parse_arguments(arguments)
    now = int(time.time())
    if claims.get("exp"):
        if expires_in is not None:
            raise CliError("--expires-in cannot be combined with an exp argument", GoCode.FLAG)
        exp = _parse_exp(claims["exp"])
    elif expires_in is not None:
        exp = now + expires_in
        claims["exp"] = str(exp)
    else:
        exp, claims["exp"] = 0, "0"
    with wrapped(GoCode.ADDRESS, "failed to get signer address"):
        address = app.wallet.resolve_signer(signer or None)
    key = unlock_signer(app, address, password or None)
    token = _jwt.sign(
        key, sub=claims.get("sub", ""), scope=claims.get("scope", ""), exp=exp, iat=now, alg=alg
    )
    unsigned = sorted(set(claims) - _SIGNED_ARGUMENTS)
    claims["iat"] = str(now)
    claims["iss"] = _jwt.decode(token).claims["iss"]
    if token_only:
        app.out.raw(token)
    else:
        app.out.result(_sign_output(token, key.address, key.public_key.hex(), claims))
    if not exp:
        app.out.warn("Warn: this token has no expiry (exp); it is valid until its key is revoked.")
    elif exp < now:
        app.out.warn(
            f"Warn: exp {exp} is {_jwt.go_duration(now - exp)} in the past: "
            "this token is already expired."
        )
    if unsigned:
        app.out.warn(
            "Warn: --with-arguments keys not in the token: "
            + ", ".join(gojson.dumps(name) for name in unsigned)
            + '; only "exp", "scope" and "sub" are signed.'
        )
    if save:
        path = app.config_file.auth_jwt_path
        with wrapped(GoCode.WRITE_FILE, "failed to save token"):
            atomic_write(path, token.encode())
        app.out.status(f"Token saved to {path}")


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
    return text if text.isprintable() else gojson.dumps(text)


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows) + 1
    return "\n".join(f"{label + ':':<{width}} {value}" for label, value in rows)


@jwt.command()
@click.argument("token", required=False, metavar="[TOKEN|-]")
@click.option(
    "--issuer",
    "issuers",
    multiple=True,
    metavar="ADDRESS|KEY|ALIAS",
    help="Trusted issuer (repeatable): io or 0x address, public key, or alias.",
)
@click.option("--any-issuer", is_flag=True, help="Accept any issuer (the token's own key).")
@click.option("--scope", default=None, help="Require this right (Create, Read, Update, Delete).")
@click.option("--sub", default=None, help="Require this subject.")
@click.option(
    "--at",
    "at",
    type=int,
    default=None,
    metavar="UNIX_TIME",
    help="Check validity at this time instead of now.",
)
@click.option("--leeway", type=DURATION, default=0, help="Clock skew allowed for exp/iat/nbf.")
@click.option(
    "--max-lifetime", type=DURATION, default=None, help="Reject tokens whose exp - iat is longer."
)
@click.option("--require-exp", is_flag=True, help="Reject tokens without an expiry.")
@click.option("--strict", is_flag=True, help="Also require low-S signatures.")
@pass_app
def verify(app: App, token: str | None, issuers: tuple[str, ...], any_issuer: bool,
           scope: str | None, sub: str | None, at: int | None, leeway: int,
           max_lifetime: int | None, require_exp: bool, strict: bool) -> None:  # fmt: skip
    """Verify a token's signature, times, issuer, scope and subject; exit 0 only if valid.

    \b
    Example:
      ioctl jwt verify "$TOKEN" --issuer alice --scope Create --sub weather
    """
    text = read_token(token)
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


@jwt.command()
@click.argument("token", required=False, metavar="[TOKEN|-]")
@pass_app
def decode(app: App, token: str | None) -> None:
    """Show a token's header, claims and signature WITHOUT verifying anything.

    \b
    Example:
      ioctl jwt decode "$TOKEN"
    """
    text = read_token(token)
    with wrapped(GoCode.VALIDATION, "malformed token"):
        decoded = _jwt.decode(text)
    now = int(time.time())
    rows = [("issuer", decoded.issuer_address or "(iss is not a valid public key)")]
    rows.append(("dialect", _shown(str(decoded.header.get("alg", "")))))
    rows += _time_fields(decoded.claims, now)
    rows.append(("signature", decoded.signature_hex))
    human = (
        "UNVERIFIED: signature, expiry and issuer were not checked.\nheader:\n"
        + gojson.dumps(decoded.header, indent=True)
        + "\nclaims:\n"
        + gojson.dumps(decoded.claims, indent=True)
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
