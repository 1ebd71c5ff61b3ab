"""CLI start-up in a regular install, and keystore unlock against the fastest scrypt.

    python bench/bench_cli.py [--runs 21] [--unlock-runs 5] [--importtime] [--json FILE]

* Start-up: the project is built into a wheel and installed (with its dependencies) in a
  fresh temporary venv, as a user gets it, not the editable development install. Each
  command runs as a whole process with a throwaway HOME and is compared with
  ``python -c pass`` of the same venv; the runs are interleaved (a noisy neighbour slows
  all of them alike) and the medians are compared. ``--importtime`` also prints the
  largest ``python -X importtime`` entries of each command.
* Unlock: ``Keystore.unlock`` of a key file with ioctl's parameters (scrypt N=2^18, r=8,
  p=1) against both scrypt implementations in the environment, pycryptodome's and
  OpenSSL's ``hashlib.scrypt`` (with ``maxmem`` raised to fit), so the keystore can use
  the faster.

``--venv DIR`` measures an existing environment instead of building one. Nothing outside
the temporary directory is touched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
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

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ScryptParams(n=1 << 10)  # only for accounts that are listed, never unlocked
IO_ADDRESS = "io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j"


def install(tmp: Path) -> Path:
    """A fresh venv with the project installed from a wheel; its bin directory."""
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("pyioctl-*.whl")
    subprocess.run([sys.executable, "-m", "venv", tmp / "venv"], check=True)
    bin_dir = tmp / "venv" / "bin"
    subprocess.run([bin_dir / "pip", "install", "-q", wheel], check=True, capture_output=True)
    return bin_dir


def setup_home(home: Path) -> None:
    directory = home / ".config" / "ioctl" / "default"
    opened = ConfigFile.open(directory)  # the first-run config, as ioctl would write it
    keystore = Keystore(opened.wallet_dir)
    for i in range(3):
        key = PrivateKey.generate()
        keystore.store(key, "pw", params=LIGHT)
        opened.config.aliases[f"acct{i}"] = key.address
    opened.save()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def importtime(argv: list[str], env: dict[str, str], top: int) -> list[tuple[int, int, str]]:
    """The ``top`` imports with the largest self time, (self µs, cumulative µs, module),
    each the least of three runs."""
    best: dict[str, tuple[int, int]] = {}
    for _ in range(3):
        done = subprocess.run(
            [argv[0], "-X", "importtime", *argv[1:]], env=env, capture_output=True, text=True
        )
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (.*)$", line)
            if match:
                module, figures = match[3].strip(), (int(match[1]), int(match[2]))
                best[module] = min(best.get(module, figures), figures)
    rows = sorted(((s, c, module) for module, (s, c) in best.items()), reverse=True)
    return rows[:top]


def scrypt_cases(runs: int) -> dict[str, list[float]]:
    """Wall seconds of ioctl's scrypt in each implementation and of our whole unlock."""
    from Crypto.Protocol.KDF import scrypt

    p = IOCTL_SCRYPT
    salt = os.urandom(32)
    maxmem = 128 * p.n * p.r * p.p + (1 << 20)
    cases: dict[str, Callable[[], object]] = {
        "pycryptodome": lambda: scrypt(b"pw", salt, key_len=p.dklen, N=p.n, r=p.r, p=p.p),
        "hashlib": lambda: hashlib.scrypt(
            b"pw", salt=salt, n=p.n, r=p.r, p=p.p, dklen=p.dklen, maxmem=maxmem
        ),
    }
    with tempfile.TemporaryDirectory(prefix="pyioctl-bench-") as tmp:
        Path(tmp, "UTC--bench").write_bytes(encrypt(PrivateKey.generate(), "pw"))
        (account,) = Keystore(Path(tmp)).accounts()
        cases["unlock"] = lambda: Keystore(Path(tmp)).unlock(account, "pw")
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, fn in cases.items():
                times[name].append(timed(fn))
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="process runs per command")
    parser.add_argument("--unlock-runs", type=int, default=5, help="runs of each scrypt case")
    parser.add_argument("--venv", type=Path, help="measure this venv instead of a fresh one")
    parser.add_argument("--importtime", action="store_true", help="print the top imports")
    parser.add_argument("--json", help="write the medians (seconds) to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pyioctl-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        bin_dir = args.venv / "bin" if args.venv else install(tmp)
        home = tmp / "home"
        setup_home(home)
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "LC_ALL": "C.UTF-8"}
        python, ioctl = str(bin_dir / "python"), str(bin_dir / "ioctl")
        signer = PrivateKey.generate()
        token = jwt.sign(signer, sub="weather", scope="Create", exp=int(time.time()) + 3600)
        commands = {
            "python -c pass": [python, "-c", "pass"],
            # Not a goal: the floor any click-based command starts from.
            "python -c 'import click'": [python, "-c", "import click"],
            "ioctl account list": [ioctl, "account", "list"],
            "ioctl account ethaddr <io>": [ioctl, "account", "ethaddr", IO_ADDRESS],
            "ioctl jwt verify <token> --issuer <io>": [
                ioctl, "jwt", "verify", token, "--issuer", signer.address
            ],
            "ioctl jwt decode <token>": [ioctl, "jwt", "decode", token],
        }  # fmt: skip

        def run(argv: list[str]) -> None:
            done = subprocess.run(argv, env=env, capture_output=True)
            if done.returncode:
                raise SystemExit(f"bench_cli: {argv[1:]} failed: {done.stderr.decode()}")

        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():
            run(argv)  # warm-up: page cache, __pycache__, the first-run config
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(timed(lambda argv=argv: run(argv)))
        imports = {  # the console script is a file python runs, with -X before it
            name: importtime([python, ioctl, *argv[1:]], env, 12)
            for name, argv in commands.items()
            if args.importtime and argv[0] == ioctl
        }
    unlock = scrypt_cases(args.unlock_runs)

    base = statistics.median(times["python -c pass"])
    where = args.venv or "a fresh venv with the wheel installed"
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {where}; {args.runs} "
        f"interleaved runs per command, {args.unlock_runs} per scrypt case\n"
    )
    print("| command | best | median | median ÷ `python -c pass` |")
    print("|---|---:|---:|---:|")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"| `{name}` | {ms(min(runs))} | {ms(median)} | {median / base:.2f}× |")
    fastest = min(("pycryptodome", "hashlib"), key=lambda n: statistics.median(unlock[n]))
    print("\n| scrypt N=2^18, r=8, p=1 | best | median | ÷ fastest scrypt |")
    print("|---|---:|---:|---:|")
    fast = statistics.median(unlock[fastest])
    for name, label in (
        ("pycryptodome", "pycryptodome `scrypt`"),
        ("hashlib", "`hashlib.scrypt` (OpenSSL, maxmem raised)"),
        ("unlock", "`Keystore.unlock` (read, scrypt, MAC, AES)"),
    ):
        runs = unlock[name]
        print(f"| {label} | {ms(min(runs))} | {ms(statistics.median(runs))} "
              f"| {statistics.median(runs) / fast:.2f}× |")  # fmt: skip
    for name, rows in imports.items():
        print(f"\n`python -X importtime` of `{name}`, largest self times:\n")
        print("| module | self µs | cumulative µs |")
        print("|---|---:|---:|")
        for self_us, cumulative, module in rows:
            print(f"| `{module.strip()}` | {self_us:,} | {cumulative:,} |")
    if args.json:
        medians = {name: statistics.median(runs) for name, runs in times.items()}
        scrypt = {name: statistics.median(runs) for name, runs in unlock.items()}
        Path(args.json).write_text(
            json.dumps({"startup": medians, "scrypt": scrypt, "scrypt_fastest": fastest})
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
