"""Per-invocation state shared by the commands: output, prompts, and the lazily opened wallet.

The config directory is opened (and created on first run, printing Go's
``Config set to default values``) only by commands that use it, so ``jwt decode`` and
``--help`` touch nothing on disk, and do not even import the YAML and keystore code.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .output import GoCode, Output, wrapped
from .prompt import Prompter

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ..config import Config, ConfigFile
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

    def update_config(self, change: Callable[[Config], bool]) -> None:
        """Make ``change`` (True: something changed) to config.default as it is now; see
        ConfigFile.update. The wallet's aliases and default account follow."""
        with wrapped(GoCode.WRITE_FILE):
            self.config_file.update(change)

    def ask_password(self, text: str) -> str:
        return self.prompt.secret(text)
