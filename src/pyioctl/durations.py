"""Durations as people type them: ``3600``, ``90m``, ``24h``, ``7d``, ``1h30m``."""

from __future__ import annotations

import re

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
