"""A policy file is YAML from an operator (or whoever can write it): every refusal is a
PolicyError, never RecursionError or anything else, and reload keeps a clear reason."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl.policy import PolicyError, policy_from_yaml

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = """\
issuers:
  - io187wzp08vnhjjpkydnr97qlh8kh0dpkkytfam8j
routes:
  - path: /weather/**
    subject: weather
  - path: /iotexapi.APIService/*
    subject: iotex-api
    scopes: {GET: Read, DELETE: null}
default: deny
leeway: 30s
require_exp: true
max_lifetime: 30d
cache_size: 100
"""
INSERTS = st.one_of(
    st.sampled_from(
        [
            "[" * 3000,
            "[" * 100 + "]" * 100,
            "{a: " * 80,
            "- " * 200,
            "&a [*a]",
            "*x",
            "!!python/object:os.system",
            "!!binary ===",
            "9" * 5000,
            "2001-99-99",
            "\x00",
            "\t",
            "\n  ",
            "'",
            '"\\',
            "1e999",
            ": :",
        ]
    ),
    st.text(max_size=8),
)


@st.composite
def mutated_policies(draw) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        text = text[:at] + draw(INSERTS) + text[at + cut :]
    return text


@SETTINGS
@given(text=mutated_policies())
def test_mutated_policies_only_raise_policy_errors(text: str, tmp_path_factory) -> None:
    with contextlib.suppress(PolicyError):
        policy_from_yaml(text, base_dir=tmp_path_factory.getbasetemp())


@pytest.mark.parametrize(
    "text",
    [
        "leeway: " + "[" * 2000 + "]" * 2000,  # RecursionError in PyYAML's composer
        "issuers:\n" + "".join("  " * i + "- \n" for i in range(1, 300)),
        "routes: " + "{a: " * 500,
    ],
)
def test_deep_policy_is_a_policy_error_with_a_line(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_yaml(text)
    assert info.value.line is not None


def test_oversized_policy_is_refused() -> None:
    with pytest.raises(PolicyError, match="larger than"):
        policy_from_yaml("issuers: [a]\n#" + "x" * (2 << 20))
