"""Byte-stream base classes, as httpx names them.

A request or response body is a stream: iterate it for bytes, close it when done. A
transport returns a Response whose stream, when closed, gives its connection back to the
pool, so closing is how the pool learns that a body is finished with.
"""

from __future__ import annotations

from typing import AsyncIterator, Iterator, List, Optional

__all__ = ["AsyncByteStream", "ByteStream", "SyncByteStream"]


class SyncByteStream:
    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError("The '__iter__' method must be implemented.")  # pragma: no cover

    def close(self) -> None:
        """Release what the stream holds (for a response: its connection)."""

    def _take_whole(self) -> Optional[List[bytes]]:
        """A transport's body that arrived whole, taken in one step (the stream is then
        consumed and holds nothing to release); None when it must be iterated."""
        return None


class AsyncByteStream:
    def __aiter__(self) -> AsyncIterator[bytes]:
        raise NotImplementedError("The '__aiter__' method must be implemented.")  # pragma: no cover

    async def aclose(self) -> None:
        """Release what the stream holds (for a response: its connection)."""

    def _take_whole(self) -> Optional[List[bytes]]:
        """As SyncByteStream._take_whole."""
        return None


class ByteStream(SyncByteStream, AsyncByteStream):
    """A body held in memory: usable from sync and async code, any number of times."""

    __slots__ = ("_content",)

    def __init__(self, content: bytes) -> None:
        self._content = content

    def __iter__(self) -> Iterator[bytes]:
        yield self._content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._content
