"""config.default (go-ioctl.md §2): first-run bytes, yaml.v2 quoting, parsing, start-up fill-in."""

from __future__ import annotations

import stat
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl import config as cfg
from pyioctl.config import Config, ConfigFile
from pyioctl.errors import ConfigError
from vectors import vector

DEFAULT = vector("config_default_yaml")
ALICE_DIR = "/home/alice/.config/ioctl/default"
CONTRACT = "0x6325D51b6F8bC78b00c55e6233e8824231C31DE2"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------- the first-run file


def test_config_default_yaml_vector_first_run(tmp_path: Path) -> None:
    directory = tmp_path / "home" / ".config" / "ioctl" / "default"
    opened = ConfigFile.open(directory)
    assert opened.created
    data = opened.path.read_bytes()
    # Byte-identical to yaml.v2's file, apart from the home directory in `wallet`.
    assert data.decode().replace(str(directory), ALICE_DIR) == DEFAULT["content"]
    parsed = cfg.parse(data.decode())
    expected = cfg.parse(DEFAULT["content"])
    assert parsed.wallet == str(directory)
    parsed.wallet = expected.wallet
    assert parsed == expected
    assert _mode(directory) == 0o700
    assert _mode(opened.path) == 0o600


def test_config_default_yaml_vector_parses_to_the_defaults() -> None:
    parsed = cfg.parse(DEFAULT["content"])
    assert parsed.wallet == ALICE_DIR
    assert parsed.endpoint == "api.iotex.one:443" and parsed.secure_connect is True
    assert parsed.aliases == {} and parsed.default_account == ""
    assert parsed.nsv2height == 5165641
    assert parsed.ws_project_register_contract == "0x6325D51b6F8bC78b00c55e6233e8824231C31DE2"
    assert parsed.ioid_project_store_contract == "0xa822Fd390e8eD3FEC80Bd26c77DD036935463b5E"
    assert parsed.extra == {}
    assert not parsed.fill_in(ALICE_DIR)  # complete: Go would not rewrite it


def test_config_default_yaml_vector_round_trips_byte_exact() -> None:
    assert cfg.dump(cfg.parse(DEFAULT["content"])) == DEFAULT["content"]


def test_vector_reads_the_same_with_a_yaml_1_1_loader() -> None:
    # What a generic YAML reader sees of the typed fields.
    loaded = yaml.safe_load(DEFAULT["content"])
    assert loaded["nsv2height"] == 5165641 and loaded["secureConnect"] is True
    assert loaded["defaultAccount"] == {"addressOrAlias": ""} and loaded["aliases"] == {}


def test_key_order_is_ioctls() -> None:
    keys = [line.split(":")[0] for line in DEFAULT["content"].splitlines() if line[0] != " "]
    assert keys == [f.metadata["yaml"] for f in fields(Config) if f.metadata["yaml"]]


def test_invalid_utf8_value_is_refused_not_written() -> None:
    config = Config()
    config.reset("/x")
    config.wallet = "/home/\udcff"
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        cfg.dump(config)


def test_aliases_sorted_by_bytes_and_quoted() -> None:
    config = cfg.parse(DEFAULT["content"])
    config.aliases = {"b": "io1b", "B": "io1B", "yes": "io1y", "é": "io1e", "": "io1empty"}
    text = cfg.dump(config)
    block = text.split("aliases:\n", 1)[1].split("defaultAccount:", 1)[0]
    assert block == ('  "": io1empty\n  B: io1B\n  b: io1b\n  "yes": io1y\n  é: io1e\n')
    assert cfg.parse(text).aliases == config.aliases


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=16)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=_TEXT, value=_TEXT)
def test_any_text_survives_a_write_and_read(name: str, value: str) -> None:
    config = cfg.parse(DEFAULT["content"])
    config.aliases = {name: value, "other": "x"}
    config.explorer = value
    config.default_account = name
    config.wallet = value
    back = cfg.parse(cfg.dump(config))
    assert back.aliases == config.aliases
    assert (back.explorer, back.default_account, back.wallet) == (value, name, value)


# ----------------------------------------------------------------- parsing


def test_unknown_keys_are_kept() -> None:
    text = DEFAULT["content"] + "futureKey: someValue\nnested:\n  a: 1\n"
    parsed = cfg.parse(text)
    assert parsed.extra == {"futureKey": "someValue", "nested": {"a": "1"}}
    again = cfg.parse(cfg.dump(parsed))
    assert again.extra == parsed.extra


