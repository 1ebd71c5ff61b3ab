"""Enforcing a :class:`~pyioctl.policy.Policy` in web stacks.

Each adapter (``asgi``, ``wsgi``, ``grpc``, ``service``) only extracts (token, method, path)
from its protocol, asks ``policy.authorize`` and translates the decision back; the parts
they share, reading the bearer token and phrasing RFC 6750 challenges, live in
``bearer.py``.
"""

from ..policy.forwarding import header_value
from .bearer import BAD_TARGET, app_decision, bearer_token, challenge, denial

__all__ = ["BAD_TARGET", "app_decision", "bearer_token", "challenge", "denial", "header_value"]
