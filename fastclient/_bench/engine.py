"""The load loop: one asyncio.Protocol per connection, fastclient's HTTP/1.1 parser, no
coroutine per request.

Theory of operation
-------------------
Per-core throughput is what a load generator is judged by, so the per-request path is as
short as it can be: ``data_received`` feeds the bytes to the sans-IO ``ResponseParser``;
when it reports the response complete, the latency goes into the histogram's bucket list
and the same pre-serialised request bytes are written again, all inside that one callback.
Coroutines are used only to open connections, which happens once per connection (or after
an error, or when the server asks to close).

Closed model (default): each connection sends its next request as soon as the previous
response is complete. Open model (``rate``): the k-th request of this worker is *intended*
to start at ``t0 + k / rate``. A connection that becomes free takes the oldest intended
start that is due and sends it, or waits in ``idle`` for the pacer timer. Latency is
measured from the intended start, not from the moment the request could actually be
written, so when the server stalls and every connection is stuck, the requests that should
have been sent meanwhile are charged with the wait: coordinated omission corrected as wrk2
does.

Deadlines: no timer per request. A sweep every ``timeout / 4`` (at most 0.25 s) aborts
connections whose request has been outstanding for longer than ``timeout``.

Errors are counted by fastclient exception class (ConnectError, ConnectTimeout, ReadError,
ReadTimeout, WriteError, RemoteProtocolError); the connection is dropped and a new one
opened after a short backoff, so a flapping server never turns into a busy loop. Every
failed attempt counts against ``requests``, so a bounded run ends however the server
behaves.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections import deque
from typing import Any, Callable, Deque, List, Optional, cast

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WriteError,
)
from .._protocol.events import EndOfMessage, ResponseHead
from .histogram import MAX_VALUE, N_BUCKETS, SUB_BITS
from .plan import Outcome, Plan

__all__ = ["Run", "new_event_loop", "run_plan"]

_LINEAR = 1 << SUB_BITS
_HALF = _LINEAR >> 1
_perf_ns = time.perf_counter_ns
# Reconnect backoff after consecutive failed connection attempts: 5 ms doubling to 250 ms,
# so a refusing host does not turn the run into a busy loop. A server that accepts and then
# fails (reset, garbage) gets no backoff: each attempt there is a real request.
_BACKOFF_FIRST = 0.005
_BACKOFF_MAX = 0.25
# Open model: a request may go out this much before its intended start (about the event
# loop's timer resolution), so that the pacer does not spin or oversleep.
_EARLY_NS = 1_000_000

ProgressCallback = Callable[[int, int, int], None]  # (requests, errors, bytes_read)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (about twice the per-core throughput), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def _parser_class() -> Any:
    """The active twin's ResponseParser (compiled unless FASTCLIENT_NO_EXTENSIONS)."""
    from .. import _impl

    return _impl.load("fastclient._protocol._http11").ResponseParser


