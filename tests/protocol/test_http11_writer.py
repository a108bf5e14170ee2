"""Request serialization: exact bytes, and no caller input can inject bytes onto the wire."""

from __future__ import annotations

from typing import Any, List, Tuple

import h11
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastclient._exceptions import LocalProtocolError
from tests.protocol import h11fields, h11write

Headers = List[Tuple[bytes, bytes]]


def test_request_head(impl: str) -> None:
    mod = h11write(impl)
    headers = [
        (b"Host", b"example.com"),
        (b"user-agent", b"fastclient/0.1"),
        (b"X-Dup", b"1"),
        (b"X-Dup", b"2"),
        (b"X-Empty", b""),
        (b"X-Inner", b"a \t b"),
        (b"X-Obs", b"caf\xc3\xa9"),
    ]
    assert mod.write_request_head(b"GET", b"/p?q=1#f", headers) == (
        b"GET /p?q=1#f HTTP/1.1\r\n"
        b"Host: example.com\r\n"
        b"user-agent: fastclient/0.1\r\n"
        b"X-Dup: 1\r\n"
        b"X-Dup: 2\r\n"
        b"X-Empty: \r\n"
        b"X-Inner: a \t b\r\n"
        b"X-Obs: caf\xc3\xa9\r\n"
        b"\r\n"
    )


@pytest.mark.parametrize(
    ("method", "target"),
    [
        (b"GET", b"http://example.com:8080/a?b"),  # absolute-form (to a proxy)
        (b"CONNECT", b"example.com:443"),  # authority-form
        (b"OPTIONS", b"*"),  # asterisk-form
        (b"M-SEARCH", b"/"),  # any token is a method
        (b"GET", b"/%E2%82%AC;p=1,2/~!$&'()*+=:@"),
    ],
)
def test_request_target_forms(impl: str, method: bytes, target: bytes) -> None:
    assert h11write(impl).write_request_head(method, target, []) == (
        method + b" " + target + b" HTTP/1.1\r\n\r\n"
    )


def test_surrounding_whitespace_in_values_is_dropped(impl: str) -> None:
    head = h11write(impl).write_request_head(b"GET", b"/", [(b"A", b" \t x y \t "), (b"B", b"  ")])
    assert head == b"GET / HTTP/1.1\r\nA: x y\r\nB: \r\n\r\n"


@pytest.mark.parametrize(
    "method",
    [b"", b"GE T", b"GET\r\n", b"GET\n", b"G\x00", b"G(ET)", b"G\xc3\xa9T", b"GET:", b"GET\t"],
)
def test_invalid_method(impl: str, method: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="method"):
        h11write(impl).write_request_head(method, b"/", [])


@pytest.mark.parametrize(
    "target",
    [
        b"",
        b"/a b",
        b"/a\r\nHost: evil",
        b"/a\n",
        b"/a\r",
        b"/a\x00",
        b"/a\t",
        b"/a\x7f",
        b"/a\x01",
        b"/caf\xc3\xa9",  # URIs are ASCII: the URL layer percent-encodes
        b"/ HTTP/1.1\r\nX: y\r\n\r\nGET /",
    ],
)
def test_invalid_target(impl: str, target: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="target"):
        h11write(impl).write_request_head(b"GET", target, [])


@pytest.mark.parametrize(
    "name",
    [b"", b"X Y", b"X:", b"X\r\nY", b"X\n", b"\x00", b"X\t", b"(X)", b"\xc3\xa9", b" X", b"X "],
)
def test_invalid_header_name(impl: str, name: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="header name"):
        h11write(impl).write_request_head(b"GET", b"/", [(b"Host", b"x"), (name, b"v")])


@pytest.mark.parametrize(
    "value",
    [
        b"a\r\nX-Injected: 1",
        b"a\nb",
        b"a\rb",
        b"a\x00b",
        b"a\x01b",
        b"a\x0bb",
        b"a\x1fb",
        b"a\x7fb",
        b"\r\n",
        b"v\r\n\r\nGET /smuggled HTTP/1.1",
    ],
)
def test_invalid_header_value(impl: str, value: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="header value"):
        h11write(impl).write_request_head(b"GET", b"/", [(b"X", value)])


