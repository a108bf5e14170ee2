"""Generated responses, valid and damaged, split at random points:

(Each example runs on every twin in IMPLS rather than once per ``impl``: generating the
examples is the expensive part, and this way both twins see every one of them.)

* the two twins give identical events, and identical errors (type and message), call by
  call: a divergence is a bug, never an xfail (parser disagreement is how smuggling starts);
* wherever h11 (client side) accepts a response, we accept it and agree on status, reason,
  headers, body and trailers, except for the few inputs we reject on purpose (listed in
  ``deliberately_stricter``);
* arbitrary bytes give events or RemoteProtocolError, never anything else.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import h11
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fastclient._exceptions import RemoteProtocolError
from fastclient._protocol.events import Data, EndOfMessage, ResponseHead, Upgrade
from tests.conftest import IMPLS
from tests.protocol import h11fields, http11

SLOW_OK = [HealthCheck.too_slow]

TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
VCHAR = bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0x100))
FRAMING = (b"content-length", b"transfer-encoding", b"connection", b"trailer")

names = st.sampled_from([b"Content-Type", b"X-Id", b"set-cookie", b"ETAG", b"x"]) | st.binary(
    min_size=1, max_size=10
).map(lambda b: bytes(TCHAR[c % len(TCHAR)] for c in b))
names = names.filter(lambda n: n.lower() not in FRAMING)
words = st.binary(min_size=1, max_size=8).map(lambda b: bytes(VCHAR[c % len(VCHAR)] for c in b))
values = st.lists(words, max_size=3).map(b" ".join)
ows = st.sampled_from([b"", b"", b" ", b"\t", b"  \t"])
eols = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n"])


@st.composite
def field_lines(draw: Any, count: int = 5) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, count))):
        line = draw(names) + b":" + draw(ows) + draw(values) + draw(ows)
        lines.append(line + draw(eols))
    return b"".join(lines)


@st.composite
def chunked_body(draw: Any, body: bytes) -> bytes:
    out = []
    pos = 0
    while pos < len(body):
        size = draw(st.integers(1, max(1, len(body) - pos)))
        size_text = b"%x" % size
        if draw(st.booleans()):
            size_text = size_text.upper()
        ext = draw(st.sampled_from([b"", b"", b";a=b", b';n="v;x"', b" "]))
        out.append(size_text + ext + b"\r\n" + body[pos : pos + size] + b"\r\n")
        pos += size
    out.append(b"0" + draw(st.sampled_from([b"", b";end"])) + b"\r\n")
    out.append(draw(field_lines(3)) + draw(eols))
    return b"".join(out)


@st.composite
def responses(draw: Any, connect: bool = False) -> Tuple[bytes, bytes]:
    """(method, raw response): well-formed, in the many shapes servers send."""
    methods = [b"GET", b"GET", b"HEAD", b"POST"] + ([b"CONNECT"] if connect else [])
    method = draw(st.sampled_from(methods))
    version = draw(st.sampled_from([b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0"]))
    statuses = [200, 200, 204, 206, 301, 304, 404, 500, 599, 999] + ([101] if connect else [])
    status = draw(st.sampled_from(statuses))
    reason = draw(st.sampled_from([b" OK", b" Not Found", b"", b" ", b" a\tb\x80  c "]))
    raw = b""
    for interim in draw(st.lists(st.sampled_from([100, 102, 103]), max_size=2)):
        raw += b"HTTP/1.1 %d Hint" % interim + draw(eols) + draw(field_lines(2)) + draw(eols)
    raw += version + b" %d" % status + reason + draw(eols) + draw(field_lines())
    connection = draw(st.sampled_from([None, b"close", b"keep-alive", b"Keep-Alive, x"]))
    if connection is not None:
        raw += b"Connection: " + connection + b"\r\n"
    body = draw(st.binary(max_size=200))
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    no_body = method == b"HEAD" or status in (204, 304)
    if framing == "length":
        raw += b"Content-Length: %d\r\n" % (0 if no_body else len(body))
    elif framing == "chunked":
        raw += b"Transfer-Encoding: chunked\r\n"
    raw += draw(field_lines(2)) + draw(eols)
    if not no_body:
        raw += draw(chunked_body(body)) if framing == "chunked" else body
    return method, raw


@st.composite
def damaged(draw: Any, connect: bool = True) -> Tuple[bytes, bytes]:
    """A well-formed response with a few bytes inserted, deleted or replaced."""
    method, raw = draw(responses(connect))
    data = bytearray(raw)
    interesting = st.sampled_from(list(b"\r\n\t :;,\x00\x7f\x80 0aZ-\x0b")) | st.integers(0, 255)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert" or pos == len(data):
            data[pos:pos] = bytes([draw(interesting)])
        elif action == "delete":
            del data[pos]
        else:
            data[pos] = draw(interesting)
    return method, bytes(data)


@st.composite
def split(draw: Any, raw: bytes) -> List[bytes]:
    cuts = sorted(set(draw(st.lists(st.integers(0, len(raw)), max_size=6))))
    bounds = [0, *cuts, len(raw)]
    return [raw[a:b] for a, b in zip(bounds, bounds[1:])]


def keyed(events: List[Any]) -> List[Any]:
    """``events``, once each head's ``keys`` (left out of event equality, being derived)
    are checked to be its names lowercased, in order."""
    for event in events:
        head = event.head if type(event) is Upgrade else event
        if type(head) is ResponseHead:
            assert head.keys == [name.lower() for name, _ in head.headers]
    return events


def trace(impl: str, method: bytes, pieces: List[bytes]) -> List[Any]:
    """Everything observable, call by call: events, or the error's type and message."""
    parser = http11(impl).ResponseParser()
    parser.start_response(method)
    out: List[Any] = []
    try:
        for piece in pieces:
            out.append(keyed(parser.feed(piece)))
        out.append(keyed(parser.feed_eof()))
    except Exception as exc:
        out.append(("error", type(exc), str(exc)))
    out.append(("state", parser.complete, parser.keep_alive))
    return out


