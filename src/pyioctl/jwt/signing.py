"""Issuing tokens byte-compatible with Go ioctl ``jwt sign`` (antenna-go ``SignJWT``).

Header and payload bytes equal Go's for the same inputs; only the signature differs,
because Go's nonce is random and ours is RFC 6979 with low S, which every verifier
(Go's included) accepts.
"""

from __future__ import annotations

import time

from .. import gojson
from ..keys import CURVE_ORDER, PrivateKey
from . import ek256k
from .claims import INT64_MAX, INT64_MIN
from .codec import b64url_encode

# RFC 8812 names secp256k1 + SHA-256 "ES256K"; IoTeX labels the same thing "ES256".
# "EK256K" is iotex-antenna's recoverable Keccak dialect (see ek256k.py).
ALGORITHMS = ("ES256", "ES256K", ek256k.ALG)
_HEADER_SEGMENTS = {
    alg: b64url_encode(f'{{"alg":"{alg}","typ":"JWT"}}'.encode()) for alg in ALGORITHMS
}


def _int64(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int (Unix seconds), not {type(value).__name__}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{name} is outside int64")
    return int(value)


def sign(
    key: PrivateKey,
    *,
    sub: str = "",
    scope: str = "",
    exp: int = 0,
    iat: int | None = None,
    alg: str = "ES256",
) -> str:
    """A compact token ``header.payload.signature`` signed by ``key``.

    ``exp`` is an absolute Unix time (0: no expiry); ``iat`` defaults to now. ``alg``
    ``"ES256"`` is what IoTeX tools expect; ``"ES256K"`` lets standard JOSE libraries
    verify the same token; ``"EK256K"`` is what iotex-antenna (JS, Java) verifies.
    """
    header = _HEADER_SEGMENTS.get(alg) if isinstance(alg, str) else None
    if header is None:
        raise ValueError(f"alg must be one of {', '.join(ALGORITHMS)}, not {alg!r}")
    if not isinstance(key, PrivateKey):
        raise TypeError(f"key must be a pyioctl.keys.PrivateKey, not {type(key).__name__}")
    for name, text in (("sub", sub), ("scope", scope)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, not {type(text).__name__}")
    exp = _int64("exp", exp)
    iat = _int64("iat", int(time.time()) if iat is None else iat)
    # Go's claims struct order and omitempty rules: aud, exp, jti, iat, iss, nbf, sub,
    # scope; ioctl never sets aud, jti or nbf.
    claims: dict[str, object] = {}
    if exp:
        claims["exp"] = exp
    if iat:
        claims["iat"] = iat
    if alg == ek256k.ALG:
        claims["iss"] = ek256k.issuer_claim(key.public_key)
    else:
        claims["iss"] = "0x" + key.public_key.hex()
    if sub:
        claims["sub"] = sub
    if scope:
        claims["scope"] = scope
    signing_input = header + "." + b64url_encode(gojson.dumps(claims).encode("utf-8"))
    data = signing_input.encode("ascii")
    signature = ek256k.sign(key, data) if alg == ek256k.ALG else key.sign(data)
    return signing_input + "." + b64url_encode(signature)


def twin_token(token: str, signature: bytes) -> str:
    """The token with its signature's S replaced by n - S. ECDSA accepts both, so anyone
    holding a token can make the other spelling, whose SHA-256 differs: revocation must
    look for both, or a revoked token comes back flipped."""
    s = int.from_bytes(signature[32:64], "big")
    flipped = signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big")
    if len(signature) == 65:
        # EK256K's r || s || v: n - S recovers the same key only with the other parity.
        flipped += bytes([signature[64] ^ 1])
    return token.rpartition(".")[0] + "." + b64url_encode(flipped)
