"""Everything the CLI prints: human text, Go ioctl's ``-o json`` envelope, errors, exit codes.

Spec §1.3/§1.4. Human mode prints each message followed by a newline (Go ``Println``).
JSON mode prints ``{"messageType": …, "message": …}`` pretty-printed with Go's encoder.
Unlike Go ioctl, an error always exits non-zero, in JSON mode too.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from enum import IntEnum
from typing import Any, NoReturn, TextIO

from .. import gojson
from ..errors import PyioctlError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class GoCode(IntEnum):
    """ioctl's ``output.ErrorCode`` values, shown as ``code`` in the JSON error envelope."""

    UNDEFINED = 0
    UPDATE = 1
    RUNTIME = 2
    NETWORK = 3
    API = 4
    VALIDATION = 5
    SERIALIZATION = 6
    READ_FILE = 7
    WRITE_FILE = 8
    FLAG = 9
    CONVERT = 10
    CRYPTO = 11
    ADDRESS = 12
    INPUT = 13
    KEYSTORE = 14
    CONFIG = 15
    INSTANTIATION = 16
    COMPILER = 17


class CliError(PyioctlError):
    """An error as ioctl reports it: one ``info`` line and Go's error code, ``go_code``.

    ``reason`` is the library error's stable ``code`` where one caused it.
    """

    code = "cli"

    def __init__(
        self,
        info: str,
        go_code: GoCode = GoCode.UNDEFINED,
        *,
        usage: bool = False,
        reason: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(info)
        self.info = info
        self.go_code = go_code
        self.usage = usage
        self.reason = reason
        self.hint = hint  # a second stderr line in human mode, e.g. how to call the command


# The ioctl error code Go ioctl gives the same failure, by the library error's stable
# ``code``, where pyioctl reports a library error as it stands; unlisted codes are Go's
# plain errors (0).
GO_CODES = {
    "hdwallet_corrupt": GoCode.VALIDATION,
    "hdwallet_io": GoCode.INPUT,
    "hdwallet_not_found": GoCode.INPUT,
    "hdwallet_truncated": GoCode.INPUT,
    "invalid_default_account": GoCode.VALIDATION,
    "invalid_endpoint": GoCode.CONFIG,
    "invalid_explorer": GoCode.CONFIG,
    "invalid_height": GoCode.VALIDATION,
    "invalid_language": GoCode.CONFIG,
    "invalid_link": GoCode.VALIDATION,
    "wrong_password": GoCode.VALIDATION,
}


# Go ioctl's text where it words a failure otherwise than the library does.
GO_MESSAGES = {"hdwallet_not_found": "Run 'ioctl hdwallet create' to create your HDWallet first."}


def go_message(exc: PyioctlError) -> str:
    return GO_MESSAGES.get(exc.code, str(exc))


def library_error(exc: PyioctlError) -> CliError:
    """A library error as Go ioctl reports the same failure: its text and Go's code."""
    return CliError(go_message(exc), GO_CODES.get(exc.code, GoCode.UNDEFINED))


@contextlib.contextmanager
def wrapped(code: GoCode, prefix: str = "") -> Iterator[None]:
    """Go's ``output.NewError(code, prefix, err)``: re-raise library errors as ``prefix: cause``.

    An inner CliError keeps its own code unless ``code`` is set, as in Go.
    """
    try:
        yield
    except CliError as exc:
        info = f"{prefix}: {exc.info}" if prefix else exc.info
        raise CliError(info, code or exc.go_code) from None
    except PyioctlError as exc:
        raise CliError(f"{prefix}: {exc}" if prefix else str(exc), code) from None


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Output:
    """Prints results, prompts and errors in the selected format."""

    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        # Set by a command whose stdout is one value for $(…) (jwt sign --token-only):
        # its prompts then go to stderr, where a terminal still shows them.
        self.queries_to_stderr = False

    @staticmethod
    def _write(text: str, stream: TextIO) -> None:
        stream.write(text + "\n")
        stream.flush()

    def _envelope(self, message_type: str, message: Any, stream: TextIO | None = None) -> None:
        text = gojson.dumps({"messageType": message_type, "message": message}, indent=True)
        self._write(text, stream or sys.stdout)

    def result(self, text: str, data: Any = None) -> None:
        """A command's result: ``text`` in human mode, ``data`` (or ``text``) in JSON mode."""
        if self.json_mode:
            self._envelope("result", text if data is None else data)
        else:
            self._write(text, sys.stdout)

    def raw(self, text: str) -> None:
        """Printed as is in both modes (Go prints some values without the envelope)."""
        self._write(text, sys.stdout)

    def query(self, text: str) -> None:
        stream = sys.stderr if self.queries_to_stderr else sys.stdout
        if self.json_mode:
            self._envelope("query", text, stream)
        else:
            self._write(text, stream)

    def confirmation(self, info: str) -> None:
        if self.json_mode:
            self._envelope("confirmation", {"info": info, "options": ["yes"]})
        else:
            self._write(f"{info}\nOptions: yes\nQuit for anything else.", sys.stdout)

    def warn(self, text: str) -> None:
        """Warnings go to stderr so they never mix with a result that is piped on."""
        if self.json_mode:
            self._envelope("warn", text, sys.stderr)
        else:
            self._write(text, sys.stderr)

    def notice(self, text: str) -> None:
        """Side remarks Go prints on stdout; kept off stdout in JSON mode so it stays JSON."""
        if self.json_mode:
            sys.stderr.write(text + "\n")
        else:
            sys.stdout.write(text + "\n")

    def status(self, text: str) -> None:
        """A progress remark for the person at the terminal: stderr, never mixed with results."""
        self._write(text, sys.stderr)

    @contextlib.contextmanager
    def progress(self, text: str) -> Iterator[Callable[[], None]]:
        """Yields ``begin``: once called, ``text`` shows on a terminal's stderr until the
        block ends, then the line is erased so prompts, results and errors start clean.
        Not shown when stderr is a file or pipe: logs get no progress noise."""
        shown = False

        def begin() -> None:
            nonlocal shown
            if not shown and is_terminal(sys.stderr):
                sys.stderr.write(text)
                sys.stderr.flush()
                shown = True

        try:
            yield begin
        finally:
            if shown:
                sys.stderr.write("\r\x1b[K")  # back to column 0, erase to the end of line
                sys.stderr.flush()

    def fail(self, error: CliError) -> NoReturn:
        if self.json_mode:
            message: dict[str, Any] = {"code": int(error.go_code), "info": error.info}
            if error.reason:
                message["reason"] = error.reason  # our stable code, e.g. "expired"
            self._envelope("error", message)
        else:
            sys.stderr.write(f"Error: {error.info}\n")
            if error.hint:
                sys.stderr.write(error.hint + "\n")
            sys.stderr.flush()
        raise SystemExit(EXIT_ERROR)
