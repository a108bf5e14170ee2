"""A transport's Response splits the head's header fields only when they are first read
(``Response.headers``). What the client itself must know of them (a Set-Cookie to keep, a
Content-Encoding to decode) it learns from the fields the parser noted, without a split.
Nothing may change for the user: the same headers, cookies, decoded body and pickles."""

from __future__ import annotations

import asyncio
import gzip
import pickle
import sys
import threading
import time
from typing import Any, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient import AsyncClient, Client, Headers, Request, Response
from fastclient._streams import ByteStream
from tests.conftest import IMPLS
from tests.protocol import http11
from tests.servers.raw import recording

pytestmark = pytest.mark.network

PLAIN = b"HTTP/1.1 200 OK\r\nServer: raw\r\nX-Two: a\r\nx-two: b\r\nContent-Length: 2\r\n\r\nok"
BODY = gzip.compress(b"hello")
RICH = (
    b"HTTP/1.1 200 OK\r\nSET-COOKIE: session=abc; Path=/\r\nContent-Encoding: gzip\r\n"
    b"Content-Length: %d\r\n\r\n" % len(BODY)
) + BODY


def test_headers_nobody_read_are_never_split(raw_server: Any) -> None:
    server = raw_server(recording([], PLAIN))
    with Client() as client:
        response = client.get(server.url)
        assert response.content == b"ok"
        assert response._headers is None  # the client's own work did not split them
        assert response.headers.get_list("x-two") == ["a", "b"]
        assert response.headers.raw == [
            (b"Server", b"raw"),
            (b"X-Two", b"a"),
            (b"x-two", b"b"),
            (b"Content-Length", b"2"),
        ]
        assert response.headers is response.headers  # split once, then kept
        assert response._head is None


def test_cookies_and_content_encoding_of_an_unsplit_head(raw_server: Any) -> None:
    # Found from the noted fields (keeping the cookie and decoding do split the head).
    server = raw_server(recording([], RICH))

    def check(response: Response, cookies: Any) -> None:
        assert response.content == b"hello"
        assert cookies.get("session") == "abc"
        assert response.cookies["session"] == "abc"
        assert response.headers["content-encoding"] == "gzip"

    with Client() as client:
        check(client.get(server.url), client.cookies)
        # Streamed: the decoder is chosen from the noted field too.
        with client.stream("GET", server.url) as response:
            assert b"".join(response.iter_bytes()) == b"hello"

    async def main() -> None:
        async with AsyncClient() as client:
            check(await client.get(server.url), client.cookies)

    asyncio.run(main())


def test_a_lazy_response_pickles_and_takes_new_headers(raw_server: Any) -> None:
    server = raw_server(recording([], PLAIN))
    with Client() as client:
        first = client.get(server.url)
        second = client.get(server.url)
    assert first._headers is None and second._headers is None
    copy = pickle.loads(pickle.dumps(first))
    assert copy.headers == Headers(
        [("Server", "raw"), ("X-Two", "a"), ("x-two", "b"), ("Content-Length", "2")]
    )
    assert copy.content == b"ok"
    # Headers set on a response whose head was never split replace it.
    second.headers = Headers({"a": "1"})
    assert second.headers == Headers({"a": "1"}) and second._head is None
    assert not second._has_field(b"set-cookie")


MANY = [(b"X-F%d" % i, b"v%d" % i) for i in range(120)]  # (at most 128)
MANY_FIELDS = b"HTTP/1.1 200 OK\r\n" + b"".join(b"%s: %s\r\n" % pair for pair in MANY)
MANY_FIELDS += b"Content-Length: 2\r\n\r\nok"


def test_threads_reading_an_unsplit_head_all_get_the_headers(raw_server: Any) -> None:
    # Threads that find the same head unsplit all get the whole headers. (The property
    # reads the head before the headers so that no thread can meet a head another has
    # dropped; on CPython 3.11 with the compiled split the interpreter does not switch
    # threads between those two reads, so this cannot show that order, only the result.)
    server = raw_server(recording([], MANY_FIELDS))
    expected = [*MANY, (b"Content-Length", b"2")]
    errors: List[BaseException] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with Client() as client:
            for _ in range(30):
                response = client.get(server.url)
                barrier = threading.Barrier(4)

                def read(response: Response = response, barrier: Any = barrier) -> None:
                    barrier.wait()
                    try:
                        assert response.headers.raw == expected
                        assert not response._has_field(b"set-cookie")
                    except BaseException as exc:  # collected for the main thread
                        errors.append(exc)

                threads = [threading.Thread(target=read) for _ in range(4)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


class _SlowHead:
    """A head whose split sleeps (letting the other threads run) and counts its calls."""

    def __init__(self) -> None:
        self.splits = 0

    def fields(self) -> Any:
        self.splits += 1
        time.sleep(0.02)
        return [(b"X-One", b"1")], [b"x-one"]


def test_threads_splitting_one_head_share_one_headers() -> None:
    # Four threads find the head unsplit at once. One split serves them all, and a change
    # made through the headers one thread got is seen by every other.
    head = _SlowHead()
    response = Response._from_transport(200, head, ByteStream(b""), {}, Request("GET", "http://x/"))
    barrier = threading.Barrier(4)
    got: List[Headers] = []

    def read() -> None:
        barrier.wait()
        got.append(response.headers)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert head.splits == 1
    assert len(got) == 4 and all(headers is got[0] for headers in got)
    got[1]["X-Two"] = "2"
    assert response.headers["x-two"] == "2"
    assert response.headers.raw == [(b"X-One", b"1"), (b"X-Two", b"2")]


# Content-Type lines as servers send them: absent, once, twice, with non-ASCII bytes in a
# value (UTF-8, or Latin-1) and elsewhere in the head.
CONTENT_TYPES = [b"text/html", b"text/plain; charset=ISO-8859-1", b'text/html; charset="utf-8"',
                 "text/html; name=\u00e9t\u00e9".encode("utf-8"), b"text/plain; x=\xe9",
                 b"application/json"]  # fmt: skip
OTHER_VALUES = [b"plain", "caf\u00e9".encode("utf-8"), b"caf\xe9"]


@settings(max_examples=200, deadline=None)
@given(
    types=st.lists(st.sampled_from(CONTENT_TYPES), max_size=2),
    other=st.sampled_from(OTHER_VALUES),
    spelling=st.sampled_from([b"Content-Type", b"content-type", b"CONTENT-TYPE"]),
)
def test_content_type_of_an_unsplit_head_reads_as_the_headers_do(
    types: List[bytes], other: bytes, spelling: bytes
) -> None:
    lines = b"".join(spelling + b": " + t + b"\r\n" for t in types)
    raw = b"HTTP/1.1 200 OK\r\nX-Other: " + other + b"\r\n" + lines + b"Content-Length: 0\r\n\r\n"
    for impl in IMPLS:
        parser = http11(impl).ResponseParser()
        parser.start_response(b"GET")
        head = parser.feed(raw)[0]
        lazy = Response._from_transport(200, head, ByteStream(b""), {}, None)  # type: ignore[arg-type]
        text = lazy._field_text(b"content-type")
        assert lazy._headers is None, impl  # answered without a split
        eager = Headers(head.fields()[0])
        assert text == eager.get("content-type"), (impl, raw)
        assert lazy.encoding == Response(200, headers=eager).encoding, impl
