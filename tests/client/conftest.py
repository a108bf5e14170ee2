"""Fixtures for the client tests: one scenario, both clients.

``make_client(**kwargs)`` builds a ``Client``, or an ``AsyncClient`` behind
:class:`AsyncDriver`, which runs each coroutine method to completion on a private event
loop. A scenario is written once in blocking style and runs against both clients; the
``which`` fixture says which one is under test ("sync" or "async").
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from typing import Any, Callable, Iterator, List

import pytest


class AsyncDriver:
    """An AsyncClient presented with Client's blocking methods (tests only)."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("client", "loop"):
            object.__setattr__(self, name, value)
        else:  # client.headers = ..., client.auth = ...: configure the real client
            setattr(self.client, name, value)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if inspect.iscoroutinefunction(attr):

            def blocking(*args: Any, **kwargs: Any) -> Any:
                return self.run(attr(*args, **kwargs))

            return blocking
        return attr

    def close(self) -> None:
        self.run(self.client.aclose())

    @contextlib.contextmanager
    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        manager = self.client.stream(*args, **kwargs)
        response = self.run(manager.__aenter__())
        try:
            yield response
        finally:
            self.run(manager.__aexit__(None, None, None))

    def read(self, response: Any) -> bytes:
        return bytes(self.run(response.aread()))

    def __enter__(self) -> AsyncDriver:
        self.run(self.client.__aenter__())
        return self

    def __exit__(self, *exc: Any) -> None:
        self.run(self.client.__aexit__(*exc))


def read(client: Any, response: Any) -> bytes:
    """Read a streamed response with whichever client produced it."""
    if isinstance(client, AsyncDriver):
        return client.read(response)
    return bytes(response.read())


@pytest.fixture(params=["sync", "async"])
def which(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def event_loop_for_client() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@pytest.fixture()
def make_client(
    which: str, event_loop_for_client: asyncio.AbstractEventLoop
) -> Iterator[Callable[..., Any]]:
    made: List[Any] = []

    # Imported here so that test modules not about clients collect on their own.
    from fastclient._async_client import AsyncClient
    from fastclient._client import Client

    def make(**kwargs: Any) -> Any:
        client: Any
        if which == "sync":
            client = Client(**kwargs)
        else:
            client = AsyncDriver(AsyncClient(**kwargs), event_loop_for_client)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
