"""``ioctl account``: local key management on the shared keystore (go-ioctl.md §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import address as _address
from .. import gohex, gojson
from ..aliases import check_new_alias
from ..errors import KeyFormatError
from ..keys import PrivateKey, recover_message_signer
from . import account_reports
from .cobra_style import IoctlGroup, pass_app
from .context import App
from .output import CliError, GoCode, wrapped
from .signer import DECRYPTING, complete_signer, unlock_signer

if TYPE_CHECKING:
    from ..config import Config


@click.group(cls=IoctlGroup)
def account() -> None:
    """Manage accounts in the keystore (~/.config/ioctl/default).

    Network commands of Go ioctl (balance, nonce, actions, info) are not part of this
    tool: it never contacts a node.
    """


def _new_key_file(app: App, alias: str, key: PrivateKey) -> str:
    """Ask for the new password twice and store ``key``; returns its io address."""
    password = app.prompt.new_password(
        f"#{alias}: Set password\n", f"#{alias}: Enter password again\n"
    )
    with wrapped(GoCode.KEYSTORE, "failed to import private key into keystore "):
        app.wallet.keystore.store(key, password)
    return key.address


def _name(app: App, alias: str, io_address: str) -> None:
    """Point ``alias`` at a newly stored account (Go sets it, leaving other aliases be)."""

    def point(config: Config) -> bool:
        config.aliases[alias] = io_address
        return True

    app.update_config(point)


def _alias_in_use(app: App, alias: str) -> str | None:
    """The address a valid new ``alias`` names now, if any."""
    with wrapped(GoCode.VALIDATION, "invalid alias"):
        return check_new_alias(app.wallet.aliases, alias)


def _check_new_alias(app: App, alias: str) -> None:
    existing = _alias_in_use(app, alias)
    if existing is not None:
        raise CliError(
            f'invalid alias: alias "{alias}" has already used for {existing}', GoCode.VALIDATION
        )


@account.command()
@click.option("-n", "--num", default=1, type=click.IntRange(0, 10_000), show_default=True,
              help="Number of accounts to generate.")  # fmt: skip
@pass_app
def create(app: App, num: int) -> None:
    """Generate new key pairs and print them; nothing is saved.

    Example: ioctl account create -n 2
    """
    keys = [PrivateKey.generate() for _ in range(num)]
    accounts = [
        {
            "address": k.address,
            "ethAddress": _address.eth_lower(k.public_key.hash160),
            "privateKey": k.hex(),
            "publicKey": k.public_key.hex(),
        }
        for k in keys
    ]
    payload = {"accounts": accounts}
    app.out.result(gojson.dumps(payload, indent=True), payload)


@account.command()
@click.argument("alias")
@pass_app
def createadd(app: App, alias: str) -> None:
    """Create a new account, save it to the keystore and name it ALIAS.

    Example: ioctl account createadd alice
    """
    existing = _alias_in_use(app, alias)
    if existing is not None:
        info = (
            f'** Alias "{alias}" has already used for {existing}\n'
            "Overwriting the account will keep the previous keystore file stay, "
            "but bind the alias to the new one.\nWould you like to continue?\n"
        )
        with wrapped(GoCode.INPUT, "cannot confirm in non-interactive mode"):
            if not app.prompt.confirm(info):
                return
    key = PrivateKey.generate()
    io_address = _new_key_file(app, alias, key)
    _name(app, alias, io_address)
    app.out.result(
        f'New account "{alias}" is created.\nIO address:  {io_address}\n'
        f"ETH address: {key.eth_address}\n"
        "Please Keep your password, or you will lose your private key."
    )


@account.group("import", cls=IoctlGroup)
def import_() -> None:
    """Import an account from a private key or a keystore file."""


def _finish_import(app: App, alias: str, key: PrivateKey) -> None:
    if app.wallet.keystore.find(key.public_key.hash160) is not None:
        raise CliError(
            "failed to import private key into keystore : account already exists", GoCode.KEYSTORE
        )
    io_address = _new_key_file(app, alias, key)
    _name(app, alias, io_address)
    app.out.result(
        f"New account #{alias} is created. Keep your password, or you will lose your private key."
    )


@import_.command("key")
@click.argument("alias")
@pass_app
def import_key(app: App, alias: str) -> None:
    """Import a private key (read without echo) as ALIAS.

    Example: ioctl account import key alice
    """
    _check_new_alias(app, alias)
    text = app.prompt.secret(
        f"#{alias}: Enter your private key, which will not be exposed on the screen."
    )
    try:
        key = PrivateKey.from_hex(text)
    except KeyFormatError as exc:
        # Unlike Go, never echo the (secret) input in the error.
        raise CliError(
            f"failed to generate private key from hex string : {exc}", GoCode.CRYPTO
        ) from None
    _finish_import(app, alias, key)


@import_.command("keystore")
@click.argument("alias")
@click.argument("filepath", type=click.Path(dir_okay=False))
@pass_app
def import_keystore(app: App, alias: str, filepath: str) -> None:
    """Import a keystore file (re-encrypted under a new password) as ALIAS.

    Example: ioctl account import keystore alice ./UTC--2024-…--3f9c…
    """
    from ..keystore import decrypt, read_key_file

    _check_new_alias(app, alias)
    try:
        data = read_key_file(filepath)
    except OSError as exc:
        raise CliError(
            f'keystore file "{filepath}" read error: {exc.strerror}', GoCode.READ_FILE
        ) from None
    password = app.prompt.secret(
        f"#{alias}: Enter your password of keystore, which will not be exposed on the screen."
    )
    with wrapped(GoCode.KEYSTORE, "failed to decrypt key"), app.out.progress(DECRYPTING) as begin:
        begin()
        key = decrypt(data, password, where=filepath)
    _finish_import(app, alias, key)


def _exported_key(app: App, signer: str) -> PrivateKey:
    """The key behind ``export``/``exportpublic``: resolve, ask the password, decrypt."""
    with wrapped(GoCode.ADDRESS, "failed to get address"):
        address = app.wallet.resolve_signer(signer)
    with wrapped(GoCode.KEYSTORE, "failed to get private key from keystore"):
        return unlock_signer(app, address, None)


@account.command()
@click.argument("signer", metavar="ALIAS|ADDRESS|hdw::PATH")
@pass_app
def export(app: App, signer: str) -> None:
    """Print the private key (hex) of an account, after asking for its password.

    Example: ioctl account export alice
    """
    app.out.result(_exported_key(app, signer).hex())


@account.command()
@click.argument("signer", metavar="ALIAS|ADDRESS|hdw::PATH")
@pass_app
def exportpublic(app: App, signer: str) -> None:
    """Print the uncompressed public key (130 hex) of an account.

    Example: ioctl account exportpublic alice
    """
    app.out.result(_exported_key(app, signer).public_key.hex())


@account.command("list")
@pass_app
def list_(app: App) -> None:
    """List the accounts in the keystore, with their aliases.

    Example: ioctl account list
    """
    account_reports.list_accounts(app)


@account.command()
@click.argument("target", required=False, default="", metavar="[ALIAS|ADDRESS]")
@click.option("-y", "--yes", "assume_yes", is_flag=True,
              help="Delete without asking (for scripts; Go ioctl has no such flag).")  # fmt: skip
@pass_app
def delete(app: App, target: str, assume_yes: bool) -> None:
    """Delete an account's key file (the default account when none is given).

    Example: ioctl account delete alice -y
    """
    with wrapped(GoCode.ADDRESS, "failed to get address"):
        io_address = app.wallet.resolve_or_default(target)
    found = app.wallet.find_account(io_address)
    if found is None:
        raise CliError(
            f"crypto file of account #{io_address} not found: stat : no such file or directory",
            GoCode.CRYPTO,
        )
    info = (
        "** This is an irreversible action!\n"
        "Once an account is deleted, all the assets under this account may be lost!\n"
        "Type 'YES' to continue, quit for anything else."
    )
    if not assume_yes:
        with wrapped(GoCode.INPUT):
            if not app.prompt.confirm(info, what="account delete"):
                return
    with wrapped(GoCode.KEYSTORE, "failed to delete account"):
        app.wallet.keystore.delete(found)

    def forget(config: Config) -> bool:
        names = [n for n, a in config.aliases.items() if a == io_address]
        for name in names:
            del config.aliases[name]
        return bool(names)

    app.update_config(forget)
    app.out.result(f"Account #{io_address} has been deleted.")


@account.command()
@click.argument("target", required=False, default="", metavar="[ALIAS|ADDRESS]")
@pass_app
def update(app: App, target: str) -> None:
    """Change an account's password (the default account when none is given).

    Example: ioctl account update alice
    """
    with wrapped(GoCode.ADDRESS, "failed to get address"):
        io_address = app.wallet.resolve_or_default(target)
    found = app.wallet.find_account(io_address)
    if found is None:
        # Go prints success here although nothing changed.
        raise CliError(f"account #{io_address} is not in the keystore", GoCode.KEYSTORE)
    current = app.prompt.secret(f"#{io_address}: Enter current password\n")
    with (
        wrapped(GoCode.KEYSTORE, "error occurs when checking current password"),
        app.out.progress(DECRYPTING) as begin,
    ):
        begin()
        app.wallet.keystore.unlock(found, current)
    new = app.prompt.new_password(
        f"#{io_address}: Enter new password\n", f"#{io_address}: Enter new password again\n"
    )
    with wrapped(GoCode.KEYSTORE, "failed to update account"):
        app.wallet.keystore.update(found, current, new)
    app.out.result(f"Account #{io_address} has been updated.")


@account.command()
@click.argument("target", metavar="ALIAS|IO_ADDRESS|ETH_ADDRESS")
@pass_app
def ethaddr(app: App, target: str) -> None:
    """Show an account's io address and EIP-55 Ethereum address.

    Example: ioctl account ethaddr io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j
    """
    account_reports.ethaddr(app, target)


def _message_bytes(message: str) -> bytes:
    """ioctl signs hex: an optional 0x prefix, then hex digits (text must be hex-encoded)."""
    digits = message[2:] if message[:2].lower() == "0x" else message
    try:
        return gohex.decode(digits)
    except ValueError as exc:
        raise CliError(str(exc), GoCode.CONVERT) from None


@account.command()
@click.argument("message")
@click.option("-s", "--signer", required=True, metavar="ALIAS|ADDRESS|hdw::PATH",
              help="Account that signs.", shell_complete=complete_signer)  # fmt: skip
@click.option("--prefix", type=click.Choice(["eth", "iotex"]), default="eth", show_default=True,
              help="Message preamble: eth (Go ioctl, personal_sign) or iotex "
                   "(iotex-antenna's Account.sign/recover).")  # fmt: skip
@pass_app
def sign(app: App, message: str, signer: str, prefix: str) -> None:
    """Sign a hex MESSAGE like Ethereum personal_sign; prints r||s||v (130 hex).

    Example: ioctl account sign 0x68656c6c6f -s alice
    """
    data = _message_bytes(message)
    with wrapped(GoCode.ADDRESS, "failed to get address"):
        address = app.wallet.resolve_signer(signer)
    with wrapped(GoCode.KEYSTORE, "failed to sign message"):
        key = unlock_signer(app, address, None)
    app.out.result(key.sign_message(data, prefix).hex())


@account.command("verify")
@pass_app
def verify_key(app: App) -> None:
    """Read a private key and show its address and public key.

    Example: ioctl account verify
    """
    app.out.raw("Enter private key:")
    text = app.prompt.read_secret()
    with wrapped(GoCode.CRYPTO, "failed to generate private key from hex string"):
        key = PrivateKey.from_hex(text)
    pub = key.public_key
    app.out.result(
        f"Address:\t{pub.address}\nPublic Key:\t{pub.hex()}",
        {"address": pub.address, "publicKey": pub.hex()},
    )


@account.command("recover")
@click.argument("message")
@click.argument("signature")
@click.option("--prefix", type=click.Choice(["eth", "iotex"]), default="eth", show_default=True,
              help="Message preamble: eth (Go ioctl, personal_sign) or iotex "
                   "(iotex-antenna's Account.sign/recover).")  # fmt: skip
@pass_app
def recover(app: App, message: str, signature: str, prefix: str) -> None:
    """Show the address that produced an ``account sign`` SIGNATURE over hex MESSAGE.

    Example: ioctl account recover 0x68656c6c6f 7b4024…584d01
    """
    data = _message_bytes(message)
    try:
        raw = gohex.decode(signature.removeprefix("0x"))
        pub = recover_message_signer(data, raw, prefix)
    except (ValueError, KeyFormatError) as exc:
        raise CliError(f"invalid signature: {exc}", GoCode.CRYPTO) from None
    app.out.result(pub.address, {"address": pub.address, "publicKey": pub.hex()})
