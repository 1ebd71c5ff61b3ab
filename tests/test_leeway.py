"""``leeway`` as seconds, a ``timedelta`` or a duration string, in the library and the policy."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest

from helpers import VECTOR_IO, VECTOR_KEY
from pyioctl import jwt
from pyioctl.durations import to_seconds
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, PolicyError, policy_from_yaml

NOW = 1_700_000_000


@pytest.fixture
def expired_a_minute_ago() -> str:
    key = PrivateKey.from_hex(VECTOR_KEY)
    return jwt.sign(key, sub="s", scope="Read", exp=NOW - 60, iat=NOW - 600)


@pytest.mark.parametrize("leeway", [120, 120.0, timedelta(minutes=2), "2m", "120s", "120"])
def test_verify_accepts_every_spelling(expired_a_minute_ago, leeway) -> None:
    verified = jwt.verify(expired_a_minute_ago, issuers=[VECTOR_IO], now=NOW, leeway=leeway)
    assert verified.subject == "s"


@pytest.mark.parametrize("leeway", [30, timedelta(seconds=30), "30s", 0])
def test_a_short_leeway_still_refuses(expired_a_minute_ago, leeway) -> None:
    with pytest.raises(jwt.ExpiredTokenError):
        jwt.verify(expired_a_minute_ago, issuers=[VECTOR_IO], now=NOW, leeway=leeway)


@pytest.mark.parametrize("leeway", ["soon", "-5", -1, timedelta(seconds=-1), True, [3]])
def test_verify_rejects_bad_leeway(expired_a_minute_ago, leeway) -> None:
    with pytest.raises(ValueError):
        jwt.verify(expired_a_minute_ago, issuers=[VECTOR_IO], now=NOW, leeway=leeway)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(0, 0), (45, 45), (1.9, 1), (timedelta(hours=1), 3600), ("1h30m", 5400), (" 2M ", 120)],
)
def test_to_seconds(value, seconds) -> None:
    assert to_seconds(value) == seconds


def test_policy_takes_the_same_spellings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert Policy(issuers=[VECTOR_IO], leeway="2m").leeway == 120
        assert Policy(issuers=[VECTOR_IO], leeway=timedelta(seconds=30)).leeway == 30
        assert policy_from_yaml(f"issuers: [{VECTOR_IO}]\nleeway: 1m30s\n").leeway == 90
    with pytest.raises(PolicyError, match="leeway"):
        Policy(issuers=[VECTOR_IO], leeway="soon")
    with pytest.raises(PolicyError, match="leeway"):
        Policy(issuers=[VECTOR_IO], leeway=-1)
