"""The hot commands' fast path (cli/fastpath.py) answers every command line exactly as the
click tree does, and runs without importing click."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import VECTOR_IO, VECTOR_KEY, imported
from pyioctl import jwt
from pyioctl.cli import fastpath
from pyioctl.cli.cobra_style import _arg_bounds
from pyioctl.cli.main import hoist_global_flags, main
from pyioctl.cli.root import cli
from pyioctl.config import ConfigFile
from pyioctl.keys import PrivateKey
from pyioctl.keystore import Keystore, ScryptParams

KEY = PrivateKey.from_hex(VECTOR_KEY)
OTHER = PrivateKey.from_hex("11" * 32)
TOKEN = jwt.sign(KEY, sub="weather", scope="Read Create", exp=2_000_000_000, iat=1_700_000_000)
EXPIRED = jwt.sign(KEY, sub="s", scope="Read", exp=1_700_000_100, iat=1_700_000_000)


def _click_command(group: str, name: str) -> click.Command:
    ctx = click.Context(cli)
    parent = cli.get_command(ctx, group)
    assert isinstance(parent, click.Group)
    command = parent.get_command(ctx, name)
    assert command is not None
    return command


@pytest.mark.parametrize("names", sorted(fastpath.COMMANDS), ids=" ".join)
def test_the_option_table_is_the_click_commands(names: tuple[str, str]) -> None:
    """Every option the fast path reads is the click option of that name, with the same
    destination, value-or-flag kind and repetition; positional bounds are click's."""
    fast = fastpath.COMMANDS[names]
    command = _click_command(*names)
    options = {
        opt: param
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
    }
    for flag, option in fast.options.items():
        param = options[flag]
        assert param.name == option.dest, flag
        assert param.is_flag == (option.convert is None), flag
        assert param.multiple == option.multiple, flag
    assert _arg_bounds(command) == (fast.min_args, fast.max_args)


# ------------------------------------------------------------ both paths, same answer


@pytest.fixture(scope="module")
def wallet_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    opened = ConfigFile.open(home / ".config" / "ioctl" / "default")
    Keystore(opened.wallet_dir).store(KEY, "pw", params=ScryptParams(n=1 << 10))
    opened.config.aliases["k1"] = KEY.address
    opened.config.aliases["other"] = OTHER.address
    opened.save()
    return home


_VALUES = st.sampled_from(
    ["", "-", "-x", "--strict", "Read", "Create", "Read Create", "weather", "k1", "nobody",
     VECTOR_IO, OTHER.address, "0x" + KEY.public_key.hex(), "1700000050", "2100000000",
     " 5", "5_0", "٣", "+7", "1e3", "90m", "1h30m", "7d", "abc", TOKEN, EXPIRED, "a.b.c"]
)  # fmt: skip
_OPTIONS = [*fastpath.COMMANDS["jwt", "verify"].options, "--issue", "--help", "-h", "--"]
_GLOBALS = ["-o", "json", "-ojson", "--output-format=json", "--output-format=", "-o", "",
            "--non-interactive", "--interactive", "-q", "--quiet"]  # fmt: skip
_WORDS = st.one_of(
    _VALUES,
    st.sampled_from(_OPTIONS),
    st.builds(lambda o, v: f"{o}={v}", st.sampled_from(_OPTIONS), _VALUES),
    st.sampled_from(_GLOBALS),
)
_HEADS = [[*names] for names in sorted(fastpath.COMMANDS)] + [
    ["-o", "json", "jwt", "verify"],
    ["account", "-q", "list"],
    ["jwt", "--help"],
    ["account"],
    [],
]
_COMMAND_LINES = st.builds(
    lambda head, words, tail: [*head, *words, *tail],
    st.sampled_from(_HEADS),
    st.lists(_WORDS, max_size=6),
    st.lists(st.sampled_from([TOKEN, EXPIRED, VECTOR_IO, "k1"]), max_size=2),
)
# Lines the fast path takes: every option spelled as it expects, with plain values.
_PLAIN_WORDS = st.one_of(
    st.sampled_from(["--any-issuer", "--require-exp", "--strict", "-q", "--non-interactive"]),
    st.tuples(
        st.sampled_from(["--issuer", "--scope", "--sub", "--at", "--leeway", "--max-lifetime"]),
        st.sampled_from(["k1", VECTOR_IO, "Read", "weather", "1700000050", "90m", "0", "x"]),
        st.booleans(),
    ).map(lambda t: [f"{t[0]}={t[1]}"] if t[2] else [t[0], t[1]]),
)
_PLAIN_LINES = st.builds(
    lambda head, words, tail: [*head, *words, *tail],
    st.sampled_from([["jwt", "verify"], ["-o", "json", "jwt", "verify"]]),
    st.lists(_PLAIN_WORDS, max_size=6).map(
        lambda words: [w for word in words for w in ([word] if isinstance(word, str) else word)]
    ),
    st.lists(st.sampled_from([TOKEN, EXPIRED]), max_size=1),
)
# Durations from now (`decode`'s "in 8760h0m0s", "expired by 26807h1m2s"): the tokens'
# times are hours away, and the clock may tick between the two runs.
_FROM_NOW = re.compile(r"[0-9]+h[0-9]+m[0-9]+s")


