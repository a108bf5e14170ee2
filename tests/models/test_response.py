"""Response: status, text, JSON, links, errors, and reading the body, against httpx."""

from __future__ import annotations

import asyncio
import gzip
import pickle
import re
import zlib
from datetime import timedelta
from typing import Any, AsyncIterator, Iterator, List

import httpx
import pytest

from fastclient._exceptions import (
    CloseError,
    DecodingError,
    HTTPStatusError,
    ReadError,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
)
from fastclient._models import Request, Response
from fastclient._streams import AsyncByteStream, SyncByteStream

pytestmark = pytest.mark.public


class Chunks(SyncByteStream):
    def __init__(self, chunks: List[bytes]) -> None:
        self.chunks = chunks
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    def close(self) -> None:
        self.closed += 1


class AsyncChunks(AsyncByteStream):
    def __init__(self, chunks: List[bytes]) -> None:
        self.chunks = chunks
        self.closed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    async def aclose(self) -> None:
        self.closed += 1


class TheirChunks(httpx.SyncByteStream):
    def __init__(self, chunks: List[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks


@pytest.mark.parametrize(
    ("status", "extensions"),
    [
        (200, {}),
        (404, {}),
        (299, {}),
        (999, {}),
        (200, {"reason_phrase": b""}),
        (200, {"reason_phrase": b"Fine"}),
        (200, {"http_version": b"HTTP/2"}),
    ],
)
def test_status_line(status: int, extensions: dict[str, Any]) -> None:
    mine, theirs = (
        Response(status, extensions=extensions),
        httpx.Response(status, extensions=extensions),
    )
    assert (mine.reason_phrase, mine.http_version, repr(mine)) == (
        theirs.reason_phrase,
        theirs.http_version,
        repr(theirs),
    )


@pytest.mark.parametrize(
    "status",
    [100, 101, 200, 204, 301, 302, 303, 304, 307, 308, 399, 400, 404, 499, 500, 503, 599, 600],
)
@pytest.mark.parametrize("location", [None, "/next"])
def test_status_predicates_and_raise_for_status(status: int, location: str | None) -> None:
    headers = {} if location is None else {"Location": location}
    mine = Response(status, headers=headers, request=Request("GET", "http://h/a"))
    theirs = httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://h/a"))
    for name in (
        "is_informational",
        "is_success",
        "is_redirect",
        "is_client_error",
        "is_server_error",
        "is_error",
        "has_redirect_location",
    ):
        assert getattr(mine, name) == getattr(theirs, name), name
    try:
        theirs.raise_for_status()
    except httpx.HTTPStatusError as exc:
        with pytest.raises(HTTPStatusError) as info:
            mine.raise_for_status()
        assert str(info.value) == str(exc)
        assert info.value.response is mine and info.value.request is mine.request
    else:
        assert mine.raise_for_status() is mine


def test_request_must_be_set() -> None:
    response = Response(200)
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        _ = response.request
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        _ = response.url
    with pytest.raises(RuntimeError, match="raise_for_status"):
        response.raise_for_status()
    response.request = Request("GET", "http://h/x")
    assert response.url == "http://h/x"


@pytest.mark.parametrize(
    ("content", "content_type", "default"),
    [
        ("é".encode("latin-1"), "text/plain; charset=LATIN-1", "utf-8"),
        ("é".encode(), 'text/plain; charset="UTF-8"', "utf-8"),
        ("é".encode(), "text/plain; CHARSET=utf-8; format=flowed", "utf-8"),
        ("é".encode("latin-1"), "text/plain", "utf-8"),
        ("é".encode("latin-1"), "text/plain", "iso-8859-1"),
        (b"abc", "text/plain; charset=bogus", "utf-8"),
        (b"abc", None, "utf-8"),
        (b"", "text/plain", "utf-8"),
        ("é".encode("utf-16"), "text/plain; charset=utf-16", "utf-8"),
        (b"\xff\xfe\xfd", "text/plain; charset=utf-8", "utf-8"),
    ],
)
def test_text_and_encoding(content: bytes, content_type: str | None, default: str) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    mine = Response(200, content=content, headers=headers, default_encoding=default)
    theirs = httpx.Response(200, content=content, headers=headers, default_encoding=default)
    assert (mine.charset_encoding, mine.encoding, mine.text) == (
        theirs.charset_encoding,
        theirs.encoding,
        theirs.text,
    )


def test_default_encoding_callable() -> None:
    seen: list[bytes] = []

    def guess(data: bytes) -> str | None:
        seen.append(data)
        return "ascii" if data.isascii() else None

    assert Response(200, content=b"abc", default_encoding=guess).encoding == "ascii"
    assert Response(200, content=b"\xe9", default_encoding=guess).encoding == "utf-8"
    assert seen == [b"abc", b"\xe9"]
    # the Content-Type charset wins, and the callable is not asked
    headers = {"Content-Type": "text/plain; charset=latin-1"}
    assert (
        Response(200, content=b"x", headers=headers, default_encoding=guess).encoding == "latin-1"
    )
    assert len(seen) == 2


def test_encoding_can_be_set_until_text_is_read() -> None:
    response = Response(200, content="é".encode("latin-1"))
    response.encoding = "latin-1"
    assert response.text == "é"
    with pytest.raises(ValueError, match="encoding"):
        response.encoding = "utf-8"


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": [1, "\xc3\xa9"]}',
        '{"a": 1}'.encode("utf-16"),
        '{"a": 1}'.encode("utf-16-le"),
        '{"a": 1}'.encode("utf-32-be"),
        '{"a": 1}'.encode("utf-8-sig"),
        b"[]",
        b'"x"',
    ],
)
def test_json(body: bytes) -> None:
    assert Response(200, content=body).json() == httpx.Response(200, content=body).json()


