"""QueryParams: an immutable multi-dict, cross-checked against httpx 0.28."""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pytest

from fastclient._urls import QueryParams

pytestmark = pytest.mark.public

INPUTS: list[Any] = [
    None,
    "",
    b"",
    "a=1&b=2&a=3",
    b"a=1&b=%20x+y",
    "a&b=&=c",
    "a=%zz&b=%C3%A4",
    {"a": "1", "b": ["x", "y"], "c": None, "d": True, "e": False, "f": 1.5, "g": 2},
    {"a": ("1", "2")},
    [("a", "1"), ("b", "2"), ("a", "3")],
    (("a", "1"), ("a", None)),
    {"k": "ä /&=?#+"},
    {1: "x"},
]


def snapshot(params: Any) -> dict[str, Any]:
    return {
        "str": str(params),
        "repr": repr(params),
        "keys": list(params.keys()),
        "values": list(params.values()),
        "items": list(params.items()),
        "multi": params.multi_items(),
        "len": len(params),
        "bool": bool(params),
        "list": list(params),
    }


@pytest.mark.parametrize("value", INPUTS)
def test_construction_matches_httpx(value: Any) -> None:
    mine = QueryParams(value)
    assert snapshot(mine) == snapshot(httpx.QueryParams(value))
    assert snapshot(QueryParams(mine)) == snapshot(mine)


def test_keyword_construction() -> None:
    assert str(QueryParams(a="1", b=["2", "3"])) == "a=1&b=2&b=3"
    with pytest.raises(TypeError):
        QueryParams("a=1", "b=2")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        QueryParams("a=1", b="2")


def test_lookup() -> None:
    q = QueryParams("a=1&a=2&b=3")
    assert q["a"] == "1"
    assert q.get("a") == "1"
    assert q.get("zz") is None
    assert q.get("zz", "d") == "d"
    assert q.get_list("a") == ["1", "2"]
    assert q.get_list("zz") == []
    assert "a" in q and "zz" not in q
    with pytest.raises(KeyError):
        q["zz"]


def test_derived_copies_leave_the_original_alone() -> None:
    q = QueryParams("a=1&b=2")
    assert str(q.set("a", "x")) == "a=x&b=2"
    assert str(q.set("c", None)) == "a=1&b=2&c="
    assert str(q.add("a", True)) == "a=1&a=true&b=2"
    assert str(q.remove("a")) == "b=2"
    assert str(q.remove("zz")) == "a=1&b=2"
    assert str(q.merge({"b": "3", "c": "4"})) == "a=1&b=3&c=4"
    assert str(q.merge()) == "a=1&b=2"
    assert str(q) == "a=1&b=2"
    for method, args in [("set", ("a", "x")), ("add", ("a", 2)), ("remove", ("a",))]:
        theirs = getattr(httpx.QueryParams("a=1&b=2"), method)(*args)
        assert str(getattr(q, method)(*args)) == str(theirs)


def test_immutable() -> None:
    q = QueryParams("a=1")
    with pytest.raises(RuntimeError):
        q["a"] = "2"
    with pytest.raises(RuntimeError):
        q.update({"a": "2"})


def test_equality_and_hash() -> None:
    assert QueryParams("a=1&b=2") == QueryParams("b=2&a=1")
    assert QueryParams("a=1&a=2") == QueryParams("a=2&a=1")  # compared sorted, as httpx
    assert QueryParams("a=1&a=2") != QueryParams("a=1")
    assert QueryParams("a=1") != {"a": "1"}
    assert hash(QueryParams("a=1&b=2")) == hash(QueryParams({"a": "1", "b": "2"}))


def test_an_empty_list_of_values_drops_the_key() -> None:
    q = QueryParams({"a": ("1", "2"), "b": []})
    assert str(q) == "a=1&a=2"
    assert "b" not in q
    assert list(q.values()) == ["1"]


def test_pickle() -> None:
    q = QueryParams("a=1&a=2&b=%20")
    assert pickle.loads(pickle.dumps(q)) == q
