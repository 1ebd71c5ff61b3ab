"""Properties: whatever is signed comes back verified, and no mutation of a valid token
makes verify or decode raise anything but a TokenError."""

from __future__ import annotations

import base64
import contextlib
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import PrivateKey

INT64 = st.integers(-(1 << 63), (1 << 63) - 1)
# Text that exercises Go's escaping and UTF-8: the HTML characters, the JavaScript line
# separators, quotes, controls, astral characters and ordinary Unicode.
TEXT = st.text(
    st.one_of(
        st.sampled_from('<>&\u2028\u2029"\\\x00\x1f\x7f é€😀'),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=40,
)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
KEYS = [PrivateKey.from_bytes(bytes([i + 1]) * 32) for i in range(4)]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    key=st.sampled_from(KEYS),
    sub=TEXT,
    scope=TEXT,
    iat=st.integers(1, 1 << 40),
    lifetime=st.one_of(st.none(), st.integers(0, 1 << 30)),
    alg=st.sampled_from(["ES256", "ES256K"]),
)
def test_sign_then_verify_round_trips(key, sub, scope, iat, lifetime, alg) -> None:
    exp = 0 if lifetime is None else iat + lifetime
    token = jwt.sign(key, sub=sub, scope=scope, exp=exp, iat=iat, alg=alg)
    verified = jwt.verify(token, issuers=[key.address], now=iat, strict=True)
    assert (verified.subject, verified.scope, verified.alg) == (sub, scope, alg)
    assert (verified.issued_at, verified.expires_at) == (iat, exp)
    assert verified.issuer_address == key.address
    assert jwt.decode(token).claims == verified.claims


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), INT64, st.integers(), st.floats(allow_nan=False), TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=8,
)
CLAIM_NAMES = st.one_of(
    st.sampled_from(["aud", "exp", "jti", "iat", "iss", "nbf", "sub", "scope", "ISS", "Exp"]),
    TEXT,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@st.composite
def mutated_tokens(draw) -> str:
    key = draw(st.sampled_from(KEYS))
    token = jwt.sign(key, sub=draw(TEXT), scope=draw(TEXT), exp=2_000_000_000, iat=1_000)
    header, payload, signature = token.split(".")
    kind = draw(
        st.sampled_from(
            ["flip", "swap", "delete", "insert", "truncate", "segments", "claims", "header", "raw"]
        )
    )
    if kind == "flip":
        raw = bytearray(token.encode())
        i = draw(st.integers(0, len(raw) - 1))
        raw[i] ^= draw(st.integers(1, 255))
        return raw.decode("latin-1")
    if kind == "swap":  # stays base64url, so most reach the signature check
        i = draw(st.integers(0, len(token) - 1))
        return token[:i] + draw(st.sampled_from(ALPHABET)) + token[i + 1 :]
    if kind == "delete":
        i = draw(st.integers(0, len(token) - 1))
        return token[:i] + token[i + draw(st.integers(1, 8)) :]
    if kind == "insert":
        i = draw(st.integers(0, len(token)))
        return token[:i] + draw(st.text(min_size=1, max_size=4)) + token[i:]
    if kind == "truncate":
        return token[: draw(st.integers(0, len(token) - 1))]
    if kind == "segments":
        parts = draw(st.lists(st.sampled_from([header, payload, signature, ""]), max_size=5))
        return ".".join(parts)
    # JSON edits, re-signed with the token's own key so they reach the claim checks.
    claims = dict(jwt.decode(token).claims)
    head = {"alg": "ES256", "typ": "JWT"}
    if kind == "claims":
        for name, value in draw(st.dictionaries(CLAIM_NAMES, JSON_VALUES, max_size=3)).items():
            claims[name] = value
        for name in draw(st.lists(st.sampled_from(sorted(claims)), max_size=2)):
            claims.pop(name, None)
    elif kind == "header":
        head.update(
            draw(st.dictionaries(st.sampled_from(["alg", "typ", "crit", "kid"]), JSON_VALUES))
        )
    body = json.dumps(claims).encode()
    top = json.dumps(head).encode()
    if kind == "raw":
        body = draw(st.binary(max_size=64)) + body[draw(st.integers(0, len(body))) :]
    signing_input = _b64(top) + "." + _b64(body)
    return signing_input + "." + _b64(key.sign(signing_input.encode()))


@settings(SETTINGS, max_examples=400)
@given(token=mutated_tokens(), strict=st.booleans())
def test_mutated_tokens_only_ever_raise_token_errors(token: str, strict: bool) -> None:
    try:
        jwt.verify(token, issuers=jwt.ANY_ISSUER, now=1_000, strict=strict)
        event("verified")
    except jwt.TokenError as exc:
        event(exc.code)  # --hypothesis-show-statistics shows which checks were reached
    for call in (
        lambda: jwt.verify(token, issuers=[KEYS[0].address], now=1_000, scope="Read", sub="x"),
        lambda: jwt.decode(token),
    ):
        with contextlib.suppress(jwt.TokenError):
            call()


@SETTINGS
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_arbitrary_input_only_ever_raises_token_errors(text) -> None:
    for call in (lambda: jwt.verify(text, issuers=jwt.ANY_ISSUER), lambda: jwt.decode(text)):
        with contextlib.suppress(jwt.TokenError):
            call()