def test_json_kwargs_and_errors() -> None:
    assert Response(200, content=b'{"a": 1.5}').json(parse_float=str) == {"a": "1.5"}
    with pytest.raises(ValueError):
        Response(200, content=b"{").json()


@pytest.mark.parametrize(
    "link",
    [
        '<http://a/>; rel="next", <http://b/>; rel=last; title="x y", <http://c/>',
        "<http://a/?q=1,2>; rel=next",
        '<http://a/>; rel="next"; type="text/html"',
        "",
        '<http://a/>; title="a, b"; rel=prev, <http://b/>; rel=next',
    ],
)
def test_links(link: str) -> None:
    headers = {"Link": link}
    assert Response(200, headers=headers).links == httpx.Response(200, headers=headers).links


def test_elapsed_is_settable() -> None:
    response = Response(200, content=b"x")
    with pytest.raises(RuntimeError, match="elapsed"):
        _ = response.elapsed
    response.elapsed = timedelta(seconds=1.5)
    assert response.elapsed == timedelta(seconds=1.5)


STREAMS = [
    [b"hello, ", b"world"],
    [b"", b"abc", b"", b"defgh"],
    [b"a\r", b"\nb\rc\n\n", b"d"],
    [b"a\r", b"\r", b"\n"],
    [b"\n"],
    [b"line one\nline two\r\nline three\rend"],
    ["é€".encode()[:1], "é€".encode()[1:4], "é€".encode()[4:]],
    [b""],
    [],
]


@pytest.mark.parametrize("chunks", STREAMS)
@pytest.mark.parametrize("chunk_size", [None, 1, 2, 3, 1024])
def test_streaming_matches_httpx(chunks: List[bytes], chunk_size: int | None) -> None:
    def pair() -> tuple[Response, httpx.Response]:
        return Response(200, stream=Chunks(chunks)), httpx.Response(200, stream=TheirChunks(chunks))

    mine, theirs = pair()
    assert list(mine.iter_raw(chunk_size)) == list(theirs.iter_raw(chunk_size))
    mine, theirs = pair()
    assert list(mine.iter_bytes(chunk_size)) == list(theirs.iter_bytes(chunk_size))
    mine, theirs = pair()
    assert list(mine.iter_text(chunk_size)) == list(theirs.iter_text(chunk_size))
    mine, theirs = pair()
    assert mine.read() == theirs.read()
    assert list(mine.iter_bytes(chunk_size)) == list(theirs.iter_bytes(chunk_size))
    assert list(mine.iter_text(chunk_size)) == list(theirs.iter_text(chunk_size))


