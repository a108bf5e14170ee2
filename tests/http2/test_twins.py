"""The compiled and the pure core must agree on everything: events, state, bytes out.

Hypothesis scripts a server (responses with random heads, bodies, trailers, resets,
settings, pings, GOAWAY, plus raw frames that break the rules, mutated bytes) and cuts the
byte stream at random points; both twins are fed the same pieces. A difference between
them is a bug, never an xfail.
"""

from __future__ import annotations

import struct
from typing import Any, List, Tuple

import h2.errors
import hpack
from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient._impl import twin
from tests.conftest import IMPLS

from .peers import REQUEST_HEADERS, frame, make_core, server_connection

N_STREAMS = 6

field_names = st.sampled_from([b"content-type", b"x-a", b"etag", b"set-cookie", b"server"])
field_values = st.binary(max_size=40).filter(lambda v: b"\r" not in v and b"\n" not in v)
fields = st.lists(st.tuples(field_names, field_values), max_size=4)

actions = st.one_of(
    st.tuples(st.just("respond"), st.integers(0, N_STREAMS - 1), fields, st.binary(max_size=300)),
    st.tuples(st.just("trailers"), st.integers(0, N_STREAMS - 1), fields, st.binary(max_size=50)),
    st.tuples(st.just("reset"), st.integers(0, N_STREAMS - 1), st.sampled_from([0, 1, 7, 8])),
    st.tuples(st.just("ping"), st.binary(min_size=8, max_size=8)),
    st.tuples(st.just("window"), st.integers(1, 100_000)),
    st.tuples(st.just("settings"), st.integers(0, 20), st.integers(0, 1 << 20)),
    st.tuples(st.just("goaway"), st.integers(0, 2 * N_STREAMS)),
    st.tuples(
        st.just("raw"),
        st.integers(0, 12),
        st.integers(0, 255),
        st.integers(0, 13),
        st.binary(max_size=30),
    ),
)


def script(steps: List[Tuple[Any, ...]]) -> bytes:
    """What the server sends for ``steps`` (the h2 server keeps its own HPACK state)."""
    server = server_connection()
    client = make_core("py")
    client.initiate()
    for _ in range(N_STREAMS):
        client.send_request(b"POST", b"http", b"t", b"/", REQUEST_HEADERS, False)
    server.receive_data(client.data_to_send())
    out = server.data_to_send()
    encoder = hpack.Encoder()
    done = set()
    for step in steps:
        kind = step[0]
        try:
            if kind == "respond" and step[1] not in done:
                sid = step[1] * 2 + 1
                server.send_headers(sid, [(b":status", b"200"), *step[2]])
                server.send_data(sid, step[3], end_stream=True)
                done.add(step[1])
            elif kind == "trailers" and step[1] not in done:
                sid = step[1] * 2 + 1
                server.send_headers(sid, [(b":status", b"204")])
                server.send_headers(sid, step[2] or [(b"x-t", b"1")], end_stream=True)
                done.add(step[1])
            elif kind == "reset" and step[1] not in done:
                server.reset_stream(step[1] * 2 + 1, h2.errors.ErrorCodes(step[2]))
                done.add(step[1])
            elif kind == "ping":
                server.ping(step[1])
            elif kind == "window":
                server.increment_flow_control_window(step[1])
            elif kind == "settings":
                code = [1, 3, 4, 5][step[1] % 4]
                server.update_settings({code: max(step[2], 16384 if code == 5 else 0)})
            elif kind == "goaway":
                server.close_connection(last_stream_id=step[1])
            elif kind == "raw":
                out += server.data_to_send()
                payload = step[4]
                if step[1] in (1, 9):  # header blocks go through an encoder of their own
                    payload = bytes(encoder.encode([(b":status", b"200")])) + payload[:3]
                out += frame(step[1], step[3], step[2] % 8, payload)
        except Exception:  # h2 refusing a step (e.g. after its GOAWAY) is fine
            continue
        out += server.data_to_send()
    return out


def run_twin(impl: str, data: bytes, cuts: List[int], flip: int) -> Tuple[Any, ...]:
    core = make_core(impl)
    core.initiate()
    for _ in range(N_STREAMS):
        core.send_request(b"POST", b"http", b"t", b"/", REQUEST_HEADERS, False)
    sent = [core.data_to_send()]
    if flip and data:
        i = flip % len(data)
        data = data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1 :]
    events: List[Any] = []
    start = 0
    for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
        events.extend(core.receive_data(data[start:cut]))
        start = max(start, cut)
        for sid in core.stream_ids():
            core.acknowledge(sid, 7)
        sent.append(core.data_to_send())
    return (
        events,
        b"".join(sent),
        core.closed,
        core.open_streams,
        core.goaway_received,
        core.max_concurrent_streams,
        core.conn_send_window,
        core.capacity(),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(actions, max_size=10),
    st.lists(st.integers(0, 10_000), max_size=6),
    st.integers(0, 1 << 16) | st.just(0),
)
def test_twins_agree_on_scripted_servers(
    steps: List[Tuple[Any, ...]], cuts: List[int], flip: int
) -> None:
    data = script(steps)
    results = [run_twin(impl, data, cuts, flip) for impl in IMPLS]
    for other in results[1:]:
        assert other == results[0]
    # Whatever the server sends, a response ends at most once, and a reset stream says
    # nothing more. (A stream whose response ended may still be reset: its upload was
    # never finished here.)
    ended, reset = set(), set()
    for sid, event in results[0][0]:
        assert sid not in reset
        name = type(event).__name__
        if name == "EndOfMessage":
            assert sid not in ended
            ended.add(sid)
        elif name == "StreamReset":
            reset.add(sid)


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(0, (1 << 24) - 1),
    ftype=st.integers(0, 255),
    flags=st.integers(0, 255),
    sid=st.integers(0, (1 << 31) - 1),
)
def test_frame_headers_of_both_twins_are_the_rfc_layout(
    length: int, ftype: int, flags: int, sid: int
) -> None:
    # The frame writers are a twin of their own (_h2frames); the header is the one piece
    # Python can call, and every frame the cores write (compared above) is built on it.
    expected = struct.pack(">BHBBL", length >> 16, length & 0xFFFF, ftype, flags, sid)
    for impl in IMPLS:
        out = bytearray(b"x")
        twin("fastclient._protocol._h2frames", impl).frame_header(out, length, ftype, flags, sid)
        assert bytes(out) == b"x" + expected, impl
