"""Headers: a case-insensitive multi-dict of raw bytes, cross-checked against httpx 0.28."""

from __future__ import annotations

import pickle
from typing import Any, Callable

import httpx
import pytest

from fastclient._headers import Headers

pytestmark = pytest.mark.public

INPUTS: list[Any] = [
    None,
    {},
    {"Content-Type": "text/plain", "X-A": "1"},
    {b"Content-Type": b"text/plain"},
    [("a", "1"), ("A", "2"), ("b", "3")],
    [(b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2"), (b"Host", b"h")],
    [("a", b"1")],
    (("a", "1"),),
    [("Authorization", "secret"), ("proxy-authorization", "x"), ("a", "1")],
    [("a", "1"), ("A", "2"), ("Authorization", "x")],
    {"a": " spaced "},
    {"a": "é".encode()},
    {"a": "é".encode("latin-1")},
    [(b"\xc3\xa9", b"x")],
    [("a", "1, 2"), ("A", "3")],
]


def snapshot(headers: Any) -> dict[str, Any]:
    return {
        "raw": headers.raw,
        "keys": list(headers.keys()),
        "values": list(headers.values()),
        "items": list(headers.items()),
        "multi": headers.multi_items(),
        "len": len(headers),
        "iter": list(headers),
        "encoding": headers.encoding,
        "repr": repr(headers),
        "dict": dict(headers),
    }


@pytest.mark.parametrize("value", INPUTS)
def test_construction_matches_httpx(value: Any) -> None:
    mine = Headers(value)
    assert snapshot(mine) == snapshot(httpx.Headers(value))
    assert snapshot(Headers(mine)) == snapshot(mine)
    assert snapshot(mine.copy()) == snapshot(mine)


@pytest.mark.parametrize("key", ["a", "A", "set-cookie", "SET-COOKIE", "missing", "host"])
@pytest.mark.parametrize("value", INPUTS)
def test_lookups_match_httpx(value: Any, key: str) -> None:
    mine, theirs = Headers(value), httpx.Headers(value)
    assert (key in mine) == (key in theirs)
    assert mine.get(key) == theirs.get(key)
    assert mine.get(key, "dflt") == theirs.get(key, "dflt")
    assert mine.get_list(key) == theirs.get_list(key)
    assert mine.get_list(key, split_commas=True) == theirs.get_list(key, split_commas=True)
    if key in theirs:
        assert mine[key] == theirs[key]
    else:
        with pytest.raises(KeyError):
            mine[key]


def _mutations() -> list[Callable[[Any], Any]]:
    def set_existing(h: Any) -> None:
        h["A"] = "x"

    def set_new(h: Any) -> None:
        h["new"] = "y"

    def set_non_ascii(h: Any) -> None:
        h["b"] = "é"

    def delete(h: Any) -> None:
        del h["a"]

    def update_dict(h: Any) -> None:
        h.update({"A": "z", "c": "4"})

    def update_list(h: Any) -> None:
        h.update([("a", "2"), ("a", "3")])

    def update_none(h: Any) -> None:
        h.update()

    def setdefault_present(h: Any) -> Any:
        return h.setdefault("A", "2")

    def setdefault_absent(h: Any) -> Any:
        return h.setdefault("zz", "2")

    def pop(h: Any) -> Any:
        return h.pop("a")

    def pop_missing(h: Any) -> Any:
        return h.pop("zz", None)

    return [
        set_existing,
        set_new,
        set_non_ascii,
        delete,
        update_dict,
        update_list,
        update_none,
        setdefault_present,
        setdefault_absent,
        pop,
        pop_missing,
    ]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_mutations_match_httpx(mutate: Callable[[Any], Any]) -> None:
    start = [("a", "1"), ("B", "2"), ("A", "3")]
    mine, theirs = Headers(start), httpx.Headers(start)
    assert mutate(mine) == mutate(theirs)
    assert snapshot(mine) == snapshot(theirs)


def test_delete_missing_raises_key_error() -> None:
    with pytest.raises(KeyError):
        del Headers({"a": "1"})["b"]


def test_equality() -> None:
    h = Headers([("a", "1"), ("B", "2")])
    assert h == Headers([("b", "2"), ("A", "1")])
    assert h == {"A": "1", "b": "2"}
    assert h == [("a", "1"), ("b", "2")]
    assert h != Headers([("a", "1")])
    assert h != Headers([("a", "1"), ("B", "3")])
    assert h != "x"
    assert h != 1  # httpx raises TypeError here
    assert (h != Headers(h)) is False


def test_bad_types() -> None:
    with pytest.raises(TypeError):
        Headers({"a": None})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        Headers({1: "a"})  # type: ignore[dict-item]
    with pytest.raises(UnicodeEncodeError):
        Headers({"a": "é"})  # ASCII unless an encoding is given, like httpx
    assert Headers({"a": "é"}, encoding="utf-8").raw == [(b"a", "é".encode())]


def test_encoding_is_detected_and_settable() -> None:
    h = Headers({"a": "é".encode("latin-1")})
    assert h.encoding == "iso-8859-1"
    assert h["a"] == "é"
    h.encoding = "cp1252"
    assert h.encoding == "cp1252"
    assert Headers({"a": "é".encode()}).encoding == "utf-8"
    assert Headers({"a": "e"}).encoding == "ascii"


def test_encoding_follows_changes() -> None:
    h = Headers({"a": "1"})
    assert h.encoding == "ascii"
    h["b"] = "é"
    assert h.encoding == "utf-8"
    del h["b"]
    assert h.encoding == "ascii"


def test_bytes_keys_are_accepted_in_lookups() -> None:
    h = Headers({"Content-Type": "text/plain"})
    assert h[b"content-type"] == "text/plain"  # httpx: AttributeError
    assert h.get(b"CONTENT-TYPE") == "text/plain"
    assert b"content-type" in h
    assert 1 not in h


def test_update_with_itself() -> None:
    h = Headers([("a", "1"), ("b", "2")])
    h.update(h)
    assert h.raw == [(b"a", b"1"), (b"b", b"2")]


def test_pickle() -> None:
    h = Headers([(b"A", b"1"), (b"a", b"2")], encoding="utf-8")
    copy = pickle.loads(pickle.dumps(h))
    assert copy.raw == h.raw and copy.encoding == "utf-8"


def test_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(Headers())
