"""The embedded server: framing of what it is sent, keep-alive, and its process lifecycle."""

from __future__ import annotations

import socket
from typing import Iterator

import h11
import pytest

from fastclient._bench.server import HELLO_RESPONSE, EmbeddedServer

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as srv:
        yield srv


def _connect(server: EmbeddedServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return sock


def _read(sock: socket.socket, n_responses: int) -> list:
    """Parse ``n_responses`` responses with h11 (an independent parser)."""
    conn = h11.Connection(h11.CLIENT)
    out = []
    for _ in range(n_responses):
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        status, body = 0, b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(sock.recv(65536))
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        out.append((status, body))
        if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
            break
        conn.start_next_cycle()
    return out


def test_hello_response_is_valid_http() -> None:
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.receive_data(HELLO_RESPONSE)
    head = conn.next_event()
    assert isinstance(head, h11.Response) and head.status_code == 200
    assert conn.next_event() == h11.Data(data=b"Hello, world!")


def test_keep_alive_and_repeated_requests(server: EmbeddedServer) -> None:
    with _connect(server) as sock:
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read(sock, 1) == [(200, b"Hello, world!")]


def test_pipelined_requests_are_all_answered(server: EmbeddedServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n" * 5)
        assert _read(sock, 5) == [(200, b"Hello, world!")] * 5


def test_request_bodies_are_skipped_even_split(server: EmbeddedServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
        sock.sendall(b"56789GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read(sock, 2) == [(200, b"Hello, world!")] * 2


def test_head_gets_the_head_only(server: EmbeddedServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = HELLO_RESPONSE[: -len(b"Hello, world!")]
        expected = head * 2 + HELLO_RESPONSE
        data = b""
        while len(data) < len(expected):
            data += sock.recv(65536)
        assert data == expected


def test_connection_close_is_honoured(server: EmbeddedServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        assert b"Connection: close" in data and data.endswith(b"Hello, world!")


def test_chunked_request_and_oversized_head_are_refused(server: EmbeddedServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")
    with _connect(server) as sock:
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nX: " + b"a" * 70000)
        except OSError:
            pass  # the server may close before all is written
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")


def test_server_process_ends_when_closed() -> None:
    srv = EmbeddedServer()
    proc = srv._proc
    srv.close()
    assert proc.poll() is not None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
