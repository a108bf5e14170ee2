"""Request: method, URL, the headers it adds, and its body, cross-checked with httpx."""

from __future__ import annotations

import asyncio
import pickle
import time
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

from fastclient import _request as request_module
from fastclient._cookies import Cookies
from fastclient._exceptions import RequestNotRead, StreamClosed
from fastclient._models import URL, Request
from fastclient._streams import ByteStream, SyncByteStream

pytestmark = pytest.mark.public

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "http://127.0.0.1:8000/", {}),
    ("get", "https://example.org/a?b=1", {}),
    ("POST", "http://h/", {}),
    ("PUT", "http://h/", {}),
    ("PATCH", "http://h/", {}),
    ("DELETE", "http://h/", {}),
    ("OPTIONS", "http://h:8080/", {"headers": {"Accept": "*/*"}}),
    ("GET", "http://u:p@[::1]:80/", {}),
    ("GET", "https://中国.com/", {}),
    ("GET", "http://h/", {"headers": {"host": "other"}}),
    ("GET", "http://h/", {"headers": [("X-A", "1"), ("x-a", "2")]}),
    ("GET", "/relative", {}),
    ("GET", "http://h/?a=1", {"params": {"b": "2", "c": ["3", "4"]}}),
    ("GET", "http://h/?a=1", {"params": "b=2"}),
    ("POST", "http://h/", {"content": b"body", "headers": {"X": "1"}}),
    ("POST", "http://h/", {"headers": {"Content-Length": "0"}}),
    ("GET", "http://h/", {"cookies": {"a": "b"}}),
    ("POST", "http://h/", {"stream": ByteStream(b"abc")}),
    ("GET", "http://h/", {"extensions": {"timeout": {"read": 1.0}}}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), CASES)
def test_matches_httpx(method: str, url: str, kwargs: dict[str, Any]) -> None:
    mine = Request(method, url, **kwargs)
    theirs = httpx.Request(method, url, **kwargs)
    assert mine.method == theirs.method
    assert str(mine.url) == str(theirs.url)
    assert mine.headers.raw == theirs.headers.raw
    assert mine.extensions == theirs.extensions
    assert repr(mine) == repr(theirs)
    assert mine.read() == theirs.read()


def test_method_and_url() -> None:
    request = Request(b"post", URL("http://h/"))  # type: ignore[arg-type]
    assert request.method == "POST"
    assert isinstance(request.method, str)
    url = URL("http://h/")
    assert Request("GET", url).url is url


def test_extensions_are_copied() -> None:
    extensions = {"a": 1}
    request = Request("GET", "http://h/", extensions=extensions)
    request.extensions["b"] = 2
    assert extensions == {"a": 1}
    assert Request("GET", "http://h/").extensions == {}


def test_bodiless_fast_path_equals_the_general_path() -> None:
    for method in ("GET", "POST", "HEAD"):
        fast = Request(method, "http://h:81/x")
        general = Request(method, "http://h:81/x", headers={})
        assert fast.headers.raw == general.headers.raw
        assert fast.headers == general.headers
        assert fast.content == general.content == b""


