"""``decode``: what a token says, for inspection; nothing in it is trusted."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from ..keys import PublicKey
from . import codec, ek256k
from .errors import TokenError
from .issuers import io_address, issuer_key


@dataclass(frozen=True, slots=True)
class UnverifiedToken:
    """A structurally sound token. Its signature, times and issuer are NOT checked."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signature: bytes
    signing_input: bytes
    public_key: PublicKey | None
    """The key ``iss`` names when it is a valid key in the token's dialect, else None."""

    @property
    def signature_hex(self) -> str:
        return self.signature.hex()

    @property
    def issuer_address(self) -> str | None:
        return None if self.public_key is None else io_address(self.public_key)


def decode(token: str | bytes, *, max_size: int = codec.DEFAULT_MAX_TOKEN_SIZE) -> UnverifiedToken:
    """Split and parse a token with ``verify``'s structural rules only.

    Works on expired tokens, bad signatures, any ``alg`` and any claim types, so a tool can
    show what a rejected token contains. Raises MalformedTokenError for what is not a
    token at all.
    """
    header_segment, payload, signature, signing_input = codec.split(token, max_size)
    header = codec.parse_header(header_segment)
    claims = codec.parse_object(payload, "claims")
    iss = claims.get("iss")
    public_key = None
    if type(iss) is str:
        with contextlib.suppress(TokenError):
            public_key = (ek256k.issuer_key if header.get("alg") == ek256k.ALG else issuer_key)(iss)
    return UnverifiedToken(header, claims, signature, signing_input, public_key)
