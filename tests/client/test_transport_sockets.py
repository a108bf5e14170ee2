"""The transports' socket options end to end, on both clients: uds, local_address and
socket_options."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from fastclient import AsyncHTTPTransport, HTTPTransport
from tests.servers.raw import read_request_head

pytestmark = pytest.mark.network

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def transport(which: str, **options: Any) -> Any:
    return HTTPTransport(**options) if which == "sync" else AsyncHTTPTransport(**options)


@pytest.fixture()
def unix_server(tmp_path: Path) -> Iterator[Any]:
    """A keep-alive server on a Unix socket that records the request heads it reads."""
    path = str(tmp_path / "server.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    listener.settimeout(0.2)
    heads: List[bytes] = []
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            while True:
                head = read_request_head(conn)
                if not head:
                    return
                heads.append(head)
                conn.sendall(OK)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield path, heads
    stop.set()
    thread.join(5)
    listener.close()


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_uds_carries_the_requests(unix_server: Any, make_client: Any, which: str) -> None:
    path, heads = unix_server
    client = make_client(transport=transport(which, uds=path))
    for _ in range(2):
        response = client.get("http://localhost/x?y=1")
        assert response.status_code == 200 and response.content == b"ok"
    assert [h.split(b"\r\n")[0] for h in heads] == [b"GET /x?y=1 HTTP/1.1"] * 2
    assert b"\r\nHost: localhost\r\n" in heads[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="all of 127/8 is loopback")
def test_local_address_is_the_source(raw_server: Any, make_client: Any, which: str) -> None:
    peers: List[str] = []

    def handler(sock: socket.socket) -> None:
        peers.append(sock.getpeername()[0])
        read_request_head(sock)
        sock.sendall(OK)

    server = raw_server(handler)
    client = make_client(transport=transport(which, local_address="127.0.0.2"))
    assert client.get(f"{server.url}/").content == b"ok"
    assert peers == ["127.0.0.2"]


@pytest.mark.parametrize("with_local_address", [False, True])
def test_socket_options_are_set(
    raw_server: Any, make_client: Any, which: str, with_local_address: bool
) -> None:
    def handler(sock: socket.socket) -> None:
        read_request_head(sock)
        sock.sendall(OK)

    server = raw_server(handler)
    options = [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
        (socket.SOL_SOCKET, socket.SO_RCVBUF, 65536),
    ]
    extra = {"local_address": "127.0.0.1"} if with_local_address else {}
    client = make_client(transport=transport(which, socket_options=options, **extra))
    seen: List[Any] = []

    def trace(event: str, info: Any) -> None:
        # Read at once: the server closes after its answer, and the async connection's
        # socket with it.
        if event == "connection.connect_tcp.complete":
            made = info["return_value"]  # the socket (sync) or the connection (async)
            sock = made if which == "sync" else made.transport.get_extra_info("socket")
            seen.append(
                (
                    sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                    sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
                    sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                )
            )

    response = client.get(f"{server.url}/", extensions={"trace": trace})
    assert response.content == b"ok"
    assert len(seen) == 1
    keepalive, rcvbuf, nodelay = seen[0]
    assert keepalive == 1
    # Linux doubles the asked buffer size for its bookkeeping: at least what was asked.
    assert rcvbuf >= 65536
    assert nodelay != 0  # TCP_NODELAY stays on beside the user's options
