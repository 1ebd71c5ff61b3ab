"""``ioctl jwt``: issue tokens as Go ioctl does (go-ioctl.md §7), inspect and verify them."""

from __future__ import annotations

import re
import time
from typing import Any

import click

from .. import gojson, untrusted
from .. import jwt as _jwt
from ..durations import parse_duration
from ..fsutil import atomic_write
from . import jwt_reports
from .cobra_style import IoctlGroup, pass_app
from .context import App
from .output import CliError, GoCode, wrapped
from .revoke import revoke
from .serve import serve
from .signer import complete_signer, unlock_signer

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
    app.out.queries_to_stderr = token_only
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
    jwt_reports.verify_token(
        app, token, issuers=issuers, any_issuer=any_issuer, scope=scope, sub=sub, at=at,
        leeway=leeway, max_lifetime=max_lifetime, require_exp=require_exp, strict=strict,
    )  # fmt: skip


@jwt.command()
@click.argument("token", required=False, metavar="[TOKEN|-]")
@pass_app
def decode(app: App, token: str | None) -> None:
    """Show a token's header, claims and signature WITHOUT verifying anything.

    \b
    Example:
      ioctl jwt decode "$TOKEN"
    """
    jwt_reports.decode_token(app, token)
