"""Both clients against the real local servers (hypercorn on 127.0.0.1)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator

import pytest

from fastclient._exceptions import ReadTimeout, StreamConsumed

from .conftest import AsyncDriver

pytestmark = pytest.mark.network


def as_dict(echo: Dict[str, Any]) -> Dict[str, str]:
    return {name.lower(): value for name, value in echo["headers"]}


def test_get_and_default_headers(make_client: Callable[..., Any], http_server: Any) -> None:
    client = make_client(base_url=http_server.url)
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Hello, world!"
    assert response.http_version == "HTTP/1.1"
    assert response.elapsed.total_seconds() > 0
    headers = as_dict(client.get("/echo").json())
    assert headers["user-agent"].startswith("python-fastclient/")
    assert headers["accept-encoding"].startswith("gzip, deflate")
    assert headers["host"] == http_server.url.split("//")[1]


def test_post_forms(make_client: Callable[..., Any], http_server: Any) -> None:
    client = make_client(base_url=http_server.url)
    echoed = client.post("/echo", json={"a": [1, 2]}).json()
    assert echoed["method"] == "POST"
    assert echoed["body"] == '{"a":[1,2]}' or echoed["body"].replace(" ", "") == '{"a":[1,2]}'
    echoed = client.post("/echo", data={"k": "v w"}).json()
    assert echoed["body"] == "k=v+w"
    echoed = client.put("/echo", content=b"raw", params={"q": "1"}).json()
    assert (echoed["method"], echoed["body"], echoed["query"]) == ("PUT", "raw", "q=1")


def test_redirects_history_and_cookies(make_client: Callable[..., Any], http_server: Any) -> None:
    client = make_client(base_url=http_server.url, follow_redirects=True)
    response = client.get("/redirect/3")
    assert response.text == "Hello, world!"
    assert [r.status_code for r in response.history] == [302, 302, 302, 302]
    response = client.get("/cookies/set?flavour=oat&size=big")
    assert response.json() == {"flavour": "oat", "size": "big"}
    assert client.cookies["flavour"] == "oat"
    not_followed = client.get("/redirect/1", follow_redirects=False)
    assert not_followed.status_code == 302
    assert str(not_followed.next_request.url) == http_server.url + "/redirect/0"


def test_307_replays_a_body_and_refuses_a_consumed_stream(
    make_client: Callable[..., Any], http_server: Any, which: str
) -> None:
    client = make_client(base_url=http_server.url, follow_redirects=True)
    response = client.post("/redirect_to?url=/echo&status=307", content=b"again")
    assert response.json()["method"] == "POST"
    assert response.json()["body"] == "again"

    def gen() -> Iterator[bytes]:
        yield b"once"

    async def agen() -> Any:
        yield b"once"

    with pytest.raises(StreamConsumed, match="has been consumed"):
        client.post(
            "/redirect_to?url=/echo&status=307", content=gen() if which == "sync" else agen()
        )


def test_basic_auth(make_client: Callable[..., Any], http_server: Any) -> None:
    client = make_client(base_url=http_server.url)
    assert client.get("/basic-auth/u/p").status_code == 401
    assert client.get("/basic-auth/u/p", auth=("u", "p")).json() == {
        "authenticated": True,
        "user": "u",
    }


def test_streaming_and_decoding(make_client: Callable[..., Any], http_server: Any) -> None:
    client = make_client(base_url=http_server.url)
    with client.stream("GET", "/stream/8") as response:
        if isinstance(client, AsyncDriver):
            total = len(client.read(response))
        else:
            total = sum(len(chunk) for chunk in response.iter_bytes())
    assert total == 8 * 1024
    for route in ("/gzip", "/deflate", "/brotli"):
        assert client.get(route).json()["hello"] == "world"


def test_https_with_ca_bundle(
    make_client: Callable[..., Any], https_server: Any, ca_bundle: str
) -> None:
    client = make_client(verify=ca_bundle)
    response = client.get(https_server.url + "/json")
    assert response.json()["hello"] == "world"
    # Kept alive: the next requests go out on the same TLS connection.
    ids = {client.get(https_server.url + "/json").extensions["conn_id"] for _ in range(3)}
    assert ids == {response.extensions["conn_id"]}
    # A read timeout ends a TLS read too (the sync driver's kernel timeouts could not).
    with pytest.raises(ReadTimeout):
        client.get(https_server.url + "/slow?delay=1", timeout=0.2)
    assert client.get(https_server.url + "/json").status_code == 200


def test_timeout(make_client: Callable[..., Any], http_server: Any) -> None:
    client = make_client(base_url=http_server.url)
    with pytest.raises(ReadTimeout) as info:
        client.get("/slow?delay=1", timeout=0.1)
    assert info.value.request.url.path == "/slow"


def test_top_level_functions(http_server: Any) -> None:
    from fastclient import _api

    assert _api.get(http_server.url + "/").text == "Hello, world!"
    assert _api.post(http_server.url + "/echo", content=b"x").json()["body"] == "x"
    assert _api.request("PATCH", http_server.url + "/echo").json()["method"] == "PATCH"
    assert _api.delete(http_server.url + "/echo").json()["method"] == "DELETE"
    assert _api.head(http_server.url + "/").status_code == 200
    assert _api.options(http_server.url + "/echo").json()["method"] == "OPTIONS"
    assert _api.put(http_server.url + "/echo", json=[1]).json()["method"] == "PUT"
    assert _api.patch(http_server.url + "/echo").status_code == 200
    assert _api.get(http_server.url + "/redirect/1", follow_redirects=True).status_code == 200
    with _api.stream("GET", http_server.url + "/bytes/10") as response:
        assert response.read() == b"x" * 10
