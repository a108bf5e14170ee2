"""HTTP/1.1 response parsing: what valid responses become (RFC 9112 framing rules).

Every case runs on both twins (``impl``) and is fed whole, one byte at a time, and with a
stray response after it (see tests/protocol/__init__.py: check_response).
"""

from __future__ import annotations

from typing import List, Tuple

import pytest

from fastclient._protocol.events import Data, Upgrade
from tests.helpers import splits
from tests.protocol import check_response, eom, head, parse

# -- status line ------------------------------------------------------------------------


def test_typical_response_is_three_events_in_one_call(impl: str) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    expected = [
        head(200, [(b"Content-Type", b"text/plain"), (b"Content-Length", b"5")]),
        Data(b"hello"),
        eom(),
    ]
    check_response(impl, raw, expected)


@pytest.mark.parametrize(
    ("line", "status", "reason", "version"),
    [
        (b"HTTP/1.1 200 OK", 200, b"OK", b"HTTP/1.1"),
        (b"HTTP/1.1 200", 200, b"", b"HTTP/1.1"),  # reason missing altogether
        (b"HTTP/1.1 200 ", 200, b"", b"HTTP/1.1"),  # empty reason
        (b"HTTP/1.1 404 Not  Found ", 404, b"Not  Found ", b"HTTP/1.1"),
        (b"HTTP/1.1 500 a\tb\x80\xff\x01", 500, b"a\tb\x80\xff\x01", b"HTTP/1.1"),
        (b"HTTP/1.1 599 Custom", 599, b"Custom", b"HTTP/1.1"),
        (b"HTTP/1.1 999 Odd", 999, b"Odd", b"HTTP/1.1"),
        (b"HTTP/1.2 200 OK", 200, b"OK", b"HTTP/1.2"),  # a later 1.x minor is 1.1-compatible
    ],
)
def test_status_line_forms(
    impl: str, line: bytes, status: int, reason: bytes, version: bytes
) -> None:
    raw = line + b"\r\nContent-Length: 2\r\n\r\nhi"
    expected = [head(status, [(b"Content-Length", b"2")], reason, version), Data(b"hi"), eom()]
    check_response(impl, raw, expected)


# -- header fields ----------------------------------------------------------------------


def test_headers_are_raw_pairs_in_order_with_names_as_received(impl: str) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\n"
        b"set-COOKIE: a=1\r\n"
        b"X-Empty:\r\n"
        b"X-Spaces:   \t padded value \t \r\n"
        b"Set-Cookie: b=2; Path=/\r\n"
        b"X-Colon: a:b::c\r\n"
        b"X-Obs-Text: caf\xc3\xa9 \x80\xff\r\n"
        b"X-Ctl: a\x01b\x7f\r\n"  # other controls pass through, as h11 lets them
        b"X-Inner:a  \t b\r\n"
        b"!#$%&'*+-.^_`|~09azAZ: token chars\r\n"
        b"Content-Length: 0\r\n"
        b"\r\n"
    )
    headers = [
        (b"set-COOKIE", b"a=1"),
        (b"X-Empty", b""),
        (b"X-Spaces", b"padded value"),
        (b"Set-Cookie", b"b=2; Path=/"),
        (b"X-Colon", b"a:b::c"),
        (b"X-Obs-Text", b"caf\xc3\xa9 \x80\xff"),
        (b"X-Ctl", b"a\x01b\x7f"),
        (b"X-Inner", b"a  \t b"),
        (b"!#$%&'*+-.^_`|~09azAZ", b"token chars"),
        (b"Content-Length", b"0"),
    ]
    check_response(impl, raw, [head(200, headers), eom()])


def test_bare_lf_line_endings_are_accepted_in_head_and_trailers(impl: str) -> None:
    # RFC 9112 2.2 lets a recipient accept a lone LF; h11 does, and so do we (not in
    # chunk-size lines: see test_http11_errors).
    raw = (
        b"HTTP/1.1 200 OK\nX-A: 1\r\nTransfer-Encoding: chunked\n\n"
        b"3\r\nabc\r\n0\r\nX-T: 2\nX-U: 3\r\n\n"
    )
    expected = [
        head(200, [(b"X-A", b"1"), (b"Transfer-Encoding", b"chunked")]),
        Data(b"abc"),
        eom([(b"X-T", b"2"), (b"X-U", b"3")]),
    ]
    check_response(impl, raw, expected)


