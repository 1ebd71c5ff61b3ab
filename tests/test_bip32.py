"""BIP-32/44 derivation (go-ioctl.md §9): paths, Go ioctl's vectors, btcutil's quirk."""

from __future__ import annotations

import hashlib

import pytest

from pyioctl import bip32
from pyioctl.bip32 import HARDENED
from pyioctl.bip39 import mnemonic_seed
from pyioctl.errors import DerivationPathError, InvalidMnemonicError
from vectors import ids
from vectors import vectors as _vectors

DERIVE_VECTORS = _vectors("hdwallet_derive")
ISSUE172_VECTORS = _vectors("hdwallet_derive_issue172")

PHRASE = DERIVE_VECTORS[0]["mnemonic"]
ENV = bip32.FIX_ISSUE_179_ENV


@pytest.fixture(autouse=True)
def _no_fix_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The developer's own environment must not flip the derivation under test.
    monkeypatch.delenv(ENV, raising=False)


def _signer_path(vec: dict) -> tuple[int, int, int]:
    return bip32.parse_path(vec["hdw_signer"].removeprefix("hdw::"))


# ---------------------------------------------------------------------------------------
# Derivation paths


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0/1/3", (0, 1, 3)),
        ("1/2", (0, 1, 2)),
        ("1/1/2", (1, 1, 2)),
        ("1/1/2", (1, 1, 2)),
        ("5/7", (0, 5, 7)),
        ("007/0/0", (7, 0, 0)),
        ("2147483647/4294967295/4294967295", (2**31 - 1, 2**32 - 1, 2**32 - 1)),
    ],
)
def test_parse_path(text: str, expected: tuple[int, int, int]) -> None:
    assert bip32.parse_path(text) == expected


@pytest.mark.parametrize("text", ["", "1", "1/2/3/4", "", "7", "0/1/3/"])
def test_path_with_wrong_part_count(text: str) -> None:
    with pytest.raises(DerivationPathError) as exc:
        bip32.parse_path(text)
    assert str(exc.value) == "derivation path error"
    assert exc.value.code == "invalid_path"


def _parse_uint_error(part: str, quoted: str, problem: str = "invalid syntax") -> str:
    return f"{part} must be integer value: strconv.ParseUint: parsing {quoted}: {problem}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a/b", _parse_uint_error("a", '"a"')),
        ("0/b", _parse_uint_error("b", '"b"')),
        ("-1/0", _parse_uint_error("-1", '"-1"')),
        ("+1/0", _parse_uint_error("+1", '"+1"')),
        ("1 /0", _parse_uint_error("1 ", '"1 "')),
        ("1_0/0", _parse_uint_error("1_0", '"1_0"')),
        ("0x1/0", _parse_uint_error("0x1", '"0x1"')),
        ("1.5/0", _parse_uint_error("1.5", '"1.5"')),
        ("/1", _parse_uint_error("", '""')),
        ("١/2", _parse_uint_error("١", '"١"')),
        ('a"\t/0', _parse_uint_error('a"\t', r'"a\"\t"')),
        ("4294967296/0", _parse_uint_error("4294967296", '"4294967296"', "value out of range")),
        (
            "0/0/99999999999",
            _parse_uint_error("99999999999", '"99999999999"', "value out of range"),
        ),
        # Go stops at the overflow before it sees the bad character.
        (
            "99999999999x/0",
            _parse_uint_error("99999999999x", '"99999999999x"', "value out of range"),
        ),
    ],
)
def test_path_part_not_uint32(text: str, message: str) -> None:
    with pytest.raises(DerivationPathError) as exc:
        bip32.parse_path(text)
    assert str(exc.value) == message


@pytest.mark.parametrize("account", [2**31, 2**31 + 5, 2**32 - 1])
def test_hardened_account_out_of_range(account: int) -> None:
    # Go ioctl panics here; the message is the one go-ethereum's path parser gives.
    with pytest.raises(DerivationPathError) as exc:
        bip32.parse_path(f"{account}/0/0")
    assert str(exc.value) == f"component {account} out of allowed hardened range [0, 2147483647]"
    with pytest.raises(DerivationPathError):
        bip32.derive_key(PHRASE, account, 0, 0)


