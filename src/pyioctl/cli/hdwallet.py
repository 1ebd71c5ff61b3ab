"""``ioctl hdwallet``: Go ioctl's mnemonic wallet file and its derived keys (go-ioctl.md §9.4).

The file is ``<wallet>/hdwallet``, readable by Go ioctl and the other way round. Derived
keys are used elsewhere as ``hdw::ACCOUNT/CHANGE/INDEX`` signers (``jwt sign -s``,
``account export``, ``account sign -s``).

Unlike Go ioctl, ``import`` reads the phrase from the same stdin buffer as the passwords,
so ``printf 'words…\\npw\\npw\\n' | ioctl hdwallet import`` works.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import HDWalletError
from .cobra_style import IoctlGroup, pass_app
from .context import App
from .output import GO_MESSAGES, CliError, GoCode, library_error, wrapped

ALREADY_CREATED = "already created hdwallet, if you forgot password\uff0cuse delete/import command."
CREATE_FIRST = GO_MESSAGES["hdwallet_not_found"]
DELETE_FIRST = "Please run 'ioctl hdwallet delete' before import"
DELETE_INFO = (
    "** This is an irreversible action!\n"
    "Once an hdwallet is deleted, all the assets under this hdwallet may be lost!\n"
    "Type 'YES' to continue, quit for anything else."
)


@click.group(cls=IoctlGroup)
def hdwallet() -> None:
    """Manage the HD wallet: one 12-word mnemonic from which hdw:: accounts are derived.

    The mnemonic is kept encrypted in <wallet>/hdwallet, in Go ioctl's format. Use a
    derived key anywhere a signer is accepted as hdw::ACCOUNT/CHANGE/INDEX (or
    hdw::CHANGE/INDEX for account 0), e.g. ioctl jwt sign -s hdw::0/0/1.
    """


def _path(app: App) -> Path:
    from ..hdwallet import hdwallet_path

    return hdwallet_path(app.config_file.wallet_dir)


def _ask(app: App, text: str) -> str:
    with wrapped(GoCode.INPUT, "failed to get password"):
        return app.prompt.secret(text)


def _new_password(app: App) -> str:
    return app.prompt.new_password(
        "Set password\n", "Enter password again\n", ask=lambda text: _ask(app, text)
    )


def _phrase_text(mnemonic: str) -> str:
    return (
        f"Mnemonic phrase: {mnemonic}\n"
        "It is used to recover your wallet in case you forgot the password. "
        "Write them down and store it in a safe place."
    )


def _store(path: Path, mnemonic: str, password: str) -> None:
    from .. import hdwallet as _hd
    from ..fsutil import ensure_private_dir

    # save() never replaces an existing file, even one created since the caller's check.
    with wrapped(GoCode.WRITE_FILE, f"failed to write to config file {path}"):
        ensure_private_dir(path.parent)
        _hd.save(path, mnemonic, password)


def _unlock(app: App, path: Path) -> str:
    """Ask for the password and decrypt the phrase."""
    from .. import hdwallet as _hd

    password = _ask(app, "Enter password\n")
    try:
        return _hd.load(path, password)
    except HDWalletError as exc:
        raise library_error(exc) from None


@hdwallet.command()
@pass_app
def create(app: App) -> None:
    """Create an HD wallet from a new random 12-word mnemonic.

    Prints the phrase: write it down. Asks for a new password twice (one line
    each from stdin when it is not a terminal). Does nothing if an HD wallet
    already exists.

    Example: ioctl hdwallet create
    """
    from ..bip39 import generate_mnemonic

    path = _path(app)
    if path.exists():
        app.out.result(ALREADY_CREATED)
        return
    password = _new_password(app)
    mnemonic = generate_mnemonic()
    _store(path, mnemonic, password)
    app.out.result(_phrase_text(mnemonic))


@hdwallet.command("import")
@pass_app
def import_(app: App) -> None:
    """Import an HD wallet from its 12-word (BIP-39, English) mnemonic.

    Reads the phrase as one line, then the new password twice.

    Example: printf '%s\\n' "$WORDS" "$PW" "$PW" | ioctl hdwallet import
    """
    from ..bip39 import validate_mnemonic

    path = _path(app)
    if path.exists():
        app.out.result(DELETE_FIRST)
        return
    app.out.query("Enter 12 mnemonic words you saved, separated by space\n")
    line = app.prompt.read_line(what="mnemonic")
    try:
        mnemonic = validate_mnemonic(line)
    except HDWalletError as exc:
        raise library_error(exc) from None  # go-bip39's raw error
    password = _new_password(app)
    _store(path, mnemonic, password)
    app.out.result(_phrase_text(mnemonic))


@hdwallet.command()
@pass_app
def export(app: App) -> None:
    """Print the HD wallet's mnemonic, after asking for its password.

    Example: ioctl hdwallet export
    """
    path = _path(app)
    if not path.exists():
        app.out.result(CREATE_FIRST)
        return
    app.out.result(_phrase_text(_unlock(app, path)))


@hdwallet.command()
@click.argument("path", metavar="ACCOUNT/CHANGE/INDEX|CHANGE/INDEX")
@pass_app
def derive(app: App, path: str) -> None:
    """Print the address of the key at m/44'/304'/ACCOUNT'/CHANGE/INDEX.

    CHANGE/INDEX alone means account 0. The same key signs as hdw::PATH. Keys are derived
    as Go ioctl does; set GO_ETHEREUM_HDWALLET_FIX_ISSUE_179=1 for standard BIP-32 (the
    two differ for about 1 mnemonic in 128; a warning says so when they do).

    Example: ioctl hdwallet derive 0/0/1
    """
    from .. import bip32

    try:
        account, change, index = bip32.parse_path(path)
    except HDWalletError as exc:
        raise CliError(f"invalid hdwallet key format: {exc}", GoCode.INPUT) from None
    wallet_file = _path(app)
    if not wallet_file.exists():  # checked before asking, unlike Go
        raise CliError(CREATE_FIRST, GoCode.INPUT)
    mnemonic = _unlock(app, wallet_file)
    try:
        key = bip32.derive_key(mnemonic, account, change, index)
        differs = bip32.derivation_differs(mnemonic, account, change, index)
    except HDWalletError as exc:
        raise CliError(f"failed to derive key from HDWallet: {exc}", GoCode.INPUT) from None
    app.out.result(f"address: {key.address}\n")
    if differs:
        app.out.warn(_issue172_warning(f"{account}/{change}/{index}"))


def _issue172_warning(path: str) -> str:
    from ..bip32 import FIX_ISSUE_179_ENV, standard_derivation_enabled

    if standard_derivation_enabled():
        return (
            f"Warn: {FIX_ISSUE_179_ENV} is set, so hdw::{path} uses standard BIP-32; "
            "without it, Go ioctl and pyioctl derive a different address for this path "
            "(btcutil hdkeychain issue #172)."
        )
    return (
        f"Warn: hdw::{path} is one of the keys where Go ioctl's derivation (btcutil "
        "hdkeychain issue #172), used here by default, differs from standard BIP-32: other "
        f"BIP-44 wallets give a different address. Set {FIX_ISSUE_179_ENV}=1 for the "
        "standard one."
    )


@hdwallet.command()
@click.option("-y", "--yes", "assume_yes", is_flag=True,
              help="Delete without asking (for scripts; Go ioctl has no such flag).")  # fmt: skip
@pass_app
def delete(app: App, assume_yes: bool) -> None:
    """Delete the HD wallet file. Without its mnemonic, derived keys are lost.

    Example: ioctl hdwallet delete -y
    """
    from .. import hdwallet as _hd

    path = _path(app)
    # Unlike Go, a missing file fails at once instead of after the confirmation.
    if path.exists() and not assume_yes:
        with wrapped(GoCode.INPUT):
            if not app.prompt.confirm(DELETE_INFO, what="hdwallet delete"):
                return
    try:
        _hd.delete(path)
    except HDWalletError as exc:
        raise CliError(str(exc)) from None  # Go's plain os.Remove error, no code
