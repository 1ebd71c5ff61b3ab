"""Independent implementations agree with ours: `cryptography` (OpenSSL) checks our
signatures under both labels, PyJWT and joserfc accept our ES256K tokens, and we accept
what they sign, including Go-like random-nonce, high-S signatures."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey

import jwt as pyjwt
from pyioctl import jwt
from pyioctl.keys import HALF_ORDER, PrivateKey


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _openssl_key(key: PrivateKey) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(key.secret, "big"), ec.SECP256K1())


def _openssl_verify(token: str) -> dict:
    """Verify with OpenSSL alone, taking the key from iss as antenna-go does."""
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256K1(), bytes.fromhex(claims["iss"][2:])
    )
    raw = _unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    return claims


@pytest.mark.parametrize("alg", ["ES256", "ES256K"])
def test_openssl_verifies_our_tokens_under_both_labels(key: PrivateKey, alg: str) -> None:
    token = jwt.sign(key, sub="weather", scope="Create", exp=2_000_000_000, alg=alg)
    assert _openssl_verify(token)["sub"] == "weather"
    tampered = jwt.sign(key, sub="weather!", exp=2_000_000_000, alg=alg)
    mixed = tampered.rsplit(".", 1)[0] + "." + token.rsplit(".", 1)[1]
    with pytest.raises(InvalidSignature):
        _openssl_verify(mixed)


def test_pyjwt_verifies_our_es256k_tokens(key: PrivateKey) -> None:
    token = jwt.sign(key, sub="weather", scope="Create", exp=2_000_000_000, alg="ES256K")
    public = _openssl_key(key).public_key()
    claims = pyjwt.decode(token, public, algorithms=["ES256K"])
    assert claims == jwt.decode(token).claims


def test_joserfc_verifies_our_es256k_tokens(key: PrivateKey) -> None:
    token = jwt.sign(key, sub="weather", exp=2_000_000_000, alg="ES256K")
    public = ECKey.import_key(_openssl_key(key).public_key())
    decoded = jose_jwt.decode(token, public, algorithms=["ES256K"])
    assert decoded.claims["sub"] == "weather"


def test_we_verify_what_pyjwt_and_joserfc_sign(key: PrivateKey) -> None:
    claims = {"iat": 1_700_000_000, "iss": "0x" + key.public_key.hex(), "sub": "weather"}
    private = _openssl_key(key)
    by_pyjwt = pyjwt.encode(claims, private, algorithm="ES256K")
    by_joserfc = jose_jwt.encode(
        {"alg": "ES256K"}, claims, ECKey.import_key(private), algorithms=["ES256K"]
    )
    for token in (by_pyjwt, by_joserfc):
        verified = jwt.verify(token, issuers=[key.address], now=1_700_000_000)
        assert (verified.alg, verified.subject) == ("ES256K", "weather")


def test_go_like_random_nonce_signatures_verify_high_s_only_when_not_strict(
    key: PrivateKey,
) -> None:
    # OpenSSL, like Go's crypto/ecdsa, uses a random nonce and leaves S as it falls.
    private = _openssl_key(key)
    header = _b64(b'{"alg":"ES256","typ":"JWT"}')
    seen = set()
    for i in range(40):
        claims = {"iat": 1_700_000_000, "iss": "0x" + key.public_key.hex(), "sub": f"s{i}"}
        signing_input = header + "." + _b64(json.dumps(claims, separators=(",", ":")).encode())
        r, s = decode_dss_signature(private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        token = signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        jwt.verify(token, issuers=[key.address], now=1_700_000_000)
        high = s > HALF_ORDER
        seen.add(high)
        if high:
            with pytest.raises(jwt.BadSignatureError):
                jwt.verify(token, issuers=[key.address], now=1_700_000_000, strict=True)
        else:
            jwt.verify(token, issuers=[key.address], now=1_700_000_000, strict=True)
    assert seen == {True, False}


def test_jose_libraries_refuse_the_es256_label_which_is_why_es256k_exists(key) -> None:
    token = jwt.sign(key, sub="weather")
    public = _openssl_key(key).public_key()
    with pytest.raises(pyjwt.InvalidKeyError):
        pyjwt.decode(token, public, algorithms=["ES256"])
    with pytest.raises(Exception, match="P-256"):
        jose_jwt.decode(token, ECKey.import_key(public), algorithms=["ES256"])
