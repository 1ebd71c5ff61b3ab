"""policy/decision.py: the subject and scope check every route and ``require`` share."""

from __future__ import annotations

import pytest

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route, require

from .conftest import NOW, token, weather_policy


def test_scope_list_and_case(issuer: PrivateKey) -> None:
    policy = weather_policy(issuer)
    tok = token(issuer, scope="create READ")
    assert policy.authorize(tok, "GET", "/weather", NOW).allowed
    assert policy.authorize(tok, "post", "/weather", NOW).allowed
    assert not policy.authorize(tok, "DELETE", "/weather", NOW).allowed
    # A scope is a whole word: "ReadOnly" does not grant "Read".
    assert not policy.authorize(token(issuer, scope="ReadOnly"), "GET", "/weather", NOW).allowed


def test_subject(issuer: PrivateKey) -> None:
    policy = weather_policy(issuer)
    d = policy.authorize(token(issuer, sub="maps"), "GET", "/weather", NOW)
    assert (d.allowed, d.status, d.reason) == (False, 403, "wrong_subject")
    assert d.token is not None and d.token.subject == "maps"
    any_subject = Policy(issuers=[issuer.address], routes=[Route("/**")])
    assert any_subject.authorize(token(issuer, sub="maps"), "GET", "/x", NOW).allowed


def test_require_for_per_endpoint_checks(issuer: PrivateKey) -> None:
    verified = jwt.verify(token(issuer, scope="read admin"), issuers=[issuer.address], now=NOW)
    assert require(verified, scope="Admin").allowed
    assert require(verified, scope="Admin", subject="weather").allowed
    assert require(verified, scope="Delete").reason == "insufficient_scope"
    assert require(verified, subject="maps").reason == "wrong_subject"
    d = require(None, scope="Read")
    assert (d.status, d.reason) == (401, "missing_token")


def test_scope_is_read_the_same_way_as_jwt_verify(issuer: PrivateKey) -> None:
    admin = Policy(issuers=[issuer.address], routes=[Route("/admin/**", scopes="Admin")])
    nbsp = token(issuer, scope="Read\u00a0Admin")  # one odd right, not Read and Admin
    assert not admin.authorize(nbsp, "GET", "/admin", NOW).allowed
    with pytest.raises(jwt.InsufficientScopeError):
        jwt.verify(nbsp, issuers=[issuer.address], now=NOW, scope="Admin")
    both = Policy(issuers=[issuer.address], routes=[Route("/x/**", scopes="Read Write")])
    assert both.authorize(token(issuer, scope="write read"), "GET", "/x", NOW).allowed
    assert not both.authorize(token(issuer, scope="Read"), "GET", "/x", NOW).allowed
