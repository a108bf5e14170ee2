"""The test servers themselves work (checked with the standard library and h2, not fastclient)."""

from __future__ import annotations

import json
import socket
import ssl
import urllib.request

import h2.config
import h2.connection
import h2.events

from tests.servers.raw import read_request, reset


def test_http_server_serves_http11(http_server) -> None:  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(http_server.url + "/") as resp:
        assert resp.status == 200
        assert resp.read() == b"Hello, world!"
    req = urllib.request.Request(http_server.url + "/echo?a=1", data=b"abc", method="POST")
    with urllib.request.urlopen(req) as resp:
        payload = json.loads(resp.read())
    assert payload["method"] == "POST"
    assert payload["body"] == "abc"
    assert payload["query"] == "a=1"


def _h2_get(sock: socket.socket, path: str, authority: str, scheme: str) -> tuple:
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.send_headers(
        1,
        [(":method", "GET"), (":path", path), (":authority", authority), (":scheme", scheme)],
        end_stream=True,
    )
    sock.sendall(conn.data_to_send())
    status, body = None, b""
    while True:
        data = sock.recv(65536)
        assert data, "server closed the h2 connection early"
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = dict(event.headers)[b":status"]
            elif isinstance(event, h2.events.DataReceived):
                body += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, 1)
            elif isinstance(event, h2.events.StreamEnded):
                return status, body
        sock.sendall(conn.data_to_send())


def test_h2c_prior_knowledge(h2c_server) -> None:  # type: ignore[no-untyped-def]
    with socket.create_connection(("127.0.0.1", h2c_server.port), timeout=5) as sock:
        status, body = _h2_get(sock, "/", f"127.0.0.1:{h2c_server.port}", "http")
    assert (status, body) == (b"200", b"Hello, world!")


def test_https_alpn_h2(https_server, ca_bundle) -> None:  # type: ignore[no-untyped-def]
    ctx = ssl.create_default_context(cafile=ca_bundle)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    raw = socket.create_connection(("127.0.0.1", https_server.port), timeout=5)
    with raw, ctx.wrap_socket(raw, server_hostname="localhost") as sock:
        assert sock.selected_alpn_protocol() == "h2"
        status, body = _h2_get(sock, "/json", "localhost", "https")
    assert status == b"200"
    assert json.loads(body)["hello"] == "world"


def test_https_http11(https_server, ca_bundle) -> None:  # type: ignore[no-untyped-def]
    ctx = ssl.create_default_context(cafile=ca_bundle)
    with urllib.request.urlopen(https_server.url + "/", context=ctx) as resp:
        assert resp.read() == b"Hello, world!"


def test_raw_server_scripts_bytes(raw_server) -> None:  # type: ignore[no-untyped-def]
    def handler(sock: socket.socket) -> None:
        head, body = read_request(sock)
        assert head.startswith(b"POST /x HTTP/1.1\r\n")
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    srv = raw_server(handler)
    req = urllib.request.Request(srv.url + "/x", data=b"payload", method="POST")
    with urllib.request.urlopen(req) as resp:
        assert resp.read() == b"payload"
    assert srv.accepted == 1


def test_raw_server_reset(raw_server) -> None:  # type: ignore[no-untyped-def]
    srv = raw_server(lambda sock: (read_request(sock), reset(sock)))
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = sock.recv(10)
        except ConnectionResetError:
            data = None
    assert data in (None, b"")
