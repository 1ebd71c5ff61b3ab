"""Issue 10 §1: revocation shared through a real Redis by two real ``ioctl jwt serve``
replicas; Redis killed under load and restarted empty; one-time tokens across replicas."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers import IoctlRunner
from pyioctl.jwt import twin_token
from pyioctl.keys import PrivateKey
from pyioctl.policy import token_digest

from .conftest import Service, policy_text, run_service
from .redis_server import RedisServer, needs_redis, running_redis

pytestmark = needs_redis

GET_WEATHER = {"X-Original-URI": "/weather/today", "X-Original-Method": "GET"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(key: PrivateKey, **extra: object) -> str:
    now = int(time.time())
    claims = {"exp": now + 3600, "iat": now - 1, "iss": "0x" + key.public_key.hex()}
    claims.update({"sub": "weather", "scope": "Read", **extra})
    head = b64(b'{"alg":"ES256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    return head + "." + b64(key.sign(head.encode()))


def twin(token: str) -> str:
    sig = token.rsplit(".", 1)[1]
    return twin_token(token, base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))


def status(svc: Service, token: str, target: dict[str, str] = GET_WEATHER) -> httpx.Response:
    return svc.client.get("/auth", headers={"Authorization": f"Bearer {token}", **target})


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def shared_policy(tmp_path: Path, issuer: PrivateKey, redis_server: RedisServer) -> Path:
    (tmp_path / "revoked.txt").write_text("")
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        policy_text(
            issuer,
            "  - path: /once/**\n    one_time: true\n"
            f"revoked:\n  redis: {redis_server.url}\n  key: ioctl:revoked\n"
            "  file: revoked.txt\n",
        )
    )
    return policy


@pytest.fixture
def replicas(shared_policy: Path, tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    # The second runs two forked workers: each must run its own listener.
    with (
        run_service(shared_policy, tmp_path) as one,
        run_service(shared_policy, tmp_path, "--workers", "2") as two,
    ):
        yield one, two


def metric(svc: Service, name: str) -> float | None:
    for line in svc.client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def wait_until(predicate, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, what
        time.sleep(0.01)
    return time.monotonic() - started


def test_cli_revocation_reaches_every_replica_within_a_second(
    replicas: tuple[Service, Service], shared_policy: Path, issuer: PrivateKey, tmp_path: Path
) -> None:
    tok = make_token(issuer)
    for svc in replicas:
        assert status(svc, tok).status_code == 200  # verified and cached on both
        assert metric(svc, "pyioctl_revocation_store_up") == 1
    home = tmp_path / "home"
    home.mkdir()
    result = IoctlRunner(home)("jwt", "revoke", tok, "--policy", str(shared_policy))
    assert result.rc == 0, result
    assert result.stdout.strip() == token_digest(tok)
    for svc in replicas:
        took = wait_until(
            lambda s=svc: status(s, tok).status_code == 401, 1.0, "not refused within 1 s"
        )
        assert took < 1.0
        denied = status(svc, twin(tok))
        assert (denied.status_code, denied.json()["error"]) == (401, "revoked")
    # Both stores hold it; --list shows that.
    assert token_digest(tok) in (tmp_path / "revoked.txt").read_text()
    listed = IoctlRunner(home)("jwt", "revoke", "--list", "--policy", str(shared_policy))
    assert f"{token_digest(tok)}  file,redis" in listed.stdout


def test_redis_killed_under_load_lets_nothing_revoked_through_then_resyncs(
    replicas: tuple[Service, Service],
    shared_policy: Path,
    issuer: PrivateKey,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    bad, good = make_token(issuer), make_token(issuer, sub="weather", jti="x")
    home = tmp_path / "home"
    home.mkdir()
    assert IoctlRunner(home)("jwt", "revoke", bad, "--policy", str(shared_policy)).rc == 0
    for svc in replicas:
        wait_until(lambda s=svc: status(s, bad).status_code == 401, 1.0, "not revoked")
    # Only Redis knows it from here on: the file entry would hide an outage bug.
    (tmp_path / "revoked.txt").write_text("")

    leaks: list[str] = []
    stop = threading.Event()
    counts = {"checks": 0, "good": 0}

    def load(svc: Service) -> None:
        with httpx.Client(base_url=svc.url, timeout=5) as client:
            while not stop.is_set():
                for tok in (bad, twin(bad)):
                    r = client.get(
                        "/auth", headers={"Authorization": f"Bearer {tok}", **GET_WEATHER}
                    )
                    counts["checks"] += 1
                    if r.status_code != 401:
                        leaks.append(f"{svc.url}: {r.status_code}")
                r = client.get("/auth", headers={"Authorization": f"Bearer {good}", **GET_WEATHER})
                counts["good"] += r.status_code == 200

    threads = [threading.Thread(target=load, args=(svc,)) for svc in replicas for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        redis_server.kill()
        for svc in replicas:
            wait_until(
                lambda s=svc: metric(s, "pyioctl_revocation_store_up") == 0, 10, "store not down"
            )
            assert svc.client.get("/healthz").status_code == 200
        time.sleep(3)  # past the settle time of the emptied file, Redis still down
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert leaks == []
    assert counts["checks"] > 100 and counts["good"] > 10
    for svc, workers in zip(replicas, (1, 2), strict=True):
        down = [
            line
            for line in svc.log_path.with_suffix(".err").read_text().splitlines()
            if "is down" in line
        ]
        assert len(down) == workers, down  # one line per process

    # Back, empty (no persistence): the replicas reconnect, write back what they know and
    # pick up what was revoked meanwhile.
    redis_server.start()
    for svc in replicas:
        wait_until(lambda s=svc: metric(s, "pyioctl_revocation_store_up") == 1, 10, "no resync")
    assert token_digest(bad) in redis_server.client().smembers("ioctl:revoked")
    later = make_token(issuer, scope="Read Create")
    for svc in replicas:
        assert status(svc, later).status_code == 200
    assert IoctlRunner(home)("jwt", "revoke", later, "--policy", str(shared_policy)).rc == 0
    for svc in replicas:
        wait_until(lambda s=svc: status(s, later).status_code == 401, 1.0, "not refused in 1 s")
        assert status(svc, bad).status_code == 401


def test_one_time_token_is_accepted_once_across_replicas(
    replicas: tuple[Service, Service], issuer: PrivateKey
) -> None:
    one, two = replicas
    target = {"X-Original-URI": "/once/pay", "X-Original-Method": "GET"}
    tok = make_token(issuer, jti="order-1")
    assert status(one, tok, target).status_code == 200
    for svc in (two, one):
        replay = status(svc, tok, target)
        assert replay.status_code == 401
        assert replay.json()["error"] == "replayed"
        assert replay.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    # The S-flipped twin is the same token: same issuer and jti.
    assert status(two, twin(tok), target).json()["error"] == "replayed"
    assert status(two, make_token(issuer, jti="order-2"), target).status_code == 200
    no_jti = status(one, make_token(issuer), target)
    assert (no_jti.status_code, no_jti.json()["error"]) == (401, "jti_required")
    # Other routes are not one-time.
    assert status(one, tok).status_code == 200
    assert status(one, tok).status_code == 200
