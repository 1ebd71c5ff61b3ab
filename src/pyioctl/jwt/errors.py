"""Token errors: one class per stable ``code``, so callers branch on type or code, not text.

Messages for a bad signature, expiry and a future ``iat`` are Go's (golang-jwt v3 through
antenna-go's ``VerifyJWT``) because users and log alerts already match on them. Messages
never repeat the token or attacker-chosen claim values.
"""

from __future__ import annotations

from ..errors import PyioctlError

GO_BAD_SIGNATURE = "crypto/ecdsa: verification error"
GO_USED_BEFORE_ISSUED = "Token used before issued"
GO_NOT_VALID_YET = "token is not valid yet"


class TokenError(PyioctlError):
    """A token was rejected. ``code`` tells why; subclasses exist for each code."""

    code = "invalid_token"
    # The issuer's io address when the signature verified before the token was refused
    # (expired, not yet valid, wrong scope...): never set from an unverified claim.
    issuer: str | None = None


class MalformedTokenError(TokenError):
    """Not a well-formed token: size, segments, base64url, JSON or claim types."""

    code = "malformed"


class UnsupportedAlgorithmError(TokenError):
    """The header's ``alg`` is not ES256 (secp256k1, as IoTeX uses it) or ES256K."""

    code = "unsupported_alg"


class BadSignatureError(TokenError):
    """The signature does not verify against the key named by ``iss``."""

    code = "bad_signature"


class ExpiredTokenError(TokenError):
    """Past ``exp``, or without the expiry or short lifetime the caller requires."""

    code = "expired"


class NotYetValidError(TokenError):
    """``iat`` or ``nbf`` lies in the future."""

    code = "not_yet_valid"


class UntrustedIssuerError(TokenError):
    """Correctly formed, but ``iss`` is not one of the issuers the caller trusts."""

    code = "untrusted_issuer"


class InsufficientScopeError(TokenError):
    """The token's ``scope`` lacks a right the caller requires."""

    code = "insufficient_scope"


class WrongSubjectError(TokenError):
    """The token's ``sub`` is not the one the caller expects."""

    code = "wrong_subject"


class WrongAudienceError(TokenError):
    """The token's ``aud`` names none of the audiences the caller accepts, or the caller
    requires an ``aud`` and the token has none."""

    code = "wrong_audience"
