"""The sans-IO HTTP/2 core against h2's server side in memory, both twins."""

from __future__ import annotations

import struct
from typing import Any, List, Tuple

import h2.errors
import h2.events
import hpack
import pytest

from fastclient._exceptions import LocalProtocolError
from fastclient._protocol import _h2events as ev
from fastclient._protocol.events import Data, EndOfMessage, ResponseHead

from .peers import REQUEST_HEADERS, Pair, frame, make_core

Events = List[Tuple[int, Any]]


def of(events: Events, sid: int) -> List[Any]:
    return [e for s, e in events if s == sid]


def only(events: List[Any], cls: type) -> List[Any]:
    return [e for e in events if isinstance(e, cls)]


def body_of(events: Events, sid: int) -> bytes:
    return b"".join(e.data for e in of(events, sid) if type(e) is Data)


def test_get_round_trip(impl: str) -> None:
    pair = Pair(impl)
    assert (0, ev.SettingsChanged()) in pair.events
    sid = pair.request(b"/x")
    assert sid == 1
    [received] = only(pair.to_server(), h2.events.RequestReceived)
    assert isinstance(received, h2.events.RequestReceived)
    assert received.headers[:4] == [
        (b":method", b"GET"),
        (b":scheme", b"http"),
        (b":authority", b"example.test"),
        (b":path", b"/x"),
    ]
    assert (b"user-agent", b"test") in received.headers
    pair.respond(sid, headers=[(b"x-a", b"1")])
    events = pair.to_client()
    assert events == [
        (1, ResponseHead(200, b"", b"HTTP/2", [(b"content-length", b"13"), (b"x-a", b"1")])),
        (1, Data(b"Hello, world!")),
        (1, EndOfMessage([])),
    ]
    assert events[0][1].keys == [b"content-length", b"x-a"]  # lowercase names: their own keys
    assert pair.client.open_streams == 0
    assert pair.client.is_available()


def test_many_streams_interleaved_and_repeated_headers(impl: str) -> None:
    pair = Pair(impl)
    for round_ in range(3):
        sids = [pair.request(b"/%d" % i) for i in range(50)]
        assert pair.client.open_streams == 50
        pair.to_server()
        for sid in reversed(sids):
            pair.respond(sid, body=b"r%d" % sid, headers=[(b"date", b"Mon %d" % round_)])
        events = pair.to_client()
        for sid in sids:
            assert body_of(events, sid) == b"r%d" % sid
            assert of(events, sid)[-1] == EndOfMessage([])
    # Repeated request headers come from the dynamic table: one byte each after the first.
    assert len(pair.client.encoder.encode([(b"user-agent", b"test")])) == 1


def test_three_ways_of_feeding_give_the_same_events(impl: str) -> None:
    pair = Pair(impl)
    sids = [pair.request() for _ in range(3)]
    pair.to_server()
    for sid in sids:
        pair.respond(sid, trailers=[(b"x-checksum", b"abc")])
    data = pair.server.data_to_send()
    whole = make_core(impl)
    bytewise = make_core(impl)
    for core in (whole, bytewise):
        core.initiate()
        for _ in range(3):
            core.send_request(b"GET", b"http", b"example.test", b"/", REQUEST_HEADERS, True)
    # The server's preface was consumed by pair.client; prepend a fresh SETTINGS frame.
    data = frame(4, 0, 0) + data
    expected = whole.receive_data(data)
    got: Events = []
    for i in range(len(data)):
        got.extend(bytewise.receive_data(data[i : i + 1]))
    assert got == expected
    assert [e for _, e in expected if type(e) is EndOfMessage] == [
        EndOfMessage([(b"x-checksum", b"abc")])
    ] * 3


