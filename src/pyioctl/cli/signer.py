"""Unlocking a signer for a command: the wallet's signer routine with the CLI's prompt."""

from __future__ import annotations

from ..errors import DerivationPathError, HDWalletError
from ..keys import PrivateKey
from .context import App
from .output import CliError, GoCode, go_message

DECRYPTING = "Decrypting key…"


def unlock_signer(app: App, signer: str, password: str | None) -> PrivateKey:
    """Key of ``signer`` (io address in the keystore, or ``hdw::…``); asks when no password.

    scrypt takes about a second; a terminal shows ``Decrypting key…`` meanwhile, from the
    moment the password is known (after the prompt, or at once when it was given).
    """
    with app.out.progress(DECRYPTING) as begin:

        def ask(text: str) -> str:
            answer = app.ask_password(text)
            begin()
            return answer

        if password:
            begin()
        try:
            return app.wallet.unlock(signer, password, ask)
        except HDWalletError as exc:
            # Go ioctl reports every hdw:: signer failure as an InputError (code 13 in -o json);
            # commands that wrap it (account export, sign) replace the code with their own.
            context = (
                "invalid HDWallet key format"
                if isinstance(exc, DerivationPathError)
                else "failed to derive key from HDWallet"
            )
            raise CliError(f"{context}: {go_message(exc)}", GoCode.INPUT) from None
