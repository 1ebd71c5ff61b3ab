"""The quick start of docs/protect-an-api.md, run step by step as written: the same shell
commands in the same order, in an empty directory with its own HOME, the installed
``ioctl``, a real uvicorn, and the doc's curl calls made with httpx."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from helpers import eventually
from processes import stop_process

from .conftest import free_port
from .examples import EXAMPLES

ROOT = EXAMPLES.parents[1]
DOC = ROOT / "docs" / "protect-an-api.md"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "correct horse"


def quick_start_blocks() -> list[str]:
    text = DOC.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", section, re.DOTALL | re.MULTILINE)
    return [textwrap.dedent(body).strip() for _, body in blocks]


def test_the_install_step_names_extras_that_exist() -> None:
    requires = importlib.metadata.requires("pyioctl") or []
    for extra, package in (("fastapi", "fastapi"), ("fastapi", "uvicorn"), ("flask", "flask")):
        assert any(r.startswith(package) and f'extra == "{extra}"' in r for r in requires)
    assert quick_start_blocks()[0] == "pip install 'pyioctl[fastapi]'"
    assert "pip install '.[fastapi]'" in DOC.read_text()


def _call(line: str, port: int, token: str) -> tuple[int, int]:
    command, expected = line.split("  # ")
    args = shlex.split(command.replace("$TOKEN", token))
    assert args[0] == "curl"
    method, headers, url = "GET", {}, None
    i = 1
    while i < len(args):
        if args[i] == "-X":
            method, i = args[i + 1], i + 2
        elif args[i] == "-H":
            name, value = args[i + 1].split(": ", 1)
            headers[name], i = value, i + 2
        elif args[i] == "-i":
            i += 1
        else:
            url, i = args[i], i + 1
    assert url is not None and ":9000/" in url
    response = httpx.request(method, url.replace(":9000/", f":{port}/"), headers=headers)
    return response.status_code, int(expected)


def test_quick_start_as_written(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash not installed")
    home, work = tmp_path / "home", tmp_path / "api"
    home.mkdir()
    work.mkdir()
    env = {**os.environ, "HOME": str(home), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("IOTEX_NETWORK_TYPE", None)
    # Step 3: "save policy.yaml and fastapi_app.py as shown" (the doc quotes them verbatim).
    for name in ("policy.yaml", "fastapi_app.py"):
        shutil.copy(EXAMPLES / name, work / name)

    port = free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        for block in quick_start_blocks():
            if block.startswith("pip install"):
                continue  # this test runs in the venv the extras were installed into
            if block.startswith("uvicorn "):
                assert block == "uvicorn fastapi_app:app --port 9000"
                server = subprocess.Popen(
                    shlex.split(block.replace("9000", str(port))),
                    cwd=work,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                _wait_for(port, server)
                continue
            if block.startswith("curl "):
                token = (home / ".config/ioctl/default/auth.jwt").read_text().strip()
                for line in block.splitlines():
                    got, expected = _call(line, port, token)
                    assert got == expected, line
                continue
            done = subprocess.run(
                ["bash", "-ec", block],
                cwd=work,
                env=env,
                input=f"{PASSWORD}\n{PASSWORD}\n".encode(),
                capture_output=True,
                timeout=120,
            )
            assert done.returncode == 0, (block, done.stderr.decode())
        assert server is not None, "the quick start never starts the app"

        # Step 4 really put alice's address in: the example account is trusted no more.
        policy = (work / "policy.yaml").read_text()
        assert "io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j" not in policy
        token = (home / ".config/ioctl/default/auth.jwt").read_text().strip()
        url = f"http://127.0.0.1:{port}/weather/berlin"
        auth = {"Authorization": f"Bearer {token}"}

        # "Edits to policy.yaml apply to the running app within about a second."
        (work / "policy.yaml").write_text(policy.replace("subject: weather", "subject: other"))
        assert eventually(lambda: httpx.get(url, headers=auth).status_code == 403)
        # A broken file keeps the running policy.
        (work / "policy.yaml").write_text("issuers: [")
        time.sleep(1.5)
        assert httpx.get(url, headers=auth).status_code == 403
        (work / "policy.yaml").write_text(policy)
        assert eventually(lambda: httpx.get(url, headers=auth).status_code == 200)
    finally:
        if server is not None:
            stop_process(server)


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                err = server.stderr.read().decode() if server.stderr else ""
                raise AssertionError(f"uvicorn did not start: {err}") from None
            time.sleep(0.05)