@pytest.mark.parametrize(
    "args",
    [
        ("GET", b"/", []),
        (b"GET", "/", []),
        (b"GET", b"/", [("Host", b"x")]),
        (b"GET", b"/", [(b"Host", "x")]),
        (bytearray(b"GET"), b"/", []),
    ],
)
def test_only_bytes(impl: str, args: Tuple[Any, Any, Any]) -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        h11write(impl).write_request_head(*args)


def test_chunks(impl: str) -> None:
    mod = h11write(impl)
    assert mod.write_chunk(b"abc") == b"3\r\nabc\r\n"
    assert mod.write_chunk(b"x" * 4096) == b"1000\r\n" + b"x" * 4096 + b"\r\n"
    assert mod.write_chunk(b"") == b""  # an empty chunk would end the body
    assert mod.write_chunk(bytearray(b"ab")) == b"2\r\nab\r\n"
    assert mod.write_chunk(memoryview(b"abcd")[1:3]) == b"2\r\nbc\r\n"


def test_last_chunk(impl: str) -> None:
    mod = h11write(impl)
    assert mod.write_last_chunk() == b"0\r\n\r\n"
    assert mod.write_last_chunk([]) == b"0\r\n\r\n"
    assert mod.write_last_chunk([(b"X-Sum", b" 42 "), (b"Y", b"")]) == (
        b"0\r\nX-Sum: 42\r\nY: \r\n\r\n"
    )
    with pytest.raises(LocalProtocolError, match="header value"):
        mod.write_last_chunk([(b"X", b"1\r\n\r\nHTTP/1.1 200 OK")])
    with pytest.raises(LocalProtocolError, match="header name"):
        mod.write_last_chunk([(b"X Y", b"1")])


def test_h11_server_reads_what_we_write(impl: str) -> None:
    mod = h11write(impl)
    data = mod.write_request_head(
        b"POST", b"/upload", [(b"Host", b"example.com"), (b"Transfer-Encoding", b"chunked")]
    )
    data += (
        mod.write_chunk(b"hello ")
        + mod.write_chunk(b"world")
        + mod.write_last_chunk([(b"X-Checksum", b"abc")])
    )
    server = h11.Connection(h11.SERVER)
    server.receive_data(data)
    request = server.next_event()
    assert isinstance(request, h11.Request)
    assert (request.method, request.target) == (b"POST", b"/upload")
    body = b""
    while True:
        event = server.next_event()
        if isinstance(event, h11.EndOfMessage):
            break
        assert isinstance(event, h11.Data)
        body += event.data
    assert body == b"hello world"
    assert event.headers.raw_items() == [(b"X-Checksum", b"abc")]


# -- the two twins serialize identically, and reject identically -----------------------------

