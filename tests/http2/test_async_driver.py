"""The asyncio HTTP/2 connection against hypercorn (h2c and TLS+ALPN) and scripted peers."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
import time
from typing import Any, Awaitable, Callable, List, Optional, Tuple

import h2.connection
import h2.errors
import h2.events
import pytest

from fastclient._async.http2 import AsyncHTTP2Connection, is_retryable
from fastclient._exceptions import ReadTimeout, RemoteProtocolError, WriteTimeout
from tests.timing import HOST_STALL

from .peers import frame, serve_h2, server_connection

pytestmark = pytest.mark.network

LOOPS = ["asyncio", "uvloop"]


def run(main: Callable[[], Awaitable[Any]], loop_kind: str = "asyncio") -> Any:
    if loop_kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(main(), 30))
    finally:
        # Transports closed by the server close their sockets in a callback: run it.
        loop.run_until_complete(asyncio.sleep(0.01))
        loop.close()


async def connect(
    port: int, ssl_context: Optional[ssl.SSLContext] = None, **settings: int
) -> AsyncHTTP2Connection:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(
        lambda: AsyncHTTP2Connection(loop, **settings),
        "127.0.0.1",
        port,
        ssl=ssl_context,
        server_hostname="localhost" if ssl_context else None,
    )
    return conn


async def fetch(
    conn: AsyncHTTP2Connection, path: bytes, body: Optional[bytes] = None, **kw: Any
) -> Tuple[int, bytes, Any]:
    method = b"POST" if body is not None else b"GET"
    head, stream = await conn.request(method, b"http", b"127.0.0.1", path, [], body, **kw)
    data = b"".join([chunk async for chunk in stream])
    await stream.aclose()
    return head.status_code, data, stream


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_many_concurrent_requests_share_one_connection(http_server: Any, loop_kind: str) -> None:
    async def main() -> None:
        conn = await connect(http_server.port)
        results = await asyncio.gather(
            *[fetch(conn, b"/bytes/%d" % (i * 37), read_timeout=10) for i in range(250)]
        )
        assert [len(body) for _, body, _ in results] == [i * 37 for i in range(250)]
        assert {status for status, _, _ in results} == {200}
        assert conn.is_idle() and conn.is_available() and conn.open_streams == 0
        await conn.aclose()
        assert conn.is_closed() and not conn.is_available()

    run(main, loop_kind)


def test_upload_larger_than_the_window_and_streamed_download(http_server: Any) -> None:
    async def main() -> None:
        conn = await connect(http_server.port)
        payload = bytes(range(256)) * 1000  # 256 KB, beyond the 64 KiB initial windows
        status, body, _ = await fetch(conn, b"/echo", payload, read_timeout=10, write_timeout=10)
        assert status == 200 and json.loads(body)["body"] == payload.decode("latin-1")

        async def chunks() -> Any:
            for _ in range(100):
                yield b"z" * 3000

        head, stream = await conn.request(b"POST", b"http", b"a", b"/echo", [], chunks())
        data = b"".join([c async for c in stream])
        await stream.aclose()
        assert head.status_code == 200 and json.loads(data)["body"] == "z" * 300_000

        head, stream = await conn.request(b"GET", b"http", b"a", b"/stream/300", [])
        pieces = [c async for c in stream]
        await stream.aclose()
        assert sum(map(len, pieces)) == 300 * 1024
        await conn.aclose()

    run(main)


def test_h2_over_tls_with_alpn(https_server: Any, ca_bundle: str) -> None:
    ctx = ssl.create_default_context(cafile=ca_bundle)
    ctx.set_alpn_protocols(["h2"])

    async def main() -> None:
        conn = await connect(https_server.port, ctx)
        assert conn.transport is not None
        assert conn.transport.get_extra_info("ssl_object").selected_alpn_protocol() == "h2"
        results = await asyncio.gather(*[fetch(conn, b"/json") for _ in range(20)])
        assert all(status == 200 and b"hello" in body for status, body, _ in results)
        await conn.aclose()

    run(main)


def test_adopting_a_transport_after_start_tls(https_server: Any, ca_bundle: str) -> None:
    """The pool's path: connect, start_tls offering h2 and http/1.1, hand over on "h2"."""
    ctx = ssl.create_default_context(cafile=ca_bundle)
    ctx.set_alpn_protocols(["h2", "http/1.1"])

    async def main() -> None:
        loop = asyncio.get_running_loop()
        plain, first = await loop.create_connection(
            asyncio.Protocol, "127.0.0.1", https_server.port
        )
        transport = await loop.start_tls(plain, first, ctx, server_hostname="localhost")
        assert transport is not None
        assert transport.get_extra_info("ssl_object").selected_alpn_protocol() == "h2"
        conn = AsyncHTTP2Connection.adopt(transport)
        assert (await fetch(conn, b"/"))[:2] == (200, b"Hello, world!")
        await conn.aclose()

    run(main)


