"""Two ioctl processes changing config.default at once: neither loses the other's change.

A command that rewrites config.default (alias, config set/reset, account createadd/import/
delete) may have read the file long before it writes: it waits for passwords and scrypt
in between. Writing that early copy back would undo what another process saved meanwhile.
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import OTHER_IO, OTHER_IO_2, VECTOR_IO, VECTOR_KEY, IoctlRunner
from pyioctl.aliases import bind
from pyioctl.config import Config, ConfigFile


def _waiting(ioctl: IoctlRunner, *args: str, first_line: str) -> subprocess.Popen[bytes]:
    """``ioctl ARGS`` started, given its first input line, and left waiting for the next."""
    proc = subprocess.Popen(
        [ioctl.executable, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ioctl.environment(),
        cwd=ioctl.home,
    )
    assert proc.stdin is not None
    proc.stdin.write(first_line.encode() + b"\n")
    proc.stdin.flush()
    time.sleep(1.0)  # it has read config.default and now waits for its password
    return proc


def test_import_waiting_for_its_password_keeps_what_others_saved(
    ioctl: IoctlRunner, wallet, config_dir: Path
) -> None:
    proc = _waiting(ioctl, "account", "import", "key", "alice", first_line=VECTOR_KEY)
    try:
        assert ioctl("alias", "set", "bob", OTHER_IO).rc == 0
        assert ioctl("config", "set", "endpoint", "localhost:1234").rc == 0
    finally:
        _out, err = proc.communicate(b"pw\npw\n", timeout=120)
    assert proc.returncode == 0, err
    config = ConfigFile.open(config_dir).config
    assert config.aliases == {"alice": VECTOR_IO, "bob": OTHER_IO}
    assert config.endpoint == "localhost:1234"


def test_createadd_waiting_for_its_password_does_not_bring_back_a_deleted_alias(
    ioctl: IoctlRunner, wallet, config_dir: Path
) -> None:
    wallet.add(VECTOR_KEY, alias="alice")
    proc = _waiting(ioctl, "account", "createadd", "bob", first_line="pw")
    try:
        assert ioctl("account", "delete", "alice", "-y").rc == 0
    finally:
        _out, err = proc.communicate(b"pw\n", timeout=120)
    assert proc.returncode == 0, err
    aliases = ConfigFile.open(config_dir).config.aliases
    assert list(aliases) == ["bob"]  # not alice, whose key file is gone


def test_parallel_alias_sets_all_land(ioctl: IoctlRunner, wallet, config_dir: Path) -> None:
    addresses = [OTHER_IO, OTHER_IO_2, VECTOR_IO] * 3
    with ThreadPoolExecutor(len(addresses)) as pool:
        results = list(
            pool.map(lambda n: ioctl("alias", "set", f"a{n}", addresses[n]), range(len(addresses)))
        )
    assert all(r.rc == 0 for r in results), results
    # One alias per address: the survivors are one name for each of the three addresses,
    # and each name that survived points where its own command said.
    aliases = ConfigFile.open(config_dir).config.aliases
    assert sorted(aliases.values()) == sorted({OTHER_IO, OTHER_IO_2, VECTOR_IO})
    assert all(aliases[name] == addresses[int(name[1:])] for name in aliases)


_NAMES = st.sampled_from(["a", "b", "c", "yes", ""])
_ADDRESSES = st.sampled_from([VECTOR_IO, OTHER_IO, OTHER_IO_2])
_CHANGES = st.one_of(
    st.tuples(st.just("bind"), _NAMES, _ADDRESSES),
    st.tuples(st.just("remove"), _NAMES, st.just("")),
    st.tuples(st.just("endpoint"), st.sampled_from(["localhost:1", "example.com"]), st.just("")),
    st.tuples(st.just("defaultacc"), _NAMES, st.just("")),
)


def _apply(change: tuple[str, str, str], config: Config) -> bool:
    kind, text, address = change
    if kind == "bind":
        bind(config.aliases, text, address)
    elif kind == "remove":
        return config.aliases.pop(text, None) is not None
    else:
        config.set(kind, text)
    return True


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), _CHANGES), max_size=8))
def test_changes_through_stale_copies_all_land(
    tmp_path_factory, changes: list[tuple[int, tuple[str, str, str]]]
) -> None:
    """Three ConfigFiles opened at once (three processes' early reads), changed in any
    interleaving: the file ends as if the changes had been made one after the other."""
    directory = tmp_path_factory.mktemp("cfg")
    opened = [ConfigFile.open(directory) for _ in range(3)]
    expected = ConfigFile.open(directory).config
    for who, change in changes:
        opened[who].update(lambda config, change=change: _apply(change, config))
        _apply(change, expected)
    assert ConfigFile.open(directory).config == expected
