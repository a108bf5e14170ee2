"""The threaded HTTP/2 connection: one connection shared by many threads."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from typing import Any, Callable, List, Optional, Tuple

import h2.connection
import h2.errors
import h2.events
import h2.settings
import pytest

from fastclient._exceptions import ReadTimeout, RemoteProtocolError, WriteTimeout
from fastclient._sync.http2 import SyncHTTP2Connection, is_retryable
from tests.timing import HOST_STALL

from .peers import frame, serve_h2, server_connection
from .test_async_driver import close_cleanly, wait_for_request

pytestmark = pytest.mark.network


def connect(port: int, ctx: Optional[ssl.SSLContext] = None) -> SyncHTTP2Connection:
    sock: Any = socket.create_connection(("127.0.0.1", port), timeout=10)
    if ctx is not None:
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
    return SyncHTTP2Connection(sock)


def fetch(
    conn: SyncHTTP2Connection, path: bytes, body: Optional[bytes] = None, **kw: Any
) -> Tuple[int, bytes]:
    method = b"POST" if body is not None else b"GET"
    head, stream = conn.request(method, b"http", b"127.0.0.1", path, [], body, **kw)
    try:
        return head.status_code, b"".join(stream)
    finally:
        stream.close()


def in_threads(n: int, target: Callable[[int], Any]) -> List[Any]:
    results: List[Any] = [None] * n

    def run(i: int) -> None:
        try:
            results[i] = target(i)
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_threads_share_one_connection(http_server: Any) -> None:
    conn = connect(http_server.port)

    def work(i: int) -> List[int]:
        return [
            len(fetch(conn, b"/bytes/%d" % (i * 100 + k), read_timeout=10)[1]) for k in range(10)
        ]

    results = in_threads(16, work)
    assert results == [[i * 100 + k for k in range(10)] for i in range(16)]
    assert conn.is_idle() and conn.is_available()
    payload = b"p" * 200_000  # beyond the initial windows
    status, body = fetch(conn, b"/echo", payload, read_timeout=10, write_timeout=10)
    assert status == 200 and json.loads(body)["body"] == payload.decode()
    conn.close()
    assert conn.is_closed()


def test_tls_alpn_h2(https_server: Any, ca_bundle: str) -> None:
    ctx = ssl.create_default_context(cafile=ca_bundle)
    ctx.set_alpn_protocols(["h2"])
    conn = connect(https_server.port, ctx)
    assert conn.sock.selected_alpn_protocol() == "h2"  # type: ignore[union-attr]
    results = in_threads(8, lambda i: fetch(conn, b"/stream/50", read_timeout=10))
    assert all(r[0] == 200 and len(r[1]) == 50 * 1024 for r in results)
    conn.close()


def test_read_timeout_fails_one_thread_only(http_server: Any) -> None:
    conn = connect(http_server.port)

    def work(i: int) -> Any:
        if i == 0:
            return fetch(conn, b"/slow?delay=1", read_timeout=0.2)
        time.sleep(0.05)
        return fetch(conn, b"/", read_timeout=5)

    slow, fast = in_threads(2, work)
    assert isinstance(slow, ReadTimeout)
    assert fast == (200, b"Hello, world!")
    assert fetch(conn, b"/", read_timeout=5)[0] == 200
    conn.close()


def test_goaway_and_rst_stream(raw_server: Any) -> None:
    def on_request(server: h2.connection.H2Connection, event: Any, sock: socket.socket) -> None:
        path = dict(event.headers)[b":path"]
        if path == b"/reset":
            server.reset_stream(event.stream_id, h2.errors.ErrorCodes.CANCEL)
        elif path == b"/bye":
            server.close_connection(last_stream_id=event.stream_id - 2)
        else:
            server.send_headers(event.stream_id, [(b":status", b"200")])
            server.send_data(event.stream_id, b"ok", end_stream=True)

    server = raw_server(serve_h2(on_request))
    conn = connect(server.port)
    assert fetch(conn, b"/a", read_timeout=5) == (200, b"ok")
    with pytest.raises(RemoteProtocolError, match="CANCEL") as info:
        fetch(conn, b"/reset", read_timeout=5)
    assert not is_retryable(info.value)
    assert fetch(conn, b"/b", read_timeout=5) == (200, b"ok")
    with pytest.raises(RemoteProtocolError, match="GOAWAY") as info:
        fetch(conn, b"/bye", read_timeout=5)
    assert is_retryable(info.value)
    assert not conn.is_available()
    with pytest.raises(RemoteProtocolError) as info:
        fetch(conn, b"/after", read_timeout=5)
    assert is_retryable(info.value)
    conn.close()


def test_zero_window_upload_gives_write_timeout(raw_server: Any) -> None:
    server = raw_server(serve_h2(lambda *args: None, INITIAL_WINDOW_SIZE=0))
    conn = connect(server.port)
    conn.ping(timeout=5)  # the server's SETTINGS (window 0) come before its PING answer
    assert conn.core.peer_initial_window == 0
    start = time.monotonic()
    with pytest.raises(WriteTimeout):
        fetch(conn, b"/up", b"data" * 100, write_timeout=0.3, read_timeout=5)
    assert 0.25 < time.monotonic() - start < 3
    conn.close()


def test_lowered_limit_makes_threads_wait(raw_server: Any) -> None:
    open_now: List[int] = []
    peak = [0]

    def handler(sock: socket.socket) -> None:
        server = server_connection(MAX_CONCURRENT_STREAMS=2)
        sock.sendall(server.data_to_send())
        sock.settimeout(0.02)
        served = 0
        while served < 20:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                if open_now:
                    sid = open_now.pop(0)
                    server.send_headers(sid, [(b":status", b"200")])
                    server.send_data(sid, b"x", end_stream=True)
                    served += 1
            else:
                if not data:
                    return
                for event in server.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        open_now.append(event.stream_id)
                        peak[0] = max(peak[0], len(open_now))
            out = server.data_to_send()
            if out:
                sock.sendall(out)

    server = raw_server(handler)
    conn = connect(server.port)
    # The server's SETTINGS arrive with the first response; then the limit is 2.
    assert fetch(conn, b"/first", read_timeout=5) == (200, b"x")
    assert conn.core.max_concurrent_streams == 2
    results = in_threads(19, lambda i: fetch(conn, b"/", read_timeout=10, pool_timeout=10))
    assert results == [(200, b"x")] * 19
    assert peak[0] <= 2
    conn.close()


def test_continuation_flood_and_disconnect(raw_server: Any) -> None:
    def handler(sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        wait_for_request(server, sock)
        sock.sendall(frame(1, 0, 1, b"\x88") + frame(9, 0, 1) * 5000)
        time.sleep(0.3)

    conn = connect(raw_server(handler).port)
    with pytest.raises(RemoteProtocolError, match="CONTINUATION flood"):
        fetch(conn, b"/", read_timeout=5)
    assert conn.is_closed()
    conn.close()

    def drop(sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        wait_for_request(server, sock)
        close_cleanly(sock)

    conn = connect(raw_server(drop).port)
    with pytest.raises(RemoteProtocolError, match="disconnected"):
        fetch(conn, b"/", read_timeout=5)
    conn.close()


def test_head_timeout_holds_without_a_read_timeout(http_server: Any) -> None:
    # Timeout(head=...) bounds the wait for the head even when reads have no limit.
    conn = connect(http_server.port)
    started = time.monotonic()
    with pytest.raises(ReadTimeout, match="whole response head"):
        fetch(conn, b"/slow?delay=2", read_timeout=None, head_timeout=0.3)
    assert 0.25 < time.monotonic() - started < 0.3 + HOST_STALL
    # The read timeout still wins when it is the shorter one, with its own message.
    with pytest.raises(ReadTimeout, match="waiting for the server"):
        fetch(conn, b"/slow?delay=2", read_timeout=0.2, head_timeout=5)
    assert fetch(conn, b"/", head_timeout=0.5) == (200, b"Hello, world!")
    conn.close()