def test_go_written_values_parse() -> None:
    text = (
        "wallet: '/home/a b/w'\nendpoint: 127.0.0.1:14014\nsecureConnect: false\n"
        'aliases:\n  alice: io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j\n  "123": io1x\n'
        "defaultAccount:\n  addressOrAlias: alice\nlanguage: 中文\nnsv2height: 42\n"
    )
    parsed = cfg.parse(text)
    assert parsed.wallet == "/home/a b/w"
    assert parsed.secure_connect is False
    assert parsed.aliases == {"alice": "io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j", "123": "io1x"}
    assert parsed.default_account == "alice"
    assert parsed.language == "中文" and parsed.nsv2height == 42


@pytest.mark.parametrize("text", ["", "{}\n", "aliases:\ndefaultAccount:\n"])
def test_empty_documents(text: str) -> None:
    parsed = cfg.parse(text)
    assert parsed.aliases == {} and parsed.default_account == ""
    assert parsed.fill_in("/x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wallet: [\n", "failed to parse config file"),
        ("- a\n- b\n", "not a mapping"),
        ("secureConnect: maybe\n", "secureConnect"),
        ("nsv2height: -1\n", "nsv2height"),
        ("nsv2height: 18446744073709551616\n", "nsv2height"),
        ("nsv2height: abc\n", "nsv2height"),
        ("aliases: [a, b]\n", "aliases"),
        ("aliases:\n  a: [1]\n", "aliases"),
        ("defaultAccount: [x]\n", "defaultAccount"),
        ("wallet: {a: b}\n", "wallet"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cfg.parse(text, where="/c/config.default")


# ----------------------------------------------------------------- fill-in and reset


def test_fill_in_rewrites_when_go_would() -> None:
    parsed = cfg.parse(DEFAULT["content"])
    parsed.explorer = ""
    assert parsed.fill_in("/d") and parsed.explorer == "iotexscan"
    parsed.endpoint, parsed.secure_connect = "", False
    assert parsed.fill_in("/d")
    assert parsed.endpoint == "api.iotex.one:443" and parsed.secure_connect is True


def test_fill_in_of_ioid_keys_alone_does_not_rewrite() -> None:
    parsed = cfg.parse(DEFAULT["content"])
    parsed.ioid_project_register_contract = ""
    parsed.ioid_project_store_contract = ""
    assert not parsed.fill_in("/d")
    assert parsed.ioid_project_register_contract == "0x601B655c0a20FA1465C9a18e39387A33eEe7F777"


def test_reset_keeps_aliases_height_and_ioid() -> None:
    parsed = cfg.parse(DEFAULT["content"])
    parsed.aliases = {"a": "io1"}
    parsed.nsv2height = 7
    parsed.endpoint = "x.io:1"
    parsed.default_account = "a"
    parsed.language = "中文"
    parsed.ioid_project_store_contract = "0xkept"
    parsed.ws_router_contract = "0xchanged"
    parsed.reset("/cfg")
    assert parsed.wallet == "/cfg" and parsed.endpoint == "" and parsed.default_account == ""
    assert parsed.aliases == {"a": "io1"} and parsed.nsv2height == 7
    assert parsed.language == "English"
    assert parsed.ioid_project_store_contract == "0xkept"
    assert parsed.ws_router_contract == "0x749C1856D7fdF7b4a2BEBDa6c16E335CE6b33bAe"


def test_as_json_shape() -> None:
    parsed = cfg.parse(DEFAULT["content"])
    parsed.aliases = {"b": "2", "a": "1"}
    data = parsed.as_json()
    assert list(data) == [f.metadata["yaml"] for f in fields(Config) if f.metadata["yaml"]]
    assert list(data["aliases"]) == ["a", "b"]
    assert data["defaultAccount"] == {"addressOrAlias": ""}


# ----------------------------------------------------------------- the file on disk


def test_open_existing_complete_file_is_not_rewritten(tmp_path: Path) -> None:
    ConfigFile.open(tmp_path)
    path = tmp_path / "config.default"
    path.chmod(0o644)
    before = path.stat()
    opened = ConfigFile.open(tmp_path)
    assert not opened.created
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_ino == before.st_ino


def test_open_incomplete_file_is_completed_keeping_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.default"
    path.write_text("wallet: /w\naliases:\n  a: io1x\n")
    path.chmod(0o640)
    opened = ConfigFile.open(tmp_path)
    assert opened.config.aliases == {"a": "io1x"} and opened.wallet_dir == Path("/w")
    text = path.read_text()
    assert "explorer: iotexscan\n" in text and "  a: io1x\n" in text
    assert _mode(path) == 0o640


def test_open_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "config.default").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="failed to read config file"):
        ConfigFile.open(tmp_path)


def test_open_where_the_config_dir_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"x")
    with pytest.raises(Exception, match="afile"):
        ConfigFile.open(tmp_path / "afile" / "default")
    assert (tmp_path / "afile").read_bytes() == b"x"


