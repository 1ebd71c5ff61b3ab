"""web/bearer.py: the one bearer-token extraction helper and the RFC 6750 challenge texts."""

from __future__ import annotations

import pytest

from pyioctl.policy import Decision
from pyioctl.web.bearer import bearer_token, challenge, denial


@pytest.mark.parametrize(
    ("values", "token"),
    [
        ([], None),
        ([""], None),
        (["   "], None),
        ([b""], None),
        (["Basic dXNlcjpwYXNz"], None),
        (["Bearerabc"], None),
        (["Bearer"], ""),
        (["Bearer   "], ""),
        (["Bearer abc"], "abc"),
        (["bearer abc"], "abc"),
        (["BEARER abc"], "abc"),
        (["Bearer\tabc"], "abc"),
        (["bearer abc\n"], "abc"),  # ioctl sends auth.jwt verbatim, newline included
        ([b"Bearer abc"], "abc"),
        (["Bearer a b"], "a b"),  # judged (and refused) by authorize, not guessed at here
        (["Bearer a", "Bearer b"], "a, Bearer b"),  # duplicates combine as RFC 9110 says
        ([b"Bearer a", "Basic b"], "a, Basic b"),
        ([b"Bearer \xff\xfe"], "\xff\xfe"),  # hostile bytes stay a (malformed) token
    ],
)
def test_bearer_token(values: list, token: str | None) -> None:
    assert bearer_token(values) == token


def test_big_header_is_just_a_long_token() -> None:
    assert bearer_token([b"Bearer " + b"A" * 65536]) == "A" * 65536


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (Decision(False, 401, "missing_token", "a bearer token is required"), "Bearer"),
        (
            Decision(False, 401, "expired", "token is expired by 1s"),
            'Bearer error="invalid_token", error_description="token is expired by 1s"',
        ),
        (
            Decision(False, 403, "insufficient_scope", "token lacks scope 'Read'", scope="Read"),
            'Bearer error="insufficient_scope", error_description="token lacks scope \'Read\'",'
            ' scope="Read"',
        ),
        (
            Decision(False, 401, "malformed", 'bad "quote" \\ and\nnewline é'),
            'Bearer error="invalid_token", error_description="bad \'quote\' / and?newline ?"',
        ),
    ],
)
def test_challenge(decision: Decision, expected: str) -> None:
    assert challenge(decision) == expected


def test_denial_body_and_headers() -> None:
    headers, body = denial(Decision(False, 401, "revoked", "token has been revoked"))
    assert body == b'{"error":"revoked","error_description":"token has been revoked"}'
    assert dict(headers)["Content-Length"] == str(len(body))