def test_trace_events_and_extensions(http_server: Any) -> None:
    seen: List[str] = []

    async def trace(name: str, info: Any) -> None:
        seen.append(name)

    async def main() -> None:
        conn = await connect(http_server.port)
        head, stream = await conn.request(b"POST", b"http", b"a", b"/echo", [], b"abc", trace=trace)
        assert head.http_version == b"HTTP/2" and stream.stream_id == 1
        assert b"abc" in b"".join([c async for c in stream])
        await stream.aclose()
        await conn.aclose()

    run(main)
    assert seen == [
        "http2.send_request_headers.started",
        "http2.send_request_headers.complete",
        "http2.send_request_body.started",
        "http2.send_request_body.complete",
        "http2.receive_response_headers.started",
        "http2.receive_response_headers.complete",
        "http2.receive_response_body.started",
        "http2.receive_response_body.complete",
        "http2.response_closed.started",
        "http2.response_closed.complete",
    ]


def test_read_timeout_fails_one_stream_only(http_server: Any) -> None:
    async def main() -> None:
        conn = await connect(http_server.port)
        slow = asyncio.ensure_future(fetch(conn, b"/slow?delay=1", read_timeout=0.2))
        fast = await fetch(conn, b"/", read_timeout=5)
        assert fast[1] == b"Hello, world!"
        with pytest.raises(ReadTimeout):
            await slow
        assert (await fetch(conn, b"/", read_timeout=5))[0] == 200
        await conn.aclose()

    run(main)


def test_ping(http_server: Any) -> None:
    async def main() -> None:
        conn = await connect(http_server.port)
        await conn.ping(b"12345678", timeout=5)
        await conn.aclose()

    run(main)


# ---------------------------------------------------------------- scripted peers


def close_cleanly(sock: socket.socket) -> None:
    """FIN, not RST: read what the client still sends until it closes too (closing with
    unread bytes would make the kernel reset the connection)."""
    sock.shutdown(socket.SHUT_WR)
    while sock.recv(65536):
        pass


async def settings_applied(conn: AsyncHTTP2Connection) -> None:
    """Wait until the server's INITIAL_WINDOW_SIZE of 0 is in force (sent after its first
    SETTINGS frame, so the first request could otherwise race it)."""
    while conn.core.peer_initial_window != 0:
        await asyncio.sleep(0.01)


def wait_for_request(server: h2.connection.H2Connection, sock: socket.socket) -> None:
    while True:
        data = sock.recv(65536)
        assert data, "the client went away"
        events = server.receive_data(data)
        sock.sendall(server.data_to_send())
        if any(isinstance(e, h2.events.RequestReceived) for e in events):
            return


