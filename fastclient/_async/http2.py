"""One HTTP/2 connection for asyncio: a Protocol that multiplexes requests over the core.

Theory of operation
-------------------
One reader per connection: ``data_received`` feeds the sans-IO core directly and routes
each ``(stream_id, event)`` to that stream's small state record, waking the one future
the stream's request awaits, if any. There is no lock per stream and no task per stream:
asyncio runs callbacks on one thread, so the routing is plain attribute updates.

Writes are flushed once per loop iteration: every call that queues frames (a request
head, a body chunk, a WINDOW_UPDATE) only schedules ``_flush`` with ``call_soon`` if it is
not scheduled yet, so the heads of the many requests woken by one ``data_received`` leave
in one ``transport.write``.

Timers: one TimerHandle per connection at most. A wait records its deadline on its stream
and arms the connection's timer only if that fires later; when it fires, it fails the
waits whose deadline passed (ReadTimeout, or WriteTimeout for an upload waiting for
flow-control credit) and re-arms for the earliest remaining one.

How a pool uses it (one connection per origin, see ``docs`` in the report):

* open the socket with ALPN ``h2`` (or h2c prior knowledge), then make this protocol the
  transport's protocol (``loop.create_connection(factory)``, or ``transport.set_protocol``
  + :meth:`connection_made` after a TLS handshake that chose h2);
* :meth:`is_available` says whether another request may start now; ``capacity()`` how
  many; ``on_capacity`` is called whenever that may have grown (a stream ended, the server
  raised its limit) and ``on_lost`` when the connection is gone;
* :meth:`request` sends one request and returns the head and a body stream; closing the
  stream ends the stream (RST_STREAM CANCEL if unfinished) and frees its slot;
* a failure :func:`is_retryable` was not processed by the server (REFUSED_STREAM, or above
  a GOAWAY's last stream id) and may be sent again on another connection.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import (
    Any,
    AsyncIterable,
    Callable,
    Deque,
    Dict,
    List,
    Optional,
    Tuple,
    Union,
)

from .._exceptions import (
    LocalProtocolError,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WriteError,
    WriteTimeout,
)
from .._net.recvbuf import receive_buffer
from .._protocol.http2 import (
    CANCEL,
    NO_ERROR,
    ConnectionTerminated,
    Data,
    EndOfMessage,
    PingAcknowledged,
    ResponseHead,
    SettingsChanged,
    StreamReset,
    WindowUpdated,
    new_connection,
)
from .stream import AsyncHTTP2ResponseStream

__all__ = ["AsyncHTTP2Connection", "AsyncHTTP2ResponseStream", "is_retryable"]

Header = Tuple[bytes, bytes]
_INF = float("inf")
_RETRYABLE = "_fastclient_h2_retryable"


def is_retryable(exc: BaseException) -> bool:
    """True when the server did not process the request that failed with ``exc``, so it
    may be sent again on another connection whatever its method."""
    return bool(getattr(exc, _RETRYABLE, False))


def _stream_error(event: StreamReset) -> RemoteProtocolError:
    exc = RemoteProtocolError(event.message)
    if event.retryable:
        setattr(exc, _RETRYABLE, True)
    return exc


class _Stream:
    """What one request's coroutine and the reader share."""

    __slots__ = (
        "chunks",
        "complete",
        "deadline",
        "error",
        "head",
        "head_cut",
        "sid",
        "trailers",
        "upload_done",
        "waiter",
        "writing",
    )

    def __init__(self, sid: int) -> None:
        self.sid = sid
        self.head: Optional[ResponseHead] = None
        self.chunks: List[bytes] = []
        self.complete = False
        self.trailers: List[Header] = []
        self.error: Optional[BaseException] = None
        # The server ended the stream for us while we upload (it answered early).
        self.upload_done = False
        self.waiter: Optional[asyncio.Future[None]] = None
        self.deadline = _INF
        self.writing = False  # the wait is for flow-control credit (WriteTimeout)
        self.head_cut = False  # the deadline is the head's as a whole (Timeout(head=))


