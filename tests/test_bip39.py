"""BIP-39 phrases (go-ioctl.md §9) as go-bip39 checks them, and their seeds."""

from __future__ import annotations

import hashlib

import pytest
from mnemonic import Mnemonic

from pyioctl import bip39
from pyioctl.errors import InvalidMnemonicError
from vectors import ids
from vectors import vectors as _vectors

FILE_VECTORS = _vectors("hdwallet_file")
DERIVE_VECTORS = _vectors("hdwallet_derive")
ISSUE172_VECTORS = _vectors("hdwallet_derive_issue172")

PHRASE = DERIVE_VECTORS[0]["mnemonic"]


ENGLISH = Mnemonic("english")
VALID_BY_LENGTH = {n: ENGLISH.to_mnemonic(bytes(range(n * 4 // 3))) for n in (12, 15, 18, 21, 24)}


@pytest.mark.parametrize("words", sorted(VALID_BY_LENGTH))
def test_valid_phrases_of_every_length(words: int) -> None:
    phrase = VALID_BY_LENGTH[words]
    assert len(phrase.split()) == words
    assert bip39.validate_mnemonic(phrase) == phrase


def test_vector_phrases_are_valid() -> None:
    for vec in [*DERIVE_VECTORS, *ISSUE172_VECTORS, *FILE_VECTORS]:
        assert bip39.validate_mnemonic(vec["mnemonic"]) == vec["mnemonic"]


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=ids(ISSUE172_VECTORS, "entropy_hex"))
def test_mnemonic_package_agrees_with_vector_entropy(vec: dict) -> None:
    entropy = bytes.fromhex(vec["entropy_hex"])
    assert ENGLISH.to_mnemonic(entropy) == vec["mnemonic"]
    assert bytes(ENGLISH.to_entropy(vec["mnemonic"])) == entropy


@pytest.mark.parametrize("text", ["\n" + PHRASE + "\r\n", "\t " + PHRASE + " \u3000"])
def test_surrounding_whitespace_is_trimmed(text: str) -> None:
    assert bip39.validate_mnemonic(text) == PHRASE


_WORDS = PHRASE.split()
INVALID_PHRASES = {
    "unknown word": " ".join([*_WORDS[:-1], "notaword"]),
    "bad checksum": " ".join([*_WORDS[:-1], "abandon"]),
    "11 words": " ".join(_WORDS[:-1]),
    "13 words": " ".join([*_WORDS, "abandon"]),
    "25 words": " ".join(["abandon"] * 25),
    "empty": "",
    "blank": "   ",
    "upper case": PHRASE.upper(),
    "full-width letters": PHRASE.replace("lake", "ｌａｋｅ"),
    "comma separated": PHRASE.replace(" ", ","),
}


@pytest.mark.parametrize("text", INVALID_PHRASES.values(), ids=INVALID_PHRASES.keys())
def test_invalid_phrase(text: str) -> None:
    with pytest.raises(InvalidMnemonicError) as exc:
        bip39.validate_mnemonic(text)
    assert str(exc.value) == "Invalid mnenomic"
    assert exc.value.code == "invalid_mnemonic"


@pytest.mark.parametrize("sep", ["  ", "\t", " \n "])
def test_odd_inner_whitespace_is_checksum_incorrect(sep: str) -> None:
    text = PHRASE.replace(" ", sep, 1)
    assert bip39.is_valid_mnemonic(text)  # go-bip39's IsMnemonicValid splits on any space
    with pytest.raises(InvalidMnemonicError, match=r"^Checksum incorrect$"):
        bip39.validate_mnemonic(text)


def test_generate_mnemonic() -> None:
    phrases = {bip39.generate_mnemonic() for _ in range(3)}
    assert len(phrases) == 3
    for phrase in phrases:
        assert len(phrase.split(" ")) == 12
        assert bip39.validate_mnemonic(phrase) == phrase


def test_seed_is_bip39_with_empty_passphrase() -> None:
    for vec in [*DERIVE_VECTORS, *ISSUE172_VECTORS]:
        assert bip39.mnemonic_seed(vec["mnemonic"]) == Mnemonic.to_seed(vec["mnemonic"])


def test_seed_uses_phrase_bytes_as_stored() -> None:
    # No NFKD: an NBSP separator would become a space under normalisation.
    odd = PHRASE.replace(" ", "\xa0", 1)
    raw = hashlib.pbkdf2_hmac("sha512", odd.encode(), b"mnemonic", 2048, 64)
    assert bip39.mnemonic_seed(odd) == raw != Mnemonic.to_seed(odd)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "mnemonic is required"), ("abandon " * 12, "mnemonic is invalid")],
)
def test_seed_rejects_bad_phrase(text: str, message: str) -> None:
    with pytest.raises(InvalidMnemonicError, match=f"^{message}$"):
        bip39.mnemonic_seed(text)
