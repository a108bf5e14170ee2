"""Turning ``content=``, ``data=``, ``files=``, ``json=`` (and a response's ``text=`` and
``html=``) into a body stream plus the headers that describe it.

Each encoder returns ``(headers, stream)``; the model adds the headers it does not already
have. A body known up front (bytes, a form, JSON, a regular file) gets a Content-Length;
one that is only known by iterating it gets ``Transfer-Encoding: chunked``.
"""

from __future__ import annotations

import warnings
from collections import abc
from json import JSONEncoder
from typing import (
    Any,
    AsyncIterable,
    AsyncIterator,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    Union,
)

from ._exceptions import StreamConsumed
from ._multipart import MultipartStream
from ._streams import AsyncByteStream, ByteStream, SyncByteStream
from ._types import RequestContent, RequestData, RequestFiles, ResponseContent
from ._utils import form_urlencode, peek_filelike_length, primitive_value_to_str

__all__ = [
    "AsyncIteratorByteStream",
    "IteratorByteStream",
    "encode_request",
    "encode_response",
]

AnyStream = Union[SyncByteStream, AsyncByteStream]
ContentHeaders = Dict[str, str]

#: The body of every request and response without one (ByteStream holds no state).
EMPTY_STREAM = ByteStream(b"")


class IteratorByteStream(SyncByteStream):
    """A body from an iterable of bytes, or from a file-like object read in chunks.

    A re-iterable source (a list) can be sent again; a one-shot source (a generator, a
    file) raises StreamConsumed the second time instead of silently sending nothing.
    """

    CHUNK_SIZE = 65536

    __slots__ = ("_consumed", "_one_shot", "_stream")

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream
        self._one_shot = hasattr(stream, "__next__") or hasattr(stream, "read")
        self._consumed = False

    def __iter__(self) -> Iterator[bytes]:
        if self._consumed and self._one_shot:
            raise StreamConsumed()
        self._consumed = True
        read = getattr(self._stream, "read", None)
        if read is not None:
            chunk = read(self.CHUNK_SIZE)
            while chunk:
                yield chunk
                chunk = read(self.CHUNK_SIZE)
        else:
            yield from self._stream


class AsyncIteratorByteStream(AsyncByteStream):
    """A body from an async iterable of bytes (or an object with ``async aread(n)``)."""

    CHUNK_SIZE = 65536

    __slots__ = ("_consumed", "_one_shot", "_stream")

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream
        self._one_shot = hasattr(stream, "__anext__") or hasattr(stream, "aread")
        self._consumed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._consumed and self._one_shot:
            raise StreamConsumed()
        self._consumed = True
        aread = getattr(self._stream, "aread", None)
        if aread is not None:
            chunk = await aread(self.CHUNK_SIZE)
            while chunk:
                yield chunk
                chunk = await aread(self.CHUNK_SIZE)
        else:
            async for part in self._stream:
                yield part


def encode_content(content: Any) -> Tuple[ContentHeaders, AnyStream]:
    if isinstance(content, (bytes, str, bytearray, memoryview)):
        body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        return ({"Content-Length": str(len(body))} if body else {}), ByteStream(body)
    # A dict is iterable too (over its keys): refuse it rather than send its keys.
    if isinstance(content, abc.Iterable) and not isinstance(content, dict):
        length = peek_filelike_length(content) if hasattr(content, "read") else None
        if length is None:
            headers = {"Transfer-Encoding": "chunked"}
        else:
            headers = {"Content-Length": str(length)}
        return headers, IteratorByteStream(content)
    if isinstance(content, abc.AsyncIterable):
        return {"Transfer-Encoding": "chunked"}, AsyncIteratorByteStream(content)
    raise TypeError(f"Unexpected type for 'content', {type(content)!r}")


def encode_urlencoded_data(data: RequestData) -> Tuple[ContentHeaders, ByteStream]:
    pairs: List[Tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, (list, tuple)):
            pairs.extend((key, primitive_value_to_str(item)) for item in value)
        else:
            pairs.append((key, primitive_value_to_str(value)))
    body = form_urlencode(pairs).encode("utf-8")
    headers = {
        "Content-Length": str(len(body)),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return headers, ByteStream(body)


def encode_multipart_data(
    data: RequestData, files: RequestFiles, boundary: Optional[bytes]
) -> Tuple[ContentHeaders, MultipartStream]:
    stream = MultipartStream(data=data, files=files, boundary=boundary)
    return stream.get_headers(), stream


def encode_text(text: str) -> Tuple[ContentHeaders, ByteStream]:
    body = text.encode("utf-8")
    headers = {"Content-Length": str(len(body)), "Content-Type": "text/plain; charset=utf-8"}
    return headers, ByteStream(body)


def encode_html(html: str) -> Tuple[ContentHeaders, ByteStream]:
    body = html.encode("utf-8")
    headers = {"Content-Length": str(len(body)), "Content-Type": "text/html; charset=utf-8"}
    return headers, ByteStream(body)


# Compact and UTF-8, as httpx 0.28 sends it; NaN and Infinity are not JSON. One shared
# encoder: json.dumps() with options builds a new one per call. (encode() keeps no state.)
_JSON = JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_json(json: Any) -> Tuple[ContentHeaders, ByteStream]:
    body = _JSON.encode(json).encode("utf-8")
    headers = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
    return headers, ByteStream(body)


def encode_request(
    content: Optional[RequestContent] = None,
    data: Any = None,
    files: Optional[RequestFiles] = None,
    json: Optional[Any] = None,
    boundary: Optional[bytes] = None,
) -> Tuple[ContentHeaders, AnyStream]:
    """The body of a request: at most one of content, data (+ files) and json is used,
    in that order of precedence."""
    if data is not None and not isinstance(data, abc.Mapping):
        # Raw bytes or text passed as data= (the requests idiom): httpx deprecates it.
        warnings.warn(
            "Use 'content=<...>' to upload raw bytes/text content.",
            DeprecationWarning,
            stacklevel=3,
        )
        return encode_content(data)
    if content is not None:
        return encode_content(content)
    if files:
        return encode_multipart_data(data or {}, files, boundary)
    if data:
        return encode_urlencoded_data(data)
    if json is not None:
        return encode_json(json)
    return {}, EMPTY_STREAM


def encode_response(
    content: Optional[ResponseContent] = None,
    text: Optional[str] = None,
    html: Optional[str] = None,
    json: Optional[Any] = None,
) -> Tuple[ContentHeaders, AnyStream]:
    """The body of a response built in code (tests, mock transports)."""
    if content is not None:
        return encode_content(content)
    if text is not None:
        return encode_text(text)
    if html is not None:
        return encode_html(html)
    if json is not None:
        return encode_json(json)
    return {}, EMPTY_STREAM
