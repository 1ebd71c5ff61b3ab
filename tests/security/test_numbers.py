"""Numbers are ASCII digits wherever they are parsed, as Go's strconv: Python's ``\\d``,
``str.isdigit`` and ``int()`` also take every other script's digits (١٢, １２, १२)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import config, gohex
from pyioctl.durations import parse_duration, to_seconds
from pyioctl.errors import ConfigError
from pyioctl.web.server import parse_listen

NON_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())


@settings(max_examples=100, deadline=None)
@given(digit=NON_ASCII_DIGITS, unit=st.sampled_from(["", "s", "m", "h", "d", "w"]))
def test_durations_take_ascii_digits_only(digit: str, unit: str) -> None:
    with pytest.raises(ValueError):
        parse_duration("1" + digit + unit)


@settings(max_examples=50, deadline=None)
@given(digit=NON_ASCII_DIGITS)
def test_config_integers_take_ascii_digits_only(digit: str) -> None:
    with pytest.raises(ConfigError):
        config.parse(f"nsv2height: 1{digit}\n")


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=12))
def test_hex_is_go_strict(text: str) -> None:
    try:
        data = gohex.decode(text)
    except ValueError as exc:
        assert str(exc).startswith("encoding/hex: ")
        assert not (len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text))
    else:
        assert data == bytes.fromhex(text) and " " not in text


@settings(max_examples=100, deadline=None)
@given(port=st.text(max_size=6))
def test_listen_ports_are_ascii_digits_only(port: str) -> None:
    try:
        _host, number = parse_listen("127.0.0.1:" + port)
    except ValueError as exc:
        assert str(exc).startswith("expected HOST:PORT")
    else:
        assert port.isascii() and port.isdigit() and number == int(port) <= 65535


def test_listen_hosts_bracket_ipv6() -> None:
    assert parse_listen("[::1]:0") == ("::1", 0)
    with pytest.raises(ValueError):
        parse_listen("127.0.0.1::0")


@settings(max_examples=100, deadline=None)
@given(value=st.floats() | st.integers())
def test_seconds_are_finite_or_refused(value: float) -> None:
    # inf used to escape as OverflowError: a policy with `leeway: .inf` crashed the load.
    try:
        seconds = to_seconds(value)
    except ValueError:
        assert not 0 <= value < float("inf")
    else:
        assert seconds == int(value) >= 0
