"""The async response body stream: iterating it reads the body from the connection, and
closing it gives the connection back to the pool (reusable only if the body was read to
its end and the server keeps the connection alive)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, List, Optional

from .._exceptions import StreamConsumed
from .._net.errors import READ, map_error
from .._streams import AsyncByteStream

if TYPE_CHECKING:
    from .pool import AsyncConnectionPool

__all__ = ["AsyncResponseStream"]


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


class AsyncResponseStream(AsyncByteStream):
    """Either a body already received whole (``body``, no connection held) or a live one
    read from ``conn`` (a PoolConnection whose handle is the protocol)."""

    __slots__ = ("_body", "_conn", "_consumed", "_pool", "_read_timeout", "_trace")

    def __init__(
        self,
        body: Optional[List[bytes]],
        pool: Optional[AsyncConnectionPool] = None,
        conn: Any = None,
        read_timeout: Optional[float] = None,
        trace: Any = None,
    ) -> None:
        self._body = body
        self._pool = pool
        self._conn = conn
        self._read_timeout = read_timeout
        self._consumed = False
        self._trace = trace

    def _take_whole(self) -> Optional[List[bytes]]:
        body = self._body
        if body is None or self._consumed:
            return None
        self._consumed = True
        self._body = None
        return body

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise StreamConsumed()
        self._consumed = True
        body = self._body
        if body is not None:
            # The common case (a body that came whole): no async generator, whose
            # creation and steps cost more than the rest of reading such a body.
            self._body = None
            return _ListIterator(body)
        return self._receive()

    async def _receive(self) -> AsyncIterator[bytes]:
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
