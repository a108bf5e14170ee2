"""The blocking, thread-safe pool against real and scripted servers."""

from __future__ import annotations

import random
import socket
import threading
import time
from typing import Any, List

import pytest

from fastclient._exceptions import (
    ConnectError,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    TimeoutException,
)
from fastclient._sync.pool import ConnectionPool
from tests.servers.raw import read_request, read_request_head, reset, silent_until_hangup
from tests.timing import HOST_STALL

from .conftest import T, fds_back_to, head_for, keepalive_handler, open_fds, origin_of

pytestmark = pytest.mark.network


def test_keepalive_reuse(raw_server: Any) -> None:
    server = raw_server(keepalive_handler())
    pool = ConnectionPool()
    for _ in range(5):
        head, stream, _ = pool.request(
            origin_of(server), b"GET", head_for(server), None, False, T, {}
        )
        assert head.status_code == 200 and b"".join(stream) == b"Hello, world!"
    assert server.accepted == 1 and pool.state.n_idle == 1
    pool.close()


def test_request_body_and_real_server(http_server: Any) -> None:
    pool = ConnectionPool()
    extra = [(b"Transfer-Encoding", b"chunked")]
    head, stream, _ = pool.request(
        origin_of(http_server),
        b"POST",
        head_for(http_server, "/echo", b"POST", extra),
        iter([b"abc", b"def"]),
        True,
        T,
        {},
    )
    assert head.status_code == 200
    assert b'"body": "abcdef"' in b"".join(stream).replace(b'":"', b'": "')
    head, stream, _ = pool.request(
        origin_of(http_server), b"GET", head_for(http_server, "/stream/100"), None, False, T, {}
    )
    assert len(b"".join(stream)) == 100 * 1024
    pool.close()


def test_server_closed_idle_connection_is_not_reused(raw_server: Any) -> None:
    server = raw_server(keepalive_handler(limit=1))
    pool = ConnectionPool()
    for _ in range(3):
        _, stream, _ = pool.request(origin_of(server), b"GET", head_for(server), None, False, T, {})
        assert b"".join(stream) == b"Hello, world!"
        time.sleep(0.05)  # the server's FIN arrives; the peek before reuse sees it
    assert server.accepted == 3
    pool.close()


def test_close_mid_body_and_reset(raw_server: Any) -> None:
    def mid_body(sock: socket.socket) -> None:
        read_request(sock)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")

    def rst(sock: socket.socket) -> None:
        read_request_head(sock)
        reset(sock)

    s1, s2 = raw_server(mid_body), raw_server(rst)
    pool = ConnectionPool()
    _, stream, _ = pool.request(origin_of(s1), b"GET", head_for(s1), None, False, T, {})
    with pytest.raises(RemoteProtocolError):
        b"".join(stream)
    with pytest.raises((ReadError, RemoteProtocolError)):
        pool.request(origin_of(s2), b"GET", head_for(s2), None, False, T, {})
    assert pool.state.n_total == 0
    pool.close()


def test_timeouts(raw_server: Any) -> None:
    def silent(sock: socket.socket) -> None:
        read_request_head(sock)
        silent_until_hangup(sock)

    def trickle(sock: socket.socket) -> None:
        read_request_head(sock)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return
            time.sleep(0.05)

    s1, s2 = raw_server(silent), raw_server(trickle)
    pool = ConnectionPool()
    start = time.monotonic()
    with pytest.raises(ReadTimeout):
        pool.request(origin_of(s1), b"GET", head_for(s1), None, False, (5, 0.2, 5, 5, 60), {})
    assert 0.15 < time.monotonic() - start < 0.2 + HOST_STALL
    start = time.monotonic()
    with pytest.raises(ReadTimeout):
        pool.request(origin_of(s2), b"GET", head_for(s2), None, False, (5, 0.5, 5, 5, 0.4), {})
    assert 0.35 < time.monotonic() - start < 0.4 + HOST_STALL
    assert pool.state.n_total == 0
    pool.close()


def test_connect_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    pool = ConnectionPool()
    with pytest.raises(ConnectError):
        pool.request((b"http", b"127.0.0.1", port), b"GET", b"", None, False, T, {})
    assert pool.state.n_total == 0


def test_pool_timeout(raw_server: Any) -> None:
    def partial(sock: socket.socket) -> None:
        read_request(sock)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        sock.settimeout(5)
        try:
            sock.recv(1)
        except OSError:
            pass

    server = raw_server(partial)
    pool = ConnectionPool(max_connections=1)
    _, stream, _ = pool.request(origin_of(server), b"GET", head_for(server), None, False, T, {})
    start = time.monotonic()
    with pytest.raises(PoolTimeout):
        pool.request(
            origin_of(server), b"GET", head_for(server), None, False, (5, 5, 5, 0.2, 60), {}
        )
    assert 0.15 < time.monotonic() - start < 0.2 + HOST_STALL
    stream.close()
    assert pool.state.n_total == 0 and pool.state.n_waiting == 0
    pool.close()


def test_timeout_storm_from_many_threads(raw_server: Any) -> None:
    def handler(sock: socket.socket) -> None:
        rng = random.Random()
        for _ in range(10_000):
            head, _ = read_request(sock)
            if not head:
                return
            time.sleep(rng.choice((0, 0, 0.01, 0.05)))
            try:
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            except OSError:
                return

    server = raw_server(handler)
    baseline = open_fds()
    pool = ConnectionPool(max_connections=10, max_connections_per_host=10)
    origin, head = origin_of(server), head_for(server)
    stop = time.monotonic() + 3.0
    counts = {"ok": 0, "timeout": 0}
    errors: List[BaseException] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            t = (5.0, rng.choice((0.005, 0.03, 1.0)), 5.0, rng.choice((0.01, 0.1, 1.0)), 60.0)
            try:
                _, stream, _ = pool.request(origin, b"GET", head, None, False, t, {})
                body = b"".join(stream)
                assert body == b"ok"
                key = "ok"
            except TimeoutException:
                key = "timeout"
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return
            with lock:
                counts[key] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert counts["ok"] > 0 and counts["timeout"] > 0
    state = pool.state
    assert state.n_waiting == 0 and state.n_total == state.n_idle <= 10
    _, stream, _ = pool.request(origin, b"GET", head, None, False, T, {})
    assert b"".join(stream) == b"ok"
    pool.close()
    assert fds_back_to(baseline)


def test_tls(https_server: Any, client_ssl_context: Any) -> None:
    import ssl

    client_ssl_context.set_alpn_protocols(["http/1.1"])
    pool = ConnectionPool(ssl_context=client_ssl_context)
    origin = (b"https", b"127.0.0.1", https_server.port)
    head, stream, _ = pool.request(origin, b"GET", head_for(https_server), None, False, T, {})
    assert head.status_code == 200 and b"".join(stream) == b"Hello, world!"
    pool.close()
    from fastclient._config import create_ssl_context

    strict = ConnectionPool(ssl_context=create_ssl_context())  # certifi: not trusting trustme
    with pytest.raises(ConnectError) as info:
        strict.request(origin, b"GET", head_for(https_server), None, False, T, {})
    assert isinstance(info.value.__cause__, ssl.SSLError)
    assert strict.state.n_total == 0