# ---------------------------------------------------------------------------------------
# Derivation: ioctl vectors


@pytest.mark.parametrize("vec", DERIVE_VECTORS, ids=ids(DERIVE_VECTORS, "hdw_signer"))
@pytest.mark.parametrize("standard", [None, False, True])
def test_derive_vector(vec: dict, standard: bool | None) -> None:
    account, change, index = _signer_path(vec)
    key = bip32.derive_key(vec["mnemonic"], account, change, index, standard=standard)
    assert key.hex() == vec["private_key"]
    assert key.address == vec["io_address"]
    assert not bip32.derivation_differs(vec["mnemonic"], account, change, index)


@pytest.mark.parametrize("vec", DERIVE_VECTORS, ids=ids(DERIVE_VECTORS, "hdw_signer"))
def test_vector_path_is_bip44_iotex(vec: dict) -> None:
    account, change, index = _signer_path(vec)
    rendered = "m/" + "/".join(
        f"{i - HARDENED}'" if i >= HARDENED else str(i)
        for i in bip32.bip44_path(account, change, index)
    )
    assert rendered == vec["path"]


def _issue172_key(vec: dict, **kwargs: object) -> tuple[str, str]:
    account, change, index = _signer_path(vec)
    key = bip32.derive_key(vec["mnemonic"], account, change, index, **kwargs)
    return key.hex(), key.address


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_default_matches_go_ioctl(vec: dict) -> None:
    expected = (vec["ioctl_private_key"], vec["ioctl_io_address"])
    assert _issue172_key(vec) == expected
    assert _issue172_key(vec, standard=False) == expected


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_standard_bip32(vec: dict) -> None:
    expected = (vec["bip32_standard_private_key"], vec["bip32_standard_io_address"])
    assert _issue172_key(vec, standard=True) == expected


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_env_switch(vec: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "1")
    assert bip32.standard_derivation_enabled()
    assert _issue172_key(vec) == (
        vec["bip32_standard_private_key"],
        vec["bip32_standard_io_address"],
    )
    # An explicit choice wins over the environment.
    assert _issue172_key(vec, standard=False)[0] == vec["ioctl_private_key"]
    # Go tests for a non-empty value, so an empty one keeps the default.
    monkeypatch.setenv(ENV, "")
    assert not bip32.standard_derivation_enabled()
    assert _issue172_key(vec)[0] == vec["ioctl_private_key"]


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_is_flagged(vec: dict) -> None:
    account, change, index = _signer_path(vec)
    assert bip32.derivation_differs(vec["mnemonic"], account, change, index)
    # The vector's note: m/44'/304' starts with a zero byte, which btcutil drops.
    seed = mnemonic_seed(vec["mnemonic"])
    coin = bip32.derive_path(seed, [44 + HARDENED, 304 + HARDENED], standard=False)
    assert len(coin.key) < 32
    assert coin.secret[0] == 0


def test_change_and_index_from_2_31_derive_hardened() -> None:
    # Go ioctl's path parser takes uint32 change/index and btcutil hardens those >= 2^31.
    seed = mnemonic_seed(PHRASE)
    path = [44 + HARDENED, 304 + HARDENED, HARDENED, HARDENED, 2**32 - 1]
    expected = bip32.derive_path(seed, path, standard=False).secret
    assert bip32.derive_key(PHRASE, 0, 2**31, 2**32 - 1).secret == expected
    assert bip32.derive_key(PHRASE, 0, 2**31, 2**32 - 1) != bip32.derive_key(PHRASE, 0, 0, 0)


def test_derive_path_rejects_non_uint32_index() -> None:
    with pytest.raises(DerivationPathError):
        bip32.derive_path(bytes(16), [2**32], standard=True)


# ---------------------------------------------------------------------------------------
# Derivation: independent BIP-32 / btcutil vectors

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _xprv(text: str) -> tuple[bytes, bytes]:
    """(private key, chain code) of a base58check ``xprv``."""
    number = 0
    for ch in text:
        number = number * 58 + _B58.index(ch)
    raw = number.to_bytes(82, "big")
    payload, checksum = raw[:-4], raw[-4:]
    assert hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum
    assert payload[45] == 0
    return payload[46:78], payload[13:45]


