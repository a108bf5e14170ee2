"""Request and response bodies from content=, data=, files=, json=, text=, html=:
the headers and bytes, cross-checked against httpx 0.28."""

from __future__ import annotations

import asyncio
import io
import json
import os
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

from fastclient._exceptions import StreamConsumed
from fastclient._models import Request, Response

pytestmark = pytest.mark.public

BOUNDARY_HEADER = {"Content-Type": "multipart/form-data; boundary=BB"}


def both(**kwargs: Any) -> tuple[Request, httpx.Request]:
    return Request("POST", "http://h/", **kwargs), httpx.Request("POST", "http://h/", **kwargs)


def bodies(**kwargs: Any) -> tuple[Any, Any]:
    mine, theirs = both(**kwargs)
    return (mine.headers.raw, mine.read()), (theirs.headers.raw, theirs.read())


REQUEST_BODIES: list[dict[str, Any]] = [
    {},
    {"content": b"abc"},
    {"content": "é"},
    {"content": b""},
    {"content": [b"a", b"b"]},
    {"data": {"a": "1", "b": ["x", "y"], "c": 1, "d": True, "e": None, "f": 1.5}},
    {"data": {"k": "ä /&=?#+"}},
    {"data": {}},
    {"json": {"a": "é", "b": [1, 2.5, None, True]}},
    {"json": []},
    {"json": "x"},
    {"json": None},
    {"content": b"x", "headers": {"Content-Type": "text/x"}},
    {"content": b"x", "headers": {"Content-Length": "5"}},
    {"content": [b"x"], "headers": {"Content-Length": "1"}},
    {"json": {"a": 1}, "headers": {"content-type": "application/vnd+json"}},
    {"headers": {"Transfer-Encoding": "chunked"}},
    {"data": {"a": "1"}, "files": {"f": ("a.txt", b"xx")}, "headers": BOUNDARY_HEADER},
    {"files": {"f": ("name.txt", "abc")}, "headers": BOUNDARY_HEADER},
    {"files": {"f": (None, b"abc")}, "headers": BOUNDARY_HEADER},
    {"files": {"f": ("a.png", b"abc", "image/x")}, "headers": BOUNDARY_HEADER},
    {"files": {"f": ("a.png", b"abc", None)}, "headers": BOUNDARY_HEADER},
    {
        "files": {"f": ("a", b"1", "t/t", {"X-A": "1", "Content-Type": "a/b"})},
        "headers": BOUNDARY_HEADER,
    },
    {"files": {"f": ("x.bin", io.BytesIO(b"xyz"))}, "headers": BOUNDARY_HEADER},
    {"files": {"f": io.BytesIO(b"xyz")}, "headers": BOUNDARY_HEADER},
    {"files": [("f", b"1"), ("f", b"2")], "headers": BOUNDARY_HEADER},
    {"files": {'a"b\\c': ('f"n\\m', b"1")}, "headers": BOUNDARY_HEADER},
    {"files": {"f": ("ä.txt", b"1")}, "headers": BOUNDARY_HEADER},
    {"data": {"a": b"bytes", "n": None}, "files": {"f": b"1"}, "headers": BOUNDARY_HEADER},
    {
        "files": {"f": b"1"},
        "headers": {"Content-Type": 'multipart/form-data; charset=utf-8; boundary="q q"'},
    },
]


@pytest.mark.parametrize("kwargs", REQUEST_BODIES)
def test_request_bodies_match_httpx(kwargs: dict[str, Any]) -> None:
    mine, theirs = bodies(**kwargs)
    assert mine == theirs


@pytest.mark.parametrize("kwargs", REQUEST_BODIES)
def test_get_requests_match_httpx(kwargs: dict[str, Any]) -> None:
    mine = Request("GET", "http://h/", **kwargs)
    theirs = httpx.Request("GET", "http://h/", **kwargs)
    assert (mine.headers.raw, mine.read()) == (theirs.headers.raw, theirs.read())


