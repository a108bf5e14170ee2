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

Optional keys: ``note`` (shown in a last column, e.g. "not installed: pip install x"; a
row with a note and no requests is a peer that could not be measured), ``inflight``, and
``rank`` (when every row of a scenario has one, the table keeps that order instead of
sorting by requests/s: a concurrency sweep reads best in concurrency order).

Micro-benchmarks (a parser, a decoder) are not requests; their rows come from
``make_micro_row`` and carry ``unit``/``value`` instead::

    {"scenario": "parse a response head", "client": "httptools", "unit": "ns/response",
     "value": 850.0, "higher_is_better": False, "extra": {"MB/s": 494.1}}

``extra`` holds further columns, in order; ``higher_is_better`` None means the rows are
not comparable with each other (no "relative" column); ``value`` None (with a note) is a
case that could not be measured.
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

__all__ = [
    "ROOT",
    "Context",
    "Row",
    "is_micro",
    "make_micro_row",
    "make_row",
    "make_skip_row",
    "run_measured",
    "run_python_json",
]

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
        cases: Optional[Sequence[str]] = None,
    ) -> None:
        self.nginx = nginx
        self.duration = duration  # seconds per measured run
        self.connections = connections
        self.client_core = client_core
        self.quick = quick  # a smoke run: shorter and fewer cases
        # Case ids to run within a module (e.g. "raw-socket/sync"); empty means all. Lets a
        # test or a developer run one row without the whole module.
        self.cases = list(cases or [])

    def wants(self, case: str) -> bool:
        return not self.cases or case in self.cases

    def command(self, cmd: Sequence[str]) -> List[str]:
        """``cmd`` pinned to the client core."""
        return pinned(list(cmd), self.client_core)


def make_row(
    scenario: str,
    client: str,
    requests: int,
    seconds: float,
    cpu_seconds: Optional[float],
    note: str = "",
    **extra: Any,
) -> Row:
    row: Row = {
        "scenario": scenario,
        "client": client,
        "requests": int(requests),
        "seconds": round(seconds, 3),
        "req_per_s": round(requests / seconds, 1) if seconds > 0 else 0.0,
        "cpu_us_per_req": (
            round(cpu_seconds / requests * 1e6, 2) if cpu_seconds is not None and requests else None
        ),
    }
    # Only when present, so the rows of modules that use neither stay as they were.
    if note:
        row["note"] = note
    row.update(extra)
    return row


def make_skip_row(scenario: str, client: str, why: str, **extra: Any) -> Row:
    """A peer that could not be measured stays in its table, with the reason."""
    return make_row(scenario, client, 0, 0.0, None, note=why, **extra)


def make_micro_row(
    scenario: str,
    client: str,
    value: Optional[float],
    unit: str,
    *,
    higher_is_better: Optional[bool],
    extra: Optional[Dict[str, Any]] = None,
    note: str = "",
) -> Row:
    row: Row = {
        "scenario": scenario,
        "client": client,
        "unit": unit,
        "value": value,
        "higher_is_better": higher_is_better,
        "extra": dict(extra or {}),
    }
    if note:
        row["note"] = note
    return row


def is_micro(row: Row) -> bool:
    return "unit" in row


def _run(
    cmd: Sequence[str], timeout: float
) -> Tuple[subprocess.CompletedProcess[bytes], float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(list(cmd), capture_output=True, timeout=timeout, check=False, cwd=ROOT)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu


def _last_error_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode(errors="replace").strip().splitlines()
    return err[-1] if err else f"exit status {proc.returncode}"


def run_measured(cmd: Sequence[str], timeout: float) -> Tuple[str, float, float]:
    """Run ``cmd`` to completion; return (stdout, wall seconds, CPU seconds it used).

    The CPU time is the change in RUSAGE_CHILDREN across the run: the rusage of exactly
    the children waited for meanwhile, i.e. this command and whatever it waited for.
    """
    proc, wall, cpu = _run(cmd, timeout)
    if proc.returncode not in (0, 1):
        # (1 is a load generator's "some requests failed": the caller looks at the counts)
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {_last_error_line(proc)}")
    return proc.stdout.decode(errors="replace"), wall, cpu


def run_python_json(ctx: Context, args: Sequence[str], timeout: float) -> Dict[str, Any]:
    """Run ``python ARGS`` on the client core; its last stdout line is a JSON object.

    A Python process that dies of an exception exits 1 too, so with no JSON line the
    error is the last line of its stderr (the exception), which is what a table note needs.
    """
    proc, _, _ = _run(ctx.command([sys.executable, *args]), timeout)
    out = proc.stdout.decode(errors="replace")
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(_last_error_line(proc))
    result: Dict[str, Any] = json.loads(lines[-1])
    return result
