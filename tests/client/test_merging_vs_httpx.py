"""What the client merges into a request (params, cookies), compared with httpx 0.28."""

from __future__ import annotations

import itertools
import time
from http.cookiejar import Cookie
from typing import Any, Callable, Dict, List, Optional

import httpx
import pytest

from fastclient._models import Response
from fastclient._transports.mock import MockTransport

OMIT = object()  # the request passes no params= at all


def httpx_url(client_kwargs: Dict[str, Any], url: str, params: Any) -> str:
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)),
                      **client_kwargs) as client:  # fmt: skip
        kwargs = {} if params is OMIT else {"params": params}
        return str(client.get(url, **kwargs).request.url)


CLIENT_PARAMS: List[Optional[Any]] = [None, {}, {"a": "1"}, {"z": "9"}, [("a", "1"), ("a", "2")]]
BASE_URLS: List[Optional[str]] = [None, "http://h/api", "http://h/api/?k=1"]
URLS = ["http://x/?z=0", "http://x/", "/p?z=0&z=1", "/p"]
REQUEST_PARAMS: List[Any] = [OMIT, None, {}, {"b": "2"}, {"z": "5"}, "q=1&z=2"]


@pytest.mark.parametrize(
    ("client_params", "base_url"), list(itertools.product(CLIENT_PARAMS, BASE_URLS))
)
def test_params_merge_like_httpx(
    make_client: Callable[..., Any], client_params: Any, base_url: Optional[str]
) -> None:
    client_kwargs: Dict[str, Any] = {}
    if client_params is not None:
        client_kwargs["params"] = client_params
    if base_url is not None:
        client_kwargs["base_url"] = base_url
    client = make_client(transport=MockTransport(lambda r: Response(200)), **client_kwargs)
    compared = 0
    for url, params in itertools.product(URLS, REQUEST_PARAMS):
        if base_url is None and url.startswith("/"):
            continue  # httpx's MockTransport cannot send a relative URL
        expected = httpx_url(client_kwargs, url, params)
        kwargs = {} if params is OMIT else {"params": params}
        # Twice: the second request of a URL string may come from the client's URL cache.
        for _ in range(2):
            assert str(client.get(url, **kwargs).request.url) == expected, (url, params)
            assert str(client.build_request("GET", url, **kwargs).url) == expected
        compared += 1
    assert compared >= len(REQUEST_PARAMS) * 2


def test_client_params_replace_the_url_query(make_client: Callable[..., Any]) -> None:
    # httpx #3433: surprising, but what httpx 0.28 does and so what a drop-in must do.
    client = make_client(transport=MockTransport(lambda r: Response(200)), params={"a": "1"})
    assert str(client.get("http://x/?z=0").request.url) == "http://x/?a=1"
    assert httpx_url({"params": {"a": "1"}}, "http://x/?z=0", OMIT) == "http://x/?a=1"


def make_cookie(name: str, domain: str, expires: Optional[int] = None) -> Cookie:
    return Cookie(
        0, name, "v-" + name, None, False, domain, True, domain.startswith("."), "/", True,
        False, expires, expires is None, None, None, {}, False,
    )  # fmt: skip


def fill(jar: Any) -> None:
    # Out of sorted order, one expired: the order of the Cookie header and what is left
    # in the jar afterwards are what a copy (httpx) and the jar itself would differ in.
    for cookie in (
        make_cookie("z", "www.x.com"),
        make_cookie("b", ".x.com"),
        make_cookie("gone", "www.x.com", expires=int(time.time()) - 60),
        make_cookie("a", "www.x.com"),
    ):
        jar.set_cookie(cookie)


def redirecting(module: Any) -> Callable[[Any], Any]:
    """One app for both libraries: /start redirects (setting a cookie), the rest is 200."""

    def app(request: Any) -> Any:
        if request.url.path == "/start":
            headers = {"Location": "http://www.x.com/end", "Set-Cookie": "s=1; Path=/"}
            return module.Response(302, headers=headers)
        return module.Response(200)

    return app


def sent_cookies(client: Any, url: str, **kwargs: Any) -> List[Optional[str]]:
    response = client.get(url, **kwargs)
    return [r.request.headers.get("cookie") for r in (*response.history, response)]


def test_client_cookie_headers_match_httpx(make_client: Callable[..., Any]) -> None:
    import fastclient

    theirs = httpx.Client(transport=httpx.MockTransport(redirecting(httpx)), follow_redirects=True)
    mine = make_client(transport=MockTransport(redirecting(fastclient)), follow_redirects=True)
    fill(theirs.cookies.jar)
    fill(mine.cookies.jar)
    with theirs:
        for url in ("http://www.x.com/start", "http://x.com/", "http://other.org/"):
            expected = sent_cookies(theirs, url)
            assert sent_cookies(mine, url) == expected, url
        assert expected == [None]  # other.org: no cookie
        # The redirect's request took its header from the jar, with the cookie just set.
        assert "s=1" in sent_cookies(mine, "http://www.x.com/start")[1]
        # Per-request cookies are merged into a copy of the jar, as in httpx.
        with pytest.warns(DeprecationWarning):
            expected = sent_cookies(theirs, "http://www.x.com/end", cookies={"c": "3"})
        with pytest.warns(DeprecationWarning):
            assert sent_cookies(mine, "http://www.x.com/end", cookies={"c": "3"}) == expected
    # Sending left the client's jar as httpx leaves its own: the expired cookie is still in.
    assert sorted(c.name for c in mine.cookies.jar) == sorted(c.name for c in theirs.cookies.jar)
    assert len(mine.cookies.jar) == 5  # the four filled in, and s
