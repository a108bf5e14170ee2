"""Typical httpx code, unchanged except for the import: the drop-in promise.

Each test reads like code from an application that uses httpx; only the first import
line differs. Runs against the real local servers and in-process transports.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Generator, List

import pytest

import fastclient as httpx

pytestmark = [pytest.mark.public, pytest.mark.network]


def test_quickstart(http_server: Any) -> None:
    r = httpx.get(http_server.url + "/json", params={"key1": "value1"})
    assert r.status_code == httpx.codes.OK
    assert r.headers["content-type"] == "application/json"
    assert r.json()["hello"] == "world"
    assert r.encoding == "utf-8"
    assert r.url.params["key1"] == "value1"
    r.raise_for_status()

    r = httpx.post(http_server.url + "/echo", data={"key": "value"})
    assert r.json()["body"] == "key=value"


def test_client_with_configuration(http_server: Any) -> None:
    timeout = httpx.Timeout(10.0, connect=2.0)
    limits = httpx.Limits(max_keepalive_connections=5, max_connections=10)
    headers = {"X-Api-Key": "secret"}
    with httpx.Client(
        base_url=http_server.url, headers=headers, timeout=timeout, limits=limits
    ) as client:
        r = client.get("/echo", params={"page": 2})
        body = r.json()
        assert body["query"] == "page=2"
        assert ["x-api-key", "secret"] in body["headers"]
        r = client.post("/echo", json={"name": "fastclient"})
        assert json.loads(r.json()["body"]) == {"name": "fastclient"}
        files = {"upload-file": ("report.csv", b"a,b\n1,2\n", "text/csv")}
        r = client.post("/echo", files=files)
        assert 'filename="report.csv"' in r.json()["body"]


def test_async_client(http_server: Any) -> None:
    async def fetch_all() -> List[int]:
        async with httpx.AsyncClient(base_url=http_server.url) as client:
            responses = await asyncio.gather(*[client.get(f"/bytes/{n}") for n in range(1, 6)])
            return [len(r.content) for r in responses]

    assert asyncio.run(fetch_all()) == [1, 2, 3, 4, 5]


def test_error_handling(http_server: Any) -> None:
    try:
        response = httpx.get(http_server.url + "/status/503")
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        assert exc.response.status_code == 503
        assert exc.request.url == http_server.url + "/status/503"
    else:
        pytest.fail("raise_for_status() did not raise")

    try:
        httpx.get("http://127.0.0.1:1/")
    except httpx.RequestError as exc:
        assert isinstance(exc, httpx.ConnectError)
        assert exc.request.url.port == 1
    else:
        pytest.fail("connecting to a closed port did not fail")


def test_streaming_download(http_server: Any) -> None:
    total = 0
    with httpx.stream("GET", http_server.url + "/stream/4") as response:
        for chunk in response.iter_bytes():
            total += len(chunk)
        assert response.num_bytes_downloaded == total
    assert total == 4096


def test_event_hooks(http_server: Any) -> None:
    log: List[str] = []

    def log_request(request: httpx.Request) -> None:
        log.append(f"{request.method} {request.url.path}")

    def raise_on_4xx_5xx(response: httpx.Response) -> None:
        response.raise_for_status()

    client = httpx.Client(
        base_url=http_server.url,
        event_hooks={"request": [log_request], "response": [raise_on_4xx_5xx]},
    )
    client.get("/")
    with pytest.raises(httpx.HTTPStatusError):
        client.get("/status/418")
    client.close()
    assert log == ["GET /", "GET /status/418"]


def test_mock_transport_in_unit_tests() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/users/1":
            return httpx.Response(200, json={"id": 1, "name": "Ada"})
        return httpx.Response(404, json={"error": "not found"})

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test")
    assert client.get("/users/1").json()["name"] == "Ada"
    assert client.get("/users/2").status_code == 404
    client.close()


def test_custom_auth_class() -> None:
    class TokenAuth(httpx.Auth):
        def __init__(self, token: str) -> None:
            self.token = token

        def auth_flow(
            self, request: httpx.Request
        ) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers["Authorization"] = f"Token {self.token}"
            response = yield request
            if response.status_code == 401:
                self.token = "refreshed"
                request.headers["Authorization"] = f"Token {self.token}"
                yield request

    def handler(request: httpx.Request) -> httpx.Response:
        ok = request.headers["Authorization"] == "Token refreshed"
        return httpx.Response(200 if ok else 401)

    with httpx.Client(transport=httpx.MockTransport(handler), auth=TokenAuth("old")) as client:
        response = client.get("https://example.org/")
    assert response.status_code == 200
    assert len(response.history) == 1


def test_digest_and_basic_auth(http_server: Any) -> None:
    r = httpx.get(http_server.url + "/basic-auth/user/pass", auth=("user", "pass"))
    assert r.json()["authenticated"] is True
    auth = httpx.DigestAuth("user", "pass")
    assert isinstance(auth, httpx.Auth)


def test_redirect_handling(http_server: Any) -> None:
    r = httpx.get(http_server.url + "/redirect/1")
    assert r.status_code == 302
    assert r.next_request is not None
    r = httpx.get(http_server.url + "/redirect/1", follow_redirects=True)
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [302, 302]
    client = httpx.Client(follow_redirects=True, max_redirects=1)
    with pytest.raises(httpx.TooManyRedirects):
        client.get(http_server.url + "/redirect/3")
    client.close()


def test_in_process_apps() -> None:
    def wsgi_app(environ: Any, start_response: Any) -> List[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"Hello from WSGI"]

    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"Hello from ASGI"})

    with httpx.Client(transport=httpx.WSGITransport(app=wsgi_app)) as client:
        assert client.get("http://testserver/").text == "Hello from WSGI"

    async def main() -> str:
        transport = httpx.ASGITransport(app=asgi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return (await client.get("/")).text

    assert asyncio.run(main()) == "Hello from ASGI"


def test_mounts_and_transports(http_server: Any) -> None:
    def blocked(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, text="blocked")

    mounts = {
        "all://127.0.0.1": httpx.HTTPTransport(retries=1),
        "all://*.blocked.test": httpx.MockTransport(blocked),
    }
    with httpx.Client(mounts=mounts) as client:
        assert client.get(http_server.url + "/").text == "Hello, world!"
        assert client.get("https://ads.blocked.test/").status_code == 403


def test_cookies_and_headers_objects(http_server: Any) -> None:
    cookies = httpx.Cookies()
    cookies.set("session", "abc", domain="127.0.0.1")
    with httpx.Client(cookies=cookies) as client:
        assert client.get(http_server.url + "/cookies").json() == {"session": "abc"}
    headers = httpx.Headers({"X-One": "1"})
    headers["x-two"] = "2"
    assert dict(headers) == {"x-one": "1", "x-two": "2"}
    url = httpx.URL("https://example.org/path", params={"q": "x"})
    assert url.copy_with(path="/other").path == "/other"
    assert httpx.QueryParams("a=1&b=2")["b"] == "2"
