"""``ioctl jwt revoke``: the installed command against a real policy and revocation file."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from helpers import check_error
from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import load_policy, token_digest

KEY = PrivateKey.generate()


def make_policy(directory: Path, revoked: str = "revoked:\n  file: revoked.txt\n") -> Path:
    (directory / "revoked.txt").write_text("# revoked tokens\n")
    (directory / "revoked.txt").chmod(0o640)
    policy = directory / "policy.yaml"
    policy.write_text(f"issuers:\n  - {KEY.address}\nroutes:\n  - path: /**\n{revoked}")
    return policy


def fresh_token(**kw: object) -> str:
    now = int(time.time())
    return jwt.sign(KEY, sub="s", scope="Read", exp=now + 3600, iat=now - 1, **kw)


def test_revoke_appends_the_digest_and_the_service_refuses_it(ioctl, home: Path) -> None:
    policy = make_policy(home)
    tok = fresh_token()
    assert load_policy(policy).authorize(tok, "GET", "/x").allowed
    result = ioctl("jwt", "revoke", tok, "--policy", str(policy))
    assert result.rc == 0, result
    assert result.stdout == token_digest(tok) + "\n"
    revoked = home / "revoked.txt"
    assert revoked.read_text().startswith("# revoked tokens\n" + token_digest(tok) + "  # revoked ")
    assert revoked.stat().st_mode & 0o777 == 0o640  # the operator's mode is kept
    assert [p.name for p in home.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert load_policy(policy).authorize(tok, "GET", "/x").reason == "revoked"
    # Again: nothing added twice.
    assert ioctl("jwt", "revoke", tok, "--policy", str(policy)).rc == 0
    assert revoked.read_text().count(token_digest(tok)) == 1


def test_stdin_digest_list_and_json(ioctl, home: Path) -> None:
    policy = make_policy(home)
    tok = fresh_token()
    assert ioctl("jwt", "revoke", "-", "--policy", str(policy), input=tok + "\n").rc == 0
    result = ioctl("jwt", "revoke", "--digest", "AB" * 32, "--policy", str(policy))
    assert result.stdout == "ab" * 32 + "\n"
    listed = ioctl("jwt", "revoke", "--list", "--policy", str(policy))
    assert listed.stdout.splitlines() == sorted(
        [f"{token_digest(tok)}  file", f"{'ab' * 32}  file"]
    )
    out = ioctl("-o", "json", "jwt", "revoke", "--digest", "cd" * 32, "--policy", str(policy))
    assert json.loads(out.stdout)["message"] == {"digest": "cd" * 32}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-a-token"], "malformed token: "),
        (["--digest", "abc"], "--digest must be 64 hex digits (a SHA-256)"),
        ([], "give a token (or - for stdin) or --digest HEX"),
        (["x", "--digest", "ab" * 32], "give a token (or - for stdin) or --digest HEX"),
        (["--list", "--digest", "ab" * 32], "--list takes no token or --digest"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    ioctl, home: Path, args: list[str], message: str
) -> None:
    policy = make_policy(home)
    before = (home / "revoked.txt").read_bytes()
    check_error(ioctl("jwt", "revoke", *args, "--policy", str(policy)), startswith=message)
    assert (home / "revoked.txt").read_bytes() == before


def test_policy_problems_are_one_line(ioctl, home: Path) -> None:
    no_store = make_policy(home, revoked="")
    check_error(
        ioctl("jwt", "revoke", "--digest", "ab" * 32, "--policy", str(no_store)),
        f"{no_store}: the policy names no revocation file or Redis",
    )
    check_error(
        ioctl("jwt", "revoke", "--digest", "ab" * 32, "--policy", str(home / "missing.yaml")),
        startswith=f"{home / 'missing.yaml'}: cannot read policy",
    )


def test_unreachable_redis_is_one_line(ioctl, home: Path) -> None:
    pytest.importorskip("redis", reason="pip install 'pyioctl[redis]'")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    policy = make_policy(home, revoked=f"revoked:\n  redis: {url}\n  file: revoked.txt\n")
    check_error(
        ioctl("jwt", "revoke", "--digest", "ab" * 32, "--policy", str(policy)),
        startswith=f"cannot revoke: cannot reach Redis at {url}",
    )


def test_concurrent_revokers_lose_no_line(ioctl, home: Path) -> None:
    policy = make_policy(home)
    digests = [f"{i:064x}" for i in range(1, 9)]
    procs = [
        subprocess.Popen(
            [ioctl.executable, "jwt", "revoke", "--digest", d, "--policy", str(policy)],
            env=ioctl.environment(),
            stdout=subprocess.DEVNULL,
        )
        for d in digests
    ]
    assert [p.wait(60) for p in procs] == [0] * len(digests)
    text = (home / "revoked.txt").read_text()
    assert all(d in text for d in digests)
