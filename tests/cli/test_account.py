"""``ioctl account …`` end to end: installed script, temp HOME, piped passwords (go-ioctl.md §5).

Accounts the tests only read are set up in-process with light scrypt parameters; the few
tests that prove what the CLI *writes* go through the real N=2^18 path (~0.5 s per scrypt).
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import eth_keyfile
import pytest

from helpers import (
    OTHER_IO,
    VECTOR_ETH,
    VECTOR_IO,
    VECTOR_KEY,
    VECTOR_PUB,
    check_error,
    envelopes,
    independent_decrypt,
)
from pyioctl.config import ConfigFile
from pyioctl.keys import PrivateKey
from vectors import ids, keystore_text, vector, vectors

FILE_NAME = re.compile(r"UTC--\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{9}Z--([0-9a-f]{40})")
IOCTL_KDFPARAMS = {"dklen": 32, "n": 262144, "p": 1, "r": 8}
PROMPT = f"Enter password for #{VECTOR_IO}:\n\n"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _key_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith("UTC--"))


def _aliases(config_dir: Path) -> dict[str, str]:
    return ConfigFile.open(config_dir).config.aliases


def _assert_ioctl_key_file(path: Path, password: str | None = None, secret: bytes = b"") -> None:
    """What Go ioctl writes: name, mode, layout, N=2^18; with a password, also readable by
    eth-keyfile and by the independent decoder (each costs a full scrypt)."""
    match = FILE_NAME.fullmatch(path.name)
    assert match, path.name
    document = json.loads(path.read_bytes())
    assert match.group(1) == document["address"]
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    params = dict(document["crypto"]["kdfparams"])
    assert len(bytes.fromhex(params.pop("salt"))) == 32
    assert params == IOCTL_KDFPARAMS
    assert list(document) == ["address", "crypto", "id", "version"]
    assert b" " not in path.read_bytes() and not path.read_bytes().endswith(b"\n")
    if password is not None:
        assert eth_keyfile.decode_keyfile_json(document, password.encode()) == secret
        assert independent_decrypt(document, password) == secret


# ----------------------------------------------------------------- create


def test_create_prints_a_fresh_key_and_saves_nothing(ioctl, home: Path, config_dir: Path) -> None:
    rc, out, err = ioctl("account", "create")
    assert rc == 0 and err == ""
    accounts = json.loads(out)["accounts"]
    assert len(accounts) == 1
    (entry,) = accounts
    assert list(entry) == ["address", "ethAddress", "privateKey", "publicKey"]
    key = PrivateKey.from_hex(entry["privateKey"])
    assert entry["address"] == key.address
    assert entry["ethAddress"] == key.eth_address.lower()  # lowercase here, as Go
    assert entry["publicKey"] == key.public_key.hex()
    # Nothing is saved; unlike Go, a command that needs no wallet does not even create
    # the config directory.
    assert list(home.iterdir()) == []


def test_create_n(ioctl, wallet) -> None:
    assert ioctl("account", "create", "-n", "0") == (0, '{\n  "accounts": []\n}\n', "")
    rc, out, _ = ioctl("account", "create", "--num", "2", "-o", "json")
    payload = json.loads(out)
    assert (rc, payload["messageType"]) == (0, "result")
    first, second = payload["message"]["accounts"]
    assert first["privateKey"] != second["privateKey"]


def test_create_bad_n(ioctl, wallet) -> None:
    check_error(ioctl("account", "create", "-n", "-1"))
    check_error(ioctl("account", "create", "-n", "x"))


# ----------------------------------------------------------------- createadd (real scrypt)


def test_createadd_writes_a_keystore_go_ioctl_reads(ioctl, config_dir: Path) -> None:
    rc, out, err = ioctl("account", "createadd", "alice", input="s3cret\ns3cret\n")
    assert rc == 0, err
    (path,) = _key_files(config_dir)
    io_address = _aliases(config_dir)["alice"]
    document = json.loads(path.read_bytes())
    key = PrivateKey.from_bytes(eth_keyfile.decode_keyfile_json(document, b"s3cret"))
    assert key.address == io_address
    assert out == (
        "Config set to default values\n"
        "#alice: Set password\n\n#alice: Enter password again\n\n"
        f'New account "alice" is created.\nIO address:  {io_address}\n'
        f"ETH address: {key.eth_address}\n"
        "Please Keep your password, or you will lose your private key.\n"
    )
    _assert_ioctl_key_file(path, "s3cret", key.secret)
    rc, out, _ = ioctl("account", "list")
    assert out == f"{io_address} - alice\n"


def test_createadd_json_mode_prompts_are_queries(ioctl, wallet) -> None:
    rc, out, _ = ioctl("-o", "json", "account", "createadd", "bob", input="a\nb\n")
    assert rc != 0
    docs = envelopes(out)
    assert [d["messageType"] for d in docs] == ["query", "query", "error"]
    assert docs[0]["message"] == "#bob: Set password\n"
    assert docs[2]["message"] == {"code": 5, "info": "password doesn't match"}


def test_createadd_mismatched_passwords(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "createadd", "alice", input="one\ntwo\n"), "password doesn't match"
    )
    check()


def test_createadd_existing_alias_needs_confirmation(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    result = ioctl("account", "createadd", "k1", input="yes\npw\npw\n")
    check_error(
        result,
        "cannot confirm in non-interactive mode: interactive input required (confirmation) "
        "but running in non-interactive mode; use flags to provide input",
    )
    check()


def test_createadd_existing_alias_declined(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    rc, out, _ = ioctl("--interactive", "account", "createadd", "k1", input="no\n")
    assert rc == 0
    assert out == (
        f'** Alias "k1" has already used for {VECTOR_IO}\n'
        "Overwriting the account will keep the previous keystore file stay, but bind the alias "
        "to the new one.\nWould you like to continue?\n\nOptions: yes\nQuit for anything else.\n"
        "quit\n"
    )
    check()


def test_createadd_confirmed_then_passwords_from_the_same_pipe(ioctl, light_account) -> None:
    # The confirmation must not swallow the password lines piped after it: two different
    # passwords are read (no EOF) and compared (mismatch, so no slow scrypt here).
    result = ioctl("--interactive", "account", "createadd", "k1", input="yes\npw\npx\n")
    check_error(result, "password doesn't match")
    assert result.stdout.endswith(
        "Options: yes\nQuit for anything else.\n#k1: Set password\n\n#k1: Enter password again\n\n"
    )


def test_createadd_long_alias(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "createadd", "a" * 41, input="pw\npw\n"),
        "invalid alias: invalid long alias that is more than 40 characters",
    )
    check()


# ----------------------------------------------------------------- import key


def test_import_key_then_sign_matches_the_vector(ioctl, config_dir: Path) -> None:
    """The whole path with ioctl's real parameters: import, file format, sign."""
    rc, out, err = ioctl("account", "import", "key", "vec", input=f"0x{VECTOR_KEY}\npw\npw\n")
    assert rc == 0, err
    assert out.endswith(
        "#vec: Enter your private key, which will not be exposed on the screen.\n"
        "#vec: Set password\n\n#vec: Enter password again\n\n"
        "New account #vec is created. Keep your password, or you will lose your private key.\n"
    )
    assert VECTOR_KEY not in out + err
    (path,) = _key_files(config_dir)
    # Format only: the two decoders already read createadd's file; `sign` decrypts this one.
    _assert_ioctl_key_file(path)
    assert _aliases(config_dir) == {"vec": VECTOR_IO}
    sign = vectors("ioctl_account_sign")[0]
    rc, out, err = ioctl("account", "sign", sign["message_argument"], "-s", "vec", input="pw\n")
    assert rc == 0, err
    assert out == PROMPT + sign["expected_stdout_line"] + "\n"


