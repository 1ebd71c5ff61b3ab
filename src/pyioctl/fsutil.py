"""Crash-safe file writes: a key or config file is either the old one or the new one.

Every write goes to a temporary file in the destination directory (same filesystem, so
the rename is atomic), is flushed to disk, then renamed over the target; the directory
is fsynced so the rename itself survives a crash.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from .errors import StorageError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
# A write holds its temporary file for milliseconds (the slow part, scrypt, runs before
# the file is created), so one this old belongs to a process that died (kill -9, power
# loss) and is removed by the next write in its directory.
STALE_TEMP_AGE = 600
# The names temp_path makes, and nothing else: other programs' files are never touched.
_TEMP_NAME = re.compile(r"\.(.+)\.(?:tmp|new)[0-9a-f]{12}")


def temp_path(target: Path, kind: str = "tmp") -> Path:
    """A fresh hidden sibling of ``target`` that ``remove_stale_temps`` recognises."""
    # os.urandom rather than secrets.token_hex (the same bytes): secrets imports random,
    # 2 ms of every command's start-up.
    return target.with_name(f".{target.name}.{kind}{os.urandom(6).hex()}")


def remove_stale_temps(
    directory: str | os.PathLike[str],
    *,
    max_age: float = STALE_TEMP_AGE,
    links_to: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Remove our own temporary files (``.NAME.tmpHEX``, ``.NAME.newHEX``) left in
    ``directory`` by a write that never finished, when older than ``max_age`` seconds or
    a hard link to ``links_to``. They may hold a key copy or a bearer token. Best effort:
    returns what was removed, never raises."""
    removed: list[Path] = []
    link_id = None
    if links_to is not None:
        with contextlib.suppress(OSError):
            st = os.stat(links_to)
            link_id = (st.st_dev, st.st_ino)
    cutoff = time.time() - max_age
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP_NAME.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not entry.is_file(follow_symlinks=False):
                continue
            if st.st_mtime < cutoff or (st.st_dev, st.st_ino) == link_id:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) with mode 0700 if missing; existing dirs keep their mode."""
    p = Path(path)
    missing = []
    parent = p
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    try:
        # Path.mkdir(parents=True) would create the parents with default permissions;
        # Go's os.MkdirAll (and so ioctl) makes every missing level 0700.
        for directory in reversed(missing):
            directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        if not p.is_dir():
            p.mkdir(mode=PRIVATE_DIR_MODE)  # raises the right error (e.g. a file is there)
    except OSError as exc:
        raise StorageError(f"cannot create directory {p}: {exc.strerror or exc}") from None
    return p


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int = PRIVATE_FILE_MODE,
    keep_existing_mode: bool = False,
    verify: Callable[[Path], None] | None = None,
) -> None:
    """Write ``data`` to ``path`` atomically with ``mode`` (or the existing file's mode).

    ``verify`` is called with the finished temporary file before the rename; if it raises,
    the temporary file is removed and ``path`` is left exactly as it was.
    """
    target = Path(path)
    if keep_existing_mode:
        with contextlib.suppress(FileNotFoundError):
            mode = target.stat().st_mode & 0o7777
    tmp = temp_path(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # the umask may have narrowed os.open's mode
        if verify is not None:
            verify(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    remove_stale_temps(target.parent)
    fsync_dir(target.parent)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Persist a directory entry change (rename, unlink); best effort where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
