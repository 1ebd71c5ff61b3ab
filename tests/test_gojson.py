"""Go encoding/json byte compatibility (go-ioctl.md §1.6)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import gojson


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<>&", '"\\u003c\\u003e\\u0026"'),
        ("\u2028\u2029", '"\\u2028\\u2029"'),
        ('"\\', '"\\"\\\\"'),
        ("\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'),
        ("\x00\x01\x1f", '"\\u0000\\u0001\\u001f"'),
        ("\x7f", '"\x7f"'),
        ("中文 é", '"中文 é"'),
        ("😀", '"😀"'),
        ("\udcff", '"\ufffd"'),  # invalid UTF-8 (surrogateescape) becomes U+FFFD
        ("/", '"/"'),
    ],
)
def test_string_escaping(value: str, expected: str) -> None:
    assert gojson.dumps(value) == expected


def test_compact_and_indent_layout() -> None:
    value = {"messageType": "result", "message": {"a": [1, 2], "b": None, "c": True, "d": {}}}
    assert gojson.dumps(value) == (
        '{"messageType":"result","message":{"a":[1,2],"b":null,"c":true,"d":{}}}'
    )
    assert gojson.dumps(value, indent=True) == (
        "{\n"
        '  "messageType": "result",\n'
        '  "message": {\n'
        '    "a": [\n'
        "      1,\n"
        "      2\n"
        "    ],\n"
        '    "b": null,\n'
        '    "c": true,\n'
        '    "d": {}\n'
        "  }\n"
        "}"
    )


def test_empty_list_indent() -> None:
    # Go MarshalIndent writes an empty slice as [] (not "[\n]").
    assert gojson.dumps({"accounts": []}, indent=True) == '{\n  "accounts": []\n}'


def test_keys_escaped_and_sortable() -> None:
    assert gojson.dumps({"b<": 1, "a": 2}) == '{"b\\u003c":1,"a":2}'
    assert gojson.dumps({"b": 1, "a": 2, "B": 3}, sort_keys=True) == '{"B":3,"a":2,"b":1}'


def test_struct_order_kept() -> None:
    assert gojson.dumps({"z": 1, "a": 2}) == '{"z":1,"a":2}'


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    encoded = gojson.dumps({"k": text})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert "\u2028" not in encoded and "\u2029" not in encoded
    expected = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    assert json.loads(encoded) == {"k": expected}
