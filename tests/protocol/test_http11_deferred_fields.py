"""A response head's field lines are split into lists on first use, not while parsing.

Why it matters (see ``ResponseHead``): an event loop delivers many connections' responses
in one pass before any waiting request runs, and every container made there counts
towards the garbage collector's next young collection. So ``feed()`` must make no
collected object per header field, and the lists made later must be exactly what an
eager split would have made, whichever twin made them and however the head was cut.
"""

from __future__ import annotations

import gc
from typing import Any, List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient._protocol.events import ResponseHead
from tests.conftest import IMPLS
from tests.protocol import h11fields, http11
from tests.protocol.test_http11_hypothesis import SLOW_OK, field_lines


def head_with(fields: int) -> bytes:
    lines = b"".join(b"X-Field-%d: value %d\r\n" % (i, i) for i in range(fields))
    return b"HTTP/1.1 200 OK\r\n" + lines + b"Content-Length: 2\r\n\r\nhi"


def tracked_after_feed(impl: str, raw: bytes) -> Tuple[int, List[Any]]:
    """How many collected objects one feed() of raw leaves alive (events included)."""
    parser = http11(impl).ResponseParser()
    parser.start_response(b"GET")
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        before = {id(o) for o in gc.get_objects(generation=0)}
        events = parser.feed(raw)
        new = [o for o in gc.get_objects(generation=0) if id(o) not in before]
        return len(new) - 1, events  # less the set `before` itself
    finally:
        if enabled:
            gc.enable()


def test_feed_makes_nothing_per_header_field(impl: str) -> None:
    few, few_events = tracked_after_feed(impl, head_with(2))
    many, many_events = tracked_after_feed(impl, head_with(60))
    assert many == few
    # What does stay alive: the events list and its events, nothing per field.
    assert few <= len(few_events) + 1
    head = many_events[0]
    assert type(head) is ResponseHead
    assert len(head.headers) == 61


def test_fields_are_made_for_each_caller_and_not_kept(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    parser.start_response(b"GET")
    head = parser.feed(b"HTTP/1.1 200 OK\r\nServer: x \r\nX-Empty:\r\nContent-Length: 0\r\n\r\n")[0]
    headers, keys = head.fields()
    assert headers == [(b"Server", b"x"), (b"X-Empty", b""), (b"Content-Length", b"0")]
    assert keys == [b"server", b"x-empty", b"content-length"]
    # The head keeps only its bytes: the lists belong to whoever asked (a Response's
    # Headers), so a connection holding on to the head does not hold them too.
    headers.append((b"X-Mine", b"1"))
    again = head.fields()
    assert again == (headers[:3], keys) and again[0] is not headers
    assert head.headers == headers[:3] and head.keys == keys
    referents = gc.get_referents(head)
    assert not any(type(r) is list for r in referents)


def test_a_head_made_by_hand_keeps_its_lists() -> None:
    fields = [(b"content-length", b"0")]
    head = ResponseHead(200, b"", b"HTTP/2", fields)
    assert head.fields() == (fields, None)
    assert head.headers is fields
    assert head == ResponseHead(200, b"", b"HTTP/2", [(b"content-length", b"0")])


def reference_split(block: bytes) -> Tuple[List[Tuple[bytes, bytes]], List[bytes]]:
    """What an eager split of valid field lines gives (the test's own reading)."""
    headers = []
    for line in block.splitlines():
        name, _, value = line.partition(b":")
        headers.append((name, value.strip(b" \t")))
    return headers, [name.lower() for name, _ in headers]


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(block=field_lines(12))
def test_split_fields_of_both_twins_give_the_eager_split(block: bytes) -> None:
    expected = reference_split(block)
    for impl in IMPLS:
        assert h11fields(impl).split_fields(block) == expected, impl


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_a_head_cut_anywhere_gives_the_same_fields(data: Any) -> None:
    block = data.draw(field_lines(8))
    raw = b"HTTP/1.1 103 Early\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n" + block
    raw += b"Content-Length: 0\r\n\r\n"
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(raw)), max_size=8))))
    bounds = [0, *cuts, len(raw)]
    pieces = [raw[a:b] for a, b in zip(bounds, bounds[1:])]
    headers, keys = reference_split(block + b"Content-Length: 0\r\n")
    for impl in IMPLS:
        parser = http11(impl).ResponseParser()
        parser.start_response(b"GET")
        events = [e for piece in pieces for e in parser.feed(piece)]
        head = events[0]
        assert type(head) is ResponseHead and head.status_code == 200, impl
        assert head.fields() == (headers, keys), impl


# Names a head may carry, the two the parser notes (in any case) among near misses.
NOTED_NAMES = [b"Set-Cookie", b"set-cookie", b"SET-COOKIE", b"Content-Encoding",
               b"content-ENCODING", b"Set-Cookie2", b"Set-Cookiee", b"Content-Encodin",
               b"Connection", b"Content-Length", b"X-Set-Cookie", b"Content-Type"]  # fmt: skip
PROBES = [b"set-cookie", b"content-encoding", b"set-cookie2", b"content-type", b"x-other"]


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_has_field_answers_as_the_split_would(data: Any) -> None:
    # An interim 103 carrying both noted fields first: what it had must not carry over.
    names = data.draw(st.lists(st.sampled_from(NOTED_NAMES), max_size=6))
    block = b"".join(name + b": v\r\n" for name in names if name != b"Content-Length")
    raw = b"HTTP/1.1 103 Early\r\nSet-Cookie: a=1\r\nContent-Encoding: gzip\r\n\r\n"
    raw += b"HTTP/1.1 200 OK\r\n" + block + b"Content-Length: 0\r\n\r\n"
    cut = data.draw(st.integers(0, len(raw)))
    _, keys = reference_split(block)
    for impl in IMPLS:
        parser = http11(impl).ResponseParser()
        parser.start_response(b"GET")
        events = parser.feed(raw[:cut]) + parser.feed(raw[cut:])
        head = events[0]
        assert type(head) is ResponseHead and head.status_code == 200, impl
        for probe in PROBES:
            assert head.has_field(probe) == (probe in keys), (impl, probe)
        assert head._block is not None  # answered without splitting


def test_has_field_of_a_head_made_by_hand() -> None:
    head = ResponseHead(200, b"", b"HTTP/2", [(b"set-cookie", b"a=1")])
    assert head.has_field(b"set-cookie") and not head.has_field(b"content-encoding")
    head = ResponseHead(200, b"", b"HTTP/1.1", [(b"Set-Cookie", b"a=1")], [b"set-cookie"])
    assert head.has_field(b"set-cookie") and not head.has_field(b"content-encoding")


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(block=field_lines(10), only=st.sampled_from([b"content-type", b"x-id", b"x", b"etag"]))
def test_split_fields_of_one_name_is_the_split_filtered(block: bytes, only: bytes) -> None:
    headers, keys = reference_split(block)
    expected = ([h for h, k in zip(headers, keys) if k == only], [k for k in keys if k == only])
    for impl in IMPLS:
        assert h11fields(impl).split_fields(block, only) == expected, impl
        parser = http11(impl).ResponseParser()
        parser.start_response(b"GET")
        head = parser.feed(b"HTTP/1.1 200 OK\r\n" + block + b"Content-Length: 0\r\n\r\n")[0]
        assert head.values_of(only) == [value for _, value in expected[0]], impl
        assert head._block is not None  # still unsplit
