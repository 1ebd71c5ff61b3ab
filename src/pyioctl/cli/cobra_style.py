"""click classes that speak like cobra: argument-count and unknown-flag errors use ioctl's texts.

A mistyped command gets cobra's ``Did you mean this?`` list (what Go ioctl prints), a
mistyped flag click's ``Did you mean --x?`` (cobra has none for flags).
"""

from __future__ import annotations

from typing import Any

import click

from .context import App


def _arg_bounds(command: click.Command) -> tuple[int, int | None]:
    low = 0
    high: int | None = 0
    for param in command.params:
        if isinstance(param, click.Argument):
            if param.nargs == -1:
                high = None
            elif high is not None:
                high += param.nargs
            if param.required:
                low += max(param.nargs, 1)
    return low, high


def _count_message(low: int, high: int | None, received: int) -> str | None:
    if high is None:
        return (
            None if received >= low else f"requires at least {low} arg(s), only received {received}"
        )
    if low <= received <= high:
        return None
    if low == high:
        return f"accepts {low} arg(s), received {received}"
    if low == 0:
        return f"accepts at most {high} arg(s), received {received}"
    return f"accepts between {low} and {high} arg(s), received {received}"


class IoctlCommand(click.Command):
    """A command whose usage errors read like Go ioctl's (cobra's) ones."""

    def __init__(self, *args: Any, valid_args: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.valid_args = valid_args

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Completion parses half-typed lines: let click be lenient there.
        if not ctx.resilient_parsing and not any(a in ("--help", "-h") for a in args):
            try:
                positionals = self._positionals(ctx, args)
            except click.NoSuchOption as exc:
                raise click.UsageError(_unknown_flag(exc, ctx), ctx) from None
            except click.UsageError:
                positionals = None
            if positionals is not None:
                message = _count_message(*_arg_bounds(self), len(positionals))
                if message:
                    if self.valid_args:
                        message += f"\nValid arg(s): [{' '.join(self.valid_args)}]"
                    raise click.UsageError(message, ctx)
                # The first *positional*, not args[0]: that may be a flag (`config set
                # --insecure endpoint X`) or the `--` separator.
                first = positionals[0] if positionals else None
                if self.valid_args and first is not None and first not in self.valid_args:
                    raise click.UsageError(
                        f'invalid argument "{first}" for "{ctx.command_path}"', ctx
                    )
        return super().parse_args(ctx, args)

    def _positionals(self, ctx: click.Context, args: list[str]) -> list[str]:
        # click's parser hands positionals to the Argument params and leaves the rest over.
        values, leftover, _ = self.make_parser(ctx).parse_args(list(args))
        found: list[str] = []
        for param in self.params:
            value = values.get(param.name) if isinstance(param, click.Argument) else None
            if isinstance(value, (list, tuple)):
                found.extend(value)
            elif isinstance(value, str):
                found.append(value)
        return found + list(leftover)


def _unknown_flag(exc: click.NoSuchOption, ctx: click.Context) -> str:
    name = exc.option_name
    if name.startswith("--"):
        message = f"unknown flag: {name}"
    else:
        message = f"unknown shorthand flag: '{name.lstrip('-')[:1]}' in {name}"
    # click's candidates (difflib close matches), minus the flags kept only for Go's sake.
    hidden = {
        opt
        for param in ctx.command.params
        if getattr(param, "hidden", False)
        for opt in (*param.opts, *param.secondary_opts)
    }
    close = [p for p in exc.possibilities or () if p not in hidden]
    if len(close) == 1:
        message += f" Did you mean {close[0]}?"
    elif close:
        message += f" (Possible options: {', '.join(sorted(close))})"
    return message


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _suggestions(typed: str, names: list[str]) -> str:
    """cobra's ``findSuggestions``: names within edit distance 2 of, or starting with, what
    was typed (case-insensitive), as ``\n\nDid you mean this?\n\t<name>`` lines."""
    lowered = typed.lower()
    # A bound on the input keeps the quadratic distance cheap for any argument.
    if len(lowered) > 64:
        return ""
    found = [
        name
        for name in names
        if _levenshtein(lowered, name.lower()) <= 2 or name.lower().startswith(lowered)
    ]
    if not found:
        return ""
    return "\n\nDid you mean this?" + "".join(f"\n\t{name}" for name in found)


class IoctlGroup(click.Group):
    command_class = IoctlCommand

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            if args and not args[0].startswith("-"):
                names = [
                    name
                    for name in self.list_commands(ctx)
                    if not getattr(self.commands.get(name), "hidden", False)
                ]
                raise click.UsageError(
                    f'unknown command "{args[0]}" for "{ctx.command_path}"'
                    + _suggestions(args[0], names),
                    ctx,
                ) from None
            raise exc

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            raise click.UsageError(_unknown_flag(exc, ctx), ctx) from None


IoctlGroup.group_class = IoctlGroup

# The per-invocation App that the root command put on the context.
pass_app = click.make_pass_decorator(App)
