"""HTTPS through a CONNECT tunnel, end to end on both clients: a real relaying proxy (plain
or itself behind TLS) in front of the real TLS test server."""

from __future__ import annotations

import ssl
from typing import Any, List

import pytest

from fastclient import Proxy
from tests.servers.raw import connect_proxy

pytestmark = pytest.mark.network


def proxy_tls_context(tls_files: Any) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.cert_path, tls_files.key_path)
    return context


@pytest.mark.parametrize("proxy_scheme", ["http", "https"])
def test_https_through_a_connect_tunnel(
    raw_server: Any,
    https_server: Any,
    tls_files: Any,
    make_client: Any,
    proxy_scheme: str,
) -> None:
    tunnels: List[bytes] = []
    tls = proxy_tls_context(tls_files) if proxy_scheme == "https" else None
    proxy = raw_server(connect_proxy(tunnels, tls))
    proxy_url = f"{proxy_scheme}://user:secret@127.0.0.1:{proxy.port}"
    client = make_client(proxy=Proxy(proxy_url), verify=tls_files.ca_path)
    for _ in range(2):  # the second request goes down the same tunnel
        response = client.get(f"{https_server.url}/echo")
        assert response.status_code == 200
        echoed = dict(response.json()["headers"])
        # The proxy's credentials went to the proxy only, never through the tunnel.
        assert "proxy-authorization" not in echoed
        assert echoed["host"] == f"127.0.0.1:{https_server.port}"
    assert len(tunnels) == 1
    lines = tunnels[0].split(b"\r\n")
    assert lines[0] == b"CONNECT 127.0.0.1:%d HTTP/1.1" % https_server.port
    assert b"Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=" in lines


def test_tunnel_refused_by_the_proxy_is_a_proxy_error(
    raw_server: Any, tls_files: Any, make_client: Any
) -> None:
    from fastclient import ProxyError

    tunnels: List[bytes] = []
    proxy = raw_server(connect_proxy(tunnels))
    client = make_client(proxy=f"http://127.0.0.1:{proxy.port}", verify=tls_files.ca_path)
    with pytest.raises(ProxyError, match="403"):
        client.get("https://localhost.invalid/")  # the proxy only tunnels to 127.0.0.1
    assert tunnels[0].startswith(b"CONNECT localhost.invalid:443 HTTP/1.1")
