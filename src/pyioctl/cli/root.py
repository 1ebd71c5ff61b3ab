"""The click command tree: the root group, its global flags, and its lazily loaded groups.

Subcommand groups are imported only when invoked, so each command pays only for what it
uses (``ioctl account create`` never imports a web server). cli/main.py runs this tree for
every command line the fast path (cli/fastpath.py) leaves to it.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .cobra_style import IoctlCommand, IoctlGroup
from .context import App
from .output import CliError, GoCode

_SUBGROUPS = {
    "account": ("pyioctl.cli.account", "account", "Manage accounts"),
    "alias": ("pyioctl.cli.alias", "alias", "Manage aliases of account addresses"),
    "completion": (
        "pyioctl.cli.completion",
        "completion",
        "Print a bash, zsh or fish completion script",
    ),
    "config": ("pyioctl.cli.config", "config", "Get, set, or reset configuration for ioctl"),
    "hdwallet": ("pyioctl.cli.hdwallet", "hdwallet", "Manage hdwallets"),
    "jwt": ("pyioctl.cli.jwt", "jwt", "Sign, verify, decode and serve JWT access tokens"),
    "version": ("pyioctl.cli.root", "version", "Print the version (as ioctl --version)"),
}


class RootGroup(IoctlGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_SUBGROUPS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = _SUBGROUPS.get(name)
        if spec is None:
            return None
        module_name, attr, _ = spec
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Describe groups without importing them: help stays fast.
        rows = [(name, spec[2]) for name, spec in sorted(_SUBGROUPS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-o",
    "--output-format",
    default="",
    metavar="FORMAT",
    help="Output as ioctl's JSON envelope (any non-empty value, e.g. json).",
)
@click.option(
    "--non-interactive/--interactive",
    default=None,
    help="Fail instead of asking for confirmation (default when stdin is not a terminal).",
)
@click.option("-q", "--quiet", is_flag=True, help="Accepted for compatibility; no effect here.")
@click.version_option(package_name="pyioctl", prog_name="ioctl (pyioctl)")
@click.pass_context
def cli(ctx: click.Context, output_format: str, non_interactive: bool | None, quiet: bool) -> None:
    """Command-line interface for IoTeX accounts, aliases, config and JWT access tokens.

    Works on the same ~/.config/ioctl/default wallet as Go ioctl. Network commands
    (balance, nonce, actions, info) are not part of this tool.
    """
    ctx.obj = App(json_mode=bool(output_format), non_interactive=non_interactive)


@click.command(cls=IoctlCommand)
@click.pass_context
def version(ctx: click.Context) -> None:
    """Print the version, exactly as ``ioctl --version`` does.

    Example: ioctl version
    """
    # The --version option's own callback: one text for both spellings.
    option = next(p for p in cli.params if p.name == "version")
    assert option.callback is not None
    option.callback(ctx, option, True)


def run(args: list[str]) -> Any:
    """Run the click tree on hoisted ``args``; click's own errors become :class:`CliError`."""
    try:
        return cli.main(args=args, prog_name="ioctl", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        # A bare group (`ioctl`, `ioctl account`) shows its help, as cobra does.
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        return 0
    except click.UsageError as exc:
        raise CliError(exc.format_message(), GoCode.FLAG, usage=True) from None
    except click.Abort:
        raise KeyboardInterrupt from None
    except click.ClickException as exc:
        raise CliError(exc.format_message()) from None
