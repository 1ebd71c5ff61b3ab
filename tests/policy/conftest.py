"""Keys, tokens and policies shared by the tests of pyioctl.policy."""

from __future__ import annotations

from pathlib import Path

from helpers import signed_claims
from pyioctl import jwt
from pyioctl.keys import PrivateKey
from pyioctl.policy import Policy, Route

NOW = 1_700_000_000


def token(key: PrivateKey, sub: str = "weather", scope: str = "Read", **kw: int) -> str:
    """A token as ``ioctl jwt sign`` makes it."""
    kw.setdefault("iat", NOW)
    kw.setdefault("exp", NOW + 3600)
    return jwt.sign(key, sub=sub, scope=scope, **kw)


def tok(key: PrivateKey, **claims: object) -> str:
    """A token with any claims (aud, custom ones); None leaves a claim out."""
    base: dict[str, object] = {"iat": NOW, "exp": NOW + 3600, "sub": "weather", "scope": "Read"}
    base.update(claims)
    return signed_claims(key, **{k: v for k, v in base.items() if v is not None})


def weather_policy(issuer: PrivateKey, **kw: object) -> Policy:
    return Policy(issuers=[issuer.address], routes=[Route("/weather/**", "weather")], **kw)


def open_policy(issuer: PrivateKey, **kw: object) -> Policy:
    """``/weather/**`` for any subject."""
    return Policy(issuers=[issuer.address], routes=[Route("/weather/**")], **kw)


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def forwarded(p: Policy, token: str) -> dict[str, str]:
    """The headers an allowed GET /weather/today carries upstream."""
    decision = p.authorize(token, "GET", "/weather/today", NOW)
    assert decision.allowed, decision
    assert decision.token is not None
    return dict(p.forward_headers.values(decision.token))