# -- Content-Length -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        [b"Content-Length: 5"],
        [b"content-length: 5"],
        [b"CONTENT-LENGTH:5  "],
        [b"Content-Length: 5", b"Content-Length: 5"],  # repeated, identical
        [b"Content-Length: 5, 5"],  # a list of identical values
        [b"Content-Length: 5,5 , 5", b"Content-Length: 05"],  # equal as numbers
    ],
)
def test_content_length_body(impl: str, fields: List[bytes]) -> None:
    raw = b"HTTP/1.1 200 OK\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\nhello"
    events, _ = parse(impl, [raw])
    assert events[1:] == [Data(b"hello"), eom()]
    names = [name for name, _ in events[0].headers]
    assert len(names) == len(fields)
    check_response(impl, raw, events)


def test_content_length_zero_has_no_data_event(impl: str) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    check_response(impl, raw, [head(200, [(b"Content-Length", b"0")]), eom()])


def test_large_content_length_body_arrives_in_pieces(impl: str) -> None:
    body = bytes(range(256)) * 64
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    events, parser = parse(impl, [raw, body[:1000], body[1000:5000], body[5000:]])
    assert events[1:] == [Data(body[:1000]), Data(body[1000:5000]), Data(body[5000:]), eom()]
    assert parser.complete and parser.keep_alive


def test_a_whole_buffer_of_body_is_handed_on_without_a_copy(impl: str) -> None:
    body = b"x" * 1000
    events, _ = parse(impl, [b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", body])
    assert events[1].data is body


# -- chunked ------------------------------------------------------------------------------


def test_chunked_body_is_one_data_event_per_feed(impl: str) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n"
    )
    expected = [
        head(200, [(b"Transfer-Encoding", b"chunked")]),
        Data(b"hello 0123456789"),
        eom(),
    ]
    check_response(impl, raw, expected)


@pytest.mark.parametrize(
    "size_line",
    [
        b"5",
        b"0005",  # leading zeros
        b"5;name=value",  # extensions are skipped
        b'5;a=1;b="quoted; string";c',
        b"5 ;a=b",  # BWS before an extension (RFC 9112 7.1.1)
        b"5 ",  # trailing whitespace, as h11 allows
        b"5\t",
        b"5;",
        b"5;\tx",
        b"5;\x80\xff",
    ],
)
def test_chunk_size_lines(impl: str, size_line: bytes) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + size_line
        + b"\r\nhello\r\n0\r\n\r\n"
    )
    expected = [head(200, [(b"Transfer-Encoding", b"chunked")]), Data(b"hello"), eom()]
    check_response(impl, raw, expected)


def test_hex_chunk_sizes_in_either_case(impl: str) -> None:
    data = bytes(range(256)) * 2
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"fF\r\n" + data[:255] + b"\r\n101\r\n" + data[255:] + b"\r\n0\r\n\r\n"
    )
    expected = [head(200, [(b"Transfer-Encoding", b"chunked")]), Data(data), eom()]
    check_response(impl, raw, expected)


def test_trailers(impl: str) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
        b"3\r\nabc\r\n0;last\r\nX-Sum: 42 \r\nserver-timing: db;dur=5\r\n\r\n"
    )
    expected = [
        head(200, [(b"Transfer-Encoding", b"chunked"), (b"Trailer", b"X-Sum")]),
        Data(b"abc"),
        eom([(b"X-Sum", b"42"), (b"server-timing", b"db;dur=5")]),
    ]
    check_response(impl, raw, expected)


def test_empty_chunked_body(impl: str) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    check_response(impl, raw, [head(200, [(b"Transfer-Encoding", b"chunked")]), eom()])


