"""HTTP/1.1 response parsing: every violation is a RemoteProtocolError, in both twins,
whichever way the bytes arrive; and the parser's life cycle rules."""

from __future__ import annotations

from typing import List

import pytest

from fastclient._exceptions import LocalProtocolError, RemoteProtocolError
from fastclient._protocol.events import Data
from tests.protocol import check_error, eom, head, http11, parse

OK = b"HTTP/1.1 200 OK\r\n"
CHUNKED = OK + b"Transfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200OK\r\n\r\n",
        b"HTTP/1.1  200 OK\r\n\r\n",
        b"HTTP/1.1\t200 OK\r\n\r\n",
        b"HTTP/1.1 200\tOK\r\n\r\n",
        b"HTTP/1.1 099 Low\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"HTTP/2.0 200 OK\r\n\r\n",
        b"HTTP/0.9 200 OK\r\n\r\n",
        b"HTTP/1.x 200 OK\r\n\r\n",
        b"HTTP/11 200 OK\r\n\r\n",
        b"http/1.1 200 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b" HTTP/1.1 200 OK\r\n\r\n",
        b"\r\nHTTP/1.1 200 OK\r\n\r\n",  # an empty line before the status line
        b"HTTP/1.1 200 O\x00K\r\n\r\n",
        b"HTTP/1.1 200 O\rK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\r\n\r\n",
        b"HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",  # bare CR as a line ending
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n",  # TLS where HTTP was expected
    ],
)
def test_invalid_status_line(impl: str, raw: bytes) -> None:
    check_error(impl, raw, match="status line")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b" X-Folded: yes", "folding"),  # obs-fold at the start of the head
        (b"X-A: 1\r\n continued", "folding"),
        (b"X-A: 1\r\n\tcontinued", "folding"),
        (b"X-A: 1\r\n   ", "folding"),
        (b"Name : value", "whitespace between"),
        (b"Name\t: value", "whitespace between"),
        (b"Na me: value", "invalid character"),
        (b'Na"me: value', "invalid character"),
        (b"(Name): value", "invalid character"),
        (b"N\xc3\xa1me: value", "invalid character"),
        (b"Name\x00: value", "invalid character"),
        (b"Name", "missing colon"),
        (b"Name\r", "missing colon"),
        (b": value", "empty field name"),
        (b"Name: a\x00b", "NUL or CR"),
        (b"Name: a\rb", "NUL or CR"),
        (b"Name: a\r", "NUL or CR"),  # CR CR LF: the first CR is bare
        (b"Name: \ra", "NUL or CR"),
        (b"Name: \x00", "NUL or CR"),
        (b"\rName: a", "invalid character"),
    ],
)
def test_invalid_header_line(impl: str, line: bytes, why: str) -> None:
    raw = OK + line + b"\r\nContent-Length: 0\r\n\r\n"
    check_error(impl, raw, match=why)


@pytest.mark.parametrize(
    "value",
    [
        b"abc",
        b"-1",
        b"+5",
        b"5 5",
        b"0x10",
        b"1_0",
        b"1e3",
        b"",
        b"5,",
        b",5",
        b"5,,5",
        b"5, 6",
        b"5;q=1",
        b"\xef\xbc\x95",  # a full-width digit five: int() would take it
        b"9223372036854775808",  # 2**63
        b"99999999999999999999999",
    ],
)
def test_invalid_content_length(impl: str, value: bytes) -> None:
    check_error(impl, OK + b"Content-Length: " + value + b"\r\n\r\n", match="Content-Length")


def test_conflicting_content_length_fields(impl: str) -> None:
    raw = OK + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
    check_error(impl, raw, match="conflicting")


