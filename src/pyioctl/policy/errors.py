"""Errors and warnings of policy loading and checking."""

from __future__ import annotations

from ..errors import PyioctlError


class PolicyError(PyioctlError):
    """A policy (or its revocation file) is invalid; the message names file, line and key."""

    code = "policy"

    def __init__(self, message: str, *, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.key = key


class PolicyWarning(UserWarning):
    """A policy is valid but risky (e.g. it trusts any issuer)."""
