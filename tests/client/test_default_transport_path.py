"""AsyncClient's way around the default transport's coroutine (see AsyncClient._send): it
awaits the pool itself, so that a request waiting for its response holds fewer objects
for the garbage collector to go through. It must change nothing else."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, List

import pytest

from fastclient import AsyncClient, AsyncHTTPTransport, ConnectError, Request, UnsupportedProtocol
from fastclient._transports.default import _Prepared
from tests.servers.raw import read_request_head, recording, silent_until_hangup

pytestmark = pytest.mark.network

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_a_patched_handle_async_request_sees_every_request(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A test double patched onto the class, as pytest-httpx does to httpx's transport.
    server = raw_server(recording([], OK))
    seen: List[str] = []
    original = AsyncHTTPTransport.handle_async_request

    async def spy(self: AsyncHTTPTransport, request: Request) -> Any:
        seen.append(str(request.url))
        return await original(self, request)

    monkeypatch.setattr(AsyncHTTPTransport, "handle_async_request", spy)

    async def main() -> List[bytes]:
        async with AsyncClient() as client:
            first = await client.get(server.url + "/a")
            second = await client.get(server.url + "/b")
            return [first.content, second.content]

    assert asyncio.run(main()) == [b"ok", b"ok"]
    assert seen == [server.url + "/a", server.url + "/b"]


def test_a_handle_async_request_patched_onto_the_transport_sees_every_request(
    raw_server: Any,
) -> None:
    # As unittest.mock.patch.object(client's transport, "handle_async_request") does.
    server = raw_server(recording([], OK))
    seen: List[str] = []

    async def main() -> bytes:
        async with AsyncClient() as client:
            transport = client._transport
            original = transport.handle_async_request

            async def spy(request: Request) -> Any:
                seen.append(str(request.url))
                return await original(request)

            transport.handle_async_request = spy  # type: ignore[method-assign]
            return (await client.get(server.url + "/c")).content

    assert asyncio.run(main()) == b"ok"
    assert seen == [server.url + "/c"]


def test_errors_on_the_short_path_carry_their_request() -> None:
    async def main() -> None:
        async with AsyncClient() as client:
            # Refused in the pool (nothing listens on port 1 of the loopback)...
            with pytest.raises(ConnectError) as refused:
                await client.get("http://127.0.0.1:1/x")
            assert str(refused.value.request.url) == "http://127.0.0.1:1/x"
            # ...and before it, where the transport reads the request.
            with pytest.raises(UnsupportedProtocol) as unsupported:
                await client.send(Request("GET", "ftp://127.0.0.1/x"))
            assert str(unsupported.value.request.url) == "ftp://127.0.0.1/x"

    asyncio.run(main())


def await_chain(task: asyncio.Task[Any]) -> List[Any]:
    """The coroutines a waiting task is suspended in, outermost first."""
    chain = []
    coro = task.get_coro()
    while asyncio.iscoroutine(coro):
        chain.append(coro)
        coro = coro.cr_await  # type: ignore[union-attr]
    return chain


def test_a_waiting_request_holds_neither_its_prepared_form_nor_a_transport_coroutine(
    raw_server: Any,
) -> None:
    heads: List[bytes] = []

    def handler(sock: socket.socket) -> None:
        heads.append(read_request_head(sock))
        silent_until_hangup(sock)

    server = raw_server(handler)
    n = 8
    pool_request = "AsyncConnectionPool.request"

    async def main() -> None:
        async with AsyncClient(timeout=30.0) as client:
            tasks = [asyncio.ensure_future(client.get(server.url + "/")) for _ in range(n)]
            loop = asyncio.get_running_loop()
            give_up = loop.time() + 20.0
            while len(heads) < n and loop.time() < give_up:
                await asyncio.sleep(0.01)
            assert len(heads) == n  # every request is out, waiting for its response
            try:
                for task in tasks:
                    chain = await_chain(task)
                    names = [coro.__qualname__ for coro in chain]
                    assert names == ["AsyncClient.get", "AsyncClient._send", pool_request]
                    for coro in chain:
                        held = coro.cr_frame.f_locals.values()
                        assert not [value for value in held if type(value) is _Prepared]
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
