"""Busy polling in the sync HTTP/1.1 driver: the wait for a response head polls the socket
for up to a budget, while the server's last answers came within it, and blocks otherwise.
The switches are driven over socket pairs with budgets far from any real timing (a second,
or a microsecond), so that they do not depend on how busy the machine is."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from typing import Any, Iterator, List, Optional, Tuple

import pytest

import fastclient
from fastclient._exceptions import ReadTimeout
from fastclient._sync import busypoll
from fastclient._sync import http2 as http2_module
from fastclient._sync.busypoll import BUSY_POLL
from fastclient._sync.connection import SyncHTTP11Connection
from fastclient._sync.pool import ConnectionPool
from tests.timing import HOST_STALL

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
T = 5.0


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if this thread had made the process's requests for a while (another test's
    threads may have paused polling)."""
    monkeypatch.setattr(busypoll, "_last_thread", threading.get_ident())
    monkeypatch.setattr(busypoll, "_shared_until", 0.0)


@pytest.fixture
def pair() -> Iterator[Tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


class PollCounter:
    """Counts the calls of _poll_ready (and of the poll objects' poll) on a connection."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: List[bool] = []
        real = SyncHTTP11Connection._poll_ready

        def counted(handle: SyncHTTP11Connection, budget: float, timeout: Any) -> bool:
            result = real(handle, budget, timeout)
            self.calls.append(result)
            return result

        monkeypatch.setattr(SyncHTTP11Connection, "_poll_ready", counted)


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> PollCounter:
    return PollCounter(monkeypatch)


def polling(sock: Any, budget: float) -> SyncHTTP11Connection:
    """A connection over ``sock`` whose last answer came within ``budget``: it polls."""
    handle = SyncHTTP11Connection(sock, busy_poll=budget)
    handle._polling = True
    return handle


def exchange(
    handle: SyncHTTP11Connection, peer: socket.socket, answer_after: Optional[float]
) -> float:
    """One request over ``handle``: the peer answers at once (None) or after a delay in a
    thread. Returns the seconds the head took."""
    handle.start(b"GET", REQUEST, T)
    assert peer.recv(1024) == REQUEST
    timer = None
    if answer_after is None:
        peer.sendall(OK)
    else:
        timer = threading.Timer(answer_after, peer.sendall, (OK,))
        timer.start()
    started = time.monotonic()
    head = handle.receive_head(T, float("inf"))
    took = time.monotonic() - started
    if timer is not None:
        timer.join()
    assert head.status_code == 200
    assert handle.receive_data(T) == b"ok" and handle.receive_data(T) is None
    assert handle.reusable()
    return took


def test_an_answer_within_the_budget_turns_polling_on_and_keeps_it(
    pair: Tuple[socket.socket, socket.socket], counter: PollCounter
) -> None:
    a, b = pair
    handle = SyncHTTP11Connection(a, busy_poll=1.0)
    assert not handle._polling  # a new connection blocks first, and times the answer
    exchange(handle, b, None)
    assert handle._polling and counter.calls == []
    for _ in range(3):
        exchange(handle, b, None)
    exchange(handle, b, 0.05)  # polled for, not slept for: 0.05 s is within the budget
    assert counter.calls == [True] * 4
    assert handle._polling


def test_an_answer_later_than_the_budget_turns_polling_off(
    pair: Tuple[socket.socket, socket.socket], counter: PollCounter
) -> None:
    a, b = pair
    handle = polling(a, 0.02)
    took = exchange(handle, b, 0.2)
    assert counter.calls == [False]  # polled for 20 ms, then blocked until the answer
    assert not handle._polling
    assert took >= 0.2 - 0.01
    # Blocking again, and timed: a slow answer keeps it off...
    exchange(handle, b, 0.2)
    assert not handle._polling and counter.calls == [False]
    # ...and one within the budget turns it back on.
    exchange(handle, b, None)
    assert handle._polling


def test_no_budget_never_polls(
    pair: Tuple[socket.socket, socket.socket], counter: PollCounter
) -> None:
    a, b = pair
    handle = SyncHTTP11Connection(a)  # busy_poll defaults to 0 on the connection
    for _ in range(3):
        exchange(handle, b, None)
    assert counter.calls == [] and not handle._polling


def test_requests_from_two_threads_pause_polling(
    pair: Tuple[socket.socket, socket.socket], counter: PollCounter
) -> None:
    """A thread that polls holds up the others: while requests come from more than one
    thread, none polls; polling comes back _SHARED seconds after the last switch."""
    a, b = pair
    c, d = socket.socketpair()
    mine = polling(a, 1.0)
    theirs = polling(c, 1.0)
    try:
        for _ in range(3):
            exchange(mine, b, None)
            worker = threading.Thread(target=exchange, args=(theirs, d, None))
            worker.start()
            worker.join()
        # Every switch of thread paused polling: only the very first request polled.
        assert counter.calls == [True]
        assert mine._polling and theirs._polling  # paused, not turned off
        exchange(mine, b, None)  # the switch back to this thread
        assert counter.calls == [True]
        time.sleep(busypoll.SHARED * 2)
        exchange(mine, b, None)
        assert counter.calls == [True, True]
    finally:
        c.close()
        d.close()


def test_polling_is_cut_by_a_shorter_read_timeout(
    pair: Tuple[socket.socket, socket.socket],
) -> None:
    a, _ = pair
    handle = polling(a, 30.0)
    handle.start(b"GET", REQUEST, T)
    started = time.monotonic()
    with pytest.raises((BlockingIOError, socket.timeout, ReadTimeout)):
        handle.receive_head(0.2, float("inf"))
    took = time.monotonic() - started
    # Polled for at most the read timeout, then the read itself waited its own 0.2 s.
    assert 0.2 - 0.02 <= took <= 0.4 + HOST_STALL
    assert not handle._polling


def test_polling_answers_a_peer_that_closed(pair: Tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    handle = polling(a, 30.0)
    handle.start(b"GET", REQUEST, T)
    assert b.recv(1024) == REQUEST  # read, so that the close is an EOF and not a reset
    b.close()
    started = time.monotonic()
    with pytest.raises(fastclient.RemoteProtocolError):
        handle.receive_head(T, float("inf"))
    assert time.monotonic() - started < 1.0 + HOST_STALL  # not the 30 s budget


def test_a_connection_closed_under_polling_reads_as_closed(
    pair: Tuple[socket.socket, socket.socket],
) -> None:
    a, _ = pair
    handle = polling(a, 30.0)
    a.close()  # behind the connection's back: nothing to poll
    assert handle._poll_ready(30.0, None) is False
    with pytest.raises(OSError):
        handle.receive_head(T, float("inf"))


def test_sockets_that_are_not_the_standard_librarys_block(
    pair: Tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket of another kind (gevent's, a TLS-in-TLS wrapper) waits in its own recv,
    which may let other work run: polling would hold that up."""
    a, _ = pair

    class Wrapped:
        def __init__(self, sock: socket.socket) -> None:
            self._sock = sock

        def __getattr__(self, name: str) -> Any:
            return getattr(self._sock, name)

    handle = SyncHTTP11Connection(Wrapped(a), busy_poll=1.0)  # type: ignore[arg-type]
    assert handle._busy_poll == 0.0
    handle = SyncHTTP11Connection(a, busy_poll=1.0)
    handle.replace_socket(Wrapped(a))  # type: ignore[arg-type]
    assert handle._busy_poll == 0.0
    monkeypatch.setattr(busypoll, "_poll", None)  # no poll() on the platform
    assert SyncHTTP11Connection(a, busy_poll=1.0)._busy_poll == 0.0


def test_the_budget_comes_from_the_transport() -> None:
    with fastclient.HTTPTransport() as default:
        assert default.pool._busy_poll == BUSY_POLL > 0
    with fastclient.HTTPTransport(busy_poll=0) as off:
        assert off.pool._busy_poll == 0.0
    with fastclient.HTTPTransport(busy_poll=0.5) as long:
        assert long.pool._busy_poll == 0.5
    with pytest.raises(ValueError):
        ConnectionPool(busy_poll=-1.0)
    with pytest.raises(TypeError, match="sync HTTPTransport"):
        fastclient.AsyncHTTPTransport(busy_poll=0.001)


@pytest.mark.network
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_real_server_within_the_budget_is_polled_for(
    request: pytest.FixtureRequest, scheme: str, ca_bundle: str, counter: PollCounter
) -> None:
    """Through the client, against a real server, plain and TLS: a budget of a second
    covers any answer of a local server, so from the second request on every head is
    polled for, and each response is whole."""
    server = request.getfixturevalue(f"{scheme}_server")
    transport = fastclient.HTTPTransport(verify=ca_bundle, busy_poll=1.0)
    with fastclient.Client(transport=transport) as client:
        for i in range(10):
            response = client.get(server.url + f"/bytes/{1000 * i}")
            assert response.status_code == 200
            assert response.content == b"x" * (1000 * i)
    assert counter.calls == [True] * 9


@pytest.mark.network
@pytest.mark.parametrize("budget", [1.0, 0.0])
def test_the_http2_reader_polls_within_the_budget(
    h2c_server: Any, budget: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threaded HTTP/2 driver's reader follows the same rule: against a local h2c
    server and a budget of a second, its waits are polled for and every poll sees data
    in time; with no budget it never polls."""
    calls: List[bool] = []
    real = http2_module.poll_until

    def counted(poll: Any, budget: float, limit: Optional[float]) -> bool:
        calls.append(real(poll, budget, limit))
        return calls[-1]

    monkeypatch.setattr(http2_module, "poll_until", counted)
    transport = fastclient.HTTPTransport(http1=False, http2=True, busy_poll=budget)
    with fastclient.Client(transport=transport) as client:
        for i in range(10):
            response = client.get(h2c_server.url + f"/bytes/{1000 * i}")
            assert response.http_version == "HTTP/2"
            assert response.content == b"x" * (1000 * i)
    if budget:
        assert len(calls) >= 9 and all(calls)
    else:
        assert calls == []


def test_gevent_sockets_never_poll() -> None:
    """Under gevent (Locust), a socket's wait lets the other greenlets run: polling would
    hold them all up. Run in a child process, since monkey-patching is for good."""
    pytest.importorskip("gevent")
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "import socket, ssl\n"
        "from fastclient._sync.connection import SyncHTTP11Connection\n"
        "a, b = socket.socketpair()\n"
        "assert SyncHTTP11Connection(a, busy_poll=1.0)._busy_poll == 0.0\n"
        "ctx = ssl.create_default_context()\n"
        "wrapped = ctx.wrap_socket(\n"
        "    socket.socket(), server_hostname='localhost', do_handshake_on_connect=False\n"
        ")\n"
        "assert SyncHTTP11Connection(wrapped, busy_poll=1.0)._busy_poll == 0.0\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
