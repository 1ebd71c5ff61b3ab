"""Durations as people type them: ``3600``, ``90m``, ``24h``, ``7d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# [0-9], not \d: \d and isdigit() take every script's digits (١٢), which Go refuses.
_PART = re.compile(r"([0-9]+)([smhdw])")


def parse_duration(text: str) -> int:
    """Seconds in ``text``: a bare integer (seconds) or number-unit pairs, units s m h d w."""
    text = text.strip().lower()
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or _PART.sub("", text):
        raise ValueError(f"invalid duration {text!r}: use seconds or e.g. 90m, 24h, 7d, 1h30m")
    return sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))


def to_seconds(value: int | float | timedelta | str) -> int:
    """Whole non-negative seconds from a number, a ``timedelta`` or a duration string.

    The one conversion behind every ``leeway``/``max_lifetime``-style setting, so the
    library, the policy file and the CLI accept the same spellings. Fractions are dropped
    (token times are whole seconds).
    """
    if isinstance(value, bool):
        raise ValueError("expected seconds, not a boolean")
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("must not be negative")
        if value != value or value == float("inf"):
            raise ValueError("must be a finite number of seconds")
        return int(value)
    raise ValueError(f"expected seconds or a duration like 30s, 5m, 2h, 7d, not {value!r}")
