"""The side-by-side suite in one command: ``python -m benchmarks``.

Starts one nginx (worker_processes 1, pinned to core 0), runs every scenario module
``benchmarks/bench_*.py`` that defines ``run(ctx) -> rows`` (see _common.py) with its
clients pinned to core 1, and writes to the output directory (default benchmarks/results):

* ``results.md``   a markdown table per scenario, headed by the machine and the date,
                   ready to paste into the README;
* ``results.png``  requests/s and CPU microseconds per request for each client (matplotlib);
* ``results.json`` every row, for later comparison.

    python -m benchmarks [--quick] [--duration S] [--only bench,transport] [--out DIR]
                         [--cases raw-socket/sync,...]

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

from benchmarks._common import Context, Row, is_micro  # noqa: E402
from benchmarks._nginx import Nginx, nginx_available  # noqa: E402

HERE = os.path.join(ROOT, "benchmarks")


def discover(only: List[str]) -> List[str]:
    names = sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("bench_") and f.endswith(".py"))
    if only:
        names = [n for n in names if n[len("bench_") :] in only or n in only]
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
    return (
        f"{cpu}, {cores} cores, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}; {_fastclient_version()}"
    )


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # (not available on every platform)
        return "unknown"


def _fastclient_version() -> str:
    """What ``fastclient --version`` prints (compiled or pure, how many modules)."""
    try:
        from fastclient._main import version_text
    except ImportError:  # the CLI module moved: the bare version still says which build
        import fastclient

        return f"fastclient {fastclient.__version__}"
    return str(version_text())


def _num(value: Any) -> str:
    """A table number at a precision that stays readable from 0.5 to 500,000."""
    if not isinstance(value, (int, float)):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _request_table(group: List[Row]) -> List[str]:
    measured = [r for r in group if r["requests"]]
    best = max((r["req_per_s"] for r in measured), default=0.0) or 1.0
    notes = any(r.get("note") for r in group)
    # Rows that are the median of several runs carry the runs' range of requests/s.
    ranges = any("range" in r for r in group)
    if all("rank" in r for r in group):
        ordered = sorted(group, key=lambda r: r["rank"])
    else:
        ordered = sorted(group, key=lambda r: -r["req_per_s"])
    out = [
        "| client | requests/s | relative | CPU µs/request | requests | seconds |"
        + (" runs' requests/s |" if ranges else "")
        + (" note |" if notes else ""),
        "| --- | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: |" if ranges else "")
        + (" --- |" if notes else ""),
    ]
    for r in ordered:
        if r["requests"]:
            cpu = "-" if r["cpu_us_per_req"] is None else f"{r['cpu_us_per_req']:.1f}"
            line = (
                f"| {r['client']} | {r['req_per_s']:,.0f} | {r['req_per_s'] / best:.0%}"
                f" | {cpu} | {r['requests']:,} | {r['seconds']:.2f} |"
            )
        else:  # a peer that could not be measured: its note says why
            line = f"| {r['client']} | - | - | - | - | - |"
        if ranges:
            line += f" {r.get('range', '-')} |"
        out.append(line + (f" {r.get('note', '')} |" if notes else ""))
    return out


def _micro_table(group: List[Row]) -> List[str]:
    higher = group[0]["higher_is_better"]
    extras: List[str] = []
    for r in group:
        extras += [k for k in r["extra"] if k not in extras]
    notes = any(r.get("note") for r in group)
    values = [r["value"] for r in group if r["value"] is not None]
    relative = higher is not None and bool(values)
    if relative:
        best = (max if higher else min)(values) or 1.0
        # Fastest first; rows without a value (not measured) last.
        group = sorted(
            group,
            key=lambda r: (
                r["value"] is None,
                0.0 if r["value"] is None else (-1 if higher else 1) * r["value"],
            ),
        )
    cols = ["case", group[0]["unit"], *extras] + (["relative"] if relative else [])
    cols += ["note"] if notes else []
    out = [
        "| " + " | ".join(cols) + " |",
        "| --- |" + " ---: |" * (len(cols) - (2 if notes else 1)) + (" --- |" if notes else ""),
    ]
    for r in group:
        value = r["value"]
        cells = [r["client"], "-" if value is None else _num(value)]
        cells += [_num(r["extra"][k]) if k in r["extra"] else "-" for k in extras]
        if relative:
            share = None if value is None else (value / best if higher else best / value)
            cells.append("-" if share is None else f"{share:.0%}")
        if notes:
            cells.append(r.get("note", ""))
        out.append("| " + " | ".join(cells) + " |")
    return out


def markdown(rows: List[Row], header: str, skipped: List[Tuple[str, str]]) -> str:
    """One table per scenario, in the order the scenarios were first met.

    Request rows: "relative" is the share of the fastest row's requests/s. Micro rows
    (a parser, a decoder): their unit heads the value column, "relative" is the share of
    the best row's speed.
    """
    out = [header, ""]
    scenarios: Dict[str, List[Row]] = {}
    for row in rows:
        scenarios.setdefault(row["scenario"], []).append(row)
    for scenario, group in scenarios.items():
        table = _micro_table(group) if is_micro(group[0]) else _request_table(group)
        out += [f"**{scenario}**", "", *table, ""]
    for name, why in skipped:
        out.append(f"- skipped `{name}`: {why}")
    return "\n".join(out).rstrip() + "\n"


def _color(client: str) -> str:
    """fastclient red, the floors (what Python itself costs) blue, peers grey."""
    if client.startswith("fastclient"):
        return "#d62728"
    return "#1f77b4" if client.startswith("floor") else "#7f7f7f"


def plot(rows: List[Row], path: str, title: str) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install fastclient[bench])"
    # Only measured request rows: micro-benchmark units are not requests, and a peer that
    # could not run has no bar to draw.
    rows = [r for r in rows if not is_micro(r) and r["requests"]]
    if not rows:
        return "no request rows to plot"
    labels = [f"{r['client']}\n{r['scenario']}" for r in rows]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(13, 0.45 * len(rows) + 1.8), sharey=True, constrained_layout=True
    )
    ys = list(range(len(rows)))[::-1]
    colors = [_color(r["client"]) for r in rows]
    ax1.barh(ys, [r["req_per_s"] for r in rows], color=colors)
    ax1.set_xlabel("requests/s (higher is better)")
    ax1.set_yticks(ys)
    ax1.set_yticklabels(labels, fontsize=7)
    # Log scale: the slowest peers spend 100x the CPU of the fastest, which on a linear
    # axis flattens every other bar to nothing. (No bar where the CPU was not measured.)
    cpu = [r["cpu_us_per_req"] or float("nan") for r in rows]
    ax2.barh(ys, cpu, color=colors)
    ax2.set_xscale("log")
    ax2.set_xlabel("client CPU µs per request (lower is better, log scale)")
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
    parser.add_argument(
        "--cases",
        default="",
        help="comma-separated case ids within the modules (e.g. raw-socket/sync)",
    )
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
    load_before = _load()
    with Nginx(core=server_core) as nginx:
        cases = [x.strip() for x in args.cases.split(",") if x.strip()]
        ctx = Context(
            nginx,
            duration=duration,
            connections=args.connections,
            client_core=client_core,
            quick=args.quick,
            cases=cases,
        )
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
                if is_micro(row):
                    value = "-" if row["value"] is None else _num(row["value"])
                    what = f"{value:>11} {row['unit']}"
                elif row["requests"]:
                    what = (
                        f"{row['req_per_s']:>11,.0f} req/s"
                        f"  {row['cpu_us_per_req'] or float('nan'):>7.1f} CPU µs/req"
                    )
                else:
                    what = f"{'-':>11} ({row.get('note', '')})"
                print(f"   {row['client']:<40} {what}  ({row['scenario']})", flush=True)
            rows.extend(got)
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    pinning = (
        f"nginx on core {server_core}, each client on core {client_core}"
        if client_core is not None
        else "no pinning (one core)"
    )
    header = (
        f"Measured {when} on {machine()}.\n\n"
        f"nginx 1 worker; {pinning}; {args.connections} connections; {duration:g} s per run."
        f" Load average (1 min) {load_before} before the run, {_load()} after: other work on"
        " the same cores slows the server or the client, so compare CPU µs/request first."
    )
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(rows, header, skipped))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"measured": when, "machine": machine(), "rows": rows}, f, indent=1)
    problem = plot(rows, os.path.join(args.out, "results.png"), f"fastclient benchmarks, {when}")
    if problem:
        print(f"benchmarks: no plot: {problem}")
    print(
        f"benchmarks: wrote {args.out}/results.md, results.json"
        + ("" if problem else ", results.png")
    )
    for name, why in skipped:
        print(f"benchmarks: skipped {name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
