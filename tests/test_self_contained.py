"""The repository stands alone: nothing tracked reads or cites the research folder that
used to sit beside it (a fresh clone has no ``../shared``). The Go behaviour lives in
docs/go-ioctl.md and the vectors in tests/data/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Spelled in pieces so this file does not match its own search. The quoted name catches
# paths built from parts (``parents[2] / "shared" / …``), which the slashed forms miss.
FORBIDDEN = re.compile(
    "|".join(
        re.escape(p)
        for p in ("../" + "shared", "shared/" + "vectors", "shared/" + "spec", '"shared' + '"')
    )
)
SPEC_REF = re.compile(r"\bspec " + "§")


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked tree is unknown (git not installed?)")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def offenders(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in tracked_files():
        if path == Path(__file__).resolve() or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_nothing_reads_or_cites_the_shared_folder() -> None:
    assert offenders(FORBIDDEN) == []


def test_spec_references_point_into_the_repository() -> None:
    # "spec §N" named the outside document; references now say "go-ioctl.md §N".
    assert offenders(SPEC_REF) == []


def test_cited_sections_exist() -> None:
    headings = set(
        re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", (ROOT / "docs/go-ioctl.md").read_text(), re.M)
    )
    cited = set()
    for line in offenders(re.compile(r"go-ioctl\.md[^§\n]*§")):
        cited.update(re.findall(r"§(\d+(?:\.\d+)?)", line))
    assert cited, "no go-ioctl.md references found: the search is broken"
    assert cited - headings == set()