def test_bytearray_and_memoryview_content() -> None:
    # httpx iterates a bytearray as ints and fails; these are bytes-like, so send them.
    for content in (bytearray(b"xyz"), memoryview(b"xyz")):
        request = Request("POST", "http://h/", content=content)  # type: ignore[arg-type]
        assert (request.headers["content-length"], request.content) == ("3", b"xyz")


def test_json_is_compact_utf8_and_strict() -> None:
    request = Request("POST", "http://h/", json={"a": "é", "b": [1, 2]})
    assert request.content == '{"a":"é","b":[1,2]}'.encode()
    with pytest.raises(ValueError):
        Request("POST", "http://h/", json=float("nan"))


def test_data_as_raw_content_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="content="):
        request = Request("POST", "http://h/", data=b"raw")  # type: ignore[arg-type]
    assert request.content == b"raw"


@pytest.mark.parametrize("bad", [1, {"a": 1}, object()])
def test_bad_content_types(bad: Any) -> None:
    with pytest.raises(TypeError, match="Unexpected type for 'content'"):
        Request("POST", "http://h/", content=bad)


def test_generator_content_is_chunked_and_single_use() -> None:
    def gen() -> Iterator[bytes]:
        yield b"ab"
        yield b"cd"

    request = Request("POST", "http://h/", content=gen())
    assert request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in request.headers
    assert b"".join(request.stream) == b"abcd"  # type: ignore[arg-type]
    with pytest.raises(StreamConsumed):
        list(request.stream)  # type: ignore[call-overload]


def test_a_list_can_be_sent_again() -> None:
    request = Request("POST", "http://h/", content=[b"a", b"b"])
    assert list(request.stream) == list(request.stream) == [b"a", b"b"]  # type: ignore[call-overload]


def test_file_content_has_a_length_and_is_single_use(tmp_path: Path) -> None:
    path = tmp_path / "body.bin"
    path.write_bytes(b"x" * 100_000)
    with path.open("rb") as file:
        request = Request("PUT", "http://h/", content=file)
        assert request.headers["content-length"] == "100000"
        chunks = list(request.stream)  # type: ignore[call-overload]
        assert b"".join(chunks) == b"x" * 100_000 and len(chunks) == 2
        with pytest.raises(StreamConsumed):
            list(request.stream)  # type: ignore[call-overload]
    buffer = io.BytesIO(b"0123456789")
    buffer.seek(4)
    request = Request("PUT", "http://h/", content=buffer)  # from the current position
    assert request.headers["content-length"] == "6"
    assert request.read() == b"456789"


def test_pipe_content_is_chunked() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"piped")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        request = Request("POST", "http://h/", content=pipe)
        assert request.headers["transfer-encoding"] == "chunked"
        assert request.read() == b"piped"


def test_async_content() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    async def main() -> None:
        request = Request("POST", "http://h/", content=agen())
        assert request.headers["transfer-encoding"] == "chunked"
        assert await request.aread() == b"ab"
        assert request.content == b"ab"
        again = Request("POST", "http://h/", content=agen())
        assert [part async for part in again.stream] == [b"a", b"b"]  # type: ignore[union-attr]
        with pytest.raises(StreamConsumed):
            async for _ in again.stream:  # type: ignore[union-attr]
                pass

    asyncio.run(main())


