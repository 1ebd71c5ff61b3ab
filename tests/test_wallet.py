"""Argument resolution (go-ioctl.md §3.3) and the signer routine (§5) of the wallet layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import OTHER_IO, VECTOR_ETH, VECTOR_IO, VECTOR_KEY
from pyioctl import address
from pyioctl.config import Config, ConfigFile
from pyioctl.errors import (
    AddressError,
    ConfigError,
    DerivationPathError,
    HDWalletNotFoundError,
    KeystoreError,
    WrongPasswordError,
)
from pyioctl.gocompat import byte_length
from pyioctl.wallet import NO_DEFAULT_ACCOUNT, Wallet
from vectors import ids, vector, vectors

PARSE = vector("address_parse")


@pytest.fixture
def w(wallet, light_account) -> Wallet:
    wallet.set_alias("other", OTHER_IO)
    return Wallet(ConfigFile.open(wallet.directory))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k1", VECTOR_IO),
        ("other", OTHER_IO),
        (VECTOR_IO, VECTOR_IO),
        (VECTOR_IO.upper(), VECTOR_IO.upper()),  # kept verbatim, as Go
        (VECTOR_ETH, VECTOR_IO),
        (VECTOR_ETH.lower(), VECTOR_IO),
        (VECTOR_ETH[2:], VECTOR_IO),
        ("0X" + VECTOR_ETH[2:].upper(), VECTOR_IO),
        ("io000000000000000000000000stakingprotocol", "io000000000000000000000000stakingprotocol"),
    ],
)
def test_resolve(w: Wallet, text: str, expected: str) -> None:
    assert w.resolve(text) == expected


@pytest.fixture
def bare() -> Wallet:
    """A wallet with no aliases and no files: resolution of addresses alone."""
    return Wallet(ConfigFile(Path("/nonexistent"), Config()))


@pytest.mark.parametrize("v", vectors("address"), ids=ids(vectors("address"), "io_address"))
def test_resolve_address_vector(bare: Wallet, v: dict) -> None:
    # The 0x forms (checksummed or not) give the io address.
    assert bare.resolve(v["eth_address_eip55"]) == v["io_address"]
    assert bare.resolve(v["eth_address_lower"]) == v["io_address"]


@pytest.mark.parametrize("v", vectors("ethaddr"), ids=lambda v: v["io_address"])
def test_resolve_ethaddr_vector(bare: Wallet, v: dict) -> None:
    assert bare.resolve(v["eth_address_eip55"]) == v["io_address"]


@pytest.mark.parametrize("case", PARSE["cases"], ids=ids(PARSE["cases"], "input"))
def test_resolve_address_parse_vector(bare: Wallet, case: dict) -> None:
    text = case["input"]
    if case["ok"]:
        assert bare.resolve(text) == text  # upper case kept verbatim (go-ioctl.md §3.2.5)
    elif byte_length(text) >= address.ADDRESS_LENGTH:
        with pytest.raises(AddressError, match="invalid IoTeX address"):
            bare.resolve(text)
    else:  # shorter than an address: a name, and there is no such alias
        with pytest.raises(ConfigError, match="cannot find address for alias"):
            bare.resolve(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=20, max_size=20))
def test_resolve_round_trip(raw: bytes) -> None:
    bare = Wallet(ConfigFile(Path("/nonexistent"), Config()))
    assert bare.resolve(address.eth_checksum(raw)) == address.from_hash160(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4", VECTOR_IO),
        ("0X3F9C20BCEC9DE520D88D98CBE07EE7B5DED0DAC4", VECTOR_IO),
        ("3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4", VECTOR_IO),
        ("0x3f9C20BCeC9dE520d88d98CbE07ee7b5dEd0dAc4", VECTOR_IO),
        # No checksum validation, as in ioctl: wrong casing still converts.
        ("0x3F9c20bcec9de520d88d98cbe07ee7b5ded0dac4", VECTOR_IO),
    ],
)
def test_resolve_eth_hex_forms(bare: Wallet, text: str, expected: str) -> None:
    assert bare.resolve(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        VECTOR_IO[:-1] + "k",  # bad checksum
        "Io" + VECTOR_IO[2:],  # mixed case
        "it" + VECTOR_IO[2:],  # wrong HRP
        VECTOR_IO + "q",  # too long
        "x" * 41,
        "中" * 14,  # 42 bytes: Go measures bytes, so this is "an address"
    ],
)
def test_resolve_long_input_must_be_an_address(w: Wallet, text: str) -> None:
    with pytest.raises(AddressError) as info:
        w.resolve(text)
    assert str(info.value) == f"{text}: invalid IoTeX address"


@pytest.mark.parametrize("text", ["nope", "", VECTOR_IO[:-1], "\udcff"])
def test_resolve_unknown_alias(w: Wallet, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        w.resolve(text)
    assert str(info.value) == f"cannot find address for alias {text}"


def test_forty_hex_alias_can_never_resolve(wallet, light_account) -> None:
    hex_name = "ab" * 20
    wallet.set_alias(hex_name, VECTOR_IO)
    w = Wallet(ConfigFile.open(wallet.directory))
    # Rule 1 (40 hex digits are an Ethereum address) wins over the alias table.
    assert w.resolve(hex_name) == "io14w46h2at4w46h2at4w46h2at4w46h2atzulwd7"


def test_resolve_or_default(wallet, light_account) -> None:
    w = Wallet(ConfigFile.open(wallet.directory))
    with pytest.raises(ConfigError) as info:
        w.resolve_or_default("")
    assert str(info.value) == NO_DEFAULT_ACCOUNT
    wallet.set(default_account="k1")
    w = Wallet(ConfigFile.open(wallet.directory))
    assert w.resolve_or_default("") == VECTOR_IO
    assert w.resolve_or_default(None) == VECTOR_IO
    assert w.resolve_or_default(VECTOR_ETH) == VECTOR_IO


@pytest.mark.parametrize(
    ("text", "expected"),
    [("k1", VECTOR_IO), (VECTOR_ETH, VECTOR_IO), ("hdw::0/1/3", "hdw::0/1/3"),
     ("HDW::1/2", "HDW::1/2"), (None, VECTOR_IO)],
)  # fmt: skip
def test_resolve_signer(wallet, light_account, text: str | None, expected: str) -> None:
    wallet.set(default_account="k1")
    assert Wallet(ConfigFile.open(wallet.directory)).resolve_signer(text) == expected


def test_resolve_signer_default_may_be_an_hdw_path(wallet) -> None:
    wallet.set(default_account="hdw::0/0/1")
    assert Wallet(ConfigFile.open(wallet.directory)).resolve_signer(None) == "hdw::0/0/1"


def test_resolve_signer_without_default(wallet, light_account) -> None:
    w = Wallet(ConfigFile.open(wallet.directory))
    with pytest.raises(ConfigError) as info:
        w.resolve_signer(None)
    assert info.value.code == "no_default_account"
    # A typed empty name is a name, as in Go's util.Address: not the default account.
    wallet.set(default_account="k1")
    with pytest.raises(ConfigError, match="cannot find address for alias"):
        Wallet(ConfigFile.open(wallet.directory)).resolve_signer("")


def test_alias_of(wallet, light_account) -> None:
    wallet.set_alias("b", VECTOR_IO)
    wallet.set_alias("a", VECTOR_IO)
    w = Wallet(ConfigFile.open(wallet.directory))
    assert w.alias_of(VECTOR_IO) == "a"
    assert w.alias_of(OTHER_IO) == ""


def test_find_account(w: Wallet, light_account) -> None:
    assert w.find_account(VECTOR_IO).path == light_account.path
    assert w.find_account(OTHER_IO) is None
    assert w.find_account("not an address") is None
    assert w.find_account("io000000000000000000000000stakingprotocol") is None


def test_unlock_asks_with_ioctls_prompt(w: Wallet) -> None:
    asked = []
    key = w.unlock(VECTOR_IO, None, lambda text: asked.append(text) or "pw")
    assert key.hex() == VECTOR_KEY
    assert asked == [f"Enter password for #{VECTOR_IO}:\n"]


def test_unlock_with_a_given_password_does_not_ask(w: Wallet) -> None:
    def never(text: str) -> str:
        raise AssertionError(text)

    assert w.unlock(VECTOR_IO, "pw", never).hex() == VECTOR_KEY


def test_unlock_wrong_password(w: Wallet, light_account) -> None:
    before = light_account.path.read_bytes()
    with pytest.raises(WrongPasswordError, match="could not decrypt key with given password"):
        w.unlock(VECTOR_IO, "nope", lambda _: "")
    assert light_account.path.read_bytes() == before


@pytest.mark.parametrize(
    "signer", [OTHER_IO, "k1", "", "io000000000000000000000000stakingprotocol"]
)
def test_unlock_unknown_signer(w: Wallet, signer: str) -> None:
    with pytest.raises(KeystoreError) as info:
        w.unlock(signer, "pw", lambda _: "pw")
    assert str(info.value) == f"invalid address #{signer}"


def test_unlock_hdw_signer_errors_are_the_librarys(w: Wallet) -> None:
    # Go's wording ("invalid HDWallet key format: …") is the CLI's (cli/signer.py).
    def never(_: str) -> str:
        raise AssertionError("asked for a password")

    with pytest.raises(DerivationPathError, match=r"^derivation path error$"):
        w.unlock("HDW::1", None, never)
    with pytest.raises(HDWalletNotFoundError, match=r"^open .*hdwallet: no such file"):
        w.unlock("hdw::0/1/3", "pw", never)


def test_keystore_follows_the_wallet_setting(wallet, tmp_path: Path) -> None:
    wallet.set(wallet=str(tmp_path / "elsewhere"))
    w = Wallet(ConfigFile.open(wallet.directory))
    assert w.keystore.directory == tmp_path / "elsewhere"
    assert w.keystore.accounts() == []
