"""A real package (issue 9): ``python -m build`` makes an sdist and a wheel, and the wheel
alone, in a fresh venv, gives a working ``ioctl``.

The build runs on a copy of the source tree (the sdist step writes egg-info into the tree
it builds, and other tests run from this one at the same time); the wheel is built from the
sdist, as ``python -m build`` does, so a file missing from the sdist fails here too.
About 10-20 s: a venv and the dependencies from the local pip cache or index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from vectors import real_tokens

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

pytestmark = pytest.mark.package


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh venv holding only the built wheel and its dependencies."""
    tmp = tmp_path_factory.mktemp("package")
    tree = tmp / "tree"
    shutil.copytree(ROOT, tree, ignore=NOT_SOURCE)
    run(sys.executable, "-m", "build", "--outdir", tmp / "dist", tree, cwd=tmp)
    built = sorted(p.name for p in (tmp / "dist").iterdir())
    release = version("pyioctl")
    assert built == [f"pyioctl-{release}-py3-none-any.whl", f"pyioctl-{release}.tar.gz"]
    run(sys.executable, "-m", "venv", tmp / "venv", cwd=tmp)
    bin_dir = tmp / "venv" / "bin"
    run(bin_dir / "pip", "install", "-q", tmp / "dist" / built[0], cwd=tmp)
    return bin_dir


def ioctl_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": os.environ["PATH"], "HOME": str(home), "LC_ALL": "C.UTF-8"}


def test_version(installed: Path, tmp_path: Path) -> None:
    out = run(installed / "ioctl", "--version", cwd=tmp_path, env=ioctl_env(tmp_path))
    assert out == f"ioctl (pyioctl), version {version('pyioctl')}\n"


def test_jwt_decode(installed: Path, tmp_path: Path) -> None:
    token = real_tokens()["antenna-go-test"]
    out = run(
        installed / "ioctl", "jwt", "decode", token["token"], cwd=tmp_path, env=ioctl_env(tmp_path)
    )
    assert "UNVERIFIED" in out
    assert f'"iss": "{token["claims"]["iss"]}"' in out


def test_wheel_declares_its_types(installed: Path, tmp_path: Path) -> None:
    # PEP 561: without py.typed a user's type checker ignores our annotations.
    code = "import importlib.resources as r; print((r.files('pyioctl') / 'py.typed').is_file())"
    assert run(installed / "python", "-c", code, cwd=tmp_path) == "True\n"
