from __future__ import annotations

import pytest

from pyioctl.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3600", 3600), ("90m", 5400), ("24h", 86400), ("7d", 604800), ("1w", 604800),
     ("1h30m", 5400), ("45s", 45), (" 2H ", 7200), ("0", 0)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1x", "-5", "1.5h", "h", "1h 30m"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)
