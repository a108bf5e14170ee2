"""The open model's pacer on a virtual clock: when each request goes out, exactly.

A wall-clock run cannot tell a pacer that oversleeps from a machine that was paused (on a
shared host a virtual CPU can lose a second to the hypervisor), so the schedule itself is
checked here, with time under the test's control: the engine's clock is replaced, its
timers fire when the test says, and connections are stand-ins that answer after a set
service time. Every send is then compared with its intended start."""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Callable, List, Optional, Tuple

import pytest

from fastclient._bench import engine
from tests.bench.plans import loopback_plan

MS = 1_000_000  # ns


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _Done:
    def __init__(self) -> None:
        self._done = False

    def done(self) -> bool:
        return self._done

    def set_result(self, _value: Any) -> None:
        self._done = True


class VirtualLoop:
    """Just what the pacer uses of an event loop: ``call_later`` and a future. A timer
    fires ``late_ns`` after its due time, as a real loop's coarse timers do."""

    def __init__(self, late_ns: int = 0) -> None:
        self.now = 10**12  # an arbitrary origin: nothing may assume the clock starts at 0
        self.late_ns = late_ns
        self._queue: List[Tuple[int, int, Callable[..., None], Tuple[Any, ...], _Handle]] = []
        self._seq = itertools.count()

    def clock(self) -> int:
        return self.now

    def at(self, when: int, callback: Callable[..., None], *args: Any) -> _Handle:
        handle = _Handle()
        heapq.heappush(self._queue, (when, next(self._seq), callback, args, handle))
        return handle

    def call_later(self, delay: float, callback: Callable[..., None], *args: Any) -> _Handle:
        assert delay >= 0
        return self.at(self.now + int(delay * 1e9) + self.late_ns, callback, *args)

    def create_future(self) -> _Done:
        return _Done()

    def run(self, until: Callable[[], bool], limit: int = 1_000_000) -> None:
        for _ in range(limit):
            if until() or not self._queue:
                return
            when, _seq, callback, args, handle = heapq.heappop(self._queue)
            if handle.cancelled:
                continue
            assert when >= self.now, "time went backwards"
            self.now = when
            callback(*args)
        raise AssertionError("the run did not end")


class StandIn:
    """A connected keep-alive connection that answers each request ``service_ns`` after
    it was written, then hands itself back as the real one does (``Run.next_for``)."""

    def __init__(self, run: engine.Run, loop: VirtualLoop, service_ns: int) -> None:
        self.run = run
        self.loop = loop
        self.service_ns = service_ns
        self.sends: List[Tuple[int, int]] = []  # (start charged, written at)
        self.retired = False

    def send(self, start: int, now: int) -> None:
        assert now == self.loop.now and not self.retired
        self.sends.append((start, now))
        self.loop.at(now + self.service_ns, self._answered)

    def _answered(self) -> None:
        run = self.run
        if run.remaining == 0 or run.stopping:
            self._retire()
        else:
            run.next_for(self, self.loop.now)  # type: ignore[arg-type]

    def _retire(self) -> None:
        self.retired = True
        self.run.retired_one()


def paced_run(
    monkeypatch: pytest.MonkeyPatch,
    *,
    connections: int,
    requests: int,
    rate: float,
    service_ns: int,
    late_ns: int = 0,
) -> Tuple[engine.Run, VirtualLoop, List[StandIn]]:
    loop = VirtualLoop(late_ns)
    monkeypatch.setattr(engine, "_perf_ns", loop.clock)
    plan = loopback_plan(9, connections=connections, requests=requests, rate=rate)
    run = engine.Run(plan, loop)  # type: ignore[arg-type]
    run.t0 = loop.now  # what Run.start does, without opening real connections
    conns = [StandIn(run, loop, service_ns) for _ in range(connections)]
    for conn in conns:
        run.free(conn)  # type: ignore[arg-type]
    loop.run(until=lambda: run.finished.done())
    return run, loop, conns


def schedule(run: engine.Run, conns: List[StandIn]) -> List[Tuple[int, int, int]]:
    """(intended start, start charged, written at) of every request, in intended order."""
    sends = sorted(s for c in conns for s in c.sends)
    return [(run.t0 + k * run.period, start, at) for k, (start, at) in enumerate(sends)]


