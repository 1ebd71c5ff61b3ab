"""The "EK256K" dialect that iotex-antenna (JavaScript ``jwt.sign``, Java ``EK256K``) makes.

The signing input ``b64url(header).b64url(payload)`` is hashed as an IoTeX signed message,
``keccak256("\\x16IoTeX Signed Message:\\n" + len + input)``, and signed recoverably: the
signature is the 65 bytes ``r || s || v`` with ``v`` the raw recovery id (0 or 1), and
``iss`` is the bare 130-digit uncompressed key. antenna's own ``verify`` recovers the
signer and compares addresses; pyioctl recovers against the pinned key the same way, so
a token antenna refuses for a wrong ``v`` is refused here too.
"""

from __future__ import annotations

from functools import lru_cache

from coincurve._libsecp256k1 import ffi, lib

from ..errors import KeyFormatError
from ..keys import _CTX, PrivateKey, PublicKey, iotex_message_digest, is_low_s
from .errors import GO_BAD_SIGNATURE, BadSignatureError, MalformedTokenError

ALG = "EK256K"
_LOWER_HEX = frozenset("0123456789abcdef")


def sign(key: PrivateKey, signing_input: bytes) -> bytes:
    """The 65-byte ``r || s || v`` antenna's ``Account.sign`` makes (RFC 6979, low S)."""
    return key.sign_recoverable_digest(iotex_message_digest(signing_input))


def issuer_claim(key: PublicKey) -> str:
    """``iss`` as antenna writes it (and its ``verify`` needs): no ``0x``."""
    return key.hex()


@lru_cache(maxsize=4096)
def issuer_key(iss: str) -> PublicKey:
    """The key of an EK256K ``iss``: ``04`` and 128 lowercase hex digits, as antenna
    writes it, or the same with ``0x`` (the Java SDK reads both)."""
    digits = iss[2:] if iss[:2] == "0x" else iss
    if len(digits) != 130 or digits[:2] != "04" or not _LOWER_HEX.issuperset(digits):
        raise MalformedTokenError(
            "claim 'iss' must be 04 followed by 128 lowercase hex digits, with or without 0x"
        )
    try:
        return PublicKey.from_bytes(bytes.fromhex(digits))
    except KeyFormatError:
        raise MalformedTokenError("claim 'iss' is not a point on secp256k1") from None


def check_signature(key: PublicKey, signing_input: bytes, sig: bytes, strict: bool) -> None:
    """Recover the signer and compare it with ``key``: one libsecp256k1 recovery, which
    also proves ``v`` right (a flipped ``v`` recovers another key, as in antenna)."""
    if len(sig) != 65 or sig[64] > 1:
        # antenna writes v as the raw recovery id; 27/28 and the overflow ids 2/3 never
        # come from it, and accepting them would give one token several spellings.
        raise BadSignatureError(GO_BAD_SIGNATURE)
    if strict and not is_low_s(sig):
        raise BadSignatureError("signature S is high, which strict mode refuses")
    parsed = ffi.new("secp256k1_ecdsa_recoverable_signature *")
    # parse_compact rejects r or s >= n; recover rejects r or s == 0.
    if not lib.secp256k1_ecdsa_recoverable_signature_parse_compact(_CTX, parsed, sig, sig[64]):
        raise BadSignatureError(GO_BAD_SIGNATURE)
    recovered = ffi.new("secp256k1_pubkey *")
    if (
        not lib.secp256k1_ecdsa_recover(
            _CTX, recovered, parsed, iotex_message_digest(signing_input)
        )
        or lib.secp256k1_ec_pubkey_cmp(_CTX, recovered, key._point.public_key) != 0
    ):
        raise BadSignatureError(GO_BAD_SIGNATURE)