class _Connection(asyncio.Protocol):
    """One keep-alive connection of the load; its callbacks are the hot loop."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.parser = run.parser_class()
        self.transport: Optional[asyncio.Transport] = None
        self.busy = False  # a request is outstanding
        self.start = 0  # its (intended) start, ns
        self.sent = 0  # when it was actually written, ns (for the deadline sweep)
        self.got_bytes = False  # any byte of the current response received
        self.status = 0  # status code of the current response, once its head is parsed
        self.dropped = False  # we closed it on purpose: connection_lost has nothing to do
        # The parser has had start_response() and no byte since: the state in which the
        # run's replay memo applies (see Run.replay).
        self.armed = False

    # -- asyncio callbacks ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (uvloop's transports are not registered as asyncio.Transport subclasses)
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def data_received(self, data: bytes) -> None:
        run = self.run
        run.bytes_read += len(data)
        if not self.busy:
            # Bytes nobody asked for: a server that talks out of turn.
            self._fail(RemoteProtocolError("received data while no request was outstanding"))
            return
        self.got_bytes = True
        if self.armed:
            if data == run.replay:
                # The very bytes the parser accepted from this same state before: the
                # parser is deterministic, so the outcome is the same (and the parser,
                # fed nothing, stays armed for the next request).
                self.status = run.replay_status
                self._complete()
                return
            self.armed = False
            first = True
        else:
            first = False
        parser = self.parser
        try:
            events = parser.feed(data)
        except Exception as exc:  # counted by class: a load test never shows a traceback
            self._fail(exc)
            return
        for event in events:
            if type(event) is ResponseHead:
                self.status = event.status_code
        if parser.complete:
            if first and run.replay_ok and parser.keep_alive and type(events[-1]) is EndOfMessage:
                # One whole response in one read from a fresh state, exactly consumed (left
                # over bytes would have cleared keep_alive): remember it for replay.
                run.replay = data
                run.replay_status = self.status
            self._complete()

    def eof_received(self) -> Optional[bool]:
        return False  # close the transport; connection_lost decides what it meant

    def connection_lost(self, exc: Optional[Exception]) -> None:
        run = self.run
        if self.dropped or run.stopping:
            return
        self.dropped = True
        run.conns.discard(self)
        if self.busy:
            error: Optional[Exception] = None
            if isinstance(exc, BrokenPipeError):
                error = WriteError(str(exc) or type(exc).__name__)
            elif exc is not None:
                error = ReadError(str(exc) or type(exc).__name__)
            elif not self.got_bytes:
                error = RemoteProtocolError("Server disconnected without sending a response.")
            else:
                try:
                    events = self.parser.feed_eof()
                except Exception as err:
                    error = err
                else:
                    for event in events or ():
                        if type(event) is ResponseHead:
                            self.status = event.status_code
                    if self.parser.complete:
                        # A response delimited by the end of the connection: a success
                        # (_complete sees ``dropped`` and opens a replacement itself).
                        self._complete()
                        return
                    error = RemoteProtocolError("Server disconnected mid-response.")
            if error is not None:
                self.busy = False
                run.outcome.add_error(error)
        elif self in run.idle:
            run.idle.remove(self)
        run.reopen()

    # -- the hot path --------------------------------------------------------------------

    def send(self, start: int, now: int) -> None:
        run = self.run
        self.start = start
        self.sent = now
        self.busy = True
        self.got_bytes = False
        if not self.armed:
            self.parser.start_response(run.method)
            self.armed = True
        transport = self.transport
        assert transport is not None
        transport.write(run.request)

    def _complete(self) -> None:
        run = self.run
        now = _perf_ns()
        value = now - self.start
        # Inline of Histogram.record: a method call per request costs several percent.
        if value < _LINEAR:
            if value < 0:
                value = 0
            run.counts[value] += 1
        else:
            if value > MAX_VALUE:
                value = MAX_VALUE
                run.outcome.histogram.clamped += 1
            k = value.bit_length() - SUB_BITS
            run.counts[_LINEAR + (k - 1) * _HALF + (value >> k) - _HALF] += 1
        run.lat_sum += value
        if value > run.lat_max:
            run.lat_max = value
        if value < run.lat_min:
            run.lat_min = value
        run.responses += 1
        status = self.status
        run.status_counts[status] = run.status_counts.get(status, 0) + 1
        self.busy = False
        if self.dropped or not self.parser.keep_alive:
            self._drop()
            run.reopen()
            return
        remaining = run.remaining
        if remaining == 0 or run.stopping:
            self._retire()
            return
        if run.period:
            run.next_for(self, now)
            return
        if remaining > 0:
            run.remaining = remaining - 1
        self.start = now
        self.sent = now
        self.busy = True
        self.got_bytes = False
        if not self.armed:
            self.parser.start_response(run.method)
            self.armed = True
        transport = self.transport
        assert transport is not None
        transport.write(run.request)

    # -- leaving -------------------------------------------------------------------------

    def _fail(self, exc: Exception) -> None:
        run = self.run
        if self.busy:
            self.busy = False
            run.outcome.add_error(exc)
        self._drop()
        run.reopen()

    def _drop(self) -> None:
        """Forget this connection and close it (its connection_lost will find it gone)."""
        self.run.conns.discard(self)
        self.dropped = True
        if self.transport is not None:
            self.transport.abort()

    def _retire(self) -> None:
        """No more work for this connection: close it and tell the run."""
        self._drop()
        self.run.retired_one()


class Run:
    """The state one worker's connections share, and the bookkeeping around them."""

    def __init__(
        self,
        plan: Plan,
        loop: asyncio.AbstractEventLoop,
        progress: Optional[ProgressCallback] = None,
    ) -> None:
        self.plan = plan
        self.loop = loop
        self.progress = progress
        self.parser_class = _parser_class()
        # Replay memo: the last response that completed in one read from a fresh parser
        # (see _Connection.data_received). Benchmarked servers repeat themselves, so most
        # responses are recognised with one bytes comparison instead of a parse.
        self.replay_ok = plan.replay
        self.replay: Optional[bytes] = None
        self.replay_status = 0
        self.method = plan.method
        self.request = plan.request
        self.ssl: Optional[ssl.SSLContext] = None
        if plan.tls:
            from .._config import create_ssl_context

            self.ssl = create_ssl_context(verify=not plan.insecure)
        self.outcome = Outcome()
        self.outcome.engine = "protocol"
        # Hot counters live here as plain attributes; the Outcome is filled at the end.
        self.counts: List[int] = self.outcome.histogram.counts
        self.lat_sum = 0
        self.lat_min = MAX_VALUE
        self.lat_max = 0
        self.responses = 0
        self.status_counts: dict[int, int] = {}
        self.bytes_read = 0
        # -1: unbounded; otherwise requests still to be started by this worker.
        self.remaining = plan.requests if plan.requests is not None else -1
        self.period = int(1e9 / plan.rate) if plan.rate else 0
        self.t0 = 0
        self.issued = 0  # open model: intended starts handed out so far
        # Open model: connections waiting for a start, longest-waiting first. FIFO, not
        # LIFO: a stack would keep serving from the same few connections while the one
        # at its bottom idled until the server's keep-alive timeout closed it (5 s on
        # uvicorn), racing the next request sent on it; and ``-c N`` means N loaded.
        self.idle: Deque[_Connection] = deque()
        self.pacer: Optional[asyncio.TimerHandle] = None
        self.conns: set[_Connection] = set()
        self.opening = 0  # connect attempts in flight
        self.alive = plan.connections  # slots not yet retired
        self.consecutive_failures = 0
        self.stopping = False
        self.finished: asyncio.Future[None] = loop.create_future()
        # One handle each (deadline, sweep, progress), re-armed in place: no list to grow.
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        self.t0 = _perf_ns()
        for _ in range(self.plan.connections):
            self._spawn_open(0.0)
        if self.plan.duration is not None:
            self.timers["deadline"] = self.loop.call_later(self.plan.duration, self.stop)
        self._arm_sweep()
        if self.progress is not None:
            self._arm_progress()

    def stop(self, interrupted: bool = False) -> None:
        """End the run now: in-flight requests are abandoned (not counted)."""
        if interrupted:
            self.outcome.interrupted = True
        if self.stopping:
            return
        self.stopping = True
        for timer in self.timers.values():
            timer.cancel()
        if self.pacer is not None:
            self.pacer.cancel()
        for conn in list(self.conns):
            if conn.transport is not None:
                conn.transport.abort()
        self.conns.clear()
        for task in list(self.tasks):
            task.cancel()
        if not self.finished.done():
            self.finished.set_result(None)

    def retired_one(self) -> None:
        self.alive -= 1
        if self.alive <= 0:
            self.stop()

    def collect(self, elapsed: float) -> Outcome:
        out = self.outcome
        out.responses = self.responses
        out.requests += self.responses  # errors were added as they happened
        out.bytes_read = self.bytes_read
        out.statuses = dict(self.status_counts)
        h = out.histogram
        h.total = self.responses
        h.sum = self.lat_sum
        h.min = self.lat_min
        h.max = self.lat_max
        out.elapsed = elapsed
        return out

    # -- connections ---------------------------------------------------------------------

    def reopen(self) -> None:
        """A connection was lost: open another in its place, unless the run is over."""
        if self.stopping:
            return
        if self.remaining == 0:
            self.retired_one()
            return
        delay = 0.0
        if self.consecutive_failures:
            delay = min(_BACKOFF_MAX, _BACKOFF_FIRST * 2 ** min(self.consecutive_failures, 10))
        self._spawn_open(delay)

    def _spawn_open(self, delay: float) -> None:
        task = self.loop.create_task(self._open(delay))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _open(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        plan = self.plan
        conn = _Connection(self)
        self.opening += 1
        try:
            await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: conn,
                    plan.host,
                    plan.port,
                    ssl=self.ssl,
                    server_hostname=plan.host if self.ssl is not None else None,
                ),
                plan.timeout,
            )
        except asyncio.CancelledError:
            raise
        except (asyncio.TimeoutError, TimeoutError):
            self._connect_failed(ConnectTimeout(f"no connection within {plan.timeout:g} s"))
            return
        except (OSError, ssl.SSLError) as exc:
            self._connect_failed(ConnectError(str(exc) or type(exc).__name__))
            return
        finally:
            self.opening -= 1
        if conn.dropped:
            return  # lost while connecting: its connection_lost arranged a replacement
        if self.stopping:
            conn._drop()
            return
        self.consecutive_failures = 0
        self.conns.add(conn)
        self.free(conn)

    def _connect_failed(self, exc: Exception) -> None:
        if self.stopping:
            return
        # A failed connect is a failed request attempt: it uses up budget, so a bounded run
        # against a refusing host still ends.
        if self.remaining == 0:
            self.retired_one()
            return
        if self.remaining > 0:
            self.remaining -= 1
        self.outcome.add_error(exc)
        self.consecutive_failures += 1
        self.reopen()

    def free(self, conn: _Connection) -> None:
        """``conn`` is connected and has nothing outstanding: give it the next request."""
        if self.stopping:
            return
        if self.remaining == 0:
            conn._retire()
            return
        if self.period:
            self.next_for(conn, _perf_ns())
            return
        if self.remaining > 0:
            self.remaining -= 1
        now = _perf_ns()
        conn.send(now, now)

    # -- open model --------------------------------------------------------------------------

    def next_for(self, conn: _Connection, now: int) -> None:
        """Open model: send the oldest due intended start on ``conn``, or park it."""
        intended = self.t0 + self.issued * self.period
        if intended <= now + _EARLY_NS and not self.idle:
            self.issued += 1
            if self.remaining > 0:
                self.remaining -= 1
            # Late: latency counts from the intended start (coordinated omission
            # corrected). Early, by less than the timer resolution: from the actual send,
            # so that a latency is never under-reported.
            conn.send(intended if intended < now else now, now)
            return
        self.idle.append(conn)
        self._arm_pacer(now)

    def _arm_pacer(self, now: int) -> None:
        if self.pacer is not None or self.stopping:
            return
        intended = self.t0 + self.issued * self.period
        # Wake a little before the next start: event loop timers have millisecond
        # resolution (libuv), and waking after it would add that much to every latency.
        delay = max(0.0, (intended - now - _EARLY_NS // 2) / 1e9)
        self.pacer = self.loop.call_later(delay, self._pace)

    def _pace(self) -> None:
        self.pacer = None
        now = _perf_ns()
        idle = self.idle
        while idle and self.remaining != 0 and not self.stopping:
            intended = self.t0 + self.issued * self.period
            if intended > now + _EARLY_NS:
                break
            conn = idle.popleft()
            self.issued += 1
            if self.remaining > 0:
                self.remaining -= 1
            conn.send(intended if intended < now else now, now)
        if self.remaining == 0:
            while idle:
                idle.pop()._retire()
            return
        if idle:
            self._arm_pacer(now)

    # -- timers ------------------------------------------------------------------------------

    def _arm_sweep(self) -> None:
        interval = min(0.25, self.plan.timeout / 4)
        self.timers["sweep"] = self.loop.call_later(interval, self._sweep, interval)

    def _sweep(self, interval: float) -> None:
        if self.stopping:
            return
        limit = int(self.plan.timeout * 1e9)
        now = _perf_ns()
        for conn in list(self.conns):
            if conn.busy and now - conn.sent > limit:
                conn._fail(ReadTimeout(f"no complete response within {self.plan.timeout:g} s"))
        self.timers["sweep"] = self.loop.call_later(interval, self._sweep, interval)

    def _arm_progress(self) -> None:
        interval = self.plan.progress_interval
        self.timers["progress"] = self.loop.call_later(interval, self._tick, interval)

    def _tick(self, interval: float) -> None:
        if self.stopping or self.progress is None:
            return
        errors = self.outcome.error_count
        self.progress(self.responses + errors, errors, self.bytes_read)
        self.timers["progress"] = self.loop.call_later(interval, self._tick, interval)


def run_plan(
    plan: Plan,
    loop: asyncio.AbstractEventLoop,
    progress: Optional[ProgressCallback] = None,
    on_start: Optional[Callable[[Run], None]] = None,
) -> Outcome:
    """Run ``plan`` on ``loop`` to its end (or until ``Run.stop``) and return the outcome."""
    if plan.http2:
        from .h2_engine import run_h2_plan

        return run_h2_plan(plan, loop, progress, on_start)
    run = Run(plan, loop, progress)
    if on_start is not None:
        on_start(run)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    run.start()
    try:
        loop.run_until_complete(run.finished)
    finally:
        run.stop()
        elapsed = time.perf_counter() - t0
        # Let aborted transports and cancelled connect tasks finish their callbacks.
        loop.run_until_complete(asyncio.sleep(0))
    outcome = run.collect(elapsed)
    outcome.cpu = time.process_time() - cpu0
    return outcome


# Keep the bucket count in one place; the inline in _complete relies on this layout.
assert N_BUCKETS == _LINEAR + (40 - SUB_BITS) * _HALF
