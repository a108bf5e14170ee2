"""One HTTP/1.1 connection over a blocking socket.

Reads go through ``recv_into`` a buffer owned by the connection and reused for its whole
life. Timeouts are the kernel's (SO_RCVTIMEO/SO_SNDTIMEO on a socket left in blocking mode),
set only when the value changes: Python's own ``settimeout`` would put the socket in
non-blocking mode and add a poll() before every recv, a second system call per read.
An expired kernel timeout surfaces as EAGAIN (BlockingIOError, or SSLWantReadError through
TLS), which the error boundary maps to ReadTimeout/WriteTimeout.

Before an idle connection is reused, :meth:`is_dead` peeks at it without blocking (one
system call on this one socket): a server that closed it, or sent anything unasked, has
made it unusable.
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import sys
import time
from typing import Any, List, Optional, Union

from .._exceptions import ReadTimeout, RemoteProtocolError
from .._net.h1 import ResponseParser
from .._protocol.events import Data, EndOfMessage, ResponseHead, Upgrade

__all__ = ["SyncHTTP11Connection"]

_INF = float("inf")
_KERNEL_TIMEOUTS = sys.platform.startswith(("linux", "darwin", "freebsd"))
_PEEK_FLAGS = socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)
_BUFSIZE = 64 * 1024

Sock = Union[socket.socket, ssl.SSLSocket]


def _timeval(seconds: Optional[float]) -> bytes:
    if seconds is None or seconds <= 0.0:
        # Zero means "no timeout" to the kernel; a non-positive remainder must still
        # time out, so it becomes the smallest real value.
        return struct.pack("ll", 0, 0 if seconds is None else 1)
    whole = int(seconds)
    return struct.pack("ll", whole, int((seconds - whole) * 1_000_000) or (0 if whole else 1))


class SyncHTTP11Connection:
    """A connected (and, for https, TLS-wrapped) socket plus its response parser."""

    def __init__(self, sock: Sock) -> None:
        self.sock = sock
        self._tls = isinstance(sock, ssl.SSLSocket)
        self._parser = ResponseParser()
        self._buf = bytearray(_BUFSIZE)
        self._view = memoryview(self._buf)
        self.pool_conn: Any = None
        self.closed = False
        self.head: Optional[ResponseHead] = None
        self.chunks: List[bytes] = []
        self.complete = False
        self.upgrade_rest: Optional[bytes] = None
        # The timeouts currently set on the socket (-1.0: not set yet).
        self._rcv: Optional[float] = -1.0
        self._snd: Optional[float] = -1.0
        if not _KERNEL_TIMEOUTS:
            sock.settimeout(None)

    # ------------------------------------------------------------ timeouts

    def _recv_timeout(self, seconds: Optional[float]) -> None:
        if seconds != self._rcv:
            self._rcv = seconds
            if _KERNEL_TIMEOUTS:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(seconds))
            else:
                self.sock.settimeout(seconds)

    def _send_timeout(self, seconds: Optional[float]) -> None:
        if seconds != self._snd:
            self._snd = seconds
            if _KERNEL_TIMEOUTS:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(seconds))
            else:
                self.sock.settimeout(seconds)

    # ------------------------------------------------------------ request/response

    def is_dead(self) -> bool:
        """True if the idle connection was closed by the server or has unasked bytes."""
        sock = self.sock
        try:
            if self._tls and sock.pending():  # type: ignore[union-attr]
                return True
            # Readable while idle means EOF or bytes nobody asked for: either way unusable.
            # poll() rather than a non-blocking MSG_PEEK recv: under gevent (Locust) a recv
            # that meets EAGAIN waits instead of raising; and rather than select(), which
            # fails past FD_SETSIZE descriptors, as a load generator can have.
            return _readable_now(sock)
        except (OSError, ValueError):
            return True

    def start(self, method: bytes, data: bytes, write_timeout: Optional[float]) -> None:
        self._parser.start_response(method)
        self.head = None
        self.complete = False
        if self.chunks:
            self.chunks = []
        self.write(data, write_timeout)

    def write(self, data: bytes, write_timeout: Optional[float]) -> None:
        self._send_timeout(write_timeout)
        self.sock.sendall(data)

    def _read(self, read_timeout: Optional[float], deadline: float) -> None:
        """One recv into the reusable buffer, fed to the parser."""
        if deadline != _INF:
            remaining = deadline - time.monotonic()
            if remaining <= 0.0:
                raise ReadTimeout("timed out waiting for the whole response head")
            if read_timeout is None or remaining < read_timeout:
                read_timeout = remaining
        self._recv_timeout(read_timeout)
        n = self.sock.recv_into(self._buf)
        event: Any
        if n:
            events = self._parser.feed(self._view[:n].tobytes())
        else:
            events = self._parser.feed_eof()
            self.closed = True
            if not events and not self._parser.complete:
                raise RemoteProtocolError("Server disconnected without sending a response.")
        for event in events:
            cls = type(event)
            if cls is Data:
                self.chunks.append(event.data)
            elif cls is ResponseHead:
                self.head = event
            elif cls is EndOfMessage:
                self.complete = True
            elif cls is Upgrade:
                self.head = event.head
                self.upgrade_rest = event.rest
                if event.rest:
                    self.chunks.append(event.rest)
                self.complete = True
        if n == 0 and not self.complete:
            raise RemoteProtocolError("Server disconnected without sending a complete response.")

    def receive_head(self, read_timeout: Optional[float], head_deadline: float) -> ResponseHead:
        while self.head is None:
            self._read(read_timeout, head_deadline)
        return self.head

    def receive_data(self, read_timeout: Optional[float]) -> Optional[bytes]:
        """The next piece of the body, or None at its end."""
        while True:
            chunks = self.chunks
            if chunks:
                self.chunks = []
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if self.complete:
                return None
            self._read(read_timeout, _INF)

    def take_body(self) -> List[bytes]:
        chunks = self.chunks
        self.chunks = []
        return chunks

    def reusable(self) -> bool:
        return (
            self.complete
            and not self.closed
            and self.upgrade_rest is None
            and bool(self._parser.keep_alive)
        )

    def close(self) -> None:
        if self.closed and self.sock.fileno() < 0:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


def _readable_now(sock: socket.socket) -> bool:
    if _poll is None:  # pragma: no cover - Windows
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    poller = _poll()
    poller.register(sock, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


_poll = getattr(select, "poll", None)
