"""Proxies from the environment: read by the client into its mounts, never by a transport.

These scenarios were once tested against the transport's own reading of the environment
(removed: httpx's transports do not read it either, and two readers could disagree).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Callable, Dict, List, Optional

import pytest

from fastclient._models import Request
from fastclient._transports.default import AsyncHTTPTransport, HTTPTransport
from fastclient._urls import URL
from tests.servers.raw import read_request

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture()
def environment(monkeypatch: pytest.MonkeyPatch) -> Callable[[Dict[str, str]], None]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)

    def set_environment(values: Dict[str, str]) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_environment


def proxy_of(client: Any, url: str) -> Optional[str]:
    """The proxy URL the client's mounts choose for ``url`` (None: the direct transport)."""
    inner = getattr(client, "client", client)  # the AsyncClient behind the test driver
    transport = inner._mounts.lookup(URL(url))
    if transport is inner._transport:
        return None
    route = transport._options.proxy_route
    assert route is not None, "a mounted environment transport always has a proxy"
    return str(route.proxy.url)


def test_schemes_all_proxy_and_no_proxy_label_boundaries(
    environment: Callable[[Dict[str, str]], None], make_client: Callable[..., Any]
) -> None:
    environment(
        {
            "HTTPS_PROXY": "proxy.local:3128",  # no scheme: an HTTP proxy
            "ALL_PROXY": "http://all.local:1",
            "NO_PROXY": "internal.example, .corp,example.com:8080",
        }
    )
    client = make_client()
    assert proxy_of(client, "https://other.example/") == "http://proxy.local:3128"
    assert proxy_of(client, "http://other.example/") == "http://all.local:1"
    # NO_PROXY names a domain and what is under it, on label boundaries only.
    assert proxy_of(client, "https://internal.example/") is None
    assert proxy_of(client, "https://api.internal.example/") is None
    assert proxy_of(client, "https://badinternal.example/") == "http://proxy.local:3128"
    assert proxy_of(client, "https://x.corp/") is None
    assert proxy_of(client, "https://corp/") is None
    assert proxy_of(client, "https://notcorp/") == "http://proxy.local:3128"
    # An entry with a port spares that port only.
    assert proxy_of(client, "http://example.com:8080/") is None
    assert proxy_of(client, "http://www.example.com:8080/") is None
    assert proxy_of(client, "http://example.com/") == "http://all.local:1"
    assert proxy_of(client, "http://badexample.com:8080/") == "http://all.local:1"


def test_no_proxy_star_and_trust_env(
    environment: Callable[[Dict[str, str]], None], make_client: Callable[..., Any]
) -> None:
    environment({"HTTP_PROXY": "http://proxy.local:3128", "NO_PROXY": "*"})
    assert proxy_of(make_client(), "http://example.com/") is None
    environment({"NO_PROXY": ""})
    assert proxy_of(make_client(), "http://example.com/") == "http://proxy.local:3128"
    assert proxy_of(make_client(trust_env=False), "http://example.com/") is None


def answering(label: bytes, seen: List[bytes]) -> Callable[[socket.socket], None]:
    def handler(sock: socket.socket) -> None:
        head, _ = read_request(sock)
        seen.append(head)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(label), label))

    return handler


def test_requests_go_through_the_environment_proxy_except_no_proxy_hosts(
    environment: Callable[[Dict[str, str]], None],
    make_client: Callable[..., Any],
    raw_server: Any,
) -> None:
    via_proxy: List[bytes] = []
    direct: List[bytes] = []
    proxy = raw_server(answering(b"proxy", via_proxy))
    origin = raw_server(answering(b"origin", direct))
    environment({"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
    client = make_client()
    # A name no resolver knows: only the proxy (on 127.0.0.1) is ever connected to.
    assert client.get("http://proxied.invalid/a?b=1").text == "proxy"
    assert via_proxy[0].startswith(b"GET http://proxied.invalid/a?b=1 HTTP/1.1\r\n")
    assert client.get(origin.url + "/direct").text == "origin"
    assert direct[0].startswith(b"GET /direct HTTP/1.1\r\n")
    assert len(via_proxy) == 1


def test_transports_do_not_read_proxy_variables(
    environment: Callable[[Dict[str, str]], None], raw_server: Any
) -> None:
    via_proxy: List[bytes] = []
    direct: List[bytes] = []
    proxy = raw_server(answering(b"proxy", via_proxy))
    origin = raw_server(answering(b"origin", direct))
    environment({"HTTP_PROXY": proxy.url, "ALL_PROXY": proxy.url})

    with HTTPTransport(trust_env=True) as transport:
        assert transport._options.proxy_route is None and transport.pool._proxy is None
        response = transport.handle_request(Request("GET", origin.url + "/sync"))
        assert response.read() == b"origin"
        response.close()

    async def send_async() -> bytes:
        async with AsyncHTTPTransport(trust_env=True) as transport:
            assert transport._options.proxy_route is None and transport.pool._proxy is None
            response = await transport.handle_async_request(Request("GET", origin.url + "/async"))
            body = await response.aread()
            await response.aclose()
            return body

    assert asyncio.run(send_async()) == b"origin"
    assert via_proxy == []
    assert [head.split(b" ")[1] for head in direct] == [b"/sync", b"/async"]
