"""Per-invocation state shared by the commands: output, prompts, and the lazily opened wallet.

The config directory is opened (and created on first run, printing Go's
``Config set to default values``) only by commands that use it, so ``jwt decode`` and
``--help`` touch nothing on disk, and do not even import the YAML and keystore code.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .output import GoCode, Output, wrapped
from .prompt import Prompter

if TYPE_CHECKING:
    from ..config import ConfigFile
    from ..wallet import Wallet


class App:
    def __init__(self, *, json_mode: bool, non_interactive: bool | None) -> None:
        self.out = Output(json_mode)
        self.prompt = Prompter(self.out, non_interactive=non_interactive)

    @cached_property
    def config_file(self) -> ConfigFile:
        from ..config import SUPPORTED_LANGUAGES, ConfigFile

        with wrapped(GoCode.CONFIG):
            opened = ConfigFile.open()
        if opened.created:
            self.out.notice("Config set to default values")
        language = opened.config.language
        if language not in SUPPORTED_LANGUAGES:
            self.out.warn(f"Warn: Language {language} is not supported, English instead.\n")
        return opened

    @cached_property
    def wallet(self) -> Wallet:
        from ..wallet import Wallet

        warned: set[Path] = set()

        def skipped(path: Path, reason: str) -> None:
            if path not in warned:  # the keystore may be listed more than once per command
                warned.add(path)
                self.out.warn(f"Warn: skipping unreadable file {path}: {reason}")

        return Wallet(self.config_file, on_skip=skipped)

    def save_config(self) -> None:
        with wrapped(GoCode.WRITE_FILE):
            self.config_file.save()

    def ask_password(self, text: str) -> str:
        return self.prompt.secret(text)


pass_app = click.make_pass_decorator(App)


def complete_signer(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for ``-s``: alias names, then the keystore's io addresses.

    Read straight from config.default and the key file headers: nothing is created,
    written, decrypted or printed, and any problem simply completes nothing.
    """
    from ..config import CONFIG_FILENAME, config_dir, parse
    from ..errors import PyioctlError
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
