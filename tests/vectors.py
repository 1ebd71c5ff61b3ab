"""The Go-made test vectors (docs/go-ioctl.md §12), kept in the repository under ``tests/data/``.

Where each kind comes from is in ``tests/data/README.md``. The path is resolved from this
file, so the tests find the vectors from any working directory and in any clone.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
VECTORS_FILE = DATA_DIR / "ioctl-vectors.json"
REAL_TOKENS_FILE = DATA_DIR / "real-tokens.json"


@cache
def _all() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(VECTORS_FILE.read_text(encoding="utf-8")))


def vectors(kind: str) -> list[dict[str, Any]]:
    """Every vector of ``kind``; an unknown kind is an error, never an empty test list."""
    found = [v for v in _all() if v["kind"] == kind]
    if not found:
        raise LookupError(f"no vectors of kind {kind!r} in {VECTORS_FILE}")
    return found


def vector(kind: str) -> dict[str, Any]:
    """The single vector of ``kind``."""
    (found,) = vectors(kind)
    return found


@cache
def real_tokens() -> dict[str, dict[str, Any]]:
    """The Go-made tokens of ``real-tokens.json`` by name (docs-example, antenna-go-test)."""
    tokens = json.loads(REAL_TOKENS_FILE.read_text(encoding="utf-8"))["tokens"]
    return {t["name"]: t for t in tokens}


def keystore_text(entry: dict[str, Any]) -> str:
    """A keystore_v3 vector's file content (given as text or as a JSON object)."""
    if "keystore_json_text" in entry:
        return entry["keystore_json_text"]
    return json.dumps(entry["keystore_json"], separators=(",", ":"))


def ids(entries: list[dict[str, Any]], *fields: str) -> list[str]:
    """Readable pytest ids: the first present field of each entry, then its position."""
    out = []
    for i, entry in enumerate(entries):
        label = next((str(entry[f]) for f in fields if entry.get(f) not in (None, "")), "")
        out.append(f"{i}-{label[-48:]}" if label else str(i))
    return out
