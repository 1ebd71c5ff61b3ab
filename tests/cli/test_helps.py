"""The CLI helps a newcomer (issue 9 §3): no silent hang, warnings, suggestions, completion.

Terminal behaviour is checked under a real pseudo-terminal: the installed ``ioctl`` runs
with its stdin and stderr on a pty (stdout stays a pipe, so results are read apart).
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import time

import pytest

from helpers import VECTOR_IO, check_error, envelopes
from pyioctl import jwt as pjwt

# Enough for a cold start on a busy machine; the old `jwt verify` never returned at all.
_PTY_DEADLINE = 30.0


def run_on_pty(ioctl, *args: str) -> tuple[int | None, str, str]:
    """Run ioctl with stdin and stderr on a new pty; (rc or None if it hung, stdout, terminal)."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [ioctl.executable, *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=ioctl.environment(),
        cwd=ioctl.home,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + _PTY_DEADLINE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed its end of the terminal
                    chunk = b""
                if chunk:
                    seen += chunk
                    continue
            if proc.poll() is not None and not ready:
                break
            if proc.poll() is not None and ready:
                break
        rc = proc.poll()
        if rc is None:
            proc.kill()
        stdout = proc.communicate(timeout=10)[0]
    finally:
        os.close(master)
    # The terminal turns "\n" into "\r\n" on output.
    return rc, stdout.decode(), seen.decode().replace("\r\n", "\n")


# ------------------------------------------------------------------- verify without a token


@pytest.mark.parametrize("command", ["verify", "decode"])
def test_no_token_on_a_terminal_fails_at_once_with_a_usage_hint(ioctl, command) -> None:
    rc, out, terminal = run_on_pty(ioctl, "jwt", command)
    assert rc == 1, f"ioctl jwt {command} waited on the terminal: {terminal!r}"
    assert out == ""
    lines = terminal.splitlines()
    assert lines[0] == "Error: no token given"
    assert lines[1].startswith(f"Usage: ioctl jwt {command} TOKEN")
    assert "pipe" in lines[1]


def test_a_piped_token_is_still_read(ioctl, light_account) -> None:
    now = int(time.time())
    token = pjwt.sign(light_account.key, sub="s", scope="Read", exp=now + 60, iat=now)
    r = ioctl("jwt", "verify", "--issuer", "k1", input=token + "\n")
    assert r.rc == 0, r.stderr
    assert r.stdout.startswith("Token is valid.\n")


# ----------------------------------------------------------------------------- jwt sign


def _sign(ioctl, *extra: str, arguments: str | None = None):
    args = ["jwt", "sign", "-s", "k1", "-P", "pw", *extra]
    if arguments is not None:
        args += ["--with-arguments", arguments]
    return ioctl(*args)


def _token_of(stdout: str) -> str:
    return next(x for x in stdout.splitlines() if x.startswith("JWT token: "))[11:]


def _same_token(light_account, token: str, sub: str, scope: str, exp: int) -> None:
    """The token is exactly what the library makes for these claims (the warning changed
    nothing): RFC 6979 signing is deterministic, so the bytes must be equal."""
    iat = pjwt.decode(token).claims["iat"]
    assert token == pjwt.sign(light_account.key, sub=sub, scope=scope, exp=exp, iat=iat)


def test_sign_warns_when_exp_is_in_the_past(ioctl, light_account) -> None:
    r = _sign(ioctl, arguments='{"sub":"s","scope":"Read","exp":"1700000000"}')
    assert r.rc == 0, r.stderr
    assert re.fullmatch(
        r"Warn: exp 1700000000 is \d+h\d+m\d+s in the past: this token is already expired.\n",
        r.stderr,
    )
    assert '"exp": "1700000000"' in r.stdout
    _same_token(light_account, _token_of(r.stdout), "s", "Read", 1700000000)


