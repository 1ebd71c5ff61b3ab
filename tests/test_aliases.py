"""Alias rules and the export/import formats (go-ioctl.md §6)."""

from __future__ import annotations

import json

import pytest
import yaml

from helpers import OTHER_IO, OTHER_IO_2, VECTOR_IO
from pyioctl import aliases
from pyioctl.errors import ConfigError
from vectors import vector

EXPORT = vector("alias_export")
VECTOR_ALIASES = dict(EXPORT["aliases_in_order"])


def test_alias_export_vector_json() -> None:
    assert aliases.export_json(VECTOR_ALIASES) == EXPORT["json"]


def test_alias_export_vector_yaml() -> None:
    assert aliases.export_yaml(VECTOR_ALIASES) == EXPORT["yaml"]


def test_alias_export_vector_empty() -> None:
    assert aliases.export_json({}) == EXPORT["empty_json"]
    assert aliases.export_yaml({}) == EXPORT["empty_yaml"]


def test_export_is_sorted_whatever_the_insertion_order() -> None:
    reversed_order = dict(reversed(list(VECTOR_ALIASES.items())))
    assert aliases.export_json(reversed_order) == EXPORT["json"]
    assert aliases.export_yaml(reversed_order) == EXPORT["yaml"]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_vector_documents_import(fmt: str) -> None:
    expected = [tuple(entry) for entry in EXPORT["aliases_in_order"]]
    assert aliases.parse_export(EXPORT[fmt], fmt) == expected
    assert aliases.parse_export(EXPORT[f"empty_{fmt}"], fmt) == []


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip_of_awkward_names(fmt: str) -> None:
    names = {"yes": VECTOR_IO, "a: b": OTHER_IO, "#x": OTHER_IO_2}
    export = aliases.export_json(names) if fmt == "json" else aliases.export_yaml(names)
    assert dict(aliases.parse_export(export, fmt)) == names


def test_yaml_export_is_what_yaml_reads() -> None:
    loaded = yaml.safe_load(EXPORT["yaml"])
    assert loaded == {"aliases": [{"name": n, "address": a} for n, a in EXPORT["aliases_in_order"]]}


def test_sorted_items_is_byte_order() -> None:
    items = aliases.sorted_items({"é": "1", "b": "2", "B": "3", "a": "4", "\udcff": "5"})
    assert [n for n, _ in items] == ["B", "a", "b", "é", "\udcff"]


def test_bind_keeps_one_alias_per_address() -> None:
    table = {"old": VECTOR_IO, "keep": OTHER_IO, "also_old": VECTOR_IO}
    aliases.bind(table, "new", VECTOR_IO)
    assert table == {"keep": OTHER_IO, "new": VECTOR_IO}
    aliases.bind(table, "keep", VECTOR_IO)  # rebinding a name moves it
    assert table == {"keep": VECTOR_IO}


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        ("", "json", "failed to unmarshal imported aliases"),
        ("{", "json", "failed to unmarshal imported aliases"),
        ("[]", "json", "expected an object with an aliases list"),
        ("null", "json", "expected an object with an aliases list"),
        ('{"aliases": {}}', "json", "expected an object with an aliases list"),
        ('{"other": []}', "json", "expected an object with an aliases list"),
        ('{"aliases": [1]}', "json", "alias entry 1: name and address must be strings"),
        ('{"aliases": [{"name": "a"}]}', "json", "alias entry 1: name and address"),
        ("aliases: [", "yaml", "failed to unmarshal imported aliases"),
        ("- a", "yaml", "expected an object with an aliases list"),
        ("aliases: [{name: 1, address: 2}]", "yaml", "name and address must be strings"),
        ("aliases: {a: b}", "yaml", "expected an object with an aliases list"),
    ],
)
def test_parse_errors(data: str, fmt: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        aliases.parse_export(data, fmt)
    assert str(info.value).count("\n") == 0


def test_every_entry_is_validated_before_anything_is_returned() -> None:
    entries = [
        {"name": "good", "address": VECTOR_IO},
        {"name": "bad", "address": VECTOR_IO[:-1] + "k"},
    ]
    with pytest.raises(ConfigError, match=r"alias entry 2 \(bad\): invalid IoTeX address"):
        aliases.parse_export(json.dumps({"aliases": entries}), "json")
    long_name = [{"name": "n" * 41, "address": VECTOR_IO}]
    with pytest.raises(ConfigError, match="more than 40 characters"):
        aliases.parse_export(json.dumps({"aliases": long_name}), "json")


def test_special_addresses_are_valid_alias_targets() -> None:
    data = json.dumps(
        {"aliases": [{"name": "s", "address": "io000000000000000000000000stakingprotocol"}]}
    )
    assert aliases.parse_export(data, "json") == [
        ("s", "io000000000000000000000000stakingprotocol")
    ]


@pytest.mark.parametrize(
    ("alias", "ok"),
    [("a" * 40, True), ("a" * 41, False), ("中" * 13, True), ("中" * 14, False), ("", True),
     ("\udcff" * 40, True), ("\udcff" * 41, False)],
)  # fmt: skip
def test_alias_is_at_most_40_bytes(alias: str, ok: bool) -> None:
    if ok:
        aliases.check_alias(alias)
    else:
        with pytest.raises(ConfigError, match="invalid long alias that is more than 40 characters"):
            aliases.check_alias(alias)


def test_new_alias_names_what_it_names_now() -> None:
    names = {"alice": OTHER_IO}
    assert aliases.check_new_alias(names, "alice") == OTHER_IO
    assert aliases.check_new_alias(names, "bob") is None
    with pytest.raises(ConfigError, match="invalid long alias"):
        aliases.check_new_alias(names, "a" * 41)