def test_invalid_content_length_is_an_error_even_where_unused(impl: str) -> None:
    check_error(impl, OK + b"Content-Length: x\r\n\r\n", method=b"HEAD")
    check_error(impl, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1, 2\r\n\r\n")
    raw = OK + b"Content-Length: abc\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    check_error(impl, raw)


def test_a_largest_content_length_is_accepted(impl: str) -> None:
    raw = OK + b"Content-Length: 9223372036854775807\r\n\r\nabc"
    events, parser = parse(impl, [raw])
    assert events[1:] == [Data(b"abc")] and not parser.complete


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ([b"Transfer-Encoding: chunked, gzip"], "final"),
        ([b"Transfer-Encoding: chunked, chunked"], "final"),
        ([b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"], "final"),
        ([b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"], "final"),
        ([b"Transfer-Encoding: "], "empty"),
        ([b"Transfer-Encoding: ,\t,"], "empty"),
    ],
)
def test_invalid_transfer_encoding(impl: str, fields: List[bytes], why: str) -> None:
    raw = OK + b"".join(f + b"\r\n" for f in fields) + b"\r\n0\r\n\r\n"
    check_error(impl, raw, match=why)
    check_error(impl, raw, method=b"HEAD", match=why)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"g\r\n", "invalid chunk size"),
        (b"-5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"+5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"0x5\r\nhello\r\n0\r\n\r\n", "chunk-size line"),
        (b"5 5\r\nhello\r\n0\r\n\r\n", "chunk-size line"),
        (b" 5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"\r\n", "invalid chunk size"),
        (b"5\nhello\r\n0\r\n\r\n", "CRLF"),  # chunk-size lines end in CRLF only
        (b"\n", "CRLF"),
        (b"5;a\nb\r\nhello\r\n0\r\n\r\n", "CRLF"),  # no LF inside an extension
        (b"5;a\rb\r\nhello\r\n0\r\n\r\n", "chunk-size line"),  # ... nor a CR
        (b"5;\x00\r\nhello\r\n0\r\n\r\n", "chunk-size line"),
        (b"5;\x7f\r\nhello\r\n0\r\n\r\n", "chunk-size line"),
        (b"5\r\r\nhello\r\n0\r\n\r\n", "chunk-size line"),
        (b"5\r\nhelloX\r\n0\r\n\r\n", "CRLF"),
        (b"5\r\nhello\n0\r\n\r\n", "CRLF"),
        (b"5\r\nhello\r0\r\n\r\n", "CRLF"),
        (b"5\r\nhello\r\r\n0\r\n\r\n", "CRLF"),
        (b"5\r\nhello0\r\n\r\n", "CRLF"),
        (b"8000000000000000\r\n", "63 bits"),
        (b"ffffffffffffffffffff\r\n", "63 bits"),
        (b"0\r\n X-Folded: 1\r\n\r\n", "folding"),
        (b"0\r\nBad Name: 1\r\n\r\n", "invalid character"),
        (b"0\r\nX: \x00\r\n\r\n", "NUL or CR"),
        (b"0\r\n\r\r\n", "missing colon"),
    ],
)
def test_invalid_chunked_body(impl: str, body: bytes, why: str) -> None:
    check_error(impl, CHUNKED + body, match=why)


def test_largest_chunk_size_is_accepted(impl: str) -> None:
    events, parser = parse(impl, [CHUNKED + b"7fffffffffffffff\r\nabc"])
    assert events[1:] == [Data(b"abc")] and not parser.complete
    events, parser = parse(impl, [CHUNKED + b"00000000000000000000000000000001\r\nx\r\n0\r\n\r\n"])
    assert events[1:] == [Data(b"x"), eom()]


# -- the peer closing early ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell",
        b"HTTP/1.1 100 Continue\r\n\r\n",
        CHUNKED,
        CHUNKED + b"5",
        CHUNKED + b"5\r\nhel",
        CHUNKED + b"5\r\nhello",
        CHUNKED + b"5\r\nhello\r",
        CHUNKED + b"5\r\nhello\r\n",
        CHUNKED + b"0\r\n",
        CHUNKED + b"0\r\nX-T: 1\r\n",
    ],
)
def test_eof_before_the_response_is_complete(impl: str, raw: bytes) -> None:
    check_error(impl, raw, at_eof=True, match="server disconnected")


def test_eof_before_any_byte(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    parser.start_response(b"GET")
    with pytest.raises(RemoteProtocolError, match="without sending a response"):
        parser.feed_eof()


def test_eof_after_a_complete_response(impl: str) -> None:
    events, parser = parse(impl, [OK + b"Content-Length: 0\r\n\r\n"], eof=True)
    assert events == [head(200, [(b"Content-Length", b"0")]), eom()]
    assert parser.complete and not parser.keep_alive
    with pytest.raises(LocalProtocolError):
        parser.start_response(b"GET")


def test_eof_on_an_idle_parser(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    assert parser.feed_eof() == []
    with pytest.raises(LocalProtocolError, match="cannot be reused"):
        parser.start_response(b"GET")


# -- life cycle ----------------------------------------------------------------------------------


def test_feed_before_start_response(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    with pytest.raises(LocalProtocolError, match="start_response"):
        parser.feed(b"HTTP/1.1 200 OK\r\n")


def test_start_response_before_the_previous_one_is_complete(impl: str) -> None:
    _, parser = parse(impl, [OK + b"Content-Length: 5\r\n\r\nhel"])
    with pytest.raises(LocalProtocolError, match="not complete"):
        parser.start_response(b"GET")


@pytest.mark.parametrize(
    "raw",
    [
        OK + b"Connection: close\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        OK + b"Content-Length: 0\r\n\r\nextra",
    ],
)
def test_start_response_on_a_connection_that_cannot_be_reused(impl: str, raw: bytes) -> None:
    _, parser = parse(impl, [raw])
    assert parser.complete and not parser.keep_alive
    with pytest.raises(LocalProtocolError, match="cannot be reused"):
        parser.start_response(b"GET")


def test_a_protocol_error_is_final(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    parser.start_response(b"GET")
    with pytest.raises(RemoteProtocolError):
        parser.feed(b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")
    assert not parser.complete and not parser.keep_alive
    with pytest.raises(RemoteProtocolError, match="unusable"):
        parser.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    with pytest.raises(RemoteProtocolError, match="unusable"):
        parser.feed_eof()
    with pytest.raises(LocalProtocolError, match="unusable"):
        parser.start_response(b"GET")


@pytest.mark.parametrize("method", ["GET", None, bytearray(b"GET")])
def test_start_response_takes_bytes(impl: str, method: object) -> None:
    with pytest.raises(TypeError):
        http11(impl).ResponseParser().start_response(method)


def test_complete_and_keep_alive_are_read_only(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    with pytest.raises(AttributeError):
        parser.complete = True
    with pytest.raises(AttributeError):
        parser.keep_alive = False
    with pytest.raises(AttributeError):
        parser.limits = None
    assert not parser.complete
