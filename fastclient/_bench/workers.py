"""Running a plan in this process or in several worker processes, and merging the results.

One worker runs in this process (no start-up cost, simplest to profile). Several run as
``spawn``-ed processes (the same on every OS, and no fork of a process that may hold
threads), each with its share of the connections, requests and rate. They report progress
and their final Outcome over a pipe; the histograms are added bucket by bucket, so the
merged percentiles are exactly those of one histogram holding every value.

The start is synchronised: each worker sets up, says "ready", and waits for "go", so the
workers' measuring windows coincide and the merged rate is not diluted by start-up skew.

Stopping: SIGINT (Ctrl-C) reaches every process of the foreground group; each worker ends
its run and still sends what it measured. A SIGINT sent to this process alone is passed on
as a "stop" message.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from .plan import Outcome, Plan

__all__ = ["run_in_process", "run_workers", "split_plan"]

# (requests, errors, bytes_read) so far, summed over the workers
ProgressSink = Callable[[int, int, int], None]


def split_plan(plan: Plan, workers: int) -> List[Plan]:
    """Cut ``plan`` into ``workers`` shares (connections, requests and rate)."""
    workers = max(1, min(workers, plan.connections))
    shares = []
    for i in range(workers):
        conns = plan.connections // workers + (1 if i < plan.connections % workers else 0)
        reqs = None
        if plan.requests is not None:
            reqs = plan.requests // workers + (1 if i < plan.requests % workers else 0)
        rate = plan.rate * conns / plan.connections if plan.rate else None
        share = plan.share(conns, reqs, rate)
        if reqs != 0:
            shares.append(share)
    return shares


def run_in_process(plan: Plan, progress: Optional[ProgressSink]) -> Outcome:
    """Run ``plan`` on an event loop in this process; SIGINT ends it with a report."""
    from .engine import new_event_loop, run_plan

    loop = new_event_loop()
    runs: List[Any] = []

    def on_start(run: Any) -> None:
        runs.append(run)
        try:
            loop.add_signal_handler(signal.SIGINT, run.stop, True)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signal support: Ctrl-C is then KeyboardInterrupt

    try:
        return run_plan(plan, loop, progress, on_start)
    finally:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        loop.close()


def _worker_main(plan: Plan, conn: multiprocessing.connection.Connection) -> None:
    """Entry point of a worker process (must be importable for ``spawn``)."""
    # Until the loop installs its own handler, a Ctrl-C must not kill the worker silently.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from .engine import new_event_loop, run_plan

        loop = new_event_loop()
        conn.send(("ready", None))
        if conn.recv() != "go":
            return

        def progress(requests: int, errors: int, nbytes: int) -> None:
            conn.send(("tick", (requests, errors, nbytes)))

        def on_start(run: Any) -> None:
            loop.add_signal_handler(signal.SIGINT, run.stop, True)

            def on_message() -> None:
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    msg = "stop"
                if msg == "stop":
                    loop.remove_reader(conn.fileno())
                    run.stop(True)

            loop.add_reader(conn.fileno(), on_message)

        outcome = run_plan(plan, loop, progress, on_start)
        try:
            loop.remove_reader(conn.fileno())
        except (ValueError, OSError):
            pass
        loop.close()
        conn.send(("done", outcome.to_wire()))
    except BaseException as exc:  # reported to the parent, which prints one line
        try:
            conn.send(("fail", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


class WorkerFailure(Exception):
    """A worker process died or raised; the message says which and why."""


def run_workers(
    plans: List[Plan], progress: Optional[ProgressSink], start_timeout: float = 60.0
) -> Tuple[Outcome, List[str]]:
    """Run each plan in its own process; return the merged outcome and any failures."""
    ctx = multiprocessing.get_context("spawn")
    procs: List[Any] = []
    pipes: List[multiprocessing.connection.Connection] = []
    interrupted = False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal interrupted
        interrupted = True
        for p in pipes:
            try:
                p.send("stop")
            except (OSError, ValueError):
                pass

    previous = signal.signal(signal.SIGINT, on_sigint)
    failures: List[str] = []
    results: Dict[int, Outcome] = {}
    ticks: Dict[int, Tuple[int, int, int]] = {}
    try:
        for plan in plans:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(plan, child), daemon=True)
            proc.start()
            child.close()
            procs.append(proc)
            pipes.append(parent)
        # Wait until every worker is ready, then start them together.
        deadline = time.monotonic() + start_timeout
        for i, pipe in enumerate(pipes):
            while not pipe.poll(0.1):
                if interrupted or time.monotonic() > deadline or not procs[i].is_alive():
                    break
            if interrupted:
                break
            if not pipe.poll(0):
                failures.append(f"worker {i} did not start")
                continue
            msg = pipe.recv()
            if msg[0] != "ready":
                failures.append(f"worker {i}: {msg[1]}")
        for pipe in pipes:
            try:
                pipe.send("stop" if interrupted or failures else "go")
            except (OSError, ValueError):
                pass
        live = {pipe: i for i, pipe in enumerate(pipes)}
        while live:
            for ready in multiprocessing.connection.wait(list(live), timeout=0.25):
                assert isinstance(ready, multiprocessing.connection.Connection)
                i = live[ready]
                try:
                    kind, payload = ready.recv()
                except (EOFError, OSError):
                    if i not in results:
                        failures.append(f"worker {i} exited without a result")
                    del live[ready]
                    continue
                if kind == "tick":
                    ticks[i] = payload
                    if progress is not None:
                        sums = [sum(t[k] for t in ticks.values()) for k in range(3)]
                        progress(sums[0], sums[1], sums[2])
                elif kind == "done":
                    results[i] = Outcome.from_wire(payload)
                    del live[ready]
                elif kind == "fail":
                    failures.append(f"worker {i} failed: {payload}")
                    del live[ready]
    finally:
        signal.signal(signal.SIGINT, previous)
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        for pipe in pipes:
            pipe.close()
    merged = Outcome()
    for i in sorted(results):
        merged.merge(results[i])
    merged.workers = len(results)
    merged.interrupted = merged.interrupted or interrupted
    return merged, failures