_bytes = st.binary(max_size=12) | st.sampled_from([b"GET", b"/", b"Host", b"x", b" v ", b"a\rb"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=_bytes,
    target=_bytes,
    # (names h11 treats specially would make the read-back check about h11's rules)
    headers=st.lists(
        st.tuples(_bytes, _bytes).filter(
            lambda f: f[0].lower() not in (b"host", b"content-length", b"transfer-encoding")
        ),
        max_size=4,
    ),
)
def test_twins_serialize_alike(method: bytes, target: bytes, headers: Headers) -> None:
    from tests.conftest import IMPLS

    headers = [(b"Host", b"example.com"), *headers]  # h11 insists on one
    outcomes: List[Any] = []
    for impl in IMPLS:
        try:
            outcomes.append(h11write(impl).write_request_head(method, target, headers))
        except LocalProtocolError as exc:
            outcomes.append(("error", str(exc)))
    assert all(outcome == outcomes[0] for outcome in outcomes)
    for impl in IMPLS:
        # The same head from its two halves (what a client's cached header template uses):
        # the same bytes, or an error too.
        mod = h11write(impl)
        try:
            split = mod.join_request_head(method, target, mod.write_fields(headers))
        except LocalProtocolError:
            assert not isinstance(outcomes[0], bytes)
        else:
            assert split == outcomes[0]
    if isinstance(outcomes[0], bytes):
        # Whatever was accepted reads back as exactly one request with these headers.
        server = h11.Connection(h11.SERVER)
        server.receive_data(outcomes[0])
        request = server.next_event()
        assert isinstance(request, h11.Request)
        assert request.method == method
        assert request.target == target
        assert request.headers.raw_items() == [(n, v.strip(b" \t")) for n, v in headers]


# -- the writer is a twin of its own, and the public modules use its active twin -------------


def test_writer_twins_run_the_code_meant_for_them(impl: str) -> None:
    # The writer's byte-class check is the field helpers' (_h11fields): each writer twin
    # runs the twin of its own kind (the compiled one cimports it, see test_foundation).
    expected = "c-loops" if impl == "c" else "bytes-methods"
    assert expected == h11fields(impl)._SCANNING
    if impl == "py":
        assert h11write("py")._all_in is h11fields("py")._all_in
    with pytest.raises(LocalProtocolError, match="invalid header name"):
        h11write(impl).write_request_head(b"GET", b"/", [(b"Bad Name", b"x")])


def test_public_modules_use_the_active_writer_twin() -> None:
    from fastclient import _impl
    from fastclient._net import h1
    from fastclient._protocol import http11
    from tests.protocol import H11WRITE

    active = _impl.load(H11WRITE)
    for module in (http11, h1):
        assert module.write_request_head is active.write_request_head
    assert h1.write_fields is active.write_fields
    assert h1.join_request_head is active.join_request_head
    for module in (http11, h1):
        assert module.write_chunk is active.write_chunk
        assert module.write_last_chunk is active.write_last_chunk
    assert http11.write_request_head(b"GET", b"/", [(b"Host", b"x")]) == (
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    )


def test_header_lines_are_reused_and_the_table_stays_bounded(impl: str) -> None:
    # Each (name, value) line is validated and assembled once, then reused; the table of
    # lines is emptied when full, and what is written never depends on it.
    mod = h11write(impl)
    fields = [(b"Accept", b"*/*"), (b"X-Trim", b"  padded \t")]
    first = mod.write_request_head(b"GET", b"/", fields)
    assert first == b"GET / HTTP/1.1\r\nAccept: */*\r\nX-Trim: padded\r\n\r\n"
    assert mod.write_request_head(b"GET", b"/", list(fields)) == first
    with pytest.raises(LocalProtocolError):
        mod.write_request_head(b"GET", b"/", [(b"Accept", b"*/*\r\nX-Evil: 1")])
    with pytest.raises(TypeError):
        mod.write_request_head(b"GET", b"/", [("Accept", b"*/*")])
    for i in range(1500):
        line = (b"X-N", b"%d" % i)
        assert mod.write_request_head(b"GET", b"/", [line]).endswith(b"X-N: %d\r\n\r\n" % i)
        assert len(mod._LINES) <= mod._LINES_LIMIT
    # Lists and other pairs are written (not remembered) the same way.
    assert mod.write_request_head(b"GET", b"/", [[b"Accept", b"*/*"]]) == (
        b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"
    )


def test_fields_written_once_join_any_request_line(impl: str) -> None:
    mod = h11write(impl)
    fields = [(b"Host", b"h"), (b"Accept", b" */* ")]
    block = mod.write_fields(fields)
    assert block == b"Host: h\r\nAccept: */*\r\n\r\n"
    assert mod.write_fields([]) == b"\r\n"
    for method, target in ((b"GET", b"/"), (b"DELETE", b"/a?b=c")):
        assert mod.join_request_head(method, target, block) == mod.write_request_head(
            method, target, fields
        )
    # The request line is still checked; the fields were when they were written.
    with pytest.raises(LocalProtocolError):
        mod.join_request_head(b"GET", b"/x\r\nX-Evil: 1", block)
    with pytest.raises(LocalProtocolError):
        mod.join_request_head(b"G T", b"/", block)
    with pytest.raises(LocalProtocolError):
        mod.write_fields([(b"X", b"a\nb")])
    with pytest.raises(TypeError):
        mod.join_request_head(b"GET", "/", block)
