"""Issue 8 finding 4: a revocation file rewritten in place must never un-revoke a token
while the writer is at work, and a removal must still take effect within the settle time.

The property test drives a RevocationList through arbitrary sequences of file states (a
complete list, or a rewrite caught mid-way: empty, cut at a line, cut inside a line) with
a test clock; the process test runs a real writer that truncates and rewrites the file
in a loop while the revoked token and its S-flipped twin are checked.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.jwt import twin_token
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, RevocationList, Route, token_digest

SETTLE = 2.0
DIGESTS = [f"{i:064x}" for i in range(1, 7)]

_lists = st.lists(st.sampled_from(DIGESTS), unique=True, max_size=len(DIGESTS))
_steps = st.lists(
    st.one_of(
        st.tuples(st.just("write"), _lists),
        st.tuples(st.just("partial"), _lists, st.floats(0, 1)),
        st.tuples(st.just("wait"), st.floats(0, 2 * SETTLE)),
    ),
    max_size=25,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _text(digests: list[str]) -> str:
    return "".join(f"{d} # entry\n" for d in digests)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(initial=_lists, steps=_steps)
def test_no_state_of_a_rewrite_unrevokes(tmp_path: Path, initial: list[str], steps) -> None:
    path = tmp_path / f"revoked-{time.monotonic_ns()}.txt"
    path.write_text(_text(initial))
    clock = Clock()
    revoked = RevocationList(path, check_interval=0, settle=SETTLE, clock=clock)
    committed = set(initial)  # the last complete list the writer produced
    stable_since: float | None = clock.now
    partial_since = clock.now
    mtime = 10**18
    for step in steps:
        if step[0] == "wait":
            clock.now += step[1]
            if stable_since is None:
                # The documented limit: a writer stalled mid-write past the settle time
                # looks like a finished edit. Writers here stall for less.
                clock.now = min(clock.now, partial_since + 0.99 * SETTLE)
        else:
            full = _text(step[1])
            shown = full if step[0] == "write" else full[: int(len(full) * step[2])]
            path.write_text(shown)
            mtime += 10**9  # every state visibly new, as a real writer's time moves on
            os.utime(path, ns=(mtime, mtime))
            if shown == full:
                committed = set(step[1])
            if shown != full and stable_since is not None:
                partial_since = clock.now
            stable_since = clock.now if shown == full else None
        revoked.refresh()
        # Safety: what the last complete list names is revoked, whatever the file shows.
        assert committed <= revoked.digests
        # Nothing was ever revoked that no state of the file named.
        assert revoked.digests <= set(DIGESTS)
        # Liveness: a complete list left alone for the settle time is the list exactly.
        if stable_since is not None and clock.now - stable_since >= SETTLE:
            assert revoked.digests == committed


_WRITER = r"""
import sys, time
path, lines = sys.argv[1], sys.argv[2:]
deadline = time.monotonic() + 4
while time.monotonic() < deadline:
    with open(path, "w") as fh:          # truncates in place
        for line in lines:
            fh.write(line + "\n")
            fh.flush()
            time.sleep(0.0005)
"""


def test_writer_rewriting_in_place_never_lets_a_revoked_token_through(tmp_path: Path) -> None:
    key = PrivateKey.generate()
    now = int(time.time())
    tok = jwt.sign(key, sub="weather", scope="Read", exp=now + 3600, iat=now - 1)
    signature = base64.urlsafe_b64decode(tok.rsplit(".", 1)[1] + "==")
    twin = twin_token(tok, signature)
    other = jwt.sign(key, sub="weather", scope="Read", exp=now + 3600, iat=now - 2)
    lines = [f"{'ab' * 32} filler {i}" for i in range(20)] + [token_digest(tok) + " leaked"]
    path = tmp_path / "revoked.txt"
    path.write_text("\n".join(lines) + "\n")
    revoked = RevocationList(path, check_interval=0, settle=0.5)
    policy = Policy(issuers=[key.address], routes=[Route("/**")], revoked=revoked)
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), *lines])
    checks = passes = 0
    try:
        while writer.poll() is None:
            for candidate in (tok, twin):
                checks += 1
                passes += policy.authorize(candidate, "GET", "/x").allowed
            assert policy.authorize(other, "GET", "/x").allowed
    finally:
        writer.kill()
        writer.wait()
    assert checks > 200
    assert passes == 0
    # Removing the entry (atomically, as `ioctl jwt revoke` writes) un-revokes within the
    # settle time.
    tmp = path.with_name("new.txt")
    tmp.write_text("\n".join(lines[:-1]) + "\n")
    os.replace(tmp, path)
    removed = time.monotonic()
    while not policy.authorize(tok, "GET", "/x").allowed:
        assert time.monotonic() - removed < 0.5 + 2, "removal never took effect"
        time.sleep(0.01)
    assert policy.authorize(twin, "GET", "/x").allowed
