"""One HTTP/2 connection over a socket, shared by any number of threads.

Theory of operation
-------------------
A "leader/followers" reader: no thread is dedicated to the connection. A thread that
needs something from the server (its response head, body data, flow-control credit)
checks its stream under the connection's lock; if it must wait and nobody is reading, it
becomes the reader: it releases the lock, receives from the socket, takes the lock again,
feeds the core, routes every event to its stream's record, and wakes all waiters through
one Condition. If someone else is reading, it waits on the Condition. So the thread that
happens to be waiting does the reading, each received chunk is parsed once, and an idle
connection costs no thread.

Lock order and why nothing blocks while holding the state lock:

* ``_lock`` (with ``_cond``, notified only when a thread sleeps on it) guards the core
  and the stream table; it is held only for in-memory work, never during socket I/O;
* ``_write_lock`` serialises writers: a writer takes the queued bytes from the core under
  ``_lock``, then writes them holding only ``_write_lock``. The reader flushes its
  acknowledgements (SETTINGS/PING ACK, WINDOW_UPDATE) only if ``_write_lock`` is free;
  otherwise the writer holding it sends them when it re-checks the queue before leaving.
  So a reader never waits for a writer stuck on a full socket buffer (which may be full
  precisely because the server waits for us to read).

The socket is non-blocking and every wait is a ``select`` with the caller's own deadline,
so a reader's read timeout and a writer's write timeout do not share a socket setting.
A TLS socket's SSL object must not be used by two threads at once, so each (non-blocking,
hence short) SSL call is made under ``_io_lock``.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from .._exceptions import (
    LocalProtocolError,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WriteError,
    WriteTimeout,
)
from .._protocol.http2 import (
    CANCEL,
    NO_ERROR,
    ConnectionTerminated,
    Data,
    EndOfMessage,
    PingAcknowledged,
    ResponseHead,
    StreamReset,
    new_connection,
)
from .busypoll import BusyPolled, budget_for, poll_until, poller_for
from .stream import SyncHTTP2ResponseStream

__all__ = ["SyncHTTP2Connection", "SyncHTTP2ResponseStream", "is_retryable"]

Header = Tuple[bytes, bytes]
Sock = Union[socket.socket, ssl.SSLSocket]
_INF = float("inf")
_RETRYABLE = "_fastclient_h2_retryable"
_RECV_SIZE = 256 * 1024


def is_retryable(exc: BaseException) -> bool:
    """True when the server did not process the failed request (see the async twin)."""
    return bool(getattr(exc, _RETRYABLE, False))


def _deadline(timeout: Optional[float]) -> float:
    return _INF if timeout is None else time.monotonic() + timeout


class _Stream:
    __slots__ = ("chunks", "complete", "error", "head", "sid", "trailers", "upload_done")

    def __init__(self, sid: int) -> None:
        self.sid = sid
        self.head: Optional[ResponseHead] = None
        self.chunks: List[bytes] = []
        self.complete = False
        self.trailers: List[Header] = []
        self.error: Optional[BaseException] = None
        self.upload_done = False


class SyncHTTP2Connection(BusyPolled):
    """A connected socket (TLS with ALPN h2, or h2c prior knowledge) speaking HTTP/2."""

    def __init__(self, sock: Sock, busy_poll: float = 0.0, **settings: int) -> None:
        self.sock = sock
        self._tls = isinstance(sock, ssl.SSLSocket)
        # The reader polls before it waits while answers come fast (see busypoll).
        self._busy_poll = budget_for(sock, busy_poll)
        self._polling = False
        self._poller: Any = poller_for(sock.fileno(), select.POLLIN) if self._busy_poll else None
        self.core = new_connection(**settings)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        # Threads asleep on _cond: nobody to wake is the common case (one thread per
        # connection), and Condition.notify_all is Python code.
        self._sleepers = 0
        self._write_lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._reading = False
        self._streams: Dict[int, _Stream] = {}
        self._ping_acks = 0
        self.closed = False
        self.error: Optional[BaseException] = None
        self.pool_conn: Any = None
        self.http_version = b"HTTP/2"
        sock.setblocking(False)
        self.core.initiate()
        self._flush(True, _deadline(None))

    # ------------------------------------------------------------ state for the pool

    def is_available(self) -> bool:
        with self._lock:
            return not self.closed and bool(self.core.is_available())

    def capacity(self) -> int:
        with self._lock:
            return 0 if self.closed else int(self.core.capacity())

    def is_idle(self) -> bool:
        return not self._streams

    def is_closed(self) -> bool:
        return self.closed

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    # ------------------------------------------------------------ socket I/O

    def _select(self, read: bool, deadline: float, exc_type: type) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise exc_type("timed out")
        fd = self.sock.fileno()
        if fd < 0:
            raise ReadError("the connection is closed")
        fds = [fd]
        wait = min(remaining, 3600.0)
        r, w, _ = select.select(fds if read else [], [] if read else fds, [], wait)
        if not r and not w and time.monotonic() >= deadline:
            raise exc_type("timed out")

    def _recv(self, deadline: float) -> bytes:
        sock = self.sock
        while True:
            try:
                if self._tls:
                    with self._io_lock:
                        return sock.recv(_RECV_SIZE)
                return sock.recv(_RECV_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError):
                self._select(True, deadline, ReadTimeout)
            except ssl.SSLWantWriteError:
                self._select(False, deadline, ReadTimeout)

    def _receive(self, deadline: float) -> bytes:
        """_recv, after polling while the answers on this connection come within the
        busy-poll budget (see busypoll); timed while they do not."""
        if self._busy_poll:
            now = time.monotonic()
            if self._before_wait(now, deadline - now):
                data = self._recv(deadline)
                self._timed(now)
                return data
        return self._recv(deadline)

    def _poll_ready(self, budget: float, limit: Optional[float]) -> bool:
        if self.sock.fileno() < 0:
            return False  # closed: the read that follows says so
        if self._tls:
            with self._io_lock:
                if self.sock.pending() > 0:  # type: ignore[union-attr]
                    return True
        return bool(poll_until(self._poller.poll, budget, limit))

    def _sendall(self, data: bytes, deadline: float) -> None:
        sock = self.sock
        view = memoryview(data)
        while view:
            try:
                if self._tls:
                    with self._io_lock:
                        sent = sock.send(view)
                else:
                    sent = sock.send(view)
                view = view[sent:]
            except (BlockingIOError, ssl.SSLWantWriteError):
                self._select(False, deadline, WriteTimeout)
            except ssl.SSLWantReadError:
                self._select(True, deadline, WriteTimeout)

    def _flush(self, blocking: bool, deadline: float) -> None:
        """Write what the core queued. Non-blocking callers (the reader) leave it to the
        writer in progress, which re-checks the queue after releasing the write lock."""
        while True:
            if not self._write_lock.acquire(blocking):
                return
            try:
                while True:
                    with self._lock:
                        data = self.core.data_to_send()
                    if not data:
                        break
                    self._sendall(data, deadline)
            except (OSError, ValueError) as exc:
                if isinstance(exc, WriteTimeout):
                    raise
                self._fail(WriteError(str(exc) or type(exc).__name__), exc)
                raise self.error or WriteError("write failed") from exc
            finally:
                self._write_lock.release()
            with self._lock:
                if not self.core.pending():
                    return
            blocking = False

    # ------------------------------------------------------------ reading and routing

    def _sleep(self, remaining: float) -> None:
        """Wait on _cond (held) to be woken, for at most ``remaining`` seconds."""
        self._sleepers += 1
        try:
            self._cond.wait(None if remaining == _INF else remaining)
        finally:
            self._sleepers -= 1

    def _wake(self) -> None:
        """Wake the threads asleep on _cond (held), if any."""
        if self._sleepers:
            self._cond.notify_all()

    def _route(self, events: List[Tuple[int, Any]]) -> None:
        streams = self._streams
        for sid, event in events:
            cls = type(event)
            st = streams.get(sid)
            if st is not None:
                if cls is Data:
                    st.chunks.append(event.data)
                elif cls is ResponseHead:
                    st.head = event
                elif cls is EndOfMessage:
                    st.complete = True
                    st.trailers = event.trailers
                elif cls is StreamReset:
                    if st.complete and event.error_code == NO_ERROR:
                        st.upload_done = True
                    elif st.error is None:
                        exc = RemoteProtocolError(event.message)
                        if event.retryable:
                            setattr(exc, _RETRYABLE, True)
                        st.error = exc
            elif cls is ConnectionTerminated and self.error is None:
                self.error = RemoteProtocolError(event.message)
            elif cls is PingAcknowledged:
                self._ping_acks += 1
        if self.core.closed and not self.closed:
            self.closed = True

    def _fail(self, error: BaseException, cause: Optional[BaseException] = None) -> None:
        """The connection is broken: every unfinished stream fails with ``error``."""
        if cause is not None:
            error.__cause__ = cause
        with self._lock:
            self.closed = True
            if self.error is None:
                self.error = error
            self.core.connection_lost(str(error))
            for st in self._streams.values():
                if not st.complete and st.error is None:
                    st.error = error
            self._wake()

    def _wait(
        self,
        st: _Stream,
        ready: Any,
        deadline: float,
        exc_type: type,
        why: str = "timed out waiting for the server",
    ) -> None:
        """Hold ``_lock`` on entry and exit; return once ``ready(st)`` or raise."""
        while not ready(st):
            if st.error is not None:
                raise st.error
            if self.closed:
                raise self.error or ReadError("the connection is closed")
            if self._reading:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise exc_type(why)
                self._sleep(remaining)
                continue
            self._reading = True
            self._lock.release()
            flush = False
            try:
                try:
                    data = self._receive(deadline)
                except ReadTimeout:
                    raise exc_type(why) from None
                except (OSError, ValueError) as exc:
                    self._fail(ReadError(str(exc) or type(exc).__name__), exc)
                    data = None
                if data is not None and not data:
                    self._fail(RemoteProtocolError("server disconnected"))
                    data = None
                if data:
                    with self._lock:
                        events = self.core.receive_data(data)
                        self._route(events)
                        flush = self.core.pending() > 0
            finally:
                self._lock.acquire()
                self._reading = False
                self._wake()
            if flush:
                self._lock.release()
                try:
                    self._flush(False, _deadline(None))
                except Exception:
                    pass  # the failure is recorded on the connection; the loop reports it
                finally:
                    self._lock.acquire()

    # ------------------------------------------------------------ one request

    def start_request(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        headers: List[Header],
        end_stream: bool,
        pool_timeout: Optional[float] = None,
        write_timeout: Optional[float] = None,
    ) -> int:
        """Open a stream (waiting, FIFO-ish, up to ``pool_timeout`` while the server's
        stream limit is reached) and send the request head; return the stream id."""
        deadline = _deadline(pool_timeout)
        with self._lock:
            while True:
                if self.closed:
                    raise self.error or WriteError("the connection is closed")
                if self.core.goaway_received:
                    exc = RemoteProtocolError("the server is closing this connection (GOAWAY)")
                    setattr(exc, _RETRYABLE, True)
                    raise exc
                if self.core.is_available():
                    break
                # Full: streams end when their readers route the events; wait for that.
                if not self._reading and self._streams:
                    # Nobody reads: read on behalf of the others until a slot frees.
                    probe = _Stream(0)
                    self._wait(
                        probe,
                        lambda _s: self.core.is_available() or self.closed,
                        deadline,
                        PoolTimeout,
                    )
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PoolTimeout("timed out waiting for a free HTTP/2 stream")
                self._sleep(remaining)
            sid = int(self.core.send_request(method, scheme, authority, path, headers, end_stream))
            self._streams[sid] = _Stream(sid)
        try:
            self._flush(True, _deadline(write_timeout))
        except BaseException:
            self.close_stream(sid)
            raise
        return sid

    def send_body(
        self, sid: int, body: Union[bytes, Iterable[bytes]], write_timeout: Optional[float]
    ) -> None:
        st = self._streams[sid]
        chunks: Iterable[bytes] = [body] if isinstance(body, bytes) else body
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                deadline = _deadline(write_timeout)
                with self._lock:
                    if st.error is not None:
                        raise st.error
                    if st.upload_done:
                        return
                    if self.closed:
                        raise self.error or WriteError("the connection was closed")
                    sent = int(self.core.send_data(sid, bytes(view[:65536]), False))
                    if not sent:
                        self._wait(
                            st,
                            lambda s: s.upload_done or self.core.send_window(sid) > 0,
                            deadline,
                            WriteTimeout,
                        )
                        continue
                view = view[sent:]
                self._flush(True, deadline)
        with self._lock:
            if st.error is not None:
                raise st.error
            if st.upload_done or self.closed:
                return
            self.core.end_stream(sid)
        self._flush(True, _deadline(write_timeout))

    def receive_head(
        self, sid: int, read_timeout: Optional[float], head_timeout: Optional[float] = None
    ) -> ResponseHead:
        """The response head, waited for up to ``read_timeout`` and, as a whole, up to
        ``head_timeout`` (Timeout(head=...), which also holds when reads have no limit)."""
        st = self._streams[sid]
        deadline = _deadline(read_timeout)
        why = "timed out waiting for the server"
        head_deadline = _deadline(head_timeout)
        if head_deadline < deadline:
            deadline = head_deadline
            why = "timed out waiting for the whole response head"
        with self._lock:
            self._wait(st, lambda s: s.head is not None, deadline, ReadTimeout, why)
            assert st.head is not None
            return st.head

    def receive_data(self, sid: int, read_timeout: Optional[float]) -> Optional[bytes]:
        st = self._streams[sid]
        with self._lock:
            self._wait(st, lambda s: s.chunks or s.complete, _deadline(read_timeout), ReadTimeout)
            chunks = st.chunks
            if not chunks:
                return None
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            st.chunks = []
            self.core.acknowledge(sid, len(data))
            flush = self.core.pending() > 0
        if flush:
            self._flush(False, _deadline(None))
        return data

    def take_complete(self, sid: int) -> Optional[List[bytes]]:
        """The whole body of stream ``sid`` if it has all arrived (acknowledged, so that
        the connection's window is given back), else None; the caller then closes it."""
        with self._lock:
            st = self._streams.get(sid)
            if st is None or not st.complete:
                return None
            chunks = st.chunks
            st.chunks = []
            received = len(chunks[0]) if len(chunks) == 1 else sum(map(len, chunks))
            if received:
                self.core.acknowledge(sid, received)
        return chunks

    def trailers(self, sid: int) -> List[Header]:
        st = self._streams.get(sid)
        return list(st.trailers) if st is not None else []

    def close_stream(self, sid: int) -> None:
        with self._lock:
            if self._streams.pop(sid, None) is None:
                return
            flush = False
            if not self.closed:
                self.core.reset_stream(sid, CANCEL)
                flush = self.core.pending() > 0
            self._wake()  # a stream slot may be free now
        if flush:
            try:
                self._flush(False, _deadline(None))
            except Exception:
                pass  # recorded on the connection; the next request reports it

    def request(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        headers: List[Header],
        body: Union[bytes, Iterable[bytes], None] = None,
        *,
        read_timeout: Optional[float] = None,
        write_timeout: Optional[float] = None,
        pool_timeout: Optional[float] = None,
        head_timeout: Optional[float] = None,
        trace: Any = None,
    ) -> Tuple[ResponseHead, SyncHTTP2ResponseStream]:
        """Send one request; return its head and its body stream (close it when done).
        ``head_timeout`` bounds the wait for the head as a whole, from when the request
        is sent."""
        from .._net.trace import strace

        has_body = body is not None and body != b""
        if trace is not None:
            strace(trace, "http2.send_request_headers.started", {"stream_id": None})
        sid = self.start_request(
            method, scheme, authority, path, headers, not has_body, pool_timeout, write_timeout
        )
        try:
            if trace is not None:
                strace(trace, "http2.send_request_headers.complete", {"stream_id": sid})
            if has_body:
                assert body is not None
                if trace is not None:
                    strace(trace, "http2.send_request_body.started", {"stream_id": sid})
                self.send_body(sid, body, write_timeout)
                if trace is not None:
                    strace(trace, "http2.send_request_body.complete", {"stream_id": sid})
            if trace is not None:
                strace(trace, "http2.receive_response_headers.started", {"stream_id": sid})
            head = self.receive_head(sid, read_timeout, head_timeout)
            if trace is not None:
                strace(trace, "http2.receive_response_headers.complete", {"return_value": head})
        except BaseException:
            self.close_stream(sid)
            raise
        return head, SyncHTTP2ResponseStream(self, sid, read_timeout, trace)

    def ping(self, data: bytes = b"\x00" * 8, timeout: Optional[float] = None) -> None:
        """Send a PING and wait for its acknowledgement (ReadTimeout without one). The
        server's settings sent before the answer are in force when this returns."""
        deadline = _deadline(timeout)
        with self._lock:
            before = self._ping_acks
            self.core.ping(data)
        self._flush(True, deadline)
        with self._lock:
            self._wait(_Stream(0), lambda _s: self._ping_acks > before, deadline, ReadTimeout)

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.core.close()
        try:
            self._flush(False, _deadline(1.0))
        except Exception:
            pass  # closing anyway
        self._fail(LocalProtocolError("the connection was closed by the client"))
        try:
            self.sock.close()
        except OSError:
            pass
