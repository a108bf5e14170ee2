"""``fastclient bench`` against the C load generators and pycurl's multi interface.

Same nginx, same pinning (nginx on core 0, each client on core 1), 64 connections:

* HTTP/1.1: wrk (-t1), fastclient bench (-w 1, parsing every response, and with --replay), pycurl
  CurlMulti with 64 handles re-added as they finish (libcurl keeps the connections);
* h2c: h2load (one connection, 64 streams) and fastclient bench --http2 (its engine over
  fastclient's HTTP/2 pool).

    python -m benchmarks.bench_bench            # this module's rows only
    python -m benchmarks                        # the whole suite (see __main__.py)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional

from ._common import Context, Row, make_row, run_measured, run_python_json

__all__ = ["run"]

SCENARIO = "bench GET, {n} connections, HTTP/1.1"
SCENARIO_H2 = "bench GET, {n} streams, h2c"


def _wrk(ctx: Context, scenario: str) -> Optional[Row]:
    if shutil.which("wrk") is None:
        return None
    seconds = max(1, round(ctx.duration))
    out, _, cpu = run_measured(
        ctx.command(["wrk", "-t1", f"-c{ctx.connections}", f"-d{seconds}s", ctx.nginx.http_url]),
        timeout=seconds + 60,
    )
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if not m:
        raise RuntimeError(f"unexpected wrk output: {out!r}")
    elapsed = float(m.group(2)) / (1000.0 if m.group(3) == "ms" else 1.0)
    return make_row(scenario, "wrk (C)", int(m.group(1)), elapsed, cpu)


def _fastclient(ctx: Context, scenario: str, label: str, *extra: str) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.json")
        url = ctx.nginx.h2c_url if "--http2" in extra else ctx.nginx.http_url
        run_measured(
            ctx.command(
                [
                    sys.executable,
                    "-m",
                    "fastclient",
                    "bench",
                    url,
                    "-c",
                    str(ctx.connections),
                    "-w",
                    "1",
                    "-d",
                    f"{ctx.duration:g}s",
                    "--no-progress",
                    "--json",
                    path,
                    *extra,
                ]
            ),
            timeout=ctx.duration + 120,
        )
        with open(path) as f:
            data: Dict[str, Any] = json.load(f)
    if data["errors"]:
        raise RuntimeError(f"{label}: errors {data['errors']} {data['error_samples']}")
    return make_row(scenario, label, data["requests"], data["elapsed_s"], data["cpu_s"])


def _pycurl(ctx: Context, scenario: str) -> Optional[Row]:
    try:
        import pycurl  # noqa: F401
    except ImportError:
        return None
    result = run_python_json(
        ctx,
        [
            "-m",
            "benchmarks.bench_bench",
            "--pycurl",
            ctx.nginx.http_url,
            str(ctx.duration),
            str(ctx.connections),
        ],
        timeout=ctx.duration + 60,
    )
    return make_row(scenario, "pycurl multi", result["requests"], result["seconds"], result["cpu"])


def _h2load(ctx: Context, scenario: str) -> Optional[Row]:
    if shutil.which("h2load") is None:
        return None
    seconds = max(1, round(ctx.duration))
    out, _, cpu = run_measured(
        ctx.command(
            ["h2load", "-t1", "-c1", f"-m{ctx.connections}", "-D", str(seconds), ctx.nginx.h2c_url]
        ),
        timeout=seconds + 60,
    )
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done", out)
    took = re.search(r"finished in ([\d.]+)(m?s)", out)
    if not done or not took:
        raise RuntimeError(f"unexpected h2load output: {out[-300:]!r}")
    elapsed = float(took.group(1)) / (1000.0 if took.group(2) == "ms" else 1.0)
    return make_row(scenario, "h2load (C)", int(done.group(1)), elapsed, cpu)


def run(ctx: Context) -> List[Row]:
    scenario = SCENARIO.format(n=ctx.connections)
    rows: List[Row] = []
    cases: List[Any] = [
        lambda: _wrk(ctx, scenario),
        lambda: _fastclient(ctx, scenario, "fastclient bench"),
        lambda: _pycurl(ctx, scenario),
    ]
    if not ctx.quick:
        cases.append(lambda: _fastclient(ctx, scenario, "fastclient bench --replay", "--replay"))
        h2 = SCENARIO_H2.format(n=ctx.connections)
        cases.append(lambda: _h2load(ctx, h2))
        cases.append(lambda: _fastclient(ctx, h2, "fastclient bench --http2", "--http2"))
    for case in cases:
        try:
            row = case()
        except Exception as exc:  # one broken client must not hide the others' rows
            print(f"   bench_bench: a case failed: {exc}", file=sys.stderr, flush=True)
            continue
        if row is not None:
            rows.append(row)
    return rows


# -- the pycurl multi client, run in its own pinned process -----------------------------


def pycurl_multi(url: str, duration: float, connections: int) -> Dict[str, Any]:
    """Keep ``connections`` transfers in flight on one CurlMulti for ``duration`` s."""
    import pycurl

    multi = pycurl.CurlMulti()
    for _ in range(connections):
        easy = pycurl.Curl()
        easy.setopt(pycurl.URL, url)
        easy.setopt(pycurl.WRITEFUNCTION, len)  # discard the body cheaply
        multi.add_handle(easy)
    done = 0
    in_flight = connections
    cpu0 = time.process_time()
    t0 = time.monotonic()
    stop = t0 + duration
    while in_flight:
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        more = True
        while more:
            queued, ok, failed = multi.info_read()
            more = queued > 0
            for easy in ok:
                done += 1
                multi.remove_handle(easy)
                if time.monotonic() < stop:
                    multi.add_handle(easy)  # libcurl reuses the cached connection
                else:
                    in_flight -= 1
            for easy, _code, _msg in failed:
                multi.remove_handle(easy)
                in_flight -= 1
        if in_flight:
            multi.select(0.1)
    return {"requests": done, "seconds": time.monotonic() - t0, "cpu": time.process_time() - cpu0}


def _main(argv: List[str]) -> int:
    if argv[:1] == ["--pycurl"]:
        url, duration, connections = argv[1], float(argv[2]), int(argv[3])
        print(json.dumps(pycurl_multi(url, duration, connections)))
        return 0
    from ._nginx import Nginx

    with Nginx(core=0) as nginx:
        ctx = Context(nginx, duration=3.0, connections=64, client_core=1, quick=False)
        for row in run(ctx):
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
