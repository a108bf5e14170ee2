"""ASGITransport: scope, request bodies, streaming responses, disconnects and errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List

import pytest

from fastclient._async_client import AsyncClient
from fastclient._transports.asgi import ASGITransport

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    shown = {k: v for k, v in scope.items() if isinstance(v, (str, int, list, tuple, dict))}
    shown["headers"] = [[k.decode(), v.decode()] for k, v in scope["headers"]]
    shown["raw_path"] = scope["raw_path"].decode()
    shown["query_string"] = scope["query_string"].decode()
    shown["body"] = body.decode()
    payload = json.dumps(shown).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"echo")]})
    await send({"type": "http.response.body", "body": payload})


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_scope_and_body() -> None:
    async def main() -> Dict[str, Any]:
        transport = ASGITransport(echo, root_path="/root", client=("1.2.3.4", 5))

        async def body() -> AsyncIterator[bytes]:
            yield b"part1,"
            yield b"part2"

        async with AsyncClient(transport=transport) as client:
            response = await client.post("https://example.org/a%20b/c?x=1", content=body())
            assert response.headers["x-app"] == "echo"
            result: Dict[str, Any] = response.json()
            return result

    scope = run(main())
    assert scope["type"] == "http"
    assert scope["method"] == "POST"
    assert scope["scheme"] == "https"
    assert scope["path"] == "/a b/c"
    assert scope["raw_path"] == "/a%20b/c"
    assert scope["query_string"] == "x=1"
    assert scope["server"] == ["example.org", 443]
    assert scope["client"] == ["1.2.3.4", 5]
    assert scope["root_path"] == "/root"
    assert scope["http_version"] == "1.1"
    assert ["transfer-encoding", "chunked"] in scope["headers"]
    assert all(name == name.lower() for name, _ in scope["headers"])
    assert scope["body"] == "part1,part2"


def test_streaming_response_and_disconnect() -> None:
    events: List[str] = []

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        n = 0
        try:
            while True:
                chunk = b"tick%d;" % n
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                n += 1
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    async def main() -> List[bytes]:
        chunks: List[bytes] = []
        async with (
            AsyncClient(transport=ASGITransport(endless)) as client,
            client.stream("GET", "http://example.org/events") as response,
        ):
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                if len(chunks) == 3:
                    break
        return chunks

    chunks = run(main())
    assert chunks[:3] == [b"tick0;", b"tick1;", b"tick2;"]
    assert events == ["cancelled"]  # closing the response stopped the endless app


def test_app_sees_disconnect_after_response() -> None:
    seen: List[str] = []

    async def watcher(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        seen.append((await receive())["type"])

    async def main() -> bytes:
        async with AsyncClient(transport=ASGITransport(watcher)) as client:
            return (await client.get("http://example.org/")).content

    assert run(main()) == b"done"
    assert seen == ["http.disconnect"]


def test_head_has_no_body() -> None:
    async def main() -> bytes:
        async with AsyncClient(transport=ASGITransport(echo)) as client:
            return (await client.head("http://example.org/")).content

    assert run(main()) == b""


async def raises_before_start(scope: Scope, receive: Receive, send: Send) -> None:
    raise ValueError("before start")


async def raises_after_start(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise ValueError("after start")


@pytest.mark.parametrize("app", [raises_before_start, raises_after_start])
def test_app_exceptions(app: Any) -> None:
    async def main() -> None:
        async with AsyncClient(transport=ASGITransport(app)) as client:
            with pytest.raises(ValueError, match="start"):
                await client.get("http://example.org/")

    run(main())


def test_app_exception_not_raised_gives_500() -> None:
    async def main() -> int:
        transport = ASGITransport(raises_before_start, raise_app_exceptions=False)
        async with AsyncClient(transport=transport) as client:
            return (await client.get("http://example.org/")).status_code

    assert run(main()) == 500


def test_works_with_the_test_servers_app() -> None:
    from tests.servers.app import app

    async def main() -> Any:
        async with AsyncClient(
            transport=ASGITransport(app), base_url="http://testserver", follow_redirects=True
        ) as client:
            hello = await client.get("/")
            redirected = await client.get("/redirect/2")
            cookies = await client.get("/cookies/set?flavour=oat")
            return hello.text, len(redirected.history), cookies.json()

    assert run(main()) == ("Hello, world!", 3, {"flavour": "oat"})


def test_str_header_values_from_the_app_are_accepted() -> None:
    # ASGI says bytes; httpx accepts str from an app too, and so does fastclient.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", "text/plain"), ("x-name", b"v")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"hi"})

    async def main() -> None:
        async with AsyncClient(transport=ASGITransport(app=app)) as client:
            response = await client.get("http://testserver/")
        assert response.text == "hi"
        assert response.headers["content-type"] == "text/plain"
        assert response.headers["x-name"] == "v"

    run(main())