def test_trailers(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.to_server()
    pair.respond(sid, body=b"abc", trailers=[(b"grpc-status", b"0")])
    events = pair.to_client()
    assert of(events, sid) == [
        ResponseHead(200, b"", b"HTTP/2", []),
        Data(b"abc"),
        EndOfMessage([(b"grpc-status", b"0")]),
    ]


def test_informational_response_is_skipped(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.to_server()
    pair.server.send_headers(sid, [(b":status", b"103"), (b"link", b"</a>")])
    pair.respond(sid, body=b"")
    events = pair.to_client()
    assert [type(e) for e in of(events, sid)] == [ResponseHead, EndOfMessage]
    assert of(events, sid)[0].status_code == 200


def test_ping_is_answered(impl: str) -> None:
    pair = Pair(impl)
    pair.server.ping(b"12345678")
    assert pair.to_client() == []
    [ack] = only(pair.to_server(), h2.events.PingAckReceived)
    assert isinstance(ack, h2.events.PingAckReceived)
    assert ack.ping_data == b"12345678"
    pair.client.ping(b"abcdefgh")
    pair.to_server()
    assert pair.to_client() == [(0, ev.PingAcknowledged(b"abcdefgh"))]


def test_push_is_disabled_and_a_push_promise_ends_the_connection(impl: str) -> None:
    pair = Pair(impl)
    assert pair.server.remote_settings.enable_push == 0
    sid = pair.request()
    pair.to_server()
    block = hpack.Encoder().encode([(b":method", b"GET"), (b":path", b"/p")])
    promise = frame(5, 4, sid, struct.pack(">L", 2) + block)
    events = pair.client.receive_data(promise)
    assert events[0][0] == sid and type(events[0][1]) is ev.StreamReset
    assert events[-1][1].error_code == ev.PROTOCOL_ERROR and not events[-1][1].remote
    assert "PUSH_PROMISE" in events[-1][1].message
    assert pair.client.closed and not pair.client.is_available()
    [goaway] = only(pair.to_server(), h2.events.ConnectionTerminated)
    assert isinstance(goaway, h2.events.ConnectionTerminated)
    assert goaway.error_code == h2.errors.ErrorCodes.PROTOCOL_ERROR
    assert pair.client.receive_data(b"anything") == []


def test_goaway_fails_unprocessed_streams_as_retryable(impl: str) -> None:
    pair = Pair(impl)
    sids = [pair.request() for _ in range(4)]  # 1, 3, 5, 7
    pair.to_server()
    pair.respond(1)
    pair.server.close_connection(last_stream_id=3)
    events = pair.to_client()
    resets = {s: e for s, e in events if type(e) is ev.StreamReset}
    assert set(resets) == {5, 7}
    assert all(e.retryable and e.remote for e in resets.values())
    assert of(events, 1)[-1] == EndOfMessage([])
    terminated = of(events, 0)[-1]
    assert type(terminated) is ev.ConnectionTerminated
    assert (terminated.last_stream_id, terminated.error_code, terminated.remote) == (3, 0, True)
    assert pair.client.goaway_received and not pair.client.is_available()
    assert pair.client.capacity() == 0
    with pytest.raises(LocalProtocolError):
        pair.request()
    # Stream 3 is at or below last_stream_id: it still completes (h2 refuses to send
    # after its GOAWAY, so raw frames: 0x88 is ":status: 200" from the static table).
    late = pair.client.receive_data(frame(1, 4, 3, b"\x88") + frame(0, 1, 3, b"late"))
    assert body_of(late, 3) == b"late" and of(late, 3)[-1] == EndOfMessage([])
    assert pair.client.open_streams == 0
    assert sids == [1, 3, 5, 7]


def test_rst_stream_fails_that_stream_only(impl: str) -> None:
    pair = Pair(impl)
    a, b = pair.request(), pair.request()
    pair.to_server()
    pair.server.reset_stream(a, h2.errors.ErrorCodes.INTERNAL_ERROR)
    pair.respond(b)
    events = pair.to_client()
    [reset] = of(events, a)
    assert type(reset) is ev.StreamReset
    assert reset.remote and not reset.retryable and reset.error_code == ev.INTERNAL_ERROR
    assert "INTERNAL_ERROR" in reset.message
    assert of(events, b)[-1] == EndOfMessage([])
    assert pair.client.open_streams == 0 and pair.client.is_available()


def test_refused_stream_is_retryable(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.to_server()
    pair.server.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
    [(s, reset)] = pair.to_client()
    assert s == sid and reset.retryable


def test_shrinking_max_concurrent_streams(impl: str) -> None:
    pair = Pair(impl, server_settings={"MAX_CONCURRENT_STREAMS": 10})
    assert pair.client.max_concurrent_streams == 10
    sids = [pair.request() for _ in range(10)]
    assert pair.client.capacity() == 0 and not pair.client.is_available()
    with pytest.raises(LocalProtocolError):
        pair.request()
    pair.to_server()
    pair.server.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 2})
    assert (0, ev.SettingsChanged()) in pair.to_client()
    pair.to_server()
    assert pair.client.max_concurrent_streams == 2
    # Streams in flight go on; no new one until fewer than two are open.
    for sid in sids[:8]:
        pair.respond(sid)
    events = pair.to_client()
    assert sum(type(e) is EndOfMessage for _, e in events) == 8
    assert pair.client.open_streams == 2 and not pair.client.is_available()
    pair.respond(sids[8])
    pair.to_client()
    assert pair.client.capacity() == 1
    pair.request()


def test_zero_window_upload_waits_for_window_update(impl: str) -> None:
    pair = Pair(impl, server_settings={"INITIAL_WINDOW_SIZE": 0})
    sid = pair.request(method=b"POST", end_stream=False)
    assert pair.client.send_window(sid) == 0
    assert pair.client.send_data(sid, b"x" * 100, True) == 0
    pair.to_server()
    pair.server.increment_flow_control_window(40, stream_id=sid)
    assert pair.to_client() == [(sid, ev.WindowUpdated())]
    assert pair.client.send_window(sid) == 40
    assert pair.client.send_data(sid, b"x" * 100, True) == 40
    pair.server.increment_flow_control_window(1000, stream_id=sid)
    pair.to_client()
    assert pair.client.send_data(sid, b"x" * 60, True) == 60
    received = pair.to_server()
    data = [e for e in received if isinstance(e, h2.events.DataReceived)]
    assert sum(len(e.data) for e in data) == 100
    assert any(isinstance(e, h2.events.StreamEnded) for e in received)


def test_connection_window_limits_uploads(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request(method=b"POST", end_stream=False)
    assert pair.client.send_window(sid) == 65535
    sent = pair.client.send_data(sid, b"y" * 100_000, False)
    assert sent == 65535
    assert pair.client.send_data(sid, b"y", False) == 0
    pair.to_server()
    pair.server.increment_flow_control_window(10)
    pair.server.increment_flow_control_window(1000, stream_id=sid)
    assert pair.to_client() == [(0, ev.WindowUpdated()), (sid, ev.WindowUpdated())]
    assert pair.client.send_data(sid, b"y" * 100, False) == 10


def test_large_windows_are_advertised_and_reopened(impl: str) -> None:
    pair = Pair(impl, stream_window=1 << 20, connection_window=1 << 21)
    assert pair.server.remote_settings.initial_window_size == 1 << 20
    assert pair.server.outbound_flow_control_window == 1 << 21
    sid = pair.request()
    pair.to_server()
    pair.server.send_headers(sid, [(b":status", b"200")])
    pair.server.send_data(sid, b"z" * 16384)
    data = pair.to_client()
    assert body_of(data, sid) == b"z" * 16384
    pair.client.acknowledge(sid, 1 << 19)  # half the stream window: a WINDOW_UPDATE goes out
    updates = [e for e in pair.to_server() if isinstance(e, h2.events.WindowUpdated)]
    assert [(u.stream_id, u.delta) for u in updates] == [(sid, 1 << 19)]


def test_receive_window_violation_is_a_connection_error(impl: str) -> None:
    pair = Pair(impl, stream_window=65535, connection_window=65535)
    sid = pair.request()
    pair.to_server()
    pair.server.send_headers(sid, [(b":status", b"200")])
    head = pair.to_client()
    assert type(head[0][1]) is ResponseHead
    flood = b"".join(frame(0, 0, sid, b"a" * 16384) for _ in range(5))
    events = pair.client.receive_data(flood)
    assert events[-1][1].error_code == ev.FLOW_CONTROL_ERROR and pair.client.closed


def test_oversized_header_list_fails_the_stream_not_the_connection(impl: str) -> None:
    pair = Pair(impl, max_header_list_size=4096)
    big, small = pair.request(), pair.request()
    pair.to_server()
    pair.server.send_headers(
        big, [(b":status", b"200")] + [(b"x-%d" % i, b"v" * 100) for i in range(50)]
    )
    pair.respond(small)
    events = pair.to_client()
    [reset] = of(events, big)
    assert type(reset) is ev.StreamReset and not reset.remote
    assert "exceeds the limits" in reset.message
    assert of(events, small)[-1] == EndOfMessage([])
    assert not pair.client.closed
    [rst] = [e for e in pair.to_server() if isinstance(e, h2.events.StreamReset)]
    assert rst.stream_id == big


def test_too_many_header_fields_fail_the_stream(impl: str) -> None:
    pair = Pair(impl, max_header_fields=20)
    sid = pair.request()
    pair.to_server()
    pair.server.send_headers(sid, [(b":status", b"200")] + [(b"x", b"%d" % i) for i in range(30)])
    [(s, reset)] = pair.to_client()
    assert s == sid and type(reset) is ev.StreamReset and "31 fields" in reset.message


def _block(headers: List[Tuple[bytes, bytes]]) -> bytes:
    return bytes(hpack.Encoder().encode(headers))


def test_continuation_flood_is_cut_off(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.to_server()
    data = frame(1, 0, sid, _block([(b":status", b"200")]))
    data += b"".join(frame(9, 0, sid) for _ in range(1000))
    events = pair.client.receive_data(data)
    assert [s for s, _ in events] == [sid, 0]
    assert events[-1][1].error_code == ev.ENHANCE_YOUR_CALM
    assert "CONTINUATION flood" in events[-1][1].message
    assert pair.client.closed


def test_continuation_block_size_is_capped(impl: str) -> None:
    pair = Pair(impl, max_header_list_size=10000)  # compressed blocks: at most twice that
    sid = pair.request()
    pair.to_server()
    data = frame(1, 0, sid, b"\x00" * 16000) + frame(9, 0, sid, b"\x00" * 16000)
    events = pair.client.receive_data(data)
    assert events[-1][1].error_code == ev.ENHANCE_YOUR_CALM and pair.client.closed


def test_headers_split_over_continuations_are_joined(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.to_server()
    block = _block([(b":status", b"200"), (b"x-long", b"q" * 3000)])
    data = frame(1, 0, sid, block[:10]) + frame(9, 0, sid, block[10:20])
    data += frame(9, 4 | 0, sid, block[20:]) + frame(0, 1, sid, b"ok")
    events = pair.client.receive_data(data)
    assert of(events, sid)[0] == ResponseHead(200, b"", b"HTTP/2", [(b"x-long", b"q" * 3000)])
    assert body_of(events, sid) == b"ok"


def test_interrupted_header_block_is_a_connection_error(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.to_server()
    data = frame(1, 0, sid, _block([(b":status", b"200")])) + frame(6, 0, 0, b"12345678")
    events = pair.client.receive_data(data)
    assert events[-1][1].error_code == ev.PROTOCOL_ERROR and pair.client.closed


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([(b"content-type", b"x")], "without :status"),
        ([(b":status", b"20")], "invalid :status"),
        ([(b":status", b"2x0")], "invalid :status"),
        ([(b":status", b"200"), (b":path", b"/")], "pseudo-header"),
        ([(b"a", b"b"), (b":status", b"200")], "pseudo-header"),
        ([(b":status", b"200"), (b"Upper", b"x")], "header name"),
        ([(b":status", b"200"), (b"connection", b"close")], "header name"),
        ([(b":status", b"200"), (b"transfer-encoding", b"chunked")], "header name"),
        ([(b":status", b"200"), (b"x", b"a\r\nb")], "value"),
        ([(b":status", b"200"), (b"x", b" padded")], "value"),
        ([(b":status", b"200"), (b"content-length", b"12a")], "Content-Length"),
        ([(b":status", b"101")], "101"),
    ],
)
def test_malformed_response_heads_fail_the_stream(
    impl: str, headers: List[Tuple[bytes, bytes]], reason: str
) -> None:
    pair = Pair(impl)
    sid, other = pair.request(), pair.request()
    pair.to_server()
    data = frame(1, 4, sid, _block(headers))
    events = pair.client.receive_data(data)
    [(s, reset)] = events
    assert s == sid and type(reset) is ev.StreamReset and not reset.remote
    assert reason in reset.message
    assert not pair.client.closed and pair.client.open_streams == 1 and other == 3


def test_body_longer_or_shorter_than_content_length(impl: str) -> None:
    pair = Pair(impl)
    long_, short = pair.request(), pair.request()
    pair.to_server()
    head = _block([(b":status", b"200"), (b"content-length", b"3")])
    data = frame(1, 4, long_, head) + frame(0, 1, long_, b"abcd")
    events = pair.client.receive_data(data)
    assert type(of(events, long_)[-1]) is ev.StreamReset
    head = bytes([0xBE])  # the dynamic table entry the server's encoder added (index 62)
    data = frame(1, 4, short, _block([(b":status", b"200"), (b"content-length", b"3")]))
    data += frame(0, 1, short, b"ab")
    events = pair.client.receive_data(data)
    assert "shorter" in of(events, short)[-1].message
    assert head


def test_head_response_has_no_body_despite_content_length(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request(method=b"HEAD")
    pair.to_server()
    pair.server.send_headers(
        sid, [(b":status", b"200"), (b"content-length", b"500")], end_stream=True
    )
    assert [type(e) for _, e in pair.to_client()] == [ResponseHead, EndOfMessage]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (frame(4, 0, 0, b"\x00\x05\x00\x00\x00\x01"), ev.PROTOCOL_ERROR),  # frame size < 16K
        (frame(4, 0, 0, b"\x00\x02\x00\x00\x00\x01"), ev.PROTOCOL_ERROR),  # push enabled
        (frame(4, 0, 0, b"\x00\x04\x80\x00\x00\x00"), ev.FLOW_CONTROL_ERROR),
        (frame(4, 0, 0, b"\x00\x04\x00"), ev.FRAME_SIZE_ERROR),
        (frame(4, 1, 0, b"\x00" * 6), ev.FRAME_SIZE_ERROR),
        (frame(4, 0, 1), ev.PROTOCOL_ERROR),
        (frame(6, 0, 0, b"1234"), ev.FRAME_SIZE_ERROR),
        (frame(6, 0, 1, b"12345678"), ev.PROTOCOL_ERROR),
        (frame(8, 0, 0, b"\x00\x00\x00\x00"), ev.PROTOCOL_ERROR),
        (frame(8, 0, 0, b"\x7f\xff\xff\xff"), ev.FLOW_CONTROL_ERROR),
        (frame(8, 0, 0, b"\x00\x00"), ev.FRAME_SIZE_ERROR),
        (frame(3, 0, 0, b"\x00\x00\x00\x00"), ev.PROTOCOL_ERROR),
        (frame(3, 0, 99, b"\x00\x00\x00\x00"), ev.PROTOCOL_ERROR),  # idle stream
        (frame(0, 0, 2, b"x"), ev.PROTOCOL_ERROR),  # server-initiated stream
        (frame(1, 4, 0, b"\x88"), ev.PROTOCOL_ERROR),
        (frame(9, 4, 1, b"\x88"), ev.PROTOCOL_ERROR),
        (frame(2, 0, 0, b"\x00" * 5), ev.PROTOCOL_ERROR),
        (frame(7, 0, 1, b"\x00" * 8), ev.PROTOCOL_ERROR),
        (frame(0, 0, 1, b"x" * 20000), ev.FRAME_SIZE_ERROR),
        (frame(1, 4, 1, b"\xff\xff\xff\xff\xff\xff\x7f"), ev.COMPRESSION_ERROR),
        (frame(1, 4, 1, b"\xc0"), ev.COMPRESSION_ERROR),  # index beyond the table
        (frame(1, 0x0C, 1, b"\x09\x88"), ev.PROTOCOL_ERROR),  # padding longer than frame
    ],
)
def test_connection_errors_are_remote_violations(impl: str, data: bytes, code: int) -> None:
    pair = Pair(impl)
    sid = pair.request()
    events = pair.client.receive_data(data)
    assert events[0] == (sid, events[0][1]) and type(events[0][1]) is ev.StreamReset
    terminated = events[-1][1]
    assert type(terminated) is ev.ConnectionTerminated
    assert terminated.error_code == code and not terminated.remote
    assert pair.client.closed and pair.client.capacity() == 0
    [goaway] = [e for e in pair.to_server() if isinstance(e, h2.events.ConnectionTerminated)]
    assert goaway.error_code == code


def test_server_must_start_with_settings(impl: str) -> None:
    core = make_core(impl)
    core.initiate()
    events = core.receive_data(frame(6, 0, 0, b"12345678"))
    assert events[-1][1].error_code == ev.PROTOCOL_ERROR


def test_frames_on_reset_streams_are_ignored_and_windows_given_back(impl: str) -> None:
    pair = Pair(impl, connection_window=65535)
    sid = pair.request()
    pair.client.reset_stream(sid)
    assert pair.client.open_streams == 0
    pair.to_server()
    data = frame(1, 4, sid, _block([(b":status", b"200")])) + frame(0, 0, sid, b"x" * 16000)
    for _ in range(10):  # far beyond the window unless the core gives it back
        data += frame(0, 0, sid, b"x" * 16000)
    assert pair.client.receive_data(data) == []
    assert not pair.client.closed


def test_unknown_frames_and_priority_are_ignored(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    data = frame(0xEE, 0, 0, b"whatever") + frame(2, 0, sid, b"\x00\x00\x00\x00\x10")
    assert pair.client.receive_data(data) == []


def test_padded_data_is_stripped(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    data = frame(1, 4, sid, _block([(b":status", b"200")]))
    data += frame(0, 0x9, sid, b"\x03abc\x00\x00\x00")
    events = pair.client.receive_data(data)
    assert of(events, sid)[1:] == [Data(b"abc"), EndOfMessage([])]


def test_request_header_rules(impl: str) -> None:
    pair = Pair(impl)
    headers = [
        (b"Host", b"h.example"),
        (b"Connection", b"keep-alive"),
        (b"Transfer-Encoding", b"chunked"),
        (b"TE", b"gzip"),
        (b"X-Mixed", b"v"),
    ]
    pair.client.send_request(b"GET", b"https", b"", b"/", headers, True)
    [req] = only(pair.to_server(), h2.events.RequestReceived)
    assert req.headers == [
        (b":method", b"GET"),
        (b":scheme", b"https"),
        (b":authority", b"h.example"),
        (b":path", b"/"),
        (b"x-mixed", b"v"),
    ]
    with pytest.raises(LocalProtocolError):
        pair.client.send_request(b"GET", b"https", b"a", b"/", [(b"x", b"a\nb")], True)
    with pytest.raises(LocalProtocolError):
        pair.client.send_request(b"GET", b"https", b"a", b"/", [(b"bad name", b"v")], True)
    with pytest.raises(LocalProtocolError):
        pair.client.send_data(99, b"x", True)
    with pytest.raises(LocalProtocolError):
        pair.client.ping(b"short")


def test_large_request_headers_use_continuation(impl: str) -> None:
    pair = Pair(impl)
    sid = pair.request()
    pair.client.send_request(b"GET", b"http", b"a", b"/", [(b"x-big", b"b" * 40000)], True)
    received = pair.to_server()
    requests = [e for e in received if isinstance(e, h2.events.RequestReceived)]
    assert len(requests) == 2 and (b"x-big", b"b" * 40000) in requests[1].headers
    assert sid == 1


def test_server_header_table_size_is_honoured(impl: str) -> None:
    pair = Pair(impl, server_settings={"HEADER_TABLE_SIZE": 0})
    for _ in range(2):
        pair.request()
        [req] = only(pair.to_server(), h2.events.RequestReceived)
        assert (b"user-agent", b"test") in req.headers
    assert pair.client.encoder.size == 0


def test_connection_lost_fails_open_streams(impl: str) -> None:
    pair = Pair(impl)
    a, b = pair.request(), pair.request()
    events = pair.client.connection_lost()
    assert [s for s, _ in events] == [a, b]
    assert all(type(e) is ev.StreamReset and not e.retryable for _, e in events)
    assert pair.client.closed and pair.client.open_streams == 0


def test_close_sends_goaway(impl: str) -> None:
    pair = Pair(impl)
    pair.client.close()
    [goaway] = only(pair.to_server(), h2.events.ConnectionTerminated)
    assert isinstance(goaway, h2.events.ConnectionTerminated) and goaway.error_code == 0
    assert not pair.client.is_available()


def test_constructor_rejects_bad_windows(impl: str) -> None:
    with pytest.raises(ValueError):
        make_core(impl, stream_window=10)
    with pytest.raises(ValueError):
        make_core(impl, connection_window=2**31)
