"""The per-request shortcuts behave as the general code they bypass.

Request adopts a checked Headers (a client's defaults) without copying then inserting;
read()/aread() join an identity-coded body without the iterator layers; the connection
streams hand out a plain iterator for a body that came whole.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, Iterator, List

import pytest

from fastclient._async.stream import AsyncResponseStream
from fastclient._exceptions import StreamConsumed
from fastclient._headers import Headers
from fastclient._models import Request, Response
from fastclient._sync.stream import SyncResponseStream

PAIRS = [("Accept", "*/*"), ("User-Agent", "test")]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "extra",
    [[], [("Host", "other.example")], [("Content-Length", "5")], [("Transfer-Encoding", "x")]],
)
@pytest.mark.parametrize("url", ["https://example.org:8443/a?b=1", "/relative"])
def test_request_with_checked_headers_matches_general_path(
    method: str, extra: List[tuple], url: str
) -> None:
    pairs = PAIRS + extra
    checked = Headers(dict(pairs))  # keys known: the shortcut
    unchecked = Headers(list(pairs))  # keys not built yet: the general path
    assert checked._keys is not None and unchecked._keys is None
    fast = Request(method, url, headers=checked)
    slow = Request(method, url, headers=unchecked)
    assert fast.headers.raw == slow.headers.raw
    assert list(fast.headers.items()) == list(slow.headers.items())
    assert fast.content == slow.content == b""
    # The request's headers are its own.
    fast.headers["X-New"] = "1"
    assert "x-new" not in checked


def _sync_response(chunks: List[bytes]) -> Response:
    return Response(200, headers=[(b"Content-Length", b"10")], stream=SyncResponseStream(chunks))


def _async_response(chunks: List[bytes]) -> Response:
    return Response(200, headers=[(b"Content-Length", b"10")], stream=AsyncResponseStream(chunks))


def test_read_joins_chunks_and_closes() -> None:
    response = _sync_response([b"hello", b"", b"world"])
    response._start_elapsed_timer(0.0)
    assert response.read() == b"helloworld"
    assert response.is_closed and response.is_stream_consumed
    assert response.num_bytes_downloaded == 10
    assert response.elapsed.total_seconds() > 0
    assert response.read() == b"helloworld"


def test_aread_joins_chunks_and_closes() -> None:
    response = _async_response([b"hello", b"", b"world"])
    response._start_elapsed_timer(0.0)
    assert asyncio.run(response.aread()) == b"helloworld"
    assert response.is_closed and response.is_stream_consumed
    assert response.num_bytes_downloaded == 10
    assert response.elapsed.total_seconds() > 0


def test_whole_body_streams_are_consumed_once() -> None:
    sync_stream = SyncResponseStream([b"a", b"b"])
    assert list(sync_stream) == [b"a", b"b"]
    with pytest.raises(StreamConsumed):
        list(sync_stream)

    async def drain(stream: AsyncResponseStream) -> List[bytes]:
        return [chunk async for chunk in stream]

    async_stream = AsyncResponseStream([b"a", b"b"])
    assert asyncio.run(drain(async_stream)) == [b"a", b"b"]
    with pytest.raises(StreamConsumed):
        asyncio.run(drain(async_stream))


class Upper(Response):
    """A subclass that changes what the body iterators give: read() must use them."""

    def iter_raw(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in super().iter_raw(chunk_size):
            yield chunk.upper()

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        async for chunk in super().aiter_bytes(chunk_size):
            yield chunk.upper()


def test_subclass_iterators_are_honoured() -> None:
    assert Response._direct_read and not Upper._direct_read
    sync_response = Upper(200, stream=SyncResponseStream([b"abc"]))
    assert sync_response.read() == b"ABC"
    async_response = Upper(200, stream=AsyncResponseStream([b"abc"]))
    assert asyncio.run(async_response.aread()) == b"ABC"


_BASE = [("Accept", "*/*"), ("User-Agent", "base"), ("X-Multi", "1"), ("x-multi", "2")]
_UPDATES = [
    [],
    [("User-Agent", "mine")],
    [("user-agent", "a"), ("USER-AGENT", "b")],
    [("X-Multi", "only")],
    [("X-New", "n")],
    {"Accept": "text/html", "X-New": "n"},
    {},
    [(b"X-Bytes", b"\xc3\xa9")],
    Headers([("Accept", "a"), ("X-Other", "o")]),
]


@pytest.mark.parametrize("update", _UPDATES, ids=repr)
@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_updated_matches_copy_then_update(update: object, encoding: object) -> None:
    """Headers._updated (the client's per-request merge) is copy() then update()."""
    base = Headers(list(_BASE), encoding=encoding)  # type: ignore[arg-type]
    slow = base.copy()
    slow.update(update)  # type: ignore[arg-type]
    fast = base._updated(update)  # type: ignore[arg-type]
    assert fast.raw == slow.raw
    assert fast.multi_items() == slow.multi_items()
    assert fast.encoding == slow.encoding
    assert fast._keys == [name.lower() for name, _ in fast.raw]
    # A new object with lists of its own: changing it leaves both inputs alone.
    before = (base.raw, Headers(update).raw)  # type: ignore[arg-type]
    fast["X-Added"] = "1"
    del fast["accept"]
    assert (base.raw, Headers(update).raw) == before


def test_updated_rejects_what_update_rejects() -> None:
    base = Headers(list(_BASE))
    for bad in ([("X", 1)], [("X-É", "v")]):
        with pytest.raises((TypeError, UnicodeEncodeError)) as slow:
            base.copy().update(bad)  # type: ignore[arg-type]
        with pytest.raises(slow.type):
            base._updated(bad)  # type: ignore[arg-type]
