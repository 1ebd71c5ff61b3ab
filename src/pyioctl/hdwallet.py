"""Go ioctl's HD wallet: the encrypted ``<wallet>/hdwallet`` file, BIP-39 phrases, ``hdw::`` paths.

Spec §9. Keys are derived at ``m/44'/304'/account'/change/index``. Go ioctl derives through
btcutil's ``DeriveNonStandard`` (hdkeychain issue #172), which gives a different key than
BIP-32 whenever a hardened step starts from a private key with a leading zero byte; that is
reproduced by default so the same phrase yields the same addresses as Go ioctl, and standard
BIP-32 is used when ``GO_ETHEREUM_HDWALLET_FIX_ISSUE_179`` is set, as in Go.

Heavy imports (pycryptodome, coincurve, the ``mnemonic`` package) are deferred to the
functions that need them: parsing an ``hdw::`` signer must not slow down CLI start-up.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import PyioctlError, StorageError, WrongPasswordError
from .fsutil import atomic_write, fsync_dir, remove_stale_temps, temp_path

if TYPE_CHECKING:
    from mnemonic import Mnemonic

    from .keys import PrivateKey

HDWALLET_FILENAME = "hdwallet"
FIX_ISSUE_179_ENV = "GO_ETHEREUM_HDWALLET_FIX_ISSUE_179"
SIGNER_PREFIX = "hdw::"

HARDENED = 0x80000000
PURPOSE = 44
COIN_TYPE = 304  # SLIP-44 IoTeX
MNEMONIC_WORD_COUNTS = (12, 15, 18, 21, 24)

_IV_SIZE = 16
_DIGEST_SIZE = 32
_UINT32_MAX = 0xFFFFFFFF
_CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

# Go's unicode.IsSpace, which strings.TrimSpace and strings.Fields use. Python's own
# whitespace set also holds U+001C..U+001F, which would split words Go keeps whole.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_GO_FIELDS = re.compile(f"[{re.escape(_GO_SPACE)}]+")
_GO_QUOTE_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


# ---------------------------------------------------------------------------------------
# Errors


class HDWalletError(PyioctlError):
    """An HD wallet operation failed.

    ``go_code`` is the ioctl ``output.ErrorCode`` Go ioctl attaches to the same failure
    before any caller wraps it (5 ValidationError, 13 InputError; 0 for plain Go errors).
    """

    code = "hdwallet"
    go_code = 0

    def __init__(self, message: str, *, code: str | None = None, go_code: int | None = None):
        super().__init__(message, code=code)
        if go_code is not None:
            self.go_code = go_code


class HDWalletPasswordError(HDWalletError, WrongPasswordError):
    """The password does not decrypt the hdwallet file (its SHA-256 suffix mismatches)."""

    code = "wrong_password"
    go_code = 5


class HDWalletCorruptError(HDWalletError):
    """The hdwallet file is too short to hold a mnemonic and its checksum."""

    code = "hdwallet_corrupt"
    go_code = 5


class HDWalletNotFoundError(HDWalletError):
    """There is no hdwallet file."""

    code = "hdwallet_not_found"
    go_code = 13


class HDWalletExistsError(HDWalletError):
    """Saving would replace an existing hdwallet file."""

    code = "hdwallet_exists"


class InvalidMnemonicError(HDWalletError):
    """Not an English BIP-39 phrase of 12-24 words with a correct checksum."""

    code = "invalid_mnemonic"


class DerivationPathError(HDWalletError):
    """An ``hdw::A/B/C`` signer or ``A/B/C`` derivation path is malformed."""

    code = "invalid_path"
    go_code = 13


# ---------------------------------------------------------------------------------------
# The encrypted file


def hdwallet_path(wallet_dir: str | os.PathLike[str]) -> Path:
    return Path(wallet_dir) / HDWALLET_FILENAME


def _secret_bytes(text: str) -> bytes:
    # surrogateescape gives back the exact bytes of a non-UTF-8 terminal input, as Go sees them.
    return text.encode("utf-8", "surrogateescape")


def _cfb(password: str, iv: bytes):  # pycryptodome's cipher class is private
    from Crypto.Cipher import AES

    key = hashlib.sha256(_secret_bytes(password)).digest()
    # Go's cipher.NewCFBEncrypter feeds back whole blocks; pycryptodome defaults to 8 bits.
    return AES.new(key, AES.MODE_CFB, iv=iv, segment_size=128)


def encrypt_mnemonic(mnemonic: str, password: str, *, iv: bytes | None = None) -> bytes:
    """Go ioctl's file bytes: ``IV || AES-256-CFB(key, mnemonic || SHA-256(mnemonic))``
    with ``key = SHA-256(password)``."""
    if iv is None:
        iv = os.urandom(_IV_SIZE)
    if len(iv) != _IV_SIZE:
        raise ValueError(f"iv must be {_IV_SIZE} bytes")
    plain = _secret_bytes(mnemonic)
    return iv + _cfb(password, iv).encrypt(plain + hashlib.sha256(plain).digest())


def decrypt_mnemonic(blob: bytes, password: str) -> str:
    """Inverse of :func:`encrypt_mnemonic`, with Go ioctl's error texts."""
    if len(blob) < _IV_SIZE:
        raise HDWalletCorruptError(
            f"failed to decrypt: cipherText too short. It decodes to {len(blob)} bytes "
            f"but the minimum length is {_IV_SIZE}",
            go_code=13,
        )
    plain = _cfb(password, blob[:_IV_SIZE]).decrypt(blob[_IV_SIZE:])
    if len(plain) <= _DIGEST_SIZE:
        raise HDWalletCorruptError("incorrect data")
    text, digest = plain[:-_DIGEST_SIZE], plain[-_DIGEST_SIZE:]
    # A stream cipher cannot tell a wrong key from a damaged file: both fail this check.
    if not hmac.compare_digest(hashlib.sha256(text).digest(), digest):
        raise HDWalletPasswordError("password error")
    # Bytes that are not UTF-8 cannot form a valid phrase anyway; keep them printable.
    return text.decode("utf-8", "replace")


