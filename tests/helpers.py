"""Plain helpers shared by the wallet tests (fixtures wrapping them live in conftest.py).

Nothing here uses pyioctl's own crypto: the keystore reader/writer below is built from
pycryptodome primitives with a different API (an explicit ``Counter`` object, PBKDF2 via
``Crypto.Protocol.KDF``) so it checks our files independently.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from pyioctl.keystore import ScryptParams

# Light scrypt parameters for key files that tests only decrypt (ioctl writes N=2^18).
LIGHT = ScryptParams(n=1 << 10, r=8, p=1)

# The antenna-go key used throughout the vectors (go-ioctl.md §3.1 example).
VECTOR_KEY = "0806c458b262edd333a191e92f561aff338211ee3e18ab315a074a2d82aa343f"
VECTOR_IO = "io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j"
VECTOR_ETH = "0x3f9C20BCeC9dE520d88d98CbE07ee7b5dEd0dAc4"
VECTOR_PUB = (
    "044e18306ae9ef4ec9d07bf6e705442d4d1a75e6cdf750330ca2d880f2cc54607c"
    "9c33deb9eae9c06e06e04fe9ce3d43962cc67d5aa34fbeb71270d4bad3d648d9"
)
# Other valid io addresses (alias_export vector), not in any test wallet.
OTHER_IO = "io1juvx5g063eu4ts832nukp4vgcwk2gnc5cu9ayd"
OTHER_IO_2 = "io1llupp3n8q5x8usnr5w08j6hc6hn55x64l46rr7"

# Environment variables that change ioctl's behaviour; tests set them explicitly.
_SCRUBBED_ENV = ("HOME", "IOTEX_NETWORK_TYPE", "IOCTL_NON_INTERACTIVE", "PYIOCTL_DEBUG")


def ioctl_executable() -> str:
    """The installed console script, next to this interpreter (the venv's ``bin``)."""
    candidate = Path(sys.prefix) / "bin" / "ioctl"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("ioctl")
    if not found:
        raise RuntimeError("the ioctl console script is not installed (pip install -e .)")
    return found


class Result(NamedTuple):
    rc: int
    stdout: str
    stderr: str


class IoctlRunner:
    """Runs the installed ``ioctl`` in a subprocess with ``HOME`` set to a temp directory.

    ``input`` is written to the piped stdin (so stdin is never a terminal, as in CI);
    ``env`` entries override the environment, a ``None`` value removes the variable.
    """

    def __init__(self, home: Path) -> None:
        self.home = home
        self.executable = ioctl_executable()

    def environment(self, env: dict[str, str | None] | None = None) -> dict[str, str]:
        merged = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        merged["HOME"] = str(self.home)
        for key, value in (env or {}).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def __call__(
        self,
        *args: str,
        input: str | bytes | None = None,
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
    ) -> Result:
        return self.run([self.executable, *args], input=input, env=env, cwd=cwd)

    def run(
        self,
        argv: list[str],
        *,
        input: str | bytes | None = None,
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
    ) -> Result:
        """Any command (a shell line, a Python probe) in the environment ``ioctl`` gets."""
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run(
            argv,
            input=data if data is not None else b"",
            capture_output=True,
            env=self.environment(env),
            cwd=cwd or self.home,
            timeout=120,
            check=False,
        )
        return Result(
            proc.returncode,
            proc.stdout.decode("utf-8", "surrogateescape"),
            proc.stderr.decode("utf-8", "surrogateescape"),
        )


# Runs ``ioctl ARGS...`` in-process and prints which of the modules WATCHED it imported.
_IMPORT_PROBE = """
import sys
from pyioctl.cli.main import main
watched = sys.argv[1].split(",")
sys.argv = ["ioctl", *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("IMPORTED:" + ",".join(m for m in watched if m in sys.modules))
"""


def imported(
    ioctl: IoctlRunner, args: list[str], watched: tuple[str, ...], input: str | None = None
) -> list[str]:
    """Those of ``watched`` that ``ioctl args`` imports (start-up time: heavy imports only
    in the commands that need them). The command must succeed."""
    result = ioctl.run([sys.executable, "-c", _IMPORT_PROBE, ",".join(watched), *args], input=input)
    assert result.rc == 0, (args, result.stderr)
    last = result.stdout.splitlines()[-1]
    assert last.startswith("IMPORTED:"), (args, result.stdout)
    return [m for m in last.removeprefix("IMPORTED:").split(",") if m]


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether ``check()`` comes true within ``timeout`` seconds (polled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def check_error(result: Result, message: str | None = None, *, startswith: str | None = None):
    """The bad-input contract: non-zero exit, exactly one stderr line ``Error: …``."""
    assert result.rc != 0, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    if message is not None:
        assert lines[0] == f"Error: {message}", result.stderr
    if startswith is not None:
        assert lines[0].startswith(f"Error: {startswith}"), result.stderr
    return lines[0]


def envelopes(stdout: str) -> list[Any]:
    """The JSON documents printed one after another in ``-o json`` mode."""
    decoder = json.JSONDecoder()
    docs, index = [], 0
    while index < len(stdout):
        if stdout[index].isspace():
            index += 1
            continue
        doc, index = decoder.raw_decode(stdout, index)
        docs.append(doc)
    return docs


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under ``root``: kind, mode and (for files) bytes, by relative path."""
    out: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), path.read_bytes())
    return out


# ----------------------------------------------------------------- independent keystore


def _derive(crypto: dict[str, Any], password: bytes) -> bytes:
    from Crypto.Hash import SHA256
    from Crypto.Protocol.KDF import PBKDF2, scrypt

    params = crypto["kdfparams"]
    salt = bytes.fromhex(params["salt"])
    if crypto["kdf"] == "scrypt":
        return scrypt(password, salt, params["dklen"], N=params["n"], r=params["r"], p=params["p"])
    assert crypto["kdf"] == "pbkdf2" and params["prf"] == "hmac-sha256"
    return PBKDF2(password, salt, params["dklen"], count=params["c"], hmac_hash_module=SHA256)


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    from Crypto.Cipher import AES
    from Crypto.Util import Counter

    counter = Counter.new(128, initial_value=int.from_bytes(iv, "big"))
    return AES.new(key, AES.MODE_CTR, counter=counter).encrypt(data)


def _keccak(data: bytes) -> bytes:
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def independent_decrypt(document: dict[str, Any], password: str | bytes) -> bytes:
    """Web3 Secret Storage v3 decryption from the spec, with pycryptodome primitives."""
    pw = password.encode() if isinstance(password, str) else password
    crypto = document.get("crypto") or document["Crypto"]
    derived = _derive(crypto, pw)
    ciphertext = bytes.fromhex(crypto["ciphertext"])
    assert _keccak(derived[16:32] + ciphertext).hex() == crypto["mac"], "MAC mismatch"
    assert crypto["cipher"] == "aes-128-ctr"
    return _ctr(derived[:16], bytes.fromhex(crypto["cipherparams"]["iv"]), ciphertext)


def independent_encrypt(
    secret: bytes,
    password: str,
    *,
    address: str = "3f9c20bcec9de520d88d98cbe07ee7b5ded0dac4",
    n: int = 2,
    salt: bytes = bytes(range(32)),
    iv: bytes = bytes(range(16)),
    key_id: str = "0f8fad5b-d9cb-469f-a165-70867728950e",
) -> dict[str, Any]:
    """A v3 keystore document for arbitrary bytes (cheap N): crafts valid-MAC odd files."""
    from Crypto.Protocol.KDF import scrypt

    derived = scrypt(password.encode(), salt, 32, N=n, r=8, p=1)
    ciphertext = _ctr(derived[:16], iv, secret)
    return {
        "address": address,
        "crypto": {
            "cipher": "aes-128-ctr",
            "ciphertext": ciphertext.hex(),
            "cipherparams": {"iv": iv.hex()},
            "kdf": "scrypt",
            "kdfparams": {"dklen": 32, "n": n, "p": 1, "r": 8, "salt": salt.hex()},
            "mac": _keccak(derived[16:32] + ciphertext).hex(),
        },
        "id": key_id,
        "version": 3,
    }


@contextlib.contextmanager
def read_only_dir(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable, even for root (CI runs as root, which ignores mode bits).

    As root the directory is made immutable with ``chattr +i``; where that is not
    possible (no chattr, or a filesystem without the attribute) the test is skipped.
    """
    import pytest

    if os.geteuid() != 0:
        path.chmod(0o500)
        try:
            yield
        finally:
            path.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root and chattr is missing: cannot make a directory read-only")
    made = subprocess.run([chattr, "+i", str(path)], capture_output=True, check=False)
    if made.returncode:
        pytest.skip(f"running as root and chattr +i failed: {made.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


# The skip reason of every nginx test; conftest counts skips by it for the summary line.
NGINX_ENABLE = "apt-get install nginx-light"
NGINX_MISSING = f"nginx not installed: {NGINX_ENABLE}"


def signed_claims(key: Any, **claims: Any) -> str:
    """A token carrying exactly ``claims`` (plus ``iss``) signed by ``key``: jwt.sign only
    writes ioctl's own claims, and the tests of aud and forwarded claims need others."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = {"iss": "0x" + key.public_key.hex(), **claims}
    body = json.dumps(claims, separators=(",", ":")).encode()
    signing_input = b64(b'{"alg":"ES256","typ":"JWT"}') + "." + b64(body)
    return signing_input + "." + b64(key.sign(signing_input.encode()))


_EMPTY_BODY = {"type": "http.request", "body": b"", "more_body": False}


def asgi_messages(app: Any, scope: dict, incoming: dict = _EMPTY_BODY) -> list[dict]:
    """Everything an ASGI ``app`` sends for ``scope``; it receives ``incoming`` (by default
    an empty request body)."""
    import asyncio

    sent: list[dict] = []

    async def receive() -> dict:
        return incoming

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def respond(app: Any, headers: list[tuple[str, str]], path: str = "/auth") -> dict:
    """One GET through an ASGI app; returns its http.response.start message."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers],
    }
    return asgi_messages(app, scope)[0]
