"""secp256k1 key pairs as IoTeX uses them (go-ioctl.md §3, §5.1), on libsecp256k1 via coincurve.

Signatures here are the 64-byte ``r || s`` of JWTs and the 65-byte ``r || s || v`` of
``ioctl account sign``. libsecp256k1 only accepts low-S signatures, while Go's
crypto/ecdsa emits high-S about half of the time; ``PublicKey.verify`` normalises S first
unless ``strict`` asks for the canonical form only.
"""

from __future__ import annotations

import hashlib
from functools import cached_property

import coincurve
from coincurve._libsecp256k1 import (  # typed by typings/
    ffi,
    lib,
)
from coincurve.context import GLOBAL_CONTEXT

from . import address as _address
from .errors import KeyFormatError
from .hashes import hash160_of_public_point, keccak256

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_ORDER = CURVE_ORDER // 2

_CTX = GLOBAL_CONTEXT.ctx
_ETH_MESSAGE_PREFIX = b"\x19Ethereum Signed Message:\n"
# iotex-antenna (JS, Java) and antenna-go sign messages with this preamble instead.
_IOTEX_MESSAGE_PREFIX = b"\x16IoTeX Signed Message:\n"
MESSAGE_PREFIXES = ("eth", "iotex")


def _strip_0x(text: str) -> str:
    return text[2:] if text[:2] in ("0x", "0X") else text


def eth_message_digest(data: bytes) -> bytes:
    """EIP-191 personal_sign digest, the hash ``ioctl account sign`` signs."""
    return keccak256(_ETH_MESSAGE_PREFIX + str(len(data)).encode() + data)


def iotex_message_digest(data: bytes) -> bytes:
    """The digest iotex-antenna's ``Account.sign`` signs (and EK256K tokens use)."""
    return keccak256(_IOTEX_MESSAGE_PREFIX + str(len(data)).encode() + data)


def message_digest(data: bytes, prefix: str = "eth") -> bytes:
    """``eth`` (Go ioctl's ``account sign``) or ``iotex`` (antenna's ``Account.sign``)."""
    if prefix == "eth":
        return eth_message_digest(data)
    if prefix == "iotex":
        return iotex_message_digest(data)
    raise ValueError(f"message prefix must be one of {MESSAGE_PREFIXES}, not {prefix!r}")


def is_low_s(signature: bytes) -> bool:
    return int.from_bytes(signature[32:64], "big") <= HALF_ORDER


