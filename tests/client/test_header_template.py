"""The clients' header template: a request without a body or per-request options, to a URL
string sent before, takes its whole header list and the header lines' wire form from a
template kept with the cached URL (``BaseClient._build``). What goes on the wire must be
exactly what the general path sends, and every change to the client's headers, or to the
request's own on the way out, must show."""

from __future__ import annotations

from typing import Any, Callable, List

import pytest

from fastclient import Headers, LocalProtocolError, Request
from fastclient._client_base import _TEMPLATED_METHODS
from tests.servers.raw import recording

pytestmark = pytest.mark.network

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def recording_server(raw_server: Callable[..., Any]) -> Any:
    """A keep-alive server that answers "ok" and keeps every request head it read."""
    heads: List[bytes] = []
    server = raw_server(recording(heads, OK))
    server.heads = heads
    return server


def lines(head: bytes) -> List[bytes]:
    return head.split(b"\r\n")[:-2]  # the request line and the fields, without the end


def test_templated_requests_are_what_the_general_path_builds(make_client: Any) -> None:
    client = make_client(headers={"X-A": "1"}, params={"p": "q"}, base_url="http://h:81/api/")
    for method in [*sorted(_TEMPLATED_METHODS), "POST", "get"]:
        for _ in range(2):  # the first builds the template, the second uses it
            templated = client.build_request(method, "items")
            general = client.build_request(method, "items", headers={})
            assert templated.method == general.method == method.upper()
            assert templated.url == general.url == "http://h:81/api/items?p=q"
            assert templated.headers.raw == general.headers.raw
            assert templated.extensions == general.extensions
            assert templated.content == b""
    first = client.build_request("GET", "items")
    second = client.build_request("GET", "items")
    assert first.headers is not second.headers  # each request owns its headers
    first.headers["X-B"] = "2"
    assert "x-b" not in second.headers and "x-b" not in client.headers


def test_the_wire_matches_the_general_path(raw_server: Any, make_client: Any) -> None:
    server = recording_server(raw_server)
    url = f"http://127.0.0.1:{server.port}/x"
    client = make_client(headers={"X-A": "1"})
    for _ in range(3):
        assert client.get(url).content == b"ok"
    assert client.get(url, headers={}).content == b"ok"  # the general path
    assert client.delete(url).content == b"ok"
    assert len(set(server.heads[:4])) == 1
    assert lines(server.heads[4])[1:] == lines(server.heads[0])[1:]
    assert lines(server.heads[4])[0] == b"DELETE /x HTTP/1.1"
    fields = lines(server.heads[0])[1:]
    assert fields[0] == b"Host: 127.0.0.1:%d" % server.port
    assert b"X-A: 1" in fields


def test_changes_to_the_client_headers_show_at_once(raw_server: Any, make_client: Any) -> None:
    server = recording_server(raw_server)
    url = f"http://127.0.0.1:{server.port}/"
    client = make_client()
    client.get(url)
    client.headers["X-Set"] = "1"
    client.get(url)
    client.headers.update({"X-Set": "2", "X-More": "m"})
    client.get(url)
    del client.headers["X-Set"]
    client.get(url)
    client.headers = {"X-New": "n"}  # a new Headers object altogether
    client.get(url)
    client.headers["X-New"] = "n"  # set to the value it had: still correct
    client.get(url)
    got = [lines(head)[1:] for head in server.heads]
    assert not any(field.startswith(b"X-") for field in got[0])
    assert b"X-Set: 1" in got[1]
    assert b"X-Set: 2" in got[2] and b"X-More: m" in got[2]
    assert b"X-More: m" in got[3] and not any(f.startswith(b"X-Set") for f in got[3])
    assert b"X-New: n" in got[4] and b"X-More: m" not in got[4]
    assert got[5] == got[4]


def test_changes_to_the_request_on_its_way_show(raw_server: Any, make_client: Any) -> None:
    server = recording_server(raw_server)
    url = f"http://127.0.0.1:{server.port}/"

    def hook(request: Request) -> None:
        request.headers["X-Hook"] = "h"

    async def async_hook(request: Request) -> None:
        hook(request)

    client = make_client(auth=("user", "pass"), cookies={"c": "v"})
    client.get(url)
    client.get(url)
    for head in server.heads:
        assert b"Authorization: Basic dXNlcjpwYXNz" in lines(head)
        assert b"Cookie: c=v" in lines(head)
    hooked = make_client()
    is_async = type(hooked).__name__ == "AsyncDriver"
    hooked.event_hooks = {"request": [async_hook if is_async else hook]}
    hooked.get(url)
    hooked.get(url)
    assert all(b"X-Hook: h" in lines(head) for head in server.heads[2:])


def test_client_headers_that_cannot_be_written_fail_at_send(make_client: Any) -> None:
    # The template is not built; the request goes the general way, and the transport
    # refuses it as before, with the request attached.
    client = make_client(headers={"X-Bad": "a\nb"})
    request = client.build_request("GET", "http://127.0.0.1:9/")
    assert request.headers["x-bad"] == "a\nb"
    for _ in range(2):
        with pytest.raises(LocalProtocolError) as info:
            client.get("http://127.0.0.1:9/")
        assert info.value.request.url == "http://127.0.0.1:9/"


def test_headers_carry_their_wire_form_only_while_unchanged() -> None:
    headers = Headers({"A": "1"})
    assert headers._wire is None
    headers._wire = b"A: 1\r\n\r\n"
    assert Headers(headers)._wire is None  # a copy is checked again when written
    headers["B"] = "2"
    assert headers._wire is None


def test_client_headers_emptied_and_refilled(make_client: Any) -> None:
    # No headers at all are written as the same constant each time: the template must
    # still follow every change around them.
    client = make_client()
    for name in list(client.headers.keys()):
        del client.headers[name]
    url = "http://h/"
    assert client.build_request("GET", url).headers.raw == [(b"Host", b"h")]
    client.headers["X"] = "1"
    assert client.build_request("GET", url).headers.raw == [(b"Host", b"h"), (b"X", b"1")]
    del client.headers["X"]
    assert client.build_request("GET", url).headers.raw == [(b"Host", b"h")]
    client.headers = {}  # the defaults again
    names = [name for name, _ in client.build_request("GET", url).headers.raw]
    assert names[0] == b"Host" and b"User-Agent" in names
