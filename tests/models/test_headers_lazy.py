"""Headers built from a transport's raw byte pairs stay unprocessed until read."""

from __future__ import annotations

import pytest

from fastclient._headers import Headers
from fastclient._request import complete_headers
from fastclient._urls import URL


def test_a_list_is_only_copied_until_read() -> None:
    given = [(b"Content-Length", b"13"), (b"X-Thing", b"1")]
    h = Headers(given)
    assert h._keys is None  # not lowercased yet
    assert h._raw == given and h._raw is not given  # a copy: the caller's list is theirs
    given.append((b"late", b"1"))
    assert len(h) == 2  # len needs no processing
    assert h["content-length"] == "13"
    assert h._keys == [b"content-length", b"x-thing"]


def test_bad_pairs_are_reported_when_first_read() -> None:
    h = Headers([("a", 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="Header value must be str or bytes"):
        h.get("a")
    with pytest.raises(ValueError):
        _ = Headers([("a",)]).raw  # type: ignore[list-item]


def test_str_pairs_are_encoded_when_read() -> None:
    h = Headers([("A", "1"), ["b", b"2"]])  # type: ignore[list-item]
    assert h.raw == [(b"A", b"1"), (b"b", b"2")]
    assert all(type(pair) is tuple for pair in h._raw)


def test_ascii_values_skip_encoding_detection() -> None:
    h = Headers([(b"a", b"1"), (b"b", "é".encode())])
    assert h["a"] == "1"
    assert h._detected is None  # nothing non-ASCII was decoded yet
    assert h["b"] == "é"
    assert h._detected == "utf-8"


def test_from_checked_adopts_lists() -> None:
    raw = [(b"Host", b"h")]
    h = Headers._from_checked(raw, [b"host"])
    assert h.raw == raw and h["host"] == "h"


def test_internal_helpers() -> None:
    h = Headers([(b"content-length", b"3")])
    h._add_defaults({"Content-Length": "9", "Transfer-Encoding": "chunked", "X": "1"})
    assert h.raw == [(b"content-length", b"3"), (b"X", b"1")]
    complete_headers("POST", URL("http://h:81/"), h)
    assert h.raw[0] == (b"Host", b"h:81") and h["host"] == "h:81"
    assert h.get_list("content-length") == ["3"]  # no Content-Length: 0 beside it
    bare = Headers({"X": "1"})
    complete_headers("PUT", URL("http://h/"), bare, {"Content-Type": "text/plain"})
    assert bare.raw == [
        (b"Host", b"h"),
        (b"Content-Length", b"0"),
        (b"X", b"1"),
        (b"Content-Type", b"text/plain"),
    ]
    assert bare._keys == [name.lower() for name, _ in bare.raw]
