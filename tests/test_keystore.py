"""Web3 Secret Storage v3 key files (go-ioctl.md §4): vectors, our files, lookup, bad files."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import eth_keyfile
import pytest

from helpers import LIGHT, VECTOR_IO, VECTOR_KEY, independent_decrypt, independent_encrypt
from pyioctl import keystore as ks
from pyioctl.errors import KeystoreError, PyioctlError, WrongPasswordError
from pyioctl.keys import PrivateKey
from pyioctl.keystore import IOCTL_SCRYPT, Keystore
from vectors import ids, keystore_text, vector, vectors

KEYSTORE_V3 = vectors("keystore_v3")
IOCTL_PARAMS = vector("keystore_v3_ioctl_params")
FILE_NAME = re.compile(r"UTC--\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{9}Z--[0-9a-f]{40}")
LAYOUT = re.compile(
    r'\{"address":"[0-9a-f]{40}","crypto":\{"cipher":"aes-128-ctr","ciphertext":"[0-9a-f]{64}",'
    r'"cipherparams":\{"iv":"[0-9a-f]{32}"\},"kdf":"scrypt","kdfparams":\{"dklen":32,"n":\d+,'
    r'"p":\d+,"r":\d+,"salt":"[0-9a-f]{64}"\},"mac":"[0-9a-f]{64}"\},'
    r'"id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}","version":3\}'
)
KEY = PrivateKey.from_hex(VECTOR_KEY)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------- vectors


@pytest.mark.parametrize("v", KEYSTORE_V3, ids=ids(KEYSTORE_V3, "source"))
def test_keystore_v3_vector_decrypts(v: dict) -> None:
    key = ks.decrypt(keystore_text(v), v["password"])
    # Short plaintexts (30/31-byte vectors) are keys with leading zero bytes.
    assert key.hex() == v["private_key"].rjust(64, "0")
    if "io_address" in v:
        assert key.address == v["io_address"]


def test_keystore_v3_vector_wrong_password() -> None:
    v = next(e for e in KEYSTORE_V3 if e["source"].endswith("keystore/aaa"))
    with pytest.raises(WrongPasswordError, match=r"^could not decrypt key with given password$"):
        ks.decrypt(keystore_text(v), "wrong")


def test_keystore_v3_ioctl_params_vector_byte_exact() -> None:
    # (Decrypting this vector, N=2^18, is proven end to end by the CLI import test.)
    v = IOCTL_PARAMS
    text = v["keystore_json_text"]
    document = json.loads(text)
    data = ks.encrypt(
        PrivateKey.from_hex(v["private_key"]),
        v["password"],
        salt=bytes.fromhex(document["crypto"]["kdfparams"]["salt"]),
        iv=bytes.fromhex(document["crypto"]["cipherparams"]["iv"]),
        key_id=document["id"],
    )
    assert data == text.encode()
    assert LAYOUT.fullmatch(text)


def test_ioctl_params() -> None:
    assert (IOCTL_SCRYPT.n, IOCTL_SCRYPT.r, IOCTL_SCRYPT.p, IOCTL_SCRYPT.dklen) == (
        1 << 18,
        8,
        1,
        32,
    )


# ----------------------------------------------------------------- files we write


def test_store_writes_a_go_ethereum_file(tmp_path: Path) -> None:
    wallet = tmp_path / "wallet"
    account = Keystore(wallet).store(KEY, "pässword", params=LIGHT)
    assert account.address == VECTOR_IO
    assert FILE_NAME.fullmatch(account.path.name)
    assert account.path.name.endswith("--3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4")
    assert _mode(account.path) == 0o600
    assert _mode(wallet) == 0o700
    data = account.path.read_bytes()
    assert LAYOUT.fullmatch(data.decode())
    document = json.loads(data)
    assert document["crypto"]["kdfparams"]["n"] == LIGHT.n
    assert independent_decrypt(document, "pässword") == KEY.secret
    assert eth_keyfile.decode_keyfile_json(document, "pässword".encode()) == KEY.secret
    assert sorted(p.name for p in wallet.iterdir()) == [account.path.name]  # no temp files


def test_encrypt_is_randomised() -> None:
    a = json.loads(ks.encrypt(KEY, "pw", params=LIGHT))
    b = json.loads(ks.encrypt(KEY, "pw", params=LIGHT))
    assert a["id"] != b["id"]
    assert a["crypto"]["kdfparams"]["salt"] != b["crypto"]["kdfparams"]["salt"]
    assert a["crypto"]["cipherparams"]["iv"] != b["crypto"]["cipherparams"]["iv"]


def test_default_params_are_ioctls() -> None:
    # Checked without paying for scrypt: the parameters the writer would use.
    import inspect

    assert inspect.signature(ks.encrypt).parameters["params"].default is IOCTL_SCRYPT
    assert inspect.signature(Keystore.store).parameters["params"].default is IOCTL_SCRYPT
    assert inspect.signature(Keystore.update).parameters["params"].default is IOCTL_SCRYPT


def test_non_utf8_password_is_used_as_raw_bytes() -> None:
    # A password typed in a Latin-1 terminal reaches Python as lone surrogates
    # (surrogateescape); Go uses the raw bytes, and so must we.
    document = json.loads(ks.encrypt(KEY, "caf\udce9", params=LIGHT))
    assert independent_decrypt(document, b"caf\xe9") == KEY.secret
    assert ks.decrypt(document, "caf\udce9").secret == KEY.secret


def test_store_refuses_an_existing_account(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    first = store.store(KEY, "pw", params=LIGHT)
    with pytest.raises(KeystoreError, match=r"^account already exists$") as info:
        store.store(KEY, "other", params=LIGHT)
    assert info.value.code == "account_exists"
    assert [p.name for p in tmp_path.iterdir()] == [first.path.name]


def test_store_into_an_unwritable_place(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"x")
    with pytest.raises(PyioctlError):
        Keystore(tmp_path / "afile" / "sub").store(KEY, "pw", params=LIGHT)
    assert (tmp_path / "afile").read_bytes() == b"x"


# ----------------------------------------------------------------- lookup


def _write(path: Path, document: dict | str) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_accounts_are_found_and_ordered_like_go(tmp_path: Path) -> None:
    a = PrivateKey.generate()
    b = PrivateKey.generate()
    doc_a = json.loads(ks.encrypt(a, "pw", params=LIGHT))
    doc_b = json.loads(ks.encrypt(b, "pw", params=LIGHT))
    _write(tmp_path / "zzz", doc_a)
    _write(tmp_path / "aaa", doc_b)
    _write(tmp_path / "UTC--b", {**doc_a, "address": "0x" + doc_a["address"].upper()})
    # Skipped: hidden, backup, directories, symlinks, non-JSON, zero or bad address.
    _write(tmp_path / ".hidden", doc_a)
    _write(tmp_path / "backup~", doc_a)
    (tmp_path / "dir").mkdir()
    os.symlink(tmp_path / "zzz", tmp_path / "link")
    _write(tmp_path / "config.default", "wallet: /x\n")
    (tmp_path / "hdwallet").write_bytes(os.urandom(64))
    _write(tmp_path / "zero", {**doc_a, "address": "00" * 20})
    _write(tmp_path / "badhex", {**doc_a, "address": "zz" * 20})
    _write(tmp_path / "noaddr", {"crypto": {}})
    _write(tmp_path / "list", [doc_a])
    found = Keystore(tmp_path).accounts()
    assert [acc.path.name for acc in found] == ["UTC--b", "aaa", "zzz"]
    assert [acc.address for acc in found] == [a.address, b.address, a.address]
    # The first file (by path) wins for an address present twice.
    assert Keystore(tmp_path).find(a.public_key.hash160).path.name == "UTC--b"
    assert Keystore(tmp_path).find(bytes(20)) is None


def test_address_field_is_read_leniently(tmp_path: Path) -> None:
    document = json.loads(ks.encrypt(KEY, "pw", params=LIGHT))
    short = "0x" + "00" * 5 + document["address"][10:]  # leading zero bytes dropped: padded
    _write(tmp_path / "odd", {**document, "address": document["address"][1:]})
    _write(tmp_path / "trailing", json.dumps(document) + "\ngarbage")
    _write(tmp_path / "short", {**document, "address": short})
    names = {acc.path.name: acc.hash160.hex() for acc in Keystore(tmp_path).accounts()}
    assert names["trailing"] == document["address"]
    assert names["odd"] == "0" + document["address"][1:]
    assert names["short"] == short[2:]


def test_missing_wallet_directory_has_no_accounts(tmp_path: Path) -> None:
    assert Keystore(tmp_path / "missing").accounts() == []


def test_wallet_path_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"")
    with pytest.raises(KeystoreError, match="cannot read wallet directory"):
        Keystore(tmp_path / "afile" / "sub").accounts()


# ----------------------------------------------------------------- unlock, update, delete


@pytest.fixture
def stored(tmp_path: Path):
    store = Keystore(tmp_path / "w")
    return store, store.store(KEY, "old", params=LIGHT)


def test_unlock(stored) -> None:
    store, account = stored
    assert store.unlock(account, "old").secret == KEY.secret
    before = account.path.read_bytes()
    with pytest.raises(WrongPasswordError):
        store.unlock(account, "wrong")
    assert account.path.read_bytes() == before


def test_update_in_place(stored) -> None:
    store, account = stored
    before = json.loads(account.path.read_bytes())
    store.update(account, "old", "new", params=LIGHT)
    after = json.loads(account.path.read_bytes())
    assert [p.name for p in account.path.parent.iterdir()] == [account.path.name]
    assert after["id"] == before["id"] and after["address"] == before["address"]
    assert after["crypto"]["kdfparams"]["salt"] != before["crypto"]["kdfparams"]["salt"]
    assert after["crypto"]["cipherparams"]["iv"] != before["crypto"]["cipherparams"]["iv"]
    assert independent_decrypt(after, "new") == KEY.secret
    assert _mode(account.path) == 0o600
    with pytest.raises(WrongPasswordError):
        store.unlock(account, "old")


def test_update_wrong_password_changes_nothing(stored) -> None:
    store, account = stored
    before = account.path.read_bytes()
    with pytest.raises(WrongPasswordError):
        store.update(account, "wrong", "new", params=LIGHT)
    assert account.path.read_bytes() == before


def test_update_key_mismatch(tmp_path: Path) -> None:
    other = PrivateKey.generate()
    document = json.loads(ks.encrypt(KEY, "pw", params=LIGHT))
    document["address"] = other.public_key.hash160.hex()
    path = _write(tmp_path / "UTC--x", document)
    before = path.read_bytes()
    store = Keystore(tmp_path)
    (account,) = store.accounts()
    # Unlock uses the decrypted key without checking it (as Go); update checks.
    assert store.unlock(account, "pw").secret == KEY.secret
    with pytest.raises(KeystoreError, match="key content mismatch: have account 3f9c") as info:
        store.update(account, "pw", "new", params=LIGHT)
    assert info.value.code == "key_mismatch"
    assert path.read_bytes() == before


def test_failed_verification_keeps_the_old_key_file(stored, monkeypatch) -> None:
    """A write whose read-back check fails must not cost the file being replaced."""
    store, account = stored
    before = account.path.read_bytes()
    real = ks._decrypt_with
    calls = []

    def flaky(crypto, derived, where):
        calls.append(where)
        if len(calls) > 1:  # the unlock passes; the read-back of the new file "fails"
            raise KeystoreError("simulated bad write")
        return real(crypto, derived, where)

    monkeypatch.setattr(ks, "_decrypt_with", flaky)
    with pytest.raises(KeystoreError, match="verification of the written key file"):
        store.update(account, "old", "new", params=LIGHT)
    assert account.path.read_bytes() == before
    assert [p.name for p in account.path.parent.iterdir()] == [account.path.name]


def test_failed_verification_on_store_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ks, "_decrypt_with", lambda *a: PrivateKey.generate())
    with pytest.raises(KeystoreError, match="verification"):
        Keystore(tmp_path).store(KEY, "pw", params=LIGHT)
    assert list(tmp_path.iterdir()) == []


def test_delete(stored) -> None:
    store, account = stored
    store.delete(account)
    assert store.accounts() == []
    with pytest.raises(KeystoreError, match="cannot delete"):
        store.delete(account)


def test_read_error_names_the_file(tmp_path: Path) -> None:
    account = ks.Account(KEY.public_key.hash160, tmp_path / "gone")
    with pytest.raises(KeystoreError, match=f'keystore file "{tmp_path / "gone"}" read error'):
        Keystore(tmp_path).unlock(account, "pw")


# ----------------------------------------------------------------- bad files


def _light_doc(**changes) -> dict:
    document = independent_encrypt(KEY.secret, "pw")
    crypto = document["crypto"]
    for name, value in changes.items():
        target, _, field = name.partition("__")
        if target == "top":
            document[field] = value
        elif target == "crypto":
            crypto[field] = value
        elif target == "kdfparams":
            crypto["kdfparams"][field] = value
        elif target == "cipherparams":
            crypto["cipherparams"][field] = value
    return document


def test_light_doc_is_valid() -> None:
    assert ks.decrypt(_light_doc(), "pw").secret == KEY.secret


BAD_FILES = {
    "truncated": (lambda: json.dumps(_light_doc())[:-40], "not a keystore JSON file"),
    "empty": (lambda: "", "not a keystore JSON file"),
    "not_object": (lambda: "[1, 2]", "not a keystore JSON file"),
    "binary": (lambda: b"\xff\xfe\x00", "not a keystore JSON file"),
    "unknown_cipher": (
        lambda: _light_doc(crypto__cipher="aes-256-gcm"),
        "cipher not supported: aes-256-gcm",
    ),
    "unknown_kdf": (lambda: _light_doc(crypto__kdf="argon2"), "unsupported KDF: argon2"),
    "pbkdf2_prf": (
        lambda: _light_doc(
            crypto__kdf="pbkdf2",
            crypto__kdfparams={"c": 2, "dklen": 32, "prf": "hmac-sha1", "salt": "00"},
        ),
        "unsupported PBKDF2 PRF: hmac-sha1",
    ),
    "version_2": (lambda: _light_doc(top__version=2), "version not supported: 2"),
    "version_string": (lambda: _light_doc(top__version="3"), "version not supported: 3"),
    "version_1_legacy": (lambda: _light_doc(top__version="1"), "version not supported: 1"),
    "version_missing": (
        lambda: {k: v for k, v in _light_doc().items() if k != "version"},
        "version not supported: None",
    ),
    "version_bool": (lambda: _light_doc(top__version=True), "version not supported: True"),
    "id_missing": (lambda: {k: v for k, v in _light_doc().items() if k != "id"}, "invalid key id"),
    "id_bad": (lambda: _light_doc(top__id="nope"), "invalid key id"),
    "crypto_missing": (
        lambda: {k: v for k, v in _light_doc().items() if k != "crypto"},
        "missing field 'crypto'",
    ),
    "ciphertext_not_hex": (lambda: _light_doc(crypto__ciphertext="zz"), "'ciphertext' is not hex"),
    "mac_not_hex": (lambda: _light_doc(crypto__mac="xyz"), "'mac' is not hex"),
    "iv_not_hex": (lambda: _light_doc(cipherparams__iv="0g" * 16), "'iv' is not hex"),
    "salt_not_hex": (lambda: _light_doc(kdfparams__salt="q"), "'salt' is not hex"),
    "iv_short": (lambda: _light_doc(cipherparams__iv="00" * 8), "iv must be 16 bytes"),
    "n_not_power_of_two": (lambda: _light_doc(kdfparams__n=3), "invalid scrypt parameters"),
    "n_string": (lambda: _light_doc(kdfparams__n="2"), "missing or invalid field 'n'"),
    "dklen_small": (lambda: _light_doc(kdfparams__dklen=16), "unsupported dklen 16"),
    "kdfparams_missing": (lambda: _light_doc(crypto__kdfparams=None), "'kdfparams'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_gives_a_clear_error_naming_the_file(case: str) -> None:
    make, message = BAD_FILES[case]
    data = make()
    with pytest.raises(KeystoreError) as info:
        ks.decrypt(data, "pw", where="/wallet/UTC--file")
    assert not isinstance(info.value, WrongPasswordError)
    assert message in str(info.value)
    assert str(info.value).startswith("/wallet/UTC--file: ")


def test_bad_mac_is_a_wrong_password() -> None:
    document = _light_doc(crypto__mac="00" * 32)
    with pytest.raises(WrongPasswordError, match=r"^could not decrypt key with given password$"):
        ks.decrypt(document, "pw")


@pytest.mark.parametrize("secret", [bytes(32), bytes(33), (2**256 - 1).to_bytes(32, "big")])
def test_invalid_decrypted_key(secret: bytes) -> None:
    # A valid MAC over a plaintext that is no secp256k1 key: a keystore error naming the file.
    with pytest.raises(KeystoreError, match=r"^/k: decrypted key is invalid$"):
        ks.decrypt(independent_encrypt(secret, "pw"), "pw", where="/k")


def test_pbkdf2_file_written_elsewhere() -> None:
    v = next(e for e in KEYSTORE_V3 if e["keystore_json"]["crypto"]["kdf"] == "pbkdf2")
    assert ks.decrypt(v["keystore_json"], v["password"]).hex() == v["private_key"]


def test_integral_float_kdfparams_are_accepted_as_go_does() -> None:
    document = independent_encrypt(KEY.secret, "pw")
    document["crypto"]["kdfparams"].update(n=2.0, r=8.0, p=1.0, dklen=32.0)
    assert ks.decrypt(json.dumps(document), "pw").secret == KEY.secret
    document["crypto"]["kdfparams"]["n"] = 2.5
    with pytest.raises(KeystoreError, match="missing or invalid field 'n'"):
        ks.decrypt(json.dumps(document), "pw")
