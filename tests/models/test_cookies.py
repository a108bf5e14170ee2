"""Cookies: httpx's API over http.cookiejar, domain and path matching included."""

from __future__ import annotations

from http.cookiejar import CookieJar

import httpx
import pytest

from fastclient._cookies import Cookies
from fastclient._exceptions import CookieConflict
from fastclient._models import Request, Response

pytestmark = pytest.mark.public


def test_dict_like() -> None:
    cookies = Cookies({"a": "1"})
    cookies["b"] = "2"
    assert cookies["a"] == "1"
    assert cookies.get("b") == "2"
    assert cookies.get("zz") is None
    assert cookies.get("zz", "d") == "d"
    assert sorted(cookies) == ["a", "b"]
    assert len(cookies) == 2 and bool(cookies)
    del cookies["a"]
    assert list(cookies) == ["b"]
    with pytest.raises(KeyError):
        cookies["a"]
    cookies.clear()
    assert not cookies and len(cookies) == 0


def test_construction() -> None:
    assert dict(Cookies([("a", "1"), ("b", "2")])) == {"a": "1", "b": "2"}
    original = Cookies({"a": "1"})
    copy = Cookies(original)
    copy["b"] = "2"
    assert "b" not in original  # a Cookies is copied
    jar = CookieJar()
    shared = Cookies(jar)
    shared["c"] = "3"
    assert shared.jar is jar and len(jar) == 1  # a CookieJar is used as it is


def test_domains_paths_and_conflicts() -> None:
    cookies = Cookies()
    cookies.set("n", "1", domain="example.org")
    cookies.set("n", "2", domain="example.com", path="/x")
    assert cookies.get("n", domain="example.org") == "1"
    assert cookies.get("n", path="/x") == "2"
    with pytest.raises(CookieConflict):
        cookies.get("n")
    with pytest.raises(CookieConflict):
        cookies["n"]
    cookies.delete("n", domain="example.com", path="/x")
    assert cookies.get("n") == "1"
    cookies.set("m", "3", domain="example.org")
    cookies.clear(domain="example.org")
    assert len(cookies) == 0
    cookies.set("p", "4", domain="a.org", path="/p")
    cookies.set("q", "5", domain="a.org", path="/q")
    cookies.clear("a.org", "/p")
    assert list(cookies) == ["q"]
    cookies.delete("q", domain="a.org")
    assert len(cookies) == 0


def test_update_and_repr() -> None:
    cookies = Cookies({"a": "1"})
    cookies.update({"b": "2"})
    cookies.update(Cookies({"c": "3"}))
    cookies.update(None)
    assert sorted(cookies) == ["a", "b", "c"]
    assert repr(Cookies({"a": "1"})) == "<Cookies[<Cookie a=1 for  />]>"
    assert repr(Cookies({"a": "1"})) == repr(httpx.Cookies({"a": "1"}))


def _response(url: str, set_cookies: list[str]) -> Response:
    headers = [(b"Set-Cookie", value.encode()) for value in set_cookies]
    return Response(200, headers=headers, request=Request("GET", url))


def test_extract_and_send_with_domain_and_path_matching() -> None:
    cookies = Cookies()
    cookies.extract_cookies(
        _response(
            "https://www.example.org/app/page",
            [
                "site=1; Domain=example.org; Path=/",
                "app=2; Path=/app",
                "secure=3; Secure; Path=/",
                "other=4; Domain=other.org",  # refused: not the request's domain
            ],
        )
    )
    assert sorted(cookies) == ["app", "secure", "site"]

    def header_for(url: str) -> str | None:
        request = Request("GET", url)
        cookies.set_cookie_header(request)
        return request.headers.get("cookie")

    assert header_for("https://www.example.org/app/x") == "app=2; site=1; secure=3"
    # "app" and "secure" had no Domain: they stay with www.example.org
    assert header_for("https://api.example.org/") == "site=1"
    assert header_for("https://www.example.org/") == "site=1; secure=3"
    assert header_for("http://www.example.org/") == "site=1"  # no Secure cookie over http
    assert header_for("https://example.net/") is None


def test_matches_httpx_jar_behaviour() -> None:
    set_cookies = ["a=1; Path=/", "b=2; Domain=example.org; Path=/b", "c=3; Max-Age=0"]
    mine, theirs = Cookies(), httpx.Cookies()
    mine.extract_cookies(_response("http://example.org/b/c", set_cookies))
    theirs.extract_cookies(
        httpx.Response(
            200,
            headers=[("Set-Cookie", value) for value in set_cookies],
            request=httpx.Request("GET", "http://example.org/b/c"),
        )
    )
    assert sorted(mine.jar, key=repr).__repr__() == sorted(theirs.jar, key=repr).__repr__()
    for url in ["http://example.org/", "http://example.org/b/x", "http://sub.example.org/b"]:
        mine_request, their_request = Request("GET", url), httpx.Request("GET", url)
        mine.set_cookie_header(mine_request)
        theirs.set_cookie_header(their_request)
        assert mine_request.headers.get("cookie") == their_request.headers.get("cookie")


def test_request_cookies_argument() -> None:
    request = Request("GET", "http://h/", cookies={"a": "b"}, headers={"Z": "1"})
    assert request.headers.raw == [(b"Host", b"h"), (b"Z", b"1"), (b"Cookie", b"a=b")]
    # a Cookie header set by the caller is kept
    request = Request("GET", "http://h/", cookies={"a": "b"}, headers={"Cookie": "x=1"})
    assert request.headers.get_list("cookie") == ["x=1"]


def test_response_cookies() -> None:
    response = _response("http://h/", ["a=1", "b=2; Path=/"])
    assert dict(response.cookies) == {"a": "1", "b": "2"}
    assert response.cookies is response.cookies
    assert len(_response("http://h/", []).cookies) == 0