def _os_error_text(op: str, path: Path, exc: OSError) -> str:
    # Go's *PathError wording, e.g. "remove /x/hdwallet: no such file or directory".
    return f"{op} {path}: {(exc.strerror or str(exc)).lower()}"


def load(path: str | os.PathLike[str], password: str) -> str:
    """Read and decrypt the hdwallet file; returns the mnemonic as stored."""
    target = Path(path)
    try:
        blob = target.read_bytes()
    except FileNotFoundError:
        raise HDWalletNotFoundError(
            "Run 'ioctl hdwallet create' to create your HDWallet first."
        ) from None
    except OSError as exc:
        raise HDWalletError(
            f"failed to read config: {_os_error_text('open', target, exc)}",
            code="hdwallet_io",
            go_code=13,
        ) from None
    return decrypt_mnemonic(blob, password)


def save(
    path: str | os.PathLike[str], mnemonic: str, password: str, *, overwrite: bool = False
) -> None:
    """Validate, encrypt and write the phrase atomically with mode 0600.

    Without ``overwrite`` an existing file is never replaced, even one that appears
    between a caller's existence check and this write.
    """
    blob = encrypt_mnemonic(validate_mnemonic(mnemonic), password)
    target = Path(path)
    if overwrite:
        atomic_write(target, blob)
        return
    staged = temp_path(target, "new")
    atomic_write(staged, blob)
    try:
        _publish_exclusive(staged, target)
    finally:
        with contextlib.suppress(OSError):
            staged.unlink()
    fsync_dir(target.parent)


def _publish_exclusive(staged: Path, target: Path) -> None:
    try:
        # link() fails if the target exists, so the existence check and the write are one step.
        os.link(staged, target)
        return
    except FileExistsError:
        raise HDWalletExistsError(f"hdwallet file {target} already exists") from None
    except OSError:
        pass  # no hard links on this filesystem: fall back to check-then-rename
    if target.exists():
        raise HDWalletExistsError(f"hdwallet file {target} already exists")
    try:
        os.replace(staged, target)
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None


def delete(path: str | os.PathLike[str]) -> None:
    """Remove the hdwallet file; a missing file is an error, as in Go ioctl."""
    target = Path(path)
    # A staged copy left by a killed create is a hard link to the same encrypted phrase.
    remove_stale_temps(target.parent, links_to=target)
    try:
        target.unlink()
    except FileNotFoundError as exc:
        raise HDWalletNotFoundError(_os_error_text("remove", target, exc), go_code=0) from None
    except OSError as exc:
        raise StorageError(_os_error_text("remove", target, exc)) from None
    fsync_dir(target.parent)


