"""Wallet CLI benchmark: whole-process start-up cost and keystore unlock cost.

Prints a markdown table:

* wall time of ``ioctl account list`` (3 accounts, aliases), ``ioctl account ethaddr``,
  ``ioctl jwt verify`` and ``ioctl jwt decode`` run as whole processes, against
  ``python -c pass`` with the same interpreter: the ratio is what our start-up costs over
  a bare interpreter;
* ``Keystore.unlock`` of a key file with ioctl's parameters (scrypt N=2^18, r=8, p=1)
  against pycryptodome's bare ``scrypt`` with the same parameters: the ratio is our
  overhead over the KDF that dominates any unlock.

Standalone: ``python bench/bench_cli.py [--runs N]`` (``make bench`` runs it). Uses a
throwaway HOME; nothing outside it is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyioctl import jwt
from pyioctl.config import ConfigFile
from pyioctl.keys import PrivateKey
from pyioctl.keystore import IOCTL_SCRYPT, Keystore, ScryptParams, encrypt

LIGHT = ScryptParams(n=1 << 10)  # only for accounts that are listed, never unlocked
IO_ADDRESS = "io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j"


def ioctl_executable() -> str:
    candidate = Path(sys.prefix) / "bin" / "ioctl"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("ioctl")
    if not found:
        sys.exit("bench_cli: the ioctl console script is not installed (pip install -e .)")
    return found


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def process(argv: list[str], env: dict[str, str]) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )

    return run


def setup_home(home: Path) -> None:
    directory = home / ".config" / "ioctl" / "default"
    opened = ConfigFile.open(directory)  # the first-run config, as ioctl would write it
    keystore = Keystore(opened.wallet_dir)
    for i in range(3):
        key = PrivateKey.generate()
        keystore.store(key, "pw", params=LIGHT)
        opened.config.aliases[f"acct{i}"] = key.address
    opened.save()


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="process runs per command")
    parser.add_argument("--unlock-runs", type=int, default=5, help="runs of each scrypt case")
    args = parser.parse_args()

    rows: list[tuple[str, list[float], str, list[float]]] = []
    with tempfile.TemporaryDirectory(prefix="pyioctl-bench-") as tmp:
        home = Path(tmp)
        setup_home(home)
        env = {**os.environ, "HOME": str(home)}
        env.pop("IOTEX_NETWORK_TYPE", None)
        ioctl = ioctl_executable()
        baseline = process([sys.executable, "-c", "pass"], env)
        signer = PrivateKey.generate()
        token = jwt.sign(signer, sub="weather", scope="Create", exp=int(time.time()) + 3600)
        commands = {
            "ioctl account list": process([ioctl, "account", "list"], env),
            "ioctl account ethaddr <io>": process([ioctl, "account", "ethaddr", IO_ADDRESS], env),
            "ioctl jwt verify <token> --issuer <io>": process(
                [ioctl, "jwt", "verify", token, "--issuer", signer.address], env
            ),
            "ioctl jwt decode <token>": process([ioctl, "jwt", "decode", token], env),
        }
        for fn in (baseline, *commands.values()):
            fn()  # warm-up: page cache, __pycache__
        base_times = timed(baseline, args.runs)
        for name, fn in commands.items():
            rows.append((name, timed(fn, args.runs), "python -c pass", base_times))

        # Unlock: our whole path (read, parse, scrypt, MAC, AES, key) vs the bare KDF.
        from Crypto.Protocol.KDF import scrypt

        key = PrivateKey.generate()
        path = home / "UTC--bench"
        path.write_bytes(encrypt(key, "pw"))  # ioctl's parameters: N=2^18, r=8, p=1
        (account,) = Keystore(home).accounts()
        salt = os.urandom(32)
        p = IOCTL_SCRYPT
        unlock = timed(lambda: Keystore(home).unlock(account, "pw"), args.unlock_runs)
        bare = timed(
            lambda: scrypt(b"pw", salt, key_len=p.dklen, N=p.n, r=p.r, p=p.p), args.unlock_runs
        )
        rows.append(
            ("Keystore.unlock (N=2^18, r=8, p=1)", unlock, "bare pycryptodome scrypt", bare)
        )

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
          f"{args.runs} process runs, {args.unlock_runs} unlock runs\n")  # fmt: skip
    print("| measurement | best | median | baseline | baseline best | baseline median "
          "| ratio (median) |")  # fmt: skip
    print("|---|---:|---:|---|---:|---:|---:|")
    for name, times, base_name, base in rows:
        ratio = statistics.median(times) / statistics.median(base)
        print(
            f"| {name} | {fmt_ms(min(times))} | {fmt_ms(statistics.median(times))} "
            f"| {base_name} | {fmt_ms(min(base))} | {fmt_ms(statistics.median(base))} "
            f"| {ratio:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
