"""The engine for ``--http2``: fastclient's own HTTP/2 pool, one coroutine per request slot.

The HTTP/1.1 engine (engine.py) speaks the protocol itself; HTTP/2 needs streams, flow
control and HPACK, which fastclient's transport has, so this engine drives the
transport's connection pool directly: the request is prepared once (every request of a
run is the same) and each slot asks the pool for a stream, reads the body and closes
it. No Request or Response objects are built per request: what is measured is the
transport, as the HTTP/1.1 engine measures the protocol core, not the httpx-style model
layer. The request carries the same headers as the HTTP/1.1 engine's (request.py).

It keeps the same model and bookkeeping as the HTTP/1.1 engine: a closed loop by default,
an open one with latency from the intended start under ``rate``, errors counted by
exception class, every attempt counted against ``requests``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Optional, Tuple

from .plan import Outcome, Plan
from .request import request_headers

__all__ = ["run_h2_plan"]

ProgressCallback = Callable[[int, int, int], None]
_perf_ns = time.perf_counter_ns
ENGINE = "HTTP/2 pool"


class _H2Run:
    """Duck-types the part of engine.Run that workers use: ``stop(interrupted)``."""

    def __init__(self, plan: Plan, loop: asyncio.AbstractEventLoop) -> None:
        self.plan = plan
        self.loop = loop
        self.outcome = Outcome()
        self.outcome.engine = ENGINE
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

    async def slot(self, pool: Any, prepared: Any, timeouts: Tuple[Any, ...]) -> None:
        out = self.outcome
        h = out.histogram
        request = pool.request
        origin, method, body = prepared.origin, prepared.method, prepared.body
        extensions: dict[str, Any] = {}
        while True:
            start = self.take()
            if start is None:
                return
            wait = (start - _perf_ns()) / 1e9
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                head, stream, _ = await request(
                    origin, method, None, body, False, timeouts, extensions, prepared
                )
                whole = stream._take_whole()
                if whole is not None:
                    # Arrived with its head (its stream is free already): no iteration.
                    got = len(whole[0]) if len(whole) == 1 else sum(map(len, whole))
                else:
                    got = 0
                    try:
                        async for chunk in stream:
                            got += len(chunk)
                    finally:
                        await stream.aclose()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # counted by class, never shown as a traceback
                out.add_error(exc)
                continue
            h.record(_perf_ns() - start)
            out.requests += 1
            out.responses += 1
            code = head.status_code
            out.statuses[code] = out.statuses.get(code, 0) + 1
            out.bytes_read += got


def _prepare(plan: Plan) -> Tuple[Any, Any, Tuple[Any, ...]]:
    """(transport, the prepared request, the pool's timeouts) for ``plan``."""
    from .._config import Limits, Timeout
    from .._models import Request
    from .._transports.default import AsyncHTTPTransport, _Prepared, _timeouts
    from .._urls import URL

    url = URL(plan.url)
    method = plan.method.decode("ascii")
    body = plan.body or None
    given = [(name, value) for name, value in plan.headers]  # (pairs, as pickled: lists)
    headers = request_headers(url.netloc.decode("ascii"), method, given, body)
    request = Request(method, url, headers=headers, content=body)
    limits = Limits(max_connections=plan.connections, max_keepalive_connections=plan.connections)
    # HTTP/2 only, as --http2 asks: h2 by ALPN over TLS, prior knowledge on http://.
    transport = AsyncHTTPTransport(http1=False, http2=True, verify=not plan.insecure, limits=limits)
    prepared = _Prepared(request, None, lazy_head=True)
    return transport, prepared, _timeouts({"timeout": Timeout(plan.timeout).as_dict()})


def run_h2_plan(
    plan: Plan,
    loop: asyncio.AbstractEventLoop,
    progress: Optional[ProgressCallback],
    on_start: Optional[Callable[[Any], None]],
) -> Outcome:
    run = _H2Run(plan, loop)
    if on_start is not None:
        on_start(run)

    async def main() -> None:
        transport, prepared, timeouts = _prepare(plan)
        try:
            run.t0 = _perf_ns()
            run.tasks = [
                loop.create_task(run.slot(transport.pool, prepared, timeouts))
                for _ in range(plan.connections)
            ]
            ticker = loop.create_task(_ticks(run, progress)) if progress else None
            if plan.duration is not None:
                loop.call_later(plan.duration, run.stop)
            await asyncio.gather(*run.tasks, return_exceptions=True)
            if ticker is not None:
                ticker.cancel()
        finally:
            await transport.aclose()

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    loop.run_until_complete(main())
    run.outcome.elapsed = time.perf_counter() - t0
    run.outcome.cpu = time.process_time() - cpu0
    return run.outcome


async def _ticks(run: _H2Run, progress: ProgressCallback) -> None:
    out = run.outcome
    while True:
        await asyncio.sleep(run.plan.progress_interval)
        progress(out.requests, out.error_count, out.bytes_read)
