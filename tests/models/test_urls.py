"""URL: parsing, normalisation, join and copy_with, cross-checked against httpx 0.28."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import httpx
import pytest

from fastclient._exceptions import InvalidURL
from fastclient._urls import URL, QueryParams

pytestmark = pytest.mark.public

ATTRIBUTES = [
    "scheme",
    "userinfo",
    "username",
    "password",
    "host",
    "raw_host",
    "port",
    "netloc",
    "path",
    "query",
    "raw_path",
    "fragment",
    "is_absolute_url",
    "is_relative_url",
]

# Parsed the same way by fastclient and httpx (every attribute, str, repr and params).
SAME_AS_HTTPX = [
    "http://example.com",
    "https://example.com/",
    "https://example.com:443",
    "https://example.com:8443/p?q=1#f",
    "http://u:p@h/",
    "http://u@h/",
    "http://:p@h/",
    "http://u:@h/",
    "http://a@b@c/",
    "http://us er:p w@h/",
    "http://user:p%40ss@h/",
    "http://%C3%A4:%F6@h/",
    "http://h/a b?q=a b&c=%2#f g",
    "http://h/%zz%41%7e",
    "http://h/a%",
    'http://h/{}|\\^`"<>',
    "http://h/?{}|\\^`\"<>'",
    "http://h/#{}|\\^`\"<>'%",
    "http://h/ä?ä#ä",
    "http://h/\u00a0",
    "http://h/a/%2e%2E/b",
    "http://h/./a",
    "http://h/a//../b",
    "http://h/a/./b/../c",
    "http://h/?",
    "http://h/#",
    "http://h/?#",
    "http://h:",
    "http://h:0080/",
    "http://[::1]:8080/",
    "http://[::FFFF:1.2.3.4]:1/",
    "http://[fe80::1%25eth0]/",
    "http://1.2.3.4/",
    "http://1.1.1/",
    "https://www.中国.com/",
    "https://xn--fiqs8s.com/",
    "http://Ä.com/",
    "http://ÄB.com/",
    "http://straße.de/",
    "http://ex ample.com/",
    "http://h%41/",
    "http://a[b/",
    "//h/p",
    "/a/b",
    "/a/./b/../c",
    "a/./b/../c",
    "a:b",
    "h:80",
    "localhost:8000",
    "1http://h/",
    "file:///tmp/x",
    "mailto:a@b",
    "http:/h",
    "http:h",
    "http:a/../b",
    " http://h/ ",
    "?a=1",
    "#frag",
    ".",
    "..",
    "../a",
    "?",
    "#",
    "",
    "ws://h:80/",
    "wss://h:443/x",
    "ftp://h:21/",
    "http://h/?a=1&a=2&b",
    "http://h/?a+b=c%20d",
    "http://h/?a%3Db",
    "http://h/?a=%zz&b=+",
    "http://h/;p?q",
    "http://h/p:q",
]

# Invalid for both.
INVALID = [
    "http://[::1/",
    "http://h:abc/",
    "http://1.2.3.999/",
    "http://256.1.1.1/",
    "http://01.2.3.4/",
    "http://☃.net/",
    "http://a\u200db.com/",
    "http://ä" + "ä" * 300 + ".com/",
    "http://[v1.x]/",
    "http://[1::2::3]/",
    "http://h/\x01",
    "http://h\x7f/",
    "http://h\t/",
    "http://h/\n",
    "http://h/" + "a" * 70000,
]


def snapshot(url: Any) -> Dict[str, Any]:
    values = {name: getattr(url, name) for name in ATTRIBUTES}
    values.update(str=str(url), repr=repr(url), params=str(url.params))
    return values


@pytest.mark.parametrize("text", SAME_AS_HTTPX)
def test_parse_matches_httpx(text: str) -> None:
    assert snapshot(URL(text)) == snapshot(httpx.URL(text))


@pytest.mark.parametrize("text", INVALID)
def test_invalid_urls(text: str) -> None:
    with pytest.raises(httpx.InvalidURL):
        httpx.URL(text)
    with pytest.raises(InvalidURL):
        URL(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://h:abc/", "Invalid port: 'abc'"),
        ("http://1.2.3.999/", "Invalid IPv4 address: '1.2.3.999'"),
        ("http://[1::2::3]/", "Invalid IPv6 address: '[1::2::3]'"),
        ("http://☃.net/", "Invalid IDNA hostname: '☃.net'"),
        ("http://h/\x01", "Invalid non-printable ASCII character in URL, '\\x01' at position 9."),
        ("http://h/" + "a" * 70000, "URL too long"),
    ],
)
def test_invalid_url_messages(text: str, message: str) -> None:
    with pytest.raises(InvalidURL) as info:
        URL(text)
    assert str(info.value) == message


def test_url_exactly_at_the_length_limit_is_accepted() -> None:
    text = "http://h/" + "a" * (65536 - len("http://h/"))
    assert len(str(URL(text))) == 65536


# Deliberate differences from httpx 0.28 (its answer in the comment), each the RFC 3986
# (or the safer) one.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The default port is dropped whatever the case of the scheme (":80" kept).
        ("HTTP://EXAMPLE.COM:80/a", "http://example.com/a"),
        # RFC 3986 5.2.4: a final "." or ".." segment leaves the trailing slash (dropped).
        ("http://h/a/b/.", "http://h/a/b/"),
        ("http://h/a/./b/../c/..", "http://h/a/"),
        ("http://h/..", "http://h/"),
        # Escapes in a host are uppercased, so that parsing again changes nothing ("%4a").
        ("http://h%4a/", "http://h%4A/"),
    ],
)
def test_deliberate_differences(text: str, expected: str) -> None:
    assert str(URL(text)) == expected


@pytest.mark.parametrize(
    ("text", "scheme", "host", "path", "text_out"),
    [
        ("://example.com", "", "example.com", "/", "//example.com"),
        ("://h:81/a", "", "h", "/a", "//h:81/a"),
        (":a", "", "", "a", "a"),
        (":/x", "", "", "/x", "/x"),
        ("1http://x", "", "", "1http://x", "1http://x"),
    ],
)
def test_a_leading_colon_ends_an_empty_scheme(
    text: str, scheme: str, host: str, path: str, text_out: str
) -> None:
    # As in httpx: a URL may begin with ":" (an empty scheme); a scheme that does not
    # begin with a letter is no scheme at all (the whole text is a relative path).
    url = URL(text)
    assert (url.scheme, url.host, url.path, str(url)) == (scheme, host, path, text_out)


def test_relative_path_starting_with_a_colon_is_refused() -> None:
    # "::x" has an empty scheme and the path ":x", which would read as a scheme.
    with pytest.raises(InvalidURL, match="starting with ':'"):
        URL("::x")


@pytest.mark.parametrize("port", ["+80", " 80", "8_0", "٨٠", "65536", "99999"])
def test_ports_are_ascii_digits_in_range(port: str) -> None:
    # int() would accept the first four; two parsers disagreeing on a port is an SSRF risk.
    with pytest.raises(InvalidURL, match="Invalid port"):
        URL(f"http://h:{port}/")


def test_host_of_invalid_punycode_is_shown_as_is() -> None:
    assert URL("http://xn--zz/").host == "xn--zz"  # httpx raises idna.IDNAError here


def test_components() -> None:
    url = URL("https://user:pa%20ss@EXAMPLE.org:8443/a%20b/c?x=1&y=%C3%A4#frag%20x")
    assert url.scheme == "https"
    assert url.userinfo == b"user:pa%20ss"
    assert (url.username, url.password) == ("user", "pa ss")
    assert (url.host, url.raw_host, url.port) == ("example.org", b"example.org", 8443)
    assert url.netloc == b"example.org:8443"
    assert url.path == "/a b/c"
    assert url.query == b"x=1&y=%C3%A4"
    assert url.raw_path == b"/a%20b/c?x=1&y=%C3%A4"
    assert url.fragment == "frag x"
    assert url.params == QueryParams({"x": "1", "y": "ä"})
    assert url.is_absolute_url and not url.is_relative_url
    assert (
        repr(url) == "URL('https://user:[secure]@example.org:8443/a%20b/c?x=1&y=%C3%A4#frag%20x')"
    )


def test_idna_hosts() -> None:
    url = URL("https://xn--fiqs8s.com/")
    assert url.host == "中国.com"
    assert url.raw_host == b"xn--fiqs8s.com"
    assert URL("https://中国.com/").raw_host == b"xn--fiqs8s.com"


def test_ipv6_host() -> None:
    url = URL("http://[::1]:8080/")
    assert (url.host, url.raw_host, url.netloc, url.port) == ("::1", b"::1", b"[::1]:8080", 8080)


def test_equality_and_hash() -> None:
    assert URL("http://EXAMPLE.com:80/a") == URL("http://example.com/a")
    assert URL("http://example.com/a") == "http://example.com/a"
    assert URL("http://example.com/a") == "HTTP://example.com:80/a"
    assert URL("http://example.com/a") != "http://example.com/b"
    assert URL("http://h/") != URL("http://h")  # compared as strings, like httpx
    assert URL("http://h/") != 1
    assert URL("http://h/") != "http://[::1/"  # an invalid string is just unequal
    assert hash(URL("http://h/")) == hash("http://h/")
    assert len({URL("http://h/"), URL("http://H/")}) == 1


def test_constructor_argument_types() -> None:
    with pytest.raises(TypeError, match="Invalid type for url"):
        URL(1)  # type: ignore[arg-type]
    assert URL(URL("http://h/a")) == "http://h/a"
    assert URL() == ""
    assert URL(scheme="https", host="example.com", path="/a b") == "https://example.com/a%20b"


JOIN_BASE = "http://a/b/c/d;p?q"
# RFC 3986 section 5.4: the normal and abnormal examples.
RFC_JOIN = {
    "g:h": "g:h",
    "g": "http://a/b/c/g",
    "./g": "http://a/b/c/g",
    "g/": "http://a/b/c/g/",
    "/g": "http://a/g",
    "//g": "http://g",
    "?y": "http://a/b/c/d;p?y",
    "g?y": "http://a/b/c/g?y",
    "#s": "http://a/b/c/d;p?q#s",
    "g#s": "http://a/b/c/g#s",
    "g?y#s": "http://a/b/c/g?y#s",
    ";x": "http://a/b/c/;x",
    "g;x": "http://a/b/c/g;x",
    "g;x?y#s": "http://a/b/c/g;x?y#s",
    "": "http://a/b/c/d;p?q",
    ".": "http://a/b/c/",
    "./": "http://a/b/c/",
    "..": "http://a/b/",
    "../": "http://a/b/",
    "../g": "http://a/b/g",
    "../..": "http://a/",
    "../../": "http://a/",
    "../../g": "http://a/g",
    "../../../g": "http://a/g",
    "../../../../g": "http://a/g",
    "/./g": "http://a/g",
    "/../g": "http://a/g",
    "g.": "http://a/b/c/g.",
    ".g": "http://a/b/c/.g",
    "g..": "http://a/b/c/g..",
    "..g": "http://a/b/c/..g",
    "./../g": "http://a/b/g",
    "./g/.": "http://a/b/c/g/",
    "g/./h": "http://a/b/c/g/h",
    "g/../h": "http://a/b/c/h",
    "g;x=1/./y": "http://a/b/c/g;x=1/y",
    "g;x=1/../y": "http://a/b/c/y",
    "g?y/./x": "http://a/b/c/g?y/./x",
    "g?y/../x": "http://a/b/c/g?y/../x",
    "g#s/./x": "http://a/b/c/g#s/./x",
    "g#s/../x": "http://a/b/c/g#s/../x",
}


@pytest.mark.parametrize(("ref", "expected"), sorted(RFC_JOIN.items()))
def test_join_rfc3986_examples(ref: str, expected: str) -> None:
    assert str(URL(JOIN_BASE).join(ref)) == expected
    assert str(httpx.URL(JOIN_BASE).join(ref)) == expected


@pytest.mark.parametrize(
    ("base", "ref"),
    [
        (JOIN_BASE, "http:g"),  # non-strict: same scheme, no authority -> relative
        (JOIN_BASE, "https://other/x"),
        (JOIN_BASE, "//other:8080/x?y"),
        (JOIN_BASE, "./a b"),
        (JOIN_BASE, "ä"),
        (JOIN_BASE, "../%zz"),
        ("http://h", "x"),
        ("http://h", "../x"),
        ("/rel/a", "x"),
        ("", "x"),
        ("http://h/a", "//o"),
        ("http://u:p@h:81/a?q#f", "b"),
        ("https://h/", "http://H:80/a/../b"),
        ("https://h/a/b", URL("../c?d")),
    ],
)
def test_join_matches_httpx(base: str, ref: Any) -> None:
    expected = str(httpx.URL(base).join(ref if isinstance(ref, str) else str(ref)))
    assert str(URL(base).join(ref)) == expected


def test_join_keeps_an_empty_query_or_fragment() -> None:
    # RFC 3986: "?" and "#" are an empty query and fragment (httpx drops them).
    assert URL(JOIN_BASE).join("?") == "http://a/b/c/d;p?"
    assert URL(JOIN_BASE).join("#") == "http://a/b/c/d;p?q#"


COPY_WITH: List[Tuple[str, Dict[str, Any]]] = [
    ("http://h/", {"path": "/a b?c"}),
    ("http://h/", {"path": "/a b"}),
    ("http://h/", {"query": b"a b"}),
    ("http://h/", {"raw_path": b"/x?y=1"}),
    ("http://h/", {"username": "a b", "password": "c@d"}),
    ("http://h/", {"netloc": b"x:81"}),
    ("http://h/", {"port": 8080}),
    ("http://h/", {"port": "8080"}),
    ("http://h/", {"foo": 1}),
    ("http://h/", {"path": 1}),
    ("http://h/", {"scheme": "https", "port": 443}),
    ("http://h/", {"host": "Ä.com"}),
    ("http://h/", {"host": "::1"}),
    ("http://h/", {"host": "[::1]"}),
    ("http://h/", {"path": "a"}),
    ("", {"path": "//a"}),
    ("/a", {"path": ":a"}),
    ("http://h/", {"fragment": "a#b"}),
    ("http://h/", {"params": {"a": 1}}),
    ("http://h/?x=1", {"params": {"a": "b c", "d": ["1", "2"], "e": None, "f": True}}),
    ("http://h/?a=1", {"params": None}),
    ("http://h/?a=1", {"params": {}}),
    ("http://h/", {"query": b""}),
    ("http://h/?a", {"query": None}),
    ("http://h/#a", {"fragment": None}),
    ("http://h/#a", {"fragment": ""}),
    ("http://u:p@h/", {"username": "x", "password": "y"}),
    ("http://u:p@h/", {"username": "x"}),
    ("http://u:p@h/", {"password": "x"}),
    ("http://u:p@h/", {"username": ""}),
    ("http://u:p@h/", {"userinfo": b""}),
    ("http://u:p@h/", {"userinfo": b"a:b c"}),
    ("http://h:81/", {"port": None}),
    ("http://h:81/", {"host": "x"}),
    ("http://u@h:81/", {"netloc": b"x"}),
    ("http://h/", {"netloc": "x"}),
    ("http://h/", {"scheme": "1x"}),
    ("http://h/", {"scheme": "HTTPS"}),
    ("http://h/", {"scheme": ""}),
    ("http://h/", {"host": ""}),
    ("http://h/", {"path": ""}),
    ("http://h/", {"raw_path": b"/a b#c"}),
    ("http://h/", {"raw_path": b""}),
    ("http://h/", {"raw_path": b"?x"}),
    ("http://h/", {"path": "/%41 %zz"}),
    ("http://h/", {"path": "/a\x01"}),
    ("http://h/", {"path": "/" + "a" * 70000}),
    ("http://h/", {"host": "1.2.3.999"}),
    ("http://h/", {"port": True}),
    ("http://h/", {"host": "a:b"}),
    ("", {"scheme": "http", "host": "h"}),
    ("", {"host": "h"}),
    ("", {"path": "a"}),
    ("http://h/", {"path": "/a/../b"}),
    ("http://h/", {"host": "ä" * 300}),
    ("https://h/", {"scheme": "http"}),
    ("http://h/", {"fragment": "ä `"}),
    ("http://h/", {"query": b"a=1&b=%zz"}),
]


def _outcome(factory: Any, base: str, kwargs: Dict[str, Any]) -> str:
    try:
        return str(factory(base).copy_with(**kwargs))
    except (InvalidURL, httpx.InvalidURL):
        return "InvalidURL"
    except TypeError:
        return "TypeError"


@pytest.mark.parametrize(("base", "kwargs"), COPY_WITH)
def test_copy_with_matches_httpx(base: str, kwargs: Dict[str, Any]) -> None:
    assert _outcome(URL, base, kwargs) == _outcome(httpx.URL, base, kwargs)


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_copy_with_port_out_of_range(port: int) -> None:
    with pytest.raises(InvalidURL, match="Invalid port"):
        URL("http://h/").copy_with(port=port)  # httpx accepts these


def test_copy_with_ipv6_netloc() -> None:
    # httpx 0.28 fails on a bracketed IPv6 netloc ("Invalid port: ':1]:81'").
    url = URL("http://h/").copy_with(netloc=b"[::1]:81")
    assert (url.raw_host, url.port, str(url)) == (b"::1", 81, "http://[::1]:81/")


@pytest.mark.parametrize("component", ["userinfo", "netloc", "query", "raw_path"])
def test_copy_with_non_ascii_bytes(component: str) -> None:
    with pytest.raises(InvalidURL):
        URL("http://h/").copy_with(**{component: b"\xff"})


def test_param_helpers() -> None:
    url = URL("http://h/?a=1&b=2")
    assert url.copy_set_param("a", "x y") == "http://h/?a=x+y&b=2"
    assert url.copy_add_param("a", 3) == "http://h/?a=1&a=3&b=2"
    assert url.copy_remove_param("a") == "http://h/?b=2"
    assert url.copy_merge_params({"b": "3", "c": True}) == "http://h/?a=1&b=3&c=true"
    assert URL("http://h/", params={"a": "/&?="}) == "http://h/?a=%2F%26%3F%3D"
    for name in ("copy_set_param", "copy_add_param"):
        mine = getattr(url, name)("k", None)
        theirs = getattr(httpx.URL(str(url)), name)("k", None)
        assert str(mine) == str(theirs)
