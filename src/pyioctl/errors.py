"""Typed errors shared by the library layers.

Every error carries a stable, machine-readable ``code`` so callers (the CLI, the web
adapters, users' own programs) can branch on it without parsing message texts, which
follow Go ioctl's wording where users may already match on it.
"""

from __future__ import annotations


class PyioctlError(Exception):
    """Base class of every error raised by pyioctl."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class AddressError(PyioctlError):
    """An address or alias could not be parsed or resolved."""

    code = "invalid_address"


class KeyFormatError(PyioctlError):
    """A private or public key is malformed or not a valid secp256k1 value."""

    code = "invalid_key"


class KeystoreError(PyioctlError):
    """A keystore file is missing, unreadable, corrupt or the password is wrong."""

    code = "keystore"


class WrongPasswordError(KeystoreError):
    """The password does not decrypt the key (MAC or checksum mismatch)."""

    code = "wrong_password"


class ConfigError(PyioctlError):
    """config.default cannot be read, validated or written."""

    code = "config"


class StorageError(PyioctlError):
    """A file or directory could not be written."""

    code = "storage"


class HDWalletError(PyioctlError):
    """An HD wallet operation failed: its file, its phrase or a derivation."""

    code = "hdwallet"


class HDWalletPasswordError(HDWalletError, WrongPasswordError):
    """The password does not decrypt the hdwallet file (its SHA-256 suffix mismatches)."""

    code = "wrong_password"


class HDWalletCorruptError(HDWalletError):
    """The hdwallet file is too short to hold a mnemonic and its checksum; ``code`` is
    ``hdwallet_truncated`` when it does not even hold the IV."""

    code = "hdwallet_corrupt"


class HDWalletNotFoundError(HDWalletError):
    """There is no hdwallet file."""

    code = "hdwallet_not_found"


class HDWalletExistsError(HDWalletError):
    """Saving would replace an existing hdwallet file."""

    code = "hdwallet_exists"


class InvalidMnemonicError(HDWalletError):
    """Not an English BIP-39 phrase of 12-24 words with a correct checksum."""

    code = "invalid_mnemonic"


class DerivationPathError(HDWalletError):
    """An ``hdw::A/B/C`` signer or ``A/B/C`` derivation path is malformed."""

    code = "invalid_path"
