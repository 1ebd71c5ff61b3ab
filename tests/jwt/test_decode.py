"""jwt.decode: everything a token says, with verify's structural rules and nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from pyioctl import jwt
from pyioctl.keys import PrivateKey


def test_decode_shows_header_claims_signature_and_issuer(forge, key: PrivateKey) -> None:
    token = forge.token()
    decoded = jwt.decode(token)
    header, payload, signature = token.split(".")
    assert decoded.header == forge.go_header
    assert decoded.claims == forge.claims()
    assert decoded.signature == forge.unb64(signature)
    assert decoded.signature_hex == forge.unb64(signature).hex()
    assert decoded.signing_input == f"{header}.{payload}".encode()
    assert decoded.issuer_address == key.address
    assert decoded.public_key == key.public_key


@pytest.mark.parametrize(
    "build",
    [
        lambda f: f.token(f.claims(exp=1)),  # expired
        lambda f: f.token(f.claims(iat=f.now + 10**6, nbf=f.now + 10**6)),  # future
        lambda f: f.token(signature=b"\x00" * 64),  # bad signature
        lambda f: f.token(signature=b"\x00" * 7),  # wrong signature length
        lambda f: f.token(signature=b""),  # no signature
        lambda f: f.token(header={"alg": "none"}),  # any alg
        lambda f: f.token(header={"alg": "ES256", "crit": ["x"], "typ": "at+jwt"}),
        lambda f: f.token(f.claims(exp="soon", sub=1, aud=[1], ISS="x")),  # odd claim types
    ],
)
def test_decode_works_on_tokens_verify_rejects(forge, build) -> None:
    token = build(forge)
    with pytest.raises(jwt.TokenError):
        jwt.verify(token, issuers=jwt.ANY_ISSUER, now=forge.now)
    assert jwt.decode(token).claims["iss"] == forge.iss


@pytest.mark.parametrize(
    "iss", [None, 1, "0x04", "not hex", "0x" + "04" + "00" * 64, "PLACEHOLDER-no-0x"]
)
def test_issuer_address_is_none_when_iss_names_no_valid_key(forge, iss: object) -> None:
    if iss == "PLACEHOLDER-no-0x":
        iss = forge.iss[2:]
    decoded = jwt.decode(forge.token(forge.claims(iss=iss)))
    assert decoded.issuer_address is None and decoded.public_key is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + ".x",
        lambda t: t.rsplit(".", 1)[0],
        lambda t: t + "=",
        lambda t: " " + t,
        lambda t: t.replace(".", ".!", 1),
        lambda t: "e30.e30.e30",  # {} {} {}: fine structurally, so decode must accept it
    ],
)
def test_decode_applies_the_structural_rules(forge, mangle) -> None:
    token = mangle(forge.token())
    if token == "e30.e30.e30":
        assert jwt.decode(token).claims == {} and jwt.decode(token).issuer_address is None
        return
    with pytest.raises(jwt.MalformedTokenError):
        jwt.decode(token)


def test_decode_rejects_duplicates_and_non_objects(forge) -> None:
    with pytest.raises(jwt.MalformedTokenError):
        jwt.decode(forge.token(b'{"sub":"a","sub":"b"}'))
    with pytest.raises(jwt.MalformedTokenError):
        jwt.decode(forge.token(header=b"[]"))


def test_decode_size_limit(forge) -> None:
    token = forge.token()
    with pytest.raises(jwt.MalformedTokenError, match="longer"):
        jwt.decode(token, max_size=len(token) - 1)


def test_unverified_token_is_frozen(forge) -> None:
    decoded = jwt.decode(forge.token())
    with pytest.raises(dataclasses.FrozenInstanceError):
        decoded.claims = {}  # type: ignore[misc]


def test_decoded_headers_are_not_shared_between_calls(forge) -> None:
    first = jwt.decode(forge.token())
    first.header["alg"] = "changed"
    assert jwt.decode(forge.token()).header == forge.go_header
