"""Unlocking a signer for a command: the wallet's signer routine with the CLI's prompt."""

from __future__ import annotations

from ..hdwallet import HDWalletError
from ..keys import PrivateKey
from .app import App
from .output import CliError, GoCode


def unlock_signer(app: App, signer: str, password: str | None) -> PrivateKey:
    """Key of ``signer`` (io address in the keystore, or ``hdw::…``); asks when no password."""
    try:
        return app.wallet.unlock(signer, password, app.ask_password)
    except HDWalletError as exc:
        # Go ioctl reports every hdw:: signer failure as an InputError (code 13 in -o json);
        # commands that wrap it (account export, sign) replace the code with their own.
        raise CliError(str(exc), GoCode.INPUT) from None