def test_import_key_is_validated_before_any_password_prompt(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    secret_like = "ab" * 31 + "zz"
    result = ioctl("account", "import", "key", "k", input=secret_like + "\n")
    line = check_error(result, startswith="failed to generate private key from hex string : ")
    assert secret_like not in result.stdout + result.stderr  # never echoed
    assert "Set password" not in result.stdout
    assert "EOF" not in line
    check()


@pytest.mark.parametrize(
    "text", ["", "00" * 32, "ff" * 32, VECTOR_KEY[:-2] + "zz", VECTOR_KEY + "00"]
)
def test_import_key_rejects_bad_keys(ioctl, wallet, unchanged, text: str) -> None:
    check = unchanged()
    result = ioctl("account", "import", "key", "k", input=f"{text}\npw\npw\n")
    check_error(result, startswith="failed to generate private key from hex string : ")
    if len(text) > 4:
        assert text not in result.stderr
    check()


def test_import_key_existing_account(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "import", "key", "again", input=f"{VECTOR_KEY}\npw\npw\n"),
        "failed to import private key into keystore : account already exists",
    )
    check()


def test_import_key_existing_alias(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    result = ioctl("account", "import", "key", "k1", input=f"{'11' * 32}\npw\npw\n")
    check_error(result, f'invalid alias: alias "k1" has already used for {VECTOR_IO}')
    assert "private key" not in result.stdout  # refused before asking for the key
    check()


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (f"{VECTOR_KEY}\npw\npx\n", "password doesn't match"),
        ("", "failed to read password from stdin: EOF"),
        (f"{VECTOR_KEY}\npw\n", "failed to read password from stdin: EOF"),
    ],
    ids=["mismatched-passwords", "no-input", "no-repeated-password"],
)
def test_import_key_bad_stdin_writes_nothing(
    ioctl, wallet, unchanged, stdin: str, message: str
) -> None:
    check = unchanged()
    check_error(ioctl("account", "import", "key", "k", input=stdin), message)
    check()