@pytest.mark.parametrize(
    "files",
    [
        {"a\r\nb": b"1"},
        {"a\nb": b"1"},
        {"f": ("x\r\nContent-Type: evil", b"1")},
        {"f": ("x.txt", b"1", "text/plain\r\nX-Evil: 1")},
        {"f": ("x.txt", b"1", "text/plain", {"X-A": "1\r\nX-Evil: 1"})},
        {"f": ("x.txt", b"1", "text/plain", {"X-A\r\nX-Evil": "1"})},
        {"f": ("x.txt", b"1", "text/plain", {"X-A": "1\n"})},
    ],
)
def test_cr_or_lf_in_multipart_headers_is_refused(files: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        Request("POST", "http://h/", files=files)


def test_cr_or_lf_in_a_multipart_data_field_name_is_refused() -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        Request("POST", "http://h/", data={"a\rb": "1"}, files={"f": b"1"})


def test_cr_or_lf_in_field_values_is_fine() -> None:
    request = Request("POST", "http://h/", data={"a": "1\r\n2"}, files={"f": b"x\r\ny"})
    assert b"1\r\n2" in request.read()


def test_multipart_boundary_is_random() -> None:
    first = Request("POST", "http://h/", files={"f": b"1"})
    second = Request("POST", "http://h/", files={"f": b"1"})
    boundary = first.headers["content-type"].split("boundary=")[1]
    assert len(boundary) == 32 and int(boundary, 16) >= 0
    assert boundary != second.headers["content-type"].split("boundary=")[1]
    body = first.read()
    assert body.startswith(f"--{boundary}\r\n".encode())
    assert body.endswith(f"--{boundary}--\r\n".encode())
    assert first.headers["content-length"] == str(len(body))


def test_multipart_rewinds_files_and_is_repeatable() -> None:
    upload = io.BytesIO(b"data")
    upload.read()
    request = Request("POST", "http://h/", files={"f": upload})
    assert request.headers["content-length"] == str(len(b"".join(request.stream)))  # type: ignore[arg-type]
    assert b"".join(request.stream) == b"".join(request.stream)  # type: ignore[arg-type]


def test_multipart_with_unknown_length_is_chunked() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"piped")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        request = Request("POST", "http://h/", files={"f": pipe})
        assert request.headers["transfer-encoding"] == "chunked"
        assert b"piped" in request.read()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"f": io.StringIO("x")}, "io.BytesIO"),
        ({"f": ("a", io.StringIO("x"))}, "io.BytesIO"),
        ({"f": ("a", 123)}, "file content"),
        ({"f": ("a", b"1", "t/t", {}, "extra")}, "tuple"),
        ({1: b"1"}, "Invalid type for name"),
        ({"f": ("a", b"1", "t/t", {"X": b"1"})}, "must be str"),
    ],
)
def test_bad_files(files: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Request("POST", "http://h/", files=files)


def test_text_mode_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("x")
    with path.open("r") as file, pytest.raises(TypeError, match="binary mode"):
        Request("POST", "http://h/", files={"f": file})


def test_bad_data_values() -> None:
    with pytest.raises(TypeError, match="Invalid type for value"):
        Request("POST", "http://h/", data={"a": object()}, files={"f": b"1"})
    with pytest.raises(TypeError, match="Invalid type for name"):
        Request("POST", "http://h/", data={1: "x"}, files={"f": b"1"})  # type: ignore[dict-item]


def test_async_multipart() -> None:
    async def main() -> bytes:
        request = Request("POST", "http://h/", files={"f": b"1"}, headers=BOUNDARY_HEADER)
        return await request.aread()

    assert (
        asyncio.run(main())
        == Request("POST", "http://h/", files={"f": b"1"}, headers=BOUNDARY_HEADER).read()
    )


RESPONSE_BODIES: list[dict[str, Any]] = [
    {},
    {"content": b"abc"},
    {"content": b""},
    {"content": "é"},
    {"content": [b"a", b"bc"]},
    {"text": ""},
    {"text": "é"},
    {"html": "<p>é</p>"},
    {"json": {"a": "é"}},
    {"content": b"abc", "headers": {"Content-Length": "5"}},
    {"content": b"abc", "headers": {"Transfer-Encoding": "chunked"}},
    {"content": [b"a"], "headers": {"Content-Length": "1"}},
]


@pytest.mark.parametrize("kwargs", RESPONSE_BODIES)
def test_response_bodies_match_httpx(kwargs: dict[str, Any]) -> None:
    mine, theirs = Response(200, **kwargs), httpx.Response(200, **kwargs)
    assert mine.headers.raw == theirs.headers.raw
    assert mine.read() == theirs.read()
    assert (mine.is_closed, mine.is_stream_consumed) == (
        theirs.is_closed,
        theirs.is_stream_consumed,
    )


def test_response_json_body() -> None:
    response = Response(200, json={"a": [1, "é"]})
    assert response.json() == {"a": [1, "é"]}
    assert json.loads(response.content) == {"a": [1, "é"]}
