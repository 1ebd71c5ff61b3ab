"""secp256k1 keys (go-ioctl.md §3.1, §5.1): parsing, signing vectors, recovery, low/high-S."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from helpers import VECTOR_IO, VECTOR_KEY, VECTOR_PUB
from pyioctl.errors import KeyFormatError
from pyioctl.hashes import keccak256
from pyioctl.keys import (
    CURVE_ORDER,
    HALF_ORDER,
    PrivateKey,
    PublicKey,
    eth_message_digest,
    is_low_s,
    recover_digest_signer,
    recover_message_signer,
)
from vectors import _all, ids, vectors

KEY = PrivateKey.from_hex(VECTOR_KEY)


# ----------------------------------------------------------------- vectors


@pytest.mark.parametrize("v", vectors("secp256k1_sign_hash"), ids=lambda v: v["source"])
def test_secp256k1_sign_hash_vector(v: dict) -> None:
    digest = keccak256(v["message_utf8"].encode())
    assert digest.hex() == v["digest"]
    signature = PrivateKey.from_hex(v["private_key"]).sign_recoverable_digest(digest)
    assert signature.hex() == v["signature_r_s_v"]
    assert (
        recover_digest_signer(digest, signature).hex()
        == PrivateKey.from_hex(v["private_key"]).public_key.hex()
    )


SIGN = vectors("ioctl_account_sign")


@pytest.mark.parametrize("v", SIGN, ids=ids(SIGN, "message_argument"))
def test_ioctl_account_sign_vector(v: dict) -> None:
    data = bytes.fromhex(v["message_argument"].removeprefix("0x"))
    assert eth_message_digest(data).hex() == v["digest"]
    key = PrivateKey.from_hex(v["private_key"])
    assert key.address == v["io_address"]
    signature = key.sign_message(data)
    assert signature.hex() == v["expected_stdout_line"]
    assert signature[64] in (0, 1)
    assert is_low_s(signature)
    assert recover_message_signer(data, signature).address == v["io_address"]


RECOVER = vectors("eth_signed_message_recover")


def _with_v(signature: bytes, v: int) -> bytes:
    return signature[:64] + bytes([v])


@pytest.mark.parametrize("v", RECOVER, ids=ids(RECOVER, "signer_io_address"))
@pytest.mark.parametrize("form", ["as_given", "0/1", "27/28"])
def test_eth_signed_message_recover_vector(v: dict, form: str) -> None:
    data = v["message_utf8"].encode()
    assert data.hex() == v["ioctl_account_sign_argument"].removeprefix("0x")
    digest = eth_message_digest(data)
    assert digest.hex() == v["digest"]
    signature = bytes.fromhex(v["signature"])
    assert signature[64] == v["recovery_byte"]
    recovery_id = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if form == "0/1":
        signature = _with_v(signature, recovery_id)
    elif form == "27/28":
        signature = _with_v(signature, recovery_id + 27)
    public = recover_digest_signer(digest, signature)
    assert public.hex() == v["recovered_public_key"]
    assert public.hash160.hex() == v["signer_hash160"]
    assert public.address == v["signer_io_address"]
    assert recover_message_signer(data, signature) == public


def test_iotex_signed_message_vector_is_not_what_ioctl_signs() -> None:
    (v,) = [e for e in _all() if e["kind"].startswith("iotex_signed_message")]
    data = v["message_utf8"].encode()
    key = PrivateKey.from_hex(v["private_key"])
    iotex_digest = keccak256(b"\x16IoTeX Signed Message:\n" + str(len(data)).encode() + data)
    assert iotex_digest.hex() == v["digest"]
    assert key.sign_recoverable_digest(iotex_digest).hex() == v["signature_r_s_v"]
    assert (
        recover_digest_signer(iotex_digest, bytes.fromhex(v["signature_r_s_v"])).address
        == (v["recovered_address"])
    )
    # ioctl account sign uses the EIP-191 prefix instead (go-ioctl.md §5.1).
    assert eth_message_digest(data) != iotex_digest
    assert key.sign_message(data).hex() != v["signature_r_s_v"]


# ----------------------------------------------------------------- private keys


@pytest.mark.parametrize(
    "text",
    [VECTOR_KEY, "0x" + VECTOR_KEY, "0X" + VECTOR_KEY, VECTOR_KEY.upper(), f" {VECTOR_KEY}\n"],
)
def test_private_key_from_hex_forms(text: str) -> None:
    key = PrivateKey.from_hex(text)
    assert key.hex() == VECTOR_KEY
    assert key.secret == bytes.fromhex(VECTOR_KEY)
    assert key.address == VECTOR_IO
    assert key.public_key.hex() == VECTOR_PUB


@pytest.mark.parametrize(
    "text",
    [
        "",
        VECTOR_KEY[:-2],
        VECTOR_KEY + "00",
        "zz" + VECTOR_KEY[2:],
        "0" * 64,
        f"{CURVE_ORDER:064x}",
        f"{CURVE_ORDER + 1:064x}",
        "f" * 64,
    ],
)
def test_private_key_from_hex_rejects(text: str) -> None:
    with pytest.raises(KeyFormatError) as info:
        PrivateKey.from_hex(text)
    if len(text) == 64:
        assert text not in str(info.value)  # never echo a secret


def test_private_key_range_edges() -> None:
    assert PrivateKey.from_bytes(b"\x01").hex() == "00" * 31 + "01"
    assert PrivateKey.from_hex(f"{CURVE_ORDER - 1:064x}").public_key.hex().startswith("04")
    with pytest.raises(KeyFormatError):
        PrivateKey.from_bytes(bytes(33))


def test_generate_and_repr_hides_secret() -> None:
    a, b = PrivateKey.generate(), PrivateKey.generate()
    assert a.hex() != b.hex()
    assert a.hex() not in repr(a) and a.address in repr(a)
    assert len(a.hex()) == 64


def test_eth_address_is_eip55() -> None:
    assert KEY.eth_address == "0x3f9C20BCeC9dE520d88d98CbE07ee7b5dEd0dAc4"


# ----------------------------------------------------------------- public keys


@pytest.mark.parametrize(
    "text",
    [VECTOR_PUB, "0x" + VECTOR_PUB, "0X" + VECTOR_PUB, VECTOR_PUB[2:], "0x" + VECTOR_PUB[2:],
     VECTOR_PUB.upper()],
)  # fmt: skip
def test_public_key_from_hex_forms(text: str) -> None:
    public = PublicKey.from_hex(text)
    assert public.hex() == VECTOR_PUB
    assert public.address == VECTOR_IO
    assert public == KEY.public_key and hash(public) == hash(KEY.public_key)


def _off_curve() -> str:
    # Same X, Y + 1: not on the curve.
    y = int(VECTOR_PUB[66:], 16)
    return VECTOR_PUB[:66] + f"{(y + 1) % (2**256):064x}"


@pytest.mark.parametrize(
    "text",
    [
        _off_curve(),
        _off_curve()[2:],
        "05" + VECTOR_PUB[2:],  # wrong prefix
        "02" + VECTOR_PUB[2:66],  # compressed form is not accepted
        VECTOR_PUB[:-2],
        VECTOR_PUB + "00",
        "04" + "00" * 64,  # point at infinity-like garbage
        "zz" + VECTOR_PUB[2:],
        "",
    ],
)
def test_public_key_from_hex_rejects(text: str) -> None:
    with pytest.raises(KeyFormatError):
        PublicKey.from_hex(text)


def test_off_curve_message() -> None:
    with pytest.raises(KeyFormatError, match="not a point on the curve"):
        PublicKey.from_hex(_off_curve())


# ----------------------------------------------------------------- verify (JWT-style r||s)


def _high_s(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:], "big")
    return signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big")


MESSAGE = b"header.payload"


def test_sign_is_low_s_and_verifies() -> None:
    signature = KEY.sign(MESSAGE)
    assert len(signature) == 64 and is_low_s(signature)
    assert KEY.sign(MESSAGE) == signature  # RFC 6979: deterministic
    assert KEY.public_key.verify(MESSAGE, signature)
    assert KEY.public_key.verify(MESSAGE, signature, strict=True)


def test_high_s_accepted_unless_strict() -> None:
    high = _high_s(KEY.sign(MESSAGE))
    assert int.from_bytes(high[32:], "big") > HALF_ORDER and not is_low_s(high)
    assert KEY.public_key.verify(MESSAGE, high)
    assert not KEY.public_key.verify(MESSAGE, high, strict=True)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s[:-1],
        lambda s: s + b"\x00",
        lambda s: bytes(32) + s[32:],  # r = 0
        lambda s: s[:32] + bytes(32),  # s = 0
        lambda s: CURVE_ORDER.to_bytes(32, "big") + s[32:],  # r = n
        lambda s: s[:32] + CURVE_ORDER.to_bytes(32, "big"),  # s = n
        lambda s: bytes([s[0] ^ 1]) + s[1:],
        lambda s: b"",
    ],
)
def test_verify_rejects_bad_signatures(mutate) -> None:
    assert not KEY.public_key.verify(MESSAGE, mutate(KEY.sign(MESSAGE)))


def test_verify_rejects_other_message_and_key() -> None:
    signature = KEY.sign(MESSAGE)
    assert not KEY.public_key.verify(MESSAGE + b"!", signature)
    assert not PrivateKey.generate().public_key.verify(MESSAGE, signature)
    assert not KEY.public_key.verify_digest(b"short", signature)


def test_sign_and_verify_agree_with_cryptography() -> None:
    """An independent ECDSA implementation accepts our signatures and we accept its own."""
    theirs = ec.derive_private_key(int(VECTOR_KEY, 16), ec.SECP256K1())
    r, s = (
        int.from_bytes(KEY.sign(MESSAGE)[:32], "big"),
        int.from_bytes(KEY.sign(MESSAGE)[32:], "big"),
    )
    theirs.public_key().verify(encode_dss_signature(r, s), MESSAGE, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        theirs.public_key().verify(
            encode_dss_signature(r, s), MESSAGE + b"x", ec.ECDSA(hashes.SHA256())
        )
    seen_high = False
    for i in range(16):  # random nonces: about half of these are high-S, as from Go
        message = MESSAGE + bytes([i])
        r, s = decode_dss_signature(theirs.sign(message, ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        seen_high |= s > HALF_ORDER
        assert KEY.public_key.verify(message, raw)
        assert KEY.public_key.verify(message, raw, strict=True) == (s <= HALF_ORDER)
    assert seen_high


def test_verify_uses_sha256_of_message() -> None:
    digest = hashlib.sha256(MESSAGE).digest()
    assert KEY.sign_digest(digest) == KEY.sign(MESSAGE)
    assert KEY.public_key.verify_digest(digest, KEY.sign(MESSAGE))


# ----------------------------------------------------------------- recovery errors


@pytest.mark.parametrize(
    "signature",
    [b"", bytes(64), bytes(66), bytes(64) + b"\x05", bytes(64) + b"\x1f", bytes(65)],
)
def test_recover_rejects(signature: bytes) -> None:
    with pytest.raises(KeyFormatError):
        recover_digest_signer(bytes(32), signature)
