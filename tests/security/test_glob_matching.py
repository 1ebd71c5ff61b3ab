"""Route globs match any request path in time linear in its length, whatever the glob.

The class of bug: a backtracking regex built from a glob with several ``**`` (or several
``*`` in one segment) costs n^k on a path that almost matches (``/**/a/**/a/**/b`` took
57 s on 400 segments). Globs now match either by a regex whose shape is linear under
backtracking or by a bit-parallel automaton; these tests hold both to the same answers
and to a time bound that any super-linear matcher blows through by orders of magnitude.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyioctl.policy import Route
from pyioctl.policy.routes import (
    _backtracks_linearly,
    _glob_elements,
    _glob_regex,
    _GlobAutomaton,
)

PIECES = ["a", "b", "/", "*", "**", "?", "/**", "."]
globs = st.lists(st.sampled_from(PIECES), max_size=10).map(lambda parts: "/" + "".join(parts))
short_paths = st.text(alphabet="ab/.", max_size=12).map(lambda text: "/" + text)

# A linear matcher judges 64 KiB in milliseconds; a quadratic one needs minutes.
LONG = 64 * 1024
BOUND = 1.0


@settings(max_examples=400, deadline=None)
@given(globs, st.lists(short_paths, min_size=1, max_size=8))
def test_automaton_and_regex_agree(glob: str, paths: list[str]) -> None:
    # The regex is the definition of the glob language; on short paths it is cheap.
    elements = _glob_elements(glob)
    regex, automaton = _glob_regex(elements), _GlobAutomaton(elements)
    route = Route(glob)
    for path in paths:
        expected = regex.fullmatch(path) is not None
        assert automaton.fullmatch(path) is expected, (glob, path)
        assert route.matches(path) is expected, (glob, path)


def adversarial_paths(glob: str) -> list[str]:
    """Long paths that almost match: the glob's literal text repeated, so every wildcard
    has many places to start, and a last character that spoils the match."""
    literal = "".join(c for c in glob if c not in "*?") or "a"
    unit = literal.strip("/") or "a"
    paths = []
    for body in (unit, unit + "/", "a", "a/", "/"):
        text = "/" + body * (LONG // len(body))
        paths += [text[:LONG] + "!", text[:LONG] + "/!", text[:LONG]]
    return paths


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(globs)
def test_any_glob_matches_in_linear_time(glob: str) -> None:
    route = Route(glob)
    for path in adversarial_paths(glob):
        started = time.perf_counter()
        route.matches(path)
        elapsed = time.perf_counter() - started
        assert elapsed < BOUND, (glob, len(path), elapsed)


def test_the_reported_globs() -> None:
    for glob in ("/**/a/**/a/**/b", "/a*a*a*b", "/**a*b", "/x/**/y*z*"):
        route = Route(glob)
        assert not _backtracks_linearly(glob)
        for path in ("/a" * 20_000 + "/c", "/" + "a" * 40_000 + "c", "/x" + "/ya" * 15_000):
            started = time.perf_counter()
            assert not route.matches(path)
            assert time.perf_counter() - started < BOUND, (glob, len(path))


def test_common_globs_keep_the_regex_fast_path() -> None:
    for glob in ("/weather/**", "/users/*/files/**", "/files/*.txt", "/pkg.Svc/*", "/**"):
        assert _backtracks_linearly(glob), glob
        assert not isinstance(Route(glob)._matcher, _GlobAutomaton)
