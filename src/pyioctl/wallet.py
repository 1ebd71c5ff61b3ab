"""The one path from a name the user typed to an address, and from a signer to a key.

Spec §3.3 (resolution order: 0x hex, io address, alias) and §5's signer routine. The
password is asked for through a callback so the CLI, a test or a service each supply
their own way of asking, and nothing here ever sees a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import address as _address
from .config import ConfigFile, byte_length, go_bytes
from .errors import AddressError, ConfigError, KeystoreError
from .hdwallet import is_hdw_signer
from .keys import PrivateKey
from .keystore import Account, Keystore

if TYPE_CHECKING:
    from .hdwallet import HDWalletError

PasswordCallback = Callable[[str], str]
"""Called with the prompt text (e.g. ``Enter password for #io1…:``), returns the password."""

NO_DEFAULT_ACCOUNT = (
    'use "ioctl config set defaultacc ADDRESS|ALIAS" to config default account first'
)


@dataclass
class Wallet:
    """A config directory with its aliases, default account and keystore."""

    config_file: ConfigFile
    # Told of each unreadable file the keystore skips (see Keystore); the CLI warns.
    on_skip: Callable[[Path, str], None] | None = None

    @property
    def aliases(self) -> dict[str, str]:
        return self.config_file.config.aliases

    @property
    def keystore(self) -> Keystore:
        return Keystore(self.config_file.wallet_dir, on_skip=self.on_skip)

    def resolve(self, text: str) -> str:
        """ioctl ``util.Address``: 0x/40-hex → io; ≥41 bytes must be an io address; else alias."""
        raw = _address.parse_eth_hex(text)
        if raw is not None:
            return _address.from_hash160(raw)
        if byte_length(text) >= _address.ADDRESS_LENGTH:
            if not _address.is_valid(text):
                raise AddressError(f"{text}: invalid IoTeX address")
            return text
        if text in self.aliases:
            return self.aliases[text]
        raise ConfigError(f"cannot find address for alias {text}", code="unknown_alias")

    @property
    def default_account(self) -> str:
        return self.config_file.config.default_account

    def resolve_or_default(self, text: str | None) -> str:
        """ioctl ``util.GetAddress``: an empty argument means the default account."""
        if not text:
            text = self.default_account
            if not text:
                raise ConfigError(NO_DEFAULT_ACCOUNT, code="no_default_account")
        return self.resolve(text)

    def alias_of(self, io_address: str) -> str:
        """An alias pointing at ``io_address`` (the first by name), or ``""``."""
        names = sorted((n for n, a in self.aliases.items() if a == io_address), key=go_bytes)
        return names[0] if names else ""

    def find_account(self, io_address: str) -> Account | None:
        try:
            hash160 = _address.to_hash160(io_address)
        except AddressError:
            return None
        return self.keystore.find(hash160)

    def unlock(self, signer: str, password: str | None, ask: PasswordCallback) -> PrivateKey:
        """§5 ``PrivateKeyFromSigner``: ``signer`` is an io address in the keystore or ``hdw::``.

        ``password`` empty or None means ask with ``Enter password for #<signer>:``.
        """
        if is_hdw_signer(signer):
            return self._unlock_hdwallet(signer, password, ask)
        account = self.find_account(signer)
        if account is None:
            raise KeystoreError(f"invalid address #{signer}", code="unknown_account")
        if not password:
            password = ask(f"Enter password for #{signer}:\n")
        return self.keystore.unlock(account, password)

    def _unlock_hdwallet(
        self, signer: str, password: str | None, ask: PasswordCallback
    ) -> PrivateKey:
        from . import hdwallet

        try:
            account, change, index = hdwallet.parse_path(signer)
        except hdwallet.HDWalletError as exc:
            raise _reworded(exc, "invalid HDWallet key format") from None
        if not password:
            password = ask(f"Enter password for #{signer}:\n")
        try:
            mnemonic = hdwallet.load(hdwallet.hdwallet_path(self.config_file.wallet_dir), password)
            return hdwallet.derive_key(mnemonic, account, change, index)
        except hdwallet.HDWalletError as exc:
            raise _reworded(exc, "failed to derive key from HDWallet") from None


def _reworded(exc: HDWalletError, prefix: str) -> HDWalletError:
    """The same error type and code, with Go ioctl's context prefix on the message."""
    return type(exc)(f"{prefix}: {exc}", code=exc.code, go_code=exc.go_code)
