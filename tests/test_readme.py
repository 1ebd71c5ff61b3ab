"""The README's Python example is real code: run it as a user would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- readme-test -->\n```python\n(.*?)```", text, re.S)
    assert blocks, "README lost its tested Python example"
    result = subprocess.run(
        [sys.executable, "-c", blocks[0]], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("io1") and " weather Create " in lines[0]
    assert lines[1] == "refused: insufficient_scope"
