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
from .errors import AddressError, ConfigError, KeystoreError
from .gocompat import byte_length, go_bytes
from .hdwallet import SIGNER_PREFIX, is_hdw_signer
from .keystore import Account, Keystore

if TYPE_CHECKING:
    from .config import ConfigFile
    from .keys import PrivateKey

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

    def _or_default(self, text: str | None) -> str:
        if text:
            return text
        if not self.default_account:
            raise ConfigError(NO_DEFAULT_ACCOUNT, code="no_default_account")
        return self.default_account

    def resolve_or_default(self, text: str | None) -> str:
        """ioctl ``util.GetAddress``: an empty argument means the default account."""
        return self.resolve(self._or_default(text))

    def resolve_signer(self, text: str | None) -> str:
        """Who signs: the signer :meth:`unlock` takes for a name the user typed (alias, io
        or 0x address, ``hdw::`` path), or for the default account when ``text`` is None.
        Unlike Go, the default account may be an ``hdw::`` path."""
        chosen = self._or_default(text) if text is None else text
        if is_hdw_signer(chosen):
            return chosen
        return self.resolve(chosen)

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
        from . import bip32, hdwallet

        # A malformed path fails here, before the password is asked for.
        account, change, index = bip32.parse_path(signer[len(SIGNER_PREFIX) :])
        if not password:
            password = ask(f"Enter password for #{signer}:\n")
        mnemonic = hdwallet.load(hdwallet.hdwallet_path(self.config_file.wallet_dir), password)
        return bip32.derive_key(mnemonic, account, change, index)
