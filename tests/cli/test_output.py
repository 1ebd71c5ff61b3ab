"""Process-level behaviour (go-ioctl.md §1): output modes, the JSON envelope, errors, exit codes,
help texts, and what a command imports."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from helpers import VECTOR_ETH, VECTOR_IO, VECTOR_KEY, check_error, envelopes, imported
from pyioctl import jwt as pjwt
from pyioctl.cli.root import cli
from pyioctl.keys import PrivateKey

ETHADDR_ENVELOPE = (
    '{\n  "messageType": "result",\n  "message": {\n'
    f'    "ioAddr": "{VECTOR_IO}",\n    "ethAddr": "{VECTOR_ETH}"\n  }}\n}}\n'
)


# ----------------------------------------------------------------- -o anywhere


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "json", "account", "ethaddr", VECTOR_IO],
        ["account", "-o", "json", "ethaddr", VECTOR_IO],
        ["account", "ethaddr", "-o", "json", VECTOR_IO],
        ["account", "ethaddr", VECTOR_IO, "-o", "json"],
        ["account", "ethaddr", VECTOR_IO, "-ojson"],
        ["--output-format", "json", "account", "ethaddr", VECTOR_IO],
        ["account", "ethaddr", VECTOR_IO, "--output-format=json"],
        ["-o", "yaml", "account", "ethaddr", VECTOR_IO],  # any value selects the envelope
    ],
)
def test_output_flag_anywhere(ioctl, wallet, args: list[str]) -> None:
    assert ioctl(*args) == (0, ETHADDR_ENVELOPE, "")


def test_empty_output_format_is_human(ioctl, wallet) -> None:
    assert (
        ioctl("-o", "", "account", "ethaddr", VECTOR_IO).stdout == f"{VECTOR_IO} - {VECTOR_ETH}\n"
    )


# ----------------------------------------------------------------- errors and exit codes


def test_runtime_error_human(ioctl, wallet) -> None:
    rc, out, err = ioctl("account", "ethaddr", "nope")
    assert (rc, out, err) == (1, "", "Error: cannot find address for alias nope\n")


def test_runtime_error_json_exits_non_zero_with_the_envelope_on_stdout(ioctl, wallet) -> None:
    rc, out, err = ioctl("-o", "json", "account", "ethaddr", "nope")
    assert (rc, err) == (1, "")
    assert out == (
        '{\n  "messageType": "error",\n  "message": {\n    "code": 12,\n'
        '    "info": "cannot find address for alias nope"\n  }\n}\n'
    )


@pytest.mark.parametrize(
    ("args", "info"),
    [
        (["nosuch"], 'unknown command "nosuch" for "ioctl"'),
        (["account", "nosuch"], 'unknown command "nosuch" for "ioctl account"'),
        (["account", "list", "--bogus"], "unknown flag: --bogus"),
        (["account", "export", "k", "-P", "pw"], "unknown shorthand flag: 'P' in -P"),
        (["account", "ethaddr"], "accepts 1 arg(s), received 0"),
        (["account", "ethaddr", "a", "b"], "accepts 1 arg(s), received 2"),
        (["account", "delete", "a", "b"], "accepts at most 1 arg(s), received 2"),
        (["alias", "set", "a"], "accepts 2 arg(s), received 1"),
        (["account", "list", "extra"], "accepts 0 arg(s), received 1"),
    ],
)
def test_usage_errors(ioctl, wallet, args: list[str], info: str) -> None:
    check_error(ioctl(*args), info)


@pytest.mark.parametrize(
    ("args", "info"),
    [
        (["nosuch"], 'unknown command "nosuch" for "ioctl"'),
        (["account", "export", "k", "-P", "pw"], "unknown shorthand flag: 'P' in -P"),
        (["account", "delete", "a", "b"], "accepts at most 1 arg(s), received 2"),
    ],
)
def test_usage_errors_in_json_mode(ioctl, wallet, args: list[str], info: str) -> None:
    # Usage errors too are an envelope on stdout (code 9, FlagError), exit 1.
    rc, out, err = ioctl("-o", "json", *args)
    assert (rc, err) == (1, "")
    assert json.loads(out) == {"messageType": "error", "message": {"code": 9, "info": info}}


def test_error_codes_in_json_mode(ioctl, wallet) -> None:
    def code(*args: str, input: str | None = None) -> int:
        rc, out, _ = ioctl("-o", "json", *args, input=input)
        assert rc == 1
        *_, error = envelopes(out)
        assert error["messageType"] == "error"
        return error["message"]["code"]

    assert code("alias", "set", "a" * 41, VECTOR_IO) == 5  # ValidationError
    assert code("config", "set", "endpoint", "https://x") == 15  # ConfigError
    assert code("account", "export", "nope") == 12  # AddressError
    assert code("account", "createadd", "x", input="a\nb\n") == 5
    assert code("alias", "import", "{") == 6  # SerializationError


def test_missing_home(ioctl) -> None:
    result = ioctl("account", "list", env={"HOME": None})
    check_error(result, "HOME is not set: cannot locate ~/.config/ioctl/default")
    rc, out, err = ioctl("-o", "json", "alias", "list", env={"HOME": None})
    assert (rc, err) == (1, "")
    assert json.loads(out)["message"]["info"] == (
        "HOME is not set: cannot locate ~/.config/ioctl/default"
    )


def test_missing_home_is_fine_for_commands_without_a_wallet(ioctl) -> None:
    assert ioctl("account", "ethaddr", VECTOR_ETH, env={"HOME": None}).rc == 1  # needs aliases
    assert ioctl("account", "create", "-n", "0", env={"HOME": None}).rc == 0
    assert ioctl("--help", env={"HOME": None}).rc == 0


def test_go_escaping_in_the_envelope(ioctl, wallet) -> None:
    wallet.set_alias("<&>\u2028", VECTOR_IO)
    out = ioctl("-o", "json", "alias", "list").stdout
    assert '"name": "\\u003c\\u0026\\u003e\\u2028"' in out


def test_version(ioctl) -> None:
    rc, out, _ = ioctl("--version")
    assert rc == 0 and "pyioctl" in out


# ----------------------------------------------------------------- help


def _leaf_commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, ctx, (*path, name))
        else:
            yield (*path, name), command


def _wallet_commands() -> list[tuple[str, ...]]:
    ctx = click.Context(cli)
    return [
        path for path, _ in _leaf_commands(cli, ctx) if path[0] in ("account", "alias", "config")
    ]


@pytest.mark.parametrize("path", _wallet_commands(), ids=" ".join)
def test_every_command_has_help_with_a_description_and_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: ioctl {' '.join(path)}" in result.output.replace("cli ", "ioctl ")
    assert "Example: ioctl " in result.output
    ctx = click.Context(cli)
    command = cli
    for name in path:
        command = command.get_command(ctx, name)
    assert command.get_short_help_str(limit=200)  # a one-line description


def test_account_help_says_network_commands_are_out_of_scope(ioctl, home: Path) -> None:
    rc, out, _ = ioctl("account", "--help")
    assert rc == 0
    assert "balance, nonce, actions, info" in " ".join(out.split())


# ----------------------------------------------------------------- what gets imported

# Modules only the commands that decrypt a key or write a completion script may import.
_HEAVY = (
    "Crypto.Protocol.KDF",
    "Crypto.Cipher.AES",
    "click.shell_completion",
    "pyioctl.cli.completion",
)
_TOKEN = pjwt.sign(PrivateKey.from_hex(VECTOR_KEY), sub="s", iat=1_700_000_000)


@pytest.mark.parametrize(
    "args",
    [
        ["account", "list"],
        ["account", "ethaddr", VECTOR_IO],
        ["alias", "list"],
        ["config", "get", "wallet"],
        ["account", "create", "-n", "1"],
        ["jwt", "decode", _TOKEN],
        ["jwt", "verify", _TOKEN, "--any-issuer"],
    ],
    ids=lambda args: " ".join(args)[:20],
)
def test_commands_that_decrypt_nothing_import_no_scrypt_or_aes(
    ioctl, light_account, args: list[str]
) -> None:
    assert imported(ioctl, args, _HEAVY) == []


@pytest.mark.parametrize(
    ("args", "input", "module"),
    [
        (["account", "export", "k1"], "pw\n", "Crypto.Protocol.KDF"),  # a key is decrypted
        (["completion", "bash"], None, "click.shell_completion"),  # a script is made
    ],
    ids=["scrypt", "completion"],
)
def test_the_probe_does_see_the_heavy_import_a_command_needs(
    ioctl, light_account, args: list[str], input: str | None, module: str
) -> None:
    assert module in imported(ioctl, args, _HEAVY, input=input)


@pytest.mark.parametrize("group", [[], ["account"], ["jwt"], ["hdwallet"]])
def test_a_bare_group_shows_its_help(ioctl, group) -> None:
    rc, out, err = ioctl(*group)
    assert rc == 0 and err == ""
    assert out.startswith(f"Usage: ioctl {' '.join(group)}".rstrip() + " [OPTIONS] COMMAND")