# -- the twins agree -------------------------------------------------------------------------

twins_only = pytest.mark.skipif(len(IMPLS) < 2, reason="pure-Python run: one twin only")


@twins_only
@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_twins_agree_on_valid_responses(data: Any) -> None:
    method, raw = data.draw(responses(connect=True))
    pieces = data.draw(split(raw))
    py = trace("py", method, pieces)
    assert py == trace("c", method, pieces)
    # ... and the generated responses are valid: no error, a complete response.
    assert all(type(step) is list for step in py[:-1])
    assert py[-1][1] is True


@twins_only
@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_twins_agree_on_damaged_responses(data: Any) -> None:
    method, raw = data.draw(damaged())
    pieces = data.draw(split(raw))
    assert trace("py", method, pieces) == trace("c", method, pieces)


def test_twins_run_the_code_meant_for_them(impl: str) -> None:
    expected = "c-loops" if impl == "c" else "bytes-methods"
    assert expected == http11(impl)._SCANNING
    assert expected == h11fields(impl)._SCANNING


# -- splitting never matters ------------------------------------------------------------------


def outcome(steps: List[Any]) -> List[Any]:
    """A trace with the feeding pattern taken out: all events with Data joined, then the
    final state; or, for a failure, only the error's type and the final state (events
    completed before the error depend on where the bytes were cut: fed at once, they are
    lost with the call that raises)."""
    if type(steps[-2]) is tuple:
        return [steps[-2][1], steps[-1]]
    events: List[Any] = []
    for step in steps[:-1]:
        for event in step:
            if type(event) is Data and events and type(events[-1]) is Data:
                events[-1] = Data(events[-1].data + event.data)
            else:
                events.append(event)
    return [*events, steps[-1]]


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_splitting_never_changes_the_outcome(data: Any) -> None:
    method, raw = data.draw(st.one_of(responses(connect=True), damaged()))
    pieces = data.draw(split(raw))
    for impl in IMPLS:
        whole = outcome(trace(impl, method, [raw]))
        if any(type(e) is Upgrade for e in whole):
            return  # after an Upgrade, the rest is the caller's (see test_http11_framing)
        assert outcome(trace(impl, method, pieces)) == whole


# -- agreement with h11 --------------------------------------------------------------------------

