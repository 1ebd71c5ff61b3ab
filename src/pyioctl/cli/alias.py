"""``ioctl alias``: names for addresses, stored in config.default (go-ioctl.md §6)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .. import aliases as _aliases
from ..address import is_valid
from .cobra_style import IoctlGroup, pass_app
from .context import App
from .output import CliError, GoCode, wrapped

if TYPE_CHECKING:
    from ..config import Config

_FORMATS = click.Choice(["json", "yaml"])


@click.group(cls=IoctlGroup)
def alias() -> None:
    """Manage aliases of account addresses."""


@alias.command("set")
@click.argument("name", metavar="ALIAS")
@click.argument("address", metavar="ADDRESS")
@pass_app
def set_(app: App, name: str, address: str) -> None:
    """Point ALIAS at an io address (one alias per address).

    Example: ioctl alias set alice io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j
    """
    with wrapped(GoCode.VALIDATION, "invalid alias"):
        _aliases.check_alias(name)
    if not is_valid(address):
        raise CliError("invalid address: invalid IoTeX address", GoCode.VALIDATION)

    def point(config: Config) -> bool:
        _aliases.bind(config.aliases, name, address)
        return True

    app.update_config(point)
    app.out.result(f"{name} has been set!")


@alias.command()
@click.argument("name", metavar="ALIAS")
@pass_app
def remove(app: App, name: str) -> None:
    """Remove an alias.

    Example: ioctl alias remove alice
    """
    with wrapped(GoCode.VALIDATION, "invalid alias"):
        _aliases.check_alias(name)
    app.update_config(lambda config: config.aliases.pop(name, None) is not None)
    app.out.result(f"{name} is removed")


@alias.command("list")
@pass_app
def list_(app: App) -> None:
    """List aliases, sorted by name.

    Example: ioctl alias list
    """
    items = _aliases.sorted_items(app.wallet.aliases)
    text = "\n".join(f"{address} - {name}" for name, address in items)
    data = {
        "aliasNumber": len(items),
        "aliasList": [{"name": n, "address": a} for n, a in items] or None,
    }
    app.out.result(text, data)


@alias.command()
@click.option("-f", "--format", "fmt", type=_FORMATS, default="json", show_default=True,
              help="Export format.")  # fmt: skip
@pass_app
def export(app: App, fmt: str) -> None:
    """Print all aliases as JSON or YAML (to stdout; Go ioctl writes them to stderr).

    Example: ioctl alias export -f yaml > aliases.yaml
    """
    aliases = app.wallet.aliases
    text = _aliases.export_json(aliases) + "\n" if fmt == "json" else _aliases.export_yaml(aliases)
    sys.stdout.write(text)


@alias.command("import")
@click.argument("data", metavar="'DATA'|-")
@click.option("-f", "--format", "fmt", type=_FORMATS, default="json", show_default=True,
              help="Format of DATA.")  # fmt: skip
@click.option("-F", "--force-import", is_flag=True, help="Overwrite aliases that already exist.")
@pass_app
def import_(app: App, data: str, fmt: str, force_import: bool) -> None:
    """Import aliases from an export document (DATA, or - for stdin).

    Example: ioctl alias import "$(cat aliases.json)"
    """
    if data == "-":
        data = sys.stdin.read()
    with wrapped(GoCode.SERIALIZATION):
        entries = _aliases.parse_export(data, fmt)
    imported: list[dict[str, str]] = []
    unimported: list[dict[str, str]] = []

    def add(config: Config) -> bool:
        for name, address in entries:
            if name in config.aliases and not force_import:
                unimported.append({"name": name, "address": address})
                continue
            _aliases.bind(config.aliases, name, address)
            imported.append({"name": name, "address": address})
        return bool(imported)

    app.update_config(add)
    text = f"{len(imported)}/{len(entries)} aliases imported\nExisted aliases:" + "".join(
        f" {e['name']}" for e in unimported
    )
    app.out.result(
        text,
        {
            "importedNumber": len(imported),
            "totalNumber": len(entries),
            "imported": imported or None,
            "unimported": unimported or None,
        },
    )
