"""One HTTP/1.1 connection for asyncio: a Protocol whose data_received feeds the parser.

There is no StreamReader in between: bytes go from the event loop straight into the
compiled parser, and the waiting request is woken only when what it waits for is there (the
response head, or body data). A small response usually arrives in one data_received call
as head, body and end together, and the transport hands it over without another await.

Timers: one TimerHandle per connection at most, never one per read. A wait records its
deadline in ``_deadline``; the handle fires at the earliest deadline ever set and, if the
deadline has moved on meanwhile (data arrived, or a new request began), is rescheduled
instead of failing. In steady keep-alive traffic that is one call_at per read-timeout period
per connection.

Backpressure: body bytes the consumer has not taken yet are buffered up to ``HIGH_WATER``;
past that, reading is paused, and it resumes when the consumer takes the buffer. Reading is
never paused once a response is complete.

Reading: a BufferedProtocol receiving into the thread's shared buffer (``_net.recvbuf``
says why), and the parser gets exactly the bytes received.

Close detection: eof_received/connection_lost mark the connection closed and tell the pool
(``on_lost``), so an idle connection the server closed is dropped at once and never reused.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, List, Optional, Union

from .._exceptions import (
    LocalProtocolError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WriteError,
    WriteTimeout,
)
from .._net.h1 import ResponseParser
from .._net.recvbuf import receive_buffer
from .._protocol.events import Data, EndOfMessage, ResponseHead, Upgrade

__all__ = ["HIGH_WATER", "AsyncHTTP11Connection"]

#: Unconsumed body bytes at which reading pauses.
HIGH_WATER = 256 * 1024
_INF = float("inf")
# The most one transport.write() is given (see AsyncHTTP11Connection.write).
ONE_WRITE = 256 * 1024


class AsyncHTTP11Connection(asyncio.BufferedProtocol):
    """The per-connection protocol; the pool keeps it in ``PoolConnection.handle``."""

    http_version = b"HTTP/1.1"

    def __init__(
        self, loop: asyncio.AbstractEventLoop, on_lost: Callable[[AsyncHTTP11Connection], None]
    ) -> None:
        self._loop = loop
        self._on_lost = on_lost
        self.transport: Optional[asyncio.Transport] = None
        self._parser = ResponseParser()
        self._view = receive_buffer()
        self.pool_conn: Any = None  # the PoolConnection, set by the pool once connected
        self.closed = False
        self.lost = False  # connection_lost has run: the socket is released
        self.busy = False  # a request is in flight
        self.head: Optional[ResponseHead] = None
        self.chunks: List[bytes] = []
        self._buffered = 0
        self.complete = False
        self.upgrade_rest: Optional[bytes] = None
        self.error: Optional[BaseException] = None
        self._eof = False
        self._waiter: Optional[asyncio.Future[None]] = None
        self._want_head = False
        self._reading_paused = False
        self._writing_paused = False
        self._drain: Optional[asyncio.Future[None]] = None
        # The server answered before the whole request was sent: the rest would reach it
        # as the start of the next request, so the connection is not reused.
        self.cut = False
        # The last response's head and the last future woken, kept until the next response
        # arrives (see _on_events and _wake): freed there, in the pass that delivers
        # responses, rather than by the waiting request, they balance what that pass makes.
        self._spent_head: Optional[ResponseHead] = None
        self._spent_waiter: Optional[asyncio.Future[None]] = None
        self._timer: Optional[asyncio.TimerHandle] = None
        self._timer_at = 0.0
        self._deadline = _INF
        self._head_deadline = _INF
        self._read_timeout: Optional[float] = None
        # At most 29 instance attributes: at 30, CPython 3.11 stops sharing the instance
        # dict's keys and every attribute access on the connection gets slower (measured:
        # 3,300 instructions more per request; tests/transport/test_async_connection_layout).

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._view[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        # Also called directly by a transport that does not know BufferedProtocol.
        if not self.busy or self.complete:
            if self.upgrade_rest is not None:
                # After 101/CONNECT the bytes belong to the new protocol (network_stream).
                self.chunks.append(data)
                self._wake()
                return
            # Bytes nobody asked for: the connection can no longer be trusted.
            self.error = RemoteProtocolError("received data on an idle connection")
            self._abort()
            return
        try:
            events = self._parser.feed(data)
        except (LocalProtocolError, RemoteProtocolError) as exc:
            self._fail(exc)
            return
        if events:
            self._on_events(events)
        elif self._waiter is not None and self._read_timeout is not None:
            self._progress()

    def eof_received(self) -> Optional[bool]:
        self._eof = True
        if self.busy and not self.complete:
            self._feed_eof()
        return False  # let the transport close

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self.lost = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)
        if self.busy and not self.complete:
            if exc is None and not self._eof:
                self._feed_eof()
            if not self.complete and self.error is None:
                if exc is not None:
                    self.error = ReadError(str(exc) or type(exc).__name__)
                    self.error.__cause__ = exc
                else:
                    self.error = RemoteProtocolError(
                        "Server disconnected without sending a complete response."
                    )
        self._wake()
        self._on_lost(self)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # ------------------------------------------------------------ parser events

    def _on_events(self, events: List[Any]) -> None:
        for event in events:
            cls = type(event)
            if cls is Data:
                self.chunks.append(event.data)
                self._buffered += len(event.data)
            elif cls is ResponseHead:
                self.head = event
                self._spent_head = None
            elif cls is EndOfMessage:
                self.complete = True
            elif cls is Upgrade:
                self.head = event.head
                self.upgrade_rest = event.rest
                if event.rest:
                    self.chunks.append(event.rest)
                self.complete = True
        if self._drain is not None and self.head is not None and not self._drain.done():
            self._drain.set_result(None)  # answered early: stop waiting to send the body
        if self._waiter is not None:
            if self.head is not None and (self.complete or self.chunks or self._want_head):
                self._wake()
            elif self._read_timeout is not None:
                self._progress()
        if self._buffered > HIGH_WATER and not self.complete and not self._reading_paused:
            self._reading_paused = True
            assert self.transport is not None
            self.transport.pause_reading()

    def _feed_eof(self) -> None:
        try:
            events = self._parser.feed_eof()
        except (LocalProtocolError, RemoteProtocolError) as exc:
            self._fail(exc)
            return
        if events:
            self._on_events(events)

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self._abort()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
            self._spent_waiter = waiter

    # ------------------------------------------------------------ timers

    def _progress(self) -> None:
        # Data arrived but not enough to wake the request: the read deadline moves on.
        assert self._read_timeout is not None
        deadline = self._loop.time() + self._read_timeout
        self._deadline = deadline if deadline < self._head_deadline else self._head_deadline

    def _arm(self, read_timeout: Optional[float], head_deadline: float) -> None:
        self._read_timeout = read_timeout
        self._head_deadline = head_deadline
        deadline = head_deadline
        if read_timeout is not None:
            deadline = min(deadline, self._loop.time() + read_timeout)
        self._deadline = deadline
        if deadline == _INF:
            return
        timer = self._timer
        if timer is None or self._timer_at > deadline:
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timer)
            self._timer_at = deadline

    def _on_timer(self) -> None:
        self._timer = None
        if self._waiter is None or self._deadline == _INF:
            return
        if self._loop.time() >= self._deadline:
            if self._deadline >= self._head_deadline:
                exc = ReadTimeout("timed out waiting for the whole response head")
            else:
                exc = ReadTimeout("timed out waiting for data from the server")
            self._fail(exc)
        else:
            self._timer = self._loop.call_at(self._deadline, self._on_timer)
            self._timer_at = self._deadline

    async def _wait(self) -> None:
        waiter = self._loop.create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    # ------------------------------------------------------------ used by the pool

    def start(self, method: bytes, data: Union[bytes, memoryview]) -> None:
        """Begin a request: reset per-response state and write the head (and a small
        body already joined to it)."""
        self._parser.start_response(method)
        self.busy = True
        self._spent_head = self.head
        self.head = None
        self.complete = False
        self.error = None
        if self.chunks:
            self.chunks = []
        self._buffered = 0
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            raise WriteError("the connection was closed before the request was sent")
        transport.write(data)

    async def write(self, data: Union[bytes, memoryview], timeout: Optional[float]) -> None:
        """Send ``data``, waiting (at most ``timeout``) while the transport is over its
        high-water mark. Large data goes in pieces of ONE_WRITE, each waited for: handed
        over in one write, it would sit in the transport's buffer with nothing to wait on
        (asyncio's TLS transport passes any one write whole to the socket's transport
        without pausing its protocol), and the write timeout would bound nothing."""
        if len(data) <= ONE_WRITE:
            await self._write_piece(data, timeout)
            return
        view = memoryview(data)
        for start in range(0, len(view), ONE_WRITE):
            if start and self.head is not None:
                self.cut = True
                return  # the server answered before taking it all (e.g. 413)
            await self._write_piece(view[start : start + ONE_WRITE], timeout)

    async def _write_piece(self, data: Union[bytes, memoryview], timeout: Optional[float]) -> None:
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            if self.error is not None and self.head is not None:
                return  # the server answered early; the response tells the rest
            raise WriteError("the connection was closed while sending the request body")
        transport.write(data)
        if self._writing_paused:
            await self._drained(timeout)

    async def _drained(self, timeout: Optional[float]) -> None:
        """Wait, at most ``timeout`` seconds, while the transport holds more unsent bytes
        than its high-water mark (writing paused). The response head arriving ends the
        wait (the server answered before taking the whole body). Called only while
        writing is paused."""
        if self.head is None:
            drain = self._loop.create_future()
            self._drain = drain
            try:
                if timeout is None:
                    await drain
                else:
                    await asyncio.wait_for(drain, timeout)
            except asyncio.TimeoutError as exc:
                raise WriteTimeout("timed out while sending the request body") from exc
            finally:
                self._drain = None
        if self._writing_paused:  # answered with the request still in the send buffer
            self.cut = True

    async def receive_head(self, read_timeout: Optional[float], head_deadline: float) -> Any:
        waiter = self.head_waiter(read_timeout, head_deadline)
        if waiter is not None:
            try:
                await waiter
            finally:
                self._waiter = None
        return self.head_result()

    def head_waiter(
        self, read_timeout: Optional[float], head_deadline: float
    ) -> Optional[asyncio.Future[None]]:
        """receive_head() in two halves, for the pool's request path, where a coroutine
        of its own would cost a frame per request and a level on every resumption: the
        future to await (None when the head or an error is already here), then, with
        ``_waiter`` cleared, head_result()."""
        if self.head is None and self.error is None:
            self._want_head = True
            self._arm(read_timeout, head_deadline)
            waiter: asyncio.Future[None] = self._loop.create_future()
            self._waiter = waiter
            return waiter
        return None

    def head_result(self) -> Any:
        if self.head is None:
            assert self.error is not None
            raise self.error
        return self.head

    async def receive_data(self, read_timeout: Optional[float]) -> Optional[bytes]:
        """The next piece of the body, or None at its end."""
        while True:
            chunks = self.chunks
            if chunks:
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                self.chunks = []
                self._buffered = 0
                if self._reading_paused:
                    self._reading_paused = False
                    if self.transport is not None and not self.closed:
                        self.transport.resume_reading()
                return data
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            self._want_head = False
            self._arm(read_timeout, _INF)
            await self._wait()

    async def read_raw(self, timeout: Optional[float]) -> bytes:
        """After an upgrade: the next bytes of the new protocol (b"" at the end)."""
        while not self.chunks:
            if self.closed:
                return b""
            if self.error is not None:
                raise self.error
            self._want_head = False
            self._arm(timeout, _INF)
            await self._wait()
        data = b"".join(self.chunks)
        self.chunks = []
        self._buffered = 0
        if self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    def reset_after_tunnel(self) -> None:
        """A CONNECT tunnel is up: the connection starts again as a fresh one."""
        self._parser = ResponseParser()
        self.busy = False
        self.head = None
        self.complete = False
        self.upgrade_rest = None
        self.chunks = []
        self._buffered = 0

    def take_body(self) -> List[bytes]:
        """The buffered body of a complete response (the whole of it)."""
        chunks = self.chunks
        self.chunks = []
        self._buffered = 0
        return chunks

    def finish(self) -> bool:
        """The response is done with: whether the connection can serve another request."""
        self.busy = False
        return (
            self.complete
            and not self.closed
            and self.error is None
            and not self.cut
            and (self.upgrade_rest is None and bool(self._parser.keep_alive))
        )

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
