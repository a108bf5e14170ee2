"""A socket server whose handler, a plain function of the accepted socket, scripts the bytes.

For protocol edge cases and faults that a real server will not produce on demand: a close
in mid-body, a reset, a trickle of bytes, garbage. Only 127.0.0.1.
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import threading
from typing import Callable, List, Optional, Tuple

Handler = Callable[[socket.socket], None]


class RawServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.accepted = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1024)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        self._conns: List[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="raw-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.accepted += 1
                self._conns.append(conn)
            t = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _run(self, conn: socket.socket) -> None:
        conn.settimeout(10.0)
        try:
            self.handler(conn)
        except OSError:
            pass  # the client went away first: that is what many fault tests provoke
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for t in self._threads:
            t.join(5)
        self._sock.close()


def read_request_head(sock: socket.socket) -> bytes:
    """Read up to and including the blank line that ends a request head (b"" on EOF)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    return data


def read_request(sock: socket.socket) -> Tuple[bytes, bytes]:
    """Read one request: its head and its body (Content-Length or chunked)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b"", b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head + b"\r\n\r\n", _dechunk(rest)
    length = 0
    for line in lower.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n", rest


def _dechunk(data: bytes) -> bytes:
    out = b""
    while True:
        line, _, data = data.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return out
        out += data[:size]
        data = data[size + 2 :]


def silent_until_hangup(sock: socket.socket, limit: float = 30.0) -> None:
    """Say nothing until the client closes the connection (or the fixture shuts it down
    at teardown). Better than a fixed sleep for a timeout test: a host that stalls the
    client for longer than the sleep would otherwise see the server hang up first."""
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


def reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0, which makes the kernel send RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def recording(seen: List[bytes], answer: bytes, with_body: bool = False) -> Handler:
    """A keep-alive handler: answers every request with ``answer`` and keeps what it read
    in ``seen`` (the head, or the head and the body), until the client closes."""

    def handler(sock: socket.socket) -> None:
        while True:
            head, body = read_request(sock)
            if not head:
                return
            seen.append(head + body if with_body else head)
            sock.sendall(answer)

    return handler


def connect_proxy(tunnels: List[bytes], tls: Optional[ssl.SSLContext] = None) -> Handler:
    """A CONNECT proxy (over TLS with ``tls``): records each request head in ``tunnels``,
    answers 200 to a CONNECT for 127.0.0.1 (refuses any other host: loopback only) and
    then relays bytes both ways until either side closes."""

    def handler(sock: socket.socket) -> None:
        if tls is None:
            tunnel(sock)
        else:
            with tls.wrap_socket(sock, server_side=True) as wrapped:
                tunnel(wrapped)

    def tunnel(client: socket.socket) -> None:
        head = read_request_head(client)
        tunnels.append(head)
        target = head.split(b" ", 2)[1]
        host, _, port = target.rpartition(b":")
        if not head.startswith(b"CONNECT ") or host != b"127.0.0.1":
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        # One thread relays both ways: an SSL object must not be read and written from
        # two threads at once.
        try:
            _relay(client, upstream)
        finally:
            upstream.close()

    return handler


def _relay(a: socket.socket, b: socket.socket) -> None:
    peers = {a: b, b: a}
    while True:
        ready = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not ready:
            ready, _, _ = select.select([a, b], [], [], 10.0)
            if not ready:
                return
        for src in ready:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            peers[src].sendall(data)
