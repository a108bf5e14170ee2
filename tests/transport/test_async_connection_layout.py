"""The asyncio connection object stays cheap to use.

CPython 3.11 shares the keys of instances' attribute dicts between the instances of a
class only while a class's instances have at most 29 attributes; past that, each instance
gets a dict of its own and every attribute access goes through a slower lookup. The
connection is read and written dozens of times per request: measured against nginx, a
30th attribute cost 3,300 instructions per AsyncClient.get.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastclient._async.connection import AsyncHTTP11Connection


def test_the_connection_has_at_most_29_attributes() -> None:
    loop = asyncio.new_event_loop()
    try:
        conn = AsyncHTTP11Connection(loop, lambda lost: None)
        fresh = set(vars(conn))
        assert len(fresh) <= 29, sorted(fresh)
    finally:
        loop.close()


def test_every_attribute_a_request_sets_is_made_in_init() -> None:
    loop = asyncio.new_event_loop()
    try:
        conn = AsyncHTTP11Connection(loop, lambda lost: None)
        fresh = set(vars(conn))

        class Sink(asyncio.Transport):
            def write(self, data: Any) -> None:
                pass

            def is_closing(self) -> bool:
                return False

        conn.connection_made(Sink())
        conn.start(b"GET", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        waiter = conn.head_waiter(5.0, float("inf"))
        response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
        buf = conn.get_buffer(-1)
        buf[: len(response)] = response
        conn.buffer_updated(len(response))
        assert waiter is not None and waiter.done()
        assert conn.head_result().status_code == 200
        assert conn.take_body() == [b"hi"]
        assert conn.finish()
        assert set(vars(conn)) <= fresh, sorted(set(vars(conn)) - fresh)
    finally:
        loop.close()
