"""Token text from the network: only typed TokenErrors, and cost linear in size."""

from __future__ import annotations

import base64
import contextlib
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.jwt import codec
from pyioctl.keys import PrivateKey
from pyioctl.untrusted import nesting_exceeds

KEY = PrivateKey.from_bytes(bytes([7]) * 32)
CODES = {
    "malformed",
    "unsupported_alg",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "untrusted_issuer",
    "insufficient_scope",
    "wrong_subject",
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Shapes that once made (or could make) a scan go back over the text: an unterminated
# string of escaped quotes before brackets (0.2 s for 8 KB), lone quotes, backslash runs.
HOSTILE_UNITS = ['\\"', '"', "\\", "[", "{", '{"a":', '"\\"', "[[]", "\\u"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(payload: bytes, header: bytes = b'{"alg":"ES256","typ":"JWT"}') -> str:
    signing_input = _b64(header) + "." + _b64(payload)
    return signing_input + "." + _b64(KEY.sign(signing_input.encode()))


def _best_time(call, repeat: int = 5, number: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, time.perf_counter() - start)
    return best


def _parse(text: str) -> None:
    with contextlib.suppress(jwt.TokenError):
        codec.parse_object(text.encode(), "payload")


@pytest.mark.parametrize(
    "make",
    [
        lambda n: '"' + '\\"' * n + "[" * 40,
        lambda n: '"' * n + "[" * 40,
        lambda n: '"' + "\\" * n + "[" * 40,
        lambda n: '{"a":' * n,
        lambda n: "[" * 40 + '"\\"' * n,
    ],
)
def test_parse_cost_grows_linearly(make) -> None:
    # 16x the input may cost at most 64x the time (quadratic would be 256x). The big
    # input is about the 8 KB token cap.
    small, large = make(170), make(170 * 16)
    t_small = _best_time(lambda: _parse(small))
    t_large = _best_time(lambda: _parse(large))
    assert t_large < 64 * t_small + 0.005, (t_small, t_large)


@SETTINGS
@given(units=st.lists(st.sampled_from(HOSTILE_UNITS), max_size=200))
def test_nesting_check_agrees_with_the_parser(units) -> None:
    # The linear pre-check may only refuse what is too deep; valid JSON it passes parses.
    text = "".join(units)
    deep = nesting_exceeds(text, 32)
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return
    depth = max_depth(json.loads(text))
    assert deep == (depth > 32)


def max_depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((max_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((max_depth(v) for v in value.values()), default=0)
    return 0


FRAGMENTS = st.one_of(
    st.sampled_from(
        ["1e999", "-1e999", "1" * 5000, "9" * 400 + "e9", "NaN", "Infinity", "[" * 100, "]"]
    ),
    st.lists(st.sampled_from(HOSTILE_UNITS), max_size=50).map("".join),
    st.text(max_size=20),
)


@st.composite
def hostile_payloads(draw) -> bytes:
    name = draw(st.sampled_from(["exp", "iat", "nbf", "aud", "x", "sub"]))
    value = draw(FRAGMENTS)
    return ('{"iss":"0x' + KEY.public_key.hex() + f'","{name}":{value}}}').encode()


@settings(SETTINGS, max_examples=300)
@given(payload=hostile_payloads(), strict=st.booleans())
def test_hostile_claims_only_raise_documented_token_errors(payload: bytes, strict: bool) -> None:
    token = _signed(payload)
    for call in (
        lambda: jwt.verify(token, issuers=jwt.ANY_ISSUER, now=1_000, strict=strict),
        lambda: jwt.decode(token),
    ):
        try:
            result = call()
        except jwt.TokenError as exc:
            assert exc.code in CODES
        else:
            # Whatever verifies must print as JSON (no Infinity, no NaN).
            json.dumps(dict(result.claims), allow_nan=False)


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1E400"])
def test_out_of_range_float_claim_is_malformed(number: str) -> None:
    token = _signed(f'{{"iss":"0x{KEY.public_key.hex()}","x":{number}}}'.encode())
    for call in (lambda: jwt.verify(token, issuers=jwt.ANY_ISSUER), lambda: jwt.decode(token)):
        with pytest.raises(jwt.MalformedTokenError):
            call()


def test_exp_with_thousands_of_digits_is_malformed() -> None:
    token = _signed(f'{{"iss":"0x{KEY.public_key.hex()}","exp":{"1" * 4400}}}'.encode())
    with pytest.raises(jwt.MalformedTokenError):
        jwt.verify(token, issuers=jwt.ANY_ISSUER)
