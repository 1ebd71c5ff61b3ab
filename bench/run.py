"""``make bench``: every benchmark, then one table of issue 12's goals, met or not.

Each ``bench/bench_*.py`` is a standalone script printing its own markdown tables; they
run one after another (never in parallel, so they do not compete for the two cores) and
each hands its figures to this script through ``--json``. The goals are ratios of figures
from this same run, never absolute times. Every run writes them all to
``bench/results/latest.json`` (not committed) so that runs can be compared; ``--chart``
also draws docs/benchmarks.png (needs the ``bench`` extra: matplotlib).

    python bench/run.py [--chart] [--only jwt,cli,...] [--quick]
    python bench/run.py --chart-from bench/results/latest.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
CHART = HERE.parent / "docs" / "benchmarks.png"
SCRIPTS = ("jwt", "breakdown", "service", "cli", "revocation")
MIB_BOUND = 100


def run_scripts(only: list[str], quick: bool) -> tuple[dict[str, Any], list[str]]:
    figures: dict[str, Any] = {}
    failed = []
    extra = {
        "jwt": ["--rounds", "2"],
        "breakdown": [],
        "service": ["--seconds", "2", "--rounds", "1"],
        "cli": ["--runs", "7", "--unlock-runs", "2"],
        "revocation": ["--rounds", "2"],
    }
    with tempfile.TemporaryDirectory(prefix="pyioctl-bench-") as tmp:
        for name in only:
            script = HERE / f"bench_{name}.py"
            out = Path(tmp, f"{name}.json")
            print(f"\n## {script.stem}\n", flush=True)
            argv = [sys.executable, str(script), "--json", str(out)]
            if name == "cli":
                argv.append("--importtime")
            if quick:
                argv += extra[name]
            if subprocess.run(argv, check=False).returncode:
                failed.append(script.name)
            elif out.exists():  # absent: the script skipped, and said why
                figures[name] = json.loads(out.read_text())
    return figures, failed


def goals(figures: dict[str, Any]) -> list[tuple[str, str, float | None, bool | None]]:
    """(goal, bound, measured ratio, met) for each goal whose figures this run has."""
    rows: list[tuple[str, str, float | None, bool | None]] = []

    def add(goal: str, bound: str, value: float | None, met: bool | None) -> None:
        rows.append((goal, bound, value, met))

    jwt = figures.get("jwt")
    if jwt:
        ratio = jwt["pyioctl"] / jwt["floor"]
        add("`jwt.verify` ÷ libsecp256k1 floor (tokens/s)", "≥ 0.9", ratio, ratio >= 0.9)
        ratio = jwt["pyioctl"] / jwt["pyjwt"]
        add("`jwt.verify` ÷ PyJWT ES256K (tokens/s)", "≥ 7", ratio, ratio >= 7)
        ratio = jwt["pyioctl"] / jwt["pyioctl_list"]
        add("issuers as a plain list: time ÷ `Issuers`", "≤ 1.05", ratio, ratio <= 1.05)
        ratio = jwt["pyioctl"] / jwt["pyioctl_ek"]
        add("EK256K verify time ÷ ES256", "≤ 1.1", ratio, ratio <= 1.1)
    service = figures.get("service")
    if service and "cases" in service:
        cases = service["cases"]
        floor_case = next(v for k, v in cases.items() if k.startswith("(c) "))
        repeated = next(v for k, v in cases.items() if k.startswith("(a) "))
        distinct = next(v for k, v in cases.items() if k.startswith("(b) "))
        ratio = repeated["rps"] / floor_case["rps"]
        add("service (a) repeated token ÷ (c) no-op (req/s)", "≥ 0.9", ratio, ratio >= 0.9)
        if jwt:
            floor_us = 1e6 / jwt["floor"]
            overhead = distinct["cpu_us"] - floor_case["cpu_us"]
            ratio = overhead / floor_us
            add(
                "service (b) distinct: CPU above (c) ÷ one signature check (floor)",
                "≤ 1.25",
                ratio,
                ratio <= 1.25,
            )
            paced = next((v for k, v in cases.items() if k.startswith("(c@b) ")), None)
            if paced is not None:
                ratio = (distinct["cpu_us"] - paced["cpu_us"]) / floor_us
                add(
                    "(not a goal) the same, above (c) paced to (b)'s req/s ÷ floor",
                    "",
                    ratio,
                    None,
                )
    for label, rss in (service or {}).get("rss_mib", {}).items():
        add(f"RSS of one worker, MiB: {label}", f"≤ {MIB_BOUND}", rss, rss <= MIB_BOUND)
    cli = figures.get("cli")
    if cli:
        startup = cli["startup"]
        base = startup["python -c pass"]
        for name, seconds in startup.items():
            if not name.startswith("ioctl "):
                continue
            bound = 6 if "ethaddr" in name else 5
            ratio = seconds / base
            add(f"`{name}` ÷ `python -c pass` (median)", f"≤ {bound}", ratio, ratio <= bound)
        scrypt = cli["scrypt"]
        ratio = scrypt["unlock"] / min(scrypt["pycryptodome"], scrypt["hashlib"])
        add(
            f"`Keystore.unlock` ÷ fastest scrypt ({cli['scrypt_fastest']})",
            "≤ 1.05",
            ratio,
            ratio <= 1.05,
        )
    revocation = figures.get("revocation")
    if revocation:
        ratio = revocation["redis"] / revocation["file"]
        add("revocation: Redis-backed ÷ file, cached request", "≤ 1.05", ratio, ratio <= 1.05)
    return rows


_SHORT = {
    "(a)": "(a) one token, repeated",
    "(b)": "(b) distinct tokens,\ndefault cache",
    "(b')": "(b') distinct tokens,\nall cached",
    "(c)": "(c) no-op /healthz,\nsame request bytes",
    "(c@b)": "(c@b) (c) paced to\n(b)'s req/s",
    "(c0)": "(c0) /healthz, no headers",
}


def chart(figures: dict[str, Any], when: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    jwt = figures.get("jwt", {})
    labels = {
        "floor": "libsecp256k1 verify\n(floor)",
        "recover_floor": "libsecp256k1 recover\n(EK256K floor)",
        "pyioctl": "pyioctl ES256",
        "pyioctl_list": "pyioctl ES256\n(issuer list)",
        "pyioctl_ek": "pyioctl EK256K",
        "pyjwt": "PyJWT ES256K",
        "joserfc": "joserfc ES256K",
    }
    names = [n for n in labels if n in jwt]
    colours = ["#999999" if "floor" in n else "#1f77b4" if "pyioctl" in n else "#ff7f0e"
               for n in names]  # fmt: skip
    ax = axes[0]
    bars = ax.barh([labels[n] for n in names], [jwt[n] for n in names], color=colours)
    ax.bar_label(bars, labels=[f"{jwt[n]:,.0f}" for n in names], padding=3, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("distinct tokens verified per second, one core (higher is better)")
    ax.set_title("Token verification")
    ax.margins(x=0.15)
    cases = figures.get("service", {}).get("cases", {})
    ax = axes[1]
    if cases:
        names = sorted(cases, key=lambda n: n.replace("'", "~").replace("(c0)", "(d)"))
        short = [_SHORT.get(n.split(" ")[0], n) for n in names]
        bars = ax.barh(short, [cases[n]["cpu_us"] for n in names], color="#2ca02c")
        ax.bar_label(bars, labels=[f"{cases[n]['cpu_us']:.0f}" for n in names], padding=3,
                     fontsize=8)  # fmt: skip
        ax.invert_yaxis()
        ax.set_xlabel("service CPU µs per request (lower is better)")
        ax.set_title("Verifier service under wrk")
        ax.margins(x=0.15)
    fig.suptitle(f"pyioctl `make bench`, {when}", fontsize=10)
    fig.tight_layout()
    fig.savefig(CHART, dpi=110)
    print(f"\nchart: {CHART.relative_to(HERE.parent)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chart", action="store_true", help="draw docs/benchmarks.png")
    parser.add_argument("--only", default=",".join(SCRIPTS), help="comma-separated scripts")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a rough look)")
    parser.add_argument("--chart-from", type=Path, help="only redraw the chart from a results file")
    args = parser.parse_args()
    if args.chart_from:
        saved = json.loads(args.chart_from.read_text())
        chart(saved["figures"], saved["when"])
        return 0
    only = [name for name in args.only.split(",") if name]
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    figures, failed = run_scripts(only, args.quick)
    rows = goals(figures)
    print(f"\n## Summary: issue 12's goals, {when}\n")
    print("| goal | bound | measured | |")
    print("|---|---:|---:|---|")
    for goal, bound, value, met in rows:
        shown = "" if value is None else f"{value:.2f}"
        verdict = "" if met is None else "met" if met else "**not met**"
        print(f"| {goal} | {bound} | {shown} | {verdict} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": when,
                "command": " ".join(["python", "bench/run.py", *sys.argv[1:]]),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "figures": figures,
                "goals": [{"goal": g, "bound": b, "measured": v, "met": m} for g, b, v, m in rows],
            },
            indent=1,
        )
        + "\n"
    )
    print(f"\nfigures: {RESULTS.relative_to(HERE.parent)}")
    if args.chart:
        try:
            chart(figures, when)
        except ImportError:
            print("no chart: pip install '.[bench]' (matplotlib)", file=sys.stderr)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