def test_given_stream_adds_no_headers_and_must_be_read() -> None:
    class Chunks(SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"a"
            yield b"b"

    request = Request("POST", "http://h/", stream=Chunks())
    assert request.headers.raw == []
    with pytest.raises(RequestNotRead):
        _ = request.content
    assert request.read() == b"ab"
    assert request.content == b"ab"
    assert isinstance(request.stream, ByteStream)  # can now be sent again
    assert request.read() == b"ab"


def test_async_read() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"x"

    async def main() -> None:
        request = Request("POST", "http://h/", content=agen())
        with pytest.raises(RuntimeError):
            request.read()
        assert await request.aread() == b"x"
        assert await request.aread() == b"x"
        sync_request = Request("POST", "http://h/", content=iter([b"y"]))
        with pytest.raises(RuntimeError):
            await sync_request.aread()

    asyncio.run(main())


def test_pickle() -> None:
    request = Request("POST", "http://h/", content=b"abc", extensions={"x": 1})
    copy = pickle.loads(pickle.dumps(request))
    assert (copy.method, copy.url, copy.headers, copy.content) == (
        "POST",
        URL("http://h/"),
        request.headers,
        b"abc",
    )
    assert copy.extensions == {}
    assert copy.read() == b"abc"

    streaming = Request("POST", "http://h/", content=iter([b"a"]))
    copy = pickle.loads(pickle.dumps(streaming))
    with pytest.raises(RequestNotRead):
        _ = copy.content
    with pytest.raises(StreamClosed):
        copy.read()

    async def main() -> None:
        with pytest.raises(StreamClosed):
            await copy.aread()

    asyncio.run(main())


# -- params replace the URL's query (httpx 0.28), checked against the installed httpx --

PARAM_URLS = ["http://h/", "http://h/?z=0", "http://h/p?z=0&z=1#frag", "http://h/?", "/rel?z=0"]
PARAMS: list[Any] = [
    {},
    {"b": "2"},
    {"z": "5", "c": ["3", "4"]},
    [("b", "1"), ("b", "2")],
    "q=1&z=2",
    "",
]


@pytest.mark.parametrize("url", PARAM_URLS)
@pytest.mark.parametrize("params", PARAMS)
def test_params_match_httpx(url: str, params: Any) -> None:
    theirs = httpx.Request("GET", url, params=params)
    assert str(Request("GET", url, params=params).url) == str(theirs.url)
    assert str(Request("GET", URL(url), params=params).url) == str(theirs.url)
    assert str(URL(url, params=params)) == str(httpx.URL(url, params=params))
    # The query is replaced, not merged: nothing of "z=0" survives unless params has it.
    if "z" not in str(params):
        assert "z=" not in str(theirs.url)


# -- cookies: the header httpx's copy of the jar gives, without the copy -------------------


def make_cookie(name: str, domain: str, expires: int | None = None) -> Cookie:
    return Cookie(
        0, name, "v-" + name, None, False, domain, True, domain.startswith("."), "/", True,
        False, expires, expires is None, None, None, {}, False,
    )  # fmt: skip


def fill(jar: CookieJar) -> None:
    # Inserted out of sorted order, and one of them expired (a jar only drops those when
    # it next adds a header itself).
    jar.set_cookie(make_cookie("z", "www.x.com"))
    jar.set_cookie(make_cookie("b", ".x.com"))
    jar.set_cookie(make_cookie("gone", "www.x.com", expires=int(time.time()) - 60))
    jar.set_cookie(make_cookie("a", "www.x.com"))


@pytest.mark.parametrize("view", [True, False], ids=["view", "copy"])
def test_cookies_object_gives_httpx_header_and_is_left_alone(
    view: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if view and not request_module._VIEW_MATCHES_COPY:
        pytest.skip("the view is used from CPython 3.11 on")
    monkeypatch.setattr(request_module, "_VIEW_MATCHES_COPY", view)
    mine, theirs = Cookies(), httpx.Cookies()
    fill(mine.jar)
    fill(theirs.jar)
    for url in ("http://www.x.com/", "http://x.com/", "http://other.org/"):
        expected = httpx.Request("GET", url, cookies=theirs).headers.get("cookie")
        assert Request("GET", url, cookies=mine).headers.get("cookie") == expected
    assert expected is None  # other.org gets none
    # The expired cookie is still in the caller's jar, as with httpx's copy.
    assert sorted(c.name for c in mine.jar) == sorted(c.name for c in theirs.jar)
    assert len(mine.jar) == 4


def test_cookies_object_is_not_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    if not request_module._VIEW_MATCHES_COPY:
        pytest.skip("before CPython 3.11 only a copy gives httpx's cookie order")
    cookies = Cookies()
    fill(cookies.jar)
    stored: list[str] = []
    original = CookieJar.set_cookie

    def counting(self: CookieJar, cookie: Cookie) -> None:
        stored.append(cookie.name)
        original(self, cookie)

    monkeypatch.setattr(CookieJar, "set_cookie", counting)
    request = Request("GET", "http://www.x.com/", cookies=cookies)
    assert request.headers["cookie"] == "z=v-z; a=v-a; b=v-b"
    assert stored == []  # a copy would have stored every cookie again


def blocking_jar() -> CookieJar:
    jar = CookieJar(policy=DefaultCookiePolicy(blocked_domains=["www.x.com"]))
    jar.set_cookie(make_cookie("q", "www.x.com"))
    return jar


def test_cookies_policy_is_the_default_one_for_a_cookies_object() -> None:
    # httpx copies a Cookies into a jar with the default policy, so a policy on the given
    # jar does not apply to sending; a bare CookieJar is used as it is, policy and all.
    url = "http://www.x.com/"
    assert httpx.Request("GET", url, cookies=httpx.Cookies(blocking_jar())).headers["cookie"] == (
        "q=v-q"
    )
    assert Request("GET", url, cookies=Cookies(blocking_jar())).headers["cookie"] == "q=v-q"
    assert "cookie" not in httpx.Request("GET", url, cookies=blocking_jar()).headers
    assert "cookie" not in Request("GET", url, cookies=blocking_jar()).headers


def test_empty_and_dict_cookies() -> None:
    assert "cookie" not in Request("GET", "http://h/", cookies=Cookies()).headers
    assert Request("GET", "http://h/", cookies=Cookies({"a": "1"})).headers["cookie"] == "a=1"
    assert Request("GET", "http://h/", cookies={"a": "1"}).headers["cookie"] == "a=1"
