"""Reading secrets and confirmations (go-ioctl.md §1.5).

A terminal gets a hidden prompt; piped stdin is read one line per prompt from one shared
buffer (so ``printf 'pw\\npw\\n' | ioctl …`` answers two prompts), trailing CR/LF removed.
Confirmations need a terminal: without one (or with ``--non-interactive``) they fail
unless the command offers a ``-y`` flag.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from .output import CliError, GoCode, Output, is_terminal


def stdin_is_terminal() -> bool:
    return is_terminal(sys.stdin)


class Prompter:
    def __init__(self, out: Output, *, non_interactive: bool | None = None) -> None:
        self.out = out
        if non_interactive is None:
            non_interactive = (
                os.environ.get("IOCTL_NON_INTERACTIVE") == "1" or not stdin_is_terminal()
            )
        self.non_interactive = non_interactive

    def _read_line(self, what: str = "password") -> str:
        stream = sys.stdin.buffer if sys.stdin is not None else None
        line = stream.readline() if stream is not None else b""
        if not line:
            raise CliError(f"failed to read {what} from stdin: EOF", GoCode.INPUT)
        return line.rstrip(b"\r\n").decode("utf-8", "surrogateescape")

    def read_line(self, what: str = "input") -> str:
        """Read one visible line: echoed on a terminal, else from the buffer secrets share."""
        if not stdin_is_terminal():
            return self._read_line(what)
        line = sys.stdin.readline()
        if not line:
            raise CliError(f"failed to read {what} from stdin: EOF", GoCode.INPUT)
        return line.rstrip("\r\n")

    def secret(self, text: str) -> str:
        """Print ``text`` as a query, then read a secret (hidden on a terminal)."""
        self.out.query(text)
        return self.read_secret()

    def read_secret(self) -> str:
        if not stdin_is_terminal():
            return self._read_line()
        import getpass

        try:
            return getpass.getpass("")
        except EOFError:
            raise CliError("failed to read password from stdin: EOF", GoCode.INPUT) from None

    def new_password(
        self, text: str, again: str, *, ask: Callable[[str], str] | None = None
    ) -> str:
        """A new password, asked twice with ioctl's two prompts and compared; ``ask``
        replaces :meth:`secret` where a command words its read errors as Go does."""
        ask = self.secret if ask is None else ask
        first = ask(text)
        if ask(again) != first:
            raise CliError("password doesn't match", GoCode.VALIDATION)
        return first

    def confirm(self, info: str, *, what: str = "") -> bool:
        """Ask for ``yes``; False (after printing ``quit``) for any other answer."""
        if self.non_interactive:
            prefix = f"{what} requires interactive confirmation: " if what else ""
            raise CliError(
                prefix + "interactive input required (confirmation) but running in "
                "non-interactive mode; use flags to provide input",
                GoCode.INPUT,
            )
        self.out.confirmation(info)
        try:
            # read_line shares the secrets' buffer: a text-layer read would read ahead and
            # swallow the password lines that follow the answer.
            line = self.read_line("confirmation")
        except CliError:  # no answer at all is not a yes
            line = ""
        words = line.split()
        if words and words[0].lower() == "yes":
            return True
        self.out.result("quit")
        return False


# A token is at most a few KiB, and verify refuses anything over its limit.
_MAX_STDIN_TOKEN = 4 * 8192  # four times jwt's DEFAULT_MAX_TOKEN_SIZE


def read_token(token: str | None, command_path: str) -> str:
    """A token from the argument, or from stdin when it is absent or ``-`` (a pipe only)."""
    if token is None and stdin_is_terminal():
        # Reading a terminal would wait silently for input nobody knows to type.
        path = command_path
        raise CliError(
            "no token given",
            GoCode.INPUT,
            hint=f'Usage: {path} TOKEN, or pipe it in: echo "$TOKEN" | {path}',
        )
    if token is None or token == "-":
        # Bounded: a token is at most a few KiB, and verify refuses anything over its limit.
        token = sys.stdin.read(_MAX_STDIN_TOKEN)
    token = token.strip()
    if not token:
        raise CliError("no token given: pass it as an argument or on stdin", GoCode.INPUT)
    return token
