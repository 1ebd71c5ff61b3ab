"""A right is granted only by a token right that spells it, in any ASCII case.

Unicode case folding maps non-ASCII letters onto ASCII ones (``ſ`` → s, the Kelvin sign
→ k, ``ß`` → ss, ``ﬁ`` → fi), so a casefold comparison let a token granted ``ﬁles`` pass
a route requiring ``files``: a right the issuer never wrote, and one that Go's
``strings.EqualFold``, JavaScript's ``toLowerCase`` and an issuer's allow list all see as
another name. And the HEAD rule (HEAD needs every right GET needs) split route scopes on
any whitespace while tokens are split on spaces only, so a GET scope holding a tab or a
no-break space was one right for GET and two for HEAD, which then ran the GET handler
with a weaker token.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route, require

KEY = PrivateKey.generate()
NOW = int(time.time())


def token(scope: str) -> str:
    return jwt.sign(KEY, scope=scope, exp=NOW + 3600, iat=NOW - 1)


def ascii_fold(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


# Each token right casefolds to the required one, and no ASCII case change makes it so.
LOOKALIKES = [
    ("\u017fend", "send"),  # long s
    ("\u212aeys", "keys"),  # Kelvin sign
    ("cla\u00df", "class"),  # sharp s
    ("\ufb01les", "files"),  # fi ligature
    ("\ufb00", "ff"),
    ("Adminiſtrator", "administrator"),
]


@pytest.mark.parametrize(("granted", "required"), LOOKALIKES)
def test_a_unicode_fold_of_a_right_does_not_grant_it(granted: str, required: str) -> None:
    assert granted.casefold() == required.casefold()
    with pytest.raises(jwt.InsufficientScopeError):
        jwt.verify(token(granted), issuers=[KEY.address], scope=required)
    policy = Policy(issuers=[KEY.address], routes=[Route("/r", scopes=required)])
    assert policy.authorize(token(granted), "GET", "/r", NOW).reason == "insufficient_scope"
    assert not require(jwt.verify(token(granted), issuers=ANY), scope=required).allowed


ANY = jwt.ANY_ISSUER


@pytest.mark.parametrize(("granted", "required"), [("READ", "read"), ("Éditer", "ÉDITER")])
def test_ascii_letters_still_compare_in_any_case(granted: str, required: str) -> None:
    jwt.verify(token(granted), issuers=[KEY.address], scope=required)


@pytest.mark.parametrize("separator", ["\t", "\u00a0", "\u2028", "\x1f"])
def test_head_needs_the_rights_get_needs_whatever_the_route_scope_holds(separator: str) -> None:
    policy = Policy(
        issuers=[KEY.address], routes=[Route("/r", scopes={"GET": f"Read{separator}Admin"})]
    )
    both = token("Read Admin")
    assert not policy.authorize(both, "GET", "/r", NOW).allowed
    assert not policy.authorize(both, "HEAD", "/r", NOW).allowed


# Spellings of each letter: its ASCII cases and the non-ASCII letters that casefold (or
# lower) onto it; and the separators the two parsers once disagreed on.
_VARIANTS = {
    "s": "sS\u017f",
    "k": "kK\u212a",
    "f": "fF\ufb00",
    "i": "iI\u0130\u0131",
    " ": " \t\u00a0",
}


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str]:
    """A required scope and a token scope spelling each of its characters some way."""
    required = draw(st.text(alphabet="".join(_VARIANTS), min_size=1, max_size=8))
    granted = "".join(draw(st.sampled_from(_VARIANTS[c])) for c in required)
    return granted, required


@settings(max_examples=300, deadline=None)
@given(pair=spellings())
def test_a_right_is_granted_only_by_an_ascii_case_variant(pair: tuple[str, str]) -> None:
    granted, required = pair
    wanted = {ascii_fold(r) for r in required.split(" ") if r}
    if not wanted:
        return
    held = {ascii_fold(r) for r in granted.split(" ") if r}
    try:
        jwt.verify(token(granted), issuers=[KEY.address], scope=required)
        passed = True
    except jwt.InsufficientScopeError:
        passed = False
    assert passed == (wanted <= held)


rights_text = st.text(alphabet="".join(_VARIANTS.values()), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(get=rights_text, head=st.none() | rights_text, granted=rights_text)
def test_whenever_head_passes_get_passes(get: str, head: str | None, granted: str) -> None:
    if not get.strip(" ") or (head is not None and not head.strip(" ")):
        return
    scopes = {"GET": get} if head is None else {"GET": get, "HEAD": head}
    policy = Policy(issuers=[KEY.address], routes=[Route("/r", scopes=scopes)])
    if policy.authorize(token(granted), "HEAD", "/r", NOW).allowed:
        assert policy.authorize(token(granted), "GET", "/r", NOW).allowed
