"""Client configuration and behaviour, both clients, over MockTransport."""

from __future__ import annotations

import json
import logging
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List

import httpx
import pytest

from fastclient._async_client import AsyncClient
from fastclient._client import Client
from fastclient._client_base import USE_CLIENT_DEFAULT
from fastclient._exceptions import ConnectError, HTTPStatusError
from fastclient._models import Request, Response
from fastclient._protocol.decoders import SUPPORTED_ENCODINGS
from fastclient._streams import AsyncByteStream, SyncByteStream
from fastclient._transports.base import AsyncBaseTransport, BaseTransport
from fastclient._transports.default import AsyncHTTPTransport, HTTPTransport
from fastclient._transports.mock import MockTransport
from fastclient._version import __version__

from .conftest import read


def echo(request: Request) -> Response:
    return Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "headers": request.headers.multi_items(),
            "body": request.content.decode("latin-1"),
            "timeout": request.extensions.get("timeout"),
        },
    )


def headers_of(response: Response) -> Dict[str, str]:
    return {k.lower(): v for k, v in response.json()["headers"]}


@pytest.fixture()
def client(make_client: Callable[..., Any]) -> Any:
    return make_client(transport=MockTransport(echo))


def test_default_headers(client: Any) -> None:
    headers = headers_of(client.get("http://example.org/"))
    assert headers["accept"] == "*/*"
    assert headers["accept-encoding"] == ", ".join(SUPPORTED_ENCODINGS)
    assert headers["connection"] == "keep-alive"
    assert headers["user-agent"] == f"python-fastclient/{__version__}"
    assert headers["host"] == "example.org"
    assert "gzip" in headers["accept-encoding"] and "br" in headers["accept-encoding"]


def test_header_merging(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo), headers={"X-Client": "1", "Accept": "a/b"})
    headers = headers_of(client.get("http://example.org/", headers={"X-Request": "2"}))
    assert headers["x-client"] == "1"
    assert headers["x-request"] == "2"
    assert headers["accept"] == "a/b"
    # Per-request headers win; the client's own headers are left as they were.
    headers = headers_of(client.get("http://example.org/", headers={"X-Client": "override"}))
    assert headers["x-client"] == "override"
    assert client.headers["X-Client"] == "1"
    # Mutating client.headers takes effect on the next request.
    client.headers["X-Later"] = "3"
    assert headers_of(client.get("http://example.org/"))["x-later"] == "3"
    # Assigning replaces everything but the defaults.
    client.headers = {"X-New": "4"}
    headers = headers_of(client.get("http://example.org/"))
    assert "x-client" not in headers and headers["x-new"] == "4" and headers["accept"] == "*/*"


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("https://example.org/api", "/users"),
        ("https://example.org/api/", "users"),
        ("https://example.org/api/", "/users?x=1"),
        ("https://example.org", "users"),
        ("https://example.org/a%20b/", "c d"),
        ("https://example.org/api", "https://other.org/x"),
        ("https://example.org/api", ""),
        ("", "https://example.org/x"),
    ],
)
def test_base_url_merging_matches_httpx(base_url: str, url: str) -> None:
    ours = Client(base_url=base_url, transport=MockTransport(echo))
    theirs = httpx.Client(base_url=base_url)
    assert str(ours.build_request("GET", url).url) == str(theirs.build_request("GET", url).url)
    assert str(ours.base_url) == str(theirs.base_url)
    ours.close()
    theirs.close()


