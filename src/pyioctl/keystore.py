"""go-ethereum Web3 Secret Storage v3 key files, as ioctl reads and writes them (go-ioctl.md §4).

Files we write are byte-compatible with go-ethereum (compact JSON, ioctl's scrypt
N=2^18, r=8, p=1, AES-128-CTR, Keccak-256 MAC), named ``UTC--<time>--<address hex>``
and stored 0600 through an atomic rename, so Go ioctl and we share one wallet.
What a key's cryptography needs (pycryptodome's scrypt and AES, Keccak, hashlib, hmac,
uuid, secp256k1) is imported only when a key is actually encrypted or decrypted: listing
accounts must stay fast.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import address as _address
from . import gohex, untrusted
from .errors import KeyFormatError, KeystoreError, PyioctlError, WrongPasswordError
from .fsutil import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir, fsync_dir
from .gocompat import go_bytes

if TYPE_CHECKING:
    from .keys import PrivateKey

WRONG_PASSWORD = "could not decrypt key with given password"


@dataclass(frozen=True)
class ScryptParams:
    n: int = 1 << 18
    r: int = 8
    p: int = 1
    dklen: int = 32


# What ioctl always writes (go-ethereum StandardScryptN/P). Every default path uses it.
IOCTL_SCRYPT = ScryptParams()

# Limits on what a key file may ask for: any accepted file unlocks in at most about twice
# the time of ioctl's own (N=2^18, r=8, p=1: 256 MiB, n·r·p = 2^21, ~0.5 s), and the rest
# is refused before deriving. A file's parameters are its author's to choose, and without
# bounds one file is hours of CPU or gigabytes of memory. See docs/security.md.
MAX_SCRYPT_MEMORY = 512 << 20  # 128·n·r bytes
MAX_SCRYPT_WORK = 1 << 22  # n·r·p: the ROMix passes, in C
# scrypt stretches the password to 128·r·p bytes with one PBKDF2 round, which pycryptodome
# runs in Python at a cost quadratic in that length (r·p = 2^15 took 101 s).
MAX_SCRYPT_STRETCH = 256  # r·p; 32 KiB, ~0.04 s
# hashlib's C PBKDF2 does ~5M SHA-256 blocks/s, one per 32 bytes of dklen per round.
MAX_PBKDF2_WORK = 4_000_000  # c·ceil(dklen/32)
# Key files are about 500 bytes; anything this large is not one.
MAX_KEY_FILE_SIZE = 1 << 20


def read_key_file(path: str | os.PathLike[str]) -> bytes:
    """A key file's bytes, refusing huge or endless ones (``/dev/zero``); OSError passes."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_KEY_FILE_SIZE + 1)
    if len(data) > MAX_KEY_FILE_SIZE:
        raise KeystoreError(f"{path}: too large to be a key file", code="corrupt_keystore")
    return data


def _scrypt(password: bytes, salt: bytes, params: ScryptParams) -> bytes:
    from Crypto.Protocol.KDF import scrypt

    # pycryptodome, unlike OpenSSL's hashlib.scrypt, accepts every N that Go accepts.
    try:
        derived = scrypt(
            password,  # type: ignore[arg-type]  # the stub says str; bytes are Go's password
            salt,  # type: ignore[arg-type]  # the stub says str; the salt is bytes
            key_len=params.dklen,
            N=params.n,
            r=params.r,
            p=params.p,
        )
    except (ValueError, MemoryError) as exc:
        raise KeystoreError(f"scrypt failed: {exc}", code="unsupported_keystore") from None
    # One key (num_keys=1) comes back as bytes, not as a tuple.
    return cast(bytes, derived)


def _aes128_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    from Crypto.Cipher import AES

    return AES.new(key, AES.MODE_CTR, nonce=b"", initial_value=iv).encrypt(data)


def _new_key_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _mac(derived: bytes, ciphertext: bytes) -> bytes:
    from .hashes import keccak256

    return keccak256(derived[16:32] + ciphertext)


