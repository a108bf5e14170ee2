"""Request: method, URL, the headers it adds, and its body, cross-checked with httpx."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

from fastclient._exceptions import RequestNotRead, StreamClosed
from fastclient._models import URL, Request
from fastclient._streams import ByteStream, SyncByteStream

pytestmark = pytest.mark.public

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "http://127.0.0.1:8000/", {}),
    ("get", "https://example.org/a?b=1", {}),
    ("POST", "http://h/", {}),
    ("PUT", "http://h/", {}),
    ("PATCH", "http://h/", {}),
    ("DELETE", "http://h/", {}),
    ("OPTIONS", "http://h:8080/", {"headers": {"Accept": "*/*"}}),
    ("GET", "http://u:p@[::1]:80/", {}),
    ("GET", "https://中国.com/", {}),
    ("GET", "http://h/", {"headers": {"host": "other"}}),
    ("GET", "http://h/", {"headers": [("X-A", "1"), ("x-a", "2")]}),
    ("GET", "/relative", {}),
    ("GET", "http://h/?a=1", {"params": {"b": "2", "c": ["3", "4"]}}),
    ("GET", "http://h/?a=1", {"params": "b=2"}),
    ("POST", "http://h/", {"content": b"body", "headers": {"X": "1"}}),
    ("POST", "http://h/", {"headers": {"Content-Length": "0"}}),
    ("GET", "http://h/", {"cookies": {"a": "b"}}),
    ("POST", "http://h/", {"stream": ByteStream(b"abc")}),
    ("GET", "http://h/", {"extensions": {"timeout": {"read": 1.0}}}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), CASES)
def test_matches_httpx(method: str, url: str, kwargs: dict[str, Any]) -> None:
    mine = Request(method, url, **kwargs)
    theirs = httpx.Request(method, url, **kwargs)
    assert mine.method == theirs.method
    assert str(mine.url) == str(theirs.url)
    assert mine.headers.raw == theirs.headers.raw
    assert mine.extensions == theirs.extensions
    assert repr(mine) == repr(theirs)
    assert mine.read() == theirs.read()


def test_method_and_url() -> None:
    request = Request(b"post", URL("http://h/"))  # type: ignore[arg-type]
    assert request.method == "POST"
    assert isinstance(request.method, str)
    url = URL("http://h/")
    assert Request("GET", url).url is url


def test_extensions_are_copied() -> None:
    extensions = {"a": 1}
    request = Request("GET", "http://h/", extensions=extensions)
    request.extensions["b"] = 2
    assert extensions == {"a": 1}
    assert Request("GET", "http://h/").extensions == {}


def test_bodiless_fast_path_equals_the_general_path() -> None:
    for method in ("GET", "POST", "HEAD"):
        fast = Request(method, "http://h:81/x")
        general = Request(method, "http://h:81/x", headers={})
        assert fast.headers.raw == general.headers.raw
        assert fast.headers == general.headers
        assert fast.content == general.content == b""


def test_given_stream_adds_no_headers_and_must_be_read() -> None:
    class Chunks(SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"a"
            yield b"b"

    request = Request("POST", "http://h/", stream=Chunks())
    assert request.headers.raw == []
    with pytest.raises(RequestNotRead):
        _ = request.content
    assert request.read() == b"ab"
    assert request.content == b"ab"
    assert isinstance(request.stream, ByteStream)  # can now be sent again
    assert request.read() == b"ab"


def test_async_read() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"x"

    async def main() -> None:
        request = Request("POST", "http://h/", content=agen())
        with pytest.raises(RuntimeError):
            request.read()
        assert await request.aread() == b"x"
        assert await request.aread() == b"x"
        sync_request = Request("POST", "http://h/", content=iter([b"y"]))
        with pytest.raises(RuntimeError):
            await sync_request.aread()

    asyncio.run(main())


def test_pickle() -> None:
    request = Request("POST", "http://h/", content=b"abc", extensions={"x": 1})
    copy = pickle.loads(pickle.dumps(request))
    assert (copy.method, copy.url, copy.headers, copy.content) == (
        "POST",
        URL("http://h/"),
        request.headers,
        b"abc",
    )
    assert copy.extensions == {}
    assert copy.read() == b"abc"

    streaming = Request("POST", "http://h/", content=iter([b"a"]))
    copy = pickle.loads(pickle.dumps(streaming))
    with pytest.raises(RequestNotRead):
        _ = copy.content
    with pytest.raises(StreamClosed):
        copy.read()

    async def main() -> None:
        with pytest.raises(StreamClosed):
            await copy.aread()

    asyncio.run(main())
