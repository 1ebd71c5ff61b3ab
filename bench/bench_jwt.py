"""Token throughput: pyioctl.jwt against raw libsecp256k1 and the JOSE libraries.

    python bench/bench_jwt.py [--tokens 2000] [--keys 50] [--json FILE]

Every verifier checks the same distinct tokens (so no signature is ever verified twice
and no cache can help with the ECDSA work); the raw rows verify the very same
(digest, signature) pairs with nothing around them, which is the floor. Passes are
interleaved and the best of three is kept, so a noisy neighbour hurts all rows alike.
Prints a markdown table; with ``--json`` also writes the rates for bench/run.py's summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import coincurve
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey

import jwt as pyjwt
from pyioctl import jwt
from pyioctl.keys import PrivateKey, iotex_message_digest

_CTX = GLOBAL_CONTEXT.ctx


def _best_rate(runs: dict[str, Callable[[], None]], count: int, rounds: int) -> dict[str, float]:
    for run in runs.values():
        run()  # warm-up: imports, first-call paths, the issuer-key memo
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: count / seconds for name, seconds in best.items()}


def _der(compact: bytes) -> bytes:
    """r||s to DER with S normalised, the form coincurve.PublicKey.verify takes."""
    sig = ffi.new("secp256k1_ecdsa_signature *")
    assert lib.secp256k1_ecdsa_signature_parse_compact(_CTX, sig, compact)
    lib.secp256k1_ecdsa_signature_normalize(_CTX, sig, sig)
    out, size = ffi.new("unsigned char[72]"), ffi.new("size_t *", 72)
    assert lib.secp256k1_ecdsa_signature_serialize_der(_CTX, out, size, sig)
    return bytes(ffi.buffer(out, size[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the measured rates (tokens/s) to this file")
    args = parser.parse_args()
    count = args.tokens

    keys = [PrivateKey.from_bytes(hashlib.sha256(b"key %d" % i).digest()) for i in range(args.keys)]
    signers = [keys[i % len(keys)] for i in range(count)]
    now = int(time.time())
    claims = [
        {"sub": f"user{i}", "scope": "Read Create", "exp": now + 3600, "iat": now - 60}
        for i in range(count)
    ]

    es256 = [jwt.sign(key, **c) for key, c in zip(signers, claims, strict=True)]
    es256k = [jwt.sign(key, alg="ES256K", **c) for key, c in zip(signers, claims, strict=True)]
    ek256k = [jwt.sign(key, alg="EK256K", **c) for key, c in zip(signers, claims, strict=True)]
    issuers = jwt.Issuers(key.address for key in keys)
    issuer_list = [key.address for key in keys]  # what most callers pass

    # The raw floor: the same signatures over the same signing inputs, keys pre-parsed.
    decoded = [jwt.decode(token) for token in es256]
    digests = [hashlib.sha256(token.signing_input).digest() for token in decoded]
    compact = [token.signature for token in decoded]
    point_of = {key: coincurve.PublicKey(key.public_key.raw) for key in keys}
    points = [point_of[key] for key in signers]
    ders = [_der(sig) for sig in compact]
    parsed = []
    for sig in compact:
        st = ffi.new("secp256k1_ecdsa_signature *")
        lib.secp256k1_ecdsa_signature_parse_compact(_CTX, st, sig)
        lib.secp256k1_ecdsa_signature_normalize(_CTX, st, st)
        parsed.append(st)
    raw_points = [p.public_key for p in points]
    # EK256K's floor: libsecp256k1's recovery of the same keys, signature pre-parsed.
    recoverable = []
    for token in map(jwt.decode, ek256k):
        st = ffi.new("secp256k1_ecdsa_recoverable_signature *")
        sig = token.signature
        lib.secp256k1_ecdsa_recoverable_signature_parse_compact(_CTX, st, sig, sig[64])
        recoverable.append((st, iotex_message_digest(token.signing_input)))

    # The JOSE libraries get each token's key handed to them (they cannot read it from
    # iss), which only flatters them.
    crypto_key = {
        key: ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), key.public_key.raw)
        for key in keys
    }
    crypto_keys = [crypto_key[key] for key in signers]
    jose_key = {key: ECKey.import_key(crypto_key[key]) for key in keys}
    jose_keys = [jose_key[key] for key in signers]
    registry = jose_jwt.JWTClaimsRegistry()

    def run_sign() -> None:
        sign = jwt.sign
        for key, c in zip(signers, claims, strict=True):
            sign(key, **c)

    def run_floor() -> None:
        verify = lib.secp256k1_ecdsa_verify
        for sig, digest, point in zip(parsed, digests, raw_points, strict=True):
            assert verify(_CTX, sig, digest, point)

    def run_recover_floor() -> None:
        recover, out = lib.secp256k1_ecdsa_recover, ffi.new("secp256k1_pubkey *")
        for sig, digest in recoverable:
            assert recover(_CTX, out, sig, digest)

    def run_coincurve() -> None:
        for sig, digest, point in zip(ders, digests, points, strict=True):
            assert point.verify(sig, digest, hasher=None)

    def run_pyioctl() -> None:
        verify = jwt.verify
        for token in es256:
            verify(token, issuers=issuers)

    def run_pyioctl_list() -> None:
        verify = jwt.verify
        for token in es256:
            verify(token, issuers=issuer_list)

    def run_pyioctl_k() -> None:
        verify = jwt.verify
        for token in es256k:
            verify(token, issuers=issuers, require_exp=True, scope="Read")

    def run_pyioctl_ek() -> None:
        verify = jwt.verify
        for token in ek256k:
            verify(token, issuers=issuers)

    def run_pyjwt() -> None:
        for token, key in zip(es256k, crypto_keys, strict=True):
            pyjwt.decode(token, key, algorithms=["ES256K"])

    def run_joserfc() -> None:
        for token, key in zip(es256k, jose_keys, strict=True):
            registry.validate(jose_jwt.decode(token, key, algorithms=["ES256K"]).claims)

    rates = _best_rate(
        {
            "floor": run_floor,
            "recover_floor": run_recover_floor,
            "coincurve": run_coincurve,
            "pyioctl": run_pyioctl,
            "pyioctl_list": run_pyioctl_list,
            "pyioctl_k": run_pyioctl_k,
            "pyioctl_ek": run_pyioctl_ek,
            "pyjwt": run_pyjwt,
            "joserfc": run_joserfc,
            "sign": run_sign,
        },
        count,
        args.rounds,
    )
    mine = rates["pyioctl"]
    rows = [
        ("libsecp256k1 `ecdsa_verify`, signature pre-parsed (floor)", rates["floor"]),
        ("libsecp256k1 `ecdsa_recover`, pre-parsed (EK256K's floor)", rates["recover_floor"]),
        ("coincurve `PublicKey.verify`, DER (raw coincurve)", rates["coincurve"]),
        ("**pyioctl.jwt.verify** ES256, pinned `Issuers`", mine),
        (f"pyioctl.jwt.verify ES256, pinned as a plain list of {len(keys)}", rates["pyioctl_list"]),
        ("pyioctl.jwt.verify ES256K, + require_exp, scope", rates["pyioctl_k"]),
        ("pyioctl.jwt.verify EK256K (antenna's), pinned `Issuers`", rates["pyioctl_ek"]),
        (f"PyJWT {pyjwt.__version__} `decode` ES256K", rates["pyjwt"]),
        (f"joserfc {version('joserfc')} `decode` + claims ES256K", rates["joserfc"]),
    ]
    print(f"{count} distinct tokens from {len(keys)} keys, best of {args.rounds}\n")
    print("| verifier | tokens/s | µs/token | pyioctl.verify ÷ this |")
    print("|---|---:|---:|---:|")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} | {mine / rate:.2f} |")
    print(f"| pyioctl.jwt.sign ES256 | {rates['sign']:,.0f} | {1e6 / rates['sign']:.1f} | |")
    print(
        f"\npyioctl.verify = {mine / rates['floor']:.2f} × the libsecp256k1 floor (goal ≥ 0.9), "
        f"{mine / rates['pyjwt']:.1f} × PyJWT (goal ≥ 7), {mine / rates['joserfc']:.1f} × joserfc"
    )
    print(
        f"EK256K verify = {mine / rates['pyioctl_ek']:.2f} × ES256 time (goal ≤ 1.1): one "
        "libsecp256k1 recovery (a square root and an inversion more than a verification) "
        "and Keccak instead of SHA-256"
    )
    print(
        "joserfc verifies ES256K only when asked by name (algorithms=['ES256K']): "
        "it is outside its recommended set. Neither library accepts the ES256 label."
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"tokens": count, "keys": len(keys), **rates}))


if __name__ == "__main__":
    main()