def test_goaway_marks_unprocessed_requests_retryable(raw_server: Any) -> None:
    def handler(sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        sids: List[int] = []
        while len(sids) < 3:
            for event in server.receive_data(sock.recv(65536)):
                if isinstance(event, h2.events.RequestReceived):
                    sids.append(event.stream_id)
            sock.sendall(server.data_to_send())
        server.send_headers(1, [(b":status", b"200"), (b"content-length", b"2")])
        server.send_data(1, b"ok", end_stream=True)
        server.close_connection(last_stream_id=1)
        sock.sendall(server.data_to_send())
        time.sleep(0.2)

    server = raw_server(handler)

    async def main() -> None:
        conn = await connect(server.port)
        results = await asyncio.gather(
            *[fetch(conn, b"/%d" % i, read_timeout=5) for i in range(3)], return_exceptions=True
        )
        assert results[0][:2] == (200, b"ok")
        for exc in results[1:]:
            assert isinstance(exc, RemoteProtocolError) and is_retryable(exc)
            assert "GOAWAY" in str(exc)
        assert not conn.is_available()
        with pytest.raises(RemoteProtocolError) as info:
            await fetch(conn, b"/late")
        assert is_retryable(info.value)
        await conn.aclose()

    run(main)


def test_rst_stream_fails_one_request_and_others_go_on(raw_server: Any) -> None:
    def on_request(server: h2.connection.H2Connection, event: Any, sock: socket.socket) -> None:
        path = dict(event.headers)[b":path"]
        if path == b"/bad":
            server.reset_stream(event.stream_id, h2.errors.ErrorCodes.INTERNAL_ERROR)
        else:
            server.send_headers(event.stream_id, [(b":status", b"200")])
            server.send_data(event.stream_id, path, end_stream=True)

    server = raw_server(serve_h2(on_request))

    async def main() -> None:
        conn = await connect(server.port)
        good, bad = await asyncio.gather(
            fetch(conn, b"/good"), fetch(conn, b"/bad"), return_exceptions=True
        )
        assert good[:2] == (200, b"/good")
        assert isinstance(bad, RemoteProtocolError) and not is_retryable(bad)
        assert "INTERNAL_ERROR" in str(bad)
        assert (await fetch(conn, b"/again"))[1] == b"/again"
        await conn.aclose()

    run(main)


def test_lowered_stream_limit_makes_requests_wait(raw_server: Any) -> None:
    active: List[int] = []
    peak = [0, 0]  # most streams open at once: before and after the limit dropped
    lowered = threading.Event()

    def handler(sock: socket.socket) -> None:
        server = server_connection(MAX_CONCURRENT_STREAMS=4)
        sock.sendall(server.data_to_send())
        pending: List[int] = []
        served = 0
        sock.settimeout(0.05)
        while served < 30:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                data = b""
                # Answer what is pending, one at a time, slowly.
                if pending:
                    sid = pending.pop(0)
                    server.send_headers(sid, [(b":status", b"200")])
                    server.send_data(sid, b"x", end_stream=True)
                    active.remove(sid)
                    served += 1
                    if served == 2:
                        server.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1})
            else:
                if not data:
                    return
                for event in server.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        pending.append(event.stream_id)
                        active.append(event.stream_id)
                        slot = 1 if lowered.is_set() else 0
                        peak[slot] = max(peak[slot], len(active))
                    elif isinstance(event, h2.events.SettingsAcknowledged) and served >= 2:
                        lowered.set()
            out = server.data_to_send()
            if out:
                sock.sendall(out)

    server = raw_server(handler)

    async def main() -> None:
        conn = await connect(server.port)
        while conn.max_streams != 4:  # the server's SETTINGS, then the requests
            await asyncio.sleep(0.01)
        results = await asyncio.gather(*[fetch(conn, b"/", read_timeout=10) for _ in range(30)])
        assert all(r[:2] == (200, b"x") for r in results)
        assert conn.max_streams == 1
        await conn.aclose()

    run(main)
    assert peak[0] <= 4 and lowered.is_set()
    assert peak[1] <= 1 + 3  # streams sent before the ACK may still be in flight
    assert peak[0] >= 1


def test_zero_window_upload_gives_write_timeout(raw_server: Any) -> None:
    def on_request(server: h2.connection.H2Connection, event: Any, sock: socket.socket) -> None:
        pass  # never answers, never opens the window

    server = raw_server(serve_h2(on_request, INITIAL_WINDOW_SIZE=0))

    async def main() -> None:
        conn = await connect(server.port)
        await settings_applied(conn)
        start = time.monotonic()
        with pytest.raises(WriteTimeout):
            await fetch(conn, b"/upload", b"data" * 10, write_timeout=0.3, read_timeout=5)
        assert 0.25 < time.monotonic() - start < 3
        await conn.aclose()

    run(main)


