"""``verify``: one pass over a token, cheapest rejections first, ECDSA once.

Order, and why:
1. structure (size, segments, base64url, JSON, header, claim types): nothing else is
   meaningful before the token is understood;
2. the issuer key from ``iss`` and the pinned-issuer check: a dictionary lookup, so an
   untrusted token never costs an ECDSA verification;
3. the signature: before any time or scope claim, so a forged token is always reported
   as ``bad_signature`` and never as ``expired`` (the claims of a forgery mean nothing);
4. time, audience, then scope and subject.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from hashlib import sha256
from types import MappingProxyType
from typing import Any

from ..durations import to_seconds
from ..keys import PublicKey, is_low_s
from . import codec, ek256k
from .claims import (
    audiences,
    check_audience,
    check_scope,
    check_subject,
    check_times,
    read_registered,
)
from .errors import (
    GO_BAD_SIGNATURE,
    BadSignatureError,
    MalformedTokenError,
    TokenError,
    UnsupportedAlgorithmError,
    UntrustedIssuerError,
)
from .issuers import IssuerSpec, io_address, issuer_key, trusted_hashes


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A token whose signature, issuer and claims passed every check asked for.

    Carries what antenna-go's ``VerifyJWT`` returns (``issued_at``, ``expires_at``,
    ``issuer``, ``subject``, ``scope``, ``alg``, ``signature_hex``) plus the key, the
    issuer's io address and every claim. Absent times are 0, as in Go. The typed
    attributes read the verified ``claims`` and ``header`` (four fields instead of ten
    halve the cost of building the object, which every verification pays). ``header``
    and ``claims`` are read-only views: a verified token is shared (a service caches it
    for every request that carries it), so one handler must not be able to change what
    the next one sees. The views are made when asked for, not by every verification.
    """

    _header: dict[str, Any]
    _claims: dict[str, Any]
    public_key: PublicKey
    signature: bytes

    @property
    def header(self) -> Mapping[str, Any]:
        return MappingProxyType(self._header)

    @property
    def claims(self) -> Mapping[str, Any]:
        return MappingProxyType(self._claims)

    @property
    def alg(self) -> str:
        return self._header["alg"]  # type: ignore[no-any-return]  # verify checked: a str

    @property
    def issuer(self) -> str:
        return self._claims["iss"]  # type: ignore[no-any-return]  # verify checked: a str

    @property
    def subject(self) -> str:
        return self._claims.get("sub", "")  # type: ignore[no-any-return]  # verify checked: a str

    @property
    def scope(self) -> str:
        return self._claims.get("scope", "")  # type: ignore[no-any-return]  # verify checked: a str

    @property
    def issued_at(self) -> int:
        return self._claims.get("iat") or 0

    @property
    def expires_at(self) -> int:
        return self._claims.get("exp") or 0

    @property
    def signature_hex(self) -> str:
        return self.signature.hex()

    @property
    def issuer_address(self) -> str:
        return io_address(self.public_key)


# Every dialect an IoTeX SDK issues; docs/tokens.md has the table.
DEFAULT_ALGORITHMS = ("ES256", "ES256K", ek256k.ALG)
_KNOWN_ALGORITHMS = frozenset(DEFAULT_ALGORITHMS)


def check_header(header: dict[str, Any]) -> None:
    """The header rules; docs/tokens.md gives the reason for each."""
    alg = header.get("alg")
    if type(alg) is not str or alg not in _KNOWN_ALGORITHMS:
        # Only secp256k1 with SHA-256 or IoTeX's Keccak message hash is verified: "none",
        # HMAC with the public key as secret, or ES384/ES512 on the same curve (which Go
        # would run) are all refused.
        raise UnsupportedAlgorithmError("signing method (alg) must be ES256, ES256K or EK256K")
    if "typ" in header and header["typ"] != "JWT":
        raise MalformedTokenError("header typ must be JWT when present")
    if "crit" in header:
        # We understand no extension, and RFC 7515 says a listed one must be understood.
        raise UnsupportedAlgorithmError("critical header extensions (crit) are not supported")


# Header segment -> its checked header. Every token of an issuer repeats the same few
# header bytes, and the rules depend on those bytes alone, so each is parsed once. Only
# all-string headers are kept: the dict is then shared by every VerifiedToken, which
# exposes it read-only. A plain dict (cleared when full) costs a third of an lru_cache.
_HEADERS: dict[bytes, dict[str, Any]] = {}
_HEADERS_MAX = 64


def _checked_header(segment: bytes) -> dict[str, Any]:
    header = codec.parse_header(segment)
    check_header(header)
    if all(type(value) is str for value in header.values()):
        if len(_HEADERS) >= _HEADERS_MAX:
            _HEADERS.clear()
        _HEADERS[segment] = header
    return header