# ----------------------------------------------------------------- import keystore


def test_import_keystore_ioctl_vector_then_sign_identically(ioctl, home: Path, config_dir) -> None:
    v = vector("keystore_v3_ioctl_params")
    source = home / "source.json"
    source.write_text(v["keystore_json_text"])
    rc, out, err = ioctl(
        "account", "import", "keystore", "imp", str(source), input="pw\nnew\nnew\n"
    )
    assert rc == 0, err
    assert out.endswith(
        "#imp: Enter your password of keystore, which will not be exposed on the screen.\n"
        "#imp: Set password\n\n#imp: Enter password again\n\n"
        "New account #imp is created. Keep your password, or you will lose your private key.\n"
    )
    assert source.read_text() == v["keystore_json_text"]  # the source is not touched
    (path,) = _key_files(config_dir)
    document = json.loads(path.read_bytes())
    assert document["id"] != json.loads(v["keystore_json_text"])["id"]  # re-encrypted
    assert document["crypto"]["kdfparams"]["n"] == 262144
    for sign in vectors("ioctl_account_sign")[:1]:
        rc, out, err = ioctl(
            "account", "sign", sign["message_argument"], "-s", "imp", input="new\n"
        )
        assert out == PROMPT + sign["expected_stdout_line"] + "\n", err


def test_import_keystore_from_another_wallet(ioctl, home: Path, config_dir: Path) -> None:
    v = next(e for e in vectors("keystore_v3") if e["source"].endswith("keystore/aaa"))
    source = home / "aaa"
    source.write_text(keystore_text(v))
    rc, _, err = ioctl("account", "import", "keystore", "aaa", str(source), input="foobar\nx\nx\n")
    assert rc == 0, err
    # (Re-encryption under ioctl's parameters is proven by the test above.)
    assert ioctl("account", "list").stdout == f"{v['io_address']} - aaa\n"


def test_import_keystore_wrong_password(ioctl, home: Path, wallet, unchanged) -> None:
    v = next(e for e in vectors("keystore_v3") if e["source"].endswith("keystore/aaa"))
    (home / "aaa").write_text(keystore_text(v))
    check = unchanged()
    check_error(
        ioctl("account", "import", "keystore", "aaa", str(home / "aaa"), input="nope\nx\nx\n"),
        "failed to decrypt key: could not decrypt key with given password",
    )
    check()


def test_import_keystore_missing_file(ioctl, home: Path, wallet, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "import", "keystore", "a", str(home / "missing"), input="x\n"),
        f'keystore file "{home / "missing"}" read error: No such file or directory',
    )
    check()


def test_import_keystore_existing_account(ioctl, home, light_account, unchanged) -> None:
    (home / "copy").write_bytes(light_account.path.read_bytes())
    check = unchanged()
    check_error(
        ioctl("account", "import", "keystore", "again", str(home / "copy"), input="pw\nx\nx\n"),
        "failed to import private key into keystore : account already exists",
    )
    check()


