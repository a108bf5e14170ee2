"""Properties of URL normalisation over generated input: what a transport writes on the
wire is always safe, and normalising is idempotent."""

from __future__ import annotations

import re
import string

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fastclient._exceptions import InvalidURL
from fastclient._urls import URL

pytestmark = pytest.mark.public

# Characters that stress the parser: delimiters, escapes, spaces, controls, non-ASCII.
ALPHABET = (
    string.ascii_letters[:6]
    + string.digits[:3]
    + ":/?#[]@!$&'()*+,;=%-._~ \"<>\\^`{|}"
    + ("\x00\r\n\t\x7féü中\u2028")
)
COMPONENT = st.text(alphabet=ALPHABET, max_size=12)
# What goes into a request line or a Host header is visible ASCII: never a space, a
# control character (CR and LF above all) or a non-ASCII byte; anything else is escaped.
WIRE_SAFE = set(range(0x21, 0x7F))
SETTINGS = settings(max_examples=300)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http://", "https://", "", "HTTP://", "ws://"]))
    host = draw(st.sampled_from(["example.org", "h", "[::1]", "1.2.3.4", "中国.com", ""]))
    port = draw(st.sampled_from(["", ":80", ":8080", ":443"]))
    return scheme + host + port + draw(COMPONENT) + draw(COMPONENT)


@SETTINGS
@given(urls())
def test_wire_forms_are_safe_and_normalising_is_idempotent(text: str) -> None:
    try:
        url = URL(text)
    except InvalidURL:
        return
    for value in (url.raw_path, url.raw_host, url.netloc, url.raw_scheme):
        assert set(value) <= WIRE_SAFE, value
    assert b"#" not in url.raw_path
    assert not set(url.raw_host) & set(b"/?#@")
    again = URL(str(url))
    assert str(again) == str(url)
    assert again.raw_path == url.raw_path and again._origin == url._origin


@SETTINGS
@given(urls())
def test_agrees_with_httpx_on_what_a_request_sends(text: str) -> None:
    try:
        mine = URL(text)
    except InvalidURL:
        return
    try:
        theirs = httpx.URL(text)
    except httpx.InvalidURL:
        return  # we accept more than httpx only where its parser fails on valid input
    # escapes in a host are uppercased (see test_urls.test_deliberate_differences)
    assert mine.raw_host == re.sub(rb"%[0-9a-f]{2}", lambda m: m.group().upper(), theirs.raw_host)
    assert mine.raw_scheme == theirs.raw_scheme
    if "/." not in text:  # dot segments: see test_urls.test_deliberate_differences
        assert mine.raw_path == theirs.raw_path
    if not text.startswith("HTTP"):  # an uppercase scheme keeps its default port in httpx
        assert mine.port == theirs.port


def _upper_escapes(text: str) -> str:
    return re.sub(r"%[0-9a-f]{2}", lambda m: m.group().upper(), text)


@settings(max_examples=1000)
@given(st.text(alphabet=":/?#@a1[]%.", max_size=10))
def test_splits_delimiters_as_httpx_does(text: str) -> None:
    # Strings made of the delimiters alone: where a scheme, an authority, a path, a query
    # and a fragment begin and end. Both parse the same way, or both refuse, but for the
    # deliberate differences (test_urls.test_deliberate_differences): a host beginning
    # with "[" that is no IPv6 literal is refused here where httpx escapes it into the
    # host, escapes in a host are uppercased, and dot segments are left out.
    assume("." not in re.split("[?#]", text)[0])
    try:
        theirs = httpx.URL(text)
    except httpx.InvalidURL:
        theirs = None
    try:
        mine = URL(text)
    except InvalidURL:
        assert theirs is None or theirs.host.startswith("%5B"), theirs
        return
    assert theirs is not None
    assert (mine.scheme, mine.host, mine.port, mine.raw_path, mine.fragment) == (
        theirs.scheme,
        _upper_escapes(theirs.host),
        theirs.port,
        theirs.raw_path,
        theirs.fragment,
    )
    assert str(mine) == str(theirs).replace(theirs.host, mine.host, 1)


@SETTINGS
@given(COMPONENT, COMPONENT)
def test_join_gives_an_absolute_url(base_path: str, ref: str) -> None:
    try:
        base = URL("https://example.org/" + base_path.lstrip("/"))
        reference = URL(ref)
    except InvalidURL:
        return
    joined = base.join(reference)
    assert joined.is_absolute_url or reference.scheme
    assert "/./" not in joined.path and "/../" not in joined.path
