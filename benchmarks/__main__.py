"""The side-by-side suite in one command: ``python -m benchmarks``.

Starts one nginx (worker_processes 1, pinned to core 0), runs every scenario module
``benchmarks/bench_*.py`` that defines ``run(ctx) -> rows`` (see _common.py) with its
clients pinned to core 1, and writes to the output directory (default benchmarks/results):

* ``results.md``   a markdown table per scenario, headed by the machine and the date,
                   ready to paste into the README;
* ``results.png``  requests/s and CPU microseconds per request for each client (matplotlib);
* ``results.json`` every row, for later comparison.

    python -m benchmarks [--quick] [--duration S] [--only bench,transport] [--out DIR]

A module that has no ``run`` (a stand-alone script) or fails is listed as skipped with the
reason; the others still run.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import sys
import traceback
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._common import Context, Row  # noqa: E402
from benchmarks._nginx import Nginx, nginx_available  # noqa: E402

HERE = os.path.join(ROOT, "benchmarks")


def discover(only: List[str]) -> List[str]:
    names = sorted(
        f[:-3] for f in os.listdir(HERE) if f.startswith("bench_") and f.endswith(".py")
    )
    if only:
        names = [n for n in names if n[len("bench_"):] in only or n in only]
    return names


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = os.cpu_count() or 1
    from fastclient.__main__ import version_text

    return (
        f"{cpu}, {cores} cores, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}; {version_text()}"
    )


def markdown(rows: List[Row], header: str, skipped: List[Tuple[str, str]]) -> str:
    out = [header, ""]
    scenarios: Dict[str, List[Row]] = {}
    for row in rows:
        scenarios.setdefault(row["scenario"], []).append(row)
    for scenario, group in scenarios.items():
        best = max(r["req_per_s"] for r in group) or 1.0
        out += [
            f"**{scenario}**",
            "",
            "| client | requests/s | relative | CPU µs/request | requests | seconds |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in sorted(group, key=lambda r: -r["req_per_s"]):
            cpu = "-" if r["cpu_us_per_req"] is None else f"{r['cpu_us_per_req']:.1f}"
            out.append(
                f"| {r['client']} | {r['req_per_s']:,.0f} | {r['req_per_s'] / best:.0%}"
                f" | {cpu} | {r['requests']:,} | {r['seconds']:.2f} |"
            )
        out.append("")
    for name, why in skipped:
        out.append(f"- skipped `{name}`: {why}")
    return "\n".join(out).rstrip() + "\n"


def plot(rows: List[Row], path: str, title: str) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install fastclient[bench])"
    labels = [f"{r['client']}\n{r['scenario']}" for r in rows]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(13, 0.45 * len(rows) + 1.8), sharey=True, constrained_layout=True
    )
    ys = list(range(len(rows)))[::-1]
    colors = ["#d62728" if r["client"].startswith("fastclient") else "#7f7f7f" for r in rows]
    ax1.barh(ys, [r["req_per_s"] for r in rows], color=colors)
    ax1.set_xlabel("requests/s (higher is better)")
    ax1.set_yticks(ys)
    ax1.set_yticklabels(labels, fontsize=7)
    cpu = [r["cpu_us_per_req"] or 0.0 for r in rows]
    ax2.barh(ys, cpu, color=colors)
    ax2.set_xlabel("client CPU µs per request (lower is better)")
    for ax in (ax1, ax2):
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="short runs, fewer cases (smoke)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", default="", help="comma-separated scenario modules")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args(argv)
    if not nginx_available():
        print("benchmarks: nginx is not installed (Debian: apt-get install nginx)")
        return 1
    duration = args.duration if args.duration is not None else (1.0 if args.quick else 3.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    server_core, client_core = (0, 1) if cores > 1 else (None, None)
    os.makedirs(args.out, exist_ok=True)
    rows: List[Row] = []
    skipped: List[Tuple[str, str]] = []
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    with Nginx(core=server_core) as nginx:
        ctx = Context(nginx, duration=duration, connections=args.connections,
                      client_core=client_core, quick=args.quick)
        for name in discover(only):
            try:
                module: Any = importlib.import_module(f"benchmarks.{name}")
            except Exception as exc:  # a broken module must not stop the suite
                skipped.append((name, f"import failed: {type(exc).__name__}: {exc}"))
                continue
            if not callable(getattr(module, "run", None)):
                skipped.append((name, "no run(ctx) function (a stand-alone script)"))
                continue
            print(f"== {name}", flush=True)
            try:
                got = module.run(ctx)
            except Exception as exc:
                traceback.print_exc()
                skipped.append((name, f"failed: {type(exc).__name__}: {exc}"))
                continue
            for row in got:
                print(
                    f"   {row['client']:<34} {row['req_per_s']:>11,.0f} req/s"
                    f"  {row['cpu_us_per_req'] or float('nan'):>7.1f} CPU µs/req"
                    f"  ({row['scenario']})",
                    flush=True,
                )
            rows.extend(got)
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    pinning = (
        f"nginx on core {server_core}, each client on core {client_core}"
        if client_core is not None else "no pinning (one core)"
    )
    header = (
        f"Measured {when} on {machine()}.\n\n"
        f"nginx 1 worker; {pinning}; {args.connections} connections; {duration:g} s per run."
    )
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(rows, header, skipped))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"measured": when, "machine": machine(), "rows": rows}, f, indent=1)
    problem = plot(rows, os.path.join(args.out, "results.png"), f"fastclient benchmarks, {when}")
    if problem:
        print(f"benchmarks: no plot: {problem}")
    print(f"benchmarks: wrote {args.out}/results.md, results.json"
          + ("" if problem else ", results.png"))
    for name, why in skipped:
        print(f"benchmarks: skipped {name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
