"""HD wallet file (go-ioctl.md §9): Go's encrypted format, saving, deleting, hdw:: names."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pyioctl import hdwallet
from pyioctl.bip39 import generate_mnemonic
from pyioctl.errors import (
    DerivationPathError,
    HDWalletCorruptError,
    HDWalletError,
    HDWalletExistsError,
    HDWalletNotFoundError,
    HDWalletPasswordError,
    InvalidMnemonicError,
    PyioctlError,
    StorageError,
    WrongPasswordError,
)
from vectors import ids
from vectors import vectors as _vectors

FILE_VECTORS = _vectors("hdwallet_file")
DERIVE_VECTORS = _vectors("hdwallet_derive")

PHRASE = DERIVE_VECTORS[0]["mnemonic"]


# ---------------------------------------------------------------------------------------
# File format


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=ids(FILE_VECTORS, "password"))
def test_file_vector_decrypts(vec: dict) -> None:
    blob = bytes.fromhex(vec["file_bytes_hex"])
    assert hdwallet.decrypt_mnemonic(blob, vec["password"]) == vec["mnemonic"]


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=ids(FILE_VECTORS, "password"))
def test_file_vector_encrypts_byte_for_byte(vec: dict) -> None:
    blob = bytes.fromhex(vec["file_bytes_hex"])
    assert hdwallet.encrypt_mnemonic(vec["mnemonic"], vec["password"], iv=blob[:16]) == blob


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=ids(FILE_VECTORS, "password"))
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


def test_wrong_password() -> None:
    blob = bytes.fromhex(FILE_VECTORS[0]["file_bytes_hex"])
    with pytest.raises(HDWalletPasswordError) as exc:
        hdwallet.decrypt_mnemonic(blob, "1234")
    assert str(exc.value) == "password error"
    assert exc.value.code == "wrong_password"
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
    assert str(exc.value) == "incorrect data"
    assert exc.value.code == "hdwallet_corrupt"


def test_truncated_with_some_mnemonic_left_is_password_error() -> None:
    blob = bytes.fromhex(FILE_VECTORS[0]["file_bytes_hex"])[:-5]
    with pytest.raises(HDWalletPasswordError):
        hdwallet.decrypt_mnemonic(blob, FILE_VECTORS[0]["password"])


@pytest.mark.parametrize("length", [0, 1, 15])
def test_shorter_than_iv(length: int) -> None:
    with pytest.raises(HDWalletCorruptError) as exc:
        hdwallet.decrypt_mnemonic(bytes(length), "pw")
    assert str(exc.value) == (
        f"failed to decrypt: cipherText too short. It decodes to {length} bytes "
        "but the minimum length is 16"
    )
    assert exc.value.code == "hdwallet_truncated"


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HDWalletNotFoundError) as exc:
        hdwallet.load(tmp_path / "hdwallet", "pw")
    assert str(exc.value) == f"open {tmp_path / 'hdwallet'}: no such file or directory"
    assert exc.value.code == "hdwallet_not_found"


def test_load_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(HDWalletError) as exc:
        hdwallet.load(tmp_path, "pw")  # a directory
    assert str(exc.value).startswith("failed to read config: ")
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
        hdwallet.save(path, generate_mnemonic(), "pw")
    assert exc.value.code == "hdwallet_exists"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hdwallet"]


def test_save_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "hdwallet"
    hdwallet.save(path, PHRASE, "pw")
    other = generate_mnemonic()
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
        hdwallet.save(path, generate_mnemonic(), "pw", overwrite=True)
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
    assert str(exc.value) == f"remove {path}: no such file or directory"


# ---------------------------------------------------------------------------------------
# hdw:: signer names


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
        "import sys, pyioctl.hdwallet as h, pyioctl.bip32 as b; b.parse_path('0/1/3');"
        "h.is_hdw_signer('x');"
        "print(sorted(m for m in ('Crypto', 'coincurve', 'mnemonic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
