"""``ioctl config …`` and first-run behaviour end to end (go-ioctl.md §1.1, §2)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from helpers import VECTOR_IO, check_error
from pyioctl import config as cfg
from vectors import vector

DEFAULT = vector("config_default_yaml")
ALICE_DIR = "/home/alice/.config/ioctl/default"
GET_VARS = (
    "[endpoint wallet explorer defaultacc language nsv2height analyserEndpoint wsEndpoint "
    "ipfsEndpoint ipfsGateway wsProjectRegisterContract wsProjectStoreContract "
    "wsFleetManagementContract wsProverStoreContract wsProjectDevicesContract wsRouterContract "
    "wsVmTypeContract all]"
)
SET_VARS = (
    "[endpoint wallet explorer defaultacc language nsv2height wsEndpoint ipfsEndpoint "
    "ipfsGateway wsProjectRegisterContract wsProjectStoreContract wsFleetManagementContract "
    "wsProverStoreContract wsProjectDevicesContract wsRouterContract wsVmTypeContract]"
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------- first run


def test_first_run_writes_the_vector_file(ioctl, home: Path, config_dir: Path) -> None:
    assert not (home / ".config").exists()
    rc, out, err = ioctl("config", "get", "wallet")
    assert (rc, err) == (0, "")
    assert out == f"Config set to default values\n{config_dir}\n"
    data = (config_dir / "config.default").read_bytes()
    assert data.decode().replace(str(config_dir), ALICE_DIR) == DEFAULT["content"]
    parsed, expected = cfg.parse(data.decode()), cfg.parse(DEFAULT["content"])
    parsed.wallet = expected.wallet
    assert parsed == expected
    assert _mode(config_dir / "config.default") == 0o600
    for level in (home / ".config", home / ".config" / "ioctl", config_dir):
        assert _mode(level) == 0o700, level
    # Second run: nothing to announce, nothing rewritten.
    mtime = (config_dir / "config.default").stat().st_mtime_ns
    assert ioctl("config", "get", "wallet").stdout == f"{config_dir}\n"
    assert (config_dir / "config.default").stat().st_mtime_ns == mtime


def test_first_run_notice_goes_to_stderr_in_json_mode(ioctl, config_dir: Path) -> None:
    rc, out, err = ioctl("-o", "json", "alias", "list")
    assert rc == 0
    assert err == "Config set to default values\n"
    assert json.loads(out) == {
        "messageType": "result",
        "message": {"aliasNumber": 0, "aliasList": None},
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["account", "--help"],
        ["config", "set", "--help"],
        ["account", "create", "-n", "0"],
        ["account", "recover", "0x", "00" * 65],
        ["nosuchcommand"],
    ],
)
def test_commands_that_need_no_wallet_create_nothing(ioctl, home: Path, args) -> None:
    ioctl(*args)
    assert list(home.iterdir()) == []


def test_unknown_keys_survive_a_write(ioctl, wallet, config_dir: Path) -> None:
    path = config_dir / "config.default"
    path.write_text(path.read_text() + "futureKey: keep me\n")
    assert ioctl("config", "set", "explorer", "iotxplorer").rc == 0
    text = path.read_text()
    assert "explorer: iotxplorer\n" in text and "futureKey: keep me\n" in text


def test_language_warning(ioctl, wallet, config_dir: Path) -> None:
    path = config_dir / "config.default"
    path.write_text(path.read_text().replace("language: English", "language: Klingon"))
    rc, out, err = ioctl("config", "get", "explorer")
    assert (rc, out) == (0, "iotexscan\n")
    assert err == "Warn: Language Klingon is not supported, English instead.\n\n"


# ----------------------------------------------------------------- get


def test_get_values(ioctl, wallet, config_dir: Path) -> None:
    expected = {
        "endpoint": "api.iotex.one:443    secure connect(TLS):true",
        "wallet": str(config_dir),
        "explorer": "iotexscan",
        "language": "English",
        "nsv2height": "5165641",
        "analyserEndpoint": "https://iotex-analyser-api-mainnet.chainanalytics.org",
        "wsEndpoint": "https://sprout-testnet.w3bstream.com",
        "ipfsEndpoint": "ipfs.mainnet.iotex.io",
        "ipfsGateway": "https://ipfs.io",
        "wsVmTypeContract": "0x3C296D654d33901F8c2D08386Bf438458c89dFaB",
    }
    for variable, text in expected.items():
        assert ioctl("config", "get", variable) == (0, text + "\n", ""), variable


def test_get_in_json_mode_envelopes_everything(ioctl, wallet) -> None:
    def message(*args: str):
        rc, out, _ = ioctl("-o", "json", "config", "get", *args)
        assert rc == 0
        return json.loads(out)["message"]

    # Go prints nsv2height, analyserEndpoint, ws*, ipfs* raw even in JSON mode.
    assert message("nsv2height") == "5165641"
    assert message("endpoint") == {"endpoint": "api.iotex.one:443", "secureConnect": True}
    all_values = message("all")
    assert list(all_values)[:4] == ["wallet", "endpoint", "secureConnect", "aliases"]
    assert all_values["nsv2height"] == 5165641


def test_get_all_and_dump(ioctl, wallet) -> None:
    wallet.set_alias("b", VECTOR_IO)
    wallet.set_alias("a", VECTOR_IO)
    rc, out, _ = ioctl("config", "get", "all")
    assert rc == 0
    data = json.loads(out)
    assert list(data["aliases"]) == ["a", "b"]
    assert data["defaultAccount"] == {"addressOrAlias": ""}
    assert out.startswith('{\n  "wallet": ')
    assert ioctl("config", "dump").stdout == out


def test_get_defaultacc(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    check_error(ioctl("config", "get", "defaultacc"), "default account did not set")
    check()
    wallet.set(default_account="alice")
    assert ioctl("config", "get", "defaultacc").stdout == '{\n  "addressOrAlias": "alice"\n}\n'


def test_get_usage_errors(ioctl, wallet) -> None:
    rc, out, err = ioctl("config", "get")
    assert rc != 0 and out == ""
    assert err == f"Error: accepts 1 arg(s), received 0\nValid arg(s): {GET_VARS}\n"
    check_error(ioctl("config", "get", "foo"), 'invalid argument "foo" for "ioctl config get"')


# ----------------------------------------------------------------- set


@pytest.mark.parametrize(
    ("args", "message", "stored"),
    [
        (["endpoint", "localhost:14014"], "Endpoint is set to localhost:14014", None),
        (["explorer", "IOTXPLORER"], "Explorer is set to IOTXPLORER", ("explorer", "iotxplorer")),
        (["defaultacc", VECTOR_IO], f"Defaultacc is set to {VECTOR_IO}", None),
        (["language", "1"], "Language is set to 1", ("language", "中文")),
        (["nsv2height", "00012"], "Nsv2height is set to 00012", ("nsv2height", 12)),
        (["wsEndpoint", "x y"], "WsEndpoint is set to x y", ("ws_endpoint", "x y")),
        (["wallet", "/some where"], "Wallet is set to /some where", ("wallet", "/some where")),
    ],
)
def test_set(ioctl, wallet, config_dir: Path, args, message: str, stored) -> None:
    assert ioctl("config", "set", *args) == (0, message + "\n", "")
    if stored:
        assert getattr(cfg.ConfigFile.open(config_dir).config, stored[0]) == stored[1]


def test_set_endpoint_insecure(ioctl, wallet) -> None:
    assert ioctl("config", "set", "endpoint", "127.0.0.1:14014", "--insecure").rc == 0
    assert ioctl("config", "get", "endpoint").stdout == (
        "127.0.0.1:14014    secure connect(TLS):false\n"
    )
    # Flags may come before the arguments, as with cobra.
    assert ioctl("config", "set", "--insecure", "endpoint", "localhost").rc == 0
    assert ioctl("config", "set", "--", "endpoint", "localhost:1").rc == 0
    assert ioctl("config", "get", "endpoint").stdout == "localhost:1    secure connect(TLS):true\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["endpoint", "https://x.io:443"], "endpoint https://x.io:443 is not valid"),
        (["endpoint", "api.iotex.one:٤٤٣"], "endpoint api.iotex.one:٤٤٣ is not valid"),
        (["explorer", "etherscan"],
         "Explorer etherscan is not valid\nValid explorers: [iotexscan iotxplorer custom]"),
        (["defaultacc", "a" * 41], "failed to validate alias or address"),
        (["language", "klingon"],
         "Language klingon is not supported\nSupported languages: [English 中文]"),
        (["nsv2height", "--", "-1"], "invalid height"),
        (["nsv2height", "18446744073709551616"], "invalid height"),
        (["nsv2height", "²"], "invalid height"),
        (["analyserEndpoint", "x"], 'invalid argument "analyserEndpoint" for "ioctl config set"'),
        (["explorer", "custom"],
         "custom explorer requires interactive input; set explorer URL directly instead"),
    ],
)  # fmt: skip
def test_set_validation_errors(ioctl, wallet, unchanged, args, message: str) -> None:
    check = unchanged()
    rc, _, err = ioctl("config", "set", *args)
    assert rc != 0
    assert err == f"Error: {message}\n"
    check()


@pytest.mark.parametrize(
    ("args", "code"),
    [(["endpoint", "https://x.io:443"], 15), (["explorer", "etherscan"], 15),
     (["defaultacc", "a" * 41], 5), (["language", "klingon"], 15), (["nsv2height", "²"], 5),
     (["explorer", "custom"], 13)],
)  # fmt: skip
def test_set_validation_error_codes(ioctl, wallet, unchanged, args, code: int) -> None:
    # Go ioctl's error codes, which scripts read from the -o json envelope.
    check = unchanged()
    rc, out, _ = ioctl("-o", "json", "config", "set", *args)
    assert rc != 0
    assert json.loads(out)["message"]["code"] == code
    check()


def test_custom_explorer_invalid_link_code(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    args = ("-o", "json", "--interactive", "config", "set", "explorer", "custom")
    rc, out, _ = ioctl(*args, input="nolink\n")
    assert rc != 0
    assert out.endswith('"message": {\n    "code": 5,\n    "info": "invalid link"\n  }\n}\n')
    check()


def test_set_usage_error(ioctl, wallet) -> None:
    rc, _, err = ioctl("config", "set", "endpoint")
    assert rc != 0
    assert err == f"Error: accepts 2 arg(s), received 1\nValid arg(s): {SET_VARS}\n"


def test_set_custom_explorer_interactively(ioctl, wallet, config_dir: Path, unchanged) -> None:
    prompt = 'Please enter a custom link below:("Example: iotexscan.io/action/")\n'
    rc, out, _ = ioctl("--interactive", "config", "set", "explorer", "custom", input="nolink\n")
    assert rc != 0 and out == prompt
    rc, out, _ = ioctl(
        "--interactive", "config", "set", "explorer", "custom", input="iotexscan.io/action/\n"
    )
    assert (rc, out) == (0, prompt + "Explorer is set to custom\n")
    assert cfg.ConfigFile.open(config_dir).config.explorer == "iotexscan.io/action/"


# ----------------------------------------------------------------- reset


def test_reset(ioctl, wallet, config_dir: Path) -> None:
    wallet.set(
        aliases={"a": VECTOR_IO}, nsv2height=7, endpoint="x.io:1", default_account="a",
        language="中文", explorer="iotxplorer", wallet="/elsewhere",
    )  # fmt: skip
    assert ioctl("config", "reset") == (0, "Config set to default values\n", "")
    text = (config_dir / "config.default").read_text()
    assert 'endpoint: ""\n' in text  # as Go: refilled on the next start
    parsed = cfg.parse(text)
    assert parsed.aliases == {"a": VECTOR_IO} and parsed.nsv2height == 7
    assert parsed.wallet == str(config_dir) and parsed.default_account == ""
    assert (parsed.language, parsed.explorer) == ("English", "iotexscan")
    assert ioctl("config", "get", "endpoint").stdout == (
        "api.iotex.one:443    secure connect(TLS):true\n"
    )