def test_sign_warns_about_arguments_it_does_not_sign(ioctl, light_account) -> None:
    r = _sign(ioctl, arguments='{"sub":"s","scop":"Read","aud":"x","exp":"4102444800"}')
    assert r.rc == 0, r.stderr
    assert r.stderr == (
        'Warn: --with-arguments keys not in the token: "aud", "scop"; '
        'only "exp", "scope" and "sub" are signed.\n'
    )
    # Go's output still echoes every argument; only the signed ones are in the token.
    assert '"scop": "Read"' in r.stdout
    token = _token_of(r.stdout)
    assert "scop" not in pjwt.decode(token).claims
    _same_token(light_account, token, "s", "", 4102444800)


def test_sign_with_only_signed_keys_and_a_future_exp_warns_nothing(ioctl, light_account) -> None:
    r = _sign(ioctl, arguments='{"sub":"s","scope":"Read","exp":"4102444800"}')
    assert (r.rc, r.stderr) == (0, "")


def test_sign_warnings_keep_json_mode_stdout_one_envelope(ioctl, light_account) -> None:
    r = _sign(ioctl, "-o", "json", arguments='{"scop":"Read","exp":"1"}')
    assert r.rc == 0, r.stderr
    (result,) = envelopes(r.stdout)
    assert result["messageType"] == "result"
    assert [doc["messageType"] for doc in envelopes(r.stderr)] == ["warn", "warn"]


def test_token_only_prints_just_the_token(ioctl, light_account) -> None:
    r = _sign(ioctl, "--token-only", "--expires-in", "1h", arguments='{"sub":"s","scope":"Read"}')
    assert r.rc == 0, r.stderr
    token = r.stdout.removesuffix("\n")
    assert r.stdout == token + "\n" and "\n" not in token
    verified = pjwt.verify(token, issuers=[VECTOR_IO])
    assert (verified.subject, verified.scope) == ("s", "Read")
    _same_token(light_account, token, "s", "Read", verified.expires_at)


@pytest.mark.parametrize("mode", [(), ("-o", "json")])
def test_token_only_asks_for_the_password_on_stderr(ioctl, light_account, mode) -> None:
    # The README's TOKEN=$(ioctl jwt sign … --token-only) has no -P: the prompt must not
    # end up in $TOKEN.
    r = ioctl("jwt", "sign", "-s", "k1", *mode, "--token-only", "--expires-in", "1m", input="pw\n")
    assert r.rc == 0, r.stderr
    token = r.stdout.removesuffix("\n")
    assert pjwt.verify(token, issuers=[VECTOR_IO])
    assert "Enter password for #" in r.stderr


def test_token_only_in_a_shell_substitution(ioctl, light_account) -> None:
    if shutil.which("sh") is None:
        pytest.skip("no sh")
    script = f'T=$("{ioctl.executable}" jwt sign -s k1 -P pw --token-only --expires-in 5m)'
    script += ' && "$0" jwt verify "$T" --issuer k1 --sub ""'
    result = ioctl.run(["sh", "-c", script, ioctl.executable])
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("Token is valid.")


# ------------------------------------------------------------------- decrypting progress


def test_decrypting_shows_on_a_terminal_and_is_erased(ioctl, light_account) -> None:
    rc, out, terminal = run_on_pty(
        ioctl, "jwt", "sign", "-s", "k1", "-P", "pw", "--token-only", "--expires-in", "1m"
    )
    assert rc == 0, terminal
    assert terminal == "Decrypting key…\r\x1b[K"  # shown, then the line erased
    assert pjwt.verify(out.strip(), issuers=[VECTOR_IO])


def test_decrypting_is_erased_before_an_error(ioctl, light_account) -> None:
    rc, out, terminal = run_on_pty(ioctl, "jwt", "sign", "-s", "k1", "-P", "wrong")
    assert rc == 1 and out == ""
    assert terminal.startswith("Decrypting key…\r\x1b[KError: ")


def test_no_decrypting_notice_when_stderr_is_not_a_terminal(ioctl, light_account) -> None:
    r = _sign(ioctl, "--token-only", "--expires-in", "1m")
    assert r.rc == 0 and r.stderr == ""


