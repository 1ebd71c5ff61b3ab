"""Argument resolution (go-ioctl.md §3.3) and the signer routine (§5) of the wallet layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import OTHER_IO, VECTOR_ETH, VECTOR_IO, VECTOR_KEY
from pyioctl.config import ConfigFile
from pyioctl.errors import AddressError, ConfigError, KeystoreError, WrongPasswordError
from pyioctl.wallet import NO_DEFAULT_ACCOUNT, Wallet


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


def test_keystore_follows_the_wallet_setting(wallet, tmp_path: Path) -> None:
    wallet.set(wallet=str(tmp_path / "elsewhere"))
    w = Wallet(ConfigFile.open(wallet.directory))
    assert w.keystore.directory == tmp_path / "elsewhere"
    assert w.keystore.accounts() == []
