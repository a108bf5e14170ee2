"""The query-string shortcuts give what the general code gives.

form_urlencode against urllib's urlencode, a dict of str params against the same pairs
given as a list, and URL(..., params=...) on an absolute URL against the component
replacement every other keyword goes through.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient import URL, QueryParams
from fastclient._content import encode_urlencoded_data
from fastclient._urlparse import MAX_URL_LENGTH, replace_parts
from fastclient._utils import form_urlencode

# Text a query may hold: the unreserved characters the shortcut passes through, and
# everything that must be quoted (space, reserved, non-ASCII, controls).
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("azAZ09_.-~"),
        st.sampled_from(" +&=?#/%:;@!$'()*,[]\"<>\\^`{|}\t\n"),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=12,
)
_KEY = st.one_of(_TEXT, st.binary(max_size=6), st.integers())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_KEY, _TEXT), max_size=6))
def test_form_urlencode_is_urlencode(pairs: List[Tuple[Any, str]]) -> None:
    assert form_urlencode(pairs) == urlencode(pairs)
    assert form_urlencode(pairs) == urlencode(pairs, doseq=True)


def test_form_urlencode_refuses_what_urlencode_refuses() -> None:
    with pytest.raises(UnicodeEncodeError):
        urlencode([("a", "\ud800")])
    with pytest.raises(UnicodeEncodeError):
        form_urlencode([("a", "\ud800")])


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(_TEXT, st.one_of(_TEXT, st.integers(), st.floats(), st.none(), st.booleans()))
)
def test_dict_params_as_the_pairs_would_be(params: Dict[str, Any]) -> None:
    fast = QueryParams(params)
    general = QueryParams(list(params.items()))
    assert fast.multi_items() == general.multi_items()
    assert str(fast) == str(general)


def test_dict_params_with_keys_that_spell_the_same() -> None:
    """1 and "1" are two dict keys but one query key: the values join, in order."""
    params = {"a": "x", 1: "one", "1": "uno", "b": ["p", "q"]}
    assert QueryParams(params).multi_items() == [
        ("a", "x"),
        ("1", "one"),
        ("1", "uno"),
        ("b", "p"),
        ("b", "q"),
    ]


_URLS = [
    "http://example.org",
    "https://user:pw@example.org:8443/a/b/?old=1#frag",
    "http://[::1]:8080/x?y",
    "http://example.org/%7Euser/a%20b",
]


@pytest.mark.parametrize("url", _URLS)
@settings(max_examples=30, deadline=None)
@given(params=st.dictionaries(_TEXT, _TEXT, max_size=4))
def test_params_on_an_absolute_url_as_a_query_replacement(url: str, params: Dict[str, str]) -> None:
    base = URL(url)
    fast = URL(url, params=params)
    query = str(QueryParams(params))
    general = replace_parts(base._parts, {"query": query.encode("ascii") if query else None})
    assert fast._parts.string == general.string
    assert fast.raw_path == general.raw_path
    assert fast.netloc == general.netloc
    assert base.copy_with(params=params) == fast
    assert base.copy_with(params=QueryParams(params)) == fast


def test_params_beyond_the_length_limit_are_refused() -> None:
    from fastclient import InvalidURL

    with pytest.raises(InvalidURL):
        URL("http://example.org/", params={"a": "b" * MAX_URL_LENGTH})


def test_params_with_other_keywords_and_on_relative_urls() -> None:
    assert str(URL("/a", params={"x": "1"})) == "/a?x=1"
    assert str(URL("http://h/a?z=0", params={"x": "1"}, fragment="f")) == "http://h/a?x=1#f"
    assert str(URL("http://h/a?z=0", params={})) == "http://h/a"
    assert str(URL("http://h/a?z=0", params=None)) == "http://h/a"


def test_form_body_is_urlencoded() -> None:
    headers, stream = encode_urlencoded_data({"a b": "c&d", "k": ["1", True, None], 3: "é"})
    body = stream._content
    assert (
        body == urlencode([("a b", "c&d"), ("k", "1"), ("k", "true"), ("k", ""), (3, "é")]).encode()
    )
    assert headers["Content-Length"] == str(len(body))
