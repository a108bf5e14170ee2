"""The slower engine for what the protocol engine does not speak (``--http2``): the load
driven through ``fastclient.AsyncClient``, one coroutine per concurrent request slot.

It keeps the same model and bookkeeping as the protocol engine: a closed loop by default,
an open one with latency from the intended start under ``rate``, errors counted by
exception class, every attempt counted against ``requests``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Optional

from .plan import Outcome, Plan

__all__ = ["async_client_class", "run_client_plan"]

ProgressCallback = Callable[[int, int, int], None]
_perf_ns = time.perf_counter_ns


def async_client_class() -> Any:
    """fastclient.AsyncClient, or None in a build that lacks it."""
    import fastclient

    cls = getattr(fastclient, "AsyncClient", None)
    if cls is None:
        try:
            from .._async_client import AsyncClient as cls
        except ImportError:
            return None
    return cls


class _ClientRun:
    """Duck-types the part of engine.Run that workers use: ``stop(interrupted)``."""

    def __init__(self, plan: Plan, loop: asyncio.AbstractEventLoop) -> None:
        self.plan = plan
        self.loop = loop
        self.outcome = Outcome()
        self.outcome.engine = "AsyncClient"
        self.remaining = plan.requests if plan.requests is not None else -1
        self.period = int(1e9 / plan.rate) if plan.rate else 0
        self.t0 = 0
        self.issued = 0
        self.stopping = False
        self.tasks: list[asyncio.Task[None]] = []

    def stop(self, interrupted: bool = False) -> None:
        if interrupted:
            self.outcome.interrupted = True
        self.stopping = True
        for task in self.tasks:
            task.cancel()

    def take(self) -> Optional[int]:
        """The start time (ns) of the next request, or None when the run is over."""
        if self.stopping or self.remaining == 0:
            return None
        if self.remaining > 0:
            self.remaining -= 1
        if not self.period:
            return _perf_ns()
        intended = self.t0 + self.issued * self.period
        self.issued += 1
        return intended

    async def slot(self, client: Any) -> None:
        plan = self.plan
        out = self.outcome
        h = out.histogram
        headers = [(n, v) for n, v in plan.headers]
        method = plan.method.decode("ascii")
        content = plan.body or None
        while True:
            start = self.take()
            if start is None:
                return
            wait = (start - _perf_ns()) / 1e9
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                response = await client.request(
                    method, plan.url, headers=headers, content=content
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # counted by class, never shown as a traceback
                out.add_error(exc)
                continue
            h.record(_perf_ns() - start)
            out.requests += 1
            out.responses += 1
            code = int(response.status_code)
            out.statuses[code] = out.statuses.get(code, 0) + 1
            out.bytes_read += len(response.content)


def run_client_plan(
    plan: Plan,
    loop: asyncio.AbstractEventLoop,
    progress: Optional[ProgressCallback],
    on_start: Optional[Callable[[Any], None]],
) -> Outcome:
    run = _ClientRun(plan, loop)
    if on_start is not None:
        on_start(run)

    async def main() -> None:
        client_class = async_client_class()
        assert client_class is not None
        from .._config import Limits

        limits = Limits(
            max_connections=plan.connections, max_keepalive_connections=plan.connections
        )
        async with client_class(
            http1=not plan.http2,
            http2=plan.http2,
            verify=not plan.insecure,
            timeout=plan.timeout,
            limits=limits,
        ) as client:
            run.t0 = _perf_ns()
            run.tasks = [loop.create_task(run.slot(client)) for _ in range(plan.connections)]
            ticker = loop.create_task(_ticks(run, progress)) if progress else None
            if plan.duration is not None:
                loop.call_later(plan.duration, run.stop)
            await asyncio.gather(*run.tasks, return_exceptions=True)
            if ticker is not None:
                ticker.cancel()

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    loop.run_until_complete(main())
    run.outcome.elapsed = time.perf_counter() - t0
    run.outcome.cpu = time.process_time() - cpu0
    return run.outcome


async def _ticks(run: _ClientRun, progress: ProgressCallback) -> None:
    out = run.outcome
    while True:
        await asyncio.sleep(run.plan.progress_interval)
        progress(out.requests, out.error_count, out.bytes_read)
