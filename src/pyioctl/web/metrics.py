"""The verifier service's Prometheus metrics: decisions, decision latency, cached tokens
and policy reloads."""

from __future__ import annotations

import bisect

from ..policy import Decision, Policy

__all__ = ["BUCKETS", "Metrics"]

# Decision latency buckets (seconds): cache hits land in the first, signature checks
# around 50-100 µs, so the interesting range is 10 µs .. 10 ms.
BUCKETS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2)


class Metrics:
    """Decisions by result and reason, and a histogram of ``authorize`` latency, in
    Prometheus text format. Per process: with several workers each reports its own."""

    def __init__(self) -> None:
        self.decisions: dict[tuple[str, str], int] = {}
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.latency_sum = 0.0
        self.reloads = {"ok": 0, "refused": 0}

    def observe(self, decision: Decision, seconds: float) -> None:
        key = ("allow" if decision.allowed else "deny", decision.reason)
        self.decisions[key] = self.decisions.get(key, 0) + 1
        self.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum += seconds

    def render(self, policy: Policy) -> bytes:
        lines = [
            "# HELP pyioctl_auth_decisions_total Authorization decisions by result and reason.",
            "# TYPE pyioctl_auth_decisions_total counter",
        ]
        for (result, reason), count in sorted(self.decisions.items()):
            lines.append(
                f'pyioctl_auth_decisions_total{{decision="{result}",reason="{reason}"}} {count}'
            )
        lines += [
            "# HELP pyioctl_auth_decision_seconds Time to decide one request (policy.authorize).",
            "# TYPE pyioctl_auth_decision_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip((*BUCKETS, "+Inf"), self.buckets, strict=True):
            cumulative += count
            lines.append(f'pyioctl_auth_decision_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines += [
            f"pyioctl_auth_decision_seconds_sum {self.latency_sum:.9f}",
            f"pyioctl_auth_decision_seconds_count {cumulative}",
            "# HELP pyioctl_auth_cached_tokens Verified tokens held in the cache.",
            "# TYPE pyioctl_auth_cached_tokens gauge",
            f"pyioctl_auth_cached_tokens {policy.cached_tokens}",
            "# HELP pyioctl_policy_reloads_total Policy reloads on SIGHUP by result.",
            "# TYPE pyioctl_policy_reloads_total counter",
        ]
        for result, count in self.reloads.items():
            lines.append(f'pyioctl_policy_reloads_total{{result="{result}"}} {count}')
        return ("\n".join(lines) + "\n").encode()
