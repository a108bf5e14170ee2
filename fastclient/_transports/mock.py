"""MockTransport: a transport that calls a function instead of the network.

The handler takes the Request (its body already read, so ``request.content`` works) and
returns a Response; with AsyncClient the handler may also be ``async def``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Awaitable, Callable, Union

from .base import AsyncBaseTransport, BaseTransport

if TYPE_CHECKING:
    from .._models import Request, Response

__all__ = ["AsyncHandler", "MockTransport", "SyncHandler"]

SyncHandler = Callable[["Request"], "Response"]
AsyncHandler = Callable[["Request"], Awaitable["Response"]]


class MockTransport(AsyncBaseTransport, BaseTransport):
    def __init__(self, handler: Union[SyncHandler, AsyncHandler]) -> None:
        self.handler = handler

    def handle_request(self, request: Request) -> Response:
        request.read()
        response = self.handler(request)
        if inspect.isawaitable(response):
            # Close the coroutine so Python does not warn that it was never awaited.
            close = getattr(response, "close", None)
            if close is not None:
                close()
            raise TypeError("MockTransport: an async handler cannot serve a sync Client.")
        return response

    async def handle_async_request(self, request: Request) -> Response:
        await request.aread()
        response = self.handler(request)
        if inspect.isawaitable(response):
            response = await response
        return response
