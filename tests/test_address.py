"""io addresses (go-ioctl.md §3): bech32 encoding, parsing errors, testnet HRP, EIP-55, hashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import VECTOR_IO
from pyioctl import address
from pyioctl.errors import AddressError
from pyioctl.hashes import hash160_of_public_point, keccak256
from pyioctl.keys import PrivateKey, PublicKey
from vectors import ids, vector, vectors

ADDRESS = vectors("address")
PARSE = vector("address_parse")


@pytest.mark.parametrize("v", ADDRESS, ids=ids(ADDRESS, "io_address"))
def test_address_vector(v: dict) -> None:
    key = PrivateKey.from_hex(v["private_key"])
    assert key.public_key.hex() == v["public_key"]
    assert key.address == v["io_address"]
    assert key.eth_address == v["eth_address_eip55"]
    hash160 = bytes.fromhex(v["eth_address_lower"][2:])
    assert key.public_key.hash160 == hash160
    assert address.eth_lower(hash160) == v["eth_address_lower"]
    assert address.eth_checksum(hash160) == v["eth_address_eip55"]
    assert address.from_hash160(hash160) == v["io_address"]
    assert address.to_hash160(v["io_address"]) == hash160
    # From the public key alone, in both accepted encodings.
    assert PublicKey.from_hex(v["public_key"]).address == v["io_address"]
    assert PublicKey.from_hex(v["public_key"][2:]).eth_address == v["eth_address_eip55"]


@pytest.mark.parametrize("v", vectors("ethaddr"), ids=lambda v: v["io_address"])
def test_ethaddr_vector(v: dict) -> None:
    hash160 = address.to_hash160(v["io_address"])
    assert address.eth_checksum(hash160) == v["eth_address_eip55"]
    assert address.parse_eth_hex(v["eth_address_eip55"]) == hash160


HASH160 = vectors("address_from_hash160")


@pytest.mark.parametrize("v", HASH160, ids=ids(HASH160, "name"))
def test_address_from_hash160_vector(v: dict) -> None:
    raw = bytes.fromhex(v["hash160"])
    assert address.from_hash160(raw) == v["io_address"]
    assert address.to_hash160(v["io_address"]) == raw
    assert address.is_valid(v["io_address"])


@pytest.mark.parametrize("case", PARSE["cases"], ids=ids(PARSE["cases"], "input"))
def test_address_parse_vector(case: dict) -> None:
    text = case["input"]
    if case["ok"] and text in address.SPECIAL_ADDRESSES:
        # Valid everywhere an io address is validated, but it has no 20-byte form: Go
        # panics where it needs the bytes; we raise a clean AddressError.
        assert address.is_valid(text)
        with pytest.raises(AddressError, match="protocol address"):
            address.to_hash160(text)
    elif case["ok"]:
        assert address.to_hash160(text).hex() == case["hex"].removeprefix("0x")
        assert address.is_valid(text)
    else:
        with pytest.raises(AddressError) as info:
            address.to_hash160(text)
        assert str(info.value) == case["error"]
        assert not address.is_valid(text)


@pytest.mark.parametrize("network", ["testnet", "TESTNET", "TestNet"])
def test_address_parse_testnet_vector(monkeypatch: pytest.MonkeyPatch, network: str) -> None:
    testnet = PARSE["testnet"]
    assert testnet["env"] == "IOTEX_NETWORK_TYPE=testnet"
    monkeypatch.setenv("IOTEX_NETWORK_TYPE", network)
    raw = bytes.fromhex(testnet["hash160"])
    assert address.hrp() == "it"
    assert address.from_hash160(raw) == testnet["address"]
    assert address.to_hash160(testnet["address"]) == raw
    # The HRP applies to decoding too: the mainnet form is then rejected.
    assert not address.is_valid(VECTOR_IO)
    with pytest.raises(AddressError, match=r"invalid address$"):
        address.to_hash160(VECTOR_IO)
    assert (
        PrivateKey.from_hex(vector("keystore_v3_ioctl_params")["private_key"]).address
        == (testnet["address"])
    )


def test_testnet_address_is_rejected_on_mainnet() -> None:
    with pytest.raises(AddressError, match="hrp it and address prefix io don't match"):
        address.to_hash160(PARSE["testnet"]["address"])


@pytest.mark.parametrize("value", ["", "mainnet", "test", "testnet2"])
def test_other_network_values_mean_mainnet(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("IOTEX_NETWORK_TYPE", value)
    assert address.hrp() == "io"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8", "address length = 40, expecting 41"),
        ("io1" + "q" * 38, "checksum failed"),
        ("io1" + "b" * 38, "invalid character not part of charset: 98"),
        ("io1" + "q" * 31 + "é" + "q" * 6, "invalid character in string"),
        ("io1" + "q" * 31 + " " + "q" * 6, "invalid character in string"),
        ("io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfaM8j", "not all lowercase or all uppercase"),
        ("iox87wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j", "invalid index of 1"),
        ("ix187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j", "checksum failed"),
        ("q" * 41, "invalid index of 1"),
        ("io00000000000000000000000stakingprotocol1", "invalid"),
    ],
)
def test_parse_errors(text: str, error: str) -> None:
    with pytest.raises(AddressError, match=error):
        address.to_hash160(text)
    assert not address.is_valid(text)


def test_non_zero_padding_bits_are_rejected() -> None:
    # A 20-byte hash leaves 0 spare bits in 32 groups… but a 33-group payload is 165 bits.
    data = [0] * 33
    prefix = "io"
    checksum = address._checksum(prefix, data)
    text = prefix + "1" + "".join(address._CHARSET[d] for d in data + checksum)
    with pytest.raises(AddressError):
        address.to_hash160(text)


def test_from_hash160_needs_20_bytes() -> None:
    with pytest.raises(AddressError):
        address.from_hash160(bytes(19))


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=20, max_size=20))
def test_round_trip(raw: bytes) -> None:
    text = address.from_hash160(raw)
    assert len(text) == 41 and text.startswith("io1")
    assert address.to_hash160(text) == raw
    assert address.to_hash160(text.upper()) == raw


# EIP-55's own examples: an independent check of the checksum casing.
@pytest.mark.parametrize(
    "eip55",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0xde709f2102306220921060314715629080e2fb77",
    ],
)
def test_eip55_examples(eip55: str) -> None:
    assert address.eth_checksum(bytes.fromhex(eip55[2:])) == eip55


@pytest.mark.parametrize(
    "text",
    [
        "0x3f9c20bcec9de520d88d98cbe07ee7b5ded0dac",
        "0x3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4a",
        "0x3f9c20bcec9de520d88d98cbe07ee7b5ded0dacg",
        "0x",
        "xx3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4",
    ],
)
def test_not_eth_hex(text: str) -> None:
    assert address.parse_eth_hex(text) is None


def test_hash_vector() -> None:
    v = vector("hash")
    digest = keccak256(v["input_utf8"].encode())
    assert digest.hex() == v["hash256b_keccak256"]
    assert digest[12:].hex() == v["hash160b_last20"]
    # Keccak-256, not SHA3-256.
    import hashlib

    assert hashlib.sha3_256(v["input_utf8"].encode()).hexdigest() != v["hash256b_keccak256"]


def test_hash160_of_public_point_accepts_both_forms() -> None:
    pub = bytes.fromhex(vectors("address")[0]["public_key"])
    assert hash160_of_public_point(pub) == hash160_of_public_point(pub[1:])
    assert address.from_hash160(hash160_of_public_point(pub)) == vectors("address")[0]["io_address"]
