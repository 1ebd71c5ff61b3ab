"""jwt.verify: one test per acceptance rule of docs/tokens.md, in the order it applies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pyioctl import jwt
from pyioctl.errors import AddressError, KeyFormatError, PyioctlError
from pyioctl.keys import CURVE_ORDER, PrivateKey

# --------------------------------------------------------------------------- helpers


def _verify(token: str | bytes, forge, **kwargs) -> jwt.VerifiedToken:
    kwargs.setdefault("issuers", jwt.ANY_ISSUER)
    kwargs.setdefault("now", forge.now)
    return jwt.verify(token, **kwargs)


def _rejects(error: type[jwt.TokenError], token: str | bytes, forge, **kwargs) -> str:
    with pytest.raises(error) as info:
        _verify(token, forge, **kwargs)
    assert type(info.value) is error
    return str(info.value)


def test_a_well_formed_token_verifies(forge) -> None:
    verified = _verify(forge.token(), forge)
    assert verified.subject == "weather"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (jwt.MalformedTokenError, "malformed"),
        (jwt.UnsupportedAlgorithmError, "unsupported_alg"),
        (jwt.BadSignatureError, "bad_signature"),
        (jwt.ExpiredTokenError, "expired"),
        (jwt.NotYetValidError, "not_yet_valid"),
        (jwt.UntrustedIssuerError, "untrusted_issuer"),
        (jwt.InsufficientScopeError, "insufficient_scope"),
        (jwt.WrongSubjectError, "wrong_subject"),
        (jwt.WrongAudienceError, "wrong_audience"),
    ],
)
def test_each_error_has_its_stable_code(error: type[jwt.TokenError], code: str) -> None:
    assert issubclass(error, jwt.TokenError) and issubclass(jwt.TokenError, PyioctlError)
    assert error.code == code == error("x").code


def test_messages_never_repeat_the_token(forge) -> None:
    token = forge.token(forge.claims(sub="secret-subject"))
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BAA")
    for candidate, error in [
        (token + "=", jwt.MalformedTokenError),
        (tampered, jwt.BadSignatureError),
    ]:
        message = _rejects(error, candidate, forge, sub="other")
        assert token.split(".")[1][:20] not in message and "secret" not in message
    message = _rejects(jwt.WrongSubjectError, token, forge, sub="other")
    assert "secret" not in message


# --------------------------------------------------------------------------- size and shape


def test_size_limit_is_checked_before_any_decoding(forge) -> None:
    # Would be "characters outside the alphabet" if anything looked inside first.
    message = _rejects(jwt.MalformedTokenError, "!" * 8193, forge)
    assert "longer than 8192" in message


def test_size_limit_is_inclusive_and_adjustable(forge) -> None:
    token = forge.token()
    _verify(token, forge, max_size=len(token))
    _rejects(jwt.MalformedTokenError, token, forge, max_size=len(token) - 1)
    assert jwt.DEFAULT_MAX_TOKEN_SIZE == 8192


def test_bytes_tokens_are_accepted(forge) -> None:
    assert _verify(forge.token().encode(), forge).subject == "weather"


@pytest.mark.parametrize("token", [None, 42, ["a.b.c"]])
def test_a_non_text_token_is_malformed_not_a_crash(forge, token: object) -> None:
    _rejects(jwt.MalformedTokenError, token, forge)  # type: ignore[arg-type]


def test_non_ascii_is_malformed(forge) -> None:
    _rejects(jwt.MalformedTokenError, forge.token() + "é", forge)


@pytest.mark.parametrize("segments", [1, 2, 4, 5])
def test_exactly_three_segments(forge, segments: int) -> None:
    parts = forge.token().split(".")
    token = ".".join((parts * 2)[:segments])
    message = _rejects(jwt.MalformedTokenError, token, forge)
    assert message == "token contains an invalid number of segments"


def test_padding_is_refused(forge) -> None:
    header, payload, signature = forge.token().split(".")
    token = f"{header}.{payload}.{signature}=="  # 86 + 2: correct standard padding
    assert "padding" in _rejects(jwt.MalformedTokenError, token, forge)


@pytest.mark.parametrize(("url", "standard"), [("-", "+"), ("_", "/")])
def test_standard_base64_characters_are_refused(forge, url: str, standard: str) -> None:
    token = next(
        t for t in (forge.token(forge.claims(sub=f"s{i}")) for i in range(200)) if url in t
    )
    _rejects(jwt.MalformedTokenError, token.replace(url, standard), forge)


@pytest.mark.parametrize("where", ["leading", "trailing", "inside", "newline"])
def test_whitespace_is_refused(forge, where: str) -> None:
    token = forge.token()
    token = {
        "leading": " " + token,
        "trailing": token + "\n",
        "inside": token[:40] + " " + token[40:],
        "newline": token[:40] + "\r\n" + token[40:],
    }[where]
    assert "whitespace" in _rejects(jwt.MalformedTokenError, token, forge)


def test_bearer_prefix_gets_a_pointed_message(forge) -> None:
    message = _rejects(jwt.MalformedTokenError, "Bearer " + forge.token(), forge)
    assert "Bearer" in message


def test_non_canonical_trailing_bits_are_refused(forge) -> None:
    header, payload, signature = forge.token().split(".")
    # 86 characters carry 516 bits for 512: the last character's low 4 bits are spare.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(signature[-1]) | 1]
    variant = signature[:-1] + twin
    assert forge.unb64(variant) == forge.unb64(signature)  # lenient decoders accept it
    message = _rejects(jwt.MalformedTokenError, f"{header}.{payload}.{variant}", forge)
    assert "canonical" in message


def test_impossible_segment_length_is_refused(forge) -> None:
    header, payload, signature = forge.token().split(".")
    token = f"{header}.{payload}.{signature}AAA"  # 89 characters: no byte count fits
    assert "length" in _rejects(jwt.MalformedTokenError, token, forge)


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'"text"', b"1", b"null", b'{"alg":"ES256"', b"{}{}"],
)
def test_header_must_be_a_json_object(forge, raw: bytes) -> None:
    _rejects(jwt.MalformedTokenError, forge.token(header=raw), forge)


@pytest.mark.parametrize("raw", [b"", b"[1]", b'"x"', b"true", b"{", b'{"iat":1}x'])
def test_claims_must_be_a_json_object(forge, raw: bytes) -> None:
    _rejects(jwt.MalformedTokenError, forge.token(raw), forge)


def test_claims_must_be_utf8(forge) -> None:
    raw = forge.compact(forge.claims(sub="x")).replace(b'"x"', b'"\xff"')
    assert "UTF-8" in _rejects(jwt.MalformedTokenError, forge.token(raw), forge)


def test_json_whitespace_inside_a_segment_is_allowed(forge) -> None:
    raw = b' {\n "alg" : "ES256" ,\t"typ":"JWT" } '
    assert _verify(forge.token(header=raw), forge).alg == "ES256"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"alg":"ES256","typ":"JWT","alg":"ES256"}',
        b'{"alg":"none","typ":"JWT","alg":"ES256"}',
    ],
)
def test_duplicate_header_names_are_refused(forge, raw: bytes) -> None:
    assert "duplicate" in _rejects(jwt.MalformedTokenError, forge.token(header=raw), forge)


@pytest.mark.parametrize(
    "duplicate",
    [
        b',"sub":"admin"',  # the classic: a second sub only some parsers see
        b',"iss":"0x04"',
        b',"x":"a,b","x":1',  # a comma inside a string
        b',"nested":{"a":1,"a":2}',
        b',"list":[{"a":1,"a":2}]',
        b',"nested":{"a":{"b":1,"b":1}}',
    ],
)
def test_duplicate_claim_names_are_refused_at_any_depth(forge, duplicate: bytes) -> None:
    raw = forge.compact(forge.claims())[:-1] + duplicate + b"}"
    assert "duplicate" in _rejects(jwt.MalformedTokenError, forge.token(raw), forge)


def test_nested_objects_without_duplicates_are_fine(forge) -> None:
    claims = forge.claims(roles=["a", "b"], meta={"x": {"y": [1, 2]}, "z": "p,q"}, e={})
    assert _verify(forge.token(claims), forge).claims["meta"]["z"] == "p,q"


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(forge, constant: bytes) -> None:
    raw = forge.compact(forge.claims())[:-1] + b',"x":' + constant + b"}"
    _rejects(jwt.MalformedTokenError, forge.token(raw), forge)


def test_lone_surrogate_escapes_are_refused(forge) -> None:
    raw = forge.compact(forge.claims(sub="PLACEHOLDER")).replace(b"PLACEHOLDER", b"\\ud800x")
    assert "surrogate" in _rejects(jwt.MalformedTokenError, forge.token(raw), forge)


def test_escaped_surrogate_pairs_are_fine(forge) -> None:
    raw = forge.compact(forge.claims(sub="PLACEHOLDER")).replace(b"PLACEHOLDER", b"\\ud83d\\ude00")
    assert _verify(forge.token(raw), forge).subject == "\U0001f600"


def test_an_escaped_backslash_before_ud_is_not_a_surrogate(forge) -> None:
    assert _verify(forge.token(forge.claims(sub="\\ud800")), forge).subject == "\\ud800"


@pytest.mark.parametrize("depth", [33, 2000])
def test_nesting_beyond_32_levels_is_malformed_whatever_the_recursion_limit(
    forge, depth: int
) -> None:
    # The claims object is level 1.
    raw = forge.compact(forge.claims())[:-1] + b',"x":' + b"[" * (depth - 1) + b"]" * (depth - 1)
    message = _rejects(jwt.MalformedTokenError, forge.token(raw + b"}"), forge)
    assert "nested more than 32 levels" in message


def test_32_levels_and_brackets_inside_strings_are_fine(forge) -> None:
    nested = forge.compact(forge.claims(s="[{" * 40))[:-1] + b',"x":' + b"[" * 31 + b"]" * 31
    assert _verify(forge.token(nested + b"}"), forge).claims["s"] == "[{" * 40


def test_huge_integers_are_malformed(forge) -> None:
    raw = forge.compact(forge.claims())[:-1] + b',"x":' + b"9" * 5000 + b"}"
    assert "digits" in _rejects(jwt.MalformedTokenError, forge.token(raw), forge)


# --------------------------------------------------------------------------- header


@pytest.mark.parametrize(
    "alg", ["none", "None", "HS256", "HS512", "RS256", "PS256", "ES384", "ES512", "EdDSA", "es256"]
)
def test_only_es256_and_es256k_are_accepted(forge, alg: str) -> None:
    token = forge.token(header={"alg": alg, "typ": "JWT"})
    _rejects(jwt.UnsupportedAlgorithmError, token, forge)


@pytest.mark.parametrize("alg", [None, 256, ["ES256"], {"ES256": 1}, True])
def test_alg_must_be_a_string(forge, alg: object) -> None:
    _rejects(jwt.UnsupportedAlgorithmError, forge.token(header={"alg": alg, "typ": "JWT"}), forge)


def test_missing_alg_is_refused(forge) -> None:
    _rejects(jwt.UnsupportedAlgorithmError, forge.token(header={"typ": "JWT"}), forge)


def test_alg_none_with_an_empty_signature_is_refused(forge) -> None:
    token = forge.token(header={"alg": "none", "typ": "JWT"}, signature=b"")
    assert token.endswith(".")
    _rejects(jwt.UnsupportedAlgorithmError, token, forge)


def test_hmac_keyed_with_the_public_key_is_refused(forge) -> None:
    import hashlib
    import hmac

    header = forge.compact({"alg": "HS256", "typ": "JWT"})
    signing_input = forge.b64(header) + "." + forge.b64(forge.compact(forge.claims()))
    secret = forge.iss.encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    _rejects(jwt.UnsupportedAlgorithmError, signing_input + "." + forge.b64(mac), forge)


def test_es256k_label_verifies(forge) -> None:
    token = forge.token(header={"alg": "ES256K", "typ": "JWT"})
    assert _verify(token, forge).alg == "ES256K"


@pytest.mark.parametrize("header", [{"alg": "ES256"}, {"typ": "JWT", "alg": "ES256", "kid": "k"}])
def test_typ_may_be_absent_and_other_members_are_ignored(forge, header: dict) -> None:
    assert _verify(forge.token(header=header), forge).header == header


@pytest.mark.parametrize("typ", ["jwt", "at+jwt", "JOSE", "", 1, None])
def test_typ_when_present_must_be_jwt(forge, typ: object) -> None:
    _rejects(jwt.MalformedTokenError, forge.token(header={"alg": "ES256", "typ": typ}), forge)


@pytest.mark.parametrize("crit", [["exp"], [], "b64"])
def test_crit_is_refused(forge, crit: object) -> None:
    token = forge.token(header={"alg": "ES256", "typ": "JWT", "crit": crit})
    _rejects(jwt.UnsupportedAlgorithmError, token, forge)


# --------------------------------------------------------------------------- claim types


def test_iss_is_required(forge) -> None:
    _rejects(jwt.MalformedTokenError, forge.token(forge.claims(iss=forge.DROP)), forge)


@pytest.mark.parametrize(
    "spelling",
    [
        lambda iss: iss[2:],  # no 0x (Go accepts)
        lambda iss: "0X" + iss[2:],  # Go accepts
        lambda iss: "0x0x" + iss[2:],  # Go accepts
        lambda iss: "0x" + iss[4:],  # 128 hex digits (Go accepts)
        lambda iss: iss.upper().replace("0X", "0x"),  # upper-case digits
        lambda iss: iss + "00",
        lambda iss: iss[:-1],
        lambda iss: "0x02" + iss[4:68],  # compressed
        lambda iss: iss[:-1] + "g",
        lambda iss: " " + iss,
    ],
)
def test_iss_must_be_the_canonical_0x04_spelling(forge, spelling) -> None:
    token = forge.token(forge.claims(iss=spelling(forge.iss)))
    _rejects(jwt.MalformedTokenError, token, forge)


def test_iss_must_be_a_point_on_the_curve(forge) -> None:
    off_curve = forge.iss[:-1] + ("0" if forge.iss[-1] != "0" else "1")
    message = _rejects(jwt.MalformedTokenError, forge.token(forge.claims(iss=off_curve)), forge)
    assert "secp256k1" in message


@pytest.mark.parametrize("name", ["iss", "sub", "scope", "jti"])
@pytest.mark.parametrize("value", [1, None, True, ["a"], {"a": "b"}])
def test_string_claims_must_be_strings(forge, name: str, value: object) -> None:
    claims = forge.claims(**{name: value})
    assert name in _rejects(jwt.MalformedTokenError, forge.token(claims), forge)


@pytest.mark.parametrize("name", ["exp", "iat", "nbf"])
@pytest.mark.parametrize(
    "value", ["1700000000", 1.7e9, 1700000000.0, True, False, None, [1], 1 << 63, -(1 << 63) - 1]
)
def test_time_claims_must_be_int64_integers(forge, name: str, value: object) -> None:
    claims = forge.claims(**{name: value})
    assert name in _rejects(jwt.MalformedTokenError, forge.token(claims), forge)


@pytest.mark.parametrize("name", ["iat", "nbf"])
def test_int64_extremes_are_integers(forge, name: str) -> None:
    _verify(forge.token(forge.claims(**{name: -(1 << 63)})), forge)


@pytest.mark.parametrize("aud", ["api", [], ["api", "web"]])
def test_aud_may_be_a_string_or_a_list_of_strings(forge, aud: object) -> None:
    assert _verify(forge.token(forge.claims(aud=aud)), forge).claims["aud"] == aud


@pytest.mark.parametrize("aud", [1, None, ["api", 1], {"a": "b"}, [["api"]]])
def test_aud_of_any_other_type_is_refused(forge, aud: object) -> None:
    _rejects(jwt.MalformedTokenError, forge.token(forge.claims(aud=aud)), forge)


@pytest.mark.parametrize("name", ["ISS", "Sub", "EXP", "Scope", "ſub", "ſcope", "jTi"])
def test_case_variants_of_registered_names_are_refused(forge, name: str) -> None:
    # Go's decoder would read these as the registered claim; we would not.
    claims = forge.claims(**{name: "x"})
    _rejects(jwt.MalformedTokenError, forge.token(claims), forge)


def test_other_private_claims_pass_through(forge) -> None:
    claims = forge.claims(role="admin", n=1.5, flag=True, nothing=None, İss="x")
    assert _verify(forge.token(claims), forge).claims == claims


# --------------------------------------------------------------------------- signature


@pytest.mark.parametrize("length", [0, 32, 63, 65, 96])
def test_signature_must_be_64_bytes(forge, length: int) -> None:
    token = forge.token(signature=b"\x01" * length)
    assert _rejects(jwt.BadSignatureError, token, forge) == "crypto/ecdsa: verification error"


@pytest.mark.parametrize(
    ("r", "s"),
    [(0, 1), (1, 0), (0, 0), (CURVE_ORDER, 1), (1, CURVE_ORDER), ((1 << 256) - 1, 1)],
)
def test_r_and_s_must_be_in_1_to_n_minus_1(forge, r: int, s: int) -> None:
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    _rejects(jwt.BadSignatureError, forge.token(signature=signature), forge)


def test_a_signature_by_another_key_is_bad(forge, other_key: PrivateKey) -> None:
    message = _rejects(jwt.BadSignatureError, forge.token(key=other_key), forge)
    assert message == "crypto/ecdsa: verification error"


def test_a_signature_over_other_claims_is_bad(forge) -> None:
    header, _, signature = forge.token().split(".")
    _, payload, _ = forge.token(forge.claims(scope="Admin")).split(".")
    _rejects(jwt.BadSignatureError, f"{header}.{payload}.{signature}", forge)


def test_high_s_is_accepted_unless_strict(forge) -> None:
    header, payload, signature = forge.token().split(".")
    twin = forge.high_s(forge.unb64(signature))
    token = f"{header}.{payload}.{forge.b64(twin)}"
    assert _verify(token, forge).signature == twin
    message = _rejects(jwt.BadSignatureError, token, forge, strict=True)
    assert "strict" in message
    _verify(forge.token(), forge, strict=True)


# --------------------------------------------------------------------------- order of checks


def test_a_forged_expired_token_is_a_bad_signature_not_expired(forge, other_key) -> None:
    token = forge.token(forge.claims(exp=forge.now - 10), key=other_key)
    _rejects(jwt.BadSignatureError, token, forge)


def test_a_forged_future_token_is_a_bad_signature(forge, other_key) -> None:
    token = forge.token(forge.claims(iat=forge.now + 99, nbf=forge.now + 99), key=other_key)
    _rejects(jwt.BadSignatureError, token, forge)


def test_a_forged_token_lacking_scope_is_a_bad_signature(forge, other_key) -> None:
    token = forge.token(key=other_key)
    _rejects(jwt.BadSignatureError, token, forge, scope="Admin", sub="nobody")


def test_untrusted_issuer_is_reported_before_the_signature_is_checked(
    forge, other_key: PrivateKey
) -> None:
    token = forge.token(key=other_key)  # bad signature, but nobody trusts forge.key anyway
    _rejects(jwt.UntrustedIssuerError, token, forge, issuers=[other_key.address])


def test_expiry_is_reported_before_a_future_iat(forge) -> None:
    token = forge.token(forge.claims(exp=forge.now - 1, iat=forge.now + 1))
    _rejects(jwt.ExpiredTokenError, token, forge)


# --------------------------------------------------------------------------- time


def test_exp_equal_to_now_is_still_valid(forge) -> None:
    _verify(forge.token(forge.claims(exp=forge.now)), forge)


@pytest.mark.parametrize(
    ("late", "text"),
    [(1, "1s"), (60, "1m0s"), (3661, "1h1m1s"), (86400, "24h0m0s"), (100000, "27h46m40s")],
)
def test_expired_message_is_gos(forge, late: int, text: str) -> None:
    token = forge.token(forge.claims(exp=forge.now - late, iat=forge.now - late - 1))
    assert _rejects(jwt.ExpiredTokenError, token, forge) == f"token is expired by {text}"


def test_exp_zero_when_present_means_1970(forge) -> None:
    # Go skips a zero exp as if absent; no Go signer writes one, so we take it literally.
    _rejects(jwt.ExpiredTokenError, forge.token(forge.claims(exp=0)), forge)


def test_no_exp_means_no_expiry_unless_required(forge) -> None:
    token = forge.token(forge.claims(exp=forge.DROP))
    assert _verify(token, forge, now=forge.now + 10**9).expires_at == 0
    message = _rejects(jwt.ExpiredTokenError, token, forge, require_exp=True)
    assert "no expiry" in message
    _verify(forge.token(), forge, require_exp=True)


def test_iat_in_the_future_is_used_before_issued(forge) -> None:
    token = forge.token(forge.claims(iat=forge.now + 1))
    assert _rejects(jwt.NotYetValidError, token, forge) == "Token used before issued"
    _verify(forge.token(forge.claims(iat=forge.now)), forge)


def test_nbf_in_the_future_is_not_valid_yet(forge) -> None:
    token = forge.token(forge.claims(nbf=forge.now + 1))
    assert _rejects(jwt.NotYetValidError, token, forge) == "token is not valid yet"
    _verify(forge.token(forge.claims(nbf=forge.now)), forge)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"exp": 1_700_000_000 - 30}, jwt.ExpiredTokenError),
        ({"iat": 1_700_000_000 + 30}, jwt.NotYetValidError),
        ({"nbf": 1_700_000_000 + 30}, jwt.NotYetValidError),
    ],
)
def test_leeway_applies_to_exp_iat_and_nbf(forge, changes: dict, error: type) -> None:
    token = forge.token(forge.claims(**changes))
    _rejects(error, token, forge, leeway=29)
    _verify(token, forge, leeway=30)


def test_negative_leeway_is_a_caller_error(forge) -> None:
    with pytest.raises(ValueError):
        _verify(forge.token(), forge, leeway=-1)


def test_now_defaults_to_the_clock(forge, key: PrivateKey) -> None:
    import time

    now = int(time.time())
    jwt.verify(jwt.sign(key, exp=now + 60), issuers=[key.address])
    with pytest.raises(jwt.ExpiredTokenError):
        jwt.verify(jwt.sign(key, exp=now - 60, iat=now - 120), issuers=[key.address])


def test_max_lifetime_caps_exp_minus_iat(forge) -> None:
    token = forge.token(forge.claims(iat=forge.now, exp=forge.now + 3600))
    _verify(token, forge, max_lifetime=3600)
    message = _rejects(jwt.ExpiredTokenError, token, forge, max_lifetime=3599)
    assert message == "token lifetime 1h0m0s exceeds 59m59s"


@pytest.mark.parametrize("missing", ["exp", "iat"])
def test_max_lifetime_needs_both_iat_and_exp(forge, missing: str) -> None:
    token = forge.token(forge.claims(**{missing: forge.DROP}))
    _rejects(jwt.ExpiredTokenError, token, forge, max_lifetime=10**9)


# --------------------------------------------------------------------------- issuers


def _issuer_spellings(key: PrivateKey) -> list[object]:
    pub = key.public_key
    return [
        pub.address,
        pub.eth_address,
        pub.eth_address.lower(),
        pub.hex(),
        "0x" + pub.hex(),
        pub.hex()[2:],
        "0x" + pub.hex()[2:],
        pub,
    ]


@pytest.mark.parametrize("index", range(8))
def test_any_spelling_of_the_account_pins_it(forge, key: PrivateKey, index: int) -> None:
    issuer = _issuer_spellings(key)[index]
    assert _verify(forge.token(), forge, issuers=[issuer]).issuer_address == key.address


@pytest.mark.parametrize(
    "container", [list, tuple, set, frozenset, iter, jwt.Issuers, lambda xs: (x for x in xs)]
)
def test_issuers_may_be_any_iterable_or_a_prebuilt_set(forge, key, other_key, container) -> None:
    issuers = container([other_key.address, key.address])
    assert _verify(forge.token(), forge, issuers=issuers).issuer == forge.iss


def test_an_unlisted_issuer_is_untrusted(forge, other_key: PrivateKey) -> None:
    message = _rejects(jwt.UntrustedIssuerError, forge.token(), forge, issuers=[other_key.address])
    assert forge.key.address in message


def test_an_empty_issuer_list_trusts_nobody(forge) -> None:
    _rejects(jwt.UntrustedIssuerError, forge.token(), forge, issuers=[])


def test_issuers_is_required(forge) -> None:
    with pytest.raises(TypeError):
        jwt.verify(forge.token())  # type: ignore[call-arg]


def test_a_single_string_is_not_an_issuer_list(forge, key: PrivateKey) -> None:
    with pytest.raises(TypeError, match="single string"):
        _verify(forge.token(), forge, issuers=key.address)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("io1notanaddress", AddressError),
        ("0x" + "g" * 40, AddressError),
        ("04" + "00" * 64, KeyFormatError),
        ("hello", AddressError),
    ],
)
def test_a_bad_configured_issuer_is_a_config_error_not_a_token_error(forge, text, error) -> None:
    with pytest.raises(error):
        _verify(forge.token(), forge, issuers=[text])
    with pytest.raises(error):
        jwt.parse_issuer(text)


def test_parse_issuer_gives_the_account_hash(key: PrivateKey) -> None:
    hashes = {jwt.parse_issuer(spelling) for spelling in _issuer_spellings(key)}
    assert hashes == {key.public_key.hash160}
    with pytest.raises(TypeError):
        jwt.parse_issuer(b"io1")  # type: ignore[arg-type]


def test_issuers_object_membership_and_repr(key: PrivateKey, other_key: PrivateKey) -> None:
    issuers = jwt.Issuers([key.address, other_key.public_key])
    assert key.eth_address in issuers and other_key.address in issuers and len(issuers) == 2
    assert key.address in repr(issuers)
    assert repr(jwt.ANY_ISSUER) == "ANY_ISSUER"


# --------------------------------------------------------------------------- scope and subject


@pytest.mark.parametrize(
    ("token_scope", "required"),
    [
        ("Create", "Create"),
        ("Create", "create"),
        ("CREATE", "create"),
        ("Read Create", "Create"),
        ("Read Create", "create read"),
        ("Read  Create", ["read", "CREATE"]),
    ],
)
def test_scope_is_granted_case_insensitively(forge, token_scope: str, required) -> None:
    _verify(forge.token(forge.claims(scope=token_scope)), forge, scope=required)


@pytest.mark.parametrize(
    ("token_scope", "required"),
    [
        ("Read", "Create"),
        ("Read", "read create"),
        (None, "Read"),
        ("ReadCreate", "Read"),
        ("\ufb01les", "files"),  # casefolds to "files"; only ASCII letters fold
    ],
)
def test_a_missing_right_is_insufficient_scope(forge, token_scope, required) -> None:
    token = forge.token(forge.claims(scope=forge.DROP if token_scope is None else token_scope))
    assert "lacks" in _rejects(jwt.InsufficientScopeError, token, forge, scope=required)


@pytest.mark.parametrize("required", ["", " ", []])
def test_an_empty_scope_requirement_is_a_caller_error(forge, required) -> None:
    with pytest.raises(ValueError):
        _verify(forge.token(), forge, scope=required)


def test_subject_must_match_exactly(forge) -> None:
    _verify(forge.token(), forge, sub="weather")
    _rejects(jwt.WrongSubjectError, forge.token(), forge, sub="Weather")
    _rejects(jwt.WrongSubjectError, forge.token(forge.claims(sub=forge.DROP)), forge, sub="weather")


# --------------------------------------------------------------------------- audience


@pytest.mark.parametrize(
    ("aud", "accepted"),
    [
        ("weather-api", "weather-api"),
        ("weather-api", ["other", "weather-api"]),
        (["other", "weather-api"], "weather-api"),
        (["weather-api"], frozenset({"weather-api", "x"})),
    ],
)
def test_an_aud_naming_an_accepted_audience_passes(forge, aud, accepted) -> None:
    _verify(forge.token(forge.claims(aud=aud)), forge, audience=accepted)
    _verify(forge.token(forge.claims(aud=aud)), forge, audience=accepted, require_aud=True)


@pytest.mark.parametrize(
    "aud", ["other", ["other", "another"], "Weather-API", "weather-api ", ["weather-apix"]]
)
def test_an_aud_naming_no_accepted_audience_is_refused(forge, aud) -> None:
    token = forge.token(forge.claims(aud=aud))
    message = _rejects(jwt.WrongAudienceError, token, forge, audience=["weather-api", "x"])
    assert "other" not in message and "weather" not in message  # the sender's text stays out


@pytest.mark.parametrize("aud", ["absent", "", []])
def test_a_token_without_aud_passes_unless_required(forge, aud) -> None:
    token = forge.token(forge.claims(aud=forge.DROP if aud == "absent" else aud))
    _verify(token, forge, audience="weather-api")
    assert "no audience" in _rejects(
        jwt.WrongAudienceError, token, forge, audience="weather-api", require_aud=True
    )


def test_aud_is_not_checked_when_no_audience_is_given(forge) -> None:
    _verify(forge.token(forge.claims(aud="anyone")), forge)


def test_aud_is_checked_after_the_signature_and_time(forge, other_key: PrivateKey) -> None:
    forged = forge.token(forge.claims(aud="other"), key=other_key)
    _rejects(jwt.BadSignatureError, forged, forge, audience="weather-api")
    expired = forge.token(forge.claims(aud="other", exp=forge.now - 1))
    _rejects(jwt.ExpiredTokenError, expired, forge, audience="weather-api")


@pytest.mark.parametrize(
    ("audience", "require_aud"), [([], False), ("", False), ([""], False), (None, True)]
)
def test_a_meaningless_audience_requirement_is_a_caller_error(forge, audience, require_aud):
    with pytest.raises(ValueError):
        _verify(forge.token(), forge, audience=audience, require_aud=require_aud)


# --------------------------------------------------------------------------- the result


def test_verified_token_carries_what_verifyjwt_returns_and_more(forge, key: PrivateKey) -> None:
    token = forge.token(forge.claims(jti="id-1"))
    verified = _verify(token, forge, issuers=[key.address])
    assert verified.issued_at == forge.now and verified.expires_at == forge.now + 3600
    assert verified.issuer == forge.iss and verified.alg == "ES256"
    assert (verified.subject, verified.scope) == ("weather", "Create")
    assert verified.signature_hex == forge.unb64(token.split(".")[2]).hex()
    assert verified.issuer_address == key.address
    assert verified.public_key == key.public_key
    assert verified.claims["jti"] == "id-1" and verified.header == forge.go_header


def test_absent_times_are_zero_like_go(forge) -> None:
    verified = _verify(forge.token(forge.claims(exp=forge.DROP, iat=forge.DROP)), forge)
    assert (verified.issued_at, verified.expires_at, verified.subject) == (0, 0, "weather")


def test_verified_token_is_frozen_and_slotted(forge) -> None:
    verified = _verify(forge.token(), forge)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verified.signature = b""  # type: ignore[misc]
    with pytest.raises(TypeError):  # a shared (cached) token's claims are read-only
        verified.claims["sub"] = "admin"  # type: ignore[index]
    with pytest.raises(TypeError):
        verified.header["alg"] = "none"  # type: ignore[index]
    assert verified.subject != "admin"
    assert not hasattr(verified, "__dict__")


def test_issuer_address_follows_the_network_prefix(forge, monkeypatch) -> None:
    verified = _verify(forge.token(), forge)
    monkeypatch.setenv("IOTEX_NETWORK_TYPE", "testnet")
    assert verified.issuer_address.startswith("it1")


def test_the_first_example_of_docs_tokens_md_runs(capsys) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "tokens.md").read_text("utf-8")
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(example, "docs/tokens.md", "exec"), {})
    assert " weather Create " in capsys.readouterr().out
