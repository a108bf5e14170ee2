"""One HTTP/1.1 connection over a blocking socket.

Reads go through ``recv_into`` a buffer owned by the connection and reused for its whole
life. Timeouts are the kernel's (SO_RCVTIMEO/SO_SNDTIMEO on a socket left in blocking mode),
set only when the value changes: Python's own ``settimeout`` would put the socket in
non-blocking mode and add a poll() before every recv, a second system call per read.
An expired kernel timeout surfaces as EAGAIN (BlockingIOError), which the error boundary
maps to ReadTimeout/WriteTimeout. Not through TLS: CPython's ssl module retries a read or
write that wants more I/O for as long as the socket is in blocking mode, so a kernel
timeout never ends it; a TLS socket gets ``settimeout`` instead (see ``_kernel``). A
receive timeout close enough to the wanted one is kept rather than set again, with a check
that it never ends a read early (see :meth:`_read`): with a head deadline the wanted value
changes from read to read.

Before an idle connection is reused, :meth:`is_dead` polls it without blocking (one
system call on this one socket, through a poll object registered once): a server that
closed it, or sent anything unasked, has made it unusable.

The wait for a response head polls before it sleeps while the server answers fast
(``busy_poll``; see busypoll).
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import sys
import time
from typing import Any, List, Optional, Union

from .._exceptions import ReadTimeout, RemoteProtocolError, WriteTimeout
from .._net.h1 import ResponseParser
from .._protocol.events import Data, EndOfMessage, ResponseHead, Upgrade
from .busypoll import BusyPolled, budget_for, poll_until, poller_for
from .tlsintls import TLSInTLS

__all__ = ["SyncHTTP11Connection"]

_INF = float("inf")
_KERNEL_TIMEOUTS = sys.platform.startswith(("linux", "darwin", "freebsd"))
_BUFSIZE = 64 * 1024
_monotonic = time.monotonic
# How a receive timeout set with SO_RCVTIMEO (or settimeout) expires.
_RECV_TIMEOUTS = (BlockingIOError, socket.timeout, ssl.SSLWantReadError)
_SEND_TIMEOUTS = (BlockingIOError, socket.timeout, ssl.SSLWantWriteError)
_TLS_SOCKETS = (ssl.SSLSocket, TLSInTLS)
# A receive timeout already set on the socket is kept while it is at most _LATE seconds
# longer than the wanted one, or no shorter than _EARLY times it (see
# SyncHTTP11Connection._read).
_LATE = 0.002
_EARLY = 0.9
_POLL_EVENTS = select.POLLIN | select.POLLPRI if hasattr(select, "poll") else 0

Sock = Union[socket.socket, ssl.SSLSocket, TLSInTLS]


def _timeval(seconds: Optional[float]) -> bytes:
    if seconds is None or seconds <= 0.0:
        # Zero means "no timeout" to the kernel; a non-positive remainder must still
        # time out, so it becomes the smallest real value.
        return struct.pack("ll", 0, 0 if seconds is None else 1)
    whole = int(seconds)
    return struct.pack("ll", whole, int((seconds - whole) * 1_000_000) or (0 if whole else 1))


class SyncHTTP11Connection(BusyPolled):
    """A connected (and, for https, TLS-wrapped) socket plus its response parser."""

    def __init__(self, sock: Sock, busy_poll: float = 0.0) -> None:
        self.sock = sock
        self._tls = isinstance(sock, _TLS_SOCKETS)
        self._kernel = _KERNEL_TIMEOUTS and not self._tls
        self._busy_poll = budget_for(sock, busy_poll)
        # Whether the wait for the next head polls: the last head came within the budget.
        self._polling = False
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
        # is_dead()'s poll object and the descriptor registered with it (made on first use).
        self._poller: Any = None
        self._polled_fd = -1
        if not self._kernel:
            sock.settimeout(None)

    def replace_socket(self, sock: Sock) -> None:
        """Go on over ``sock`` (the same connection wrapped in TLS by start_tls)."""
        self._busy_poll = budget_for(sock, self._busy_poll)
        self.sock = sock
        self._tls = isinstance(sock, _TLS_SOCKETS)
        self._kernel = _KERNEL_TIMEOUTS and not self._tls
        self._rcv = self._snd = -1.0
        self._poller = None
        self._polled_fd = -1
        if not self._kernel:
            sock.settimeout(None)

    # ------------------------------------------------------------ timeouts

    def _recv_timeout(self, seconds: Optional[float]) -> None:
        if seconds != self._rcv:
            self._rcv = seconds
            if self._kernel:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(seconds))
            else:
                self.sock.settimeout(seconds)
                self._snd = -1.0  # one timeout serves both directions

    def _send_timeout(self, seconds: Optional[float]) -> None:
        if seconds != self._snd:
            self._snd = seconds
            if self._kernel:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(seconds))
            else:
                self.sock.settimeout(seconds)
                self._rcv = -1.0  # one timeout serves both directions

    # ------------------------------------------------------------ request/response

    def _poller_of(self, sock: Sock) -> Any:
        """The poll object watching this connection's socket (made on first use), or
        None if the socket is closed."""
        poller = self._poller
        fd = sock.fileno()
        if poller is None or fd != self._polled_fd:
            # First use, or the socket was closed (-1) or replaced: a poll object is never
            # left watching a number that the kernel may have given to another descriptor.
            if fd < 0:
                return None
            # One poll object per connection, registered once: a new one per check costs
            # a registration, and about twice the time, on every reuse.
            poller = self._poller = poller_for(fd, _POLL_EVENTS)
            self._polled_fd = fd
        return poller

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
            if _poll is None:  # pragma: no cover - Windows
                if sock.fileno() < 0:
                    return True
                readable, _, _ = select.select([sock], [], [], 0)
                return bool(readable)
            poller = self._poller_of(sock)
            return poller is None or bool(poller.poll(0))
        except (OSError, ValueError):
            return True

    def start(self, method: bytes, data: bytes, write_timeout: Optional[float]) -> None:
        """Begin a request/response cycle by sending the request head ``data``."""
        self._parser.start_response(method)
        self.head = None
        self.complete = False
        if self.chunks:
            self.chunks = []
        self.write(data, write_timeout)

    def write(self, data: bytes, write_timeout: Optional[float]) -> None:
        """Send all of ``data`` within ``write_timeout`` seconds. The kernel's send timeout
        (SO_SNDTIMEO) bounds each send call, and a peer that takes a large write slowly
        makes every call a partial one; so the whole write is held to the timeout here by
        the clock, as socket.sendall does under settimeout."""
        if write_timeout != self._snd:
            self._send_timeout(write_timeout)
        if write_timeout is None:
            self.sock.sendall(data)
            return
        started = _monotonic()
        try:
            sent = self.sock.send(data)
        except _SEND_TIMEOUTS:
            sent = 0
        if sent != len(data):
            self._send_rest(memoryview(data)[sent:], started + write_timeout)

    def _send_rest(self, view: memoryview, end: float) -> None:
        while True:
            left = end - _monotonic()
            if left <= 0.0:
                raise WriteTimeout("timed out while sending the request")
            self._send_timeout(left)
            try:
                view = view[self.sock.send(view) :]
            except _SEND_TIMEOUTS:
                continue
            if not view:
                return

    def _read(self, read_timeout: Optional[float], deadline: float, started: float = 0.0) -> None:
        """One recv into the reusable buffer, fed to the parser: waits at most
        ``read_timeout`` seconds, and not past ``deadline`` (monotonic; inf for none).
        ``started``: the monotonic time the caller has just read (0.0: read it here)."""
        wanted = read_timeout
        if deadline != _INF:
            if not started:
                started = _monotonic()
            remaining = deadline - started
            if remaining <= 0.0:
                raise ReadTimeout("timed out waiting for the whole response head")
            if wanted is None or remaining < wanted:
                wanted = remaining
        # The receive timeout rule. Setting SO_RCVTIMEO is a system call, and the wanted
        # value is often a little off the one set: each read of a head wants what is left of
        # its deadline, then the body's reads want the whole read timeout again. So the value
        # already set (``kernel``) is kept while it is close enough to the wanted one:
        # * longer by at most _LATE (2 ms): when it fires, the wanted time has passed too,
        #   and the timeout is raised (at most 2 ms late);
        # * shorter, down to _EARLY (90%) of it: it may fire early, so then the real end,
        #   ``started + wanted`` (the read timeout counted from when this read started, or
        #   the head deadline if sooner), is checked, and while it has not passed the exact
        #   remainder is set and the recv tried again (_recv_until). Never early; the cost
        #   is one more wake-up, only for a read that really waits that long.
        # No timeout (None) on either side is never mixed with a number.
        # Even a kernel timeout equal to the wanted one may end early: the kernel counts it
        # in whole timer ticks (10 ms at HZ=100) from a tick already partly gone, and was
        # seen to end 12 ms before a 100 ms read timeout. So every expiry is checked against
        # the monotonic clock from this read's start, and a short one waits out the rest.
        kernel = self._rcv
        if kernel != wanted and (
            kernel is None or wanted is None or not wanted * _EARLY <= kernel <= wanted + _LATE
        ):
            self._recv_timeout(wanted)
        if wanted is not None and not started:
            started = _monotonic()
        try:
            n = self.sock.recv_into(self._buf)
        except _RECV_TIMEOUTS as exc:
            if wanted is None:
                raise
            n = self._recv_until(started + wanted, exc)
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

    def _recv_until(self, end: float, expired: BaseException) -> int:
        """The recv of _read after a kept receive timeout shorter than the wanted one
        ``expired``: waits on until ``end`` (monotonic) with the exact remainder set, and
        raises the last expiry once ``end`` has passed."""
        while True:
            left = end - _monotonic()
            if left <= 0.0:
                raise expired
            self._recv_timeout(left)
            try:
                return self.sock.recv_into(self._buf)
            except _RECV_TIMEOUTS as exc:
                expired = exc

    def recv_some(self, max_bytes: int, timeout: Optional[float]) -> bytes:
        """One plain recv for a network stream (upgrades, CONNECT), under the same rule as
        _read: a kernel expiry before ``timeout`` has passed by the clock waits on."""
        self._recv_timeout(timeout)
        started = _monotonic()
        while True:
            try:
                return self.sock.recv(max_bytes)
            except _RECV_TIMEOUTS:
                if timeout is None:
                    raise
                left = started + timeout - _monotonic()
                if left <= 0.0:
                    raise
                self._recv_timeout(left)

    def receive_head(
        self, read_timeout: Optional[float], head_deadline: float, started: float = 0.0
    ) -> ResponseHead:
        """Read until the response head is in. ``started``: the monotonic time the head
        deadline was counted from, if the caller has just read it (see _read)."""
        if self._busy_poll and self.head is None:
            now = started or _monotonic()
            if self._before_wait(now, read_timeout):
                self._read(read_timeout, head_deadline, now)
                started = 0.0
                self._timed(now)
        while self.head is None:
            self._read(read_timeout, head_deadline, started)
            started = 0.0
        return self.head

    def _poll_ready(self, budget: float, limit: Optional[float]) -> bool:
        sock = self.sock
        if self._tls and sock.pending():  # type: ignore[union-attr]
            return True
        poller = self._poller_of(sock)
        if poller is None:
            return False  # closed: the read that follows says so
        return poll_until(poller.poll, budget, limit)

    def early_answer(
        self, exc: BaseException, read_timeout: Optional[float]
    ) -> Optional[ResponseHead]:
        """The head of what the server answered before it stopped taking the request that
        ``exc`` (not a timeout) broke off, if it did: a server may answer, say, 413 to a
        body too large and close. Its answer is read (as httpcore does) and the
        connection, half-written, is not reused."""
        if not isinstance(exc, OSError) or isinstance(exc, _SEND_TIMEOUTS):
            return None
        self.closed = True
        try:
            return self.receive_head(read_timeout, _INF)
        except Exception:
            return None

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


_poll = getattr(select, "poll", None)
