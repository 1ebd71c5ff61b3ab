"""click classes that speak like cobra: argument-count and unknown-flag errors use ioctl's texts."""

from __future__ import annotations

from typing import Any

import click


def _arg_bounds(command: click.Command) -> tuple[int, int | None]:
    low, high = 0, 0
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
        if not any(a in ("--help", "-h") for a in args):
            try:
                positionals = self._positionals(ctx, args)
            except click.NoSuchOption as exc:
                raise click.UsageError(_unknown_flag(exc), ctx) from None
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


def _unknown_flag(exc: click.NoSuchOption) -> str:
    name = exc.option_name
    if name.startswith("--"):
        return f"unknown flag: {name}"
    return f"unknown shorthand flag: '{name.lstrip('-')[:1]}' in {name}"


class IoctlGroup(click.Group):
    command_class = IoctlCommand

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            if args and not args[0].startswith("-"):
                raise click.UsageError(
                    f'unknown command "{args[0]}" for "{ctx.command_path}"', ctx
                ) from None
            raise exc

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            raise click.UsageError(_unknown_flag(exc), ctx) from None


IoctlGroup.group_class = IoctlGroup
