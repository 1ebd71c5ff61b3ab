"""The shared test vectors (spec §12), found relative to the repository.

The vectors live in ``shared/vectors/ioctl-vectors.json`` *beside* the repository (CI
clones the repository somewhere else with ``shared/`` next to it), so the path is always
resolved from this file: ``<repo>/tests/vectors.py`` → ``<repo>/../shared/vectors``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
VECTORS_FILE = SHARED_DIR / "vectors" / "ioctl-vectors.json"


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
