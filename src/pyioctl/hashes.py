"""Legacy Keccak-256 (Ethereum's, not SHA3-256) and the hash160 IoTeX addresses use."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _keccak_module() -> Any:
    # pycryptodome loads its C code through cffi, which parses declarations at import
    # (~40 ms); commands that never hash (account list, alias, config) skip that cost.
    from Crypto.Hash import keccak

    return keccak


def keccak256(data: bytes) -> bytes:
    return _keccak_module().new(digest_bits=256, data=data).digest()


def hash160_of_public_point(point: bytes) -> bytes:
    """Last 20 bytes of Keccak-256 of X||Y (an uncompressed point without its 04 prefix)."""
    if len(point) == 65:
        point = point[1:]
    return keccak256(point)[12:]