@pytest.mark.parametrize("late_ns", [0, MS // 2, MS, 3 * MS])
def test_sends_keep_to_the_schedule_while_connections_are_free(
    monkeypatch: pytest.MonkeyPatch, late_ns: int
) -> None:
    # 400 requests at 800/s on 4 connections answering in 1 ms: capacity to spare, so
    # every request must go out at its intended start (to within the timers' lateness).
    run, loop, conns = paced_run(
        monkeypatch, connections=4, requests=400, rate=800.0, service_ns=MS, late_ns=late_ns
    )
    rows = schedule(run, conns)
    assert len(rows) == 400 and run.issued == 400 and run.remaining == 0
    assert all(c.retired for c in conns) and run.alive == 0
    for intended, start, at in rows:
        assert at >= intended - engine._EARLY_NS  # never ahead of the schedule
        assert at <= intended + late_ns  # never behind it while a connection is free
        # Latency is charged from the intended start if the send was late, from the
        # send itself if it was early: never less than the client really waited.
        assert start == min(intended, at)
    # The last request went out at its intended start, 399 periods in: 0.49875 s.
    assert rows[-1][0] - run.t0 == 399 * 1_250_000
    assert loop.now - run.t0 == pytest.approx(399 * 1_250_000 + MS, abs=late_ns + MS)


def test_connections_share_the_load_evenly(monkeypatch: pytest.MonkeyPatch) -> None:
    # A service time of three periods, 4 connections: at any moment about one is idle.
    # The longest-idle one takes the next start, so none idles for long (a connection
    # left idle beyond the server's keep-alive timeout is closed under the next request).
    run, _loop, conns = paced_run(
        monkeypatch, connections=4, requests=200, rate=1000.0, service_ns=3 * MS
    )
    rows = schedule(run, conns)
    assert all(intended - engine._EARLY_NS <= at <= intended for intended, _start, at in rows)
    assert sorted(len(c.sends) for c in conns) == [50, 50, 50, 50]


def test_overload_sends_late_and_charges_from_the_intended_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2 connections answering in 10 ms carry 200/s; 1000/s are asked for. Every request
    # still goes out (none is dropped), each as soon as a connection frees, and each is
    # charged from its intended start: the wait for a connection is latency
    # (coordinated omission corrected).
    run, loop, conns = paced_run(
        monkeypatch, connections=2, requests=100, rate=1000.0, service_ns=10 * MS
    )
    rows = schedule(run, conns)
    assert len(rows) == 100
    assert all(start == min(intended, at) for intended, start, at in rows)
    assert all(start == intended < at for intended, start, at in rows[2:])
    # Two at a time, every 10 ms, from the start: the connections never wait.
    assert [at - run.t0 for _intended, _start, at in rows] == [k // 2 * 10 * MS for k in range(100)]
    assert loop.now - run.t0 == 50 * 10 * MS  # 50 rounds of 10 ms: the capacity, no less


def test_a_paused_process_catches_up_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole process loses 300 ms (a descheduled virtual CPU, a stop-the-world GC):
    # the requests that fell due meanwhile go out as soon as it runs again, each charged
    # from its own intended start; after that the schedule is kept again.
    paused: List[int] = []
    real_run = VirtualLoop.run

    def run_with_pause(self: VirtualLoop, until: Callable[[], bool], limit: int = 10**6) -> None:
        def pause() -> None:
            paused.append(self.now)
            # Shift every pending event to after the pause, as if nothing ran meanwhile.
            until_ = self.now + 300 * MS
            self._queue = [(max(w, until_), s, c, a, h) for w, s, c, a, h in self._queue]
            heapq.heapify(self._queue)

        self.at(self.now + 100 * MS, pause)
        real_run(self, until, limit)

    monkeypatch.setattr(VirtualLoop, "run", run_with_pause)
    run, _loop, conns = paced_run(
        monkeypatch, connections=8, requests=1000, rate=1000.0, service_ns=MS
    )
    assert len(paused) == 1
    rows = schedule(run, conns)
    assert len(rows) == 1000
    resumed = paused[0] + 300 * MS
    caught_up: Optional[int] = None
    for intended, start, at in rows:
        assert start == min(intended, at)
        assert at >= intended - engine._EARLY_NS
        if intended <= resumed:
            continue
        on_time = at <= intended
        if caught_up is None and on_time:
            caught_up = intended
        if caught_up is not None:
            assert on_time  # once the backlog is worked off, the schedule is kept
    # 8 connections answering in 1 ms send 8 per ms against 1 per ms falling due: the
    # 300 requests due during the pause are worked off in about 300 / 7 = 43 ms.
    assert caught_up is not None and caught_up - resumed < 50 * MS
