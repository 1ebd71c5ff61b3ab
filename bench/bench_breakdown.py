"""Where the time above libsecp256k1 goes: the steps of ``jwt.verify`` and of the service's
answer to a token it has never seen, each timed alone.

    python bench/bench_breakdown.py [--json FILE] [--requests-only]

In-process, no server: each step runs on its own over 2000 distinct tokens (best of 5), so
the figures are what each step costs, for docs/benchmarks.md's account of the goals that
are not met. Also times a minimal verify (the same library calls with none of the
canonical-form, type and time checks) as a bound on what any pure-Python verify can reach,
and whole requests through the service's ASGI app (an unseen token, and /healthz), whose
difference less jwt.verify is what the service adds to a signature check without the
server, the kernel and the load generator around it. ``--requests-only`` times just those
and jwt.verify, with APIs older commits have too (``PYTHONPATH=<old>/src``).
"""

from __future__ import annotations

import argparse
import asyncio
import binascii
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coincurve._libsecp256k1 import ffi, lib

from pyioctl import jwt
from pyioctl.jwt import codec, twin_token
from pyioctl.jwt.claims import read_registered
from pyioctl.jwt.issuers import issuer_key
from pyioctl.keys import _CTX, PrivateKey
from pyioctl.policy import Policy, policy_from_yaml
from pyioctl.policy.decision import check_rights, token_digest
from pyioctl.web.accesslog import decision_fields
from pyioctl.web.service import VerifierApp

COUNT = 2000


def per_item(
    fn: Callable[[], object],
    count: int = COUNT,
    rounds: int = 5,
    setup: Callable[[], object] | None = None,
) -> float:
    """Best µs per item of ``fn``, which processes ``count`` items (``setup``, untimed,
    before each round)."""
    best = float("inf")
    for _ in range(rounds):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best / count * 1e6