# ---------------------------------------------------------------------------------------
# BIP-39 phrases


@functools.cache
def _english() -> Mnemonic:
    try:
        from mnemonic import Mnemonic
    except ImportError:
        raise HDWalletError(
            "the HD wallet needs the 'mnemonic' package: pip install mnemonic",
            code="missing_dependency",
        ) from None
    return Mnemonic("english")


@functools.cache
def _english_words() -> frozenset[str]:
    return frozenset(_english().wordlist)


def _go_fields(text: str) -> list[str]:
    return [word for word in _GO_FIELDS.split(text) if word]


def is_valid_mnemonic(text: str) -> bool:
    """go-bip39 ``IsMnemonicValid``: whitespace-separated English words, count and checksum."""
    words = _go_fields(text)
    if len(words) not in MNEMONIC_WORD_COUNTS:
        return False
    # Exact membership: the mnemonic package NFKD-normalises, which would let full-width
    # letters through that Go rejects.
    if not _english_words().issuperset(words):
        return False
    return _english().check(" ".join(words))


def validate_mnemonic(text: str) -> str:
    """The phrase as ``hdwallet import`` stores it (surrounding whitespace trimmed).

    Error texts are go-bip39's, typo included.
    """
    phrase = text.strip(_GO_SPACE)
    if not is_valid_mnemonic(phrase):
        raise InvalidMnemonicError("Invalid mnenomic")
    # go-bip39 recounts words split on single spaces only; with any other separator the
    # recount never matches the checksum. The seed hashes the phrase byte for byte, so
    # such a phrase would give keys that differ from the same words single-spaced.
    if phrase != " ".join(_go_fields(phrase)):
        raise InvalidMnemonicError("Checksum incorrect")
    return phrase


def generate_mnemonic() -> str:
    """A new 12-word phrase from 128 bits of OS entropy, as ``hdwallet create``."""
    return _english().generate(128)


def mnemonic_seed(mnemonic: str) -> bytes:
    """BIP-39 seed with an empty passphrase, checked as go-ethereum-hdwallet does.

    The phrase bytes are hashed as stored, without NFKD, like go-bip39.
    """
    if not mnemonic:
        raise InvalidMnemonicError("mnemonic is required")
    if not is_valid_mnemonic(mnemonic):
        raise InvalidMnemonicError("mnemonic is invalid")
    return hashlib.pbkdf2_hmac("sha512", _secret_bytes(mnemonic), b"mnemonic", 2048, 64)


# ---------------------------------------------------------------------------------------
# hdw:: signers and derivation paths


def is_hdw_signer(text: str) -> bool:
    return text[: len(SIGNER_PREFIX)].lower() == SIGNER_PREFIX


