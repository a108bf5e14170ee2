"""The async response body streams. HTTP/1.1 (AsyncResponseStream): iterating it reads the
body from the connection, and closing it gives the connection back to the pool (reusable
only if the body was read to its end and the server keeps the connection alive). HTTP/2
(AsyncHTTP2ResponseStream): iterating it reads one stream of a shared connection, and
closing it ends that stream. A body that arrived whole with its head is held in memory by
either, and their ``_take_whole`` hands it to the client's read in one step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, List, Optional, Tuple

from .._exceptions import StreamConsumed
from .._net.errors import READ, map_error
from .._net.heldbody import HeldBody, PoolBody
from .._streams import AsyncByteStream

if TYPE_CHECKING:
    from .http2 import AsyncHTTP2Connection

__all__ = ["AsyncHTTP2ResponseStream", "AsyncResponseStream"]

Header = Tuple[bytes, bytes]


class _ListIterator:
    """Async iteration over chunks already in memory."""

    __slots__ = ("_chunks",)

    def __init__(self, chunks: List[bytes]) -> None:
        self._chunks = iter(chunks)

    def __aiter__(self) -> _ListIterator:
        return self

    async def __anext__(self) -> bytes:
        for chunk in self._chunks:
            return chunk
        raise StopAsyncIteration


class _HeldOrLive(HeldBody, AsyncByteStream):
    """A response body either held whole in memory (``_body``: it arrived with the head,
    and nothing is held on the connection for it) or read live (``_live()``)."""

    __slots__ = ("_body", "_consumed")

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise StreamConsumed()
        self._consumed = True
        body = self._body
        if body is not None:
            # The common case (a body that came whole): a plain iterator object, not an
            # async generator, whose creation and steps cost more than the rest of
            # reading such a body (asyncio registers every one in a WeakSet).
            self._body = None
            return _ListIterator(body)
        return self._live()

    def _live(self) -> AsyncIterator[bytes]:
        raise NotImplementedError


class AsyncResponseStream(PoolBody, _HeldOrLive):
    """Either a body already received whole (``body``, no connection held) or a live one
    read from ``conn`` (a PoolConnection of ``pool``, an AsyncConnectionPool, whose handle
    is the protocol)."""

    __slots__ = ("_conn", "_pool", "_read_timeout", "_trace")

    async def _live(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        proto = conn.handle
        trace = self._trace
        if trace is not None:
            from .._net.trace import atrace

            await atrace(trace, "http11.receive_response_body.started", {})
        try:
            while True:
                data = await proto.receive_data(self._read_timeout)
                if data is None:
                    break
                yield data
        except BaseException as exc:
            await self._release(False)
            if trace is not None and isinstance(exc, Exception):
                from .._net.trace import atrace

                await atrace(trace, "http11.receive_response_body.failed", {"exception": exc})
            mapped = map_error(exc, READ)
            if mapped is exc:
                raise
            raise mapped from exc
        if trace is not None:
            from .._net.trace import atrace

            await atrace(trace, "http11.receive_response_body.complete", {})
        await self._release(True)

    async def _release(self, complete: bool) -> None:
        conn = self._conn
        if conn is None:
            return
        self._conn = None
        pool = self._pool
        assert pool is not None
        pool.release(conn, complete)
        if self._trace is not None:
            from .._net.trace import atrace

            await atrace(self._trace, "http11.response_closed.started", {})
            await atrace(self._trace, "http11.response_closed.complete", {})

    async def aclose(self) -> None:
        self._body = None
        if self._conn is not None:
            await self._release(False)


class AsyncHTTP2ResponseStream(_HeldOrLive):
    """The body of one HTTP/2 response; closing it ends the stream."""

    __slots__ = (
        "_conn",
        "_read_timeout",
        "_sid",
        "_trace",
        "_trailers",
        "on_close",
    )

    def __init__(
        self,
        conn: Optional[AsyncHTTP2Connection],
        sid: int,
        read_timeout: Optional[float],
        trace: Any,
        body: Optional[List[bytes]] = None,
        trailers: Optional[List[Header]] = None,
    ) -> None:
        # Either a live stream read from ``conn``, or (conn None) a complete ``body``.
        self._conn = conn
        self._body = body
        self._trailers = trailers or []
        self._sid = sid
        self._read_timeout = read_timeout
        self._trace = trace
        self._consumed = False
        # Called once after the stream is closed (the pool's release), if set.
        self.on_close: Optional[Callable[[], None]] = None

    @property
    def stream_id(self) -> int:
        return self._sid

    @property
    def holds_stream(self) -> bool:
        """The response is still being received on its stream (closing it ends the
        stream); False when it arrived whole and its stream is already free."""
        return self._conn is not None

    async def _live(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        trace = self._trace
        if trace is not None:
            from .._net.trace import atrace

            await atrace(trace, "http2.receive_response_body.started", {"stream_id": self._sid})
        try:
            while True:
                data = await conn.receive_data(self._sid, self._read_timeout)
                if data is None:
                    break
                yield data
        except BaseException:
            await self.aclose()
            raise
        if trace is not None:
            await atrace(trace, "http2.receive_response_body.complete", {"stream_id": self._sid})

    def trailers(self) -> List[Header]:
        """The response trailers (empty until the body has been read to its end)."""
        conn = self._conn
        return conn.trailers(self._sid) if conn is not None else self._trailers

    async def aclose(self) -> None:
        self._body = None
        conn = self._conn
        on_close = self.on_close
        self.on_close = None
        if conn is not None:
            self._conn = None
            self._trailers = conn.trailers(self._sid)
            conn.close_stream(self._sid)
        if on_close is not None:
            on_close()
        if conn is None:
            return
        if self._trace is not None:
            from .._net.trace import atrace

            await atrace(self._trace, "http2.response_closed.started", {"stream_id": self._sid})
            await atrace(self._trace, "http2.response_closed.complete", {})
