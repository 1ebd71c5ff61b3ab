"""The answer to one request, and the rights check every enforcement point shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..jwt import VerifiedToken, scope_rights


@dataclass(slots=True)
class Decision:
    """The answer to one request. ``status`` is 200, 401 (no/invalid token) or 403 (valid
    token, not enough rights, or nothing allows the request); ``reason`` is a stable code;
    ``description`` is safe to show to the client (it never repeats the token)."""

    allowed: bool
    status: int
    reason: str
    description: str = ""
    token: VerifiedToken | None = None
    digest: str = ""
    scope: str | None = None
    issuer: str | None = None  # of a refused token whose signature verified, for logs


# Scope string -> its rights. The strings come from the policy's routes and from verified
# tokens, and few differ; the bounds keep a flood of distinct or long ones from growing it
# past about 256 KiB.
_RIGHTS: dict[str, frozenset[str]] = {}
_RIGHTS_MAX = 1024
_RIGHTS_LONGEST = 256


def rights(scope: str) -> frozenset[str]:
    """:func:`~pyioctl.jwt.scope_rights`, remembered: every request compares a route's
    required rights with a token's, and both repeat."""
    known = _RIGHTS.get(scope)
    if known is None:
        if len(scope) > _RIGHTS_LONGEST:
            return scope_rights(scope)
        if len(_RIGHTS) >= _RIGHTS_MAX:
            _RIGHTS.clear()
        known = _RIGHTS[scope] = scope_rights(scope)
    return known


def token_digest(token: str) -> str:
    """SHA-256 hex of the token: how the revocation file and logs name a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_rights(
    token: VerifiedToken,
    digest: str,
    scopes: frozenset[str],
    subject: str | None,
    required: str | None,
) -> Decision:
    if subject is not None and token.subject != subject:
        return Decision(
            False, 403, "wrong_subject", f"token is not for subject {subject!r}",
            token, digest, required,
        )  # fmt: skip
    # A token's scope is one right or a space-separated list, compared case-insensitively
    # (ioctl users write Read, read and READ); a route may require several rights.
    if required is not None and not rights(required) <= scopes:
        return Decision(
            False, 403, "insufficient_scope", f"token lacks scope {required!r}",
            token, digest, required,
        )  # fmt: skip
    return Decision(True, 200, "ok", "", token, digest, required)


def require(
    token: VerifiedToken | None, *, scope: str | None = None, subject: str | None = None
) -> Decision:
    """Subject and scope checks for an already verified token (None: none was verified),
    for per-endpoint requirements on top of the policy's routes; same rules as
    :meth:`Policy.authorize`."""
    if token is None:
        return Decision(False, 401, "missing_token", "a bearer token is required", scope=scope)
    return check_rights(token, "", scope_rights(token.scope), subject, scope)
