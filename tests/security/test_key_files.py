"""Key files are the file author's text: only KeystoreErrors, and no file may ask for
more than about twice the unlock work of ioctl's own."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import LIGHT
from pyioctl import keystore
from pyioctl.errors import KeystoreError
from pyioctl.keys import PrivateKey

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = PrivateKey.from_bytes(bytes([9]) * 32)
VALID = json.loads(keystore.encrypt(KEY, "pw", params=LIGHT))

# Unlock cost relative to ioctl's standard file (N=2^18, r=8, p=1), from measurements
# (bench-style, on the 2-core CI machine; recorded in docs/security.md):
# ROMix work n·r·p = 2^21 is one standard unlock; pycryptodome's PBKDF2 stretch of
# 128·r·p bytes grows with its square, 256 KiB (r·p = 2048) costing 0.75 of a standard
# unlock; hashlib PBKDF2 does 1M SHA-256 blocks in 0.4 of a standard unlock.
STANDARD = keystore.IOCTL_SCRYPT


def _scrypt_cost(n: int, r: int, p: int) -> float:
    return n * r * p / (STANDARD.n * STANDARD.r * STANDARD.p) + 0.75 * (r * p / 2048) ** 2


def _pbkdf2_cost(c: int, dklen: int) -> float:
    return 0.4 * c * -(-dklen // 32) / 1_000_000


def _crypto(kdf: str, **params: object) -> dict:
    crypto = dict(VALID["crypto"])
    crypto["kdf"] = kdf
    crypto["kdfparams"] = {"salt": "00" * 32, "dklen": 32, **params}
    return crypto


def _accepted(crypto: dict) -> bool:
    try:
        keystore.key_deriver(crypto)
    except KeystoreError as exc:
        assert exc.code in ("unsupported_keystore", "corrupt_keystore")
        return False
    return True


@SETTINGS
@given(log_n=st.integers(1, 40), r=st.integers(1, 1 << 20), p=st.integers(1, 1 << 20))
def test_accepted_scrypt_parameters_cost_at_most_twice_the_standard(log_n, r, p) -> None:
    n = 1 << log_n
    if _accepted(_crypto("scrypt", n=n, r=r, p=p)):
        assert _scrypt_cost(n, r, p) <= 2.1
        assert 128 * n * r <= 2 * 128 * STANDARD.n * STANDARD.r  # memory


@SETTINGS
@given(c=st.integers(1, 1 << 40), dklen=st.integers(32, 64))
def test_accepted_pbkdf2_parameters_cost_at_most_twice_the_standard(c, dklen) -> None:
    if _accepted(_crypto("pbkdf2", c=c, prf="hmac-sha256", dklen=dklen)):
        assert _pbkdf2_cost(c, dklen) <= 2.1


def test_standard_parameters_are_accepted() -> None:
    assert _accepted(_crypto("scrypt", n=STANDARD.n, r=STANDARD.r, p=STANDARD.p))
    assert _accepted(_crypto("scrypt", n=1 << 12, r=8, p=6))  # go-ethereum's "light"
    assert _accepted(_crypto("pbkdf2", c=262144, prf="hmac-sha256"))


@pytest.mark.parametrize(
    "params",
    [
        {"n": 2, "r": 1, "p": 1 << 15},  # 101 s in pycryptodome's Python PBKDF2
        {"n": 2, "r": 1 << 15, "p": 1},
        {"n": 1 << 20, "r": 8, "p": 1},  # 4x the standard work
        {"n": 1 << 18, "r": 8, "p": 3},
    ],
)
def test_costly_scrypt_files_are_refused_before_deriving(params) -> None:
    document = dict(VALID, crypto=_crypto("scrypt", **params))
    with pytest.raises(KeystoreError) as info:
        keystore.decrypt(json.dumps(document), "pw")
    assert info.value.code == "unsupported_keystore"


def _mutations() -> st.SearchStrategy[str]:
    text = json.dumps(VALID)
    edits = st.one_of(
        st.tuples(st.integers(0, len(text)), st.integers(0, 8), st.text(max_size=6)),
        st.tuples(
            st.integers(0, len(text)),
            st.just(0),
            st.sampled_from(["[" * 3000, "{" * 50, '"' * 7, "1e999", "9" * 5000, "\\", "null"]),
        ),
    )

    def apply(changes) -> str:
        out = text
        for at, cut, insert in changes:
            out = out[:at] + insert + out[at + cut :]
        return out

    return st.lists(edits, min_size=1, max_size=3).map(apply)


VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(), inner)),
    max_leaves=6,
)
FIELDS = st.sampled_from(
    ["kdf", "cipher", "ciphertext", "mac", "cipherparams", "kdfparams", "n", "r", "p", "c"]
)


@st.composite
def _field_edits(draw) -> str:
    document = json.loads(json.dumps(VALID))
    crypto = document["crypto"]
    for name in draw(st.lists(FIELDS, max_size=3)):
        target = crypto["kdfparams"] if name in ("n", "r", "p", "c") else crypto
        if isinstance(target, dict):
            target[name] = draw(VALUES)
    return json.dumps(document)


@SETTINGS
@given(text=st.one_of(_mutations(), _field_edits(), st.binary(max_size=200)))
def test_mutated_key_files_only_raise_keystore_errors(text) -> None:
    with contextlib.suppress(KeystoreError):
        keystore.decrypt(text, "pw")
