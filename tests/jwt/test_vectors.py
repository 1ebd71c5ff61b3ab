"""The shared vectors (go-ioctl.md §12: jwt_verify, jwt_sign_go, jwt_claims_display) and the real
Go-made tokens of real-tokens.json."""

from __future__ import annotations

import pytest

from pyioctl import gojson, jwt
from pyioctl.keys import HALF_ORDER, PrivateKey
from vectors import vector

# --------------------------------------------------------------------------- jwt_verify


def test_jwt_verify_vector_gives_verifyjwts_fields() -> None:
    v = vector("jwt_verify")
    expect = v["expect_VerifyJWT"]
    for issuers in (jwt.ANY_ISSUER, [v["issuer_io_address"]], [expect["Issuer"]]):
        verified = jwt.verify(v["token"], issuers=issuers, now=expect["IssuedAt"])
        assert verified.issued_at == expect["IssuedAt"]
        assert verified.expires_at == expect["ExpiresAt"]
        assert verified.issuer == expect["Issuer"]
        assert verified.subject == expect["Subject"]
        assert verified.scope == expect["Scope"]
        assert verified.alg == expect["SignMethod"]
        assert verified.signature_hex == v["signature_hex"]
        assert verified.issuer_address == v["issuer_io_address"]


def test_jwt_verify_vector_decodes_to_its_json() -> None:
    v = vector("jwt_verify")
    header, payload, _ = v["token"].split(".")
    decoded = jwt.decode(v["token"])
    assert decoded.signing_input == f"{header}.{payload}".encode()
    assert gojson.dumps(decoded.header) == v["header_json"]
    assert gojson.dumps(decoded.claims) == v["payload_json"]


# --------------------------------------------------------------------------- jwt_sign_go


def test_our_header_and_payload_bytes_equal_gos() -> None:
    v = vector("jwt_sign_go")
    ours = jwt.sign(
        PrivateKey.from_hex(v["private_key"]),
        sub=v["sub"],
        scope=v["scope"],
        exp=v["exp"],
        iat=v["iat"],
    )
    assert ours.rsplit(".", 1)[0] == v["token"].rsplit(".", 1)[0]
    decoded = jwt.decode(ours)
    assert gojson.dumps(decoded.header) == v["header_json"]
    assert gojson.dumps(decoded.claims) == v["payload_json"]


def test_gos_signed_token_verifies() -> None:
    v = vector("jwt_sign_go")
    key = PrivateKey.from_hex(v["private_key"])
    verified = jwt.verify(v["token"], issuers=[key.address], now=v["iat"], scope="read")
    assert verified.subject == v["sub"]


# --------------------------------------------------------------------------- jwt_claims_display


def test_claims_display_is_gos_marshal_indent_of_the_sorted_map() -> None:
    v = vector("jwt_claims_display")
    assert gojson.dumps(v["input_map"], indent=True, sort_keys=True) == v["output"]


# --------------------------------------------------------------------------- real tokens


def test_both_real_tokens_have_valid_signatures(real_tokens) -> None:
    for entry in real_tokens.values():
        decoded = jwt.decode(entry["token"])
        assert decoded.claims == entry["claims"]
        assert decoded.public_key is not None
        assert decoded.public_key.verify(decoded.signing_input, decoded.signature)


def test_antenna_go_test_token_verifies_from_its_iat_on(real_tokens) -> None:
    entry = real_tokens["antenna-go-test"]
    iat = entry["claims"]["iat"]
    issuers = [jwt.decode(entry["token"]).issuer_address]
    for now in (iat, iat + 10**8, None):
        assert jwt.verify(entry["token"], issuers=issuers, now=now).issued_at == iat
    with pytest.raises(jwt.NotYetValidError, match=r"^Token used before issued$"):
        jwt.verify(entry["token"], issuers=issuers, now=iat - 1)


@pytest.mark.parametrize("now", [None, 1_608_168_447, 1_700_000_000])
def test_docs_example_is_expired_never_a_bad_signature(real_tokens, now) -> None:
    entry = real_tokens["docs-example"]
    pinned = [jwt.decode(entry["token"]).issuer_address]
    for issuers in (jwt.ANY_ISSUER, pinned):
        with pytest.raises(jwt.ExpiredTokenError, match=r"^token is expired by "):
            jwt.verify(entry["token"], issuers=issuers, now=now)


def test_docs_example_is_high_s_so_strict_mode_refuses_it(real_tokens) -> None:
    entry = real_tokens["docs-example"]
    assert int.from_bytes(jwt.decode(entry["token"]).signature[32:], "big") > HALF_ORDER
    with pytest.raises(jwt.BadSignatureError, match="strict"):
        jwt.verify(entry["token"], issuers=jwt.ANY_ISSUER, strict=True)


def _single_changes(token: str):
    """Every token that differs from ``token`` in exactly one character or one bit."""
    for i, char in enumerate(token):
        for other in {"A", "B", "g", "-", "_", ".", "=", "+", " "} - {char}:
            yield token[:i] + other + token[i + 1 :]
        raw = token.encode()
        for bit in range(8):
            flipped = raw[:i] + bytes([raw[i] ^ (1 << bit)]) + raw[i + 1 :]
            yield flipped.decode("latin-1")


@pytest.mark.parametrize("name", ["docs-example", "antenna-go-test"])
def test_any_single_change_is_rejected_before_the_time_checks(real_tokens, name: str) -> None:
    token = real_tokens[name]["token"]
    now = real_tokens[name]["claims"]["iat"]
    count = 0
    for changed in _single_changes(token):
        with pytest.raises(jwt.TokenError) as info:
            jwt.verify(changed, issuers=jwt.ANY_ISSUER, now=now)
        # Expired or not-yet-valid would mean a changed token got past its signature.
        assert info.value.code in {"malformed", "unsupported_alg", "bad_signature"}, changed
        count += 1
    assert count > 15 * len(token)
