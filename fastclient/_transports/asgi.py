"""ASGITransport: call an ASGI application (Starlette, FastAPI, ...) in-process, on asyncio.

Unlike httpx's, the response streams: the application runs as a task and the client
gets the response as soon as ``http.response.start`` arrives, its body chunk by chunk. So
``client.stream()`` works against endless responses (server-sent events), and a large
body is not held in memory twice. Closing the response early tells the application the
client went away (``http.disconnect``) and cancels it if it does not finish by itself.
"""

from __future__ import annotations

import asyncio
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    List,
    MutableMapping,
    Optional,
    Tuple,
    Union,
)
from urllib.parse import unquote

from .._exceptions import RequestNotRead
from .._streams import AsyncByteStream
from .base import AsyncBaseTransport

if TYPE_CHECKING:
    from .._models import Request, Response

__all__ = ["ASGITransport"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Dict[str, Any], Receive, Send], Awaitable[None]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_END = object()  # ends the body queue


def _raw(value: Any) -> bytes:
    # ASGI says bytes; an app that sends str (which httpx accepts) gets it encoded.
    return value.encode("latin-1") if isinstance(value, str) else bytes(value)


class _Exchange:
    """One request/response between the client and an application task."""

    def __init__(self, app: ASGIApp, scope: Dict[str, Any], request: Request) -> None:
        self.app = app
        self.scope = scope
        self.body = request.stream.__aiter__()  # type: ignore[union-attr]
        self.body_done = False
        # A body held in memory goes in one message: an app that reads the body with a
        # single receive() (common, though not strictly correct) then still works.
        self.whole_body: Optional[bytes] = None
        try:
            self.whole_body = request.content
        except RequestNotRead:
            pass
        self.is_head = request.method == "HEAD"
        self.status: Optional[int] = None
        self.headers: List[Tuple[bytes, bytes]] = []
        self.error: Optional[BaseException] = None
        self.started = asyncio.Event()  # response head received, or the app ended
        self.finished = asyncio.Event()  # response complete or client gone: disconnect
        self.chunks: asyncio.Queue[Union[bytes, object]] = asyncio.Queue()

    async def receive(self) -> Message:
        if not self.body_done and self.whole_body is not None:
            self.body_done = True
            return {"type": "http.request", "body": self.whole_body, "more_body": False}
        if not self.body_done:
            try:
                chunk = await self.body.__anext__()
            except StopAsyncIteration:
                self.body_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}
        # Nothing more to receive: an app waiting here (to detect a disconnect while it
        # streams) learns of one once its response is done or the client closed it.
        await self.finished.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = int(message["status"])
            self.headers = [(_raw(k), _raw(v)) for k, v in message.get("headers", [])]
            self.started.set()
        elif kind == "http.response.body" and not self.finished.is_set():
            body = bytes(message.get("body", b""))
            if body and not self.is_head:
                self.chunks.put_nowait(body)
            if not message.get("more_body", False):
                self.finished.set()
                self.chunks.put_nowait(_END)

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except Exception as exc:  # delivered to the client side, which decides to raise
            self.error = exc
        finally:
            self.started.set()
            self.chunks.put_nowait(_END)


class _ASGIBody(AsyncByteStream):
    def __init__(
        self, exchange: _Exchange, task: asyncio.Task[None], raise_app_exceptions: bool
    ) -> None:
        self._exchange = exchange
        self._task = task
        self._raise = raise_app_exceptions

    async def __aiter__(self) -> AsyncIterator[bytes]:
        exchange = self._exchange
        while True:
            chunk = await exchange.chunks.get()
            if chunk is _END:
                break
            assert isinstance(chunk, bytes)
            yield chunk
        if exchange.finished.is_set():
            # Let the app finish after its last message, so its errors are seen below.
            await asyncio.wait({self._task})
        if exchange.error is not None and self._raise:
            raise exchange.error

    async def aclose(self) -> None:
        self._exchange.finished.set()  # an app polling receive() sees http.disconnect
        if not self._task.done():
            await asyncio.sleep(0)  # one turn to finish by itself
        if not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task})


class ASGITransport(AsyncBaseTransport):
    def __init__(
        self,
        app: ASGIApp,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: Tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client

    def _scope(self, request: Request) -> Dict[str, Any]:
        url = request.url
        raw_path, _, query = url.raw_path.partition(b"?")
        port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 80)
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": url.scheme,
            "path": unquote(raw_path.decode("ascii")),
            "raw_path": raw_path,
            "query_string": query,
            "server": (url.host, port),
            "client": self.client,
            "root_path": self.root_path,
        }

    async def handle_async_request(self, request: Request) -> Response:
        from .._models import Response

        exchange = _Exchange(self.app, self._scope(request), request)
        task = asyncio.get_running_loop().create_task(exchange.run())
        try:
            await exchange.started.wait()
        except BaseException:  # cancelled while waiting: the app must not outlive us
            task.cancel()
            raise
        if exchange.status is None:  # the app ended without starting a response
            await asyncio.wait({task})
            if exchange.error is not None and self.raise_app_exceptions:
                raise exchange.error
            return Response(500, headers=[], content=b"")
        stream = _ASGIBody(exchange, task, self.raise_app_exceptions)
        return Response(exchange.status, headers=exchange.headers, stream=stream)
