"""EK256K rules that need no Node: v, S, iss spellings, the algorithms option, the policy."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import CURVE_ORDER, PrivateKey, iotex_message_digest
from pyioctl.policy import PolicyError, policy_from_yaml

KEY = PrivateKey.from_hex("0806c458b262edd333a191e92f561aff338211ee3e18ab315a074a2d82aa343f")
NOW = 1_700_000_000


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ek256k(claims: dict, key: PrivateKey = KEY, signature=None) -> str:
    """An EK256K token built with the standard library, as antenna builds it."""
    head = b64(b'{"alg":"EK256K","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    sig = key.sign_recoverable_digest(iotex_message_digest(head.encode()))
    return head + "." + b64(sig if signature is None else signature(sig))


def with_signature(token: str, sig: bytes) -> str:
    return token.rpartition(".")[0] + "." + b64(sig)


def signature_of(token: str) -> bytes:
    return unb64(token.rpartition(".")[2])


def high_s_twin(sig: bytes) -> bytes:
    s = CURVE_ORDER - int.from_bytes(sig[32:64], "big")
    return sig[:32] + s.to_bytes(32, "big") + bytes([sig[64] ^ 1])


def test_sign_writes_antennas_form():
    token = jwt.sign(KEY, sub="s", exp=NOW + 60, iat=NOW, alg="EK256K")
    head, payload, sig = token.split(".")
    assert unb64(head) == b'{"alg":"EK256K","typ":"JWT"}'
    claims = json.loads(unb64(payload))
    assert claims == {"exp": NOW + 60, "iat": NOW, "iss": KEY.public_key.hex(), "sub": "s"}
    assert len(unb64(sig)) == 65 and unb64(sig)[64] in (0, 1)
    verified = jwt.verify(token, issuers=[KEY.address], now=NOW)
    assert (verified.alg, verified.issuer, verified.signature_hex) == (
        "EK256K", KEY.public_key.hex(), unb64(sig).hex(),
    )  # fmt: skip
    assert jwt.decode(token).issuer_address == KEY.address


@pytest.mark.parametrize("prefix", ["", "0x"])
def test_iss_with_or_without_0x(prefix):
    token = ek256k({"iss": prefix + KEY.public_key.hex(), "exp": NOW + 1})
    assert jwt.verify(token, issuers=[KEY.address], now=NOW).issuer_address == KEY.address


@pytest.mark.parametrize(
    "iss",
    [
        KEY.public_key.hex().upper(),
        "0X" + KEY.public_key.hex(),
        KEY.public_key.hex()[2:],  # 128 digits
        "0x0x" + KEY.public_key.hex(),
        "04" + "00" * 64,  # not on the curve
        "",
    ],
)
def test_other_iss_spellings_are_malformed(iss):
    token = ek256k({"iss": iss, "exp": NOW + 1})
    with pytest.raises(jwt.MalformedTokenError):
        jwt.verify(token, issuers=jwt.ANY_ISSUER, now=NOW)


def test_v_must_be_the_recovery_id_that_recovers_the_issuer():
    good = ek256k({"iss": KEY.public_key.hex(), "exp": NOW + 1})
    sig = signature_of(good)
    for v in {sig[64] ^ 1, sig[64] + 27, 2, 3, 255}:
        bad = with_signature(good, sig[:64] + bytes([v]))
        with pytest.raises(jwt.BadSignatureError):
            jwt.verify(bad, issuers=[KEY.address], now=NOW)
    for length in (64, 66):
        with pytest.raises(jwt.BadSignatureError):
            jwt.verify(with_signature(good, (sig + b"\0")[:length]), issuers=[KEY.address], now=NOW)


def test_high_s_twin_accepted_unless_strict():
    good = ek256k({"iss": KEY.public_key.hex(), "exp": NOW + 1})
    twin = with_signature(good, high_s_twin(signature_of(good)))
    assert jwt.verify(twin, issuers=[KEY.address], now=NOW).issuer_address == KEY.address
    jwt.verify(good, issuers=[KEY.address], now=NOW, strict=True)
    with pytest.raises(jwt.BadSignatureError, match="strict"):
        jwt.verify(twin, issuers=[KEY.address], now=NOW, strict=True)


@pytest.mark.parametrize("r, s", [(0, 1), (1, 0), (CURVE_ORDER, 1), (1, CURVE_ORDER)])
def test_r_and_s_out_of_range(r, s):
    good = ek256k({"iss": KEY.public_key.hex(), "exp": NOW + 1})
    bad = with_signature(good, r.to_bytes(32, "big") + s.to_bytes(32, "big") + b"\0")
    with pytest.raises(jwt.BadSignatureError):
        jwt.verify(bad, issuers=[KEY.address], now=NOW)


@settings(max_examples=60, deadline=None)
@given(position=st.integers(0, 10_000), bit=st.integers(0, 5))
def test_no_changed_character_passes(position, bit):
    """Any one-character change to an EK256K token is refused, never accepted."""
    good = ek256k({"iss": KEY.public_key.hex(), "sub": "alice", "exp": NOW + 1})
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    i = position % len(good)
    if good[i] == ".":
        return
    changed = alphabet[alphabet.index(good[i]) ^ (1 << bit)]
    with pytest.raises(jwt.TokenError):
        jwt.verify(good[:i] + changed + good[i + 1 :], issuers=[KEY.address], now=NOW)


def test_algorithms_option():
    ek = ek256k({"iss": KEY.public_key.hex(), "exp": NOW + 1})
    es = jwt.sign(KEY, exp=NOW + 1, iat=NOW)
    for token, alg in ((ek, "EK256K"), (es, "ES256")):
        assert jwt.verify(token, issuers=[KEY.address], now=NOW).alg == alg
        assert jwt.verify(token, issuers=[KEY.address], now=NOW, algorithms=[alg]).alg == alg
        with pytest.raises(jwt.UnsupportedAlgorithmError) as caught:
            jwt.verify(token, issuers=[KEY.address], now=NOW, algorithms={"ES256K"})
        assert caught.value.code == "unsupported_alg"
    with pytest.raises(TypeError):
        jwt.verify(ek, issuers=[KEY.address], now=NOW, algorithms="EK256K")
    with pytest.raises(ValueError):
        jwt.verify(ek, issuers=[KEY.address], now=NOW, algorithms=("EK256K", "HS256"))
    assert jwt.DEFAULT_ALGORITHMS == ("ES256", "ES256K", "EK256K")


def test_an_ek256k_header_on_an_es256_signature_is_refused():
    """The dialect is the header's: a 64-byte ES256 signature under an EK256K label fails."""
    es = jwt.sign(KEY, exp=NOW + 1, iat=NOW)
    head = b64(b'{"alg":"EK256K","typ":"JWT"}')
    with pytest.raises(jwt.TokenError):
        jwt.verify(head + es[es.index(".") :], issuers=[KEY.address], now=NOW)


POLICY = """
issuers: [{issuer}]
{algorithms}
routes:
  - path: /weather
    subject: weather
"""


def test_policy_algorithms():
    ek = jwt.sign(KEY, sub="weather", scope="Read", exp=NOW + 60, iat=NOW, alg="EK256K")
    default = policy_from_yaml(POLICY.format(issuer=KEY.address, algorithms=""))
    assert default.authorize(ek, "GET", "/weather", NOW).allowed
    only_go = policy_from_yaml(POLICY.format(issuer=KEY.address, algorithms="algorithms: [ES256]"))
    decision = only_go.authorize(ek, "GET", "/weather", NOW)
    assert (decision.allowed, decision.reason) == (False, "unsupported_alg")
    for bad in ("algorithms: [HS256]", "algorithms: []", "algorithms: ES256"):
        with pytest.raises(PolicyError) as caught:
            policy_from_yaml(POLICY.format(issuer=KEY.address, algorithms=bad))
        assert "algorithms" in str(caught.value)