def test_params_merging(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo), params={"a": "1"})
    url = client.get("http://example.org/", params={"b": "2"}).json()["url"]
    assert url == "http://example.org/?a=1&b=2"
    # A query already in the URL is combined as Request(params=...) combines it.
    url = client.get("http://example.org/?z=0", params={"b": "2"}).json()["url"]
    expected = Request("GET", "http://example.org/?z=0", params={"a": "1", "b": "2"}).url
    assert url == str(expected)
    assert client.get("http://example.org/", params={"a": "9"}).json()["url"] == (
        "http://example.org/?a=9"
    )
    bare = make_client(transport=MockTransport(echo))
    assert bare.get("http://example.org/", params=[("x", "1"), ("x", "2")]).json()["url"] == (
        "http://example.org/?x=1&x=2"
    )
    theirs = httpx.Client(params={"a": "1"})
    assert str(theirs.build_request("GET", "http://example.org/", params={"b": "2"}).url) == (
        "http://example.org/?a=1&b=2"
    )
    theirs.close()


def set_cookie(request: Request) -> Response:
    if request.url.path == "/set":
        return Response(200, headers={"Set-Cookie": "sid=abc; Path=/"})
    return echo(request)


def test_cookies(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(set_cookie), cookies={"a": "1"})
    assert headers_of(client.get("http://example.org/"))["cookie"] == "a=1"
    client.get("http://example.org/set")
    assert client.cookies["sid"] == "abc"
    assert headers_of(client.get("http://example.org/"))["cookie"] == "a=1; sid=abc"
    with pytest.warns(DeprecationWarning, match="Per-request cookies"):
        response = client.get("http://example.org/", cookies={"b": "2"})
    assert "b=2" in headers_of(response)["cookie"]
    assert "b" not in client.cookies  # per-request cookies do not persist


def test_timeouts_travel_as_an_extension(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo), timeout=3.0)
    assert client.get("http://example.org/").json()["timeout"]["read"] == 3.0
    per_request = client.get("http://example.org/", timeout=1.5).json()["timeout"]
    assert per_request["connect"] == per_request["read"] == 1.5
    assert client.get("http://example.org/", timeout=None).json()["timeout"]["read"] is None
    assert client.timeout.read == 3.0
    client.timeout = 7  # assignable, like httpx
    assert client.get("http://example.org/").json()["timeout"]["pool"] == 7
    given = {"timeout": {"connect": 1, "read": 2, "write": 3, "pool": 4}}
    assert client.get("http://example.org/", extensions=given).json()["timeout"]["read"] == 2
    # send() of a request built elsewhere gets the client's timeout.
    request = Request("GET", "http://example.org/")
    assert client.send(request).json()["timeout"]["pool"] == 7


