"""End to end: installed ``ioctl``, ``hdwallet`` commands and ``hdw::`` signers (go-ioctl.md §9).

Each test gets its own HOME (shared fixtures of tests/conftest.py); input is piped, so
every prompt reads one line of stdin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import IoctlRunner, Result, check_error
from pyioctl import bip32, bip39, hdwallet
from pyioctl.keys import PrivateKey, recover_message_signer
from vectors import vectors

FILE_VECTORS = vectors("hdwallet_file")
DERIVE_VECTORS = vectors("hdwallet_derive")
ISSUE172_VECTORS = vectors("hdwallet_derive_issue172")

PHRASE = DERIVE_VECTORS[0]["mnemonic"]
PASSWORD = "pw"
FIX_ENV = bip32.FIX_ISSUE_179_ENV
PHRASE_NOTE = (
    "It is used to recover your wallet in case you forgot the password. "
    "Write them down and store it in a safe place."
)
CREATE_FIRST = "Run 'ioctl hdwallet create' to create your HDWallet first."


def _phrase_text(mnemonic: str) -> str:
    return f"Mnemonic phrase: {mnemonic}\n{PHRASE_NOTE}\n"


class HD:
    """The temp HOME with config.default already written (so no first-run notice)."""

    def __init__(self, ioctl: IoctlRunner, wallet_dir: Path) -> None:
        self.ioctl = ioctl
        self.wallet_dir = wallet_dir
        self.hdwallet = hdwallet.hdwallet_path(wallet_dir)

    def run(self, *args: str, input: str = "", env: dict[str, str | None] | None = None) -> Result:
        # The developer's own environment must not flip the derivation under test.
        return self.ioctl(*args, input=input, env={FIX_ENV: None, **(env or {})})

    def write_wallet(self, mnemonic: str = PHRASE, password: str = PASSWORD) -> bytes:
        blob = hdwallet.encrypt_mnemonic(mnemonic, password)
        self.hdwallet.write_bytes(blob)
        return blob

    def files(self) -> list[str]:
        return sorted(p.name for p in self.wallet_dir.iterdir())


@pytest.fixture
def hd(ioctl: IoctlRunner, wallet) -> HD:
    return HD(ioctl, wallet.wallet_dir)


Unchanged = Callable[[], Callable[[], None]]  # tests/conftest.py's ``unchanged`` fixture


def assert_fails(result: Result, message: str) -> None:
    """One ``Error: …`` line on stderr, no result on stdout (only prompts), non-zero exit."""
    check_error(result, message)
    assert "Mnemonic phrase" not in result.stdout
    assert "address:" not in result.stdout
    assert "JWT token" not in result.stdout


def _envelopes(text: str) -> list[dict]:
    decoder, found, pos = json.JSONDecoder(), [], 0
    while pos < len(text):
        value, pos = decoder.raw_decode(text, pos)
        found.append(value)
        pos += 1  # the newline after each envelope
    return found


def _derive_path(vec: dict) -> str:
    return vec["hdw_signer"].removeprefix("hdw::")


# ---------------------------------------------------------------------------------------
# Spec vectors


@pytest.mark.parametrize("vec", FILE_VECTORS, ids=[v["password"] for v in FILE_VECTORS])
def test_vector_file_exports_its_mnemonic(hd: HD, vec: dict) -> None:
    hd.hdwallet.write_bytes(bytes.fromhex(vec["file_bytes_hex"]))
    result = hd.run("hdwallet", "export", input=vec["password"] + "\n")
    assert result.rc == 0, result.stderr
    assert result.stdout == "Enter password\n\n" + _phrase_text(vec["mnemonic"])
    assert result.stderr == ""


@pytest.mark.parametrize("vec", DERIVE_VECTORS, ids=[v["hdw_signer"] for v in DERIVE_VECTORS])
def test_vector_derive_prints_the_address(hd: HD, vec: dict) -> None:
    hd.write_wallet(vec["mnemonic"])
    result = hd.run("hdwallet", "derive", _derive_path(vec), input=PASSWORD + "\n")
    assert result.rc == 0, result.stderr
    assert result.stdout == f"Enter password\n\naddress: {vec['io_address']}\n\n"
    assert result.stderr == ""  # not one of the issue-172 keys: no warning


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=[v["entropy_hex"] for v in ISSUE172_VECTORS])
def test_vector_issue172_go_address_by_default_with_a_warning(hd: HD, vec: dict) -> None:
    hd.write_wallet(vec["mnemonic"])
    result = hd.run("hdwallet", "derive", _derive_path(vec), input=PASSWORD + "\n")
    assert result.rc == 0, result.stderr
    assert result.stdout.endswith(f"address: {vec['ioctl_io_address']}\n\n")
    assert result.stderr.startswith("Warn: ")
    assert FIX_ENV in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("vec", ISSUE172_VECTORS, ids=[v["entropy_hex"] for v in ISSUE172_VECTORS])
def test_vector_issue172_standard_address_with_fix_env(hd: HD, vec: dict) -> None:
    hd.write_wallet(vec["mnemonic"])
    result = hd.run(
        "hdwallet", "derive", _derive_path(vec), input=PASSWORD + "\n", env={FIX_ENV: "1"}
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.endswith(f"address: {vec['bip32_standard_io_address']}\n\n")
    assert result.stderr.startswith("Warn: ")
    assert FIX_ENV in result.stderr


@pytest.mark.parametrize(
    ("env", "key"), [({}, "ioctl_private_key"), ({FIX_ENV: "1"}, "bip32_standard_private_key")]
)
def test_vector_issue172_signer_follows_the_env(hd: HD, env: dict, key: str) -> None:
    vec = ISSUE172_VECTORS[0]
    hd.write_wallet(vec["mnemonic"])
    result = hd.run("account", "export", vec["hdw_signer"], input=PASSWORD + "\n", env=env)
    assert result.rc == 0, result.stderr
    assert result.stdout.splitlines()[-1] == vec[key]


# ---------------------------------------------------------------------------------------
# create / import / export / derive / delete


def test_create_export_derive_delete(hd: HD) -> None:
    created = hd.run("hdwallet", "create", input="secret\nsecret\n")
    assert created.rc == 0, created.stderr
    assert created.stderr == ""
    lines = created.stdout.splitlines()
    assert lines[:4] == ["Set password", "", "Enter password again", ""]
    assert lines[4].startswith("Mnemonic phrase: ")
    assert lines[5:] == [PHRASE_NOTE]
    mnemonic = lines[4].removeprefix("Mnemonic phrase: ")
    assert len(mnemonic.split(" ")) == 12
    assert bip39.is_valid_mnemonic(mnemonic)
    assert hd.hdwallet.stat().st_mode & 0o777 == 0o600
    assert hdwallet.load(hd.hdwallet, "secret") == mnemonic

    exported = hd.run("hdwallet", "export", input="secret\n")
    assert exported.stdout == "Enter password\n\n" + _phrase_text(mnemonic)

    derived = hd.run("hdwallet", "derive", "0/0/1", input="secret\n")
    expected = bip32.derive_key(mnemonic, 0, 0, 1, standard=False).address
    assert derived.rc == 0, derived.stderr
    assert f"address: {expected}\n" in derived.stdout

    blob = hd.hdwallet.read_bytes()
    again = hd.run("hdwallet", "create", input="other\nother\n")
    assert again.rc == 0
    assert again.stdout == (
        "already created hdwallet, if you forgot password\uff0cuse delete/import command.\n"
    )
    assert hd.hdwallet.read_bytes() == blob

    deleted = hd.run("hdwallet", "delete", "-y")
    assert deleted.rc == 0, deleted.stderr
    assert (deleted.stdout, deleted.stderr) == ("", "")
    assert not hd.hdwallet.exists()
    assert hd.files() == ["config.default"]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("one\ntwo\n", "password doesn't match"),
        ("", "failed to get password: failed to read password from stdin: EOF"),
    ],
    ids=["password-mismatch", "no-input"],
)
def test_create_refused_writes_nothing(
    hd: HD, unchanged: Unchanged, stdin: str, message: str
) -> None:
    check = unchanged()
    result = hd.run("hdwallet", "create", input=stdin)
    assert_fails(result, message)
    assert not hd.hdwallet.exists()
    check()


def test_import_from_piped_stdin_then_export(hd: HD) -> None:
    result = hd.run("hdwallet", "import", input=f"  {PHRASE} \n{PASSWORD}\n{PASSWORD}\n")
    assert result.rc == 0, result.stderr
    assert result.stdout == (
        "Enter 12 mnemonic words you saved, separated by space\n\n"
        "Set password\n\nEnter password again\n\n" + _phrase_text(PHRASE)
    )
    assert hdwallet.load(hd.hdwallet, PASSWORD) == PHRASE  # stored trimmed
    assert hd.hdwallet.stat().st_mode & 0o777 == 0o600
    assert hd.files() == ["config.default", "hdwallet"]

    exported = hd.run("hdwallet", "export", input=PASSWORD + "\n")
    assert exported.stdout.endswith(_phrase_text(PHRASE))


def test_import_refuses_to_replace_a_wallet(hd: HD, unchanged: Unchanged) -> None:
    blob = hd.write_wallet()
    check = unchanged()
    other = ISSUE172_VECTORS[0]["mnemonic"]
    result = hd.run("hdwallet", "import", input=f"{other}\nx\nx\n")
    assert result.rc == 0
    assert result.stdout == "Please run 'ioctl hdwallet delete' before import\n"
    assert hd.hdwallet.read_bytes() == blob
    check()


_WORDS = PHRASE.split()
_BAD_CHECKSUM = next(
    phrase
    for phrase in (" ".join([*_WORDS[:11], w]) for w in ("abandon", "ability", "able"))
    if not bip39.is_valid_mnemonic(phrase)
)
BAD_MNEMONICS = {
    "unknown-word": " ".join([*_WORDS[:11], "iotex"]),
    "bad-checksum": _BAD_CHECKSUM,
    "eleven-words": " ".join(_WORDS[:11]),
    "thirteen-words": " ".join([*_WORDS, "core"]),
    "empty": "",
}


@pytest.mark.parametrize("phrase", BAD_MNEMONICS.values(), ids=BAD_MNEMONICS.keys())
def test_import_rejects_invalid_mnemonic(hd: HD, phrase: str, unchanged: Unchanged) -> None:
    check = unchanged()
    result = hd.run("hdwallet", "import", input=f"{phrase}\n{PASSWORD}\n{PASSWORD}\n")
    assert_fails(result, "Invalid mnenomic")
    assert "Set password" not in result.stdout  # rejected before any password is asked
    assert hd.files() == ["config.default"]
    check()


def test_import_password_mismatch_writes_nothing(hd: HD, unchanged: Unchanged) -> None:
    check = unchanged()
    result = hd.run("hdwallet", "import", input=f"{PHRASE}\na\nb\n")
    assert_fails(result, "password doesn't match")
    assert hd.files() == ["config.default"]
    check()


def test_import_without_input(hd: HD, unchanged: Unchanged) -> None:
    check = unchanged()
    result = hd.run("hdwallet", "import", input="")
    assert_fails(result, "failed to read mnemonic from stdin: EOF")
    assert hd.files() == ["config.default"]
    check()


def test_export_and_derive_without_a_wallet(hd: HD, unchanged: Unchanged) -> None:
    check = unchanged()
    exported = hd.run("hdwallet", "export")
    assert exported.rc == 0
    assert exported.stdout == CREATE_FIRST + "\n"
    derived = hd.run("hdwallet", "derive", "0/0/1", input=PASSWORD + "\n")
    assert_fails(derived, CREATE_FIRST)
    assert hd.files() == ["config.default"]
    check()


def test_signer_without_a_wallet(hd: HD, unchanged: Unchanged) -> None:
    check = unchanged()
    signed = hd.run("-o", "json", "jwt", "sign", "-s", "hdw::0/1/3", input=PASSWORD + "\n")
    assert signed.rc != 0
    error = {"code": 13, "info": f"failed to derive key from HDWallet: {CREATE_FIRST}"}
    assert _envelopes(signed.stdout)[-1] == {"messageType": "error", "message": error}
    exported = hd.run("account", "export", "hdw::0/1/3", input=PASSWORD + "\n")
    assert_fails(
        exported,
        f"failed to get private key from keystore: failed to derive key from HDWallet: "
        f"{CREATE_FIRST}",
    )
    assert hd.files() == ["config.default"]
    check()


def test_two_part_path_is_account_zero(hd: HD) -> None:
    hd.write_wallet()
    short = hd.run("hdwallet", "derive", "1/3", input=PASSWORD + "\n")
    assert short.stdout.endswith(f"address: {DERIVE_VECTORS[0]['io_address']}\n\n")


def test_delete_needs_confirmation_or_y(hd: HD, unchanged: Unchanged) -> None:
    blob = hd.write_wallet()
    check = unchanged()
    result = hd.run("hdwallet", "delete", input="yes\n")
    assert_fails(
        result,
        "hdwallet delete requires interactive confirmation: interactive input required "
        "(confirmation) but running in non-interactive mode; use flags to provide input",
    )
    assert hd.hdwallet.read_bytes() == blob
    check()


def test_delete_missing_file(hd: HD, unchanged: Unchanged) -> None:
    check = unchanged()
    result = hd.run("hdwallet", "delete", "-y")
    assert_fails(result, f"remove {hd.hdwallet}: no such file or directory")
    check()


def test_json_mode_envelopes(hd: HD) -> None:
    hd.write_wallet()
    derived = hd.run("-o", "json", "hdwallet", "derive", "0/1/3", input=PASSWORD + "\n")
    assert derived.rc == 0, derived.stderr
    assert derived.stdout == (
        '{\n  "messageType": "query",\n  "message": "Enter password\\n"\n}\n'
        '{\n  "messageType": "result",\n'
        f'  "message": "address: {DERIVE_VECTORS[0]["io_address"]}\\n"\n}}\n'
    )
    wrong = hd.run("-o", "json", "hdwallet", "export", input="nope\n")
    assert wrong.rc != 0
    error = {"code": 5, "info": "password error"}
    assert _envelopes(wrong.stdout)[-1] == {"messageType": "error", "message": error}


@pytest.mark.parametrize("command", ["create", "import", "export", "derive", "delete"])
def test_help_has_an_example(hd: HD, command: str) -> None:
    result = hd.run("hdwallet", command, "--help")
    assert result.rc == 0
    examples = [line for line in result.stdout.splitlines() if "Example: " in line]
    assert len(examples) == 1
    assert f"ioctl hdwallet {command}" in examples[0]


# ---------------------------------------------------------------------------------------
# Wrong password, damaged files: one line, non-zero exit, file untouched


def _damaged(blob: bytes) -> dict[str, tuple[bytes, str]]:
    flipped = bytearray(blob)
    flipped[20] ^= 0x01
    return {
        "wrong-password": (blob, "password error"),
        "bit-flip": (bytes(flipped), "password error"),
        "truncated-tail": (blob[:-1], "password error"),
        "truncated-48": (blob[:48], "incorrect data"),
        "truncated-10": (
            blob[:10],
            "failed to decrypt: cipherText too short. "
            "It decodes to 10 bytes but the minimum length is 16",
        ),
        "empty": (
            b"",
            "failed to decrypt: cipherText too short. "
            "It decodes to 0 bytes but the minimum length is 16",
        ),
    }


_GOOD_BLOB = hdwallet.encrypt_mnemonic(PHRASE, PASSWORD, iv=bytes(range(16)))
DAMAGED = _damaged(_GOOD_BLOB)


@pytest.mark.parametrize("case", DAMAGED, ids=DAMAGED.keys())
def test_export_and_derive_reject_bad_password_or_file(
    hd: HD, case: str, unchanged: Unchanged
) -> None:
    blob, message = DAMAGED[case]
    password = "wrong" if case == "wrong-password" else PASSWORD
    hd.hdwallet.write_bytes(blob)
    check = unchanged()
    for args in (("hdwallet", "export"), ("hdwallet", "derive", "0/1/3")):
        result = hd.run(*args, input=password + "\n")
        assert_fails(result, message)
        assert hd.hdwallet.read_bytes() == blob
    assert hd.files() == ["config.default", "hdwallet"]
    check()


# Go ioctl's error code for each: 5 (ValidationError) when the file decrypts to nonsense,
# 13 (InputError) when it is shorter than its IV.
DAMAGED_CODES = {"wrong-password": 5, "bit-flip": 5, "truncated-tail": 5, "truncated-48": 5,
                 "truncated-10": 13, "empty": 13}  # fmt: skip


@pytest.mark.parametrize("case", DAMAGED, ids=DAMAGED.keys())
def test_bad_password_or_file_codes(hd: HD, case: str) -> None:
    blob, message = DAMAGED[case]
    password = "wrong" if case == "wrong-password" else PASSWORD
    hd.hdwallet.write_bytes(blob)
    result = hd.run("-o", "json", "hdwallet", "export", input=password + "\n")
    assert result.rc != 0
    error = {"code": DAMAGED_CODES[case], "info": message}
    assert _envelopes(result.stdout)[-1] == {"messageType": "error", "message": error}


@pytest.mark.parametrize("case", ["bit-flip", "truncated-48", "truncated-10"])
def test_signer_rejects_damaged_file(hd: HD, case: str, unchanged: Unchanged) -> None:
    blob, message = DAMAGED[case]
    hd.hdwallet.write_bytes(blob)
    check = unchanged()
    result = hd.run("jwt", "sign", "-s", "hdw::0/1/3", input=PASSWORD + "\n")
    assert_fails(result, f"failed to derive key from HDWallet: {message}")
    assert hd.hdwallet.read_bytes() == blob
    check()


BAD_SIGNERS = {
    "hdw::": "derivation path error",
    "hdw::1": "derivation path error",
    "hdw::1/2/3/4": "derivation path error",
    "hdw::a/b": 'a must be integer value: strconv.ParseUint: parsing "a": invalid syntax',
    "hdw::2147483648/0/0": "component 2147483648 out of allowed hardened range [0, 2147483647]",
    "hdw::0/4294967296": (
        "4294967296 must be integer value: strconv.ParseUint: "
        'parsing "4294967296": value out of range'
    ),
}
SIGNER_COMMANDS = {
    "jwt-sign": (("jwt", "sign", "-s"), ""),
    "account-export": (("account", "export"), "failed to get private key from keystore: "),
    "account-exportpublic": (
        ("account", "exportpublic"),
        "failed to get private key from keystore: ",
    ),
    "account-sign": (("account", "sign", "0x68656c6c6f", "-s"), "failed to sign message: "),
}


# Every malformed path with jwt sign and account export; the other two share their code.
SIGNER_CASES = [
    *((signer, command) for signer in BAD_SIGNERS for command in ("jwt-sign", "account-export")),
    ("hdw::1", "account-exportpublic"),
    ("hdw::a/b", "account-sign"),
]


@pytest.mark.parametrize(("signer", "command"), SIGNER_CASES)
def test_malformed_signer_paths(hd: HD, signer: str, command: str, unchanged: Unchanged) -> None:
    blob = hd.write_wallet()
    check = unchanged()
    args, prefix = SIGNER_COMMANDS[command]
    result = hd.run(*args, signer, input=PASSWORD + "\n")
    assert_fails(result, f"{prefix}invalid HDWallet key format: {BAD_SIGNERS[signer]}")
    assert "Enter password" not in result.stdout
    assert hd.hdwallet.read_bytes() == blob
    check()


@pytest.mark.parametrize("path", ["", "1", "a/b", "2147483648/0/0", "hdw::0/1/3"])
def test_derive_rejects_malformed_paths(hd: HD, path: str, unchanged: Unchanged) -> None:
    blob = hd.write_wallet()
    check = unchanged()
    result = hd.run("hdwallet", "derive", path, input=PASSWORD + "\n")
    assert result.rc != 0
    assert result.stderr.startswith("Error: invalid hdwallet key format: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Enter password" not in result.stdout
    assert hd.hdwallet.read_bytes() == blob
    check()


def test_signer_wrong_password_texts_and_codes(hd: HD, unchanged: Unchanged) -> None:
    blob = hd.write_wallet()
    check = unchanged()
    jwt = hd.run("-o", "json", "jwt", "sign", "-s", "hdw::0/1/3", input="wrong\n")
    assert jwt.rc != 0
    assert '"code": 13' in jwt.stdout
    assert '"info": "failed to derive key from HDWallet: password error"' in jwt.stdout
    export = hd.run("account", "export", "hdw::0/1/3", input="wrong\n")
    assert_fails(
        export,
        "failed to get private key from keystore: failed to derive key from HDWallet: "
        "password error",
    )
    assert hd.hdwallet.read_bytes() == blob
    check()


# ---------------------------------------------------------------------------------------
# hdw:: signers in other commands


VEC = DERIVE_VECTORS[0]  # hdw::0/1/3
VEC_KEY = PrivateKey.from_hex(VEC["private_key"])


@pytest.mark.parametrize("signer", ["hdw::0/1/3", "hdw::1/3", "HDW::0/1/3"])
def test_account_export(hd: HD, signer: str) -> None:
    hd.write_wallet(VEC["mnemonic"])
    exported = hd.run("account", "export", signer, input=PASSWORD + "\n")
    assert exported.rc == 0, exported.stderr
    assert exported.stdout == f"Enter password for #{signer}:\n\n{VEC['private_key']}\n"


def test_account_exportpublic(hd: HD) -> None:
    hd.write_wallet(VEC["mnemonic"])
    public = hd.run("account", "exportpublic", "hdw::1/3", input=PASSWORD + "\n")
    assert public.rc == 0, public.stderr
    assert public.stdout.splitlines()[-1] == VEC_KEY.public_key.hex()


def test_account_sign(hd: HD) -> None:
    hd.write_wallet(VEC["mnemonic"])
    result = hd.run("account", "sign", "0x68656c6c6f", "-s", "hdw::1/3", input=PASSWORD + "\n")
    assert result.rc == 0, result.stderr
    signature = bytes.fromhex(result.stdout.splitlines()[-1])
    assert signature == VEC_KEY.sign_message(b"hello")
    assert recover_message_signer(b"hello", signature).address == VEC["io_address"]


def _token(result: Result) -> str:
    assert result.rc == 0, result.stderr
    for line in result.stdout.splitlines():
        if line.startswith("JWT token: "):
            return line.removeprefix("JWT token: ")
    raise AssertionError(result.stdout)


def test_jwt_signed_by_hdw_signer_verifies_as_the_derived_address(hd: HD) -> None:
    hd.write_wallet(VEC["mnemonic"])
    signed = hd.run("jwt", "sign", "-s", "hdw::0/1/3", "--expires-in", "1h", input=PASSWORD + "\n")
    token = _token(signed)
    assert f"  address: {VEC['io_address']}\n" in signed.stdout
    verified = hd.run("-o", "json", "jwt", "verify", token, "--issuer", VEC["io_address"])
    assert verified.rc == 0, verified.stderr
    payload = json.loads(verified.stdout)["message"]
    assert payload["valid"] is True
    assert payload["issuerAddress"] == VEC["io_address"]
    assert payload["issuer"] == "0x" + VEC_KEY.public_key.hex()
    other = DERIVE_VECTORS[1]["io_address"]
    assert hd.run("jwt", "verify", token, "--issuer", other).rc != 0


def test_hdw_default_account_signs_jwt(hd: HD) -> None:
    hd.write_wallet(VEC["mnemonic"])
    configured = hd.run("config", "set", "defaultacc", "hdw::0/0/1")
    assert configured.rc == 0, configured.stderr
    signed = hd.run("jwt", "sign", "--expires-in", "1h", input=PASSWORD + "\n")
    token = _token(signed)
    assert signed.stdout.startswith("Enter password for #hdw::0/0/1:\n")
    expected = bip32.derive_key(VEC["mnemonic"], 0, 0, 1, standard=False).address
    assert f"  address: {expected}\n" in signed.stdout
    verified = hd.run("jwt", "verify", token, "--issuer", expected)
    assert verified.rc == 0, verified.stderr
