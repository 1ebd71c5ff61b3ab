"""The PyYAML-free reader of config.default (issue 12): wherever it answers, it answers what
PyYAML's BaseLoader would; the files ioctl and pyioctl write are all within its subset;
and the commands that read the config no longer import PyYAML for them."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import imported
from pyioctl import jwt, plainyaml
from pyioctl.config import Config, dump, parse

_BASE = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# Characters that matter to YAML's grammar, plus ordinary ones, so generated documents
# hit the edges of the subset (indicators, quotes, colons, spaces, comments) often.
_TEXT = st.text(alphabet="ab0_.:-/ #'\"{}[]&*!|>%@`,?~=\\\t", max_size=8)


def _line(parts: tuple[str, str, str]) -> str:
    indent, key, value = parts
    return f"{indent}{key}:{value}"


_KEYS = st.sampled_from(["k", "a.b", "x_1", "0x12", "1", "'a b'", '"c:d"', "'it''s'", "y", "k"])
_VALUES = st.sampled_from(
    ["", " {}", " v", " io1abc", " api.x:443", " https://a.b/c?d=e", " ''", ' ""', " 'it''s'",
     " a:b", " 0x6325D", " true", " ~", " -1", " a-", " .5", ' "a b"', " 'x: y'"]
)  # fmt: skip
_WILD = st.tuples(
    st.sampled_from(["", "  ", " ", "    "]), _KEYS | _TEXT, _VALUES | _TEXT.map(" ".__add__)
).map(_line)
_ENTRY = st.tuples(_KEYS, _VALUES).map(lambda kv: f"{kv[0]}:{kv[1]}")
_NESTED = st.tuples(_KEYS, st.lists(_ENTRY, max_size=3)).map(
    lambda kn: "\n".join([f"{kn[0]}:", *("  " + line for line in kn[1])])
)
# Mostly documents of the subset's shape, with some lines anything at all.
_LINES = st.lists(_ENTRY | _NESTED | _ENTRY | _WILD, max_size=8)


def _pyyaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=_BASE)
    except yaml.YAMLError:
        return "<error>"


@settings(max_examples=400, deadline=None)
@given(_LINES)
def test_where_the_plain_reader_answers_pyyaml_agrees(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    mine = plainyaml.load(text)
    if mine is not None:
        assert mine == _pyyaml(text), text


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=5),
    st.text(max_size=40),
    st.text(max_size=40),
)
def test_written_files_read_back_the_same_either_way(
    aliases: dict[str, str], default_account: str, endpoint: str
) -> None:
    config = Config()
    config.reset("/home/u/.config/ioctl/default")
    config.aliases, config.default_account, config.endpoint = aliases, default_account, endpoint
    try:
        text = dump(config)
    except Exception:  # text dump() refuses (lone surrogates): nothing to read back
        return
    mine = plainyaml.load(text)
    if mine is not None:
        assert mine == yaml.load(text, Loader=_BASE)
    read = parse(text)
    assert (read.aliases, read.default_account, read.endpoint) == (
        aliases,
        default_account,
        endpoint,
    )


def test_the_first_run_file_and_ascii_aliases_are_in_the_subset() -> None:
    # "n" and "y" are quoted by the writer (YAML 1.1 booleans); names with spaces or
    # non-ASCII letters are outside the subset and left to PyYAML.
    config = Config(aliases={"acct0": "io1" + "q" * 38, "n": "io1x", "my-key.2": "io1y"})
    config.reset("/home/u/.config/ioctl/default")
    config.fill_in("/home/u/.config/ioctl/default")
    text = dump(config)
    assert plainyaml.load(text) == yaml.load(text, Loader=_BASE)


def test_outside_the_subset_pyyaml_decides() -> None:
    for text in (
        "a: b # comment\n",
        "a: [1, 2]\n",
        "a: &x b\n",
        "a: b\na: c\n",  # duplicate keys: PyYAML's rule, not ours
        "a:\n    b: c\n",
        "a: -\n",
        "a: |\n  b\n",
        'a: "\\u00e9"\n',
        "a: b",  # no final newline
        "a: café\n",
    ):
        assert plainyaml.load(text) is None, text


def test_long_lines_cost_linear_time() -> None:
    # No backtracking: a plain key ends at its first ':' and values are anchored.
    for text in ("a" + "a:" * 50_000 + " x\n", "a: " + "a:" * 50_000 + "\n"):
        assert plainyaml.load(text) is None


# Modules the hot commands must not import: PyYAML, the server, logging, completion.
_COLD = ("yaml", "uvicorn", "pyioctl.web", "pyioctl.policy", "logging", "click.shell_completion")


def test_hot_commands_import_neither_pyyaml_nor_the_server(ioctl, light_account) -> None:
    token = jwt.sign(light_account.key, sub="s", exp=2_000_000_000)
    for args in (
        ["account", "list"],
        ["alias", "list"],
        ["config", "get", "wallet"],
        ["account", "ethaddr", light_account.address],
        ["jwt", "decode", token],
        ["jwt", "verify", token, "--issuer", light_account.address],
    ):
        assert imported(ioctl, args, _COLD) == [], args