# ----------------------------------------------------------------- export, exportpublic


@pytest.mark.parametrize("who", ["k1", VECTOR_ETH.lower()[2:]])  # other forms: test_wallet
def test_export(ioctl, light_account, who: str) -> None:
    assert ioctl("account", "export", who, input="pw\n") == (0, PROMPT + VECTOR_KEY + "\n", "")


def test_exportpublic(ioctl, light_account) -> None:
    rc, out, _ = ioctl("account", "exportpublic", "k1", input="pw\n")
    assert (rc, out) == (0, PROMPT + VECTOR_PUB + "\n")


def test_export_json_mode(ioctl, light_account) -> None:
    rc, out, _ = ioctl("account", "export", "k1", "-o", "json", input="pw\n")
    assert rc == 0
    assert out == (
        '{\n  "messageType": "query",\n'
        f'  "message": "Enter password for #{VECTOR_IO}:\\n"\n}}\n'
        f'{{\n  "messageType": "result",\n  "message": "{VECTOR_KEY}"\n}}\n'
    )


@pytest.mark.parametrize("command", ["export", "exportpublic"])
def test_export_wrong_password(ioctl, light_account, unchanged, command: str) -> None:
    check = unchanged()
    check_error(
        ioctl("account", command, "k1", input="nope\n"),
        "failed to get private key from keystore: could not decrypt key with given password",
    )
    check()


def test_export_wrong_password_json_mode(ioctl, light_account) -> None:
    rc, out, err = ioctl("-o", "json", "account", "export", "k1", input="nope\n")
    assert rc != 0 and err == ""
    error = json.loads(out.split("}\n", 1)[1])
    assert error == {
        "messageType": "error",
        "message": {
            "code": 14,
            "info": "failed to get private key from keystore: "
            "could not decrypt key with given password",
        },
    }


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("nope", "failed to get address: cannot find address for alias nope"),
        (OTHER_IO, f"failed to get private key from keystore: invalid address #{OTHER_IO}"),
        (VECTOR_IO[:-1] + "k", f"failed to get address: {VECTOR_IO[:-1]}k: invalid IoTeX address"),
    ],
)
def test_export_unknown_account(ioctl, light_account, who: str, message: str) -> None:
    check_error(ioctl("account", "export", who, input="pw\n"), message)


def test_export_has_no_password_flag(ioctl, light_account) -> None:
    check_error(ioctl("account", "export", "k1", "-P", "pw"), "unknown shorthand flag: 'P' in -P")


# ----------------------------------------------------------------- list


def test_list(ioctl, wallet) -> None:
    assert ioctl("account", "list") == (0, "\n", "")
    _rc, out, _ = ioctl("account", "list", "-o", "json")
    assert out == '{\n  "messageType": "result",\n  "message": {\n    "accounts": null\n  }\n}\n'
    named = wallet.add(VECTOR_KEY, alias="k1")
    anonymous = wallet.add()
    wallet.set_alias("unrelated", OTHER_IO)
    files = sorted([named, anonymous], key=lambda a: str(a.path))
    _rc, out, _ = ioctl("account", "list")
    expected = [f"{a.address} - k1" if a is named else a.address for a in files]
    assert out == "\n".join(expected) + "\n"
    _rc, out, _ = ioctl("-o", "json", "account", "list")
    assert json.loads(out)["message"] == {
        "accounts": [{"address": a.address, "alias": "k1" if a is named else ""} for a in files]
    }


def test_list_follows_the_wallet_setting(ioctl, wallet, tmp_path: Path) -> None:
    wallet.set(wallet=str(tmp_path / "elsewhere"))
    account = wallet.add()
    assert account.path.parent == tmp_path / "elsewhere"
    assert ioctl("account", "list").stdout == account.address + "\n"


# ----------------------------------------------------------------- delete


def test_delete_with_y(ioctl, wallet, light_account, config_dir: Path) -> None:
    other = wallet.add(alias="keep")
    wallet.set(default_account="k1")
    rc, out, err = ioctl("account", "delete", "k1", "-y")
    assert (rc, out, err) == (0, f"Account #{VECTOR_IO} has been deleted.\n", "")
    assert not light_account.path.exists() and other.path.exists()
    opened = ConfigFile.open(config_dir)
    assert opened.config.aliases == {"keep": other.address}
    assert opened.config.default_account == "k1"  # not cleared, as Go


