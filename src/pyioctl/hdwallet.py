"""Go ioctl's HD wallet file: ``<wallet>/hdwallet``, the phrase encrypted (go-ioctl.md §9), and
the ``hdw::`` signer names of the keys derived from it.

The phrase's rules are ``bip39``'s and the derivation ``bip32``'s; this module holds the
file format. pycryptodome, hashlib, hmac and the word list are imported only to encrypt,
decrypt or check a phrase: recognising an ``hdw::`` signer must not slow down CLI start-up.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from .errors import (
    HDWalletCorruptError,
    HDWalletError,
    HDWalletExistsError,
    HDWalletNotFoundError,
    HDWalletPasswordError,
    StorageError,
)
from .fsutil import atomic_write, fsync_dir, remove_stale_temps, temp_path
from .gocompat import go_bytes

HDWALLET_FILENAME = "hdwallet"
SIGNER_PREFIX = "hdw::"

_IV_SIZE = 16
_DIGEST_SIZE = 32


def is_hdw_signer(text: str) -> bool:
    return text[: len(SIGNER_PREFIX)].lower() == SIGNER_PREFIX


def hdwallet_path(wallet_dir: str | os.PathLike[str]) -> Path:
    return Path(wallet_dir) / HDWALLET_FILENAME


class _StreamCipher(Protocol):  # pycryptodome's own cipher class is private
    def encrypt(self, plaintext: bytes) -> bytes: ...

    def decrypt(self, ciphertext: bytes) -> bytes: ...


def _sha256(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()


def _cfb(password: str, iv: bytes) -> _StreamCipher:
    from Crypto.Cipher import AES

    key = _sha256(go_bytes(password))
    # Go's cipher.NewCFBEncrypter feeds back whole blocks; pycryptodome defaults to 8 bits.
    return AES.new(key, AES.MODE_CFB, iv=iv, segment_size=128)


def encrypt_mnemonic(mnemonic: str, password: str, *, iv: bytes | None = None) -> bytes:
    """Go ioctl's file bytes: ``IV || AES-256-CFB(key, mnemonic || SHA-256(mnemonic))``
    with ``key = SHA-256(password)``."""
    if iv is None:
        iv = os.urandom(_IV_SIZE)
    if len(iv) != _IV_SIZE:
        raise ValueError(f"iv must be {_IV_SIZE} bytes")
    plain = go_bytes(mnemonic)
    return iv + _cfb(password, iv).encrypt(plain + _sha256(plain))


def decrypt_mnemonic(blob: bytes, password: str) -> str:
    """Inverse of :func:`encrypt_mnemonic`, with Go ioctl's error texts."""
    if len(blob) < _IV_SIZE:
        raise HDWalletCorruptError(
            f"failed to decrypt: cipherText too short. It decodes to {len(blob)} bytes "
            f"but the minimum length is {_IV_SIZE}",
            code="hdwallet_truncated",
        )
    plain = _cfb(password, blob[:_IV_SIZE]).decrypt(blob[_IV_SIZE:])
    if len(plain) <= _DIGEST_SIZE:
        raise HDWalletCorruptError("incorrect data")
    text, digest = plain[:-_DIGEST_SIZE], plain[-_DIGEST_SIZE:]
    # A stream cipher cannot tell a wrong key from a damaged file: both fail this check.
    import hmac

    if not hmac.compare_digest(_sha256(text), digest):
        raise HDWalletPasswordError("password error")
    # Bytes that are not UTF-8 cannot form a valid phrase anyway; keep them printable.
    return text.decode("utf-8", "replace")


def _os_error_text(op: str, path: Path, exc: OSError) -> str:
    # Go's *PathError wording, e.g. "remove /x/hdwallet: no such file or directory".
    return f"{op} {path}: {(exc.strerror or str(exc)).lower()}"


def load(path: str | os.PathLike[str], password: str) -> str:
    """Read and decrypt the hdwallet file; returns the mnemonic as stored."""
    target = Path(path)
    try:
        blob = target.read_bytes()
    except FileNotFoundError as exc:
        raise HDWalletNotFoundError(_os_error_text("open", target, exc)) from None
    except OSError as exc:
        raise HDWalletError(
            f"failed to read config: {_os_error_text('open', target, exc)}",
            code="hdwallet_io",
        ) from None
    return decrypt_mnemonic(blob, password)


def save(
    path: str | os.PathLike[str], mnemonic: str, password: str, *, overwrite: bool = False
) -> None:
    """Validate, encrypt and write the phrase atomically with mode 0600.

    Without ``overwrite`` an existing file is never replaced, even one that appears
    between a caller's existence check and this write.
    """
    from .bip39 import validate_mnemonic

    blob = encrypt_mnemonic(validate_mnemonic(mnemonic), password)
    target = Path(path)
    if overwrite:
        atomic_write(target, blob)
        return
    staged = temp_path(target, "new")
    atomic_write(staged, blob)
    try:
        _publish_exclusive(staged, target)
    finally:
        with contextlib.suppress(OSError):
            staged.unlink()
    fsync_dir(target.parent)


def _publish_exclusive(staged: Path, target: Path) -> None:
    try:
        # link() fails if the target exists, so the existence check and the write are one step.
        os.link(staged, target)
        return
    except FileExistsError:
        raise HDWalletExistsError(f"hdwallet file {target} already exists") from None
    except OSError:
        pass  # no hard links on this filesystem: fall back to check-then-rename
    if target.exists():
        raise HDWalletExistsError(f"hdwallet file {target} already exists")
    try:
        os.replace(staged, target)
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None


def delete(path: str | os.PathLike[str]) -> None:
    """Remove the hdwallet file; a missing file is an error, as in Go ioctl."""
    target = Path(path)
    # A staged copy left by a killed create is a hard link to the same encrypted phrase.
    remove_stale_temps(target.parent, links_to=target)
    try:
        target.unlink()
    except FileNotFoundError as exc:
        raise HDWalletNotFoundError(_os_error_text("remove", target, exc)) from None
    except OSError as exc:
        raise StorageError(_os_error_text("remove", target, exc)) from None
    fsync_dir(target.parent)
