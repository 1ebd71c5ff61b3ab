"""Who signed a token (its ``iss`` key) and whom the caller trusts (pinned accounts).

A token names its own verification key in ``iss``, so a valid signature only proves the
token is self-consistent: anyone can mint one for a fresh key. Trust comes from the
caller's list of accounts, compared by hash160 so an io address, a 0x address and a public
key of the same account are the same issuer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import lru_cache
from typing import Final, Literal, TypeAlias

from .. import address as _address
from ..errors import AddressError, KeyFormatError
from ..keys import PublicKey
from .errors import MalformedTokenError

_LOWER_HEX = frozenset("0123456789abcdef")
_CANONICAL_ISS = "0x04 followed by 128 lowercase hex digits"


class _Trust(enum.Enum):
    ANY_ISSUER = "ANY_ISSUER"

    def __repr__(self) -> str:
        return self.value


ANY_ISSUER: Final = _Trust.ANY_ISSUER
"""Accept any self-signed token: only for callers that authorise by account afterwards."""
AnyIssuer: TypeAlias = Literal[_Trust.ANY_ISSUER]
"""The type of ``ANY_ISSUER``, for annotations."""


@lru_cache(maxsize=4096)
def issuer_key(iss: str) -> PublicKey:
    """The public key an ``iss`` claim names, in the one spelling Go's signer produces.

    Go's verifier also takes no ``0x``, ``0X``, ``0x0x``, 128 digits and upper case; no Go
    signer writes those, and accepting them would give one key many issuer strings, which
    breaks every application that compares or stores ``iss``.
    """
    if len(iss) != 132 or iss[:4] != "0x04" or not _LOWER_HEX.issuperset(iss[2:]):
        raise MalformedTokenError(f"claim 'iss' must be {_CANONICAL_ISS}")
    try:
        key = PublicKey.from_bytes(bytes.fromhex(iss[2:]))
    except KeyFormatError:
        raise MalformedTokenError("claim 'iss' is not a point on secp256k1") from None
    return key


@lru_cache(maxsize=4096)
def _hash160_of(text: str) -> bytes:
    digits = text[2:] if text[:2] in ("0x", "0X") else text
    if len(digits) in (128, 130):
        return PublicKey.from_hex(digits).hash160
    if len(digits) == 40:
        raw = _address.parse_eth_hex(text)
        if raw is None:
            raise AddressError(f"{text}: invalid 0x address")
        return raw
    return _address.to_hash160(text)


def parse_issuer(issuer: str | PublicKey) -> bytes:
    """The 20-byte account hash of an io address, 0x address or public key (hex/object).

    Raises AddressError or KeyFormatError (both PyioctlError) for anything else.
    """
    if isinstance(issuer, PublicKey):
        return issuer.hash160
    if not isinstance(issuer, str):
        raise TypeError(f"an issuer is a str or PublicKey, not {type(issuer).__name__}")
    return _hash160_of(issuer)


class Issuers:
    """Trusted issuers parsed once; pass the same object to every ``verify`` call."""

    __slots__ = ("hashes",)

    def __init__(self, issuers: Iterable[str | PublicKey]) -> None:
        if isinstance(issuers, (str, bytes)):
            # A lone string would be iterated as characters; refuse rather than guess.
            raise TypeError("issuers must be an iterable of issuers, not a single string")
        self.hashes: frozenset[bytes] = frozenset(map(parse_issuer, issuers))

    def __contains__(self, issuer: object) -> bool:
        if isinstance(issuer, (str, PublicKey)):
            return parse_issuer(issuer) in self.hashes
        return issuer in self.hashes

    def __len__(self) -> int:
        return len(self.hashes)

    def __repr__(self) -> str:
        return f"Issuers({', '.join(sorted(map(_address.from_hash160, self.hashes)))})"


IssuerSpec: TypeAlias = Issuers | AnyIssuer | Iterable[str | PublicKey]


@lru_cache(maxsize=64)
def _compiled(issuers: tuple[str | PublicKey, ...] | frozenset[str | PublicKey]) -> Issuers:
    return Issuers(issuers)


def trusted_hashes(issuers: IssuerSpec) -> frozenset[bytes] | None:
    """The pinned account hashes, or None for ANY_ISSUER.

    Every container is parsed once per distinct content: a list or set is keyed by a
    tuple of its members (a fresh snapshot each call, so a caller that edits its list is
    honoured), which costs about as much as hashing the tuple, not the bech32 and hex
    parsing of each member.
    """
    if issuers is ANY_ISSUER:
        return None
    kind = type(issuers)
    if kind is Issuers:
        return issuers.hashes  # type: ignore[union-attr]  # narrowed by type(), which mypy does not follow
    if kind is tuple or kind is frozenset:
        return _compiled(issuers).hashes  # type: ignore[arg-type]  # as above
    if kind is list or kind is set:
        try:
            return _compiled(tuple(issuers)).hashes  # type: ignore[arg-type]  # as above
        except TypeError:  # an unhashable member: Issuers says which type is wrong
            pass
    return Issuers(issuers).hashes  # type: ignore[arg-type]


# The prefix (io/it, from IOTEX_NETWORK_TYPE) is part of the key so a change is honoured.
@lru_cache(maxsize=4096)
def _io_address(hash160: bytes, prefix: str) -> str:
    return _address.from_hash160(hash160)


def io_address(key: PublicKey) -> str:
    """``key.address`` memoised: bech32 in Python costs more than a whole verification."""
    return _io_address(key.hash160, _address.hrp())
