"""Go's view of strings: bytes, lengths, strconv.Quote and strconv.ParseUint."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import gocompat


def test_undecodable_bytes_come_back_as_themselves() -> None:
    raw = b"al\xffce"
    text = raw.decode("utf-8", "surrogateescape")
    assert gocompat.go_bytes(text) == raw
    assert gocompat.byte_length(text) == 5
    assert gocompat.byte_length("中") == 3


def test_go_bytes_orders_as_go_sorts_map_keys() -> None:
    # Go compares bytes: "B" < "b" < "é"; a surrogate (byte 0xff) after all valid UTF-8.
    names = ["é", "b", "\udcff", "B"]
    assert sorted(names, key=gocompat.go_bytes) == ["B", "b", "é", "\udcff"]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("a", '"a"'), ('a"\t', r'"a\"\t"'), ("\x00", r'"\x00"'), ("\x85", r'"\u0085"'),
     ("١", '"١"'), ("\U0001f600", '"\U0001f600"'), ("\U000e0001", r'"\U000e0001"')],
)  # fmt: skip
def test_quote(text: str, quoted: str) -> None:
    assert gocompat.quote(text) == quoted


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "invalid syntax"), ("+1", "invalid syntax"), ("0x1", "invalid syntax"),
     ("4294967296", "value out of range"), ("99999999999x", "value out of range")],
)  # fmt: skip
def test_parse_uint32_errors(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as exc:
        gocompat.parse_uint32(text)
    assert str(exc.value) == f"strconv.ParseUint: parsing {gocompat.quote(text)}: {problem}"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_parse_uint32_agrees_with_int_in_range(text: str) -> None:
    if int(text) <= 0xFFFFFFFF:
        assert gocompat.parse_uint32(text) == int(text)
    else:
        with pytest.raises(ValueError, match="value out of range"):
            gocompat.parse_uint32(text)