def test_delete_default_account(ioctl, wallet, light_account) -> None:
    wallet.set(default_account=VECTOR_IO)
    assert ioctl("account", "delete", "--yes").rc == 0
    assert not light_account.path.exists()


def test_delete_without_y_and_piped_stdin_is_refused(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "delete", "k1", input="yes\n"),
        "account delete requires interactive confirmation: interactive input required "
        "(confirmation) but running in non-interactive mode; use flags to provide input",
    )
    check()


def test_delete_confirmed_interactively(ioctl, light_account) -> None:
    rc, out, _ = ioctl("--interactive", "account", "delete", "k1", input="YES\n")
    assert rc == 0
    assert out == (
        "** This is an irreversible action!\n"
        "Once an account is deleted, all the assets under this account may be lost!\n"
        "Type 'YES' to continue, quit for anything else.\nOptions: yes\nQuit for anything else.\n"
        f"Account #{VECTOR_IO} has been deleted.\n"
    )
    assert not light_account.path.exists()


def test_delete_declined(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    rc, out, _ = ioctl("--interactive", "account", "delete", "k1", input="no\n")
    assert rc == 0 and out.endswith("Quit for anything else.\nquit\n")
    check()


def test_delete_missing(ioctl, wallet, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "delete", OTHER_IO, "-y"),
        f"crypto file of account #{OTHER_IO} not found: stat : no such file or directory",
    )
    check_error(
        ioctl("account", "delete", "-y"),
        'failed to get address: use "ioctl config set defaultacc ADDRESS|ALIAS" to config '
        "default account first",
    )
    check()


# ----------------------------------------------------------------- update


def test_update(ioctl, light_account) -> None:
    before = json.loads(light_account.path.read_bytes())
    rc, out, err = ioctl("account", "update", "k1", input="pw\nnew\nnew\n")
    assert rc == 0, err
    assert out == (
        f"#{VECTOR_IO}: Enter current password\n\n#{VECTOR_IO}: Enter new password\n\n"
        f"#{VECTOR_IO}: Enter new password again\n\nAccount #{VECTOR_IO} has been updated.\n"
    )
    after = json.loads(light_account.path.read_bytes())  # same file name
    assert after["id"] == before["id"]
    assert after["crypto"]["kdfparams"]["n"] == 262144  # rewritten with ioctl's parameters
    assert after["crypto"]["kdfparams"]["salt"] != before["crypto"]["kdfparams"]["salt"]
    assert [p.name for p in _key_files(light_account.path.parent)] == [light_account.path.name]
    assert ioctl("account", "export", "k1", input="new\n").stdout == PROMPT + VECTOR_KEY + "\n"


def test_update_wrong_password(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "update", "k1", input="nope\nnew\nnew\n"),
        "error occurs when checking current password: could not decrypt key with given password",
    )
    check()


