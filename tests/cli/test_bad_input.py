"""Bad input, nothing lost (issue 2): each case gives one ``Error: …`` line on stderr, a
non-zero exit, and leaves every file under HOME byte-identical.

Wrong passwords, mismatched confirmations, existing accounts, long aliases and invalid
addresses per command are in test_account.py / test_alias.py; this file covers damaged
key files, unwritable places and a missing HOME.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import VECTOR_IO, VECTOR_KEY, check_error, independent_encrypt, read_only_dir

KEY_ADDRESS = "3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4"


def _document(**crypto_changes) -> dict:
    document = independent_encrypt(bytes.fromhex(VECTOR_KEY), "pw", address=KEY_ADDRESS)
    document["crypto"].update(crypto_changes)
    return document


# Damaged key files: how each one is written, and the error text (after the file name).
DAMAGED = {
    "bad_mac": (lambda: json.dumps(_document(mac="00" * 32)), None),
    "unknown_cipher": (lambda: json.dumps(_document(cipher="aes-256-cbc")),
                       "cipher not supported: aes-256-cbc"),
    "unknown_kdf": (lambda: json.dumps(_document(kdf="bcrypt")), "unsupported KDF: bcrypt"),
    "wrong_version": (lambda: json.dumps({**_document(), "version": 4}),
                      "version not supported: 4"),
    "non_hex_ciphertext": (lambda: json.dumps(_document(ciphertext="xyz")),
                           "field 'ciphertext' is not hex"),
    "non_hex_iv": (lambda: json.dumps(_document(cipherparams={"iv": "nothex"})),
                   "field 'iv' is not hex"),
}  # fmt: skip
WRONG_PASSWORD = "could not decrypt key with given password"


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_key_file_in_the_wallet(ioctl, wallet, unchanged, case: str) -> None:
    make, message = DAMAGED[case]
    path = wallet.wallet_dir / f"UTC--2024-01-01T00-00-00.000000000Z--{KEY_ADDRESS}"
    path.write_text(make())
    wallet.set_alias("k1", VECTOR_IO)
    check = unchanged()
    line = check_error(ioctl("account", "export", "k1", input="pw\n"))
    prefix = "Error: failed to get private key from keystore: "
    if message is None:  # a MAC mismatch is what a wrong password looks like
        assert line == prefix + WRONG_PASSWORD
    else:
        assert line == f"{prefix}{path}: {message}"
    check()


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_key_file_imported(ioctl, home: Path, wallet, unchanged, case: str) -> None:
    make, message = DAMAGED[case]
    source = home / "damaged.json"
    source.write_text(make())
    check = unchanged()
    line = check_error(
        ioctl("account", "import", "keystore", "imp", str(source), input="pw\nx\nx\n")
    )
    if message is None:
        assert line == f"Error: failed to decrypt key: {WRONG_PASSWORD}"
    else:
        assert line == f"Error: failed to decrypt key: {source}: {message}"
    check()


def test_truncated_key_file(ioctl, home: Path, wallet, unchanged) -> None:
    text = json.dumps(_document())[:-30]
    in_wallet = wallet.wallet_dir / f"UTC--2024-01-01T00-00-00.000000000Z--{KEY_ADDRESS}"
    in_wallet.write_text(text)
    (home / "truncated.json").write_text(text)
    check = unchanged()
    # In the wallet it is not an account at all (Go ignores unparsable files too); we
    # also name it in a warning, so the missing account is explained.
    warning = f"Warn: skipping unreadable file {in_wallet}: "
    listed = ioctl("account", "list")
    assert listed.stdout == "\n"
    assert listed.stderr.startswith(warning) and listed.stderr.count("\n") == 1
    signed = ioctl("account", "sign", "0x00", "-s", VECTOR_IO, input="pw\n")
    assert signed.rc != 0
    assert signed.stderr.startswith(warning)
    assert signed.stderr.splitlines()[1:] == [
        f"Error: failed to sign message: invalid address #{VECTOR_IO}"
    ]
    check_error(
        ioctl("account", "import", "keystore", "t", str(home / "truncated.json"), input="pw\n"),
        f"failed to decrypt key: {home / 'truncated.json'}: not a keystore JSON file",
    )
    check()


def test_damaged_file_does_not_hide_other_accounts(ioctl, wallet, light_account) -> None:
    (wallet.wallet_dir / "UTC--0000-broken").write_text('{"address": "zz", "crypto": ')
    assert ioctl("account", "list").stdout == f"{VECTOR_IO} - k1\n"


# ----------------------------------------------------------------- unwritable places


def test_wallet_under_a_regular_file(ioctl, home: Path, wallet, unchanged) -> None:
    """Root-proof 'unwritable wallet dir': its parent is a file, so nothing can be created."""
    (home / "afile").write_text("not a directory\n")
    wallet.set(wallet=str(home / "afile" / "sub"))
    check = unchanged()
    for args, input in (
        (["account", "createadd", "a"], "pw\npw\n"),
        (["account", "import", "key", "b"], f"{VECTOR_KEY}\npw\npw\n"),
    ):
        line = check_error(ioctl(*args, input=input))
        assert "afile/sub" in line and "Not a directory" in line
    check_error(ioctl("account", "list"), startswith="cannot read wallet directory")
    check()


def test_read_only_wallet_dir(ioctl, home: Path, wallet, unchanged) -> None:
    wallet_dir = home / "ro-wallet"
    wallet_dir.mkdir()
    wallet.set(wallet=str(wallet_dir))
    with read_only_dir(wallet_dir):
        check = unchanged()
        check_error(ioctl("account", "import", "key", "b", input=f"{VECTOR_KEY}\npw\npw\n"))
        check()


def test_read_only_config_dir(ioctl, wallet, config_dir: Path, unchanged) -> None:
    with read_only_dir(config_dir):
        check = unchanged()
        check_error(ioctl("alias", "set", "a", VECTOR_IO), startswith="failed to write")
        check()


def test_config_dir_path_blocked_by_a_file(ioctl, home: Path, unchanged) -> None:
    # Root-proof: ~/.config is a regular file, so the config dir cannot be created.
    (home / ".config").write_text("x")
    check = unchanged()
    line = check_error(ioctl("alias", "list"))
    assert ".config" in line
    check()


def test_unreadable_config_file_is_not_overwritten(ioctl, wallet, config_dir: Path, unchanged):
    path = config_dir / "config.default"
    path.write_text("wallet: [unclosed\n")
    check = unchanged()
    check_error(ioctl("alias", "set", "a", VECTOR_IO), startswith="failed to parse config file ")
    check_error(ioctl("account", "list"), startswith="failed to parse config file ")
    check()


# ----------------------------------------------------------------- missing HOME


def test_missing_home(ioctl, tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for args in (["account", "list"], ["alias", "set", "a", VECTOR_IO], ["config", "reset"]):
        result = ioctl(*args, env={"HOME": None}, cwd=cwd)
        check_error(result, "HOME is not set: cannot locate ~/.config/ioctl/default")
    assert list(cwd.iterdir()) == []


@pytest.mark.parametrize(
    "kdfparams",
    [
        {"kdf": "scrypt", "n": 1 << 40, "r": 8, "p": 1},
        {"kdf": "scrypt", "n": 1 << 10, "r": 8, "p": 1 << 40},
        {"kdf": "scrypt", "n": 1 << 24, "r": 64, "p": 1},
        {"kdf": "pbkdf2", "c": 10**15, "prf": "hmac-sha256"},
        {"kdf": "pbkdf2", "c": 10**9, "prf": "hmac-sha256"},
    ],
)
def test_hostile_kdf_parameters_are_refused_at_once(ioctl, tmp_path, wallet, kdfparams, unchanged):
    kdf = kdfparams.pop("kdf")
    document = {
        "address": "3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4",
        "crypto": {
            "cipher": "aes-128-ctr", "ciphertext": "00" * 32, "cipherparams": {"iv": "00" * 16},
            "kdf": kdf, "kdfparams": {"dklen": 32, "salt": "00" * 32, **kdfparams},
            "mac": "00" * 32,
        },
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "version": 3,
    }  # fmt: skip
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    check = unchanged()
    line = check_error(ioctl("account", "import", "keystore", "h", str(path), input="pw\n"))
    assert "exceed what pyioctl unlocks" in line
    check()


def test_import_keystore_from_an_endless_file(ioctl, wallet):
    line = check_error(ioctl("account", "import", "keystore", "z", "/dev/zero", input="pw\n"))
    assert "too large to be a key file" in line


def test_account_create_count_is_bounded(ioctl):
    check_error(ioctl("account", "create", "-n", "99999999999999999999"))
