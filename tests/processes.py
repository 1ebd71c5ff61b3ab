"""The processes a test or the soak (bench/soak.py) starts: their workers and memory as
Linux /proc shows them, and stopping them.

Plain standard library, so that bench/soak.py can import it too (it puts tests/ on its
path): tests and bench are not packages and cannot import each other otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name: that name (2nd field) may hold
    spaces and parentheses, so the fields start after its last ")". State comes first."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (a server's workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(_stat(int(entry.name))[1])
            except OSError:
                continue
            if ppid == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` in MiB; NaN once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, and SIGKILL if ``process`` has not exited ``timeout`` seconds later."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