@pytest.mark.parametrize(
    "timeout", [2, 2.0, 0.25, None, (1.0, 2.0, 3.0, 4.0), (5.0, None, None, None)]
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_per_request_timeouts_as_httpx_builds_them(
    make_client: Callable[..., Any], timeout: Any, method: str
) -> None:
    """Per-request timeouts (numbers are cached per value) give the Timeout's dict, the
    same on the template path (GET) and the general one, request after request."""
    from fastclient._config import Timeout

    client = make_client(transport=MockTransport(echo), timeout=9.0)
    want = Timeout(timeout).as_dict()
    for _ in range(3):
        got = client.request(method, "http://example.org/", timeout=timeout).json()["timeout"]
        assert got == want
        assert [type(v) for v in got.values()] == [type(v) for v in want.values()]
        assert client.request(method, "http://example.org/").json()["timeout"]["read"] == 9.0


def test_default_encoding(make_client: Callable[..., Any]) -> None:
    def latin(request: Request) -> Response:
        return Response(200, content="café".encode("latin-1"))

    client = make_client(transport=MockTransport(latin), default_encoding="latin-1")
    assert client.get("http://example.org/").text == "café"

    def pick(content: bytes) -> str:
        return "latin-1"

    client = make_client(transport=MockTransport(latin), default_encoding=pick)
    assert client.get("http://example.org/").text == "café"


def test_event_hooks(make_client: Callable[..., Any], which: str) -> None:
    seen: List[str] = []

    def add_header(request: Request) -> None:
        request.headers["X-Hooked"] = "yes"

    def on_response(response: Response) -> None:
        seen.append(f"{response.status_code} {response.request.url.path}")

    client = make_client(
        transport=MockTransport(echo),
        event_hooks={"request": [add_header], "response": [on_response]},
    )
    assert headers_of(client.get("http://example.org/a"))["x-hooked"] == "yes"
    assert seen == ["200 /a"]
    assert set(client.event_hooks) == {"request", "response"}
    client.event_hooks["response"].append(lambda r: seen.append("appended"))
    client.get("http://example.org/b")
    assert seen == ["200 /a", "200 /b", "appended"]
    if which == "async":

        async def async_hook(response: Response) -> None:
            seen.append("async hook")

        client.event_hooks = {"response": [async_hook]}
        client.get("http://example.org/c")
        assert seen[-1] == "async hook"


def test_raising_response_hook_closes_the_response(make_client: Callable[..., Any]) -> None:
    responses: List[Response] = []

    def check(response: Response) -> None:
        responses.append(response)
        response.raise_for_status()

    def not_found(request: Request) -> Response:
        return Response(404)

    client = make_client(transport=MockTransport(not_found), event_hooks={"response": [check]})
    with pytest.raises(HTTPStatusError, match="404"):
        client.get("http://example.org/")
    assert responses and responses[0].is_closed


class Chunks(SyncByteStream, AsyncByteStream):
    """A body that arrives in pieces, for either client."""

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 100

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 100


def test_stream_and_send_stream(make_client: Callable[..., Any]) -> None:
    def big(request: Request) -> Response:
        return Response(200, stream=Chunks())

    client = make_client(transport=MockTransport(big))
    with client.stream("GET", "http://example.org/") as response:
        assert not response.is_closed
        assert read(client, response) == b"x" * 1000
    assert response.is_closed
    request = client.build_request("GET", "http://example.org/")
    response = client.send(request, stream=True)
    assert read(client, response) == b"x" * 1000


def test_lifecycle(which: str) -> None:
    import asyncio

    closes: List[str] = []

    class Transport(BaseTransport, AsyncBaseTransport):
        def handle_request(self, request: Request) -> Response:
            return Response(200)

        async def handle_async_request(self, request: Request) -> Response:
            return Response(200)

        def close(self) -> None:
            closes.append("closed")

        async def aclose(self) -> None:
            closes.append("closed")

    if which == "sync":
        with Client(transport=Transport(), mounts={"all://a.org": Transport()}) as client:
            assert not client.is_closed
            with pytest.raises(RuntimeError, match="more than once"):
                client.__enter__()
            assert client.get("http://a.org/").status_code == 200
        assert client.is_closed
        assert closes == ["closed", "closed"]
        with pytest.raises(RuntimeError, match="client has been closed"):
            client.get("http://a.org/")
        with pytest.raises(RuntimeError, match="Cannot reopen a client"):
            client.__enter__()
        client.close()  # idempotent
        assert closes == ["closed", "closed"]
        return

    async def main() -> None:
        async with AsyncClient(transport=Transport()) as client:
            assert (await client.get("http://a.org/")).status_code == 200
        assert client.is_closed
        with pytest.raises(RuntimeError, match="client has been closed"):
            await client.get("http://a.org/")
        with pytest.raises(RuntimeError, match="Cannot reopen a client"):
            await client.__aenter__()
        await client.aclose()

    asyncio.run(main())
    assert closes == ["closed"]


def test_mounts_route_by_pattern(make_client: Callable[..., Any]) -> None:
    def named(name: str) -> MockTransport:
        return MockTransport(lambda request: Response(200, text=name))

    client = make_client(
        transport=named("default"),
        mounts={
            "all://*.internal": named("internal"),
            "https://api.internal": named("api"),
            "all://api.internal:8443": named("api-8443"),
            "http://": named("plain"),
            "http://direct.org": None,  # None: back to the default transport
        },
    )
    assert client.get("https://example.org/").text == "default"
    assert client.get("http://example.org/").text == "plain"
    assert client.get("http://direct.org/").text == "default"
    assert client.get("https://db.internal/").text == "internal"
    assert client.get("https://api.internal/").text == "api"
    assert client.get("https://api.internal:8443/").text == "api-8443"


def test_proxies_from_the_environment(monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    cls: Any = Client if which == "sync" else AsyncClient
    expected_type: Any = HTTPTransport if which == "sync" else AsyncHTTPTransport
    client = cls()
    patterns = {p.pattern: t for p, t in client._mounts.entries}
    assert set(patterns) == {"https://", "all://localhost"}
    assert isinstance(patterns["https://"], expected_type)
    assert patterns["https://"] is not client._transport
    assert patterns["all://localhost"] is None
    assert cls(trust_env=False)._mounts.entries == []
    # A custom transport means "I decide": no environment proxies (as in httpx).
    assert cls(transport=MockTransport(echo))._mounts.entries == []
    # An explicit proxy covers everything.
    assert [p.pattern for p, _ in cls(proxy="http://127.0.0.1:1")._mounts.entries] == ["all://"]


def test_sync_and_async_bodies_go_to_the_right_client() -> None:
    import asyncio

    async def agen() -> Any:
        yield b"x"

    client = Client(transport=MockTransport(echo))
    with pytest.raises(RuntimeError, match="async request with a sync Client"):
        client.post("http://example.org/", content=agen())
    client.close()

    def gen() -> Any:
        yield b"x"

    async def main() -> None:
        async with AsyncClient(transport=MockTransport(echo)) as aclient:
            with pytest.raises(RuntimeError, match="sync request with an AsyncClient"):
                await aclient.post("http://example.org/", content=gen())

    asyncio.run(main())


def test_transport_errors_carry_the_request(make_client: Callable[..., Any]) -> None:
    def refuse(request: Request) -> Response:
        raise ConnectError("refused")

    client = make_client(transport=MockTransport(refuse))
    with pytest.raises(ConnectError) as info:
        client.get("http://example.org/x")
    assert info.value.request.url == "http://example.org/x"


def test_build_request_merges_without_sending(make_client: Callable[..., Any]) -> None:
    client = make_client(
        transport=MockTransport(echo),
        base_url="https://example.org/api/",
        params={"k": "v"},
        headers={"X-A": "1"},
        cookies={"c": "1"},
    )
    request = client.build_request("POST", "items", json={"a": 1}, headers={"X-B": "2"})
    assert request.url == "https://example.org/api/items?k=v"
    assert request.headers["X-A"] == "1" and request.headers["X-B"] == "2"
    assert request.headers["Cookie"] == "c=1"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"a": 1}
    assert request.extensions["timeout"]["read"] == 5.0


def test_fast_path_and_flow_agree(make_client: Callable[..., Any]) -> None:
    # follow_redirects=True forces the generator flow; the fast path must match it.
    client = make_client(transport=MockTransport(echo))
    fast = client.get("http://example.org/same")
    slow = client.get("http://example.org/same", follow_redirects=True)
    assert fast.json() == slow.json()
    assert fast.history == slow.history == []
    assert fast.next_request is None and slow.next_request is None
    assert fast.request.headers == slow.request.headers


def test_properties_like_httpx() -> None:
    client = Client(
        transport=MockTransport(echo),
        auth=("u", "p"),
        base_url="https://example.org/x",
        follow_redirects=True,
        max_redirects=5,
        params={"a": "1"},
        cookies={"c": "d"},
        trust_env=False,
    )
    assert str(client.base_url) == "https://example.org/x/"
    assert client.follow_redirects is True and client.max_redirects == 5
    assert client.params["a"] == "1" and client.cookies["c"] == "d"
    assert client.trust_env is False
    assert client.auth is not None
    assert repr(USE_CLIENT_DEFAULT) == "USE_CLIENT_DEFAULT"
    client.base_url = "https://other.org/v2"
    assert str(client.base_url) == "https://other.org/v2/"
    client.close()


def test_log_line_only_when_enabled(
    make_client: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(transport=MockTransport(echo))
    with caplog.at_level(logging.WARNING, logger="fastclient"):
        client.get("http://example.org/quiet")
    assert not [r for r in caplog.records if r.name == "fastclient"]
    with caplog.at_level(logging.INFO, logger="fastclient"):
        client.get("http://example.org/loud")
    messages = [r.getMessage() for r in caplog.records if r.name == "fastclient"]
    assert messages == ['HTTP Request: GET http://example.org/loud "HTTP/1.1 200 OK"']


def test_elapsed_is_set(client: Any) -> None:
    response = client.get("http://example.org/")
    assert response.elapsed.total_seconds() >= 0


def test_user_cookie_header_wins_over_the_jar(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo), cookies={"a": "1"})
    headers = headers_of(client.get("http://example.org/", headers={"Cookie": "x=y"}))
    assert headers["cookie"] == "x=y"


def make_subclass(base: Any, override: str, calls: List[str]) -> Any:
    """A subclass of ``base`` overriding one method, recording each call to it."""
    is_async = base is AsyncClient

    def build_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("build_request")
        return base.build_request(self, *args, **kwargs)

    def sync_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(override)
        return getattr(base, override)(self, *args, **kwargs)

    async def async_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(override)
        return await getattr(base, override)(self, *args, **kwargs)

    if override == "build_request":
        method: Any = build_request
    else:
        method = async_method if is_async else sync_method
    return type("Sub", (base,), {override: method})


@pytest.mark.parametrize("override", ["request", "build_request", "send"])
def test_subclass_overrides_are_honoured(which: str, override: str) -> None:
    """httpx's verbs call request(), which calls build_request() and send(): subclasses
    that override one of them (to sign, log or retry) must see every call."""
    import asyncio

    calls: List[str] = []
    sub = make_subclass(Client if which == "sync" else AsyncClient, override, calls)
    assert sub._custom_request == (override == "request")
    assert sub._custom_build_send == (override != "request")
    client = sub(transport=MockTransport(echo))
    if which == "sync":
        with client:
            response = client.post("http://example.org/", content=b"x")
    else:

        async def main() -> Any:
            async with client:
                return await client.post("http://example.org/", content=b"x")

        response = asyncio.run(main())
    assert response.json()["body"] == "x"
    assert calls == [override]


def test_override_flags_follow_the_class() -> None:
    class Plain(Client):
        pass

    class Signing(Client):
        def send(self, request: Request, **kwargs: Any) -> Response:  # type: ignore[override]
            request.headers["X-Signed"] = "1"
            return super().send(request, **kwargs)

    assert not Plain._custom_request and not Plain._custom_build_send
    assert Signing._custom_build_send and not Signing._custom_request
    with Signing(transport=MockTransport(echo)) as client:
        assert headers_of(client.get("http://example.org/"))["x-signed"] == "1"


def test_merged_urls_follow_configuration_changes(make_client: Callable[..., Any]) -> None:
    client = make_client(
        transport=MockTransport(echo), base_url="https://example.org/v1/", params={"k": "1"}
    )
    for _ in range(2):  # the second time comes from the per-client URL cache
        assert client.get("items").json()["url"] == "https://example.org/v1/items?k=1"
    assert client.get("items", params={"p": "2"}).json()["url"] == (
        "https://example.org/v1/items?k=1&p=2"
    )
    client.params = {"k": "2"}
    assert client.get("items").json()["url"] == "https://example.org/v1/items?k=2"
    client.base_url = "https://example.org/v2"
    assert client.get("items").json()["url"] == "https://example.org/v2/items?k=2"
    client.params = None
    assert client.get("items").json()["url"] == "https://example.org/v2/items"
    assert client.get("https://other.org/x?y=1").json()["url"] == "https://other.org/x?y=1"
