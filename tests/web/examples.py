"""Access to the runnable examples in docs/examples, which the tests run as they are."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

from pyioctl import jwt
from pyioctl.keys import PrivateKey

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
POLICY = EXAMPLES / "policy.yaml"
# The example account the docs' policy trusts; its key is public (go-ioctl.md §3.1 example).
EXAMPLE_KEY = PrivateKey.from_hex(
    "0806c458b262edd333a191e92f561aff338211ee3e18ab315a074a2d82aa343f"
)


def example_token(sub: str = "weather", scope: str = "Read", exp_in: int = 3600) -> str:
    now = int(time.time())
    return jwt.sign(EXAMPLE_KEY, sub=sub, scope=scope, exp=now + exp_in, iat=now - 1)


def load_example(name: str) -> ModuleType:
    path = EXAMPLES / name
    spec = importlib.util.spec_from_file_location(f"docs_example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