def check_signature(key: PublicKey, signing_input: bytes, signature: bytes, strict: bool) -> None:
    # verify_digest rejects any length but 64 and r or s outside [1, n), and normalises
    # high S (which Go's signer emits half the time) unless strict.
    if not key.verify_digest(sha256(signing_input).digest(), signature, strict=strict):
        if strict and len(signature) == 64 and not is_low_s(signature):
            raise BadSignatureError("signature S is high, which strict mode refuses")
        raise BadSignatureError(GO_BAD_SIGNATURE)


@lru_cache(maxsize=64)
def _frozen_algorithms(algorithms: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    if isinstance(algorithms, str):
        # "ES256" would be read as its letters; refuse rather than guess.
        raise TypeError("algorithms must be a collection of names, not a single string")
    unknown = set(algorithms) - _KNOWN_ALGORITHMS
    if unknown:
        raise ValueError(f"unknown algorithms {sorted(unknown)}; known: {DEFAULT_ALGORITHMS}")
    return frozenset(algorithms)


def _algorithm_set(algorithms: Iterable[str]) -> frozenset[str]:
    """The accepted algorithms, checked once per distinct value (memoised when hashable)."""
    if isinstance(algorithms, (str, tuple, frozenset)):
        return _frozen_algorithms(algorithms)
    return _frozen_algorithms(tuple(algorithms))


def verify(
    token: str | bytes,
    *,
    issuers: IssuerSpec,
    now: int | None = None,
    leeway: int | timedelta | str = 0,
    scope: str | Iterable[str] | None = None,
    sub: str | None = None,
    max_lifetime: int | None = None,
    require_exp: bool = False,
    strict: bool = False,
    max_size: int = codec.DEFAULT_MAX_TOKEN_SIZE,
    audience: str | Iterable[str] | None = None,
    require_aud: bool = False,
    algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
) -> VerifiedToken:
    """Verify a token or raise the TokenError subclass that says why not.

    ``issuers`` is required: the accounts (io address, 0x address or public key; a list,
    tuple, set or a prebuilt ``Issuers``) whose tokens are accepted, or ``ANY_ISSUER``.
    ``now`` defaults to the current Unix time; ``leeway`` (seconds, a ``timedelta`` or a
    duration string such as ``"30s"`` or ``"2m"``) applies to exp, iat and nbf; ``scope``
    rights (space-separated or a list) must all be granted, any case; ``sub`` must equal
    the subject; ``max_lifetime`` caps exp - iat; ``strict`` refuses high-S signatures.
    ``audience`` (one or several): a token that carries ``aud`` must name one of them,
    and with ``require_aud`` a token without ``aud`` is refused. ``algorithms`` lists the
    dialects accepted (default: all three).
    """
    if type(leeway) is not int:  # the common int skips the conversion on this hot path
        leeway = to_seconds(leeway)
    if leeway < 0:
        raise ValueError("leeway must not be negative")
    if audience is not None:
        accepted = audiences(audience)
    elif require_aud:
        raise ValueError("require_aud needs the audience to compare aud with")
    if algorithms is not DEFAULT_ALGORITHMS:
        algorithms = _algorithm_set(algorithms)
    trusted = trusted_hashes(issuers)
    header_segment, payload, signature, signing_input = codec.split(token, max_size)
    header = _HEADERS.get(header_segment) or _checked_header(header_segment)
    alg = header["alg"]
    if alg not in algorithms:
        raise UnsupportedAlgorithmError(f"signing method (alg) {alg} is not accepted here")
    claims = codec.parse_object(payload, "claims")
    iss, subject, token_scope, exp, iat, nbf = read_registered(claims)
    recoverable = alg == ek256k.ALG
    key = ek256k.issuer_key(iss) if recoverable else issuer_key(iss)
    if trusted is not None and key.hash160 not in trusted:
        raise UntrustedIssuerError(f"token issuer {io_address(key)} is not trusted")
    if recoverable:
        ek256k.check_signature(key, signing_input, signature, strict)
    else:
        check_signature(key, signing_input, signature, strict)
    now = int(time.time()) if now is None else int(now)
    try:
        check_times(exp, iat, nbf, now, leeway, require_exp, max_lifetime)
        if audience is not None:
            check_audience(claims.get("aud"), accepted, require_aud)
        if scope is not None:
            check_scope(token_scope, scope)
        if sub is not None:
            check_subject(subject, sub)
    except TokenError as exc:
        # The signature verified, so who issued the refused token is known: logs name it.
        exc.issuer = io_address(key)
        raise
    return _verified_token(header, claims, key, signature)


# The frozen dataclass __init__ sets each field through object.__setattr__; setting the
# slots directly builds the same object in 60 % of the time, on every verification.
_FIELDS = ("_header", "_claims", "public_key", "signature")
_set_fields = tuple(getattr(VerifiedToken, name).__set__ for name in _FIELDS)
_new = object.__new__


def _verified_token(
    header: dict[str, Any], claims: dict[str, Any], key: PublicKey, signature: bytes
) -> VerifiedToken:
    token = _new(VerifiedToken)
    set_header, set_claims, set_key, set_signature = _set_fields
    set_header(token, header)
    set_claims(token, claims)
    set_key(token, key)
    set_signature(token, signature)
    return token
