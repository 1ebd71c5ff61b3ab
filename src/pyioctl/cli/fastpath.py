"""The hot commands without click: ``account list``, ``account ethaddr``, ``jwt verify`` and
``jwt decode``, run straight from a plain command line.

Scripts call these most, and importing click alone costs more than three times a bare
interpreter's start-up. :func:`parse` takes only the command lines it reads exactly as
click would: the hoisted global flags, then the command, its options spelled in full and
its positionals. Anything else (help, an unknown or misspelt flag, a value that looks like
a flag, ``--``, a wrong number of arguments, a value click would convert or refuse
differently) gives ``None``, and cli/main.py hands the line to click, which answers as
it always has. tests/cli/test_fastpath.py runs both paths on generated command lines and
checks the option table below against the click commands.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from .context import App

# Set, click answers a shell's completion request instead of running the command line.
COMPLETE_VAR = "_IOCTL_COMPLETE"


def _int(text: str) -> int:
    # click's INT takes what int() takes (" 7", "7_0", "٧"); only plain digits are certain.
    if not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    return int(text)


def _duration(text: str) -> int:
    from ..durations import parse_duration  # only when a duration flag is given

    return parse_duration(text)


class Option:
    __slots__ = ("convert", "dest", "multiple")

    def __init__(
        self, dest: str, convert: Callable[[str], Any] | None, *, multiple: bool = False
    ) -> None:
        self.dest = dest
        self.convert = convert  # None: a flag, which takes no value
        self.multiple = multiple


class Command:
    __slots__ = ("function", "max_args", "min_args", "module", "options")

    def __init__(
        self, module: str, function: str, options: dict[str, Option], min_args: int, max_args: int
    ) -> None:
        self.module = module  # cli/account_reports.py or cli/jwt_reports.py, loaded to run
        self.function = function
        self.options = options
        self.min_args = min_args
        self.max_args = max_args


_VERIFY_OPTIONS = {
    "--issuer": Option("issuers", str, multiple=True),
    "--any-issuer": Option("any_issuer", None),
    "--scope": Option("scope", str),
    "--sub": Option("sub", str),
    "--at": Option("at", _int),
    "--leeway": Option("leeway", _duration),
    "--max-lifetime": Option("max_lifetime", _duration),
    "--require-exp": Option("require_exp", None),
    "--strict": Option("strict", None),
}

COMMANDS = {
    ("account", "list"): Command("account_reports", "list_accounts", {}, 0, 0),
    ("account", "ethaddr"): Command("account_reports", "ethaddr", {}, 1, 1),
    ("jwt", "verify"): Command("jwt_reports", "verify_token", _VERIFY_OPTIONS, 0, 1),
    ("jwt", "decode"): Command("jwt_reports", "decode_token", {}, 0, 1),
}


def parse(args: list[str]) -> Callable[[], Any] | None:
    """The hot command that hoisted ``args`` name, ready to run; ``None`` for click to take."""
    if COMPLETE_VAR in os.environ:
        return None
    json_mode, non_interactive = False, None
    i = 0
    while i < len(args) and args[i].startswith("-"):
        arg = args[i]
        if arg in ("--non-interactive", "--interactive"):
            non_interactive = arg == "--non-interactive"
        elif arg not in ("-q", "--quiet"):
            if arg in ("-o", "--output-format"):
                i += 1
                value = args[i] if i < len(args) else "-"
            elif arg.startswith("--output-format="):
                value = arg.partition("=")[2]
            elif arg.startswith("-o") and not arg.startswith("--"):
                value = arg[2:]
            else:
                return None
            if value.startswith("-"):
                return None
            json_mode = bool(value)
        i += 1
    command = COMMANDS.get((args[i], args[i + 1])) if i + 2 <= len(args) else None
    if command is None:
        return None
    found = _parse_command(command, args[i + 2 :])
    if found is None:
        return None
    positionals, options = found

    def run() -> Any:
        module = importlib.import_module(f"{__package__}.{command.module}")
        app = App(json_mode=json_mode, non_interactive=non_interactive)
        return getattr(module, command.function)(app, *positionals, **options)

    return run


def _parse_command(command: Command, args: list[str]) -> tuple[list[str], dict[str, Any]] | None:
    positionals: list[str] = []
    options: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            positionals.append(arg)
            continue
        name, equals, value = arg.partition("=")
        option = command.options.get(name)
        if option is None:
            return None
        if option.convert is None:
            if equals:
                return None
            options[option.dest] = True
            continue
        if not equals:
            if i == len(args):
                return None
            value = args[i]
            i += 1
        if value.startswith("-"):
            return None
        try:
            converted = option.convert(value)
        except ValueError:
            return None
        if option.multiple:
            options[option.dest] = (*options.get(option.dest, ()), converted)
        else:
            options[option.dest] = converted
    if not command.min_args <= len(positionals) <= command.max_args:
        return None
    return positionals, options