H = HARDENED
# BIP-32 test vectors 1, 2 and 4 (bitcoin/bips bip-0032.mediawiki); 4 is the leading-zero case.
BIP32_SEED_1 = "000102030405060708090a0b0c0d0e0f"
BIP32_SEED_2 = (
    "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a2"
    "9f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542"
)
BIP32_SEED_4 = "3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678"
BIP32_VECTORS = [
    (
        BIP32_SEED_1,
        [],
        "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
    ),
    (
        BIP32_SEED_1,
        [H],
        "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7",
    ),
    (
        BIP32_SEED_1,
        [H, 1],
        "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs",
    ),
    (
        BIP32_SEED_1,
        [H, 1, H + 2],
        "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM",
    ),
    (
        BIP32_SEED_1,
        [H, 1, H + 2, 2],
        "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334",
    ),
    (
        BIP32_SEED_1,
        [H, 1, H + 2, 2, 1000000000],
        "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76",
    ),
    (
        BIP32_SEED_2,
        [0, H + 2147483647],
        "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgVsFawNzmjuHc2YmYRmagcEPdU9",
    ),
    (
        BIP32_SEED_2,
        [0, H + 2147483647, 1, H + 2147483646, 2],
        "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBYJUuekgW4BYPJcr9E7j",
    ),
    (
        BIP32_SEED_4,
        [H],
        "xprv9vB7xEWwNp9kh1wQRfCCQMnZUEG21LpbR9NPCNN1dwhiZkjjeGRnaALmPXCX7SgjFTiCTT6bXes17boXtjq3xLpcDjzEuGLQBM5ohqkao9G",
    ),
    (
        BIP32_SEED_4,
        [H, H + 1],
        "xprv9xJocDuwtYCMNAo3Zw76WENQeAS6WGXQ55RCy7tDJ8oALr4FWkuVoHJeHVAcAqiZLE7Je3vZJHxspZdFHfnBEjHqU5hG1Jaj32dVoS6XLT1",
    ),
]


@pytest.mark.parametrize(("seed", "path", "xprv"), BIP32_VECTORS)
def test_standard_bip32_vectors(seed: str, path: list[int], xprv: str) -> None:
    key, chain_code = _xprv(xprv)
    derived = bip32.derive_path(bytes.fromhex(seed), path, standard=True)
    assert (derived.secret, derived.chain_code) == (key, chain_code)


def test_non_standard_differs_only_after_a_short_key() -> None:
    seed = bytes.fromhex(BIP32_SEED_4)
    m_0h = bip32.derive_path(seed, [H], standard=False)
    assert m_0h.secret == _xprv(BIP32_VECTORS[-2][2])[0]  # the master key is kept at 32 bytes
    assert len(m_0h.key) == 31  # ... but children drop their leading zero byte
    child = bip32.derive_path(seed, [H, H + 1], standard=False)
    assert child.secret != _xprv(BIP32_VECTORS[-1][2])[0]


def test_btcutil_leading_zero_vector() -> None:
    # btcutil hdkeychain TestLeadingZero: values produced by Go's Derive and DeriveNonStandard.
    seed = bytes(28) + (399).to_bytes(4, "big")
    assert len(bip32.derive_path(seed, [H], standard=False).key) < 32
    standard = bip32.derive_path(seed, [H, H], standard=True)
    legacy = bip32.derive_path(seed, [H, H], standard=False)
    assert (
        standard.secret.hex() == "a9b6b30a5b90b56ed48728c73af1d8a7ef1e9cc372ec21afcc1d9bdf269b0988"
    )
    assert legacy.secret.hex() == "ea46d8f58eb863a2d371a938396af8b0babe85c01920f59a8044412e70e837ee"


@pytest.mark.parametrize("text", ["", "abandon " * 12])
def test_derive_key_rejects_bad_phrase(text: str) -> None:
    with pytest.raises(InvalidMnemonicError):
        bip32.derive_key(text, 0, 0, 0)
