"""Fixtures for the token tests: fixed keys, a fixed clock, and a token forge.

The forge builds tokens byte by byte with the standard library (json, base64), not with
pyioctl.jwt, so a test can produce exactly the malformed, mislabelled or oddly typed
token it is about, with a valid signature unless it asks otherwise.

There is deliberately no ``__init__.py`` here: with one, this directory would be the
package ``jwt`` on sys.path and shadow PyJWT for the whole session.
"""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

import pytest

import vectors
from helpers import VECTOR_KEY
from pyioctl.keys import CURVE_ORDER, PrivateKey

OTHER_KEY = "8a7b5e0c1f2d3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3"


class Forge:
    """Tokens with chosen header and claim bytes, signed by ``key`` unless told otherwise.

    Tests reach the helpers through the fixture (``forge.b64``…) because importing from
    a conftest is ambiguous when several directories have one.
    """

    now = 1_700_000_000  # the fixed clock every time test uses
    go_header: ClassVar[dict[str, Any]] = {"alg": "ES256", "typ": "JWT"}
    DROP: Any = object()  # a claim value meaning "leave this claim out"

    def __init__(self, key: PrivateKey) -> None:
        self.key = key

    @staticmethod
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    @staticmethod
    def unb64(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    @staticmethod
    def compact(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    @staticmethod
    def high_s(signature: bytes) -> bytes:
        """The other valid signature of the same message: (r, n - s)."""
        s = int.from_bytes(signature[32:], "big")
        return signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big")

    @property
    def iss(self) -> str:
        return "0x" + self.key.public_key.hex()

    def claims(self, **changes: Any) -> dict[str, Any]:
        claims = {"exp": self.now + 3600, "iat": self.now, "iss": self.iss, "sub": "weather"}
        claims["scope"] = "Create"
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not self.DROP}

    def token(
        self,
        claims: dict[str, Any] | bytes | None = None,
        header: dict[str, Any] | bytes | None = None,
        *,
        signature: bytes | None = None,
        key: PrivateKey | None = None,
    ) -> str:
        if claims is None:
            claims = self.claims()
        if header is None:
            header = self.go_header
        header_bytes = header if isinstance(header, bytes) else self.compact(header)
        claims_bytes = claims if isinstance(claims, bytes) else self.compact(claims)
        signing_input = self.b64(header_bytes) + "." + self.b64(claims_bytes)
        if signature is None:
            signature = (key or self.key).sign(signing_input.encode())
        return signing_input + "." + self.b64(signature)


@pytest.fixture(scope="session")
def key() -> PrivateKey:
    """The antenna-go vector key (io187wzp…)."""
    return PrivateKey.from_hex(VECTOR_KEY)


@pytest.fixture(scope="session")
def other_key() -> PrivateKey:
    return PrivateKey.from_hex(OTHER_KEY)


@pytest.fixture(scope="session")
def forge(key: PrivateKey) -> Forge:
    return Forge(key)


@pytest.fixture(scope="session")
def real_tokens() -> dict[str, dict[str, Any]]:
    """The Go-made tokens of real-tokens.json by name (docs-example, antenna-go-test)."""
    return vectors.real_tokens()
