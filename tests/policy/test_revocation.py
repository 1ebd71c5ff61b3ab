"""policy/revocation.py: the digest file, per-issuer cut-offs and both spellings of a signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, PolicyError, RevocationList, Route, token_digest

from .conftest import NOW, token, weather_policy


def test_revoked_digest_file_reloads_on_change(issuer: PrivateKey, tmp_path: Path) -> None:
    revoked = tmp_path / "revoked.txt"
    revoked.write_text("# none yet\n")
    revocations = RevocationList(revoked, check_interval=0, settle=0)
    policy = weather_policy(issuer, revoked=revocations)
    tok = token(issuer)
    assert policy.authorize(tok, "GET", "/weather", NOW).allowed  # now cached
    revoked.write_text(f"{token_digest(tok).upper()}  leaked in a ticket\n")
    d = policy.authorize(tok, "GET", "/weather", NOW)
    assert (d.allowed, d.status, d.reason) == (False, 401, "revoked")
    # Broken or deleted files keep the last good list: revocations never silently lapse.
    revoked.write_text("not a digest\n")
    assert policy.authorize(tok, "GET", "/weather", NOW).reason == "revoked"
    revoked.unlink()
    assert policy.authorize(tok, "GET", "/weather", NOW).reason == "revoked"
    revoked.write_text("")
    # Removals wait for the file to settle (here 0 s: one more look at an unchanged file).
    assert policy.authorize(tok, "GET", "/weather", NOW).reason == "revoked"
    assert policy.authorize(tok, "GET", "/weather", NOW).allowed


def test_revocation_file_is_checked_at_most_every_interval(
    issuer: PrivateKey, tmp_path: Path
) -> None:
    revoked = tmp_path / "revoked.txt"
    revoked.write_text("")
    policy = weather_policy(issuer, revoked=RevocationList(revoked, check_interval=3600))
    tok = token(issuer)
    assert policy.authorize(tok, "GET", "/weather", NOW).allowed
    revoked.write_text(token_digest(tok) + "\n")
    assert policy.authorize(tok, "GET", "/weather", NOW).allowed
    policy.revoked.check_interval = 0
    assert policy.authorize(tok, "GET", "/weather", NOW).reason == "revoked"


def test_revoked_before_per_issuer(issuer: PrivateKey, stranger: PrivateKey) -> None:
    cutoff = RevocationList(before={issuer.eth_address: NOW})
    policy = Policy(
        issuers=[issuer.address, stranger.address], routes=[Route("/**")], revoked=cutoff
    )
    assert policy.authorize(token(issuer, iat=NOW - 1), "GET", "/x", NOW).reason == "revoked"
    assert policy.authorize(token(issuer, iat=NOW), "GET", "/x", NOW).allowed
    assert policy.authorize(token(stranger, iat=NOW - 1), "GET", "/x", NOW).allowed


def test_bad_revocation_file_fails_the_load(tmp_path: Path) -> None:
    revoked = tmp_path / "revoked.txt"
    revoked.write_text("\n" + "ab" * 32 + "\nxyz\n")
    with pytest.raises(PolicyError, match=r"revoked.txt:3: ") as info:
        RevocationList(revoked)
    assert info.value.line == 3
    with pytest.raises(PolicyError, match="cannot read"):
        RevocationList(tmp_path / "missing.txt")


def _flip_s(tok: str) -> str:
    """The same token with S replaced by n - S: a second valid spelling of it."""
    import base64

    from pyioctl.keys import CURVE_ORDER

    head, _, sig = tok.rpartition(".")
    raw = base64.urlsafe_b64decode(sig + "==")
    s = int.from_bytes(raw[32:], "big")
    flipped = raw[:32] + (CURVE_ORDER - s).to_bytes(32, "big")
    return head + "." + base64.urlsafe_b64encode(flipped).rstrip(b"=").decode()


@pytest.mark.parametrize("revoke_flipped", [False, True])
def test_revocation_covers_both_spellings_of_a_signature(
    issuer: PrivateKey, tmp_path: Path, revoke_flipped: bool
) -> None:
    tok = token(issuer)
    twin = _flip_s(tok)
    assert twin != tok and jwt.verify(twin, issuers=[issuer.address], now=NOW)
    revoked = tmp_path / "revoked.txt"
    revoked.write_text(token_digest(twin if revoke_flipped else tok) + "\n")
    policy = weather_policy(issuer, revoked=RevocationList(revoked))
    for spelling in (tok, twin):
        assert policy.authorize(spelling, "GET", "/weather", NOW).reason == "revoked"