def _encode(
    key: PrivateKey, derived: bytes, salt: bytes, iv: bytes, params: ScryptParams, key_id: str
) -> bytes:
    ciphertext = _aes128_ctr(derived[:16], iv, key.secret)
    document = {
        "address": key.public_key.hash160.hex(),
        "crypto": {
            "cipher": "aes-128-ctr",
            "ciphertext": ciphertext.hex(),
            "cipherparams": {"iv": iv.hex()},
            "kdf": "scrypt",
            # go-ethereum marshals kdfparams from a map, hence alphabetical order.
            "kdfparams": {
                "dklen": params.dklen,
                "n": params.n,
                "p": params.p,
                "r": params.r,
                "salt": salt.hex(),
            },
            "mac": _mac(derived, ciphertext).hex(),
        },
        "id": key_id,
        "version": 3,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def encrypt(
    key: PrivateKey,
    password: str,
    *,
    params: ScryptParams = IOCTL_SCRYPT,
    salt: bytes | None = None,
    iv: bytes | None = None,
    key_id: str | None = None,
) -> bytes:
    """The keystore JSON bytes for ``key``, exactly as go-ethereum writes them."""
    # os.urandom is what secrets.token_bytes returns; importing secrets (and with it
    # random) would cost every command that merely lists keys ~1.5 ms of start-up.
    salt = os.urandom(32) if salt is None else salt
    iv = os.urandom(16) if iv is None else iv
    key_id = _new_key_id() if key_id is None else key_id
    derived = _scrypt(go_bytes(password), salt, params)
    return _encode(key, derived, salt, iv, params, key_id)


def _field(obj: Any, name: str, kind: type, where: str) -> Any:
    value = obj.get(name) if isinstance(obj, dict) else None
    if kind is int and isinstance(value, float) and value.is_integer():
        # go-ethereum reads kdfparams into a map and converts JSON numbers (float64) with
        # ensureInt, so files whose writer printed "n": 262144.0 unlock in Go ioctl.
        value = int(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise KeystoreError(f"{where}: missing or invalid field {name!r}", code="corrupt_keystore")
    return value


def _hex_field(obj: Any, name: str, where: str) -> bytes:
    try:
        return gohex.decode(_field(obj, name, str, where))
    except ValueError:
        raise KeystoreError(
            f"{where}: field {name!r} is not hex", code="corrupt_keystore"
        ) from None


def _parse_document(data: bytes | str | dict[str, Any], where: str) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        document = untrusted.load_json(data, max_size=MAX_KEY_FILE_SIZE)
    except untrusted.UntrustedInputError:
        raise KeystoreError(f"{where}: not a keystore JSON file", code="corrupt_keystore") from None
    if not isinstance(document, dict):
        raise KeystoreError(f"{where}: not a keystore JSON file", code="corrupt_keystore")
    return document


def key_deriver(crypto: dict[str, Any], where: str = "keystore") -> Callable[[bytes], bytes]:
    """The KDF of a key file's ``crypto`` object as a function of the password bytes,
    after every parameter was checked against the bounds above: a file that asks for
    more work is refused here, before anything is derived."""
    kdf = _field(crypto, "kdf", str, where)
    kdfparams = _field(crypto, "kdfparams", dict, where)
    salt = _hex_field(kdfparams, "salt", where)
    dklen = _field(kdfparams, "dklen", int, where)
    if not 32 <= dklen <= 64:
        raise KeystoreError(f"{where}: unsupported dklen {dklen}", code="unsupported_keystore")
    if kdf == "scrypt":
        params = ScryptParams(
            n=_field(kdfparams, "n", int, where),
            r=_field(kdfparams, "r", int, where),
            p=_field(kdfparams, "p", int, where),
            dklen=dklen,
        )
        if params.n < 2 or params.n & (params.n - 1) or params.r < 1 or params.p < 1:
            raise KeystoreError(f"{where}: invalid scrypt parameters", code="corrupt_keystore")
        if (
            128 * params.n * params.r > MAX_SCRYPT_MEMORY
            or params.n * params.r * params.p > MAX_SCRYPT_WORK
            or params.r * params.p > MAX_SCRYPT_STRETCH
        ):
            raise KeystoreError(
                f"{where}: scrypt parameters n={params.n}, r={params.r}, p={params.p} "
                "exceed what pyioctl unlocks",
                code="unsupported_keystore",
            )
        return lambda password: _scrypt(password, salt, params)
    if kdf == "pbkdf2":
        prf = _field(kdfparams, "prf", str, where)
        if prf != "hmac-sha256":
            raise KeystoreError(
                f"{where}: unsupported PBKDF2 PRF: {prf}", code="unsupported_keystore"
            )
        rounds = _field(kdfparams, "c", int, where)
        if rounds < 1:
            raise KeystoreError(f"{where}: invalid pbkdf2 rounds", code="corrupt_keystore")
        if rounds * -(-dklen // 32) > MAX_PBKDF2_WORK:
            raise KeystoreError(
                f"{where}: pbkdf2 rounds {rounds} exceed what pyioctl unlocks",
                code="unsupported_keystore",
            )
        import hashlib

        return lambda password: hashlib.pbkdf2_hmac("sha256", password, salt, rounds, dklen)
    raise KeystoreError(f"{where}: unsupported KDF: {kdf}", code="unsupported_keystore")


def _check_header(document: dict[str, Any], where: str) -> dict[str, Any]:
    version = document.get("version")
    if version != 3 or isinstance(version, bool):
        raise KeystoreError(
            f"{where}: version not supported: {version}", code="unsupported_keystore"
        )
    import uuid

    key_id = document.get("id")
    try:
        uuid.UUID(key_id if isinstance(key_id, str) else "")
    except ValueError:
        raise KeystoreError(f"{where}: invalid key id", code="corrupt_keystore") from None
    crypto = document.get("crypto", document.get("Crypto"))
    if not isinstance(crypto, dict):
        raise KeystoreError(f"{where}: missing field 'crypto'", code="corrupt_keystore")
    cipher = _field(crypto, "cipher", str, where)
    if cipher != "aes-128-ctr":
        raise KeystoreError(f"{where}: cipher not supported: {cipher}", code="unsupported_keystore")
    return crypto


def _decrypt_with(crypto: dict[str, Any], derived: bytes, where: str) -> PrivateKey:
    ciphertext = _hex_field(crypto, "ciphertext", where)
    iv = _hex_field(_field(crypto, "cipherparams", dict, where), "iv", where)
    mac = _hex_field(crypto, "mac", where)
    if len(iv) != 16:
        raise KeystoreError(f"{where}: iv must be 16 bytes", code="corrupt_keystore")
    import hmac

    from .keys import PrivateKey

    if not hmac.compare_digest(_mac(derived, ciphertext), mac):
        raise WrongPasswordError(WRONG_PASSWORD)
    secret = _aes128_ctr(derived[:16], iv, ciphertext)
    try:
        return PrivateKey.from_bytes(secret)
    except KeyFormatError:  # not a ValueError: this clause never ran before
        raise KeystoreError(f"{where}: decrypted key is invalid", code="corrupt_keystore") from None


def decrypt(
    data: bytes | str | dict[str, Any], password: str, *, where: str = "keystore"
) -> PrivateKey:
    """Decrypt a v3 keystore (scrypt or pbkdf2-hmac-sha256); wrong password → WrongPasswordError."""
    document = _parse_document(data, where)
    crypto = _check_header(document, where)
    derived = key_deriver(crypto, where)(go_bytes(password))
    return _decrypt_with(crypto, derived, where)


class _Unreadable(Exception):
    """A file in the wallet directory that looks like JSON but cannot be read as such."""


def _account_hash(document_text: bytes) -> bytes | None:
    """The 20-byte account of a key file's ``address`` field, read leniently as go-ethereum
    does; None for files that are not key files, _Unreadable for broken JSON ones."""
    try:
        text = document_text.decode("utf-8").lstrip()
    except UnicodeDecodeError:
        return None
    if text[:1] not in ("{", "["):
        return None  # config.default, auth.jwt and other files that share the directory
    try:
        if untrusted.nesting_exceeds(text, untrusted.DEFAULT_MAX_DEPTH):
            raise _Unreadable("nested too deeply")
        document, _ = json.JSONDecoder(parse_float=untrusted.finite_float).raw_decode(text)
    except (ValueError, RecursionError) as exc:
        raise _Unreadable(
            str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        ) from None
    value = document.get("address") if isinstance(document, dict) else None
    if not isinstance(value, str):
        return None
    digits = value[2:] if value[:2] in ("0x", "0X") else value
    try:
        raw = bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)
    except ValueError:
        return None
    raw = raw[-20:].rjust(20, b"\x00")
    return None if raw == bytes(20) else raw


@dataclass(frozen=True)
class Account:
    """A key file in the wallet directory."""

    hash160: bytes
    path: Path

    @property
    def address(self) -> str:
        return _address.from_hash160(self.hash160)


def _file_name(hash160: bytes) -> str:
    ns = time.time_ns()
    stamp = time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime(ns // 1_000_000_000))
    return f"UTC--{stamp}.{ns % 1_000_000_000:09d}Z--{hash160.hex()}"


class Keystore:
    """The key files of one wallet directory, found and ordered as go-ethereum does."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        on_skip: Callable[[Path, str], None] | None = None,
    ) -> None:
        """``on_skip(path, reason)`` hears of each JSON file skipped as unreadable."""
        self.directory = Path(directory)
        self.on_skip = on_skip

    def accounts(self) -> list[Account]:
        """Every readable key file, ordered by path; hidden, ``~``, non-regular files skipped."""
        try:
            entries = sorted(os.scandir(self.directory), key=lambda e: e.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise KeystoreError(
                f"cannot read wallet directory {self.directory}: {exc.strerror}"
            ) from None
        found = []
        for entry in entries:
            if entry.name.startswith(".") or entry.name.endswith("~"):
                continue
            # Symlinks are ignored, as go-ethereum's scanner does.
            if not entry.is_file(follow_symlinks=False):
                continue
            try:
                with open(entry.path, "rb") as fh:
                    text = fh.read(MAX_KEY_FILE_SIZE)
                account_hash = _account_hash(text)
            except (OSError, _Unreadable) as exc:
                # go-ethereum skips files it cannot decode; one bad file must not take
                # every other account down with it.
                if self.on_skip is not None:
                    why = exc.strerror if isinstance(exc, OSError) else str(exc)
                    self.on_skip(Path(entry.path), why or "unreadable")
                continue
            if account_hash is not None:
                found.append(Account(account_hash, Path(entry.path)))
        return found

    def find(self, hash160: bytes) -> Account | None:
        """The first key file (by path order) whose address field is ``hash160``."""
        return next((a for a in self.accounts() if a.hash160 == hash160), None)

    def read(self, account: Account) -> bytes:
        try:
            return read_key_file(account.path)
        except OSError as exc:
            raise KeystoreError(
                f'keystore file "{account.path}" read error: {exc.strerror}'
            ) from None

    def unlock(self, account: Account, password: str) -> PrivateKey:
        """Decrypt ``account``'s key file (the key is not checked against the address, as Go)."""
        return decrypt(self.read(account), password, where=str(account.path))

    def store(
        self, key: PrivateKey, password: str, *, params: ScryptParams = IOCTL_SCRYPT
    ) -> Account:
        """Save ``key`` as a new key file; refuses an account already in the wallet."""
        if self.find(key.public_key.hash160) is not None:
            raise KeystoreError("account already exists", code="account_exists")
        ensure_private_dir(self.directory)
        path = self.directory / _file_name(key.public_key.hash160)
        self._write_verified(path, key, password, params, _new_key_id())
        return Account(key.public_key.hash160, path)

    def update(
        self,
        account: Account,
        old_password: str,
        new_password: str,
        *,
        params: ScryptParams = IOCTL_SCRYPT,
    ) -> None:
        """Re-encrypt in place: same file name and id, new salt and iv (go-ethereum Update)."""
        document = _parse_document(self.read(account), str(account.path))
        key = self.unlock(account, old_password)
        if key.public_key.hash160 != account.hash160:
            raise KeystoreError(
                f"key content mismatch: have account {key.public_key.hash160.hex()}, "
                f"want {account.hash160.hex()}",
                code="key_mismatch",
            )
        self._write_verified(account.path, key, new_password, params, str(document["id"]))

    def delete(self, account: Account) -> None:
        try:
            account.path.unlink()
        except OSError as exc:
            raise KeystoreError(f"cannot delete {account.path}: {exc.strerror}") from None
        fsync_dir(account.path.parent)

    @staticmethod
    def _write_verified(
        path: Path, key: PrivateKey, password: str, params: ScryptParams, key_id: str
    ) -> None:
        salt, iv = os.urandom(32), os.urandom(16)
        derived = _scrypt(go_bytes(password), salt, params)
        data = _encode(key, derived, salt, iv, params, key_id)

        def verify(tmp: Path) -> None:
            # Read back and decrypt with the same derived key: proves the bytes on disk give
            # back this key without paying for a second scrypt. This runs on the temporary
            # file, before the rename (as go-ethereum's StoreKey): a failed check must not
            # cost the file `update` is replacing.
            try:
                written = _check_header(_parse_document(tmp.read_bytes(), str(tmp)), str(tmp))
                ok = _decrypt_with(written, derived, str(tmp)).secret == key.secret
            except (OSError, PyioctlError):
                ok = False
            if not ok:
                raise KeystoreError(f"verification of the written key file {path} failed")

        atomic_write(path, data, mode=PRIVATE_FILE_MODE, verify=verify)
