"""Fixtures for the transport tests: event-loop runners (asyncio and uvloop), raw-server
handlers, and small helpers that drive the pools without the models layer."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any, Awaitable, Callable, Iterator, List, Optional, Tuple

import pytest

from fastclient._net.h1 import write_request_head
from tests.servers.raw import read_request

LOOPS = ["asyncio"]
try:
    import uvloop

    LOOPS.append("uvloop")
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]

T = (5.0, 5.0, 5.0, 5.0, 60.0)  # connect, read, write, pool, head

Runner = Callable[[Callable[[], Awaitable[Any]]], Any]


@pytest.fixture(params=LOOPS)
def run(request: pytest.FixtureRequest) -> Runner:
    """``run(async_fn)``: runs it to completion on a fresh loop of the parametrised kind."""

    def runner(fn: Callable[[], Awaitable[Any]]) -> Any:
        loop = uvloop.new_event_loop() if request.param == "uvloop" else asyncio.new_event_loop()
        try:
            return loop.run_until_complete(asyncio.wait_for(fn(), 25))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    return runner


def origin_of(server: Any) -> Tuple[bytes, bytes, int]:
    return (b"http", b"127.0.0.1", server.port)


def head_for(server: Any, path: str = "/", method: bytes = b"GET", extra: Any = ()) -> bytes:
    headers = [(b"Host", b"127.0.0.1:%d" % server.port), *extra]
    return write_request_head(method, path.encode(), headers)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def fds_back_to(baseline: int, seconds: float = 3.0) -> bool:
    """Whether the open fds fall back to ``baseline`` within ``seconds`` (the scripted
    servers run in this process and close their side a moment after the client)."""
    import time

    stop = time.monotonic() + seconds
    while open_fds() > baseline:
        if time.monotonic() > stop:
            return False
        time.sleep(0.02)
    return True


def socket_fds() -> int:
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count


def keepalive_handler(
    body: bytes = b"Hello, world!", limit: int = 1000
) -> Callable[[socket.socket], None]:
    """Answers up to ``limit`` requests on one connection, keep-alive."""
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    def handler(sock: socket.socket) -> None:
        for _ in range(limit):
            head, _ = read_request(sock)
            if not head:
                return
            sock.sendall(response)

    return handler


def collect(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


async def acollect(stream: Any) -> bytes:
    out: List[bytes] = []
    async for chunk in stream:
        out.append(chunk)
    return b"".join(out)


def maybe(value: Optional[Any]) -> Any:
    return value
