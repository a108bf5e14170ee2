"""The small interface every ``benchmarks/bench_*.py`` scenario module follows.

A scenario module defines::

    def run(ctx: Context) -> list[Row]

and ``python -m benchmarks`` calls it with the shared nginx already running. Each row is
one client measured on one scenario::

    {"scenario": "bench 64 conns", "client": "wrk", "requests": 540000, "seconds": 3.0,
     "req_per_s": 180000.0, "cpu_us_per_req": 5.5}

``cpu_us_per_req`` is the client's own CPU time (user + system) per request, or None when
it cannot be measured. Helpers here run a client pinned to the client core and measure
what it used, so that every module counts the same way.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._nginx import Nginx, pinned

__all__ = ["ROOT", "Context", "Row", "make_row", "run_measured", "run_python_json"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

Row = Dict[str, Any]


class Context:
    """What a scenario gets: the servers, the run length and the cores to use."""

    def __init__(
        self,
        nginx: Nginx,
        *,
        duration: float,
        connections: int,
        client_core: Optional[int],
        quick: bool,
    ) -> None:
        self.nginx = nginx
        self.duration = duration  # seconds per measured run
        self.connections = connections
        self.client_core = client_core
        self.quick = quick  # a smoke run: shorter and fewer cases

    def command(self, cmd: Sequence[str]) -> List[str]:
        """``cmd`` pinned to the client core."""
        return pinned(list(cmd), self.client_core)


def make_row(
    scenario: str, client: str, requests: int, seconds: float, cpu_seconds: Optional[float]
) -> Row:
    return {
        "scenario": scenario,
        "client": client,
        "requests": int(requests),
        "seconds": round(seconds, 3),
        "req_per_s": round(requests / seconds, 1) if seconds > 0 else 0.0,
        "cpu_us_per_req": (
            round(cpu_seconds / requests * 1e6, 2) if cpu_seconds is not None and requests else None
        ),
    }


def run_measured(cmd: Sequence[str], timeout: float) -> Tuple[str, float, float]:
    """Run ``cmd`` to completion; return (stdout, wall seconds, CPU seconds it used).

    The CPU time is the change in RUSAGE_CHILDREN across the run: the rusage of exactly
    the children waited for meanwhile, i.e. this command and whatever it waited for.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(
        list(cmd), capture_output=True, timeout=timeout, check=False, cwd=ROOT
    )
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        # (1 is a load generator's "some requests failed": the caller looks at the counts)
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-1] if err else ''}")
    return proc.stdout.decode(errors="replace"), wall, cpu


def run_python_json(ctx: Context, args: Sequence[str], timeout: float) -> Dict[str, Any]:
    """Run ``python ARGS`` on the client core; its last stdout line is a JSON object."""
    out, _, _ = run_measured(ctx.command([sys.executable, *args]), timeout)
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError("no JSON result line in the output")
    result: Dict[str, Any] = json.loads(lines[-1])
    return result