@pytest.mark.parametrize(
    "fields",
    [
        [b"Transfer-Encoding: Chunked"],
        [b"transfer-encoding: gzip, chunked"],
        [b"Transfer-Encoding: gzip", b"Transfer-Encoding: chunked"],
        [b"Transfer-Encoding: gzip,, chunked,"],  # empty list elements are ignored
    ],
)
def test_transfer_encoding_ending_in_chunked(impl: str, fields: List[bytes]) -> None:
    raw = b"HTTP/1.1 200 OK\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"
    raw += b"2\r\nhi\r\n0\r\n\r\n"
    events, _ = parse(impl, [raw])
    assert events[1:] == [Data(b"hi"), eom()]
    check_response(impl, raw, events)


def test_transfer_encoding_and_content_length_chunked_wins_but_no_reuse(impl: str) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    )
    events, _ = parse(impl, [raw])
    assert events[1:] == [Data(b"hello"), eom()]
    check_response(impl, raw, events, keep_alive=False)


# -- read until close ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head_bytes",
    [
        b"HTTP/1.1 200 OK\r\n\r\n",  # no framing at all
        b"HTTP/1.0 200 OK\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",  # RFC 9112 6.3: not chunked
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n",
    ],
)
def test_body_until_close(impl: str, head_bytes: bytes) -> None:
    events, _ = parse(impl, [head_bytes])
    assert len(events) == 1
    raw = head_bytes + b"all of it"
    check_response(impl, raw, [events[0], Data(b"all of it"), eom()], eof=True, keep_alive=False)


def test_body_until_close_with_no_body(impl: str) -> None:
    events, parser = parse(impl, [b"HTTP/1.1 200 OK\r\n\r\n"], eof=True)
    assert events == [head(200), eom()]
    assert parser.complete and not parser.keep_alive


# -- responses without a body -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status", "fields"),
    [
        (b"HEAD", 200, [(b"Content-Length", b"1000")]),
        (b"HEAD", 200, [(b"Transfer-Encoding", b"chunked")]),
        (b"HEAD", 200, []),  # not read-until-close either
        (b"HEAD", 404, [(b"Content-Length", b"10")]),
        (b"GET", 204, []),
        (b"GET", 204, [(b"Content-Length", b"10")]),
        (b"GET", 304, [(b"Content-Length", b"10"), (b"ETag", b'"x"')]),
        (b"GET", 304, [(b"Transfer-Encoding", b"chunked")]),
    ],
)
def test_no_body(impl: str, method: bytes, status: int, fields: List[Tuple[bytes, bytes]]) -> None:
    raw = b"HTTP/1.1 %d X\r\n" % status
    raw += b"".join(name + b": " + value + b"\r\n" for name, value in fields) + b"\r\n"
    check_response(impl, raw, [head(status, fields, b"X"), eom()], method=method)


def test_body_bytes_after_a_head_response_are_not_parsed(impl: str) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    events, parser = parse(impl, [raw], method=b"HEAD")
    assert events == [head(200, [(b"Content-Length", b"5")]), eom()]
    assert parser.complete and not parser.keep_alive


# -- 1xx, 101 and CONNECT ----------------------------------------------------------------------


def test_informational_responses_are_skipped(impl: str) -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\nConnection: close\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    # (the interim responses' own Connection header does not concern the final one)
    check_response(impl, raw, [head(200, [(b"Content-Length", b"2")]), Data(b"ok"), eom()])


