"""H11Limits: each limit holds at its value, fails one byte (or item) past it, and fails as
soon as buffered bytes cross it, so a peer can never make the parser buffer without bound.
Line limits count the line with its CRLF."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import pytest

from fastclient._exceptions import RemoteProtocolError
from fastclient._protocol.events import Data
from tests.protocol import check_error, check_response, eom, head, http11, parse

OK = b"HTTP/1.1 200 OK\r\n"  # 17 bytes
EMPTY_OK = OK + b"Content-Length: 0\r\n\r\n"


def at_and_past(impl: str, make: Callable[[int], bytes], limits: Dict[str, int], n: int) -> None:
    """make(n) is valid under limits; make(n + 1) crosses them."""
    events, _ = parse(impl, [make(n)], limits=limits)
    check_response(impl, make(n), events, limits=limits)
    check_error(impl, make(n + 1), limits=limits)


def test_max_status_line(impl: str) -> None:
    def make(size: int) -> bytes:
        return b"HTTP/1.1 200 " + b"r" * (size - 15) + b"\r\nContent-Length: 0\r\n\r\n"

    at_and_past(impl, make, {"max_status_line": 40}, 40)


def test_max_header_line(impl: str) -> None:
    def make(size: int) -> bytes:
        return OK + b"X: " + b"v" * (size - 5) + b"\r\n" + b"Content-Length: 0\r\n\r\n"

    at_and_past(impl, make, {"max_header_line": 50}, 50)


def test_max_head(impl: str) -> None:
    def make(size: int) -> bytes:
        # status line (17) + "X: ...\r\n" + "Content-Length: 0\r\n" (19) + CRLF (2)
        return OK + b"X: " + b"v" * (size - 17 - 19 - 2 - 5) + b"\r\nContent-Length: 0\r\n\r\n"

    at_and_past(impl, make, {"max_head": 200}, 200)


def test_max_head_counts_each_informational_head_on_its_own(impl: str) -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
    raw = interim * 3 + EMPTY_OK
    limits = {"max_head": len(interim)}
    check_response(impl, raw, [head(200, [(b"Content-Length", b"0")]), eom()], limits=limits)


def test_max_headers(impl: str) -> None:
    def make(count: int) -> bytes:
        return OK + b"X: y\r\n" * (count - 1) + b"Content-Length: 0\r\n\r\n"

    at_and_past(impl, make, {"max_headers": 5}, 5)


def test_max_headers_zero(impl: str) -> None:
    check_response(
        impl,
        OK + b"\r\n",
        [head(200), eom()],
        eof=True,
        keep_alive=False,
        limits={"max_headers": 0},
    )
    check_error(impl, EMPTY_OK, limits={"max_headers": 0})


def test_max_headers_applies_to_trailers(impl: str) -> None:
    def make(count: int) -> bytes:
        return OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + b"T: 1\r\n" * count + b"\r\n"

    at_and_past(impl, make, {"max_headers": 5}, 5)


def test_max_chunk_line(impl: str) -> None:
    def make(size: int) -> bytes:
        line = b"3;" + b"e" * (size - 4) + b"\r\n"
        return OK + b"Transfer-Encoding: chunked\r\n\r\n" + line + b"abc\r\n0\r\n\r\n"

    at_and_past(impl, make, {"max_chunk_line": 30}, 30)


def test_max_trailers(impl: str) -> None:
    def make(size: int) -> bytes:
        # "T: ...\r\n" + final CRLF
        trailer = b"T: " + b"v" * (size - 7) + b"\r\n"
        return OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + trailer + b"\r\n"

    at_and_past(impl, make, {"max_trailers": 60}, 60)


def test_max_informational(impl: str) -> None:
    def make(count: int) -> bytes:
        return b"HTTP/1.1 100 Continue\r\n\r\n" * count + EMPTY_OK

    at_and_past(impl, make, {"max_informational": 3}, 3)
    check_error(impl, make(1), limits={"max_informational": 0})


# -- bytes trickling in: the limit is checked against what is buffered -----------------------


@pytest.mark.parametrize(
    ("prefix", "limits", "line_start"),
    [
        (b"", {"max_status_line": 100}, 0),
        (OK, {"max_header_line": 100}, 17),
        (OK, {"max_head": 100}, 0),
        (OK + b"Transfer-Encoding: chunked\r\n\r\n1;", {"max_chunk_line": 100}, 47),
        (OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\nT: ", {"max_header_line": 100}, 50),
        (OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\nT: ", {"max_trailers": 100}, 50),
    ],
)
def test_an_endless_line_fails_when_it_reaches_the_limit(
    impl: str, prefix: bytes, limits: Dict[str, int], line_start: int
) -> None:
    parser = http11(impl).ResponseParser(http11(impl).H11Limits(**limits))
    parser.start_response(b"GET")
    fed: List[bytes] = []
    stream = prefix or b"HTTP/1.1 200 "
    with pytest.raises(RemoteProtocolError, match=r"longer than|larger than"):
        for i in range(10_000):
            byte = stream[i : i + 1] or b"a"
            fed.append(byte)
            parser.feed(byte)
    # The line (or section) holds 99 bytes and still needs its LF: it cannot fit in 100.
    assert len(fed) - line_start == 100


def test_a_huge_buffer_without_a_line_ending_fails_at_once(impl: str) -> None:
    parser = http11(impl).ResponseParser()
    parser.start_response(b"GET")
    with pytest.raises(RemoteProtocolError, match="longer than"):
        parser.feed(OK + b"X: " + b"a" * (1 << 20))


def test_body_bytes_are_not_limited(impl: str) -> None:
    body = b"z" * 100_000
    raw = OK + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    limits = {"max_head": 100, "max_header_line": 50, "max_chunk_line": 10}
    events, _ = parse(impl, [raw], limits=limits)
    assert events[1:] == [Data(body), eom()]


# -- H11Limits itself ---------------------------------------------------------------------------


def test_defaults(impl: str) -> None:
    limits = http11(impl).H11Limits()
    assert (
        limits.max_status_line,
        limits.max_header_line,
        limits.max_head,
        limits.max_headers,
        limits.max_chunk_line,
        limits.max_trailers,
        limits.max_informational,
    ) == (8192, 16384, 65536, 128, 4096, 16384, 8)
    assert "max_head=65536" in repr(limits)
    assert http11(impl).ResponseParser().limits.max_head == 65536


def test_keyword_only(impl: str) -> None:
    with pytest.raises(TypeError):
        http11(impl).H11Limits(100)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_head": 0},
        {"max_status_line": -1},
        {"max_header_line": 1.5},
        {"max_chunk_line": "4096"},
        {"max_trailers": True},
        {"max_headers": -1},
        {"max_informational": -1},
    ],
)
def test_invalid_values(impl: str, kwargs: Dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        http11(impl).H11Limits(**kwargs)


def test_parser_checks_limits_it_is_given(impl: str) -> None:
    limits = http11(impl).H11Limits()
    limits.max_head = 0  # attributes are plain; the parser checks what it copies
    with pytest.raises(ValueError, match="max_head"):
        http11(impl).ResponseParser(limits)


def test_limits_of_the_other_twin_are_accepted(impl: str) -> None:
    other = http11("py" if impl == "c" else impl).H11Limits(max_header_line=30)
    parser = http11(impl).ResponseParser(other)
    parser.start_response(b"GET")
    with pytest.raises(RemoteProtocolError):
        parser.feed(OK + b"X: " + b"a" * 40 + b"\r\n")