def test_update_mismatched_new_passwords(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    check_error(ioctl("account", "update", "k1", input="pw\nnew\nnex\n"), "password doesn't match")
    check()


def test_update_missing_keystore_is_an_error(ioctl, wallet, unchanged) -> None:
    wallet.set_alias("ghost", OTHER_IO)
    check = unchanged()
    result = ioctl("account", "update", "ghost", input="pw\nnew\nnew\n")
    check_error(result, f"account #{OTHER_IO} is not in the keystore")
    assert "Enter current password" not in result.stdout
    check()


# ----------------------------------------------------------------- ethaddr


@pytest.mark.parametrize("arg", ["k1", VECTOR_IO, VECTOR_ETH.lower()])
def test_ethaddr(ioctl, light_account, arg: str) -> None:
    assert ioctl("account", "ethaddr", arg) == (0, f"{VECTOR_IO} - {VECTOR_ETH}\n", "")


@pytest.mark.parametrize("v", vectors("ethaddr"), ids=lambda v: v["io_address"])
def test_ethaddr_vector(ioctl, wallet, v: dict) -> None:
    expected = f"{v['io_address']} - {v['eth_address_eip55']}\n"
    assert ioctl("account", "ethaddr", v["io_address"]).stdout == expected
    assert ioctl("account", "ethaddr", v["eth_address_eip55"]).stdout == expected
    _rc, out, _ = ioctl("account", "ethaddr", v["io_address"], "-o", "json")
    assert out == (
        '{\n  "messageType": "result",\n  "message": {\n'
        f'    "ioAddr": "{v["io_address"]}",\n    "ethAddr": "{v["eth_address_eip55"]}"\n'
        "  }\n}\n"
    )


def test_ethaddr_uppercase_io_is_kept(ioctl, wallet) -> None:
    assert ioctl("account", "ethaddr", VECTOR_IO.upper()).stdout == (
        f"{VECTOR_IO.upper()} - {VECTOR_ETH}\n"
    )


def test_ethaddr_testnet(ioctl, wallet) -> None:
    testnet = vector("address_parse")["testnet"]
    _rc, out, _ = ioctl("account", "ethaddr", VECTOR_ETH, env={"IOTEX_NETWORK_TYPE": "testnet"})
    assert out == f"{testnet['address']} - {VECTOR_ETH}\n"
    _rc, out, _ = ioctl(
        "account", "ethaddr", testnet["address"], env={"IOTEX_NETWORK_TYPE": "testnet"}
    )
    assert out == f"{testnet['address']} - {VECTOR_ETH}\n"


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("Io" + VECTOR_IO[2:], "Io" + VECTOR_IO[2:] + ": invalid IoTeX address"),
        (VECTOR_IO[:-1] + "k", VECTOR_IO[:-1] + "k: invalid IoTeX address"),
        ("it" + VECTOR_IO[2:], "it" + VECTOR_IO[2:] + ": invalid IoTeX address"),
        (VECTOR_IO + "q", VECTOR_IO + "q: invalid IoTeX address"),
        (VECTOR_IO[:-1], "cannot find address for alias " + VECTOR_IO[:-1]),
        ("nope", "cannot find address for alias nope"),
        ("", "cannot find address for alias "),
    ],
)
def test_ethaddr_errors(ioctl, wallet, arg: str, message: str) -> None:
    check_error(ioctl("account", "ethaddr", arg), message)


def test_ethaddr_protocol_address_is_a_clean_error(ioctl, wallet) -> None:
    # Go panics here: the protocol addresses have no 20-byte form.
    result = ioctl("account", "ethaddr", "io000000000000000000000000stakingprotocol")
    check_error(result, startswith="io000000000000000000000000stakingprotocol")
    assert "Traceback" not in result.stderr and "panic" not in result.stderr


# ----------------------------------------------------------------- sign, recover


SIGN = vectors("ioctl_account_sign")


@pytest.mark.parametrize(
    ("v", "signer"),
    # One signer form per vector: alias, io address, EIP-55 address.
    [(v, ("k1", v["io_address"], VECTOR_ETH)[i % 3]) for i, v in enumerate(SIGN)],
    ids=ids(SIGN, "message_argument"),
)
def test_sign_vector(ioctl, light_account, v: dict, signer: str) -> None:
    result = ioctl("account", "sign", v["message_argument"], "-s", signer, input="pw\n")
    assert result == (0, PROMPT + v["expected_stdout_line"] + "\n", "")


def test_sign_long_flag_and_uppercase_prefix(ioctl, light_account) -> None:
    v = SIGN[0]
    arg = "0X" + v["message_argument"][2:].upper()
    _rc, out, _ = ioctl("account", "sign", arg, "--signer", VECTOR_ETH, input="pw\n")
    assert out == PROMPT + v["expected_stdout_line"] + "\n"


def test_sign_wrong_password(ioctl, light_account, unchanged) -> None:
    check = unchanged()
    check_error(
        ioctl("account", "sign", "0x68656c6c6f", "-s", "k1", input="nope\n"),
        "failed to sign message: could not decrypt key with given password",
    )
    check()


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("0", "encoding/hex: odd length hex string"),  # Go panics on len < 2
        # Go reports an invalid byte before an odd length (encoding/hex.Decode).
        ("x", "encoding/hex: invalid byte: U+0078 'x'"),
        ("0x123", "encoding/hex: odd length hex string"),
        ("0xzz", "encoding/hex: invalid byte: U+007A 'z'"),
        ("hello!", "encoding/hex: invalid byte: U+0068 'h'"),
        # bytes.fromhex skipped whitespace and signed "abcd"; Go refuses.
        ("0xab  cd", "encoding/hex: invalid byte: U+0020 ' '"),
        ("ab\tcd", "encoding/hex: invalid byte: U+0009"),
        # A byte of the UTF-8 text, not the character: é is C3 A9.
        ("abé0", "encoding/hex: invalid byte: U+00C3 'Ã'"),
        ("ab\u00a0cd", "encoding/hex: invalid byte: U+00C2 'Â'"),
    ],
)
def test_sign_bad_messages(ioctl, light_account, message: str, error: str) -> None:
    result = ioctl("account", "sign", message, "-s", "k1", input="pw\n")
    check_error(result, error)
    assert "Enter password" not in result.stdout  # refused before asking


