"""Tests of the sans-IO protocol core.

The helpers below serve the HTTP/1.1 codec tests (tests/protocol/test_http11_*.py): every
parser test feeds its input the three ways of ``tests.helpers.splits`` and requires the
same events from each, through the ``impl`` fixture so that both twins are checked. The
request writer is a twin of its own (``h11write``); its tests take ``impl`` the same way,
as do those of the parser's field-line helpers (``h11fields``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, List, Optional, Tuple

import pytest

from fastclient._exceptions import RemoteProtocolError
from fastclient._protocol.events import Data, EndOfMessage, ResponseHead
from tests.helpers import feed_all, splits, twin

HTTP11 = "fastclient._protocol._http11"
H11FIELDS = "fastclient._protocol._h11fields"
H11WRITE = "fastclient._protocol._h11write"

# What a peer might send after a complete response: a stray or pipelined response. It
# must produce no events and must make the connection not reusable.
TRAILING = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def http11(impl: str) -> ModuleType:
    return twin(HTTP11, impl)


def h11fields(impl: str) -> ModuleType:
    return twin(H11FIELDS, impl)


def h11write(impl: str) -> ModuleType:
    return twin(H11WRITE, impl)


def merge_data(events: List[Any]) -> List[Any]:
    """Adjacent Data events joined, so that different feeding patterns compare equal."""
    merged: List[Any] = []
    for event in events:
        if type(event) is Data and merged and type(merged[-1]) is Data:
            merged[-1] = Data(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


def parse(
    impl: str,
    pieces: List[bytes],
    method: bytes = b"GET",
    limits: Optional[Dict[str, int]] = None,
    eof: bool = False,
) -> Tuple[List[Any], Any]:
    """(events, parser) after feeding pieces (and EOF when asked)."""
    mod = http11(impl)
    parser = mod.ResponseParser(None if limits is None else mod.H11Limits(**limits))
    parser.start_response(method)
    events = feed_all(parser.feed, pieces)
    if eof:
        events.extend(parser.feed_eof())
    return events, parser


def check_response(
    impl: str,
    raw: bytes,
    expected: List[Any],
    *,
    method: bytes = b"GET",
    keep_alive: bool = True,
    eof: bool = False,
    limits: Optional[Dict[str, int]] = None,
) -> None:
    """Feed raw whole, bytewise and followed by TRAILING; all must give `expected`.

    With ``eof`` the body runs until the connection closes, so there the trailing bytes
    are body and appear in the last Data event.
    """
    for how, pieces in splits(raw, TRAILING):
        events, parser = parse(impl, pieces, method, limits, eof)
        assert all(type(e) is not Data or e.data for e in events), f"{how}: empty Data"
        want = expected
        if how == "trailing" and eof:
            want = merge_data([*expected[:-1], Data(TRAILING), expected[-1]])
        if how == "bytewise":
            assert merge_data(events) == want, how
        else:
            # One buffer in: one event of each kind out, the body in one piece.
            assert events == want, how
        assert parser.complete, how
        assert parser.keep_alive is (keep_alive and how != "trailing"), how


def check_error(
    impl: str,
    raw: bytes,
    *,
    method: bytes = b"GET",
    at_eof: bool = False,
    limits: Optional[Dict[str, int]] = None,
    match: Optional[str] = None,
) -> None:
    """raw is a protocol violation in all three feeding patterns: RemoteProtocolError,
    raised while feeding, or (with ``at_eof``) only when the peer closes."""
    mod = http11(impl)
    for how, pieces in splits(raw, TRAILING):
        if at_eof and how == "trailing":
            continue  # more bytes could complete what was cut short
        parser = mod.ResponseParser(None if limits is None else mod.H11Limits(**limits))
        parser.start_response(method)
        if at_eof:
            feed_all(parser.feed, pieces)
            with pytest.raises(RemoteProtocolError, match=match):
                parser.feed_eof()
        else:
            with pytest.raises(RemoteProtocolError, match=match):
                feed_all(parser.feed, pieces)
                parser.feed_eof()
        assert not parser.complete and not parser.keep_alive, how


def head(
    status: int = 200,
    headers: Optional[List[Tuple[bytes, bytes]]] = None,
    reason: bytes = b"OK",
    version: bytes = b"HTTP/1.1",
) -> ResponseHead:
    return ResponseHead(status, reason, version, [] if headers is None else headers)


def eom(trailers: Optional[List[Tuple[bytes, bytes]]] = None) -> EndOfMessage:
    return EndOfMessage([] if trailers is None else trailers)
