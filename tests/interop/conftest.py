"""The real iotex-antenna npm package, installed once per machine outside the repo.

``PYIOCTL_NPM_CACHE`` (default ``~/.cache/pyioctl-npm``) holds the install; ``.ci/run``
fills it ahead of time so CI never skips. A lock file keeps xdist workers from
installing at the same time.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ANTENNA_VERSION = "0.31.7"
BRIDGE = Path(__file__).with_name("antenna_bridge.js")


def _cache_dir() -> Path:
    return Path(os.environ.get("PYIOCTL_NPM_CACHE") or Path.home() / ".cache" / "pyioctl-npm")


def _installed(cache: Path) -> bool:
    manifest = cache / "node_modules" / "iotex-antenna" / "package.json"
    try:
        return json.loads(manifest.read_text())["version"] == ANTENNA_VERSION
    except (OSError, ValueError, KeyError):
        return False


def install_antenna() -> Path:
    """The cache directory with iotex-antenna installed, or a skip saying what is missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: apt-get install nodejs npm (.ci/run does)")
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed(cache):
            # --ignore-scripts: the package's postinstall downloads protoc from outside.
            result = subprocess.run(
                ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                 "--prefix", str(cache), f"iotex-antenna@{ANTENNA_VERSION}"],
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            if result.returncode != 0 or not _installed(cache):
                pytest.fail(f"npm install iotex-antenna failed:\n{result.stderr[-2000:]}")
    return cache


class Antenna:
    """One long-lived node process running antenna_bridge.js."""

    def __init__(self, cache: Path) -> None:
        self.process = subprocess.Popen(
            ["node", str(BRIDGE), str(cache)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip

    def call(self, op: str, **request: Any) -> Any:
        """The op's value; raises AntennaError with antenna's message if it threw."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise AntennaError(reply["error"])
        return reply["ok"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


class AntennaError(Exception):
    pass


@pytest.fixture(scope="session")
def antenna() -> Iterator[Antenna]:
    bridge = Antenna(install_antenna())
    yield bridge
    bridge.close()
