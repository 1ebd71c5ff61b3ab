"""Alias rules and the ``alias export``/``import`` formats (go-ioctl.md §6).

Aliases live in config.default's ``aliases`` map. ``alias set`` and ``alias import`` keep
one alias per address; the export formats are Go's compact JSON and yaml.v2 text.
"""

from __future__ import annotations

from typing import Any

from . import gojson, untrusted
from .address import is_valid
from .errors import ConfigError
from .gocompat import byte_length, go_bytes
from .goyaml import scalar

MAX_ALIAS_BYTES = 40


def check_alias(alias: str) -> None:
    """ioctl's only alias rule: at most 40 bytes of UTF-8."""
    if byte_length(alias) > MAX_ALIAS_BYTES:
        raise ConfigError(
            "invalid long alias that is more than 40 characters", code="invalid_alias"
        )


def check_new_alias(aliases: dict[str, str], name: str) -> str | None:
    """Check ``name`` before it names a new account; returns the address it names now, if any."""
    check_alias(name)
    return aliases.get(name)


def sorted_items(aliases: dict[str, str]) -> list[tuple[str, str]]:
    """Aliases by name in byte order (Go sorts map keys as bytes)."""
    return sorted(aliases.items(), key=lambda kv: go_bytes(kv[0]))


def bind(aliases: dict[str, str], name: str, address: str) -> None:
    """Point ``name`` at ``address``, dropping any other alias of that address."""
    for other in [n for n, a in aliases.items() if a == address]:
        del aliases[other]
    aliases[name] = address


def export_json(aliases: dict[str, str]) -> str:
    entries = [{"name": n, "address": a} for n, a in sorted_items(aliases)]
    return gojson.dumps({"aliases": entries or None})


def export_yaml(aliases: dict[str, str]) -> str:
    if not aliases:
        return "aliases: []\n"
    lines = ["aliases:"]
    for name, address in sorted_items(aliases):
        lines += [f"- name: {scalar(name)}", f"  address: {scalar(address)}"]
    return "\n".join(lines) + "\n"


def parse_export(data: str, fmt: str) -> list[tuple[str, str]]:
    """Entries of an export document, each validated (Go ioctl checks none of them)."""
    try:
        document: Any = untrusted.load_json(data) if fmt == "json" else untrusted.load_yaml(data)
    except untrusted.UntrustedInputError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"failed to unmarshal imported aliases: {first}", code="bad_aliases"
        ) from None
    entries = document.get("aliases") if isinstance(document, dict) else None
    if entries is None and isinstance(document, dict) and "aliases" in document:
        entries = []
    if not isinstance(entries, list):
        raise ConfigError(
            "failed to unmarshal imported aliases: expected an object with an aliases list",
            code="bad_aliases",
        )
    parsed = []
    for position, entry in enumerate(entries, 1):
        name = entry.get("name") if isinstance(entry, dict) else None
        address = entry.get("address") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(address, str):
            raise ConfigError(
                f"alias entry {position}: name and address must be strings", code="bad_aliases"
            )
        check_alias(name)
        if not is_valid(address):
            raise ConfigError(
                f"alias entry {position} ({name}): invalid IoTeX address", code="bad_aliases"
            )
        parsed.append((name, address))
    return parsed
