"""BIP-39 mnemonic phrases as go-bip39 checks them, and their seeds (go-ioctl.md §9).

English only, as Go ioctl. No files and no I/O: the encrypted file that holds a phrase
is ``hdwallet``'s. The ``mnemonic`` package (word list, checksum) is imported on first use.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import TYPE_CHECKING

from .errors import HDWalletError, InvalidMnemonicError
from .gocompat import go_bytes

if TYPE_CHECKING:
    from mnemonic import Mnemonic

MNEMONIC_WORD_COUNTS = (12, 15, 18, 21, 24)

# Go's unicode.IsSpace, which strings.TrimSpace and strings.Fields use. Python's own
# whitespace set also holds U+001C..U+001F, which would split words Go keeps whole.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_GO_FIELDS = re.compile(f"[{re.escape(_GO_SPACE)}]+")


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
    return bool(_english().check(" ".join(words)))


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
    return str(_english().generate(128))


def mnemonic_seed(mnemonic: str) -> bytes:
    """BIP-39 seed with an empty passphrase, checked as go-ethereum-hdwallet does.

    The phrase bytes are hashed as stored, without NFKD, like go-bip39.
    """
    if not mnemonic:
        raise InvalidMnemonicError("mnemonic is required")
    if not is_valid_mnemonic(mnemonic):
        raise InvalidMnemonicError("mnemonic is invalid")
    return hashlib.pbkdf2_hmac("sha512", go_bytes(mnemonic), b"mnemonic", 2048, 64)
