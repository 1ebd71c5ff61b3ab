"""The served process as operators run it: reloads that fail in any way, workers that
outlive their supervisor, metrics summed over workers."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from processes import alive, children
from pyioctl.keys import PrivateKey

from .conftest import policy_text, run_service

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs Linux /proc to see the workers"
)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def nginx_style(uri: str) -> dict[str, str]:
    return {"X-Original-URI": uri, "X-Original-Method": "GET"}


def metric(text: str, name: str, labels: str = "") -> float:
    total = 0.0
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", re.MULTILINE)
    for match in pattern.finditer(text):
        if labels in (match.group(1) or ""):
            total += float(match.group(2))
    return total


BAD_POLICIES = {
    "deep_leeway": "leeway: " + "[" * 2000 + "]" * 2000 + "\n",
    "nul_in_revoked_file": 'revoked: {file: "r\\0.txt"}\n',
}


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("bad", sorted(BAD_POLICIES))
def test_any_failing_reload_is_refused_logged_and_counted(
    tmp_path: Path, sign, issuer: PrivateKey, workers: str, bad: str
) -> None:
    policy = tmp_path / "policy.yaml"
    good = policy_text(issuer)
    policy.write_text(good)
    weather = {**auth(sign()), **nginx_style("/weather/today")}
    with run_service(policy, tmp_path, "--workers", workers) as svc:
        policy.write_text(good + BAD_POLICIES[bad])
        svc.hup()
        record = svc.wait_log(
            lambda r: r.get("event") == "policy_reload" and r["result"] == "refused"
        )
        assert record["error"]
        time.sleep(0.3)
        assert svc.process.poll() is None, "the supervisor died"
        for _ in range(6):
            with httpx.Client(base_url=svc.url) as fresh:  # new connections, any worker
                assert fresh.get("/auth", headers=weather).status_code == 200
        deadline = time.monotonic() + 10
        while True:
            text = svc.client.get("/metrics").text
            if metric(text, "pyioctl_policy_reloads_total", 'result="refused"') >= 1:
                break
            assert time.monotonic() < deadline, text
            time.sleep(0.1)
        # Still reloadable afterwards.
        policy.write_text(good)
        svc.hup()
        svc.wait_log(lambda r: r.get("event") == "policy_reload" and r["result"] == "ok")


def test_workers_exit_when_the_supervisor_is_killed(tmp_path: Path, issuer: PrivateKey) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    with run_service(policy, tmp_path, "--workers", "2") as svc:
        pid = svc.process.pid
        deadline = time.monotonic() + 15
        while len(workers := children(pid)) < 2:
            assert time.monotonic() < deadline, "workers never started"
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        svc.process.wait(5)
        deadline = time.monotonic() + 5
        while any(alive(w) for w in workers):
            if time.monotonic() > deadline:
                for w in workers:
                    if alive(w):
                        os.kill(w, signal.SIGKILL)
                pytest.fail("workers outlived their supervisor")
            time.sleep(0.05)


def test_one_scrape_sums_the_decisions_of_all_workers(
    tmp_path: Path, sign, issuer: PrivateKey
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    allowed = {**auth(sign()), **nginx_style("/weather/today")}
    requests = 40
    with run_service(policy, tmp_path, "--workers", "2") as svc:
        for i in range(requests):
            with httpx.Client(base_url=svc.url) as fresh:  # new connections spread them
                headers = allowed if i % 2 else nginx_style("/weather/today")
                assert fresh.get("/auth", headers=headers).status_code in (200, 401)
        deadline = time.monotonic() + 10
        while True:
            text = svc.client.get("/metrics").text
            total = metric(text, "pyioctl_auth_decisions_total")
            if total == requests:
                break
            assert total < requests and time.monotonic() < deadline, text
            time.sleep(0.1)
        assert metric(text, "pyioctl_auth_decisions_total", 'decision="allow"') == requests / 2
        assert metric(text, "pyioctl_auth_decision_seconds_count") == requests
        assert 'pyioctl_build_info{version="' in text
        assert "process_cpu_seconds_total" in text


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_stopped_service_leaves_no_metrics_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    # uvicorn ends a single worker by re-raising the SIGTERM it caught, which skips any
    # clean-up of ours: one process must therefore not need a directory at all.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(PrivateKey.generate()))
    with run_service(policy, tmp_path, "--workers", workers) as svc:
        assert svc.client.get("/metrics").status_code == 200
    assert list(scratch.iterdir()) == []