Parsed = Tuple[int, bytes, List[Tuple[bytes, bytes]], bytes, List[Tuple[bytes, bytes]]]


def parse_h11(method: bytes, raw: bytes) -> Optional[Parsed]:
    """(status, reason, headers, body, trailers) as h11's client reads raw, or None."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method=method, target="/", headers=[("Host", "example.com")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(raw)
    head: Any = None
    body = b""
    eof_sent = False
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                if eof_sent:
                    return None
                conn.receive_data(b"")
                eof_sent = True
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                headers = head.headers.raw_items()
                return head.status_code, head.reason, headers, body, event.headers.raw_items()
            elif isinstance(event, h11.ConnectionClosed):
                return None
    except h11.RemoteProtocolError:
        return None


def like_h11(headers: List[Tuple[bytes, bytes]]) -> List[Tuple[bytes, bytes]]:
    """Our raw headers as h11 reports them: it rewrites two framing values."""
    out = []
    for name, value in headers:
        if name.lower() == b"transfer-encoding":
            value = value.lower()
        elif name.lower() == b"content-length":
            value = value.split(b",")[0].strip()
        out.append((name, value))
    return out


def parse_ours(impl: str, method: bytes, raw: bytes) -> Optional[Parsed]:
    parser = http11(impl).ResponseParser()
    parser.start_response(method)
    try:
        events = parser.feed(raw)
        if not parser.complete:
            events += parser.feed_eof()
    except RemoteProtocolError:
        return None
    head = events[0]
    assert type(head) is ResponseHead and type(events[-1]) is EndOfMessage
    body = b"".join(e.data for e in events if type(e) is Data)
    return (
        head.status_code,
        head.reason,
        like_h11(head.headers),
        body,
        like_h11(events[-1].trailers),
    )


def deliberately_stricter(raw: bytes) -> bool:
    """Inputs h11 accepts and we reject on purpose (see the _http11_py module docstring)."""
    lines = raw.split(b"\n")
    for number, line in enumerate(lines):
        if number and line[:1] in (b" ", b"\t"):
            return True  # obs-fold
        if line.startswith(b"HTTP/") and not line.startswith(b"HTTP/1."):
            return True  # only HTTP/1.x
        extension = line.partition(b";")[2]
        if extension.endswith(b"\r"):
            extension = extension[:-1]
        if any((c < 0x20 and c != 0x09) or c == 0x7F for c in extension):
            return True  # a control character in a chunk extension (h11 takes any but LF)
    return False


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_OK)
@given(case=responses())
def test_agrees_with_h11_on_valid_responses(case: Tuple[bytes, bytes]) -> None:
    method, raw = case
    theirs = parse_h11(method, raw)
    assert theirs is not None, "the generator made a response h11 rejects"
    for impl in IMPLS:
        assert parse_ours(impl, method, raw) == theirs


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(case=damaged(connect=False))
def test_agrees_with_h11_on_damaged_responses(case: Tuple[bytes, bytes]) -> None:
    method, raw = case
    assume(b" 101" not in raw)  # h11 wants its own upgrade dance
    theirs = parse_h11(method, raw)
    if theirs is None:
        return
    for impl in IMPLS:
        ours = parse_ours(impl, method, raw)
        if ours is None:
            assert deliberately_stricter(raw), "we reject what h11 accepts"
        else:
            assert ours == theirs


# -- fuzz ------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(
    method=st.sampled_from([b"GET", b"HEAD", b"CONNECT"]),
    prefix=st.sampled_from([b"", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 ", b"HTTP/1.0 101 x\r\n"]),
    garbage=st.binary(max_size=300),
    data=st.data(),
)
def test_arbitrary_bytes_give_events_or_remote_protocol_error(
    method: bytes, prefix: bytes, garbage: bytes, data: Any
) -> None:
    pieces = data.draw(split(prefix + garbage))
    for impl in IMPLS:
        steps = trace(impl, method, pieces)
        for step in steps[:-1]:
            if type(step) is tuple:
                assert step[1] is RemoteProtocolError, step
            else:
                assert all(type(e) in (ResponseHead, Data, EndOfMessage, Upgrade) for e in step)
                assert all(e.data for e in step if type(e) is Data)
