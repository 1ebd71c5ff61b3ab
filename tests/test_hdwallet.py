"""HD wallet (go-ioctl.md §9): Go's encrypted file, BIP-39 phrases, hdw:: paths, derivation."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from mnemonic import Mnemonic

from pyioctl import hdwallet
from pyioctl.errors import PyioctlError, StorageError, WrongPasswordError
from pyioctl.hdwallet import (
    HARDENED,
    DerivationPathError,
    HDWalletCorruptError,
    HDWalletError,
    HDWalletExistsError,
    HDWalletNotFoundError,
    HDWalletPasswordError,
    InvalidMnemonicError,
)
from vectors import vectors as _vectors

FILE_VECTORS = _vectors("hdwallet_file")
DERIVE_VECTORS = _vectors("hdwallet_derive")
ISSUE172_VECTORS = _vectors("hdwallet_derive_issue172")

PHRASE = DERIVE_VECTORS[0]["mnemonic"]
ENV = hdwallet.FIX_ISSUE_179_ENV


@pytest.fixture(autouse=True)
def _no_fix_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The developer's own environment must not flip the derivation under test.
    monkeypatch.delenv(ENV, raising=False)


def _ids(vectors: list[dict], key: str) -> list[str]:
    return [v[key] for v in vectors]


# ---------------------------------------------------------------------------------------
# File format


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=_ids(FILE_VECTORS, "password"))
def test_file_vector_decrypts(vec: dict) -> None:
    blob = bytes.fromhex(vec["file_bytes_hex"])
    assert hdwallet.decrypt_mnemonic(blob, vec["password"]) == vec["mnemonic"]


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=_ids(FILE_VECTORS, "password"))
def test_file_vector_encrypts_byte_for_byte(vec: dict) -> None:
    blob = bytes.fromhex(vec["file_bytes_hex"])
    assert hdwallet.encrypt_mnemonic(vec["mnemonic"], vec["password"], iv=blob[:16]) == blob


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=_ids(FILE_VECTORS, "password"))
def test_file_vector_loads_from_disk(vec: dict, tmp_path: Path) -> None:
    path = tmp_path / hdwallet.HDWALLET_FILENAME
    path.write_bytes(bytes.fromhex(vec["file_bytes_hex"]))
    assert hdwallet.load(path, vec["password"]) == vec["mnemonic"]


@pytest.mark.parametrize("password", ["", "123", "pässwörd ✓", "x" * 200])
def test_round_trip(password: str) -> None:
    blob = hdwallet.encrypt_mnemonic(PHRASE, password)
    assert len(blob) == 16 + len(PHRASE) + 32
    assert hdwallet.decrypt_mnemonic(blob, password) == PHRASE


def test_each_encryption_uses_a_fresh_iv() -> None:
    first, second = (hdwallet.encrypt_mnemonic(PHRASE, "pw") for _ in range(2))
    assert first[:16] != second[:16]
    assert first[16:] != second[16:]


def test_iv_must_be_16_bytes() -> None:
    with pytest.raises(ValueError):
        hdwallet.encrypt_mnemonic(PHRASE, "pw", iv=bytes(15))


def test_cfb_segment_is_a_full_block() -> None:
    # With pycryptodome's default 8-bit segments only the first byte would decrypt alike.
    from Crypto.Cipher import AES

    vec = FILE_VECTORS[1]
    blob = bytes.fromhex(vec["file_bytes_hex"])
    key = hashlib.sha256(vec["password"].encode()).digest()
    cfb8 = AES.new(key, AES.MODE_CFB, iv=blob[:16]).decrypt(blob[16:])
    assert cfb8[: len(vec["mnemonic"])] != vec["mnemonic"].encode()


# ---------------------------------------------------------------------------------------
# Bad files and passwords


def _err(exc_info: pytest.ExceptionInfo) -> str:
    return str(exc_info.value)


def test_wrong_password() -> None:
    blob = bytes.fromhex(FILE_VECTORS[0]["file_bytes_hex"])
    with pytest.raises(HDWalletPasswordError) as exc:
        hdwallet.decrypt_mnemonic(blob, "1234")
    assert _err(exc) == "password error"
    assert exc.value.code == "wrong_password"
    assert exc.value.go_code == 5
    assert isinstance(exc.value, WrongPasswordError)
    assert isinstance(exc.value, HDWalletError)


@pytest.mark.parametrize("position", [0, 16, 20, -1])
def test_corrupted_byte_reads_as_password_error(position: int) -> None:
    # Go cannot tell damage from a wrong key either: the SHA-256 suffix check fails.
    blob = bytearray(bytes.fromhex(FILE_VECTORS[0]["file_bytes_hex"]))
    blob[position] ^= 0x01
    with pytest.raises(HDWalletPasswordError, match=r"^password error$"):
        hdwallet.decrypt_mnemonic(bytes(blob), FILE_VECTORS[0]["password"])


@pytest.mark.parametrize("length", [16, 17, 40, 48])
def test_truncated_to_no_mnemonic_is_incorrect_data(length: int) -> None:
    blob = bytes.fromhex(FILE_VECTORS[0]["file_bytes_hex"])[:length]
    with pytest.raises(HDWalletCorruptError) as exc:
        hdwallet.decrypt_mnemonic(blob, FILE_VECTORS[0]["password"])
    assert _err(exc) == "incorrect data"
    assert exc.value.code == "hdwallet_corrupt"


def test_truncated_with_some_mnemonic_left_is_password_error() -> None:
    blob = bytes.fromhex(FILE_VECTORS[0]["file_bytes_hex"])[:-5]
    with pytest.raises(HDWalletPasswordError):
        hdwallet.decrypt_mnemonic(blob, FILE_VECTORS[0]["password"])


@pytest.mark.parametrize("length", [0, 1, 15])
def test_shorter_than_iv(length: int) -> None:
    with pytest.raises(HDWalletCorruptError) as exc:
        hdwallet.decrypt_mnemonic(bytes(length), "pw")
    assert _err(exc) == (
        f"failed to decrypt: cipherText too short. It decodes to {length} bytes "
        "but the minimum length is 16"
    )
    assert exc.value.go_code == 13


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HDWalletNotFoundError) as exc:
        hdwallet.load(tmp_path / "hdwallet", "pw")
    assert _err(exc) == "Run 'ioctl hdwallet create' to create your HDWallet first."
    assert exc.value.code == "hdwallet_not_found"


def test_load_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(HDWalletError) as exc:
        hdwallet.load(tmp_path, "pw")  # a directory
    assert _err(exc).startswith("failed to read config: ")
    assert exc.value.code == "hdwallet_io"


def test_failed_load_leaves_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "right")
    before = path.read_bytes()
    with pytest.raises(HDWalletPasswordError):
        hdwallet.load(path, "wrong")
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------
# Saving and deleting


def test_save_writes_0600_and_decryptable(tmp_path: Path) -> None:
    path = hdwallet.hdwallet_path(tmp_path)
    old_umask = os.umask(0)
    try:
        hdwallet.save(path, PHRASE, "pw")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert hdwallet.load(path, "pw") == PHRASE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hdwallet"]


def test_save_refuses_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "pw")
    before = path.read_bytes()
    with pytest.raises(HDWalletExistsError) as exc:
        hdwallet.save(path, hdwallet.generate_mnemonic(), "pw")
    assert exc.value.code == "hdwallet_exists"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hdwallet"]


def test_save_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "pw")
    other = hdwallet.generate_mnemonic()
    hdwallet.save(path, other, "new", overwrite=True)
    assert hdwallet.load(path, "new") == other
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(hdwallet.os, "link", no_links)
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "pw")
    assert hdwallet.load(path, "pw") == PHRASE
    with pytest.raises(HDWalletExistsError):
        hdwallet.save(path, PHRASE, "other")
    assert hdwallet.load(path, "pw") == PHRASE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hdwallet"]


def test_failed_overwrite_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "pw")
    before = path.read_bytes()

    def broken_replace(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(StorageError):
        hdwallet.save(path, hdwallet.generate_mnemonic(), "pw", overwrite=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hdwallet"]


def test_save_rejects_invalid_phrase(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    with pytest.raises(InvalidMnemonicError):
        hdwallet.save(path, "abandon " * 12, "pw")
    assert not path.exists()


def test_save_stores_trimmed_phrase(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, f"  {PHRASE}\n", "pw")
    assert hdwallet.load(path, "pw") == PHRASE


def test_delete(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "pw")
    hdwallet.delete(path)
    assert not path.exists()


def test_delete_missing(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    with pytest.raises(HDWalletNotFoundError) as exc:
        hdwallet.delete(path)
    assert _err(exc) == f"remove {path}: no such file or directory"


# ---------------------------------------------------------------------------------------
# BIP-39 phrases

ENGLISH = Mnemonic("english")
VALID_BY_LENGTH = {n: ENGLISH.to_mnemonic(bytes(range(n * 4 // 3))) for n in (12, 15, 18, 21, 24)}


@pytest.mark.parametrize("words", sorted(VALID_BY_LENGTH))
def test_valid_phrases_of_every_length(words: int) -> None:
    phrase = VALID_BY_LENGTH[words]
    assert len(phrase.split()) == words
    assert hdwallet.validate_mnemonic(phrase) == phrase


def test_vector_phrases_are_valid() -> None:
    for vec in [*DERIVE_VECTORS, *ISSUE172_VECTORS, *FILE_VECTORS]:
        assert hdwallet.validate_mnemonic(vec["mnemonic"]) == vec["mnemonic"]


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=_ids(ISSUE172_VECTORS, "entropy_hex"))
def test_mnemonic_package_agrees_with_vector_entropy(vec: dict) -> None:
    entropy = bytes.fromhex(vec["entropy_hex"])
    assert ENGLISH.to_mnemonic(entropy) == vec["mnemonic"]
    assert bytes(ENGLISH.to_entropy(vec["mnemonic"])) == entropy


@pytest.mark.parametrize("text", ["\n" + PHRASE + "\r\n", "\t " + PHRASE + " \u3000"])
def test_surrounding_whitespace_is_trimmed(text: str) -> None:
    assert hdwallet.validate_mnemonic(text) == PHRASE


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
        hdwallet.validate_mnemonic(text)
    assert _err(exc) == "Invalid mnenomic"
    assert exc.value.code == "invalid_mnemonic"


@pytest.mark.parametrize("sep", ["  ", "\t", " \n "])
def test_odd_inner_whitespace_is_checksum_incorrect(sep: str) -> None:
    text = PHRASE.replace(" ", sep, 1)
    assert hdwallet.is_valid_mnemonic(text)  # go-bip39's IsMnemonicValid splits on any space
    with pytest.raises(InvalidMnemonicError, match=r"^Checksum incorrect$"):
        hdwallet.validate_mnemonic(text)


def test_generate_mnemonic() -> None:
    phrases = {hdwallet.generate_mnemonic() for _ in range(3)}
    assert len(phrases) == 3
    for phrase in phrases:
        assert len(phrase.split(" ")) == 12
        assert hdwallet.validate_mnemonic(phrase) == phrase


def test_seed_is_bip39_with_empty_passphrase() -> None:
    for vec in [*DERIVE_VECTORS, *ISSUE172_VECTORS]:
        assert hdwallet.mnemonic_seed(vec["mnemonic"]) == Mnemonic.to_seed(vec["mnemonic"])


def test_seed_uses_phrase_bytes_as_stored() -> None:
    # No NFKD: an NBSP separator would become a space under normalisation.
    odd = PHRASE.replace(" ", "\xa0", 1)
    raw = hashlib.pbkdf2_hmac("sha512", odd.encode(), b"mnemonic", 2048, 64)
    assert hdwallet.mnemonic_seed(odd) == raw != Mnemonic.to_seed(odd)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "mnemonic is required"), ("abandon " * 12, "mnemonic is invalid")],
)
def test_seed_rejects_bad_phrase(text: str, message: str) -> None:
    with pytest.raises(InvalidMnemonicError, match=f"^{message}$"):
        hdwallet.mnemonic_seed(text)
    with pytest.raises(InvalidMnemonicError, match=f"^{message}$"):
        hdwallet.derive_key(text, 0, 0, 0)


# ---------------------------------------------------------------------------------------
# hdw:: signers and paths


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hdw::0/1/3", (0, 1, 3)),
        ("HDW::0/1/3", (0, 1, 3)),
        ("Hdw::1/2", (0, 1, 2)),
        ("hdw::1/1/2", (1, 1, 2)),
        ("1/1/2", (1, 1, 2)),
        ("5/7", (0, 5, 7)),
        ("007/0/0", (7, 0, 0)),
        ("hdw::2147483647/4294967295/4294967295", (2**31 - 1, 2**32 - 1, 2**32 - 1)),
    ],
)
def test_parse_path(text: str, expected: tuple[int, int, int]) -> None:
    assert hdwallet.parse_path(text) == expected


@pytest.mark.parametrize("text", ["hdw::", "hdw::1", "hdw::1/2/3/4", "", "7", "hdw::0/1/3/"])
def test_path_with_wrong_part_count(text: str) -> None:
    with pytest.raises(DerivationPathError) as exc:
        hdwallet.parse_path(text)
    assert _err(exc) == "derivation path error"
    assert exc.value.code == "invalid_path"
    assert exc.value.go_code == 5


def _parse_uint_error(part: str, quoted: str, problem: str = "invalid syntax") -> str:
    return f"{part} must be integer value: strconv.ParseUint: parsing {quoted}: {problem}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hdw::a/b", _parse_uint_error("a", '"a"')),
        ("hdw::0/b", _parse_uint_error("b", '"b"')),
        ("hdw::-1/0", _parse_uint_error("-1", '"-1"')),
        ("+1/0", _parse_uint_error("+1", '"+1"')),
        ("1 /0", _parse_uint_error("1 ", '"1 "')),
        ("1_0/0", _parse_uint_error("1_0", '"1_0"')),
        ("0x1/0", _parse_uint_error("0x1", '"0x1"')),
        ("1.5/0", _parse_uint_error("1.5", '"1.5"')),
        ("hdw::/1", _parse_uint_error("", '""')),
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
        hdwallet.parse_path(text)
    assert _err(exc) == message
    assert exc.value.go_code == 13


@pytest.mark.parametrize("account", [2**31, 2**31 + 5, 2**32 - 1])
def test_hardened_account_out_of_range(account: int) -> None:
    # Go ioctl panics here; the message is the one go-ethereum's path parser gives.
    with pytest.raises(DerivationPathError) as exc:
        hdwallet.parse_path(f"hdw::{account}/0/0")
    assert _err(exc) == f"component {account} out of allowed hardened range [0, 2147483647]"
    with pytest.raises(DerivationPathError):
        hdwallet.derive_key(PHRASE, account, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hdw::0/1/3", True),
        ("HDW::", True),
        ("hDw::x", True),
        ("hdw:", False),
        ("hdw:0/1/3", False),
        ("io1hdw::", False),
        ("", False),
    ],
)
def test_is_hdw_signer(text: str, expected: bool) -> None:
    assert hdwallet.is_hdw_signer(text) is expected


# ---------------------------------------------------------------------------------------
# Derivation: ioctl vectors


@pytest.mark.parametrize("vec", DERIVE_VECTORS, ids=_ids(DERIVE_VECTORS, "hdw_signer"))
@pytest.mark.parametrize("standard", [None, False, True])
def test_derive_vector(vec: dict, standard: bool | None) -> None:
    account, change, index = hdwallet.parse_path(vec["hdw_signer"])
    key = hdwallet.derive_key(vec["mnemonic"], account, change, index, standard=standard)
    assert key.hex() == vec["private_key"]
    assert key.address == vec["io_address"]
    assert not hdwallet.derivation_differs(vec["mnemonic"], account, change, index)


@pytest.mark.parametrize("vec", DERIVE_VECTORS, ids=_ids(DERIVE_VECTORS, "hdw_signer"))
def test_vector_path_is_bip44_iotex(vec: dict) -> None:
    account, change, index = hdwallet.parse_path(vec["hdw_signer"])
    rendered = "m/" + "/".join(
        f"{i - HARDENED}'" if i >= HARDENED else str(i)
        for i in hdwallet.bip44_path(account, change, index)
    )
    assert rendered == vec["path"]


def _issue172_key(vec: dict, **kwargs: object) -> tuple[str, str]:
    account, change, index = hdwallet.parse_path(vec["hdw_signer"])
    key = hdwallet.derive_key(vec["mnemonic"], account, change, index, **kwargs)
    return key.hex(), key.address


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=_ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_default_matches_go_ioctl(vec: dict) -> None:
    expected = (vec["ioctl_private_key"], vec["ioctl_io_address"])
    assert _issue172_key(vec) == expected
    assert _issue172_key(vec, standard=False) == expected


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=_ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_standard_bip32(vec: dict) -> None:
    expected = (vec["bip32_standard_private_key"], vec["bip32_standard_io_address"])
    assert _issue172_key(vec, standard=True) == expected


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=_ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_env_switch(vec: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "1")
    assert hdwallet.standard_derivation_enabled()
    assert _issue172_key(vec) == (
        vec["bip32_standard_private_key"],
        vec["bip32_standard_io_address"],
    )
    # An explicit choice wins over the environment.
    assert _issue172_key(vec, standard=False)[0] == vec["ioctl_private_key"]
    # Go tests for a non-empty value, so an empty one keeps the default.
    monkeypatch.setenv(ENV, "")
    assert not hdwallet.standard_derivation_enabled()
    assert _issue172_key(vec)[0] == vec["ioctl_private_key"]


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=_ids(ISSUE172_VECTORS, "entropy_hex"))
def test_issue172_is_flagged(vec: dict) -> None:
    account, change, index = hdwallet.parse_path(vec["hdw_signer"])
    assert hdwallet.derivation_differs(vec["mnemonic"], account, change, index)
    # The vector's note: m/44'/304' starts with a zero byte, which btcutil drops.
    seed = hdwallet.mnemonic_seed(vec["mnemonic"])
    coin = hdwallet.derive_path(seed, [44 + HARDENED, 304 + HARDENED], standard=False)
    assert len(coin.key) < 32
    assert coin.secret[0] == 0


def test_change_and_index_from_2_31_derive_hardened() -> None:
    # Go ioctl's path parser takes uint32 change/index and btcutil hardens those >= 2^31.
    seed = hdwallet.mnemonic_seed(PHRASE)
    path = [44 + HARDENED, 304 + HARDENED, HARDENED, HARDENED, 2**32 - 1]
    expected = hdwallet.derive_path(seed, path, standard=False).secret
    assert hdwallet.derive_key(PHRASE, 0, 2**31, 2**32 - 1).secret == expected
    assert hdwallet.derive_key(PHRASE, 0, 2**31, 2**32 - 1) != hdwallet.derive_key(PHRASE, 0, 0, 0)


def test_derive_path_rejects_non_uint32_index() -> None:
    with pytest.raises(DerivationPathError):
        hdwallet.derive_path(bytes(16), [2**32], standard=True)


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
    derived = hdwallet.derive_path(bytes.fromhex(seed), path, standard=True)
    assert (derived.secret, derived.chain_code) == (key, chain_code)


def test_non_standard_differs_only_after_a_short_key() -> None:
    seed = bytes.fromhex(BIP32_SEED_4)
    m_0h = hdwallet.derive_path(seed, [H], standard=False)
    assert m_0h.secret == _xprv(BIP32_VECTORS[-2][2])[0]  # the master key is kept at 32 bytes
    assert len(m_0h.key) == 31  # ... but children drop their leading zero byte
    child = hdwallet.derive_path(seed, [H, H + 1], standard=False)
    assert child.secret != _xprv(BIP32_VECTORS[-1][2])[0]


def test_btcutil_leading_zero_vector() -> None:
    # btcutil hdkeychain TestLeadingZero: values produced by Go's Derive and DeriveNonStandard.
    seed = bytes(28) + (399).to_bytes(4, "big")
    assert len(hdwallet.derive_path(seed, [H], standard=False).key) < 32
    standard = hdwallet.derive_path(seed, [H, H], standard=True)
    legacy = hdwallet.derive_path(seed, [H, H], standard=False)
    assert (
        standard.secret.hex() == "a9b6b30a5b90b56ed48728c73af1d8a7ef1e9cc372ec21afcc1d9bdf269b0988"
    )
    assert legacy.secret.hex() == "ea46d8f58eb863a2d371a938396af8b0babe85c01920f59a8044412e70e837ee"


# ---------------------------------------------------------------------------------------
# Module hygiene


def test_errors_are_pyioctl_errors() -> None:
    for cls in (
        HDWalletError,
        HDWalletPasswordError,
        HDWalletCorruptError,
        HDWalletNotFoundError,
        HDWalletExistsError,
        InvalidMnemonicError,
        DerivationPathError,
    ):
        assert issubclass(cls, PyioctlError)
        assert cls("x").code


def test_import_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, pyioctl.hdwallet as h; h.parse_path('hdw::0/1/3'); h.is_hdw_signer('x');"
        "print(sorted(m for m in ('Crypto', 'coincurve', 'mnemonic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
