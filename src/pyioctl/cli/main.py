"""``ioctl``'s entry point: global flags, the choice of fast path or click tree, and the one
place errors become exit codes.

The hot read-only commands run without importing click (cli/fastpath.py); everything else,
and any command line the fast path is not sure of, goes to the click tree (cli/root.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from ..errors import PyioctlError
from . import fastpath
from .output import EXIT_ERROR, EXIT_INTERRUPTED, CliError, Output

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


def main(argv: list[str] | None = None, *, fast: bool = True) -> Any:
    """Run one command line; ``fast=False`` sends every line through click (tests compare)."""
    _echo_raw_bytes()
    args = hoist_global_flags(sys.argv[1:] if argv is None else argv)
    out = Output(json_mode=_json_requested(args))
    try:
        status = _dispatch(args, fast)
    except CliError as exc:
        out.fail(exc)
    except PyioctlError as exc:
        out.fail(CliError(str(exc)))
    except KeyboardInterrupt:
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


def _dispatch(args: list[str], fast: bool) -> Any:
    command = fastpath.parse(args) if fast else None
    if command is not None:
        return command()
    from .root import run

    return run(args)


__all__ = ["EXIT_ERROR", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
