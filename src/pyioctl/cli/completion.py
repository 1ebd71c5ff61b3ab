"""``ioctl completion SHELL``: the script that makes a shell complete ioctl's commands.

The script calls ``ioctl`` back with ``_IOCTL_COMPLETE`` set; click answers those calls
before any command runs, so this module (and click's ``shell_completion``) is loaded
only when a script is generated.
"""

from __future__ import annotations

import click

from .cobra_style import IoctlCommand
from .fastpath import COMPLETE_VAR

_SHELLS = ("bash", "zsh", "fish")


@click.command(cls=IoctlCommand, valid_args=list(_SHELLS))
@click.argument("shell", type=click.Choice(_SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    Example: ioctl completion bash > ~/.local/share/bash-completion/completions/ioctl
             ioctl completion zsh > "${fpath[1]}/_ioctl"
             ioctl completion fish > ~/.config/fish/completions/ioctl.fish
    Or for this shell only: eval "$(ioctl completion bash)"
    """
    from click.shell_completion import get_completion_class

    from .root import cli

    completer = get_completion_class(shell)
    if completer is None:  # pragma: no cover - click ships all three
        raise click.UsageError(f"unsupported shell {shell}")
    script = completer(cli, {}, "ioctl", COMPLETE_VAR).source()
    click.echo(script.rstrip("\n"))
