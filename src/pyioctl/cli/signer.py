"""Unlocking a signer for a command: the wallet's signer routine with the CLI's prompt."""

from __future__ import annotations

from ..keys import PrivateKey
from .app import App


def unlock_signer(app: App, signer: str, password: str | None) -> PrivateKey:
    """Key of ``signer`` (io address in the keystore, or ``hdw::…``); asks when no password."""
    return app.wallet.unlock(signer, password, app.ask_password)
