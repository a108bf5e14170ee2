"""HTTPTransport and AsyncHTTPTransport through the public Request/Response models."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, List, Tuple

import pytest

from fastclient._config import Limits, Proxy, Timeout, create_ssl_context
from fastclient._exceptions import ConnectError, ReadTimeout, UnsupportedProtocol
from fastclient._models import Request
from fastclient._net.proxy import environment_proxies, no_proxy_matches, select_proxy
from fastclient._transports.default import AsyncHTTPTransport, HTTPTransport
from tests.servers.raw import read_request

from .conftest import Runner

pytestmark = pytest.mark.network


def test_sync_get_and_extensions(http_server: Any) -> None:
    with HTTPTransport() as transport:
        response = transport.handle_request(Request("GET", http_server.url + "/"))
        assert response.status_code == 200
        assert response.read() == b"Hello, world!"
        assert response.extensions["http_version"] == b"HTTP/1.1"
        assert isinstance(response.extensions["conn_id"], int)
        response.close()
        response = transport.handle_request(
            Request("POST", http_server.url + "/echo", content=b"payload")
        )
        response.read()
        assert response.json()["body"] == "payload"
        response.close()


def test_async_get_streamed(run: Runner, http_server: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPTransport() as transport:
            response = await transport.handle_async_request(
                Request("GET", http_server.url + "/stream/20")
            )
            assert response.status_code == 200
            assert len(await response.aread()) == 20 * 1024
            await response.aclose()
            assert transport.pool.state.n_idle == 1

    run(main)


def test_tls_verify_options(https_server: Any, ca_bundle: str) -> None:
    url = https_server.url + "/"
    with HTTPTransport(verify=ca_bundle) as transport:
        response = transport.handle_request(Request("GET", url))
        assert response.read() == b"Hello, world!"
        response.close()
    with HTTPTransport(verify=False) as transport:
        response = transport.handle_request(Request("GET", url))
        assert response.status_code == 200
        response.close()
    with HTTPTransport() as transport, pytest.raises(ConnectError) as info:
        transport.handle_request(Request("GET", url))  # certifi does not trust trustme
    assert info.value.request.url == url


def test_async_tls_with_sni_extension(run: Runner, https_server: Any, ca_bundle: str) -> None:
    async def main() -> None:
        async with AsyncHTTPTransport(verify=ca_bundle) as transport:
            request = Request(
                "GET", https_server.url + "/", extensions={"sni_hostname": "localhost"}
            )
            response = await transport.handle_async_request(request)
            assert await response.aread() == b"Hello, world!"
            await response.aclose()

    run(main)


def test_timeout_extension_and_request_attached(http_server: Any) -> None:
    timeout = Timeout(5.0, read=0.1).as_dict()
    with HTTPTransport() as transport:
        request = Request(
            "GET", http_server.url + "/slow?delay=0.5", extensions={"timeout": timeout}
        )
        with pytest.raises(ReadTimeout) as info:
            transport.handle_request(request)
        assert info.value.request is request
        assert transport.pool.state.n_total == 0


def test_unsupported_protocol() -> None:
    with HTTPTransport() as transport, pytest.raises(UnsupportedProtocol):
        transport.handle_request(Request("GET", "ftp://127.0.0.1/"))


def test_trace_extension_sync(http_server: Any) -> None:
    names: List[str] = []
    with HTTPTransport() as transport:
        request = Request(
            "GET", http_server.url + "/", extensions={"trace": lambda n, i: names.append(n)}
        )
        transport.handle_request(request).close()
    assert names[0] == "connection.connect_tcp.started"
    assert "http11.receive_response_headers.complete" in names


def test_conn_id_pinning_through_extensions(run: Runner, http_server: Any) -> None:
    async def main() -> None:
        async with AsyncHTTPTransport() as transport:
            url = http_server.url + "/"
            first = await transport.handle_async_request(Request("GET", url))
            second = await transport.handle_async_request(Request("GET", url))
            await second.aread()
            await first.aread()
            pinned = second.extensions["conn_id"]
            again = await transport.handle_async_request(
                Request("GET", url, extensions={"conn_id": pinned})
            )
            await again.aread()
            assert again.extensions["conn_id"] == pinned

    run(main)


def test_forward_proxy_gets_absolute_target_and_credentials(raw_server: Any) -> None:
    seen: List[Tuple[bytes, bytes]] = []

    def proxy(sock: socket.socket) -> None:
        head, body = read_request(sock)
        seen.append((head, body))
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = raw_server(proxy)
    with HTTPTransport(proxy=Proxy(f"http://user:secret@127.0.0.1:{server.port}")) as transport:
        response = transport.handle_request(Request("GET", "http://example.invalid:8080/a?b=1"))
        assert response.read() == b"ok"
        response.close()
    head = seen[0][0]
    assert head.startswith(b"GET http://example.invalid:8080/a?b=1 HTTP/1.1\r\n")
    assert b"Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=" in head


def test_connect_tunnel_refused_is_proxy_error(raw_server: Any) -> None:
    from fastclient._exceptions import ProxyError

    def proxy(sock: socket.socket) -> None:
        read_request(sock)
        sock.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")

    server = raw_server(proxy)
    with (
        HTTPTransport(proxy=f"http://127.0.0.1:{server.port}") as transport,
        pytest.raises(ProxyError),
    ):
        transport.handle_request(Request("GET", "https://example.invalid/"))


def test_no_proxy_label_boundaries() -> None:
    assert no_proxy_matches("example.com", "example.com", 80)
    assert no_proxy_matches("example.com", "www.example.com", 80)
    assert no_proxy_matches(".example.com", "a.b.example.com", 80)
    assert not no_proxy_matches("example.com", "badexample.com", 80)
    assert no_proxy_matches("*", "anything", 1)
    assert no_proxy_matches("example.com:8080", "example.com", 8080)
    assert not no_proxy_matches("example.com:8080", "example.com", 80)
    assert no_proxy_matches("10.0.0.0/8", "10.1.2.3", 80)
    assert not no_proxy_matches("10.0.0.0/8", "11.1.2.3", 80)


def test_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.local:3128")
    monkeypatch.setenv("ALL_PROXY", "http://all.local:1")
    monkeypatch.setenv("NO_PROXY", "internal.example, .corp")
    routes = list(environment_proxies().items())
    assert ("https://", "http://proxy.local:3128") in routes
    assert select_proxy(routes, b"https", b"api.internal.example", 443) is None
    assert select_proxy(routes, b"https", b"x.corp", 443) is None
    assert select_proxy(routes, b"https", b"other.example", 443) == "http://proxy.local:3128"
    assert select_proxy(routes, b"http", b"other.example", 80) == "http://all.local:1"


def test_config_objects() -> None:
    t = Timeout(5.0, connect=1.0)
    assert (t.connect, t.read, t.write, t.pool) == (1.0, 5.0, 5.0, 5.0)
    assert t.head == 60.0 and Timeout(None).head == 60.0 and Timeout(None, head=None).head is None
    assert Timeout(t) == t and Timeout((1, 2, 3, 4)).pool == 4
    with pytest.raises(ValueError):
        Timeout(connect=1.0)
    limits = Limits(max_connections=10, max_connections_per_host=2)
    assert limits.max_connections_per_host == 2
    with pytest.raises(ValueError):
        Limits(max_connections_per_host=0)
    ctx = create_ssl_context()
    assert ctx.check_hostname and ctx.verify_mode.name == "CERT_REQUIRED"
    assert repr(Proxy("http://u:p@h:1")) == "Proxy('http://h:1', auth=('u', '********'))"


def test_async_cancel_while_waiting_for_head(run: Runner, raw_server: Any) -> None:
    def slow(sock: socket.socket) -> None:
        read_request(sock)
        sock.settimeout(3)
        try:
            sock.recv(1)
        except OSError:
            pass

    server = raw_server(slow)

    async def main() -> None:
        async with AsyncHTTPTransport() as transport:
            task = asyncio.ensure_future(
                transport.handle_async_request(Request("GET", server.url + "/"))
            )
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert transport.pool.state.n_total == 0

    run(main)


def upgrade_echo(sock: socket.socket) -> None:
    read_request(sock)
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
    )
    sock.sendall(b"hello")
    data = sock.recv(100)
    sock.sendall(data.upper())


def test_upgrade_network_stream_sync(raw_server: Any) -> None:
    server = raw_server(upgrade_echo)
    with HTTPTransport() as transport:
        request = Request(
            "GET", server.url + "/", headers={"Upgrade": "echo", "Connection": "Upgrade"}
        )
        response = transport.handle_request(request)
        assert response.status_code == 101
        stream = response.extensions["network_stream"]
        assert stream.read(100, timeout=2) == b"hello"
        stream.write(b"shout", timeout=2)
        assert stream.read(100, timeout=2) == b"SHOUT"
        stream.close()
        assert transport.pool.state.n_total == 0


def test_upgrade_network_stream_async(run: Runner, raw_server: Any) -> None:
    server = raw_server(upgrade_echo)

    async def main() -> None:
        async with AsyncHTTPTransport() as transport:
            request = Request(
                "GET", server.url + "/", headers={"Upgrade": "echo", "Connection": "Upgrade"}
            )
            response = await transport.handle_async_request(request)
            assert response.status_code == 101
            stream = response.extensions["network_stream"]
            assert await stream.read(100, timeout=2) == b"hello"
            await stream.write(b"shout", timeout=2)
            assert await stream.read(100, timeout=2) == b"SHOUT"
            await stream.aclose()
            assert transport.pool.state.n_total == 0

    run(main)