class AsyncHTTP2Connection(asyncio.BufferedProtocol):
    """The per-connection protocol; a pool keeps it as its connection handle."""

    def __init__(
        self,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        on_lost: Optional[Callable[[AsyncHTTP2Connection], None]] = None,
        on_capacity: Optional[Callable[[AsyncHTTP2Connection], None]] = None,
        **settings: int,
    ) -> None:
        self._loop = loop if loop is not None else asyncio.get_running_loop()
        self._on_lost = on_lost
        self._on_capacity = on_capacity
        self.core = new_connection(**settings)
        self.transport: Optional[asyncio.Transport] = None
        self._streams: Dict[int, _Stream] = {}
        self._flush_scheduled = False
        self._timer: Optional[asyncio.TimerHandle] = None
        self._timer_at = _INF
        self._writing_paused = False
        self._drain: Optional[asyncio.Future[None]] = None
        self._pings: List[asyncio.Future[None]] = []
        # Requests waiting for a free stream (FIFO): the server's limit was reached, or
        # lowered while streams were in flight. They wait; they do not fail.
        self._slot_waiters: Deque[asyncio.Future[None]] = deque()
        self._lost = False  # connection_lost ran
        self._lost_waiters: List[asyncio.Future[None]] = []
        self.closed = False
        # Why the connection ended (RemoteProtocolError, ReadError), for later requests.
        self.error: Optional[BaseException] = None
        self.pool_conn: Any = None  # for the pool's bookkeeping
        self.http_version = b"HTTP/2"
        self._view = receive_buffer()  # see _net.recvbuf

    @classmethod
    def adopt(
        cls,
        transport: asyncio.Transport,
        on_lost: Optional[Callable[[AsyncHTTP2Connection], None]] = None,
        on_capacity: Optional[Callable[[AsyncHTTP2Connection], None]] = None,
        **settings: int,
    ) -> AsyncHTTP2Connection:
        """Take over a connected transport whose TLS handshake chose ``h2`` by ALPN (the
        pool connects with its HTTP/1.1 protocol, then ``loop.start_tls``): the transport
        delivers to this protocol from now on, and the connection preface goes out."""
        conn = cls(asyncio.get_running_loop(), on_lost, on_capacity, **settings)
        transport.set_protocol(conn)
        conn.connection_made(transport)
        return conn

    # ------------------------------------------------------------ state for the pool

    def is_available(self) -> bool:
        return not self.closed and self.core.is_available()

    def capacity(self) -> int:
        return 0 if self.closed else int(self.core.capacity())

    def is_idle(self) -> bool:
        return not self._streams

    def is_closed(self) -> bool:
        return self.closed

    @property
    def lost(self) -> bool:
        """connection_lost has run: the transport has let go of the socket."""
        return self._lost

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    @property
    def max_streams(self) -> int:
        return int(self.core.max_concurrent_streams)

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.core.initiate()
        self._flush()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._view[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        events = self.core.receive_data(data)
        if events:
            self._route(events)
        if self.core.pending():
            self._schedule_flush()

    def eof_received(self) -> Optional[bool]:
        return False  # let the transport close; connection_lost fails what is left

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if exc is not None:
            error: BaseException = ReadError(str(exc) or type(exc).__name__)
            error.__cause__ = exc
        else:
            error = RemoteProtocolError("server disconnected")
        self._shutdown(error)
        self._lost = True
        for waiter in self._lost_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._lost_waiters = []
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)
        if self._on_lost is not None:
            self._on_lost(self)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # ------------------------------------------------------------ routing

    def _route(self, events: List[Tuple[int, Any]]) -> None:
        streams = self._streams
        capacity = False
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
                    capacity = True
                elif cls is StreamReset:
                    capacity = True
                    if st.complete and event.error_code == NO_ERROR:
                        st.upload_done = True  # answered in full: stop sending, no error
                    elif st.error is None:
                        st.error = _stream_error(event)
                waiter = st.waiter
                if waiter is not None:
                    st.waiter = None
                    if not waiter.done():
                        waiter.set_result(None)
            elif cls is WindowUpdated or cls is SettingsChanged:
                if cls is SettingsChanged:
                    capacity = True
                if sid == 0:
                    self._wake_writers()
            elif cls is ConnectionTerminated:
                capacity = True
                if not event.remote:
                    # We ended it: the core has reset every stream already.
                    self.error = RemoteProtocolError(event.message)
                    self._schedule_flush()  # the GOAWAY
                elif self.error is None:
                    self.error = RemoteProtocolError(event.message)
            elif cls is PingAcknowledged:
                for fut in self._pings:
                    if not fut.done():
                        fut.set_result(None)
                self._pings = []
        if capacity:
            self._capacity_changed()
        if self.core.closed and not self.closed:
            self.closed = True
            if self.transport is not None:
                self._flush()
                self.transport.close()

    def _capacity_changed(self) -> None:
        if self._slot_waiters:
            self._wake_slot_waiters()
        if self._on_capacity is not None:
            self._on_capacity(self)

    def _wake_slot_waiters(self) -> None:
        waiters = self._slot_waiters
        free = self.capacity() if not self.core.goaway_received else len(waiters)
        while waiters and free > 0:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                free -= 1

    def _wake_writers(self) -> None:
        for st in self._streams.values():
            waiter = st.waiter
            if waiter is not None and st.writing:
                st.waiter = None
                if not waiter.done():
                    waiter.set_result(None)

    def _shutdown(self, error: BaseException) -> None:
        """The connection is gone: fail every stream still waiting for the server."""
        self.closed = True
        if self.error is None:
            self.error = error
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.core.connection_lost(str(error))
        for st in self._streams.values():
            if not st.complete and st.error is None:
                st.error = error
            waiter = st.waiter
            if waiter is not None:
                st.waiter = None
                if not waiter.done():
                    waiter.set_result(None)
        for fut in self._pings:
            if not fut.done():
                fut.set_exception(error)
        self._pings = []
        while self._slot_waiters:
            fut = self._slot_waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # the request then sees the connection closed

    # ------------------------------------------------------------ writing

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        data = self.core.data_to_send()
        if data:
            transport.write(data)

    async def _drain_writes(self, timeout: Optional[float]) -> None:
        if not self._writing_paused:
            return
        drain = self._loop.create_future()
        self._drain = drain
        try:
            await asyncio.wait_for(drain, timeout)
        except asyncio.TimeoutError as exc:
            raise WriteTimeout("timed out while sending the request body") from exc
        finally:
            self._drain = None

    # ------------------------------------------------------------ timers

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = _INF
        now = self._loop.time()
        following = _INF
        for st in self._streams.values():
            waiter = st.waiter
            if waiter is None:
                continue
            if st.deadline <= now:
                st.waiter = None
                if not waiter.done():
                    if st.writing:
                        waiter.set_exception(WriteTimeout("timed out waiting to send the body"))
                    elif st.head_cut:
                        why = "timed out waiting for the whole response head"
                        waiter.set_exception(ReadTimeout(why))
                    else:
                        waiter.set_exception(ReadTimeout("timed out waiting for the server"))
            elif st.deadline < following:
                following = st.deadline
        if following < _INF:
            self._arm(following)

    def _arm(self, deadline: float) -> None:
        if deadline < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timer)
            self._timer_at = deadline

    async def _wait(self, st: _Stream, timeout: Optional[float], writing: bool) -> None:
        waiter = self._loop.create_future()
        st.waiter = waiter
        st.writing = writing
        if timeout is not None:
            st.deadline = self._loop.time() + timeout
            self._arm(st.deadline)
        try:
            await waiter
        finally:
            st.waiter = None
            st.deadline = _INF

    # ------------------------------------------------------------ one request

    def start_request(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        headers: List[Header],
        end_stream: bool,
    ) -> int:
        """Open a stream and queue the request head; return the stream id."""
        if self.closed:
            raise self.error or WriteError("the connection is closed")
        if not self.core.is_available():
            raise LocalProtocolError("no stream capacity left on this HTTP/2 connection")
        sid = int(self.core.send_request(method, scheme, authority, path, headers, end_stream))
        self._streams[sid] = _Stream(sid)
        self._schedule_flush()
        return sid

    async def send_body(
        self,
        sid: int,
        body: Union[bytes, AsyncIterable[bytes]],
        write_timeout: Optional[float],
    ) -> None:
        """Send the request body within the server's windows, then END_STREAM."""
        st = self._streams[sid]
        if isinstance(body, bytes):
            await self._send_chunk(st, body, write_timeout)
        else:
            async for chunk in body:
                if st.upload_done or st.error is not None:
                    break
                if chunk:
                    await self._send_chunk(st, chunk, write_timeout)
        if st.error is not None:
            raise st.error
        if not st.upload_done and not self.closed:
            self.core.end_stream(sid)
            self._schedule_flush()

    async def _send_chunk(self, st: _Stream, chunk: bytes, write_timeout: Optional[float]) -> None:
        core = self.core
        view = memoryview(chunk)
        while view:
            if st.error is not None:
                raise st.error
            if st.upload_done:
                return
            if self.closed:
                raise self.error or WriteError("the connection was closed")
            sent = int(core.send_data(st.sid, bytes(view[:65536]), False))
            if sent:
                view = view[sent:]
                self._flush()
                await self._drain_writes(write_timeout)
            else:
                await self._wait(st, write_timeout, True)

    async def receive_head(self, sid: int, read_timeout: Optional[float]) -> ResponseHead:
        st = self._streams[sid]
        while st.head is None:
            if st.error is not None:
                raise st.error
            await self._wait(st, read_timeout, False)
        return st.head

    async def receive_data(self, sid: int, read_timeout: Optional[float]) -> Optional[bytes]:
        """The next piece of the body (all that arrived, joined), None at its end."""
        st = self._streams[sid]
        while True:
            chunks = st.chunks
            if chunks:
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                st.chunks = []
                self.core.acknowledge(sid, len(data))
                if self.core.pending():
                    self._schedule_flush()
                return data
            if st.complete:
                return None
            if st.error is not None:
                raise st.error
            await self._wait(st, read_timeout, False)

    def trailers(self, sid: int) -> List[Header]:
        st = self._streams.get(sid)
        return list(st.trailers) if st is not None else []

    def close_stream(self, sid: int) -> None:
        """The response is done with: reset the stream if unfinished, free its slot."""
        st = self._streams.pop(sid, None)
        if st is None:
            return
        if not self.closed:
            self.core.reset_stream(sid, CANCEL)  # a no-op when the stream is over
            if self.core.pending():
                self._schedule_flush()
        # A freed stream changes neither the connection's limit nor whether it takes new
        # streams, which is all the pool's on_capacity looks at (the pool counts its
        # streams itself): only a request waiting here for a stream is told.
        if self._slot_waiters:
            self._wake_slot_waiters()

    async def wait_for_stream(self, timeout: Optional[float] = None) -> None:
        """Wait (FIFO) until a request may start here, or the connection is unusable
        (closed or draining after GOAWAY: the caller then goes to another connection)."""
        while not self.closed and not self.core.goaway_received and not self.core.is_available():
            fut = self._loop.create_future()
            self._slot_waiters.append(fut)
            try:
                await asyncio.wait_for(fut, timeout)
            except asyncio.TimeoutError as exc:
                raise PoolTimeout("timed out waiting for a free HTTP/2 stream") from exc
            except BaseException:
                if fut.done() and not fut.cancelled():
                    self._capacity_changed()  # pass on the wake-up this waiter got
                raise
            finally:
                if not fut.done():
                    # Timed out or cancelled: leave the queue. (A wake-up this waiter got
                    # but could not use is passed on by the next capacity change.)
                    fut.cancel()
                    try:
                        self._slot_waiters.remove(fut)
                    except ValueError:
                        pass

    async def request(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        headers: List[Header],
        body: Union[bytes, AsyncIterable[bytes], None] = None,
        *,
        read_timeout: Optional[float] = None,
        write_timeout: Optional[float] = None,
        pool_timeout: Optional[float] = None,
        head_timeout: Optional[float] = None,
        trace: Any = None,
    ) -> Tuple[ResponseHead, AsyncHTTP2ResponseStream]:
        """Send one request; return its head and its body stream (which the caller must
        close). When no stream is free it waits for one (up to ``pool_timeout``);
        ``head_timeout`` bounds the wait for the head as a whole, from when the request
        is sent.
        Raises RemoteProtocolError (see :func:`is_retryable`), ReadTimeout, WriteTimeout,
        ReadError, PoolTimeout."""
        has_body = body is not None and body != b""
        if not self.core.is_available():
            await self.wait_for_stream(pool_timeout)
            if self.core.goaway_received and not self.closed:
                exc = RemoteProtocolError("the server is closing this connection (GOAWAY)")
                setattr(exc, _RETRYABLE, True)
                raise exc
        if trace is not None:
            from .._net.trace import atrace

            await atrace(trace, "http2.send_request_headers.started", {"stream_id": None})
        sid = self.start_request(method, scheme, authority, path, headers, not has_body)
        try:
            if trace is not None:
                await atrace(trace, "http2.send_request_headers.complete", {"stream_id": sid})
            if has_body:
                assert body is not None
                if trace is not None:
                    await atrace(trace, "http2.send_request_body.started", {"stream_id": sid})
                await self.send_body(sid, body, write_timeout)
                if trace is not None:
                    await atrace(trace, "http2.send_request_body.complete", {"stream_id": sid})
            if trace is not None:
                await atrace(trace, "http2.receive_response_headers.started", {"stream_id": sid})
            st = self._streams[sid]
            head = st.head
            head_deadline = _INF
            if head_timeout is not None and head is None:
                head_deadline = self._loop.time() + head_timeout
            while head is None:  # receive_head and _wait inlined: the hot path
                if st.error is not None:
                    raise st.error
                waiter = self._loop.create_future()
                st.waiter = waiter
                st.writing = False
                deadline = head_deadline
                if read_timeout is not None:
                    deadline = min(deadline, self._loop.time() + read_timeout)
                if deadline != _INF:
                    st.deadline = deadline
                    st.head_cut = deadline == head_deadline
                    self._arm(deadline)
                try:
                    await waiter
                finally:
                    st.waiter = None
                    st.deadline = _INF
                    st.head_cut = False
                head = st.head
            if trace is not None:
                await atrace(
                    trace, "http2.receive_response_headers.complete", {"return_value": head}
                )
        except BaseException as exc:
            self.close_stream(sid)
            if trace is not None and isinstance(exc, Exception):
                await atrace(trace, "http2.request.failed", {"exception": exc})
            raise
        if st.complete and trace is None:
            # The whole response is here (the common case for small bodies): hand it
            # over in one piece and free the stream now, not when the caller closes.
            chunks = st.chunks
            st.chunks = []
            received = len(chunks[0]) if len(chunks) == 1 else sum(map(len, chunks))
            if received:
                self.core.acknowledge(sid, received)
            trailers = list(st.trailers)
            self.close_stream(sid)
            return head, AsyncHTTP2ResponseStream(None, sid, None, None, chunks, trailers)
        return head, AsyncHTTP2ResponseStream(self, sid, read_timeout, trace)

    async def ping(self, data: bytes = b"\x00" * 8, timeout: Optional[float] = None) -> None:
        """Send a PING and wait for its acknowledgement."""
        fut = self._loop.create_future()
        self._pings.append(fut)
        self.core.ping(data)
        self._schedule_flush()
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError as exc:
            raise ReadTimeout("no answer to PING") from exc

    async def aclose(self) -> None:
        """:meth:`close`, then wait until the transport has let go of the socket."""
        transport = self.transport
        self.close()
        if transport is not None and not self._lost:
            waiter = self._loop.create_future()
            self._lost_waiters.append(waiter)
            await waiter

    def close(self) -> None:
        """GOAWAY, then close the transport (streams still open fail)."""
        if not self.closed:
            self.core.close()
            self._flush()
            self._shutdown(LocalProtocolError("the connection was closed by the client"))
        if self.transport is not None:
            self.transport.close()
