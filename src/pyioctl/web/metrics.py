"""The verifier service's Prometheus metrics: decisions, decision latency, cached tokens,
policy reloads, the revocation store and the build, through ``prometheus_client``.

With several workers, :func:`~pyioctl.web.server.serve` points ``PROMETHEUS_MULTIPROC_DIR``
at a private directory before this module's first metric exists, so every process writes
its values there and a scrape of any worker reports the sum of all (multiprocess mode).

The request path only bumps plain ints: writing a multiprocess value costs a few µs under
a lock, more than a cached decision. The counts are pushed into ``prometheus_client`` a
moment later from the event loop (as the access log is written), and before each scrape.
"""

from __future__ import annotations

import asyncio
import os
from bisect import bisect_left
from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics import MetricWrapperBase

from .. import __version__
from ..policy import Decision, Policy

__all__ = ["BUCKETS", "Metrics", "gauge", "outcome"]

# Decision latency buckets (seconds): cache hits land in the first, signature checks
# around 50-100 µs, so the interesting range is 10 µs .. 10 ms.
BUCKETS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2)

# Gauges other modules register with gauge(): shown by every Metrics, whatever its
# policy. Module-level because a process has one set of them (one revocation store, ...).
_EXTRA: dict[str, Gauge] = {}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def gauge(name: str, documentation: str, mode: str = "livemax") -> Gauge:
    """A gauge shown on ``/metrics``, e.g. ``gauge("revocation_store_up", "...").set(1)``.

    The same name gives the same gauge. ``mode`` says how the values of several workers
    combine (prometheus_client's multiprocess modes): the live maximum by default.
    """
    known = _EXTRA.get(name)
    if known is None:
        # prometheus_client types mode as a Literal of its names; it refuses others itself.
        known = _EXTRA[name] = Gauge(name, documentation, registry=None, multiprocess_mode=mode)  # type: ignore[arg-type]
    return known


def outcome(decision: Decision) -> tuple[str, str]:
    """How the decision counter labels a decision: (allow or deny, reason)."""
    return ("allow" if decision.allowed else "deny", decision.reason)


class Metrics:
    """One process's metrics; :meth:`render` answers a scrape."""

    FLUSH_DELAY = 0.05
    # Gauges (cached tokens, revocation store) also change with no request to carry the
    # news, and a scrape reaches one worker only: every worker refreshes its own this often.
    REFRESH_INTERVAL = 1.0

    def __init__(self, policy: Callable[[], Policy]) -> None:
        # A callable: the policy in force changes on reload.
        self.policy = policy
        self.decisions: dict[tuple[str, str], int] = {}
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.latency_sum = 0.0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        self._decisions = Counter(
            "pyioctl_auth_decisions_total",
            "Authorization decisions by result and reason.",
            ["decision", "reason"],
            registry=None,
        )
        self._latency = Histogram(
            "pyioctl_auth_decision_seconds",
            "Time to decide one request (policy.authorize).",
            buckets=BUCKETS,
            registry=None,
        )
        self._cached = Gauge(
            "pyioctl_auth_cached_tokens",
            "Verified tokens held in the cache (summed over live workers).",
            registry=None,
            multiprocess_mode="livesum",
        )
        self._reloads = Counter(
            "pyioctl_policy_reloads_total",
            "Policy reloads on SIGHUP by result.",
            ["result"],
            registry=None,
        )
        for result in ("ok", "refused"):
            self._reloads.labels(result)
        self._build = Gauge(
            "pyioctl_build_info",
            "The running pyioctl version.",
            ["version"],
            registry=None,
            multiprocess_mode="max",
        )
        self._build.labels(__version__).set(1)
        self._own: list[MetricWrapperBase] = [
            self._decisions,
            self._latency,
            self._cached,
            self._reloads,
            self._build,
        ]

    def observe(self, decision: Decision, seconds: float) -> None:
        self.count(outcome(decision), seconds)

    def count(self, key: tuple[str, str], seconds: float) -> None:
        """:meth:`observe` for a caller that keeps the decision's :func:`outcome`."""
        decisions = self.decisions
        decisions[key] = decisions.get(key, 0) + 1
        self.buckets[bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum += seconds
        if not self._scheduled and self.loop is not None:
            self._scheduled = True
            self.loop.call_later(self.FLUSH_DELAY, self.flush)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._refresh()

    def stop(self) -> None:
        self.loop = None
        self.flush()

    def _refresh(self) -> None:
        if self.loop is not None:
            self.flush()
            self.loop.call_later(self.REFRESH_INTERVAL, self._refresh)

    def reloaded(self, ok: bool) -> None:
        self._reloads.labels("ok" if ok else "refused").inc()

    def flush(self) -> None:
        """Push the counts gathered since the last flush into prometheus_client."""
        self._scheduled = False
        policy = self.policy()
        self._cached.set(policy.cached_tokens)
        up = policy.revoked.store_up
        if up is not None:
            # Any worker that cannot reach Redis makes the service's figure 0.
            gauge(
                "pyioctl_revocation_store_up",
                "Whether the shared revocation store (Redis) answers.",
                "livemin",
            ).set(int(up))
        decisions, self.decisions = self.decisions, {}
        for (result, reason), count in decisions.items():
            self._decisions.labels(result, reason).inc(count)
        if any(self.buckets):
            # Histogram has no "add n to this bucket"; its per-bucket values do.
            for value, count in zip(self._latency._buckets, self.buckets, strict=True):
                if count:
                    value.inc(count)
            self._latency._sum.inc(self.latency_sum)
            self.buckets = [0] * (len(BUCKETS) + 1)
            self.latency_sum = 0.0

    def render(self) -> bytes:
        self.flush()
        registry = CollectorRegistry(auto_describe=True)
        directory = multiprocess_dir()
        if directory is not None:
            # prometheus_client leaves this constructor unannotated.
            multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        else:
            for metric in (*self._own, *_EXTRA.values()):
                registry.register(metric)
        # The answering process's own figures: per-process by nature.
        ProcessCollector(registry=registry)
        return generate_latest(registry)
