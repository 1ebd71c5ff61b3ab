"""IoTeX io1… addresses (BIP-173 bech32 of a hash160) and their Ethereum 0x forms.

Spec §3. The human-readable part is ``io``, or ``it`` when ``IOTEX_NETWORK_TYPE=testnet``,
for encoding and decoding alike, as in iotex-address. Error texts match iotex-address so
messages users already know keep their meaning.
"""

from __future__ import annotations

import os
import re

from .errors import AddressError

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(_CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)

ADDRESS_LENGTH = 41
STAKING_PROTOCOL = "io000000000000000000000000stakingprotocol"
REWARDING_PROTOCOL = "io0000000000000000000000rewardingprotocol"
# Protocol addresses validate as io addresses but have no 20-byte form.
SPECIAL_ADDRESSES = frozenset({STAKING_PROTOCOL, REWARDING_PROTOCOL})

_ETH_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{40}")


def hrp() -> str:
    """The address prefix in force: ``it`` on testnet, else ``io``."""
    return "it" if os.environ.get("IOTEX_NETWORK_TYPE", "").lower() == "testnet" else "io"


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GENERATOR[i]
    return chk


def _hrp_expand(prefix: str) -> list[int]:
    return [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix]


def _checksum(prefix: str, data: list[int]) -> list[int]:
    mod = _polymod(_hrp_expand(prefix) + data + [0] * 6) ^ 1
    return [(mod >> 5 * (5 - i)) & 31 for i in range(6)]


def _regroup(data: bytes | list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad and bits:
        out.append((acc << (tobits - bits)) & maxv)
    elif not pad and (bits >= frombits or (acc << (tobits - bits)) & maxv):
        raise AddressError("invalid padding: invalid address")
    return out


def from_hash160(hash160: bytes) -> str:
    """Encode a 20-byte account hash as an io1… (or it1…) address."""
    if len(hash160) != 20:
        raise AddressError(f"hash160 must be 20 bytes, got {len(hash160)}")
    prefix = hrp()
    data = _regroup(hash160, 8, 5, True)
    return prefix + "1" + "".join(_CHARSET[d] for d in data + _checksum(prefix, data))


def to_hash160(text: str) -> bytes:
    """Decode an io address to its 20 bytes, with iotex-address's error texts.

    The protocol addresses are valid but have no bytes; they raise here (Go panics).
    """
    if text in SPECIAL_ADDRESSES:
        raise AddressError(f"{text} is a protocol address and has no account hash")
    if len(text) != ADDRESS_LENGTH:
        raise AddressError(f"address length = {len(text)}, expecting 41: invalid address")
    for ch in text:
        if not 33 <= ord(ch) <= 126:
            raise AddressError(f"invalid character in string: '{ch}': invalid address")
    lower = text.lower()
    if text != lower and text != text.upper():
        raise AddressError("string not all lowercase or all uppercase: invalid address")
    sep = lower.rfind("1")
    if sep < 1 or sep + 7 > len(lower):
        raise AddressError("invalid index of 1: invalid address")
    prefix, rest = lower[:sep], lower[sep + 1 :]
    try:
        data = [_CHARSET_INDEX[c] for c in rest]
    except KeyError as exc:
        raise AddressError(
            f"invalid character not part of charset: {ord(exc.args[0])}: invalid address"
        ) from None
    expected = "".join(_CHARSET[d] for d in _checksum(prefix, data[:-6]))
    if _polymod(_hrp_expand(prefix) + data) != 1:
        got = rest[-6:]
        raise AddressError(f"checksum failed: Expected {expected}, got {got}..: invalid address")
    if prefix != hrp():
        raise AddressError(f"hrp {prefix} and address prefix {hrp()} don't match: invalid address")
    decoded = bytes(_regroup(data[:-6], 5, 8, False))
    if len(decoded) != 20:
        raise AddressError(f"invalid address payload length {len(decoded)}: invalid address")
    return decoded


def is_valid(text: str) -> bool:
    """True for a valid io address, including the two protocol addresses."""
    if text in SPECIAL_ADDRESSES:
        return True
    try:
        to_hash160(text)
    except AddressError:
        return False
    return True


def eth_lower(hash160: bytes) -> str:
    return "0x" + hash160.hex()


def eth_checksum(hash160: bytes) -> str:
    """EIP-55 mixed-case checksum form (go-ethereum ``common.Address.String()``)."""
    # Keccak (with hashlib behind it) only here: io addresses themselves need no hash.
    from .hashes import keccak256

    hex_addr = hash160.hex()
    digest = keccak256(hex_addr.encode()).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_addr)
    )


def parse_eth_hex(text: str) -> bytes | None:
    """The 20 bytes of a 0x (or bare) 40-hex address, or None. No checksum check, as in ioctl."""
    if _ETH_HEX.fullmatch(text):
        return bytes.fromhex(text[-40:])
    return None
