"""``ioctl alias …`` end to end (go-ioctl.md §6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import OTHER_IO, OTHER_IO_2, VECTOR_IO, check_error
from pyioctl.config import ConfigFile
from vectors import vector

EXPORT = vector("alias_export")
STAKING = "io000000000000000000000000stakingprotocol"
REWARDING = "io0000000000000000000000rewardingprotocol"


def _aliases(config_dir: Path) -> dict[str, str]:
    return ConfigFile.open(config_dir).config.aliases


def _doc(*pairs: tuple[str, str]) -> str:
    return json.dumps({"aliases": [{"name": n, "address": a} for n, a in pairs]})


# ----------------------------------------------------------------- set, remove, list


def test_set_list_remove(ioctl, wallet, config_dir: Path) -> None:
    assert ioctl("alias", "list") == (0, "\n", "")
    assert ioctl("alias", "set", "bob", OTHER_IO) == (0, "bob has been set!\n", "")
    assert ioctl("alias", "set", "alice", VECTOR_IO).stdout == "alice has been set!\n"
    assert ioctl("alias", "set", "s", STAKING).rc == 0  # protocol addresses are valid targets
    assert (
        ioctl("alias", "list").stdout == f"{VECTOR_IO} - alice\n{OTHER_IO} - bob\n{STAKING} - s\n"
    )
    assert ioctl("alias", "remove", "bob") == (0, "bob is removed\n", "")
    assert _aliases(config_dir) == {"alice": VECTOR_IO, "s": STAKING}


def test_list_json(ioctl, wallet) -> None:
    rc, out, _ = ioctl("alias", "list", "-o", "json")
    assert json.loads(out)["message"] == {"aliasNumber": 0, "aliasList": None}
    wallet.set_alias("b<&>", OTHER_IO)
    wallet.set_alias("a", VECTOR_IO)
    rc, out, _ = ioctl("-o", "json", "alias", "list")
    assert rc == 0
    assert out == (
        '{\n  "messageType": "result",\n  "message": {\n    "aliasNumber": 2,\n'
        '    "aliasList": [\n      {\n        "name": "a",\n'
        f'        "address": "{VECTOR_IO}"\n      }},\n      {{\n'
        '        "name": "b\\u003c\\u0026\\u003e",\n'
        f'        "address": "{OTHER_IO}"\n      }}\n    ]\n  }}\n}}\n'
    )


def test_set_keeps_one_alias_per_address(ioctl, wallet, config_dir: Path) -> None:
    wallet.set_alias("old", VECTOR_IO)
    wallet.set_alias("other", OTHER_IO)
    assert ioctl("alias", "set", "new", VECTOR_IO).rc == 0
    assert _aliases(config_dir) == {"new": VECTOR_IO, "other": OTHER_IO}
    assert ioctl("alias", "set", "other", VECTOR_IO).rc == 0  # overwrite a name
    assert _aliases(config_dir) == {"other": VECTOR_IO}


def test_set_accepts_uppercase_io_verbatim(ioctl, wallet, config_dir: Path) -> None:
    assert ioctl("alias", "set", "up", VECTOR_IO.upper()).rc == 0
    assert _aliases(config_dir) == {"up": VECTOR_IO.upper()}


def test_set_accepts_awkward_names(ioctl, wallet, config_dir: Path) -> None:
    names = ["", "yes", "a: b", "中文" * 6, "a" * 40]
    addresses = [
        VECTOR_IO,
        OTHER_IO,
        OTHER_IO_2,
        STAKING,
        "io0000000000000000000000rewardingprotocol",
    ]
    for name, address in zip(names, addresses, strict=True):
        assert ioctl("alias", "set", name, address).stdout == f"{name} has been set!\n"
    assert _aliases(config_dir) == dict(zip(names, addresses, strict=True))


@pytest.mark.parametrize(
    "address",
    [
        VECTOR_IO[:-1] + "k",  # bad checksum
        "Io" + VECTOR_IO[2:],  # mixed case
        "it" + VECTOR_IO[2:],  # wrong HRP
        VECTOR_IO[:-1],  # wrong length
        "0x3f9C20BCeC9dE520d88d98CbE07ee7b5dEd0dAc4",  # no 0x form here, as Go
        "",
    ],
)
def test_set_rejects_invalid_addresses(ioctl, wallet, unchanged, address: str) -> None:
    check = unchanged()
    check_error(ioctl("alias", "set", "a", address), "invalid address: invalid IoTeX address")
    check()


@pytest.mark.parametrize("command", [["set", "a" * 41, VECTOR_IO], ["remove", "中" * 14]])
def test_long_alias(ioctl, wallet, unchanged, command: list[str]) -> None:
    check = unchanged()
    check_error(
        ioctl("alias", *command),
        "invalid alias: invalid long alias that is more than 40 characters",
    )
    check()


def test_remove_missing_alias_changes_nothing(ioctl, wallet, unchanged) -> None:
    wallet.set_alias("a", VECTOR_IO)
    check = unchanged()
    assert ioctl("alias", "remove", "nope") == (0, "nope is removed\n", "")
    check()


def test_testnet_addresses(ioctl, wallet, config_dir: Path) -> None:
    testnet = vector("address_parse")["testnet"]["address"]
    env = {"IOTEX_NETWORK_TYPE": "testnet"}
    assert ioctl("alias", "set", "t", testnet, env=env).rc == 0
    check_error(ioctl("alias", "set", "m", VECTOR_IO, env=env))
    assert _aliases(config_dir) == {"t": testnet}


# ----------------------------------------------------------------- export


def test_export_vector(ioctl, wallet) -> None:
    for name, address in reversed(EXPORT["aliases_in_order"]):
        wallet.set_alias(name, address)
    # To stdout, sorted (Go: stderr, random order).
    assert ioctl("alias", "export") == (0, EXPORT["json"] + "\n", "")
    assert ioctl("alias", "export", "-f", "json", "-o", "json") == (0, EXPORT["json"] + "\n", "")
    assert ioctl("alias", "export", "--format", "yaml") == (0, EXPORT["yaml"], "")


def test_export_vector_empty(ioctl, wallet) -> None:
    assert ioctl("alias", "export").stdout == EXPORT["empty_json"] + "\n"
    assert ioctl("alias", "export", "-f", "yaml").stdout == EXPORT["empty_yaml"]


def test_export_bad_format(ioctl, wallet) -> None:
    line = check_error(ioctl("alias", "export", "-f", "xml"))
    assert "xml" in line


# ----------------------------------------------------------------- import


def test_import_json_then_conflicts(ioctl, wallet, config_dir: Path) -> None:
    rc, out, _ = ioctl("alias", "import", EXPORT["json"])
    assert (rc, out) == (0, "2/2 aliases imported\nExisted aliases:\n")
    assert _aliases(config_dir) == dict(EXPORT["aliases_in_order"])
    data = _doc(("a", OTHER_IO_2), ("c", VECTOR_IO))
    rc, out, _ = ioctl("alias", "import", data)
    assert (rc, out) == (0, "1/2 aliases imported\nExisted aliases: a\n")
    assert _aliases(config_dir) == {**dict(EXPORT["aliases_in_order"]), "c": VECTOR_IO}
    rc, out, _ = ioctl("-o", "json", "alias", "import", data)
    assert json.loads(out)["message"] == {
        "importedNumber": 0,
        "totalNumber": 2,
        "imported": None,
        "unimported": [{"name": "a", "address": OTHER_IO_2}, {"name": "c", "address": VECTOR_IO}],
    }


def test_import_force(ioctl, wallet, config_dir: Path) -> None:
    wallet.set_alias("a", VECTOR_IO)
    wallet.set_alias("keep", OTHER_IO)
    rc, out, _ = ioctl("alias", "import", _doc(("a", OTHER_IO_2), ("b", OTHER_IO)), "-F")
    assert (rc, out) == (0, "2/2 aliases imported\nExisted aliases:\n")
    # One alias per address: "b" took OTHER_IO from "keep".
    assert _aliases(config_dir) == {"a": OTHER_IO_2, "b": OTHER_IO}


@pytest.mark.parametrize("flag", ["-f", "--format"])  # Go's long flag is broken; ours works
def test_import_yaml(ioctl, wallet, config_dir: Path, flag: str) -> None:
    rc, out, err = ioctl("alias", "import", EXPORT["yaml"], flag, "yaml")
    assert (rc, out) == (0, "2/2 aliases imported\nExisted aliases:\n"), err
    assert _aliases(config_dir) == dict(EXPORT["aliases_in_order"])


def test_import_from_stdin(ioctl, wallet, config_dir: Path) -> None:
    rc, out, _ = ioctl("alias", "import", "-", "-f", "yaml", input=EXPORT["yaml"])
    assert rc == 0 and out.startswith("2/2 aliases imported")
    assert _aliases(config_dir) == dict(EXPORT["aliases_in_order"])


def test_export_import_round_trip(ioctl, wallet, home: Path) -> None:
    for name, address in EXPORT["aliases_in_order"]:
        wallet.set_alias(name, address)
    exported = ioctl("alias", "export", "-f", "yaml").stdout
    other = type(ioctl)(home / "elsewhere")
    (home / "elsewhere").mkdir()
    assert other("alias", "import", "-", "-f", "yaml", input=exported).rc == 0
    assert other("alias", "export").stdout == EXPORT["json"] + "\n"


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        ("{", "json", "failed to unmarshal imported aliases"),
        ("aliases: [", "yaml", "failed to unmarshal imported aliases"),
        ("[]", "json", "failed to unmarshal imported aliases: expected an object"),
        # One bad entry refuses the whole document: nothing is half-imported.
        (_doc(("ok", VECTOR_IO), ("bad", VECTOR_IO[:-1] + "k")), "json",
         "alias entry 2 (bad): invalid IoTeX address"),
        (_doc(("ok", VECTOR_IO), ("n" * 41, OTHER_IO)), "json",
         "invalid long alias that is more than 40 characters"),
        (_doc(("ok", VECTOR_IO), ("x", "0x3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4")), "json",
         "alias entry 2 (x): invalid IoTeX address"),
    ],
)  # fmt: skip
def test_import_invalid_documents_change_nothing(
    ioctl, wallet, unchanged, data: str, fmt: str, message: str
) -> None:
    wallet.set_alias("ok", OTHER_IO_2)
    check = unchanged()
    line = check_error(ioctl("alias", "import", data, "-f", fmt))
    assert message in line
    check()


def test_import_bad_format_flag(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    line = check_error(ioctl("alias", "import", EXPORT["json"], "-f", "toml"))
    assert "toml" in line
    check()
