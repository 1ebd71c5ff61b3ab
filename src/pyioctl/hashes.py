"""Legacy Keccak-256 (Ethereum's, not SHA3-256) and the hash160 IoTeX addresses use."""

from __future__ import annotations

from Crypto.Hash import keccak as _keccak


def keccak256(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def hash160_of_public_point(point: bytes) -> bytes:
    """Last 20 bytes of Keccak-256 of X||Y (an uncompressed point without its 04 prefix)."""
    if len(point) == 65:
        point = point[1:]
    return keccak256(point)[12:]