def _go_quote(text: str) -> str:
    """strconv.Quote, as it appears in strconv.ParseUint's error."""
    out = []
    for ch in text:
        if ch in _GO_QUOTE_ESCAPES:
            out.append(_GO_QUOTE_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _parse_uint32(part: str) -> int:
    """strconv.ParseUint(part, 10, 32), stopping at the first bad digit or overflow as Go does."""
    value = 0
    problem = "invalid syntax" if not part else None
    for ch in part:
        if not "0" <= ch <= "9":
            problem = "invalid syntax"
            break
        value = value * 10 + ord(ch) - ord("0")
        if value > _UINT32_MAX:
            problem = "value out of range"
            break
    if problem:
        raise DerivationPathError(
            f"{part} must be integer value: strconv.ParseUint: parsing {_go_quote(part)}: {problem}"
        )
    return value


def parse_path(text: str) -> tuple[int, int, int]:
    """``(account, change, index)`` of ``hdw::A/B/C``, ``hdw::B/C``, ``A/B/C`` or ``B/C``.

    Two parts mean account 0. Change and index may reach 2^32-1 (Go then derives a
    hardened child); an account of 2^31 or more is rejected where Go panics.
    """
    if is_hdw_signer(text):
        text = text[len(SIGNER_PREFIX) :]
    parts = text.split("/")
    if len(parts) not in (2, 3):
        raise DerivationPathError("derivation path error", go_code=5)
    numbers = [_parse_uint32(part) for part in parts]
    if len(numbers) == 2:
        numbers.insert(0, 0)
    account, change, index = numbers
    _check_account(account)
    return account, change, index


def _check_account(account: int) -> None:
    if not 0 <= account < HARDENED:
        # go-ethereum's ParseDerivationPath message, which Go ioctl turns into a panic.
        raise DerivationPathError(
            f"component {account} out of allowed hardened range [0, {HARDENED - 1}]"
        )


# ---------------------------------------------------------------------------------------
# BIP-32


class ExtendedKey(NamedTuple):
    """A private extended key. ``key`` is kept as btcutil keeps it: the master key as 32
    bytes, every child as minimal big-endian bytes (leading zeros dropped)."""

    key: bytes
    chain_code: bytes

    @property
    def secret(self) -> bytes:
        return self.key.rjust(32, b"\x00")


def master_key(seed: bytes) -> ExtendedKey:
    digest = hmac.digest(b"Bitcoin seed", seed, "sha512")
    if not 0 < int.from_bytes(digest[:32], "big") < _CURVE_ORDER:
        raise HDWalletError("the seed produced an unusable key", code="derivation_failed")
    return ExtendedKey(digest[:32], digest[32:])


def derive_child(parent: ExtendedKey, index: int, *, standard: bool) -> ExtendedKey:
    """CKDpriv. With ``standard=False``, btcutil's DeriveNonStandard: a hardened step copies
    the parent key bytes right after the 0x00 marker without left-padding them."""
    import coincurve

    if index >= HARDENED:
        key = parent.secret if standard else parent.key.ljust(32, b"\x00")
        data = b"\x00" + key
    else:
        data = coincurve.PrivateKey(parent.secret).public_key.format(compressed=True)
    digest = hmac.digest(parent.chain_code, data + index.to_bytes(4, "big"), "sha512")
    tweak = digest[:32]
    if not 0 < int.from_bytes(tweak, "big") < _CURVE_ORDER:
        raise HDWalletError(
            f"the extended key at index {index} is invalid", code="derivation_failed"
        )
    try:
        child = coincurve.PrivateKey(parent.secret).add(tweak).secret
    except ValueError:  # the sum is zero mod n
        raise HDWalletError(
            f"the extended key at index {index} is invalid", code="derivation_failed"
        ) from None
    return ExtendedKey(child.lstrip(b"\x00"), digest[32:])


def derive_path(seed: bytes, path: Sequence[int], *, standard: bool) -> ExtendedKey:
    """Derive ``path`` (indexes, hardened ones with :data:`HARDENED` added) from a seed."""
    key = master_key(seed)
    for index in path:
        if not 0 <= index <= _UINT32_MAX:
            raise DerivationPathError(f"path index {index} is not a uint32")
        key = derive_child(key, index, standard=standard)
    return key


def bip44_path(account: int, change: int, index: int) -> tuple[int, ...]:
    """``m/44'/304'/account'/change/index`` as indexes."""
    _check_account(account)
    return (PURPOSE + HARDENED, COIN_TYPE + HARDENED, account + HARDENED, change, index)


def standard_derivation_enabled() -> bool:
    """Whether Go ioctl would use standard BIP-32 in this environment."""
    return bool(os.environ.get(FIX_ISSUE_179_ENV))


def derive_key(
    mnemonic: str, account: int, change: int, index: int, *, standard: bool | None = None
) -> PrivateKey:
    """The key Go ioctl derives for ``hdw::account/change/index``.

    ``standard=None`` follows ``GO_ETHEREUM_HDWALLET_FIX_ISSUE_179`` like Go;
    True/False force standard BIP-32 / btcutil's non-standard derivation.
    """
    from .keys import PrivateKey

    if standard is None:
        standard = standard_derivation_enabled()
    extended = derive_path(
        mnemonic_seed(mnemonic), bip44_path(account, change, index), standard=standard
    )
    return PrivateKey.from_bytes(extended.secret)


def derivation_differs(mnemonic: str, account: int, change: int, index: int) -> bool:
    """Whether Go ioctl's default derivation and standard BIP-32 give different keys here,
    i.e. whether the key depends on ``GO_ETHEREUM_HDWALLET_FIX_ISSUE_179``."""
    seed = mnemonic_seed(mnemonic)
    path = bip44_path(account, change, index)
    return (
        derive_path(seed, path, standard=False).secret
        != derive_path(seed, path, standard=True).secret
    )
