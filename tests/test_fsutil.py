"""Atomic, private file writes: a file is either the old one or the new one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from helpers import read_only_dir
from pyioctl.errors import StorageError
from pyioctl.fsutil import atomic_write, ensure_private_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        atomic_write(tmp_path / "f", b"data")
    finally:
        os.umask(old)
    old = os.umask(0)
    try:
        atomic_write(tmp_path / "g", b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "f").read_bytes() == b"data"
    assert _mode(tmp_path / "f") == 0o600
    assert _mode(tmp_path / "g") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "g"]  # no temp files left


def test_replace_and_keep_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "config.default"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write(target, b"new", keep_existing_mode=True)
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o644
    atomic_write(target, b"newer")
    assert _mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.default"]


def test_keep_existing_mode_for_a_new_file(tmp_path: Path) -> None:
    atomic_write(tmp_path / "x", b"1", keep_existing_mode=True)
    assert _mode(tmp_path / "x") == 0o600


def test_verify_runs_on_the_temporary_file_before_the_rename(tmp_path: Path) -> None:
    target = tmp_path / "key"
    target.write_bytes(b"old")
    seen: list[Path] = []

    def verify(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp != target and tmp.parent == target.parent
        assert tmp.read_bytes() == b"new" and target.read_bytes() == b"old"

    atomic_write(target, b"new", verify=verify)
    assert target.read_bytes() == b"new" and len(seen) == 1


def test_failed_verify_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "key"
    target.write_bytes(b"old")

    def verify(tmp: Path) -> None:
        raise ValueError("bad write")

    with pytest.raises(ValueError, match="bad write"):
        atomic_write(target, b"new", verify=verify)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["key"]


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"x")
    with pytest.raises(StorageError, match="cannot write"):
        atomic_write(tmp_path / "afile" / "f", b"data")
    with pytest.raises(StorageError, match="cannot create directory"):
        ensure_private_dir(tmp_path / "afile" / "sub")
    assert (tmp_path / "afile").read_bytes() == b"x"


def test_missing_parent(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        atomic_write(tmp_path / "nope" / "f", b"data")
    assert not (tmp_path / "nope").exists()


def test_read_only_directory(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    (directory / "f").write_bytes(b"old")
    with read_only_dir(directory):
        with pytest.raises(StorageError):
            atomic_write(directory / "f", b"new")
        assert (directory / "f").read_bytes() == b"old"


def test_ensure_private_dir(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "c"
    old = os.umask(0)
    try:
        assert ensure_private_dir(nested) == nested
    finally:
        os.umask(old)
    assert _mode(nested) == 0o700
    existing = tmp_path / "open"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    ensure_private_dir(existing)
    assert _mode(existing) == 0o755  # existing directories keep their mode


def test_ensure_private_dir_makes_every_missing_level_0700(tmp_path: Path) -> None:
    # As Go's os.MkdirAll(dir, 0700): ~/.config/ioctl must not be left world-readable.
    old = os.umask(0o022)
    try:
        ensure_private_dir(tmp_path / "h" / ".config" / "ioctl" / "default")
    finally:
        os.umask(old)
    for level in ("h", "h/.config", "h/.config/ioctl", "h/.config/ioctl/default"):
        assert _mode(tmp_path / level) == 0o700, level


def test_ensure_private_dir_over_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(StorageError):
        ensure_private_dir(tmp_path / "f")
