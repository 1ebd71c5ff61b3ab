"""Pinned issuers cost the same however they are passed (issue 12), and the memo behind
that never outlives what the caller passes: an edited list is honoured on the next call."""

from __future__ import annotations

import hashlib

import pytest

from pyioctl import jwt
from pyioctl.errors import AddressError
from pyioctl.jwt import issuers as issuers_module
from pyioctl.keys import PrivateKey

NOW = 1_700_000_000
ALICE, BOB = (PrivateKey.from_bytes(hashlib.sha256(n).digest()) for n in (b"alice", b"bob"))


def _token(key: PrivateKey) -> str:
    return jwt.sign(key, sub="s", exp=NOW + 60, iat=NOW)


def test_a_list_is_parsed_once_per_content() -> None:
    pinned = [ALICE.address, BOB.public_key]
    jwt.verify(_token(ALICE), issuers=pinned, now=NOW)
    before = issuers_module._compiled.cache_info()
    for _ in range(5):
        jwt.verify(_token(BOB), issuers=pinned, now=NOW)
    after = issuers_module._compiled.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 5


@pytest.mark.parametrize("kind", [list, set])
def test_an_edited_container_is_honoured(kind) -> None:
    pinned = kind([ALICE.address])
    assert jwt.verify(_token(ALICE), issuers=pinned, now=NOW).issuer_address == ALICE.address
    with pytest.raises(jwt.UntrustedIssuerError):
        jwt.verify(_token(BOB), issuers=pinned, now=NOW)
    pinned.add(BOB.address) if kind is set else pinned.append(BOB.address)
    assert jwt.verify(_token(BOB), issuers=pinned, now=NOW).issuer_address == BOB.address
    pinned.discard(ALICE.address) if kind is set else pinned.remove(ALICE.address)
    with pytest.raises(jwt.UntrustedIssuerError):
        jwt.verify(_token(ALICE), issuers=pinned, now=NOW)


def test_bad_members_still_get_their_own_errors() -> None:
    with pytest.raises(TypeError, match="not dict"):
        jwt.verify(_token(ALICE), issuers=[ALICE.address, {}], now=NOW)
    with pytest.raises(AddressError):
        jwt.verify(_token(ALICE), issuers=[ALICE.address, "io1nope"], now=NOW)