# ------------------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    ("args", "suggested"),
    [
        (["acount"], 'unknown command "acount" for "ioctl"\n\nDid you mean this?\n\taccount'),
        (["jwt", "sing"], 'unknown command "sing" for "ioctl jwt"\n\nDid you mean this?\n\tsign'),
        (["account", "lst"], "\n\nDid you mean this?\n\tlist"),
        (["vers"], "\n\nDid you mean this?\n\tversion"),
    ],
)
def test_unknown_commands_get_cobras_suggestion(ioctl, args, suggested) -> None:
    r = ioctl(*args)
    assert r.rc == 1 and r.stdout == ""
    assert suggested in r.stderr
    assert r.stderr.startswith("Error: unknown command ")


def test_suggestion_in_json_mode_is_in_the_envelope(ioctl) -> None:
    r = ioctl("-o", "json", "acount")
    assert (r.rc, r.stderr) == (1, "")
    info = json.loads(r.stdout)["message"]["info"]
    assert info.endswith("Did you mean this?\n\taccount")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jwt", "sign", "--signr", "x"], "unknown flag: --signr Did you mean --signer?"),
        (
            ["jwt", "verify", "--isuer", "x"],
            "unknown flag: --isuer (Possible options: --any-issuer, --issuer, --sub)",
        ),
        (["--verison"], "unknown flag: --verison Did you mean --version?"),
        (["account", "list", "--zzzz"], "unknown flag: --zzzz"),
        # Flags accepted only for Go's sake (hidden) are never suggested.
        (["jwt", "sign", "--gas-limt", "1"], "unknown flag: --gas-limt"),
    ],
)
def test_unknown_flags_get_clicks_suggestion(ioctl, args, message) -> None:
    check_error(ioctl(*args), message)


def test_a_known_command_is_not_reported(ioctl) -> None:
    r = ioctl("jwt", "decode", "not-a-token")
    assert "Did you mean" not in r.stderr


# -------------------------------------------------------------------- version, completion


def test_version_command_prints_what_the_flag_prints(ioctl) -> None:
    flag = ioctl("--version")
    command = ioctl("version")
    assert flag.rc == command.rc == 0
    assert command.stdout == flag.stdout and command.stdout.startswith("ioctl (pyioctl), version ")


def test_bash_completion_script_is_valid_bash(ioctl, tmp_path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not installed: apt-get install bash")
    r = ioctl("completion", "bash")
    assert r.rc == 0 and r.stderr == ""
    assert "_IOCTL_COMPLETE=bash_complete" in r.stdout
    script = tmp_path / "ioctl.bash"
    script.write_text(r.stdout)
    checked = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(("shell", "marker"), [("zsh", "#compdef ioctl"), ("fish", "complete")])
def test_zsh_and_fish_scripts(ioctl, shell, marker) -> None:
    r = ioctl("completion", shell)
    assert r.rc == 0 and marker in r.stdout and f"{shell}_complete" in r.stdout


def test_completion_of_an_unknown_shell(ioctl) -> None:
    check_error(ioctl("completion", "tcsh"), 'invalid argument "tcsh" for "ioctl completion"')


def complete(ioctl, line: str) -> list[str]:
    """What bash completion gets for the cursor at the end of ``line``."""
    words = line.split(" ")
    r = ioctl(
        env={
            "_IOCTL_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        }
    )
    assert r.rc == 0, r.stderr
    return [item.split(",", 1)[1] for item in r.stdout.splitlines() if item]


def test_signer_completes_aliases_and_accounts(ioctl, wallet, light_account) -> None:
    other = wallet.add(alias="alice")
    wallet.set_alias("bob", VECTOR_IO)
    names = complete(ioctl, "ioctl jwt sign -s ")
    # Aliases by name, then the key files' addresses in keystore (file) order.
    assert names[:3] == ["alice", "bob", "k1"]
    assert sorted(names[3:]) == sorted([VECTOR_IO, other.address])
    assert complete(ioctl, "ioctl jwt sign --signer a") == ["alice"]
    assert complete(ioctl, "ioctl account sign 0x00 -s b") == ["bob"]


def test_commands_and_flags_complete(ioctl) -> None:
    assert complete(ioctl, "ioctl jw") == ["jwt"]
    assert "--token-only" in complete(ioctl, "ioctl jwt sign --")


def test_completion_without_a_wallet_creates_nothing(ioctl, home) -> None:
    assert complete(ioctl, "ioctl jwt sign -s ") == []
    assert list(home.iterdir()) == []
