"""A write killed between its temp file and the rename leaves a hidden copy behind (a key
file, a bearer token, a hard link to the HD wallet). The next write in that directory
removes stale ones of our naming, and ``hdwallet delete`` leaves no link to the key."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import OTHER_IO
from pyioctl import fsutil, hdwallet
from pyioctl.fsutil import STALE_TEMP_AGE

OLD = time.time() - STALE_TEMP_AGE - 60


def _leave(directory: Path, name: str, *, old: bool = True, data: bytes = b"secret") -> Path:
    path = directory / name
    path.write_bytes(data)
    if old:
        os.utime(path, (OLD, OLD))
    return path


LEFTOVERS = [
    ".config.default.tmp0123456789ab",
    ".UTC--2024-01-01T00-00-00.000000000Z--3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4.tmpa1b2c3d4e5f6",
    ".auth.jwt.tmpffffffffffff",
    ".hdwallet.new00aa11bb22cc",
    ".hdwallet.tmp00aa11bb22cc",
]
# Not ours, or not in our exact form: never touched, whatever their age.
FOREIGN = [
    "config.default.tmp0123456789ab",
    ".config.default.tmp0123",
    ".x.tmp0123456789abX",
    ".x.TMP0123456789ab",
    "notes.txt",
]


def test_a_writing_command_removes_stale_leftovers(ioctl, wallet, config_dir: Path) -> None:
    for name in LEFTOVERS + FOREIGN:
        _leave(config_dir, name)
    fresh = _leave(config_dir, ".config.default.tmp999999999999", old=False)
    result = ioctl("alias", "set", "a1", OTHER_IO)
    assert result.rc == 0, result
    names = {p.name for p in config_dir.iterdir()}
    assert not names & set(LEFTOVERS), names
    assert set(FOREIGN) <= names
    assert fresh.name in names  # may belong to a write still running


def test_hdwallet_delete_leaves_no_link_to_the_key(ioctl, wallet) -> None:
    directory = wallet.wallet_dir
    target = hdwallet.hdwallet_path(directory)
    target.write_bytes(b"encrypted phrase")
    # A create killed after link() and before removing its staged name: a second,
    # hidden, fresh-looking name for the same inode.
    staged = directory / ".hdwallet.new0123456789ab"
    os.link(target, staged)
    result = ioctl("hdwallet", "delete", "-y")
    assert result.rc == 0, result
    assert not target.exists() and not staged.exists()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(st.characters(exclude_characters="/\x00", exclude_categories=["Cs"]), max_size=20),
    kind=st.sampled_from(["tmp", "new", "old", "TMP"]),
    suffix=st.text("0123456789abcdefABCDEFg", min_size=10, max_size=14),
    old=st.booleans(),
)
def test_only_stale_files_of_our_naming_are_removed(tmp_path: Path, name, kind, suffix, old):
    path = tmp_path / f".{name}.{kind}{suffix}"
    try:
        _leave(tmp_path, path.name, old=old)
    except OSError:  # a name the filesystem refuses
        return
    ours = (
        kind in ("tmp", "new")
        and len(suffix) == 12
        and all(c in "0123456789abcdef" for c in suffix)
    )
    removed = fsutil.remove_stale_temps(tmp_path)
    assert (path in removed) == (ours and old)
    assert path.exists() == (not (ours and old))
    path.unlink(missing_ok=True)


def test_temp_path_names_are_recognised(tmp_path: Path) -> None:
    target = tmp_path / "auth.jwt"
    for kind in ("tmp", "new"):
        leftover = fsutil.temp_path(target, kind)
        _leave(tmp_path, leftover.name)
    assert len(fsutil.remove_stale_temps(tmp_path)) == 2
