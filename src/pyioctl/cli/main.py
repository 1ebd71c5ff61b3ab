"""``ioctl``: the root command group, global flags, and the one place errors become exit codes.

Subcommand groups are imported only when invoked, so each command pays only for what it
uses (``ioctl account list`` never imports scrypt, AES or a web server).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Any

import click

from ..errors import PyioctlError
from .cobra_style import IoctlCommand, IoctlGroup
from .context import App
from .output import EXIT_ERROR, EXIT_INTERRUPTED, CliError, GoCode, Output

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
    "version": ("pyioctl.cli.main", "version", "Print the version (as ioctl --version)"),
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


_VALUE_FLAGS = ("-o", "--output-format")
_BOOL_FLAGS = ("--non-interactive", "--interactive", "-q", "--quiet")


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move global flags after a subcommand to the front, as cobra's persistent flags allow."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in _VALUE_FLAGS and i + 1 < len(argv):
            front += [arg, argv[i + 1]]
            i += 2
            continue
        if (
            arg in _BOOL_FLAGS
            or arg.startswith(("--output-format=", "--non-interactive="))
            or (arg.startswith("-o") and not arg.startswith("--") and len(arg) > 2)
        ):
            if arg.startswith("--non-interactive="):
                value = arg.split("=", 1)[1].lower()
                arg = "--non-interactive" if value in ("true", "1", "") else "--interactive"
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _json_requested(argv: list[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg in _VALUE_FLAGS:
            return i + 1 < len(argv) and argv[i + 1] != ""
        if arg.startswith("--output-format="):
            return arg != "--output-format="
        if arg.startswith("-o") and not arg.startswith("--") and len(arg) > 2:
            return True
    return False


def _echo_raw_bytes() -> None:
    """Arguments that are not UTF-8 reach us with lone surrogates; printing them back (in
    ``<alias> is removed``, error texts…) must give the original bytes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            # A replaced stream (a test's, a wrapper's) may lack reconfigure: AttributeError.
            stream.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> Any:
    _echo_raw_bytes()
    args = hoist_global_flags(sys.argv[1:] if argv is None else argv)
    out = Output(json_mode=_json_requested(args))
    try:
        status = cli.main(args=args, prog_name="ioctl", standalone_mode=False)
    except CliError as exc:
        out.fail(exc)
    except PyioctlError as exc:
        out.fail(CliError(str(exc)))
    except click.exceptions.NoArgsIsHelpError as exc:
        # A bare group (`ioctl`, `ioctl account`) shows its help, as cobra does.
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        return 0
    except click.UsageError as exc:
        out.fail(CliError(exc.format_message(), GoCode.FLAG, usage=True))
    except click.ClickException as exc:
        out.fail(CliError(exc.format_message()))
    except (click.Abort, KeyboardInterrupt):
        sys.stderr.write("\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except OSError as exc:
        out.fail(CliError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)))
    except Exception as exc:  # a bug: say so in one line, traceback only on request
        if os.environ.get("PYIOCTL_DEBUG"):
            raise
        out.fail(
            CliError(f"internal error ({type(exc).__name__}); set PYIOCTL_DEBUG=1 for details")
        )
    return status if isinstance(status, int) else 0


__all__ = ["EXIT_ERROR", "cli", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
