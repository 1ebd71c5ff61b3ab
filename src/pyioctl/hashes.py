"""Legacy Keccak-256 (Ethereum's, not SHA3-256) and the hash160 IoTeX addresses use.

Keccak comes from safe-pysha3, a plain C extension: it loads in about 0.2 ms and hashes a
short input in 0.5 µs. pycryptodome's Keccak loads its C code through cffi, which parses
C declarations at import (20-40 ms, most of a CLI command's start-up budget) and takes
3.5 µs per hash through the FFI; `hashlib.sha3_256` is SHA-3, whose padding differs.
"""

from __future__ import annotations

from sha3 import keccak_256  # typed by typings/sha3.pyi


def keccak256(data: bytes) -> bytes:
    digest: bytes = keccak_256(data).digest()
    return digest


def hash160_of_public_point(point: bytes) -> bytes:
    """Last 20 bytes of Keccak-256 of X||Y (an uncompressed point without its 04 prefix)."""
    if len(point) == 65:
        point = point[1:]
    return keccak256(point)[12:]
