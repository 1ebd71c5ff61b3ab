"""pyioctl against the real iotex-antenna 0.31.7 (npm): EK256K tokens, messages, keystores.

Every crossing goes both ways: what antenna makes, pyioctl accepts (or refuses with the
right code), and what pyioctl makes, antenna accepts.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl import jwt, keystore
from pyioctl.jwt.claims import REGISTERED
from pyioctl.keys import CURVE_ORDER, PrivateKey, recover_message_signer

from .conftest import AntennaError

NOW = int(time.time())
# JSON-safe text for JS and Python alike: no lone surrogates (JSON.stringify escapes them,
# and pyioctl refuses escaped lone surrogates by design).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["<>&", "\u2028\u2029", "é😀", "x" * 3000, '"\\/']
)
NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda name: name.lower().replace("\u017f", "s") not in REGISTERED and name != "__proto__"
)
VALUES = TEXT | st.integers(-(2**53) + 1, 2**53 - 1) | st.booleans() | st.lists(TEXT, max_size=3)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _fresh_key() -> PrivateKey:
    return PrivateKey.generate()


def _antenna_token(antenna, key: PrivateKey, **claims: object) -> str:
    payload = {"iss": key.public_key.hex(), **claims}
    return antenna.call("sign", payload=payload, privateKey=key.hex())


@SETTINGS
@given(extra=st.dictionaries(NAMES, VALUES, max_size=30), sub=TEXT, scope=TEXT)
def test_antenna_tokens_over_random_claims_verify_in_pyioctl(antenna, extra, sub, scope):
    key = _fresh_key()
    token = _antenna_token(antenna, key, sub=sub, scope=scope, exp=NOW + 3600, iat=NOW - 5, **extra)
    # Long values and many keys pass the default 8 KiB cap; the cap is not under test.
    verified = jwt.verify(token, issuers=[key.address], now=NOW, max_size=1 << 16)
    assert verified.alg == "EK256K"
    assert verified.issuer_address == key.address
    assert verified.subject == sub and verified.scope == scope
    assert verified.expires_at == NOW + 3600
    assert {name: verified.claims[name] for name in extra} == extra
    assert len(verified.signature) == 65 and verified.signature[64] in (0, 1)


def test_antenna_test_vector_account(antenna):
    """The package's own jwt test: its account, its payload shape (iss first, jti)."""
    key = PrivateKey.from_hex("0806c458b262edd333a191e92f561aff338211ee3e18ab315a074a2d82aa343f")
    token = _antenna_token(
        antenna, key, jti="5d76d2e9ff7cf238522ef71e", sub="5b7a6d21dc6e35e14574d052",
        exp=1575844329, iat=1568068329,
    )  # fmt: skip
    verified = jwt.verify(
        token, issuers=["io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j"], now=1575844329
    )
    assert verified.issuer == key.public_key.hex()
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==")) == {
        "alg": "EK256K",
        "typ": "JWT",
    }


@SETTINGS
@given(sub=TEXT, scope=TEXT)
def test_pyioctl_ek256k_tokens_verify_in_antenna(antenna, sub, scope):
    key = _fresh_key()
    token = jwt.sign(key, sub=sub, scope=scope, exp=NOW + 60, alg="EK256K")
    payload = antenna.call("verify", token=token)
    assert payload["iss"] == key.public_key.hex()
    assert payload["exp"] == NOW + 60 and isinstance(payload["iat"], int)


def test_antenna_refuses_pyioctl_tokens_of_other_dialects(antenna):
    key = _fresh_key()
    with pytest.raises(AntennaError, match="alg should be EK256K"):
        antenna.call("verify", token=jwt.sign(key, exp=NOW + 60))


def _flip_v(token: str) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
    raw[64] ^= 1
    return f"{head}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def _tamper_payload(token: str) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "Admin"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


def test_bad_antenna_tokens_are_refused_with_the_right_code(antenna):
    key, other = _fresh_key(), _fresh_key()
    good = _antenna_token(antenna, key, sub="s", scope="Read", exp=NOW + 60, iat=NOW)
    jwt.verify(good, issuers=[key.address], now=NOW)

    cases = {
        "bad_signature": [_tamper_payload(good), _flip_v(good)],
        "expired": [_antenna_token(antenna, key, exp=NOW - 1, iat=NOW - 100)],
        "untrusted_issuer": [good],
    }
    for code, tokens in cases.items():
        issuers = [other.address] if code == "untrusted_issuer" else [key.address]
        for token in tokens:
            with pytest.raises(jwt.TokenError) as caught:
                jwt.verify(token, issuers=issuers, now=NOW)
            assert caught.value.code == code
    # antenna agrees that the tampered and the v-flipped tokens are forgeries.
    for forged in cases["bad_signature"]:
        with pytest.raises(AntennaError, match="signed the signature"):
            antenna.call("verify", token=forged)
    # Only the dialects asked for are accepted.
    with pytest.raises(jwt.UnsupportedAlgorithmError):
        jwt.verify(good, issuers=[key.address], now=NOW, algorithms=("ES256", "ES256K"))


def test_messages_cross_both_ways(antenna):
    key = _fresh_key()
    for data in (b"hello", b"", "é<>&".encode(), bytes(range(256))):
        theirs = bytes.fromhex(antenna.call("messageSign", hex=data.hex(), privateKey=key.hex()))
        assert theirs == key.sign_message(data, prefix="iotex")  # both RFC 6979, low S
        assert recover_message_signer(data, theirs, prefix="iotex") == key.public_key
        mine = key.sign_message(data, prefix="iotex")
        assert antenna.call("recover", hex=data.hex(), signature=mine.hex()) == key.address
    account = antenna.call("account", privateKey=key.hex())
    assert account == {"address": key.address, "publicKey": key.public_key.hex()}


def test_keystores_open_on_both_sides(antenna):
    key = _fresh_key()
    theirs = antenna.call("encrypt", privateKey=key.hex(), password="pä55", options={"n": 1024})
    assert theirs["version"] == 3 and theirs["crypto"]["kdf"] == "scrypt"
    assert keystore.decrypt(theirs, "pä55").hex() == key.hex()
    with pytest.raises(keystore.WrongPasswordError):
        keystore.decrypt(theirs, "wrong")

    mine = json.loads(keystore.encrypt(key, "pä55", params=keystore.ScryptParams(n=1024)))
    opened = antenna.call("decrypt", keystore=mine, password="pä55")
    assert opened["privateKey"] == key.hex() and opened["address"] == key.address
    with pytest.raises(AntennaError, match="wrong passphrase"):
        antenna.call("decrypt", keystore=mine, password="wrong")


def test_high_s_twin_agrees_with_antenna(antenna):
    """r || n-s || v^1 recovers the same key: antenna takes it, pyioctl too unless strict."""
    key = _fresh_key()
    token = _antenna_token(antenna, key, exp=NOW + 60)
    head, _, sig_text = token.rpartition(".")
    sig = base64.urlsafe_b64decode(sig_text + "==")
    s = CURVE_ORDER - int.from_bytes(sig[32:64], "big")
    twin_sig = sig[:32] + s.to_bytes(32, "big") + bytes([sig[64] ^ 1])
    twin = head + "." + base64.urlsafe_b64encode(twin_sig).rstrip(b"=").decode()
    assert antenna.call("verify", token=twin)["iss"] == key.public_key.hex()
    assert jwt.verify(twin, issuers=[key.address], now=NOW).issuer_address == key.address
    with pytest.raises(jwt.BadSignatureError):
        jwt.verify(twin, issuers=[key.address], now=NOW, strict=True)