@pytest.mark.parametrize("chunks", STREAMS)
def test_iter_lines(chunks: List[bytes]) -> None:
    lines = list(Response(200, stream=Chunks(chunks)).iter_lines())
    assert lines == list(httpx.Response(200, stream=TheirChunks(chunks)).iter_lines())
    text = b"".join(chunks).decode()
    expected = re.split(r"\r\n|\r|\n", text)
    if expected[-1] == "":
        expected.pop()  # a final line ending does not start another line
    assert lines == expected


def test_iter_lines_splits_only_on_cr_and_lf() -> None:
    # httpx also splits on \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029 (str.splitlines),
    # which breaks NDJSON whose strings hold U+2028.
    body = '{"a": "x\u2028y"}\n{"b": "\x0c"}\n'.encode()
    assert list(Response(200, stream=Chunks([body])).iter_lines()) == [
        '{"a": "x\u2028y"}',
        '{"b": "\x0c"}',
    ]


def test_iter_lines_with_one_long_line_in_many_chunks() -> None:
    chunks = [b"x" * 10] * 1000 + [b"\nend"]
    assert list(Response(200, stream=Chunks(chunks)).iter_lines()) == ["x" * 10000, "end"]


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("identity", lambda data: data),
        ("GZIP", gzip.compress),
    ],
)
@pytest.mark.parametrize("chunk_size", [None, 7, 65536])
def test_content_decoding(coding: str, compress: Any, chunk_size: int | None) -> None:
    body = b"".join(b"line %d\n" % i for i in range(2000))
    data = compress(body)
    pieces = [data[i : i + 100] for i in range(0, len(data), 100)]
    headers = {"Content-Encoding": coding}
    response = Response(200, headers=headers, stream=Chunks(pieces))
    out = list(response.iter_bytes(chunk_size))
    assert b"".join(out) == body
    if chunk_size is not None:
        assert all(len(piece) == chunk_size for piece in out[:-1])
    assert response.num_bytes_downloaded == len(data)
    assert Response(200, headers=headers, content=data).content == body


def test_brotli_and_stacked_codings() -> None:
    brotli = pytest.importorskip("brotli")
    body = b"abc" * 1000
    data = gzip.compress(brotli.compress(body))
    headers = [(b"Content-Encoding", b"br"), (b"Content-Encoding", b"gzip")]
    assert Response(200, headers=headers, stream=Chunks([data])).read() == body


def test_decoding_error_carries_the_request() -> None:
    request = Request("GET", "http://h/")
    response = Response(
        200, headers={"Content-Encoding": "gzip"}, stream=Chunks([b"not gzip"]), request=request
    )
    with pytest.raises(DecodingError) as info:
        response.read()
    assert info.value.request is request


