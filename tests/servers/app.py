"""The ASGI application the real test servers serve (plain ASGI, no framework).

Routes (the contract other test modules rely on):
  GET /                      200 text/plain "Hello, world!"
  /echo                      JSON {"method", "path", "query", "headers": [[n, v], ...],
                             "body", "http_version"}
  /headers                   JSON {name: value} of the request headers
  /status/{code}             that status, empty body
  /redirect/{n}              302 to /redirect/{n-1}; /redirect/0 -> 302 to /
  /redirect_to?url=..&status=302
  /json                      {"hello": "world"}
  /bytes/{n}                 n bytes (b"x" * n), Content-Length
  /stream/{n}                n chunks of 1 KiB each, chunked transfer coding
  /slow?delay=0.5            sleeps, then "slow"
  /gzip /deflate /brotli     compressed JSON, Content-Encoding set
  /cookies/set?a=1&b=2       Set-Cookie for each, 302 to /cookies
  /cookies                   JSON {name: value} of the Cookie header
  /basic-auth/{user}/{pw}    200 JSON {"authenticated": true, "user": user},
                             or 401 with WWW-Authenticate
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import zlib
from typing import Any, Awaitable, Callable, Dict, List, Tuple
from urllib.parse import parse_qsl

import brotli

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]

JSON_BODY = json.dumps({"hello": "world", "numbers": list(range(50))}).encode()


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


async def _respond(
    send: Send,
    status: int,
    body: bytes = b"",
    headers: List[Tuple[bytes, bytes]] | None = None,
    content_type: bytes = b"text/plain",
) -> None:
    hdrs = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    hdrs += headers or []
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


def _json(obj: Any) -> bytes:
    return json.dumps(obj).encode()


async def lifespan(receive: Receive, send: Send) -> None:
    """Answer hypercorn's lifespan messages until shutdown (for every app served here)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    assert scope["type"] == "http"
    path: str = scope["path"]
    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    parts = path.strip("/").split("/")
    head = parts[0]

    if path == "/":
        await read_body(receive)
        await _respond(send, 200, b"Hello, world!")
    elif head == "echo":
        body = await read_body(receive)
        payload = {
            "method": scope["method"],
            "path": path,
            "query": scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "body": body.decode("latin-1"),
            "http_version": scope.get("http_version", ""),
        }
        await _respond(send, 200, _json(payload), content_type=b"application/json")
    elif head == "headers":
        await read_body(receive)
        hdrs = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        await _respond(send, 200, _json(hdrs), content_type=b"application/json")
    elif head == "status" and len(parts) == 2:
        await read_body(receive)
        await _respond(send, int(parts[1]))
    elif head == "redirect" and len(parts) == 2:
        await read_body(receive)
        n = int(parts[1])
        location = b"/" if n <= 0 else f"/redirect/{n - 1}".encode()
        await _respond(send, 302, headers=[(b"location", location)])
    elif head == "redirect_to":
        await read_body(receive)
        status = int(query.get("status", "302"))
        await _respond(send, status, headers=[(b"location", query["url"].encode())])
    elif head == "json":
        await read_body(receive)
        await _respond(send, 200, JSON_BODY, content_type=b"application/json")
    elif head == "bytes" and len(parts) == 2:
        await read_body(receive)
        await _respond(send, 200, b"x" * int(parts[1]), content_type=b"application/octet-stream")
    elif head == "stream" and len(parts) == 2:
        await read_body(receive)
        n = int(parts[1])
        start = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": start})
        for i in range(n):
            chunk = (b"%d" % i).ljust(1024, b".")
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif head == "slow":
        await read_body(receive)
        await asyncio.sleep(float(query.get("delay", "0.5")))
        await _respond(send, 200, b"slow")
    elif head in ("gzip", "deflate", "brotli"):
        await read_body(receive)
        if head == "gzip":
            body, coding = gzip.compress(JSON_BODY), b"gzip"
        elif head == "deflate":
            body, coding = zlib.compress(JSON_BODY), b"deflate"
        else:
            body, coding = brotli.compress(JSON_BODY), b"br"
        await _respond(
            send, 200, body, [(b"content-encoding", coding)], content_type=b"application/json"
        )
    elif head == "cookies" and len(parts) == 2 and parts[1] == "set":
        await read_body(receive)
        cookies = [(b"set-cookie", f"{k}={v}; Path=/".encode()) for k, v in query.items()]
        await _respond(send, 302, headers=[(b"location", b"/cookies"), *cookies])
    elif head == "cookies":
        await read_body(receive)
        jar: Dict[str, str] = {}
        for k, v in scope["headers"]:
            if k == b"cookie":
                for item in v.decode("latin-1").split(";"):
                    name, _, value = item.strip().partition("=")
                    if name:
                        jar[name] = value
        await _respond(send, 200, _json(jar), content_type=b"application/json")
    elif head == "basic-auth" and len(parts) == 3:
        await read_body(receive)
        expected = b"Basic " + base64.b64encode(f"{parts[1]}:{parts[2]}".encode())
        got = dict(scope["headers"]).get(b"authorization")
        if got == expected:
            body = _json({"authenticated": True, "user": parts[1]})
            await _respond(send, 200, body, content_type=b"application/json")
        else:
            await _respond(send, 401, headers=[(b"www-authenticate", b'Basic realm="test"')])
    else:
        await read_body(receive)
        await _respond(send, 404, b"not found")