def steps(
    tokens: list[str], verified: list[jwt.VerifiedToken], issuers: jwt.Issuers, app: VerifierApp
) -> dict[str, float]:
    """The steps of jwt.verify and of the service's answer to an unseen token, each alone."""
    parts = [codec.split(token, 8192) for token in tokens]
    payloads = [part[1] for part in parts]
    claims = [codec.parse_object(payload, "claims") for payload in payloads]
    signatures = [part[2] for part in parts]

    def parse_signatures() -> None:
        for sig in signatures:
            st = ffi.new("secp256k1_ecdsa_signature *")
            lib.secp256k1_ecdsa_signature_parse_compact(_CTX, st, sig)
            lib.secp256k1_ecdsa_signature_normalize(_CTX, st, st)

    translate, a2b, scan = codec._TO_STANDARD, binascii.a2b_base64, codec._scan_fast

    def minimal(token: str) -> dict[str, Any]:
        # The same library calls as verify, none of its checks: a bound, not a verifier.
        header, payload, signature = token.encode().translate(translate).split(b".")
        body, _ = scan(a2b(payload + b"=" * (-len(payload) % 4)).decode(), 0)
        key = issuer_key(body["iss"])
        if key.hash160 not in issuers.hashes:
            raise ValueError
        st = ffi.new("secp256k1_ecdsa_signature *")
        lib.secp256k1_ecdsa_signature_parse_compact(_CTX, st, a2b(signature + b"=="))
        lib.secp256k1_ecdsa_signature_normalize(_CTX, st, st)
        digest = hashlib.sha256(token[: len(header) + len(payload) + 1].encode()).digest()
        if not lib.secp256k1_ecdsa_verify(_CTX, st, digest, key._point.public_key):
            raise ValueError
        return body

    decisions = [check_rights(v, token_digest(t), frozenset(("read",)), "weather", "Read")
                 for v, t in zip(verified, tokens, strict=True)]  # fmt: skip

    def identities() -> None:
        for token in verified:
            app._identities.clear()  # claims never seen: nothing memoised
            app._identity(token)

    return {
        "minimal verify (no checks), whole": per_item(lambda: list(map(minimal, tokens))),
        "split + base64url (codec.split)": per_item(lambda: [codec.split(t, 8192) for t in tokens]),
        "payload JSON (codec.parse_object)": per_item(
            lambda: [codec.parse_object(p, "claims") for p in payloads]
        ),
        "claim types (read_registered)": per_item(lambda: list(map(read_registered, claims))),
        "SHA-256 of the signing input": per_item(
            lambda: [hashlib.sha256(p[3]).digest() for p in parts]
        ),
        "signature parse + normalise (cffi)": per_item(parse_signatures),
        "service: token digest": per_item(lambda: list(map(token_digest, tokens))),
        "service: high-S twin digest (only with revocation entries)": per_item(
            lambda: [
                token_digest(twin_token(t, v.signature))
                for t, v in zip(tokens, verified, strict=True)
            ]
        ),
        "service: 200 headers + log identity, claims unseen (_identity)": per_item(identities),
        "service: 200 headers + log identity, memoised (_identity)": per_item(
            lambda: list(map(app._identity, verified))
        ),
        "service: log line fields (decision_fields)": per_item(
            lambda: [decision_fields(d, "x", "GET", "/weather/today") for d in decisions]
        ),
        "service: issuer io address (io_address)": per_item(
            lambda: [v.issuer_address for v in verified]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the figures (µs) to this file")
    parser.add_argument(
        "--requests-only",
        action="store_true",
        help="only jwt.verify, Policy.authorize and whole requests (runs on older commits too)",
    )
    args = parser.parse_args()
    keys = [PrivateKey.from_bytes(hashlib.sha256(b"key %d" % i).digest()) for i in range(50)]
    now = int(time.time())
    tokens = [
        jwt.sign(keys[i % 50], sub="weather", scope="Read", exp=now + 3600 + i, iat=now - 60)
        for i in range(COUNT)
    ]
    issuers = jwt.Issuers(key.address for key in keys)
    verified = [jwt.verify(token, issuers=issuers) for token in tokens]
    policy_text = (
        f"issuers: [{', '.join(k.address for k in keys)}]\n"
        "routes:\n  - path: /weather/**\n    subject: weather\n"
    )
    log = os.open(os.devnull, os.O_WRONLY)
    app = VerifierApp(policy_from_yaml(policy_text, base_dir="."), log_fd=log)
    fresh: list[Policy] = []

    def new_policy() -> None:
        # Every token unseen; made before the timing starts.
        fresh[:] = [policy_from_yaml(policy_text, base_dir=".")]

    def authorize() -> None:
        policy = fresh[0]
        for token in tokens:
            policy.authorize(token, "GET", "/weather/today")

    def requests(path: str) -> Callable[[], None]:
        scopes = [
            {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [(b"authorization", f"Bearer {t}".encode()),
                                              (b"x-original-uri", b"/weather/today")]}
            for t in tokens
        ]  # fmt: skip

        async def send(message: object) -> None:
            pass

        async def run() -> None:
            app.log.loop = asyncio.get_running_loop()  # batched, as when serving
            for scope in scopes:
                await app(scope, None, send)  # type: ignore[arg-type]

        def whole() -> None:
            app.policy = fresh[0]
            asyncio.run(run())

        return whole

    figures: dict[str, float] = {
        "jwt.verify, whole": per_item(lambda: [jwt.verify(t, issuers=issuers) for t in tokens]),
        "service: Policy.authorize, token unseen (jwt.verify included)": per_item(
            authorize, setup=new_policy
        ),
        "service: whole ASGI request, token unseen": per_item(requests("/auth"), setup=new_policy),
        "service: whole ASGI request, /healthz": per_item(requests("/healthz")),
    }
    if not args.requests_only:
        figures.update(steps(tokens, verified, issuers, app))

    print(f"{COUNT} distinct tokens from 50 keys, in-process, best of 5\n")
    print("| step | µs per token |")
    print("|---|---:|")
    for name, micros in figures.items():
        print(f"| {name} | {micros:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
