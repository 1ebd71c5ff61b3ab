"""docs/deploy.md as published: Redis, three ``ioctl jwt serve`` replicas and nginx in
front of them, run with the files of docs/examples/deploy; and its systemd unit."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers import IoctlRunner
from pyioctl.policy import token_digest

from .conftest import NGINX, VENV_BIN, free_port, needs_nginx, run_service
from .examples import EXAMPLE_KEY, EXAMPLES, example_token
from .proxies import front_client
from .redis_server import needs_redis, running_redis
from .test_nginx import MAIN_CONF, USER
from .test_revocation_redis import make_token

DEPLOY = EXAMPLES / "deploy"
DOC = EXAMPLES.parent / "deploy.md"
REPLICAS = ("127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083")


@pytest.mark.parametrize("name", ["policy.yaml", "nginx.conf", "pyioctl-verifier@.service"])
def test_doc_quotes_each_file_verbatim(name: str) -> None:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert (DEPLOY / name).read_text() in blocks, f"{name} differs from its copy in {DOC}"


@needs_nginx
@needs_redis
def test_three_replicas_and_redis_behind_nginx(tmp_path: Path) -> None:
    with running_redis(tmp_path) as redis_server:
        policy = tmp_path / "policy.yaml"
        published = (DEPLOY / "policy.yaml").read_text()
        assert "redis://127.0.0.1:6379/0" in published
        policy.write_text(published.replace("redis://127.0.0.1:6379/0", redis_server.url))
        (tmp_path / "revoked.txt").write_text("")
        with (
            run_service(policy, tmp_path) as one,
            run_service(policy, tmp_path) as two,
            run_service(policy, tmp_path) as three,
        ):
            replicas = (one, two, three)
            site = (DEPLOY / "nginx.conf").read_text()
            backend, front_port = free_port(), free_port()
            for address, svc in zip(REPLICAS, replicas, strict=True):
                site = site.replace(address, svc.url.removeprefix("http://"))
            site = site.replace("127.0.0.1:9000", f"127.0.0.1:{backend}")
            site = site.replace("127.0.0.1:8000", f"127.0.0.1:{front_port}")
            (tmp_path / "site.conf").write_text(site)
            (tmp_path / "nginx.conf").write_text(
                MAIN_CONF.format(tmp=tmp_path, backend=f"127.0.0.1:{backend}", user=USER)
            )
            log = tmp_path / "error.log"
            assert NGINX is not None
            nginx = subprocess.Popen(
                [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(log),
                 "-g", "daemon off;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            )  # fmt: skip
            with front_client("nginx", nginx, front_port, log) as front:
                tok = example_token()
                auth = {"Authorization": f"Bearer {tok}"}
                for _ in range(9):
                    assert front.get("/weather/today", headers=auth).status_code == 200
                for svc in replicas:  # round robin: every replica decided some
                    svc.wait_log(lambda r: r.get("digest") == token_digest(tok), timeout=5)

                home = tmp_path / "home"
                home.mkdir()
                revoke = IoctlRunner(home)("jwt", "revoke", tok, "--policy", str(policy))
                assert revoke.rc == 0, revoke
                started = time.monotonic()
                while any(front.get("/weather/today", headers=auth).status_code != 401
                          for _ in range(6)):  # fmt: skip
                    assert time.monotonic() - started < 1.0, "not refused everywhere in 1 s"
                for svc in replicas:
                    direct = svc.client.get(
                        "/auth",
                        headers={**auth, "X-Original-URI": "/weather", "X-Original-Method": "GET"},
                    )
                    assert direct.status_code == 401

                once = make_token(EXAMPLE_KEY, scope="Create", jti="pay-1")
                pay = {"Authorization": f"Bearer {once}"}
                assert front.post("/payments/1", headers=pay).status_code == 200
                for _ in range(3):
                    assert front.post("/payments/1", headers=pay).status_code == 401


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze not installed (apt-get install systemd)"
)
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "pyioctl-verifier@.service").read_text()
    assert "/usr/local/bin/ioctl" in unit
    # The installed ioctl stands in for /usr/local/bin/ioctl, which verify requires to exist.
    instance = tmp_path / "pyioctl-verifier@8081.service"
    instance.write_text(unit.replace("/usr/local/bin/ioctl", str(VENV_BIN / "ioctl")))
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(instance)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "pyioctl-verifier" not in result.stderr, result.stderr