def test_save_failure_is_a_config_error(tmp_path: Path) -> None:
    opened = ConfigFile.open(tmp_path / "d")
    opened.directory = tmp_path / "missing"
    with pytest.raises(ConfigError, match="failed to write to config file"):
        opened.save()


def test_config_dir_from_home() -> None:
    assert cfg.config_dir("/home/alice") == Path(ALICE_DIR)
    with pytest.raises(ConfigError, match="HOME is not set"):
        cfg.config_dir("")


def test_paths(tmp_path: Path) -> None:
    opened = ConfigFile.open(tmp_path)
    assert opened.path == tmp_path / "config.default"
    assert opened.auth_jwt_path == tmp_path / "auth.jwt"
    assert opened.wallet_dir == tmp_path


# ----------------------------------------------------------------- config set validation


@pytest.mark.parametrize(
    ("endpoint", "valid"),
    [
        ("api.iotex.one:443", True),
        ("api.iotex.one", True),
        ("localhost", True),
        ("localhost:14014", True),
        ("127.0.0.1:14014", True),
        ("255.255.255.255", True),
        ("my_node-1.example.co.uk:1", True),
        ("https://api.iotex.one:443", False),
        ("api.iotex.one:443/path", False),
        ("api.iotex.one:123456", False),
        ("api", False),
        ("", False),
        ("-x.io", False),
        ("x.123", False),
    ],
)
def test_endpoint_validation(endpoint: str, valid: bool) -> None:
    assert cfg.is_valid_endpoint(endpoint) is valid


@pytest.mark.parametrize(
    ("link", "valid"),
    [("iotexscan.io/action/", True), ("https://x.io", True), ("nolink", False), ("", False)],
)
def test_link_validation(link: str, valid: bool) -> None:
    assert cfg.is_valid_link(link) is valid


@pytest.mark.parametrize(
    ("value", "language"),
    [("0", "English"), ("english", "English"), ("ENGLISH", "English"), ("1", "中文"),
     ("中文", "中文"), ("2", None), ("", None), ("french", None)],
)  # fmt: skip
def test_language(value: str, language: str | None) -> None:
    assert cfg.normalize_language(value) == language


@pytest.mark.parametrize(
    ("value", "ok"),
    [("alice", True), ("a" * 40, True), ("a" * 41, False),
     ("io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j", True), ("", True)],
)  # fmt: skip
def test_default_account_validation(value: str, ok: bool) -> None:
    assert cfg.is_valid_default_account(value) is ok


# ----------------------------------------------------------------- config get/set


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [("endpoint", "not an endpoint", "invalid_endpoint"),
     ("explorer", "etherscan", "invalid_explorer"),
     ("explorer", "custom", "invalid_explorer"),
     ("defaultacc", "a" * 41, "invalid_default_account"),
     ("language", "french", "invalid_language"),
     ("nsv2height", "-1", "invalid_height"),
     ("nsv2height", "²", "invalid_height"),
     ("nsv2height", str(1 << 64), "invalid_height"),
     ("aliases", "x", "unknown_variable"),
     ("secureConnect", "false", "unknown_variable"),
     ("nosuch", "x", "unknown_variable")],
)  # fmt: skip
def test_set_refuses_invalid_values(name: str, value: str, code: str) -> None:
    config = cfg.parse(DEFAULT["content"])
    before = cfg.dump(config)
    with pytest.raises(ConfigError) as exc:
        config.set(name, value)
    assert exc.value.code == code
    assert cfg.dump(config) == before


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [("endpoint", "localhost:14014", "localhost:14014"),
     ("explorer", "IoTXplorer", "iotxplorer"),
     ("defaultacc", "alice", "alice"),
     ("language", "1", "中文"),
     ("nsv2height", "42", "42"),
     ("wallet", "/tmp/w", "/tmp/w"),
     ("wsRouterContract", CONTRACT, CONTRACT)],
)  # fmt: skip
def test_set_then_get(name: str, value: str, stored: str) -> None:
    config = cfg.parse(DEFAULT["content"])
    config.set(name, value)
    assert config.get(name) == stored


def test_set_endpoint_carries_tls_choice() -> None:
    config = Config()
    config.set("endpoint", "localhost:14014", secure=False)
    assert (config.endpoint, config.secure_connect) == ("localhost:14014", False)


def test_set_explorer_link() -> None:
    config = Config()
    config.set_explorer_link("iotexscan.io/action/")
    assert config.explorer == "iotexscan.io/action/"
    with pytest.raises(ConfigError) as exc:
        config.set_explorer_link("nolink")
    assert exc.value.code == "invalid_link"
