"""BIP-32/44 derivation of IoTeX keys, with Go ioctl's derivation quirk (go-ioctl.md §9).

Keys are derived at ``m/44'/304'/account'/change/index``. Go ioctl derives through
btcutil's ``DeriveNonStandard`` (hdkeychain issue #172), which gives a different key than
BIP-32 whenever a hardened step starts from a private key with a leading zero byte; that is
reproduced by default so the same phrase yields the same addresses as Go ioctl, and standard
BIP-32 is used when ``GO_ETHEREUM_HDWALLET_FIX_ISSUE_179`` is set, as in Go.

No files and no I/O. coincurve is imported by the functions that derive, so parsing a
path does not slow down CLI start-up.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .bip39 import mnemonic_seed
from .errors import DerivationPathError, HDWalletError
from .gocompat import parse_uint32

if TYPE_CHECKING:
    from .keys import PrivateKey

FIX_ISSUE_179_ENV = "GO_ETHEREUM_HDWALLET_FIX_ISSUE_179"

HARDENED = 0x80000000
PURPOSE = 44
COIN_TYPE = 304  # SLIP-44 IoTeX

_UINT32_MAX = 0xFFFFFFFF


def _path_part(part: str) -> int:
    try:
        return parse_uint32(part)
    except ValueError as exc:
        raise DerivationPathError(f"{part} must be integer value: {exc}") from None


def parse_path(text: str) -> tuple[int, int, int]:
    """``(account, change, index)`` of ``A/B/C`` or ``B/C`` (the part after ``hdw::``).

    Two parts mean account 0. Change and index may reach 2^32-1 (Go then derives a
    hardened child); an account of 2^31 or more is rejected where Go panics.
    """
    parts = text.split("/")
    if len(parts) not in (2, 3):
        raise DerivationPathError("derivation path error")
    numbers = [_path_part(part) for part in parts]
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


class ExtendedKey(NamedTuple):
    """A private extended key. ``key`` is kept as btcutil keeps it: the master key as 32
    bytes, every child as minimal big-endian bytes (leading zeros dropped)."""

    key: bytes
    chain_code: bytes

    @property
    def secret(self) -> bytes:
        return self.key.rjust(32, b"\x00")


def _is_scalar(data: bytes) -> bool:
    from .keys import CURVE_ORDER

    return 0 < int.from_bytes(data, "big") < CURVE_ORDER


def master_key(seed: bytes) -> ExtendedKey:
    digest = hmac.digest(b"Bitcoin seed", seed, "sha512")
    if not _is_scalar(digest[:32]):
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
    try:
        if not _is_scalar(tweak):
            raise ValueError(tweak)
        child = coincurve.PrivateKey(parent.secret).add(tweak).secret  # ValueError: sum is 0
    except ValueError:
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
