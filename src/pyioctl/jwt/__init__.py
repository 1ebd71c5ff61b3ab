"""IoTeX access tokens: ES256 (secp256k1) JWTs as Go ioctl and antenna-go make them, and
the EK256K dialect of iotex-antenna (JS, Java).

    from pyioctl import jwt
    token = jwt.sign(key, sub="weather", scope="Create", exp=now + 3600)
    claims = jwt.verify(token, issuers=["io1…"], scope="Create")

See docs/tokens.md for every acceptance rule and why it is there.
"""

from __future__ import annotations

from .claims import audiences, go_duration, scope_rights
from .codec import DEFAULT_MAX_TOKEN_SIZE
from .decoding import UnverifiedToken, decode
from .errors import (
    BadSignatureError,
    ExpiredTokenError,
    InsufficientScopeError,
    MalformedTokenError,
    NotYetValidError,
    TokenError,
    UnsupportedAlgorithmError,
    UntrustedIssuerError,
    WrongAudienceError,
    WrongSubjectError,
)
from .issuers import ANY_ISSUER, AnyIssuer, Issuers, IssuerSpec, parse_issuer
from .signing import ALGORITHMS, sign, twin_token
from .verifying import DEFAULT_ALGORITHMS, VerifiedToken, verify

__all__ = [
    "ALGORITHMS",
    "ANY_ISSUER",
    "DEFAULT_ALGORITHMS",
    "DEFAULT_MAX_TOKEN_SIZE",
    "AnyIssuer",
    "BadSignatureError",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "IssuerSpec",
    "Issuers",
    "MalformedTokenError",
    "NotYetValidError",
    "TokenError",
    "UnsupportedAlgorithmError",
    "UntrustedIssuerError",
    "UnverifiedToken",
    "VerifiedToken",
    "WrongAudienceError",
    "WrongSubjectError",
    "audiences",
    "decode",
    "go_duration",
    "parse_issuer",
    "scope_rights",
    "sign",
    "twin_token",
    "verify",
]
