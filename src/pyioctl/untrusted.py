"""Parsing JSON and YAML that come from outside, in time linear in their size.

Every boundary where text from a user, a file or the network is parsed (tokens, key
files, aliases, ``--with-arguments``, policies) goes through here, so one place bounds
size and nesting: Python's JSON scanner and PyYAML's composer recurse once per level and
fail with RecursionError (or deeper in the interpreter) on ``[[[…``.
"""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_MAX_SIZE = 1 << 20
# Real documents nest a handful of levels; a fixed bound makes acceptance independent of
# the interpreter's recursion limit, which other code (test runners among them) may raise.
DEFAULT_MAX_DEPTH = 64


class UntrustedInputError(ValueError):
    """Input refused before or while parsing: not JSON/YAML, too large or too deep.

    ``line`` is the 1-based line where YAML nesting went too deep, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# Every alternative consumes at least one character and a string may run to the end
# unterminated, so each finditer step moves forward and the scan is linear. (With the
# closing quote required, an unterminated string made the scan restart at every later
# quote and rescan to the end: quadratic, 0.2 s for an 8 KB token.) In valid JSON the
# scan stays in step with the strings; after an unterminated one the parser stops anyway.
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether JSON text opens more than ``limit`` arrays/objects at once."""
    if text.count("[") + text.count("{") <= limit:  # C-speed, true for nearly every input
        return False
    depth = 0
    for match in _NESTING.finditer(text):
        char = match.group()
        if char == "[" or char == "{":
            depth += 1
            if depth > limit:
                return True
        elif char == "]" or char == "}":
            depth -= 1
    return False


_INF = float("inf")


def finite_float(text: str) -> float:
    """``parse_float`` that refuses numbers beyond float range (``1e999``): Python reads
    them as infinity, which Go's decoder refuses and JSON output cannot hold."""
    value = float(text)
    if value == _INF or value == -_INF:
        raise UntrustedInputError(f"number {text[:24]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise UntrustedInputError(f"{name} is not JSON")


def load_json(
    text: str | bytes, *, max_size: int = DEFAULT_MAX_SIZE, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """``json.loads`` with size and depth checked first; every failure (syntax, size,
    depth, a number too long for int() or too large for a float) is UntrustedInputError."""
    if len(text) > max_size:
        raise UntrustedInputError(f"larger than {max_size} bytes")
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if nesting_exceeds(text, max_depth):
            raise UntrustedInputError(f"nested more than {max_depth} levels deep")
        return json.loads(text, parse_constant=_no_constant, parse_float=finite_float)
    except UntrustedInputError:
        raise
    except UnicodeDecodeError:
        raise UntrustedInputError("not UTF-8") from None
    except RecursionError:  # only when the caller's own stack is nearly full
        raise UntrustedInputError("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, int()'s digit limit
        raise UntrustedInputError(str(exc)) from None


def check_yaml(
    text: str, *, max_size: int = DEFAULT_MAX_SIZE, max_depth: int = DEFAULT_MAX_DEPTH
) -> None:
    """Refuse YAML too large or nested too deeply before anything composes it.

    PyYAML's parser is a state machine (no recursion), so walking its events is linear
    and safe; syntax errors surface here as yaml.YAMLError with their line."""
    import yaml

    if len(text) > max_size:
        raise UntrustedInputError(f"larger than {max_size} bytes")
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, starts):
            depth += 1
            if depth > max_depth:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise UntrustedInputError(f"nested more than {max_depth} levels deep", line)
        elif isinstance(event, ends):
            depth -= 1


def load_yaml(
    text: str, *, max_size: int = DEFAULT_MAX_SIZE, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """``yaml.safe_load`` after ``check_yaml``; every failure is UntrustedInputError."""
    import yaml

    try:
        check_yaml(text, max_size=max_size, max_depth=max_depth)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UntrustedInputError:
        raise
    except yaml.YAMLError as exc:
        raise UntrustedInputError(
            str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        ) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # constructors: dates, ints
        raise UntrustedInputError(f"invalid value: {exc}") from None
