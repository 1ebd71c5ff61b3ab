"""Keccak-256 against pycryptodome's as an independent oracle, and the known vectors."""

from __future__ import annotations

from Crypto.Hash import keccak
from hypothesis import given
from hypothesis import strategies as st

from pyioctl.hashes import hash160_of_public_point, keccak256


def test_known_digests() -> None:
    # Keccak-256 of "", which SHA3-256 would give as a7ffc6f8…: the padding differs.
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert keccak256(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )


@given(st.binary(max_size=600))
def test_matches_pycryptodome(data: bytes) -> None:
    assert keccak256(data) == keccak.new(digest_bits=256, data=data).digest()


def test_hash160_takes_the_point_with_or_without_its_prefix() -> None:
    point = bytes(range(64))
    assert hash160_of_public_point(b"\x04" + point) == hash160_of_public_point(point)
    assert hash160_of_public_point(point) == keccak256(point)[12:]
