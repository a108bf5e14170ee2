"""Helpers shared by the tests (plain functions, importable as ``tests.helpers``)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Callable, Iterator, List

from fastclient import _impl


def twin(base: str, which: str) -> ModuleType:
    """The named twin of a hot module, never a fallback: a missing compiled twin fails."""
    return _impl.twin(base, which)


def splits(data: bytes, trailing: bytes = b"") -> Iterator[tuple[str, List[bytes]]]:
    """The three ways every parser test feeds its input (h11's habit):
    the whole buffer, one byte at a time, and the whole buffer plus trailing data."""
    yield "whole", [data]
    yield "bytewise", [data[i : i + 1] for i in range(len(data))]
    yield "trailing", [data + trailing]


def feed_all(feed: Callable[[bytes], List[Any]], pieces: List[bytes]) -> List[Any]:
    """Feed ``pieces`` in order and return all events in one list."""
    events: List[Any] = []
    for piece in pieces:
        events.extend(feed(piece))
    return events


def import_module(name: str) -> ModuleType:
    return importlib.import_module(name)
