"""Without nginx the suite still passes and its last line says what was skipped and how to
enable it (issue 9). Runs pytest on the nginx tests in a subprocess with nginx hidden."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import NGINX_ENABLE

ROOT = Path(__file__).resolve().parents[2]


def run_nginx_tests(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "PYIOCTL_REQUIRE_NGINX"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/web/test_nginx.py", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**clean, "PYIOCTL_NGINX": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_nginx_skips_and_the_last_line_says_how_to_enable() -> None:
    done = run_nginx_tests()
    assert done.returncode == 0, done.stdout + done.stderr
    *_, stats, last = done.stdout.rstrip("\n").splitlines()
    skipped = re.fullmatch(r"(\d+) skipped in .*", stats)
    assert skipped, stats
    assert last == (
        f"{skipped[1]} nginx tests skipped: nginx is not installed; "
        f"enable them with: sudo {NGINX_ENABLE}"
    )


def test_ci_fails_instead_of_skipping() -> None:
    done = run_nginx_tests(PYIOCTL_REQUIRE_NGINX="1")
    assert done.returncode == 1
    assert done.stdout.rstrip("\n").splitlines()[-1].endswith("(PYIOCTL_REQUIRE_NGINX=1: failing)")
