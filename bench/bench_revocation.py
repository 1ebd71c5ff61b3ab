"""Revocation cost per request on cached tokens: file-backed against Redis-backed.

    python bench/bench_revocation.py [--tokens 1000] [--revoked 1000] [--rounds 5] [--json F]

Both policies hold the same revoked digests; every token is verified once first, so the
timed passes are cache hits, where revocation is the one check left. Redis-backed lists
keep a local copy fed by pub/sub, so there must be no Redis round trip per request: the
goal is within 5 % of the file. Passes are interleaved and the best is kept. Needs
redis-server (started on a free port of 127.0.0.1) and the redis client.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, policy_from_yaml


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _policy(directory: Path, revoked: str, issuer: PrivateKey) -> Policy:
    text = f"issuers:\n  - {issuer.address}\nroutes:\n  - path: /**\nrevoked:\n{revoked}"
    return policy_from_yaml(text, base_dir=directory)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--revoked", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="write the µs per request of each store to this file")
    args = parser.parse_args()
    # The listener's "store is down" line when the bench stops Redis at the end.
    logging.getLogger("pyioctl.policy").setLevel(logging.ERROR)
    server = shutil.which("redis-server")
    try:
        import redis
    except ImportError:
        redis = None
    if server is None or redis is None:
        print("skipped: needs redis-server (apt-get install redis-server) and pip install redis")
        return 0

    issuer = PrivateKey.from_bytes(hashlib.sha256(b"bench issuer").digest())
    now = int(time.time())
    tokens = [
        jwt.sign(issuer, sub=f"user{i}", scope="Read", exp=now + 3600, iat=now - 1)
        for i in range(args.tokens)
    ]
    digests = [hashlib.sha256(b"revoked %d" % i).hexdigest() for i in range(args.revoked)]
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "revoked.txt").write_text("".join(d + "\n" for d in digests))
        proc = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            client = redis.Redis(host="127.0.0.1", port=port)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.02)
            client.sadd("ioctl:revoked", *digests)
            url = f"redis://127.0.0.1:{port}/0"
            policies = {
                "file": _policy(directory, "  file: revoked.txt\n", issuer),
                "redis": _policy(directory, f"  redis: {url}\n  key: ioctl:revoked\n", issuer),
            }
            for policy in policies.values():
                for token in tokens:
                    assert policy.authorize(token, "GET", "/x").allowed  # verify, cache
                assert len(policy.revoked) == args.revoked
            best = dict.fromkeys(policies, float("inf"))
            for _ in range(args.rounds):
                for name, policy in policies.items():
                    authorize = policy.authorize
                    start = time.perf_counter()
                    for _ in range(5):
                        for token in tokens:
                            authorize(token, "GET", "/x")
                    best[name] = min(best[name], time.perf_counter() - start)
        finally:
            proc.kill()
            proc.wait()
    per = {name: seconds / (5 * len(tokens)) * 1e6 for name, seconds in best.items()}
    print("| revocation store | µs per cached request | vs file |")
    print("|---|---:|---:|")
    for name, micros in per.items():
        print(f"| {name} | {micros:.2f} | {micros / per['file'] - 1:+.1%} |")
    if args.json:
        Path(args.json).write_text(json.dumps(per))
    return 0


if __name__ == "__main__":
    sys.exit(main())
