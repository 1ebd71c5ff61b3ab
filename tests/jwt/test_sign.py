"""jwt.sign: Go's header and payload bytes (go-ioctl.md §7.3), our deterministic low-S signature."""

from __future__ import annotations

import json

import pytest

from pyioctl import jwt
from pyioctl.keys import HALF_ORDER, PrivateKey


def _segments(token: str, forge) -> tuple[bytes, bytes, bytes]:
    header, payload, signature = token.split(".")
    return forge.unb64(header), forge.unb64(payload), forge.unb64(signature)


@pytest.mark.parametrize("alg", ["ES256", "ES256K"])
def test_header_bytes_are_exactly_gos(key: PrivateKey, forge, alg: str) -> None:
    header, _, _ = _segments(jwt.sign(key, iat=forge.now, alg=alg), forge)
    assert header == b'{"alg":"%s","typ":"JWT"}' % alg.encode()


def test_go_header_segment_is_the_documented_one(key: PrivateKey) -> None:
    assert jwt.sign(key).split(".")[0] == "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9"


def test_payload_has_gos_claim_order_and_omits_empty_ones(key: PrivateKey, forge) -> None:
    token = jwt.sign(key, sub="weather", scope="Create", exp=forge.now + 60, iat=forge.now)
    _, payload, _ = _segments(token, forge)
    iss = "0x" + key.public_key.hex()
    assert payload == (
        b'{"exp":%d,"iat":%d,"iss":"%s","sub":"weather","scope":"Create"}'
        % (forge.now + 60, forge.now, iss.encode())
    )


def test_zero_exp_and_empty_strings_are_omitted_like_go_omitempty(key: PrivateKey, forge) -> None:
    _, payload, _ = _segments(jwt.sign(key, iat=forge.now), forge)
    assert list(json.loads(payload)) == ["iat", "iss"]


def test_explicit_zero_iat_is_omitted_too(key: PrivateKey, forge) -> None:
    _, payload, _ = _segments(jwt.sign(key, iat=0, exp=forge.now), forge)
    assert list(json.loads(payload)) == ["exp", "iss"]


def test_iat_defaults_to_now(key: PrivateKey, forge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.time", lambda: 1_234_567_890.9)
    _, payload, _ = _segments(jwt.sign(key), forge)
    assert json.loads(payload)["iat"] == 1_234_567_890


def test_iss_is_0x_and_130_lowercase_hex_of_the_uncompressed_key(key: PrivateKey, forge) -> None:
    _, payload, _ = _segments(jwt.sign(key), forge)
    iss = json.loads(payload)["iss"]
    assert iss == "0x" + key.public_key.raw.hex()
    assert len(iss) == 132 and iss[2:4] == "04" and iss == iss.lower()


def test_strings_use_gos_escaping(key: PrivateKey, forge) -> None:
    _, payload, _ = _segments(jwt.sign(key, sub="a<b>&c\u2028\u2029é", iat=forge.now), forge)
    assert b'"sub":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\xc3\xa9"' in payload


def test_invalid_utf8_smuggled_in_becomes_replacement_char_like_go(key: PrivateKey, forge) -> None:
    token = jwt.sign(key, sub="x\udcff", iat=forge.now)
    assert jwt.verify(token, issuers=[key.address], now=forge.now).subject == "x\ufffd"


def test_signature_is_64_bytes_low_s_and_deterministic(key: PrivateKey, forge) -> None:
    token = jwt.sign(key, sub="s", iat=forge.now)
    _, _, signature = _segments(token, forge)
    assert len(signature) == 64 and len(token.split(".")[2]) == 86
    assert int.from_bytes(signature[32:], "big") <= HALF_ORDER
    assert jwt.sign(key, sub="s", iat=forge.now) == token


def test_signed_token_verifies_and_says_what_was_signed(key: PrivateKey, forge) -> None:
    token = jwt.sign(key, sub="weather", scope="Create", exp=forge.now + 1, iat=forge.now)
    verified = jwt.verify(token, issuers=[key.address], now=forge.now, strict=True)
    assert (verified.subject, verified.scope) == ("weather", "Create")
    assert (verified.issued_at, verified.expires_at) == (forge.now, forge.now + 1)


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", "ES512", "es256", "", None])
def test_other_algorithms_are_refused(key: PrivateKey, alg: object) -> None:
    with pytest.raises(ValueError, match="alg must be"):
        jwt.sign(key, alg=alg)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"exp": True}, TypeError),
        ({"exp": 1.5}, TypeError),
        ({"exp": "1700000000"}, TypeError),
        ({"iat": False}, TypeError),
        ({"exp": 1 << 63}, ValueError),
        ({"iat": -(1 << 63) - 1}, ValueError),
        ({"sub": 1}, TypeError),
        ({"scope": None}, TypeError),
    ],
)
def test_argument_types_are_checked(key: PrivateKey, kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        jwt.sign(key, **kwargs)


def test_key_must_be_a_private_key(key: PrivateKey) -> None:
    with pytest.raises(TypeError, match="PrivateKey"):
        jwt.sign(key.hex())  # type: ignore[arg-type]
