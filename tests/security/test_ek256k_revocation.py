"""Revoking an EK256K token revokes every spelling that verifies.

An EK256K signature r || s || v has a twin r || n-s || v^1 that recovers the same key;
the policy's revocation must look for it as it does for ES256's n-s twin. The property
runs over both dialects so the next dialect's twin cannot be forgotten silently.
"""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from pyioctl import jwt
from pyioctl.keys import CURVE_ORDER, PrivateKey
from pyioctl.policy import policy_from_yaml
from pyioctl.policy.decision import token_digest

NOW = 1_700_000_000
POLICY = "issuers: [{issuer}]\nroutes:\n  - path: /x\n"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def spellings(token: str) -> list[str]:
    """Every signature spelling of ``token`` (S, n-S; each v) that verifies."""
    head, _, sig_text = token.rpartition(".")
    sig = base64.urlsafe_b64decode(sig_text + "=" * (-len(sig_text) % 4))
    r, s = sig[:32], int.from_bytes(sig[32:64], "big")
    found = []
    for s2 in (s, CURVE_ORDER - s):
        tails = [b""] if len(sig) == 64 else [bytes([0]), bytes([1])]
        for tail in tails:
            candidate = head + "." + b64(r + s2.to_bytes(32, "big") + tail)
            try:
                jwt.verify(candidate, issuers=jwt.ANY_ISSUER, now=NOW)
            except jwt.TokenError:
                continue
            found.append(candidate)
    return found


@settings(max_examples=20, deadline=None)
@given(alg=st.sampled_from(jwt.ALGORITHMS), seed=st.binary(min_size=32, max_size=32))
def test_revoking_any_spelling_revokes_all(tmp_path_factory, alg, seed):
    try:
        key = PrivateKey.from_bytes(seed)
    except Exception:
        return
    token = jwt.sign(key, scope="Read", exp=NOW + 60, iat=NOW, alg=alg)
    variants = spellings(token)
    assert len(variants) == 2  # the token and its malleable twin, no more
    for revoked in variants:
        path = tmp_path_factory.mktemp("rev") / "revoked.txt"
        path.write_text(token_digest(revoked) + "\n")
        text = POLICY.format(issuer=key.address) + f"revoked:\n  file: {path}\n"
        policy = policy_from_yaml(text)
        for variant in variants:
            decision = policy.authorize(variant, "GET", "/x", NOW)
            assert (decision.allowed, decision.reason) == (False, "revoked")