def test_sign_empty_message_is_the_empty_hex_string(ioctl, light_account) -> None:
    # Go panics on an argument shorter than 2 characters; "" is just no bytes, like "0x".
    empty = next(v for v in SIGN if v["message_argument"] == "0x")
    rc, out, _ = ioctl("account", "sign", "", "-s", "k1", input="pw\n")
    assert (rc, out) == (0, PROMPT + empty["expected_stdout_line"] + "\n")


def test_sign_requires_a_signer(ioctl, light_account) -> None:
    line = check_error(ioctl("account", "sign", "0x00", input="pw\n"))
    assert "-s" in line


def test_sign_unknown_signer(ioctl, light_account) -> None:
    check_error(
        ioctl("account", "sign", "0x00", "-s", OTHER_IO, input="pw\n"),
        f"failed to sign message: invalid address #{OTHER_IO}",
    )


RECOVER = vectors("eth_signed_message_recover")


@pytest.mark.parametrize("v", RECOVER, ids=ids(RECOVER, "signer_io_address"))
def test_recover_vector(ioctl, wallet, v: dict) -> None:
    signature = bytes.fromhex(v["signature"])
    recovery = signature[64] - 27 if signature[64] >= 27 else signature[64]
    as_given = v["signature"]
    other_v = recovery if signature[64] >= 27 else recovery + 27  # 27/28 <-> 0/1
    other_form = (signature[:64] + bytes([other_v])).hex()
    rc, out, _ = ioctl("account", "recover", v["ioctl_account_sign_argument"], as_given)
    assert (rc, out) == (0, v["signer_io_address"] + "\n")
    rc, out, _ = ioctl(
        "-o", "json", "account", "recover", v["ioctl_account_sign_argument"], other_form
    )
    assert json.loads(out)["message"] == {
        "address": v["signer_io_address"],
        "publicKey": v["recovered_public_key"],
    }


def test_recover_round_trip_with_sign(ioctl, light_account) -> None:
    v = SIGN[0]
    _rc, out, _ = ioctl(
        "account", "recover", v["message_argument"], "0x" + v["expected_stdout_line"]
    )
    assert out == VECTOR_IO + "\n"


@pytest.mark.parametrize("signature", ["", "zz", "00" * 64, "00" * 65, "00" * 64 + "09"])
def test_recover_bad_signature(ioctl, wallet, signature: str) -> None:
    check_error(ioctl("account", "recover", "0x00", signature), startswith="invalid signature: ")


# ----------------------------------------------------------------- verify


@pytest.mark.parametrize("prefix", ["", "0x", "0X"])
def test_verify(ioctl, wallet, prefix: str) -> None:
    rc, out, _ = ioctl("account", "verify", input=prefix + VECTOR_KEY + "\n")
    assert (rc, out) == (
        0,
        f"Enter private key:\nAddress:\t{VECTOR_IO}\nPublic Key:\t{VECTOR_PUB}\n",
    )


def test_verify_json(ioctl, wallet) -> None:
    _rc, out, _ = ioctl("-o", "json", "account", "verify", input=VECTOR_KEY + "\n")
    prompt, payload = out.split("\n", 1)
    assert prompt == "Enter private key:"  # plain text even in JSON mode, as Go
    assert json.loads(payload)["message"] == {"address": VECTOR_IO, "publicKey": VECTOR_PUB}


def test_verify_bad_key(ioctl, wallet) -> None:
    result = ioctl("account", "verify", input="nothex\n")
    check_error(result, startswith="failed to generate private key from hex string")
