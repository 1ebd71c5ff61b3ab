"""Signers for commands: unlocking one with the CLI's prompt, and completing ``-s`` names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DerivationPathError, HDWalletError, PyioctlError
from ..keys import PrivateKey
from .context import App
from .output import CliError, GoCode, go_message

if TYPE_CHECKING:
    import click

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


def complete_signer(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for ``-s``: alias names, then the keystore's io addresses.

    Read straight from config.default and the key file headers: nothing is created,
    written, decrypted or printed, and any problem simply completes nothing.
    """
    from ..config import CONFIG_FILENAME, config_dir, parse
    from ..keystore import Keystore

    try:
        directory = config_dir()
        config = parse((directory / CONFIG_FILENAME).read_text(encoding="utf-8"))
        config.fill_in(str(directory))
        names = sorted(config.aliases)
        names += [account.address for account in Keystore(config.wallet).accounts()]
    except (OSError, UnicodeDecodeError, PyioctlError):
        return []
    return [name for name in names if name.startswith(incomplete)]
