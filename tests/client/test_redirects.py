"""Redirect following, through both clients, over MockTransport (and a consuming transport)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Dict, Iterator, List
from urllib.parse import quote

import pytest

from fastclient._exceptions import RemoteProtocolError, StreamConsumed, TooManyRedirects
from fastclient._models import Request, Response
from fastclient._transports.base import AsyncBaseTransport, BaseTransport
from fastclient._transports.mock import MockTransport


def app(request: Request) -> Response:
    """/redirect/{status}?to=URL[&cookie=a=b] redirects; /chain/{n} hops n times; the rest
    echoes the request as JSON."""
    parts = request.url.path.strip("/").split("/")
    params = request.url.params
    if parts[0] == "redirect":
        headers = [("Location", params.get("to", "/echo"))]
        if "cookie" in params:
            headers.append(("Set-Cookie", params["cookie"] + "; Path=/"))
        return Response(int(parts[1]), headers=headers)
    if parts[0] == "chain":
        n = int(parts[1])
        return Response(302, headers={"Location": f"/chain/{n - 1}" if n > 0 else "/echo"})
    if parts[0] == "bad-location":
        return Response(302, headers={"Location": "https://exa mple.com:99999/"})
    return Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "headers": dict(request.headers),
            "body": request.content.decode(),
        },
    )


def to(url: str) -> str:
    return quote(url, safe="")


@pytest.fixture()
def client(make_client: Callable[..., Any]) -> Any:
    return make_client(transport=MockTransport(app), follow_redirects=True)


@pytest.mark.parametrize("status", [301, 302, 303])
def test_post_becomes_get_without_body(client: Any, status: int) -> None:
    response = client.post(
        f"http://example.org/redirect/{status}",
        content=b'{"a": 1}',
        headers={"Content-Type": "application/json"},
    )
    echoed = response.json()
    assert echoed["method"] == "GET"
    assert echoed["body"] == ""
    lowered = {k.lower() for k in echoed["headers"]}
    assert not lowered & {"content-length", "content-type", "transfer-encoding"}
    assert [r.status_code for r in response.history] == [status]
    assert response.url == "http://example.org/echo"


@pytest.mark.parametrize(
    ("method", "status", "expected"),
    [
        ("PUT", 303, "GET"),
        ("PUT", 302, "PUT"),
        ("PUT", 301, "PUT"),
        ("HEAD", 303, "HEAD"),
        ("DELETE", 303, "GET"),
    ],
)
def test_method_rewriting_rules(client: Any, method: str, status: int, expected: str) -> None:
    response = client.request(method, f"http://example.org/redirect/{status}")
    assert response.request.method == expected


@pytest.mark.parametrize("status", [307, 308])
def test_307_308_replay_the_body(client: Any, status: int) -> None:
    response = client.post(
        f"http://example.org/redirect/{status}",
        content=b"payload",
        headers={"Content-Type": "text/plain"},
    )
    echoed = response.json()
    assert echoed["method"] == "POST"
    assert echoed["body"] == "payload"
    assert echoed["headers"]["content-type"] == "text/plain"
    assert echoed["headers"]["content-length"] == "7"


class ConsumingTransport(BaseTransport, AsyncBaseTransport):
    """Reads the request body by iterating its stream, as a network transport does."""

    def __init__(self) -> None:
        self.bodies: List[bytes] = []

    def _respond(self, request: Request, body: bytes) -> Response:
        self.bodies.append(body)
        if request.url.path == "/start":
            return Response(307, headers={"Location": "/final"})
        return Response(200, content=body)

    def handle_request(self, request: Request) -> Response:
        return self._respond(request, b"".join(request.stream))  # type: ignore[arg-type]

    async def handle_async_request(self, request: Request) -> Response:
        body = b"".join([chunk async for chunk in request.stream])  # type: ignore[union-attr]
        return self._respond(request, body)


def test_307_with_a_consumed_stream_fails_clearly(
    make_client: Callable[..., Any], which: str
) -> None:
    def gen() -> Iterator[bytes]:
        yield b"once"

    async def agen() -> AsyncIterator[bytes]:
        yield b"once"

    transport = ConsumingTransport()
    client = make_client(transport=transport, follow_redirects=True)
    with pytest.raises(StreamConsumed, match="Cannot follow the 307 redirect") as excinfo:
        client.post("http://example.org/start", content=gen() if which == "sync" else agen())
    assert excinfo.value.args == (str(excinfo.value),)  # the message, given to the constructor
    assert transport.bodies == [b"once"]
    # A body held in memory is replayed through the same transport.
    response = client.post("http://example.org/start", content=b"twice")
    assert response.content == b"twice"


def test_too_many_redirects(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(app), follow_redirects=True, max_redirects=3)
    assert client.get("http://example.org/chain/2").status_code == 200  # 3 redirects
    with pytest.raises(TooManyRedirects, match="Exceeded maximum allowed redirects") as info:
        client.get("http://example.org/chain/3")
    assert info.value.request.url == "http://example.org/echo"


def test_history_and_urls(client: Any) -> None:
    response = client.get("http://example.org/chain/2")
    assert [str(r.url) for r in response.history] == [
        "http://example.org/chain/2",
        "http://example.org/chain/1",
        "http://example.org/chain/0",
    ]
    assert response.history[1].history == response.history[:1]
    assert all(r.is_closed for r in response.history)
    assert response.url == "http://example.org/echo"


def test_not_following_sets_next_request(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(app))
    response = client.get("http://example.org/chain/1")
    assert response.status_code == 302
    assert response.is_redirect
    assert response.next_request.url == "http://example.org/chain/0"
    assert response.history == []
    # Following by hand with send() works step by step.
    response = client.send(response.next_request)
    assert response.next_request.url == "http://example.org/echo"
    # A per-request override follows.
    assert client.get("http://example.org/chain/1", follow_redirects=True).status_code == 200
    # A plain response has no next request.
    assert client.get("http://example.org/echo").next_request is None


def test_invalid_location_is_a_remote_protocol_error(make_client: Callable[..., Any]) -> None:
    for follow in (False, True):
        client = make_client(transport=MockTransport(app), follow_redirects=follow)
        with pytest.raises(RemoteProtocolError, match="Invalid URL in location header"):
            client.get("http://example.org/bad-location")


@pytest.mark.parametrize(
    ("location", "final"),
    [
        ("/echo", "http://example.org/echo"),
        ("../echo?x=1", "http://example.org/echo?x=1"),
        ("//other.org/echo", "http://other.org/echo"),
        ("https://other.org:8443/echo", "https://other.org:8443/echo"),
    ],
)
def test_location_forms(client: Any, location: str, final: str) -> None:
    response = client.get(f"http://example.org/redirect/302?to={to(location)}")
    assert response.url == final


def test_fragment_is_kept(client: Any) -> None:
    response = client.get("http://example.org/redirect/302?to=%2Fecho#section")
    assert response.url == "http://example.org/echo#section"


SECRETS = {"Authorization": "Bearer s3cret", "Proxy-Authorization": "Basic cHJveHk="}


def test_same_origin_keeps_credentials(client: Any) -> None:
    response = client.get("http://example.org/redirect/302?to=%2Fecho", headers=SECRETS)
    headers = response.json()["headers"]
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["proxy-authorization"] == "Basic cHJveHk="


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("http://example.org", "http://other.org/echo"),
        ("http://example.org", "http://example.org:8080/echo"),
        ("https://example.org", "http://example.org/echo"),  # a downgrade
    ],
)
def test_origin_change_drops_credentials_and_cookie(client: Any, start: str, target: str) -> None:
    headers = {**SECRETS, "Cookie": "session=hand-set"}
    response = client.get(f"{start}/redirect/302?to={to(target)}", headers=headers)
    echoed = response.json()["headers"]
    assert "authorization" not in echoed
    assert "proxy-authorization" not in echoed
    assert "cookie" not in echoed
    assert echoed["host"] == target.split("/")[2]


def test_https_upgrade_keeps_authorization(client: Any) -> None:
    response = client.get(
        f"http://example.org/redirect/301?to={to('https://example.org/echo')}", headers=SECRETS
    )
    echoed = response.json()["headers"]
    assert echoed["authorization"] == "Bearer s3cret"
    assert "proxy-authorization" not in echoed  # the origin changed all the same


def test_cookies_set_by_a_redirect_apply_per_origin(client: Any) -> None:
    response = client.get(
        f"http://example.org/redirect/302?cookie=sid%3D42&to={to('/echo')}",
    )
    assert response.json()["headers"]["cookie"] == "sid=42"
    assert client.cookies["sid"] == "42"
    # The jar's cookie is for example.org only: a redirect elsewhere does not carry it.
    response = client.get(f"http://example.org/redirect/302?to={to('http://other.org/echo')}")
    assert "cookie" not in response.json()["headers"]


def test_conn_id_is_kept_on_the_same_origin_only(make_client: Callable[..., Any]) -> None:
    seen: List[Dict[str, Any]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.extensions))
        return app(request)

    client = make_client(transport=MockTransport(handler), follow_redirects=True)
    client.get("http://example.org/redirect/307?to=%2Fecho", extensions={"conn_id": 7})
    assert [e.get("conn_id") for e in seen] == [7, 7]
    seen.clear()
    client.get(
        f"http://example.org/redirect/307?to={to('http://other.org/echo')}",
        extensions={"conn_id": 7},
    )
    assert [e.get("conn_id") for e in seen] == [7, None]
    assert all("timeout" in e for e in seen)


def test_hooks_run_for_every_hop(make_client: Callable[..., Any]) -> None:
    events: List[str] = []
    client = make_client(
        transport=MockTransport(app),
        follow_redirects=True,
        event_hooks={
            "request": [lambda r: events.append(f"> {r.url.path}")],
            "response": [lambda r: events.append(f"< {r.status_code}")],
        },
    )
    client.get("http://example.org/chain/1")
    assert events == ["> /chain/1", "< 302", "> /chain/0", "< 302", "> /echo", "< 200"]


def test_auth_and_redirects_together(make_client: Callable[..., Any]) -> None:
    def handler(request: Request) -> Response:
        if request.url.path == "/private" and "Authorization" not in request.headers:
            return Response(401)
        return app(request)

    client = make_client(transport=MockTransport(handler), follow_redirects=True, auth=("u", "p"))
    response = client.get("http://example.org/redirect/302?to=%2Fprivate")
    assert response.status_code == 200
    assert response.json()["headers"]["authorization"] == "Basic dTpw"