class PublicKey:
    """An uncompressed secp256k1 public key (65 bytes ``04 || X || Y``)."""

    __slots__ = ("__dict__", "_point", "raw")

    def __init__(self, point: coincurve.PublicKey) -> None:
        self._point = point
        self.raw: bytes = point.format(compressed=False)

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        """65-byte ``04…`` or 64-byte ``X || Y``; points off the curve are rejected."""
        if len(data) == 64:
            data = b"\x04" + data
        if len(data) != 65 or data[0] != 4:
            raise KeyFormatError("invalid public key: expected 65 bytes 04||X||Y or 64 bytes X||Y")
        try:
            return cls(coincurve.PublicKey(data))
        except ValueError:
            raise KeyFormatError("invalid secp256k1 public key: not a point on the curve") from None

    @classmethod
    def from_hex(cls, text: str) -> PublicKey:
        """Hex with or without ``0x``: 130 digits (``04…``) or 128 digits (X || Y)."""
        try:
            data = bytes.fromhex(_strip_0x(text.strip()))
        except ValueError:
            raise KeyFormatError("invalid public key: not hex") from None
        return cls.from_bytes(data)

    def hex(self) -> str:
        return self.raw.hex()

    @cached_property
    def hash160(self) -> bytes:
        return hash160_of_public_point(self.raw)

    @property
    def address(self) -> str:
        return _address.from_hash160(self.hash160)

    @property
    def eth_address(self) -> str:
        return _address.eth_checksum(self.hash160)

    def verify_digest(self, digest: bytes, signature: bytes, *, strict: bool = False) -> bool:
        """ECDSA-verify a 32-byte digest against a 64-byte ``r || s`` signature."""
        if len(signature) != 64 or len(digest) != 32:
            return False
        sig = ffi.new("secp256k1_ecdsa_signature *")
        # parse_compact rejects r or s >= n; verify rejects r or s == 0.
        if not lib.secp256k1_ecdsa_signature_parse_compact(_CTX, sig, signature):
            return False
        if not strict:
            lib.secp256k1_ecdsa_signature_normalize(_CTX, sig, sig)
        return bool(lib.secp256k1_ecdsa_verify(_CTX, sig, digest, self._point.public_key))

    def verify(self, message: bytes, signature: bytes, *, strict: bool = False) -> bool:
        """ECDSA over SHA-256 of ``message``; high-S accepted unless ``strict``."""
        return self.verify_digest(hashlib.sha256(message).digest(), signature, strict=strict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"PublicKey({self.address})"


class PrivateKey:
    """A secp256k1 private key. Its repr never shows the secret."""

    __slots__ = ("__dict__", "_key")

    def __init__(self, key: coincurve.PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(coincurve.PrivateKey())

    @classmethod
    def from_bytes(cls, secret: bytes) -> PrivateKey:
        """A 32-byte big-endian scalar with 0 < d < n (shorter values are left-padded)."""
        if len(secret) > 32:
            raise KeyFormatError(f"invalid private key length {len(secret)}, expecting 32 bytes")
        secret = secret.rjust(32, b"\x00")
        if not 0 < int.from_bytes(secret, "big") < CURVE_ORDER:
            raise KeyFormatError("invalid private key: value out of range")
        return cls(coincurve.PrivateKey(secret))

    @classmethod
    def from_hex(cls, text: str) -> PrivateKey:
        """64 hex digits, with or without ``0x``."""
        digits = _strip_0x(text.strip())
        if len(digits) != 64:
            raise KeyFormatError(f"invalid private key length {len(digits)}, expecting 64 hex")
        try:
            secret = bytes.fromhex(digits)
        except ValueError:
            raise KeyFormatError("invalid private key: not hex") from None
        return cls.from_bytes(secret)

    @property
    def secret(self) -> bytes:
        return self._key.secret

    def hex(self) -> str:
        return self._key.secret.hex()

    @cached_property
    def public_key(self) -> PublicKey:
        return PublicKey(self._key.public_key)

    @property
    def address(self) -> str:
        return self.public_key.address

    @property
    def eth_address(self) -> str:
        return self.public_key.eth_address

    def sign_digest(self, digest: bytes) -> bytes:
        """64-byte ``r || s``: RFC 6979 deterministic nonce, low S."""
        sig = ffi.new("secp256k1_ecdsa_signature *")
        if not lib.secp256k1_ecdsa_sign(_CTX, sig, digest, self._key.secret, ffi.NULL, ffi.NULL):
            raise KeyFormatError("signing failed")
        out = ffi.new("unsigned char[64]")
        lib.secp256k1_ecdsa_signature_serialize_compact(_CTX, out, sig)
        return bytes(ffi.buffer(out, 64))

    def sign(self, message: bytes) -> bytes:
        """64-byte ``r || s`` over SHA-256 of ``message`` (the JWT signature)."""
        return self.sign_digest(hashlib.sha256(message).digest())

    def sign_recoverable_digest(self, digest: bytes) -> bytes:
        """65-byte ``r || s || v`` with v in {0, 1}, as go-ethereum ``crypto.Sign``."""
        return self._key.sign_recoverable(digest, hasher=None)

    def sign_message(self, data: bytes, prefix: str = "eth") -> bytes:
        """Exactly ``ioctl account sign``: EIP-191 digest of ``data``, ``r || s || v``;
        with ``prefix="iotex"`` exactly antenna's ``Account.sign``."""
        return self.sign_recoverable_digest(message_digest(data, prefix))

    def __repr__(self) -> str:
        return f"PrivateKey({self.address})"


def recover_digest_signer(digest: bytes, signature: bytes) -> PublicKey:
    """Public key that made a 65-byte ``r || s || v`` signature (v 0/1 or 27/28)."""
    if len(signature) != 65:
        raise KeyFormatError("recoverable signature must be 65 bytes")
    v = signature[64]
    if v >= 27:
        v -= 27
    if v not in (0, 1, 2, 3):
        raise KeyFormatError("invalid recovery id")
    try:
        point = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([v]), digest, hasher=None
        )
    except ValueError:
        raise KeyFormatError("signature does not recover to a public key") from None
    return PublicKey(point)


def recover_message_signer(data: bytes, signature: bytes, prefix: str = "eth") -> PublicKey:
    """Signer of an ``ioctl account sign`` (or, ``iotex``, antenna) signature over ``data``."""
    return recover_digest_signer(message_digest(data, prefix), signature)
