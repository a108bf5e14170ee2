"""The sync response body streams. HTTP/1.1 (SyncResponseStream): iterating reads the body
from the connection; closing gives the connection back to the pool (reusable only if the
body was read to its end). HTTP/2 (SyncHTTP2ResponseStream): iterating reads one stream of
a shared connection; closing ends that stream. ``_take_whole`` hands a body that has all
arrived to the client's read in one step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

from .._exceptions import StreamConsumed
from .._net.errors import READ, map_error
from .._net.heldbody import PoolBody
from .._streams import SyncByteStream

if TYPE_CHECKING:
    from .http2 import SyncHTTP2Connection

__all__ = ["SyncHTTP2ResponseStream", "SyncResponseStream"]

Header = Tuple[bytes, bytes]


class SyncResponseStream(PoolBody, SyncByteStream):
    """Either a body already received whole (``body``) or a live one read from ``conn``
    (a PoolConnection of ``pool``: a ConnectionPool)."""

    __slots__ = ("_body", "_conn", "_consumed", "_pool", "_read_timeout", "_trace")

    def __iter__(self) -> Iterator[bytes]:
        if self._consumed:
            raise StreamConsumed()
        self._consumed = True
        body = self._body
        if body is not None:
            # The common case (a body that came whole): no generator.
            self._body = None
            return iter(body)
        return self._receive()

    def _receive(self) -> Iterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        handle = conn.handle
        trace = self._trace
        if trace is not None:
            from .._net.trace import strace

            strace(trace, "http11.receive_response_body.started", {})
        try:
            while True:
                data = handle.receive_data(self._read_timeout)
                if data is None:
                    break
                yield data
        except BaseException as exc:
            self._release(False)
            mapped = map_error(exc, READ)
            if trace is not None and isinstance(exc, Exception):
                from .._net.trace import strace

                strace(trace, "http11.receive_response_body.failed", {"exception": mapped})
            if mapped is exc:
                raise
            raise mapped from exc
        if trace is not None:
            from .._net.trace import strace

            strace(trace, "http11.receive_response_body.complete", {})
        self._release(True)

    def _release(self, complete: bool) -> None:
        conn = self._conn
        if conn is None:
            return
        self._conn = None
        assert self._pool is not None
        self._pool.release(conn, complete)
        if self._trace is not None:
            from .._net.trace import strace

            strace(self._trace, "http11.response_closed.started", {})
            strace(self._trace, "http11.response_closed.complete", {})

    def close(self) -> None:
        self._body = None
        if self._conn is not None:
            self._release(False)


class SyncHTTP2ResponseStream(SyncByteStream):
    """The body of one HTTP/2 response; closing it ends the stream."""

    def __init__(
        self, conn: SyncHTTP2Connection, sid: int, read_timeout: Optional[float], trace: Any
    ) -> None:
        self._conn: Optional[SyncHTTP2Connection] = conn
        self._sid = sid
        self._read_timeout = read_timeout
        self._trace = trace
        self._consumed = False
        self.on_close: Any = None

    @property
    def stream_id(self) -> int:
        return self._sid

    def _take_whole(self) -> Optional[List[bytes]]:
        # A body that has all arrived: the client's read takes it in one step, without
        # iterating, and closes the stream (which frees it for another request).
        conn = self._conn
        if conn is None or self._consumed or self._trace is not None:
            return None
        chunks = conn.take_complete(self._sid)
        if chunks is None:
            return None
        self._consumed = True
        self.close()
        return chunks

    def __iter__(self) -> Iterator[bytes]:
        if self._consumed:
            raise StreamConsumed()
        self._consumed = True
        conn = self._conn
        if conn is None:
            return
        from .._net.trace import strace

        if self._trace is not None:
            strace(self._trace, "http2.receive_response_body.started", {"stream_id": self._sid})
        try:
            while True:
                data = conn.receive_data(self._sid, self._read_timeout)
                if data is None:
                    break
                yield data
        except BaseException:
            self.close()
            raise
        if self._trace is not None:
            strace(self._trace, "http2.receive_response_body.complete", {"stream_id": self._sid})

    def trailers(self) -> List[Header]:
        conn = self._conn
        return conn.trailers(self._sid) if conn is not None else []

    def close(self) -> None:
        conn = self._conn
        if conn is None:
            return
        self._conn = None
        conn.close_stream(self._sid)
        if self.on_close is not None:
            self.on_close()
        if self._trace is not None:
            from .._net.trace import strace

            strace(self._trace, "http2.response_closed.started", {"stream_id": self._sid})
            strace(self._trace, "http2.response_closed.complete", {})
