"""HTTP/1.1 GET against nginx, client by client: fastclient at three levels and its peers.

    python -m benchmarks --only transport            # inside the suite (see __main__.py)
    python benchmarks/bench_transport.py [--quick] [--cases raw-socket/sync,...]

Three tables:

* **async, N in flight** (N = ``--connections``, 64 by default): ``await client.get(url)``
  from N workers on N keep-alive connections: fastclient's AsyncClient, and under it its
  AsyncHTTPTransport and its bare pool, each on asyncio and on uvloop; httpx, httpx2,
  aiohttp (uvloop), pyreqwest and pycurl's CurlMulti; and the floor, a raw asyncio.Protocol
  that counts responses by size (asyncio and uvloop).
* **sync, sequential**: ``client.get(url)`` in a loop on one connection: fastclient's
  Client, HTTPTransport and pool; httpx, httpx2, pyreqwest, pycurl; the floor is a raw
  blocking-socket loop.
* **concurrency sweep**: fastclient's AsyncClient at 16, 64, 256 and 512 in flight, to
  show that throughput holds as concurrency grows (no per-request scan of the pool), each
  beside the raw-Protocol floor at the same concurrency on the same loop.

Each row is one process pinned to the client core, measured over a fixed window after a
warm-up (see _clients.py). A peer that is not installed or fails keeps its row, with the
reason in the note column.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a file: make the ``benchmarks`` package importable
    sys.path.insert(0, ROOT)

from benchmarks._clients import CASES, Meter, run_async  # noqa: E402
from benchmarks._common import Context, Row, make_row, make_skip_row, run_python_json  # noqa: E402

__all__ = ["SWEEP", "fastclient_pool", "median_row", "run"]

ASYNC = "HTTP/1.1 GET, {n} in flight (async)"
SYNC = "HTTP/1.1 GET, sequential on one connection (sync)"
SWEEP_SCENARIO = "fastclient AsyncClient.get: concurrency sweep"
SWEEP = (16, 64, 256, 512)

# (case id, label, pip name): the order in which the cases run.
ASYNC_CASES: Tuple[Tuple[str, str, str], ...] = (
    ("raw-protocol/asyncio", "floor: raw asyncio.Protocol (asyncio)", ""),
    ("raw-protocol/uvloop", "floor: raw asyncio.Protocol (uvloop)", "uvloop"),
    ("fastclient-client/asyncio", "fastclient AsyncClient.get (asyncio)", ""),
    ("fastclient-client/uvloop", "fastclient AsyncClient.get (uvloop)", "uvloop"),
    ("fastclient-transport/asyncio", "fastclient AsyncHTTPTransport (asyncio)", ""),
    ("fastclient-transport/uvloop", "fastclient AsyncHTTPTransport (uvloop)", "uvloop"),
    ("fastclient-pool/asyncio", "fastclient pool, no models (asyncio)", ""),
    ("fastclient-pool/uvloop", "fastclient pool, no models (uvloop)", "uvloop"),
    ("httpx/asyncio", "httpx AsyncClient.get (asyncio)", "httpx"),
    ("httpx2/asyncio", "httpx2 AsyncClient.get (asyncio)", "httpx2"),
    ("aiohttp/uvloop", "aiohttp ClientSession.get (uvloop)", "aiohttp"),
    ("pyreqwest/asyncio", "pyreqwest Client (Rust; asyncio)", "pyreqwest"),
    ("pycurl-multi", "pycurl CurlMulti (libcurl)", "pycurl"),
)
SYNC_CASES: Tuple[Tuple[str, str, str], ...] = (
    ("raw-socket/sync", "floor: raw socket loop", ""),
    ("fastclient-client/sync", "fastclient Client.get", ""),
    ("fastclient-transport/sync", "fastclient HTTPTransport", ""),
    ("fastclient-pool/sync", "fastclient pool, no models", ""),
    ("httpx/sync", "httpx Client.get", "httpx"),
    ("httpx2/sync", "httpx2 Client.get", "httpx2"),
    ("pyreqwest/sync", "pyreqwest SyncClient (Rust)", "pyreqwest"),
    ("pycurl-easy/sync", "pycurl Curl.perform (libcurl)", "pycurl"),
)
# The sweep runs on uvloop (the loop a throughput-minded user picks) and, in a full run,
# on asyncio too; ``--cases sweep/uvloop`` selects one.
SWEEP_CASES = ("fastclient-client/uvloop", "fastclient-client/asyncio")


def _missing(case: str) -> Optional[str]:
    module = CASES[case][2]
    for needed in {module, "uvloop" if case.endswith("/uvloop") else module}:
        if importlib.util.find_spec(needed) is None:
            return needed
    return None


def _one(
    ctx: Context,
    scenario: str,
    case: str,
    label: str,
    pip_name: str,
    inflight: int,
    **extra: Any,
) -> Row:
    extra["inflight"] = inflight
    missing = _missing(case)
    if missing is not None:
        return make_skip_row(
            scenario, label, f"not installed (pip install {pip_name or missing})", **extra
        )
    warmup = 0.3 if ctx.quick else 1.0
    args = [
        "-m",
        "benchmarks._clients",
        case,
        ctx.nginx.http_url,
        "--duration",
        f"{ctx.duration:g}",
        "--warmup",
        f"{warmup:g}",
        "--inflight",
        str(inflight),
    ]
    try:
        # The timeout bounds a hung client: warm-up, window, drain and start-up with room.
        r = run_python_json(ctx, args, timeout=ctx.duration + warmup + 60)
    except Exception as exc:  # one broken peer must not hide the other rows
        why = str(exc).strip() or type(exc).__name__
        print(f"   bench_transport: {case} failed: {why}", file=sys.stderr, flush=True)
        return make_skip_row(scenario, label, f"failed: {why[:120]}", **extra)
    return make_row(scenario, label, r["requests"], r["seconds"], r["cpu"], **extra)


Job = Tuple[str, str, str, str, int, Dict[str, Any]]  # scenario, case, label, pip, n, extra


def _jobs(ctx: Context, runs: int) -> List[Job]:
    n = ctx.connections
    tag = f"; median of {runs} runs" if runs > 1 else ""
    jobs: List[Job] = []
    for case, label, pip_name in ASYNC_CASES:
        if ctx.wants(case):
            jobs.append((ASYNC.format(n=n) + tag, case, label, pip_name, n, {}))
    for case, label, pip_name in SYNC_CASES:
        if ctx.wants(case):
            jobs.append((SYNC + tag, case, label, pip_name, 1, {}))
    rank = 0
    for case in SWEEP_CASES[:1] if ctx.quick else SWEEP_CASES:
        loop = case.rsplit("/", 1)[1]
        if not ctx.wants(f"sweep/{loop}"):
            continue
        for inflight in SWEEP:
            # The floor at the same concurrency: the event loop's own cost grows with the
            # number of sockets (asyncio's more than uvloop's), and the sweep should show
            # how much of a fall is the loop's and how much the client's.
            floor = f"raw-protocol/{loop}"
            label = f"floor: raw asyncio.Protocol ({loop}), {inflight} in flight"
            jobs.append((SWEEP_SCENARIO + tag, floor, label, "", inflight, {"rank": rank}))
            rank += 1
            label = f"fastclient AsyncClient.get ({loop}), {inflight} in flight"
            jobs.append((SWEEP_SCENARIO + tag, case, label, "", inflight, {"rank": rank}))
            rank += 1
    return jobs


def run(ctx: Context) -> List[Row]:
    """Every case once in a quick run; in a full run, all cases three times, and the
    median run (by requests/s) is the row, with the range of the three beside it.

    The passes are minutes apart, so a burst of other work on a shared machine (a test
    suite on the server's core, say) rarely spoils more than one run of the same client,
    and the median ignores that one whichever way it went (a best-of would keep a lucky
    run, and the clients with the widest spread would gain most). Each pass runs the
    cases in the same order so no client is always measured right after another.
    """
    runs = 1 if ctx.quick else 3
    jobs = _jobs(ctx, runs)
    results: List[List[Row]] = [[] for _ in jobs]
    for _ in range(runs):
        for i, (scenario, case, label, pip_name, inflight, extra) in enumerate(jobs):
            results[i].append(_one(ctx, scenario, case, label, pip_name, inflight, **extra))
    return [median_row(rows) for rows in results]


def median_row(rows: List[Row]) -> Row:
    """The median of the measured runs (the lower middle one of an even count), with
    their range of requests/s; a failed run (no requests) counts only if all failed."""
    measured = sorted((r for r in rows if r["requests"]), key=lambda r: r["req_per_s"])
    if not measured:
        return rows[-1]
    row = dict(measured[(len(measured) - 1) // 2])
    if len(rows) > 1:
        low, high = measured[0]["req_per_s"], measured[-1]["req_per_s"]
        row["range"] = f"{low:,.0f} to {high:,.0f}"
        if len(measured) < len(rows):
            row["range"] += f" ({len(rows) - len(measured)} failed)"
    return row


def fastclient_pool(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """fastclient's asyncio pool for ``duration`` s; returns the requests completed.

    Kept with this signature for bench_http2.py (its HTTP/2 : HTTP/1.1 ratio), which
    times the call itself, so there is no warm-up window here.
    """
    from benchmarks._clients import fastclient_pool as case

    meter = Meter(0.0, duration)
    run_async(case, loop_kind, f"http://127.0.0.1:{port}/", inflight, meter, 0.0, duration)
    return meter.done


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 s runs, a shorter sweep")
    parser.add_argument("--duration", type=float, default=None, help="seconds per run")
    parser.add_argument("--connections", type=int, default=64, help="in flight (async)")
    parser.add_argument("--cases", default="", help="comma-separated case ids (see _clients)")
    args = parser.parse_args(argv)
    from benchmarks.__main__ import markdown
    from benchmarks._nginx import Nginx

    duration = args.duration if args.duration is not None else (1.0 if args.quick else 3.0)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    two = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) > 1
    with Nginx(core=0 if two else None) as nginx:
        ctx = Context(
            nginx,
            duration=duration,
            connections=args.connections,
            client_core=1 if two else None,
            quick=args.quick,
            cases=cases,
        )
        rows = run(ctx)
    print(markdown(rows, f"{duration:g} s per run, nginx on core 0, clients on core 1.", []))
    return 0


if __name__ == "__main__":
    sys.exit(main())
