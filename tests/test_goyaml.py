"""yaml.v2's string scalars (go-ioctl.md §2): quoted exactly where Go quotes them."""

from __future__ import annotations

import pytest
import yaml

from pyioctl import goyaml
from pyioctl.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("", '""'),
        ("yes", '"yes"'),
        ("No", '"No"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("123", '"123"'),
        ("1e5", '"1e5"'),
        ("0x12", '"0x12"'),
        ("2001-01-01", '"2001-01-01"'),
        ("a: b", "'a: b'"),
        ("#x", "'#x'"),
        ("@x", "'@x'"),
        ("`x", "'`x'"),
        ("'x", "'''x'"),
        ('"x', "'\"x'"),
        ("x ", "'x '"),
        ("a #b", "'a #b'"),
        ("tab\tx", '"tab\\tx"'),
        ("中文", "中文"),
        ("plain text", "plain text"),
        ("api.iotex.one:443", "api.iotex.one:443"),
        ("https://ipfs.io", "https://ipfs.io"),
        (
            "0x6325D51b6F8bC78b00c55e6233e8824231C31DE2",
            "0x6325D51b6F8bC78b00c55e6233e8824231C31DE2",
        ),
        ("\x01", '"\\x01"'),
        ("a\nb", '"a\\nb"'),
        ("\x7f", '"\\x7F"'),
        ("x\x85y", '"x\\Ny"'),
        ("x\u2028y", '"x\\Ly"'),
    ],
)
def test_scalar_quoting(value: str, written: str) -> None:
    assert goyaml.scalar(value) == written
    assert yaml.load(f"k: {written}\n", Loader=yaml.BaseLoader) == {"k": value}


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        goyaml.scalar("/home/\udcff")