class Failing(SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b"partial"
        raise ReadError("connection reset")

    def close(self) -> None:
        raise CloseError("close failed")


class AsyncFailing(AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"partial"
        raise ReadError("connection reset")

    async def aclose(self) -> None:
        raise CloseError("close failed")


@pytest.mark.parametrize("method", ["read", "iter_raw", "iter_bytes", "iter_text", "iter_lines"])
def test_transport_errors_carry_the_request(method: str) -> None:
    request = Request("GET", "http://h/")
    response = Response(200, stream=Failing(), request=request)
    with pytest.raises(ReadError) as info:
        result = getattr(response, method)()
        if method != "read":
            list(result)
    assert info.value.request is request
    with pytest.raises(CloseError) as close_info:
        response.close()
    assert close_info.value.request is request


def test_async_transport_errors_carry_the_request() -> None:
    async def main() -> None:
        request = Request("GET", "http://h/")
        response = Response(200, stream=AsyncFailing(), request=request)
        with pytest.raises(ReadError) as info:
            [line async for line in response.aiter_lines()]
        assert info.value.request is request
        with pytest.raises(CloseError) as close_info:
            await response.aclose()
        assert close_info.value.request is request

    asyncio.run(main())


def test_stream_state_errors() -> None:
    response = Response(200, stream=Chunks([b"abc"]))
    with pytest.raises(ResponseNotRead):
        _ = response.content
    with pytest.raises(ResponseNotRead):
        _ = response.text
    assert list(response.iter_raw()) == [b"abc"]
    assert response.is_stream_consumed and response.is_closed
    with pytest.raises(StreamConsumed):
        list(response.iter_raw())
    with pytest.raises(StreamConsumed):
        response.read()

    closed = Response(200, stream=Chunks([b"abc"]))
    closed.close()
    with pytest.raises(StreamClosed):
        list(closed.iter_bytes())

    read = Response(200, stream=Chunks([b"abc"]))
    assert read.read() == b"abc"
    assert read.read() == b"abc"  # content is kept
    assert list(read.iter_bytes()) == [b"abc"]  # and streamed again from memory
    with pytest.raises(StreamConsumed):
        list(read.iter_raw())


def test_close_is_idempotent() -> None:
    stream = Chunks([b"abc"])
    response = Response(200, stream=stream)
    assert response.read() == b"abc"
    response.close()
    response.close()
    assert stream.closed == 1


def test_num_bytes_downloaded() -> None:
    response = Response(200, stream=Chunks([b"ab", b"cde"]))
    assert response.num_bytes_downloaded == 0
    iterator = response.iter_raw()
    next(iterator)
    assert response.num_bytes_downloaded == 2
    list(iterator)
    assert response.num_bytes_downloaded == 5


def test_async_streaming() -> None:
    async def main() -> None:
        chunks = [b"a\r", b"\nb", "é".encode()]
        stream = AsyncChunks(chunks)
        response = Response(200, stream=stream)
        with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
            list(response.iter_bytes())
        with pytest.raises(RuntimeError):
            response.close()
        assert [line async for line in response.aiter_lines()] == ["a", "bé"]
        assert stream.closed == 1
        with pytest.raises(StreamConsumed):
            await response.aread()

        assert await Response(200, stream=AsyncChunks(chunks)).aread() == b"a\r\nb\xc3\xa9"
        raw = [c async for c in Response(200, stream=AsyncChunks(chunks)).aiter_raw(2)]
        assert raw == [b"a\r", b"\nb", b"\xc3\xa9"]
        text = [t async for t in Response(200, stream=AsyncChunks(chunks)).aiter_text(2)]
        assert text == ["a\r", "\nb", "é"]
        data = gzip.compress(b"zipped" * 100)
        zipped = Response(200, headers={"Content-Encoding": "gzip"}, stream=AsyncChunks([data]))
        expected = [(b"zipped" * 100)[i : i + 100] for i in range(0, 600, 100)]
        assert [c async for c in zipped.aiter_bytes(100)] == expected
        assert zipped.is_closed

        sync = Response(200, stream=Chunks([b"x"]))
        with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
            await sync.aread()
        with pytest.raises(RuntimeError):
            await sync.aclose()

        done = Response(200, content=b"in memory")
        assert [c async for c in done.aiter_bytes(4)] == [b"in m", b"emor", b"y"]

    asyncio.run(main())


def test_history_and_next_request() -> None:
    first = Response(301)
    response = Response(200, history=[first])
    assert response.history == [first]
    assert response.next_request is None
    assert Response(200).history == []


def test_pickle() -> None:
    response = Response(201, content=b"abc", request=Request("GET", "http://h/"))
    copy = pickle.loads(pickle.dumps(response))
    assert (copy.status_code, copy.content, copy.headers, copy.request.url) == (
        201,
        b"abc",
        response.headers,
        response.request.url,
    )
    assert copy.is_closed and copy.extensions == {}
    streaming = pickle.loads(pickle.dumps(Response(200, stream=Chunks([b"x"]))))
    with pytest.raises(ResponseNotRead):
        _ = streaming.content
    with pytest.raises((StreamClosed, StreamConsumed)):
        streaming.read()
