"""Who may do what with which token: routes, scopes, trusted issuers and revocation.

A :class:`Policy` is built in code or loaded from YAML (:func:`load_policy`) and answers one
question, :meth:`Policy.authorize`: may this bearer token make this request? Every
enforcement point (ASGI, WSGI, gRPC, the verifier service) asks it and only translates the
:class:`Decision` into its own protocol, so the rules live in exactly one place.

Verified tokens are cached (an LRU keyed by the exact token string, bounded by entries and
by bytes) because a client sends the same token on every request and a signature check
costs far more than the rest of a request; revocation and expiry are re-checked on every
hit. Recent failures are remembered by token digest, so a replayed bad token is cheap.
"""

from .core import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_SIZE, MAX_MEMO_PATH, UNSAFE_PATH, Policy
from .decision import Decision, require, token_digest
from .errors import PolicyError, PolicyWarning
from .loader import load_policy, policy_from_yaml
from .revocation import RevocationList
from .routes import DEFAULT_SCOPES, Route, canonical_path

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_SCOPES",
    "MAX_MEMO_PATH",
    "UNSAFE_PATH",
    "Decision",
    "Policy",
    "PolicyError",
    "PolicyWarning",
    "RevocationList",
    "Route",
    "canonical_path",
    "load_policy",
    "policy_from_yaml",
    "require",
    "token_digest",
]
