"""What the transports read from a URL, the parse cache, and dot-segment removal."""

from __future__ import annotations

import pickle
from typing import Iterator

import pytest

from fastclient import _urlparse
from fastclient._urlparse import URLParts, parse_url, remove_dot_segments
from fastclient._urls import URL


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port", "target", "origin"),
    [
        (
            "http://127.0.0.1:8000/",
            b"http",
            b"127.0.0.1",
            8000,
            b"/",
            (b"http", b"127.0.0.1", 8000),
        ),
        (
            "https://EXAMPLE.org",
            b"https",
            b"example.org",
            None,
            b"/",
            (b"https", b"example.org", 443),
        ),
        ("http://h:80/a?b=1#f", b"http", b"h", None, b"/a?b=1", (b"http", b"h", 80)),
        ("https://h:80/", b"https", b"h", 80, b"/", (b"https", b"h", 80)),
        ("HTTP://[::1]:9/x y", b"http", b"::1", 9, b"/x%20y", (b"http", b"::1", 9)),
        (
            "https://中国.com/?",
            b"https",
            b"xn--fiqs8s.com",
            None,
            b"/?",
            (b"https", b"xn--fiqs8s.com", 443),
        ),
        ("wss://h/", b"wss", b"h", None, b"/", (b"wss", b"h", 443)),
        ("gopher://h/", b"gopher", b"h", None, b"/", (b"gopher", b"h", 0)),
    ],
)
def test_transport_attributes(
    text: str, scheme: bytes, host: bytes, port: int | None, target: bytes, origin: tuple
) -> None:
    url = URL(text)
    assert url.raw_scheme == scheme
    assert url.raw_host == host
    assert url.port == port
    assert url.raw_path == target
    assert url._origin == origin


def test_repeated_strings_share_one_parse() -> None:
    first = URL("http://cache.example/some/path?x=1")
    second = URL("http://cache.example/some/path?x=1")
    assert first._parts is second._parts
    # a URL built from keyword arguments is not cached, and does not disturb the cache
    other = first.copy_with(path="/other")
    assert other._parts is not first._parts
    assert URL("http://cache.example/some/path?x=1")._parts is first._parts


@pytest.fixture
def empty_cache() -> Iterator[None]:
    # The cache dict is shared by reference (URL reads it directly): empty it, never rebind.
    saved = dict(_urlparse._cache)
    _urlparse._cache.clear()
    yield
    _urlparse._cache.clear()
    _urlparse._cache.update(saved)


@pytest.mark.usefixtures("empty_cache")
def test_parse_cache_is_bounded() -> None:
    for i in range(_urlparse._CACHE_SIZE + 50):
        parse_url(f"http://h/{i}")
    assert len(_urlparse._cache) == _urlparse._CACHE_SIZE
    assert "http://h/0" not in _urlparse._cache  # the oldest went first
    assert f"http://h/{_urlparse._CACHE_SIZE + 49}" in _urlparse._cache
    long_url = "http://h/" + "x" * (_urlparse._CACHE_MAX_KEY + 1)
    parse_url(long_url)
    assert long_url not in _urlparse._cache
    assert URL("http://h/1")._parts is _urlparse._cache["http://h/1"]


@pytest.mark.usefixtures("empty_cache")
def test_parse_errors_are_not_cached() -> None:
    with pytest.raises(Exception, match="Invalid port"):
        parse_url("http://h:x/")
    assert _urlparse._cache == {}


def test_parts_are_consistent() -> None:
    parts = parse_url("https://u:p@h:8443/a?b#c")
    assert isinstance(parts, URLParts)
    assert parts.string == "https://u:p@h:8443/a?b#c"
    assert parts.netloc == b"h:8443"
    assert parts.has_authority
    assert not parse_url("/a").has_authority
    assert repr(parts) == "URLParts('https://u:p@h:8443/a?b#c')"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b/c/./../../g", "/a/g"),
        ("mid/content=5/../6", "mid/6"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/..", "/"),
        ("/.", "/"),
        ("..", ""),
        (".", ""),
        ("../a", "a"),
        ("./a", "a"),
        ("a/../b", "b"),
        ("/a//../b", "/a/b"),
        ("/a/.b/..c/", "/a/.b/..c/"),
        ("/no/dots/here.html", "/no/dots/here.html"),
        ("", ""),
    ],
)
def test_remove_dot_segments(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


def test_remove_dot_segments_is_linear() -> None:
    # A quadratic loop would take seconds here (the timeout would catch it).
    path = "/a" + "/." * 30000 + "/.." * 1000
    assert remove_dot_segments(path) == "/"


def test_url_pickles_and_is_slotted() -> None:
    url = URL("https://u:p@h/a?b#c")
    assert pickle.loads(pickle.dumps(url)) == url
    with pytest.raises(AttributeError):
        url.extra = 1  # type: ignore[attr-defined]
