"""The load engine in this process, against the embedded server and scripted raw servers:
counting, errors by exception class, reconnection, deadlines and the open model."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Callable, Iterator, Optional

import pytest

from fastclient._bench import engine
from fastclient._bench.plan import Outcome
from fastclient._bench.server import HELLO_RESPONSE, EmbeddedServer
from tests.bench.plans import loopback_plan
from tests.servers.raw import RawServer, read_request_head, reset
from tests.timing import HOST_STALL

pytestmark = pytest.mark.network

RawFactory = Callable[[Callable[[socket.socket], None]], RawServer]


@pytest.fixture(scope="module")
def hello() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as srv:
        yield srv


def run(
    port: int,
    *,
    connections: int = 4,
    requests: Optional[int] = 100,
    duration: Optional[float] = None,
    rate: Optional[float] = None,
    timeout: float = 5.0,
    replay: bool = True,
    loop_kind: str = "uvloop",
) -> Outcome:
    plan = loopback_plan(
        port,
        connections=connections,
        requests=requests,
        duration=duration,
        rate=rate,
        timeout=timeout,
        replay=replay,
    )
    import asyncio

    loop = engine.new_event_loop() if loop_kind == "uvloop" else asyncio.new_event_loop()
    try:
        return engine.run_plan(plan, loop)
    finally:
        loop.close()


def serve_forever(respond: Callable[[socket.socket, int], bool]) -> Callable[[socket.socket], None]:
    """A raw handler: for each request read, call respond(sock, n); False ends it."""
    counter = [0]
    lock = threading.Lock()

    def handler(sock: socket.socket) -> None:
        while read_request_head(sock):
            with lock:
                counter[0] += 1
                n = counter[0]
            if not respond(sock, n):
                return

    return handler


@pytest.mark.parametrize("loop_kind", ["uvloop", "asyncio"])
def test_closed_model_counts_every_response(hello: EmbeddedServer, loop_kind: str) -> None:
    out = run(hello.port, connections=8, requests=2000, loop_kind=loop_kind)
    assert (out.requests, out.responses, out.errors) == (2000, 2000, {})
    assert out.statuses == {200: 2000}
    assert out.histogram.total == 2000 and out.histogram.min > 0
    assert out.bytes_read == 2000 * len(HELLO_RESPONSE)
    assert out.elapsed > 0 and out.cpu > 0


def test_replay_and_full_parsing_agree(hello: EmbeddedServer) -> None:
    fast = run(hello.port, requests=300, replay=True)
    full = run(hello.port, requests=300, replay=False)
    for out in (fast, full):
        assert (out.requests, out.responses, out.statuses, out.errors) == (300, 300, {200: 300}, {})


def test_replay_is_not_fooled_by_a_different_response(raw_server: RawFactory) -> None:
    # Alternate two statuses: a replayed 200 must never be counted for a 503.
    def respond(sock: socket.socket, n: int) -> bool:
        if n % 2:
            sock.sendall(HELLO_RESPONSE)
        else:
            sock.sendall(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n")
        return True

    server = raw_server(serve_forever(respond))
    out = run(server.port, connections=1, requests=200)
    assert out.statuses == {200: 100, 503: 100} and not out.errors


def test_duration_bounds_the_run(hello: EmbeddedServer) -> None:
    t0 = time.monotonic()
    out = run(hello.port, requests=None, duration=0.5)
    assert 0.45 < time.monotonic() - t0 < 3.0
    assert out.responses > 0 and not out.errors and 0.45 < out.elapsed < 0.5 + HOST_STALL


def test_resets_are_read_errors_and_the_run_still_ends(raw_server: RawFactory) -> None:
    def handler(sock: socket.socket) -> None:
        read_request_head(sock)
        reset(sock)

    server = raw_server(handler)
    out = run(server.port, connections=2, requests=20)
    assert out.responses == 0 and out.requests == 20
    assert set(out.errors) <= {"ReadError", "RemoteProtocolError"} and "ReadError" in out.errors
    assert sum(out.errors.values()) == 20
    assert "reset" in out.error_samples["ReadError"].lower()


def test_garbage_is_a_remote_protocol_error(raw_server: RawFactory) -> None:
    server = raw_server(serve_forever(lambda s, n: s.sendall(b"SPAM / NOT HTTP\r\n\r\n") or True))
    out = run(server.port, connections=2, requests=10)
    assert out.errors == {"RemoteProtocolError": 10} and out.responses == 0


def test_close_without_response(raw_server: RawFactory) -> None:
    server = raw_server(serve_forever(lambda s, n: False))
    out = run(server.port, connections=2, requests=6)
    assert out.errors == {"RemoteProtocolError": 6}
    assert "without sending a response" in out.error_samples["RemoteProtocolError"]


def test_silent_server_times_out(raw_server: RawFactory) -> None:
    stop = threading.Event()

    def handler(sock: socket.socket) -> None:
        read_request_head(sock)
        stop.wait(5)

    server = raw_server(handler)
    t0 = time.monotonic()
    out = run(server.port, connections=2, requests=4, timeout=0.3)
    stop.set()
    assert out.errors == {"ReadTimeout": 4}
    assert time.monotonic() - t0 < 4.0


def test_connection_close_and_close_delimited_bodies(raw_server: RawFactory) -> None:
    def respond(sock: socket.socket, n: int) -> bool:
        if n % 2:
            sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        else:
            sock.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")  # framed by the close
        return False

    server = raw_server(serve_forever(respond))
    out = run(server.port, connections=2, requests=20)
    assert (out.responses, out.errors, out.statuses) == (20, {}, {200: 20})
    assert server.accepted >= 20  # one connection per response


def test_refused_connections_are_counted_and_bounded() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = sock.getsockname()[1]
    try:
        t0 = time.monotonic()
        out = run(port, connections=2, requests=6)
    finally:
        sock.close()
    assert out.errors == {"ConnectError": 6} and out.responses == 0
    assert time.monotonic() - t0 < 10


def test_open_model_keeps_the_rate(hello: EmbeddedServer) -> None:
    out = run(hello.port, connections=4, requests=300, rate=600.0)
    assert out.responses == 300 and not out.errors
    # Never ahead of the schedule: the last start is due 299/600 s in, and may go out at
    # most 1 ms early (how closely it is kept: test_pacing.py, on a virtual clock).
    assert out.elapsed >= 299 / 600 - 0.001


def test_open_model_corrects_coordinated_omission(raw_server: RawFactory) -> None:
    # One response stalls for 400 ms. The closed model sees one slow request; the open
    # model also charges the ~80 requests that were due during the stall.
    def respond(sock: socket.socket, n: int) -> bool:
        if n == 50:
            time.sleep(0.4)
        sock.sendall(HELLO_RESPONSE)
        return True

    def slow_count(out: Outcome, ms: int) -> int:
        return sum(c for low, _high, c in out.histogram.buckets() if low >= ms * 1_000_000)

    closed = run(raw_server(serve_forever(respond)).port, connections=1, requests=200)
    opened = run(raw_server(serve_forever(respond)).port, connections=1, requests=200, rate=200.0)
    assert closed.responses == opened.responses == 200
    # (<= 2: leave room for one scheduling hiccup of a loaded machine)
    assert 1 <= slow_count(closed, 300) <= 2
    # 80 requests were due during the stall; those due in its first 300 ms waited >= 100 ms.
    assert slow_count(opened, 100) >= 40
    assert opened.histogram.max >= 400_000_000


def test_stop_interrupts_a_run(hello: EmbeddedServer) -> None:
    loop = engine.new_event_loop()
    plan = loopback_plan(hello.port, requests=None, duration=30.0)
    runs: list = []

    def on_start(r: Any) -> None:
        runs.append(r)
        loop.call_later(0.3, r.stop, True)

    try:
        t0 = time.monotonic()
        out = engine.run_plan(plan, loop, None, on_start)
    finally:
        loop.close()
    assert out.interrupted and out.responses > 0 and time.monotonic() - t0 < 5
