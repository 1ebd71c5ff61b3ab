"""The verifier service's ASGI app called in-process: what it keeps between requests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import respond
from pyioctl.keys import PrivateKey
from pyioctl.policy import load_policy
from pyioctl.web.service import VerifierApp

from .conftest import policy_text


@pytest.fixture
def app(tmp_path: Path, issuer: PrivateKey) -> Iterator[VerifierApp]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text(issuer))
    log = os.open(os.devnull, os.O_WRONLY)
    try:
        yield VerifierApp(load_policy(policy), policy, log_fd=log)
    finally:
        os.close(log)


def call(app: VerifierApp, headers: list[tuple[str, str]], path: str = "/auth") -> int:
    """One request through the app; returns the response status."""
    return respond(app, headers, path)["status"]


def memo_sizes(app: VerifierApp) -> int:
    """Characters held by the app's memos, keys and values."""
    total = 0
    for memo in (app._answers, app._requests, app._denials, app._identities):
        for key, value in memo.items():
            total += len(repr(key)) + len(repr(value))
    return total


def test_memos_stay_small_whatever_the_requests(app: VerifierApp, sign) -> None:
    tok = sign(scope="Read")
    for i in range(200):
        long_path = f"/weather/{i}/" + "a" * 60_000
        long_method = f"GET{i}" + "X" * 60_000
        for headers in (
            [("Authorization", "Bearer x"), ("X-Original-URI", long_path)],
            [("Authorization", "Bearer a.b.c"), ("X-Original-URI", long_path)],
            [("Authorization", f"Bearer {tok}"), ("X-Original-URI", long_path)],
            [("Authorization", f"Bearer {tok}"), ("X-Original-URI", "/nowhere/" + long_path)],
            [
                ("Authorization", f"Bearer {tok}"),
                ("X-Original-URI", f"/weather/{i}"),
                ("X-Original-Method", long_method),
            ],
            [("X-Original-URI", long_path)],
        ):
            assert call(app, headers) in (200, 401, 403)
    # Nothing of the long requests is kept: 200 x 6 of them would be 72 MB.
    assert memo_sizes(app) < 20_000, (len(app._answers), len(app._requests), len(app._denials))


def test_a_verified_token_repeated_request_is_memoised(app: VerifierApp, sign) -> None:
    tok = sign(scope="Read")
    headers = [("Authorization", f"Bearer {tok}"), ("X-Original-URI", "/weather/today")]
    assert call(app, headers) == 200
    # A token seen once is not remembered (most never come back); the second time it is.
    assert len(app._answers) == 0 and len(app._identities) == 1
    assert call(app, headers) == 200
    assert len(app._answers) == 1
    ((_, answer),) = app._answers.items()
    assert call(app, headers) == 200
    assert next(iter(app._answers.items()))[1] is answer  # built once
    # Malformed tokens and tokenless requests are not memoised.
    call(app, [("Authorization", "Bearer x"), ("X-Original-URI", "/weather/today")])
    call(app, [("X-Original-URI", "/weather/today")])
    assert len(app._answers) == 1


def test_a_reloaded_policy_forwards_its_own_headers(
    app: VerifierApp, sign, issuer: PrivateKey
) -> None:
    """The 200 headers of a token are memoised; a new policy must not answer with the old."""
    token = sign()

    def forwarded() -> dict[bytes, bytes]:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/auth",
            "raw_path": b"/auth",
            "query_string": b"",
            "headers": [
                (b"authorization", f"Bearer {token}".encode()),
                (b"x-original-uri", b"/weather/today"),
            ],
        }
        asyncio.run(app(scope, None, send))  # type: ignore[arg-type]
        assert sent[0]["status"] == 200
        return dict(sent[0]["headers"])

    assert forwarded()[b"x-auth-subject"] == b"weather"
    assert app.policy_path is not None
    Path(app.policy_path).write_text(policy_text(issuer, "forward_headers:\n  X-Auth-Who: sub\n"))
    assert app.reload()
    headers = forwarded()
    assert headers[b"x-auth-who"] == b"weather" and b"x-auth-subject" not in headers
