"""What users and files hand the CLI: deep or huge JSON/YAML is one clear error (or, in
the wallet directory, a skipped file with a warning), numbers are ASCII digits as in Go."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import VECTOR_IO, check_error

DEEP_JSON = "[" * 100_000
DEEP_OBJECT = '{"a":' * 50_000


@pytest.mark.parametrize("text", [DEEP_JSON, DEEP_OBJECT, "[" * 100 + "]" * 100])
def test_deep_file_in_the_wallet_is_skipped_with_a_warning(
    ioctl, wallet, light_account, text: str
) -> None:
    bad = wallet.wallet_dir / "UTC--2024-01-01T00-00-00.000000000Z--deep"
    bad.write_text(text)
    result = ioctl("account", "list")
    assert result.rc == 0, result
    assert result.stdout == f"{VECTOR_IO} - k1\n"
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr, result.stderr
    assert "internal error" not in result.stderr
    signed = ioctl("jwt", "sign", "-s", "k1", "-P", "pw", "--with-arguments", '{"sub":"s"}')
    assert signed.rc == 0, signed
    assert "JWT token: ey" in signed.stdout


def test_deep_keystore_import_is_one_error(ioctl, home: Path, wallet, unchanged) -> None:
    source = home / "deep.json"
    source.write_text(DEEP_JSON)
    check = unchanged()
    check_error(
        ioctl("account", "import", "keystore", "imp", str(source), input="pw\n"),
        f"failed to decrypt key: {source}: not a keystore JSON file",
    )
    check()


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("json", '{"aliases":' + "[" * 5000 + "]" * 5000 + "}"),
        ("json", '{"aliases":[' + '{"a":' * 3000),
        ("yaml", "aliases: " + "[" * 500 + "]" * 500),
        ("yaml", "aliases:\n" + "".join("  " * i + "- \n" for i in range(1, 200))),
    ],
)
def test_deep_alias_import_is_one_error(ioctl, wallet, unchanged, fmt: str, data: str) -> None:
    check = unchanged()
    line = check_error(ioctl("alias", "import", "-f", fmt, data))
    assert line.startswith("Error: failed to unmarshal imported aliases: "), line
    check()


@pytest.mark.parametrize(
    "arguments",
    ['{"sub":' + "[" * 5000 + "]" * 5000 + "}", '{"a":' * 5000, '{"x":1e999}'],
)
def test_bad_with_arguments_is_one_error(ioctl, light_account, arguments: str) -> None:
    line = check_error(ioctl("jwt", "sign", "-s", "k1", "-P", "pw", "--with-arguments", arguments))
    assert line.startswith("Error: failed to unmarshal arguments: "), line


@pytest.mark.parametrize(
    "exp",
    ["١٧٩٩٠٠٠٠٠٠", "１７９９０００００００", "१७९९०००००००", "17990000٠٠"],
)
def test_exp_in_other_scripts_digits_is_refused_like_go(ioctl, light_account, exp: str) -> None:
    arguments = json.dumps({"exp": exp}, ensure_ascii=False)
    check_error(
        ioctl("jwt", "sign", "-s", "k1", "-P", "pw", "--with-arguments", arguments),
        f'invalid expire time: strconv.ParseInt: parsing "{exp}": invalid syntax',
    )


def test_exp_with_thousands_of_digits_is_out_of_range(ioctl, light_account) -> None:
    exp = "1" * 5000
    check_error(
        ioctl("jwt", "sign", "-s", "k1", "-P", "pw", "--with-arguments", f'{{"exp":"{exp}"}}'),
        f'invalid expire time: strconv.ParseInt: parsing "{exp}": value out of range',
    )


def test_null_argument_is_the_empty_string_as_in_go(ioctl, light_account) -> None:
    result = ioctl(
        "jwt", "sign", "-s", "k1", "-P", "pw", "-o", "json",
        "--with-arguments", '{"exp":null,"sub":"s","scope":null}',
    )  # fmt: skip
    assert result.rc == 0, result
    token = result.stdout.split("JWT token: ")[1].split("\\n")[0]
    decoded = ioctl("jwt", "decode", token, "-o", "json")
    assert decoded.rc == 0, decoded
    claims = json.loads(decoded.stdout)["message"]["claims"]
    assert claims["sub"] == "s" and "exp" not in claims and "scope" not in claims  # omitempty