def test_zero_window_upload_resumes_on_window_update(raw_server: Any) -> None:
    def handler(sock: socket.socket) -> None:
        server = server_connection(INITIAL_WINDOW_SIZE=0)
        sock.sendall(server.data_to_send())
        received = b""
        sid = 0
        opened = False
        while True:
            data = sock.recv(65536)
            if not data:
                return
            for event in server.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    sid = event.stream_id
                elif isinstance(event, h2.events.DataReceived):
                    received += event.data
                elif isinstance(event, h2.events.StreamEnded):
                    server.send_headers(sid, [(b":status", b"200")])
                    server.send_data(sid, b"%d" % len(received), end_stream=True)
            if sid and not opened:
                time.sleep(0.2)
                opened = True
                server.increment_flow_control_window(10, stream_id=sid)
                sock.sendall(server.data_to_send())
                time.sleep(0.1)
                server.increment_flow_control_window(100_000, stream_id=sid)
            sock.sendall(server.data_to_send())

    server = raw_server(handler)

    async def main() -> None:
        conn = await connect(server.port)
        await settings_applied(conn)
        status, body, _ = await fetch(conn, b"/up", b"u" * 50_000, write_timeout=5, read_timeout=5)
        assert (status, body) == (200, b"50000")
        await conn.aclose()

    run(main)


@pytest.mark.parametrize("attack", ["oversized", "continuation-flood", "push"])
def test_hostile_servers_give_remote_protocol_error(raw_server: Any, attack: str) -> None:
    def handler(sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        wait_for_request(server, sock)
        if attack == "oversized":
            fields = [(b"x-%d" % i, b"v" * 1000) for i in range(80)]
            server.send_headers(1, [(b":status", b"200"), *fields], end_stream=True)
            sock.sendall(server.data_to_send())
        elif attack == "continuation-flood":
            sock.sendall(frame(1, 0, 1, b"\x88") + frame(9, 0, 1) * 5000)
        else:
            sock.sendall(frame(5, 4, 1, b"\x00\x00\x00\x02\x82\x84"))
        time.sleep(0.3)

    server = raw_server(handler)

    async def main() -> None:
        conn = await connect(server.port)
        with pytest.raises(RemoteProtocolError) as info:
            await fetch(conn, b"/", read_timeout=5)
        if attack == "oversized":
            assert "exceeds the limits" in str(info.value)
            assert not conn.core.closed  # only that stream failed
        else:
            assert conn.is_closed()
        await conn.aclose()

    run(main)


def test_server_disconnect_fails_open_streams(raw_server: Any) -> None:
    def handler(sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        wait_for_request(server, sock)
        server.send_headers(1, [(b":status", b"200")])
        server.send_data(1, b"partial")
        sock.sendall(server.data_to_send())
        close_cleanly(sock)

    server = raw_server(handler)

    async def main() -> None:
        conn = await connect(server.port)
        head, stream = await conn.request(b"GET", b"http", b"a", b"/", [], read_timeout=5)
        assert head.status_code == 200
        with pytest.raises(RemoteProtocolError, match="disconnected"):
            async for _ in stream:
                pass
        assert conn.is_closed()
        await conn.aclose()

    run(main)


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_head_timeout_holds_without_a_read_timeout(http_server: Any, loop_kind: str) -> None:
    # Timeout(head=...) bounds the wait for the head even when reads have no limit; the
    # connection keeps serving other streams.
    async def main() -> None:
        conn = await connect(http_server.port)
        started = time.monotonic()
        with pytest.raises(ReadTimeout, match="whole response head"):
            await fetch(conn, b"/slow?delay=2", read_timeout=None, head_timeout=0.3)
        assert 0.25 < time.monotonic() - started < 0.3 + HOST_STALL
        # The read timeout still wins when it is the shorter one, with its own message.
        with pytest.raises(ReadTimeout, match="waiting for the server"):
            await fetch(conn, b"/slow?delay=2", read_timeout=0.2, head_timeout=5)
        assert (await fetch(conn, b"/", head_timeout=0.5))[1] == b"Hello, world!"
        await conn.aclose()

    run(main, loop_kind)