def _run(argv: list[str], fast: bool, capsys: pytest.CaptureFixture[str]) -> tuple:
    try:
        status = main(list(argv), fast=fast)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, _FROM_NOW.sub("…", out), _FROM_NOW.sub("…", err)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=st.one_of(_COMMAND_LINES, _PLAIN_LINES))
def test_fast_and_click_paths_answer_alike(
    argv: list[str], wallet_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(wallet_home))
        # stdin is never read: a missing token must fail the same way on both paths.
        patch.setattr(sys, "stdin", open(__file__, encoding="utf-8"))  # noqa: SIM115
        try:
            fast = _run(argv, True, capsys)
            sys.stdin.seek(0)
            slow = _run(argv, False, capsys)
        finally:
            sys.stdin.close()
    assert fast == slow, argv


def test_the_fast_path_takes_the_plain_lines_it_is_for() -> None:
    hoisted = hoist_global_flags
    for argv in (
        ["account", "list"],
        ["account", "ethaddr", VECTOR_IO, "-o", "json"],
        ["jwt", "decode", TOKEN],
        ["jwt", "decode"],
        ["jwt", "verify", TOKEN, "--issuer", "k1", "--issuer=other", "--scope", "Read",
         "--sub=weather", "--at", "1700000050", "--leeway", "90m", "--max-lifetime=7d",
         "--require-exp", "--strict", "--non-interactive"],
    ):  # fmt: skip
        assert fastpath.parse(hoisted(argv)) is not None, argv
    for argv in (
        ["account", "list", "extra"],
        ["account", "ethaddr"],
        ["jwt", "verify", TOKEN, "--scope", "-x"],
        ["jwt", "verify", TOKEN, "--at", "٣"],
        ["jwt", "verify", TOKEN, "--leeway", "soon"],
        ["jwt", "verify", TOKEN, "--strict=yes"],
        ["jwt", "verify", "--", TOKEN],
        ["jwt", "decode", "--help"],
        ["account", "create"],
        ["--version"],
    ):
        assert fastpath.parse(hoisted(argv)) is None, argv


# ------------------------------------------------------------ what gets imported


@pytest.mark.parametrize(
    ("args", "click_loaded"),
    [
        (["account", "list"], False),
        (["account", "ethaddr", VECTOR_IO], False),
        (["jwt", "decode", TOKEN], False),
        (["jwt", "verify", TOKEN, "--issuer", VECTOR_IO, "--at", "1700000050"], False),
        (["jwt", "verify", "--help"], True),  # the probe does see click when it is used
        (["alias", "list"], True),
    ],
    ids=lambda value: " ".join(value)[:24] if isinstance(value, list) else str(value),
)
def test_hot_commands_run_without_click(
    ioctl, light_account, args: list[str], click_loaded: bool
) -> None:
    assert imported(ioctl, args, ("click",)) == (["click"] if click_loaded else [])


def test_listing_accounts_loads_no_cryptography(ioctl, light_account) -> None:
    # Key files name their address: listing them needs no secp256k1, Keccak or OpenSSL.
    watched = ("click", "coincurve", "sha3", "_hashlib", "uuid", "Crypto")
    assert imported(ioctl, ["account", "list"], watched) == []


def test_a_completion_request_is_answered_by_click_whatever_the_arguments(ioctl) -> None:
    # A shell's completion hook sets the variable; click answers before any command runs.
    env = {"_IOCTL_COMPLETE": "bash_complete", "COMP_WORDS": "ioctl jwt ver", "COMP_CWORD": "2"}
    rc, out, err = ioctl("jwt", "decode", TOKEN, env=env)
    assert rc == 0, err
    assert out.split() == ["plain,verify"]
