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
from typing import Any, List

import pytest

from fastclient import AsyncClient, Client, Headers, Response
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