def test_switching_protocols_is_an_upgrade_with_the_rest_of_the_buffer(impl: str) -> None:
    response = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nContent-Length: 3\r\n\r\n"
    )
    expected_head = head(
        101,
        [(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"), (b"Content-Length", b"3")],
        b"Switching Protocols",
    )
    events, parser = parse(impl, [response + b"\x81\x05hello, more frames"])
    assert events == [Upgrade(expected_head, b"\x81\x05hello, more frames")]
    assert parser.complete and not parser.keep_alive
    # Bytewise, the rest arrives after the Upgrade: those bytes belong to the caller, the
    # parser neither parses nor returns them.
    events, parser = parse(impl, [bytes([b]) for b in response + b"frames"])
    assert events == [Upgrade(expected_head, b"")]


@pytest.mark.parametrize("status", [200, 201, 299])
def test_2xx_to_connect_is_an_upgrade(impl: str, status: int) -> None:
    response = b"HTTP/1.1 %d Connection established\r\nContent-Length: 10\r\n\r\n" % status
    expected_head = head(status, [(b"Content-Length", b"10")], b"Connection established")
    for how, pieces in splits(response, b"\x16\x03\x01"):
        events, parser = parse(impl, pieces, method=b"CONNECT")
        rest = b"\x16\x03\x01" if how == "trailing" else b""
        assert events == [Upgrade(expected_head, rest)], how
        assert parser.complete and not parser.keep_alive


def test_non_2xx_to_connect_is_a_normal_response(impl: str) -> None:
    raw = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\nnope"
    expected = [
        head(407, [(b"Content-Length", b"4")], b"Proxy Authentication Required"),
        Data(b"nope"),
        eom(),
    ]
    check_response(impl, raw, expected, method=b"CONNECT")


# -- keep-alive --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "fields", "keep_alive"),
    [
        (b"HTTP/1.1", [], True),
        (b"HTTP/1.1", [b"Connection: close"], False),
        (b"HTTP/1.1", [b"Connection: CLOSE"], False),
        (b"HTTP/1.1", [b"Connection: keep-alive, close"], False),
        (b"HTTP/1.1", [b"Connection: x, \t close \t,y"], False),
        (b"HTTP/1.1", [b"Connection: keep-alive", b"connection: Close"], False),
        (b"HTTP/1.1", [b"Connection: closed"], True),  # not the token "close"
        (b"HTTP/1.1", [b"Connection: upgrade"], True),
        (b"HTTP/1.1", [b"Keep-Alive: timeout=5"], True),
        (b"HTTP/1.2", [], True),
        (b"HTTP/1.0", [], False),
        (b"HTTP/1.0", [b"Connection: keep-alive"], True),
        (b"HTTP/1.0", [b"Connection: Keep-Alive"], True),
        (b"HTTP/1.0", [b"Connection: keep-alive, close"], False),
    ],
)
def test_keep_alive(impl: str, version: bytes, fields: List[bytes], keep_alive: bool) -> None:
    raw = version + b" 200 OK\r\n" + b"".join(f + b"\r\n" for f in fields)
    raw += b"Content-Length: 1\r\n\r\nx"
    events, _ = parse(impl, [raw])
    check_response(impl, raw, events, keep_alive=keep_alive)


def test_http10_with_chunked_is_parsed_but_not_reused(impl: str) -> None:
    raw = (
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nx\r\n0\r\n\r\n"
    )
    events, _ = parse(impl, [raw])
    assert events[1:] == [Data(b"x"), eom()]
    check_response(impl, raw, events, keep_alive=False)


# -- several cycles on one connection ------------------------------------------------------------


def test_cycles_on_one_parser(impl: str) -> None:
    from tests.protocol import http11

    parser = http11(impl).ResponseParser()
    for method, raw, expected in [
        (b"GET", b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", [Data(b"a"), eom()]),
        (b"HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", [eom()]),
        (b"GET", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [eom()]),
        (b"GET", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", [eom()]),
    ]:
        parser.start_response(method)
        assert not parser.complete
        events = parser.feed(raw)
        assert events[1:] == expected
        assert parser.complete and parser.keep_alive


def test_empty_feed_changes_nothing(impl: str) -> None:
    events, parser = parse(impl, [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", b""])
    assert events == [head(200, [(b"Content-Length", b"0")]), eom()]
    assert parser.complete and parser.keep_alive


def test_feed_accepts_bytes_like(impl: str) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"
    events, _ = parse(impl, [bytearray(raw[:20]), memoryview(raw[20:])])
    assert events == [head(200, [(b"Content-Length", b"4")]), Data(b"body"), eom()]
    assert all(type(e.data) is bytes for e in events if type(e) is Data)


def test_chunk_data_arriving_alone_is_handed_on_without_a_copy(impl: str) -> None:
    body = b"y" * 5000
    pieces = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2710\r\n", body, body]
    events, parser = parse(impl, [*pieces, b"\r\n0\r\n\r\n"])
    assert [e.data for e in events[1:3]] == [body, body]
    assert events[1].data is body and events[2].data is body
    assert events[3:] == [eom()] and parser.complete
