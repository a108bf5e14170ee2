"""The public surface matches httpx's, and Client matches AsyncClient.

The two clients' verb methods are written out by hand (``def`` and ``async def``); this
file is what keeps them from drifting apart, and from httpx's names and defaults.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, Tuple

import httpx
import pytest

from fastclient import _api
from fastclient._async_client import AsyncClient
from fastclient._client import Client

VERBS = ["get", "options", "head", "post", "put", "patch", "delete"]
METHODS = [*VERBS, "request", "stream", "send", "build_request"]


def params(func: Any) -> Dict[str, Tuple[Any, Any]]:
    """name -> (kind, default) with defaults made comparable across the two libraries."""
    out = {}
    for name, p in inspect.signature(func).parameters.items():
        default = p.default
        if type(default).__name__ == "UseClientDefault":
            default = "USE_CLIENT_DEFAULT"
        elif type(default).__name__ in ("Timeout", "Limits"):
            default = repr(default)
        out[name] = (p.kind, default)
    return out


@pytest.mark.parametrize("name", METHODS)
def test_client_matches_async_client(name: str) -> None:
    assert params(getattr(Client, name)) == params(getattr(AsyncClient, name))


@pytest.mark.parametrize("name", [*VERBS, "request", "send"])
def test_async_methods_are_coroutine_functions(name: str) -> None:
    # unittest.mock's autospec and AsyncMock rely on this to mock AsyncClient correctly.
    assert inspect.iscoroutinefunction(getattr(AsyncClient, name))


@pytest.mark.parametrize("name", METHODS)
def test_client_methods_match_httpx(name: str) -> None:
    assert params(getattr(Client, name)) == params(getattr(httpx.Client, name))
    assert params(getattr(AsyncClient, name)) == params(getattr(httpx.AsyncClient, name))


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_constructor_matches_httpx(cls: Any) -> None:
    theirs = getattr(httpx, cls.__name__)
    assert set(params(cls.__init__)) == set(params(theirs.__init__))
    for name, (kind, default) in params(cls.__init__).items():
        their_kind, their_default = params(theirs.__init__)[name]
        assert kind == their_kind, name
        if name != "timeout":  # ours repr()s with fastclient's Timeout
            assert default == their_default, name
    assert cls().timeout.read == theirs().timeout.read == 5.0


@pytest.mark.parametrize("name", [*VERBS, "request", "stream"])
def test_top_level_functions_match_httpx(name: str) -> None:
    ours = params(getattr(_api, name))
    theirs = params(getattr(httpx, name))
    assert set(ours) == set(theirs)
    assert [k for k, _ in ours.values()] == [k for k, _ in theirs.values()]


@pytest.mark.parametrize(
    "attr",
    [
        "auth",
        "base_url",
        "cookies",
        "event_hooks",
        "follow_redirects",
        "headers",
        "is_closed",
        "max_redirects",
        "params",
        "timeout",
        "trust_env",
    ],
)
def test_client_attributes(attr: str) -> None:
    with Client() as ours, httpx.Client() as theirs:
        assert hasattr(ours, attr)
        assert hasattr(theirs, attr)


def test_package_namespace_matches_httpx() -> None:
    import fastclient

    # Every public name of httpx's, and no stray public module attributes.
    assert set(httpx.__all__) - {"__title__"} <= set(fastclient.__all__)
    stray = [n for n in vars(fastclient) if not n.startswith("_") and n not in fastclient.__all__]
    assert stray == []
    assert fastclient.__all__ == sorted(
        fastclient.__all__, key=lambda n: (not n.startswith("__"), n.casefold())
    )
    # Public classes present themselves as the package's, as httpx's do.
    assert repr(fastclient.ConnectError) == "<class 'fastclient.ConnectError'>"
    assert fastclient.Client.__module__ == fastclient.Headers.__module__ == "fastclient"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://127.0.0.1:8080",
        "https://username:password@example.com",
        "http://user%40corp:p%3Ass@proxy:3128/",
        "socks5://h:1080",
    ],
)
def test_proxy_matches_httpx(url: str) -> None:
    from fastclient import Proxy

    ours, theirs = Proxy(url), httpx.Proxy(url)
    assert repr(ours) == repr(theirs)
    assert str(ours.url) == str(theirs.url)  # never with the credentials
    assert ours.auth == theirs.auth and ours.raw_auth == theirs.raw_auth
    with_headers = Proxy(url, headers={"X-Proxy": "1"})
    assert repr(with_headers) == repr(httpx.Proxy(url, headers={"X-Proxy": "1"}))
