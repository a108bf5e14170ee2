"""Response: an HTTP response as httpx models it, and the ways to read its body.

The body is a stream (``response.stream``) that is consumed once. ``iter_raw`` gives the
bytes as they arrived; ``iter_bytes`` undoes the Content-Encoding (through
``_protocol.decoders``, whose every step has a bounded output); ``iter_text`` decodes the
charset; ``iter_lines`` splits lines on ``\\n``, ``\\r\\n`` and ``\\r``. ``read()`` keeps the
whole body in ``content``. Each has an ``a``-prefixed twin for an AsyncByteStream. Reading
to the end closes the stream, which gives the connection back to the pool.

Timing (for the client): call ``response._start_elapsed_timer(t0)`` with the
``time.perf_counter()`` value taken when the request was sent; ``response.elapsed`` is
then set when the response is closed (``close()``/``aclose()``, or by reading the body to
its end), exactly once, before the stream itself is closed. For a response that was
already closed when the timer started (a body built in memory), ``_stop_elapsed_timer()``
sets it at once. This costs one float per response, where a timing stream wrapper (httpx's
way) costs an object and a level of iteration; the ``timedelta`` is built when
``elapsed`` is first read, which most callers never do. ``response.elapsed`` may also be
assigned.
"""

from __future__ import annotations

import _thread
import codecs
import datetime
import json as jsonlib
import time
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterator,
    List,
    MutableMapping,
    Optional,
    Union,
)

from ._content import encode_response
from ._cookies import Cookies
from ._exceptions import (
    HTTPStatusError,
    RequestError,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
)
from ._headers import Headers, detect_encoding
from ._protocol.decoders import ContentDecoder, make_decoder
from ._protocol.jsonenc import guess_json_utf
from ._request import Request, UnattachedStream
from ._status_codes import codes
from ._streams import AsyncByteStream, ByteStream, SyncByteStream
from ._types import HeaderTypes, ResponseContent, ResponseExtensions
from ._urls import URL
from ._utils import (
    ByteChunker,
    LineDecoder,
    TextChunker,
    is_known_encoding,
    parse_content_type_charset,
    parse_header_links,
)

__all__ = ["Response"]

_REDIRECT_CODES = frozenset((301, 302, 303, 307, 308))
_ERROR_KINDS = {
    1: "Informational response",
    3: "Redirect response",
    4: "Client error",
    5: "Server error",
}
_DEFAULT_CHUNK = 65536
# Serialises the first split of a transport's head (see Response.headers).
_split_lock = _thread.allocate_lock()


class Response:
    """An HTTP response::

        >>> response = Response(200, json={"ok": True})
        >>> response.status_code, response.headers["content-type"], response.json()
        (200, 'application/json', {'ok': True})

    A transport builds one with ``Response(status, headers=raw_pairs, stream=stream,
    extensions={"http_version": b"HTTP/1.1", "reason_phrase": b"OK"})``; code that builds
    one by hand gives ``content``, ``text``, ``html`` or ``json`` instead, which also sets
    the Content-Length and Content-Type headers and reads the body at once.
    ``default_encoding`` decides the text encoding when Content-Type has no charset: a
    codec name, or a function that looks at the body bytes and returns one (or None).
    """

    __slots__ = (
        "_content",
        "_cookies",
        "_elapsed",
        "_elapsed_start",
        "_encoding",
        "_head",
        "_headers",
        "_num_bytes_downloaded",
        "_request",
        "_text",
        "default_encoding",
        "extensions",
        "history",
        "is_closed",
        "is_stream_consumed",
        "next_request",
        "status_code",
        "stream",
    )

    _text: Optional[str]
    _encoding: Optional[str]
    # Seconds (float) as the timer leaves it; the timedelta once built or assigned.
    _elapsed: Union[float, datetime.timedelta, None]
    _elapsed_start: Optional[float]
    _num_bytes_downloaded: int
    _cookies: Optional[Cookies]
    status_code: int
    # None until first read when a transport gave the unsplit head (``_head``) instead.
    _headers: Optional[Headers]
    _head: Any
    stream: Union[SyncByteStream, AsyncByteStream]
    extensions: Dict[str, Any]
    history: List[Response]
    next_request: Optional[Request]
    default_encoding: Union[str, Callable[[bytes], Optional[str]]]
    is_closed: bool
    is_stream_consumed: bool

    def __init__(
        self,
        status_code: int,
        *,
        headers: HeaderTypes | None = None,
        content: ResponseContent | None = None,
        text: str | None = None,
        html: str | None = None,
        json: Any = None,
        stream: SyncByteStream | AsyncByteStream | None = None,
        request: Request | None = None,
        extensions: ResponseExtensions | None = None,
        history: List[Response] | None = None,
        default_encoding: str | Callable[[bytes], Optional[str]] = "utf-8",
    ) -> None:
        self.status_code = status_code
        self._headers = Headers(headers)
        self._head = None
        self._request: Optional[Request] = request
        self.next_request = None
        self.extensions = {} if extensions is None else dict(extensions)
        self.history = [] if history is None else list(history)
        self.default_encoding = default_encoding
        self.is_closed = False
        self.is_stream_consumed = False
        self._content: Optional[bytes] = None
        # _num_bytes_downloaded and _cookies stay unset until needed (read with getattr
        # and a default): most responses never need them. The timer's fields are read on
        # every response and the text's on most, where a getattr that misses costs more
        # than the assignment (it makes and discards an AttributeError: measured, about
        # 1,500 instructions), so they are set.
        self._elapsed_start = self._elapsed = self._text = self._encoding = None
        if stream is not None:
            # A transport's response: no headers are added, nothing is read.
            self.stream = stream
            return
        body_headers, body = encode_response(content, text, html, json)
        if body_headers:
            # Headers the caller gave win; so does a Content-Length over chunked encoding.
            self.headers._add_defaults(body_headers)
        self.stream = body
        if isinstance(body, ByteStream):
            if "content-encoding" in self.headers:
                self.read()  # e.g. gzipped test data: content is the decoded body
                self._num_bytes_downloaded = 0  # nothing was downloaded (as in httpx)
            else:
                self._content = b"".join(body)
                self.is_stream_consumed = self.is_closed = True

    @classmethod
    def _from_transport(
        cls,
        status_code: int,
        head: Any,
        stream: Union[SyncByteStream, AsyncByteStream],
        extensions: Dict[str, Any],
        request: Request,
    ) -> Response:
        """What ``Response(status_code, headers=..., stream=..., extensions=...,
        request=...)`` builds, for a transport that made ``extensions`` for this response
        alone (adopted, not copied; no argument parsing). ``head`` is the protocol's
        ResponseHead: its fields become ``headers`` when they are first read (see the
        ``headers`` property)."""
        self = cls.__new__(cls)
        self.status_code = status_code
        self._headers = None
        self._head = head
        self._request = request
        self.next_request = None
        self.extensions = extensions
        self.history = []
        self.default_encoding = "utf-8"
        self.is_closed = False
        self.is_stream_consumed = False
        self._content = None
        self._elapsed_start = self._elapsed = self._text = self._encoding = None  # see __init__
        self.stream = stream
        return self

    @property
    def headers(self) -> Headers:
        """The response headers. A transport's are split from the head's field lines on
        first use: a client that only looks at the status and the body (a load
        generator, most API calls) never makes the (name, value) pairs. About a twelfth
        of a sync ``Client.get`` went on them (measured in instructions)."""
        # The head is read first: a thread that splits it sets _headers before it drops
        # _head, so whoever finds _headers still None here holds a head to split.
        head = self._head
        headers = self._headers
        if headers is None:
            # Under a lock, once per response: threads that find the head unsplit at the
            # same moment must all get one Headers, or a change made through one of them
            # would be lost when another's split replaced it.
            with _split_lock:
                headers = self._headers
                if headers is None:
                    # (keys None, from HTTP/2: Headers lowercases the names when asked.)
                    raw, keys = head.fields()
                    headers = self._headers = Headers._from_checked(raw, keys)
                    self._head = None
        return headers

    @headers.setter
    def headers(self, value: Headers) -> None:
        self._headers = value
        self._head = None

    def _has_field(self, key: bytes) -> bool:
        """Whether a header named ``key`` (lowercase) is there, without splitting a head
        that nobody has read yet."""
        head = self._head  # first: see the headers property
        headers = self._headers
        if headers is None:
            return head.has_field(key)  # type: ignore[no-any-return]
        return key in (headers._keys or headers._ensure())

    def _field_text(self, key: bytes) -> Optional[str]:
        """``headers.get(key)`` for a lowercase ``key`` (letters, digits, "-"), without
        splitting a head that nobody has read: what ``text`` needs of Content-Type."""
        head = self._head  # first: see the headers property
        headers = self._headers
        if headers is None:
            block = head._block
            if block is None:
                return self.headers._get(key)
            values = head.values_of(key)
            if not values:
                return None
            value: bytes = values[0] if len(values) == 1 else b", ".join(values)
            if value.isascii():
                return value.decode("ascii")
            # The encoding the headers would choose: decided on all the field lines (the
            # separators between names and values are ASCII, so the block decides as its
            # names and values would).
            return value.decode(detect_encoding((block,)))
        return headers._get(key)

    # Whether read()/aread() may iterate the stream directly; False in a subclass that
    # overrides one of the iterators they would otherwise go through.
    _direct_read = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._direct_read = all(
            getattr(cls, name) is getattr(Response, name)
            for name in ("iter_raw", "iter_bytes", "aiter_raw", "aiter_bytes")
        )

    def _start_elapsed_timer(self, started: float) -> None:
        """For the client: ``started`` is ``time.perf_counter()`` when the request was
        sent; ``elapsed`` is set when the response closes (see the module docstring)."""
        self._elapsed_start = started

    def _stop_elapsed_timer(self) -> None:
        started = self._elapsed_start
        if started is not None and self._elapsed is None:
            # A float: a timedelta built here would cost every response over a
            # microsecond (measured), for a value few callers ever read.
            self._elapsed = time.perf_counter() - started

    # -- the status line -----------------------------------------------------------------

    @property
    def reason_phrase(self) -> str:
        """The reason phrase the server sent, else the standard one for the status."""
        phrase = self.extensions.get("reason_phrase")
        if phrase is None:
            return codes.get_reason_phrase(self.status_code)
        return phrase.decode("ascii", errors="ignore") if isinstance(phrase, bytes) else phrase

    @property
    def http_version(self) -> str:
        """``"HTTP/1.1"``, ``"HTTP/2"``... (``"HTTP/1.1"`` when the transport did not say)."""
        version = self.extensions.get("http_version")
        if version is None:
            return "HTTP/1.1"
        return version.decode("ascii", errors="ignore") if isinstance(version, bytes) else version

    @property
    def request(self) -> Request:
        request = self._request
        if request is None:
            raise RuntimeError("The request instance has not been set on this response.")
        return request

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def url(self) -> URL:
        return self.request.url

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to closing the response."""
        elapsed: Union[float, datetime.timedelta, None] = getattr(self, "_elapsed", None)
        if elapsed is None:
            raise RuntimeError(
                "'.elapsed' may only be accessed after the response has been read or closed."
            )
        if not isinstance(elapsed, datetime.timedelta):
            # Kept once built, so that every read returns the same (equal) object.
            elapsed = self._elapsed = datetime.timedelta(seconds=elapsed)
        return elapsed

    @elapsed.setter
    def elapsed(self, value: datetime.timedelta) -> None:
        self._elapsed = value

    @property
    def is_informational(self) -> bool:
        return codes.is_informational(self.status_code)

    @property
    def is_success(self) -> bool:
        return codes.is_success(self.status_code)

    @property
    def is_redirect(self) -> bool:
        """Any 3xx; see has_redirect_location for one that can be followed."""
        return codes.is_redirect(self.status_code)

    @property
    def is_client_error(self) -> bool:
        return codes.is_client_error(self.status_code)

    @property
    def is_server_error(self) -> bool:
        return codes.is_server_error(self.status_code)

    @property
    def is_error(self) -> bool:
        return codes.is_error(self.status_code)

    @property
    def has_redirect_location(self) -> bool:
        """A 301, 302, 303, 307 or 308 with a Location header."""
        return self.status_code in _REDIRECT_CODES and "location" in self.headers

    def raise_for_status(self) -> Response:
        """Raise HTTPStatusError unless the status is 2xx; return the response."""
        request = self._request
        if request is None:
            raise RuntimeError(
                "Cannot call `raise_for_status` as the request instance has not been set"
                " on this response."
            )
        if self.is_success:
            return self
        kind = _ERROR_KINDS.get(self.status_code // 100, "Invalid status code")
        lines = [f"{kind} '{self.status_code} {self.reason_phrase}' for url '{request.url}'"]
        if self.has_redirect_location:
            lines.append(f"Redirect location: '{self.headers['location']}'")
        lines.append(
            "For more information check: "
            f"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{self.status_code}"
        )
        raise HTTPStatusError("\n".join(lines), request=request, response=self)

    # -- header-derived views ------------------------------------------------------------

    @property
    def charset_encoding(self) -> Optional[str]:
        """The charset of the Content-Type header, lowercased, or None."""
        content_type = self._field_text(b"content-type")
        return None if content_type is None else parse_content_type_charset(content_type)

    @property
    def encoding(self) -> Optional[str]:
        """The text encoding: the Content-Type charset when Python knows it, else
        ``default_encoding`` (called with the body when it is a function and the body
        has been read), else UTF-8. Settable until ``text`` has been read."""
        encoding = self._encoding
        if encoding is None:
            encoding = self.charset_encoding
            if encoding is None or not is_known_encoding(encoding):
                default = self.default_encoding
                if isinstance(default, str):
                    encoding = default
                elif self._content is not None:
                    encoding = default(self._content)
                else:
                    encoding = None
            encoding = self._encoding = encoding or "utf-8"
        return encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        if self._text is not None:
            raise ValueError("Setting encoding after `text` has been accessed is not allowed.")
        self._encoding = value

    @property
    def links(self) -> Dict[Optional[str], Dict[str, str]]:
        """The Link header as ``{rel (or url): {"url": ..., "rel": ..., ...}}``."""
        header = self.headers.get("link")
        if not header:
            return {}
        return {link.get("rel") or link.get("url"): link for link in parse_header_links(header)}

    @property
    def cookies(self) -> Cookies:
        """The cookies this response sets."""
        cookies = getattr(self, "_cookies", None)
        if cookies is None:
            cookies = self._cookies = Cookies()
            cookies.extract_cookies(self)
        return cookies

    @property
    def num_bytes_downloaded(self) -> int:
        """Bytes of (still encoded) body received so far."""
        return getattr(self, "_num_bytes_downloaded", 0)

    # -- the body, in memory -------------------------------------------------------------

    @property
    def content(self) -> bytes:
        if self._content is None:
            raise ResponseNotRead()
        return self._content

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            content = self.content
            text = content.decode(self.encoding or "utf-8", errors="replace") if content else ""
            self._text = text
        return text

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (UTF-8, -16 or -32, told apart as RFC 4627 says)."""
        content = self.content
        encoding = guess_json_utf(content)
        if encoding is not None:
            return jsonlib.loads(content.decode(encoding), **kwargs)
        return jsonlib.loads(content, **kwargs)

    def read(self) -> bytes:
        """Read (and decode) the whole body, close the stream, return ``content``."""
        if not self._read_now(want_sync=True):
            if self._has_field(b"content-encoding"):
                self._content = b"".join(self.iter_bytes())
            elif not self._direct_read:
                self._content = b"".join(self.iter_raw())
            else:
                # iter_raw() without a chunk size, minus its generator: an identity-coded
                # body is only joined (the common case; a measured microsecond each).
                self._check_readable(want_sync=True)
                self.is_stream_consumed = True
                self._num_bytes_downloaded = 0
                stream = self.stream
                assert isinstance(stream, SyncByteStream)
                parts: List[bytes] = []
                try:
                    for raw in stream:
                        self._num_bytes_downloaded += len(raw)
                        parts.append(raw)
                except RequestError as exc:
                    self._attach_request(exc)
                    raise
                self.close()
                self._content = b"".join(parts)
        content = self._content
        assert content is not None  # set by every branch (and by _read_now)
        return content

    async def aread(self) -> bytes:
        if not self._read_now(want_sync=False):
            if not self._direct_read or self._has_field(b"content-encoding"):
                self._content = b"".join([part async for part in self.aiter_bytes()])
            else:
                # aiter_raw() without a chunk size, minus the two async generators that
                # aiter_bytes() and aiter_raw() add around the stream (see read()).
                self._check_readable(want_sync=False)
                self.is_stream_consumed = True
                self._num_bytes_downloaded = 0
                stream = self.stream
                assert isinstance(stream, AsyncByteStream)
                parts: List[bytes] = []
                try:
                    async for raw in stream:
                        self._num_bytes_downloaded += len(raw)
                        parts.append(raw)
                except RequestError as exc:
                    self._attach_request(exc)
                    raise
                await self.aclose()
                self._content = b"".join(parts)
        content = self._content
        assert content is not None  # set by every branch (and by _read_now)
        return content

    def _read_now(self, want_sync: bool) -> bool:
        """The first step of read()/aread(), and what the clients call before awaiting
        aread(): True when ``content`` is there without I/O. That is, it was read already,
        or the body is identity-coded and the transport received it whole (the common
        case): then it is taken from the stream in one step, with no iteration, and the
        response closed, as reading to the end does. False when the stream must be read."""
        if self._content is not None:
            return True
        if not self._direct_read or self._has_field(b"content-encoding"):
            return False
        stream = self.stream
        if (
            self.is_stream_consumed
            or self.is_closed
            or not isinstance(stream, SyncByteStream if want_sync else AsyncByteStream)
        ):
            self._check_readable(want_sync)  # raises the error that applies
        parts = stream._take_whole()
        if parts is None:
            return False
        self.is_stream_consumed = True
        content = parts[0] if len(parts) == 1 else b"".join(parts)
        self._num_bytes_downloaded = len(content)
        self._content = content
        # What close()/aclose() would do; the stream holds nothing left to release.
        self.is_closed = True
        self._stop_elapsed_timer()
        return True

    # -- the body, streamed (sync) -------------------------------------------------------

    def _content_decoder(self, chunk_size: Optional[int]) -> Optional[ContentDecoder]:
        """The Content-Encoding decoder, or None for an identity-coded body."""
        codings = self.headers.get_list("content-encoding")
        if not codings:
            return None
        return make_decoder(codings, chunk_size=chunk_size or _DEFAULT_CHUNK)

    def _attach_request(self, exc: RequestError) -> None:
        # What _exceptions.request_context does, without a context manager's cost on
        # every body (a try costs nothing until something is raised).
        if exc._request is None:
            exc._request = self._request

    def _check_readable(self, want_sync: bool) -> None:
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed:
            raise StreamClosed()
        if want_sync and not isinstance(self.stream, SyncByteStream):
            raise RuntimeError("Attempted to call a sync iterator on an async stream.")
        if not want_sync and not isinstance(self.stream, AsyncByteStream):
            raise RuntimeError("Attempted to call an async iterator on a sync stream.")

    def iter_raw(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as received (not decoded), in pieces of ``chunk_size`` bytes (the
        last may be shorter) or, without one, as they arrive."""
        self._check_readable(want_sync=True)
        self.is_stream_consumed = True
        self._num_bytes_downloaded = 0
        stream = self.stream
        assert isinstance(stream, SyncByteStream)
        chunker = None if chunk_size is None else ByteChunker(chunk_size)
        try:
            for raw in stream:
                self._num_bytes_downloaded += len(raw)
                if chunker is None:
                    if raw:
                        yield raw
                else:
                    yield from chunker.decode(raw)
        except RequestError as exc:
            self._attach_request(exc)
            raise
        if chunker is not None:
            yield from chunker.flush()
        self.close()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The decoded body, in pieces of ``chunk_size`` bytes or as they come."""
        content = self._content
        if content is not None:
            size = len(content) if chunk_size is None else chunk_size
            for start in range(0, len(content), max(size, 1)):
                yield content[start : start + size]
            return
        decoder = self._content_decoder(chunk_size)
        if decoder is None:
            yield from self.iter_raw(chunk_size)
            return
        chunker = ByteChunker(chunk_size)
        try:
            for raw in self.iter_raw():
                for piece in decoder.decode(raw):
                    yield from chunker.decode(piece)
            for piece in decoder.flush():
                yield from chunker.decode(piece)
        except RequestError as exc:  # a DecodingError
            self._attach_request(exc)
            raise
        yield from chunker.flush()

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body as text (see ``encoding``), in pieces of ``chunk_size`` characters."""
        decoder = codecs.getincrementaldecoder(self.encoding or "utf-8")(errors="replace")
        chunker = TextChunker(chunk_size)
        for data in self.iter_bytes():
            yield from chunker.decode(decoder.decode(data))
        yield from chunker.decode(decoder.decode(b"", True))
        yield from chunker.flush()

    def iter_lines(self) -> Iterator[str]:
        """The body's lines, without their line endings (``\\n``, ``\\r\\n`` or ``\\r``)."""
        decoder = LineDecoder()
        for text in self.iter_text():
            yield from decoder.decode(text)
        yield from decoder.flush()

    def close(self) -> None:
        """Close the stream (giving the connection back); reading stops being possible."""
        if not isinstance(self.stream, SyncByteStream):
            raise RuntimeError("Attempted to call a sync close on an async stream.")
        if not self.is_closed:
            self.is_closed = True
            self._stop_elapsed_timer()
            try:
                self.stream.close()
            except RequestError as exc:
                self._attach_request(exc)
                raise

    # -- the body, streamed (async) ------------------------------------------------------

    async def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        self._check_readable(want_sync=False)
        self.is_stream_consumed = True
        self._num_bytes_downloaded = 0
        stream = self.stream
        assert isinstance(stream, AsyncByteStream)
        chunker = None if chunk_size is None else ByteChunker(chunk_size)
        try:
            async for raw in stream:
                self._num_bytes_downloaded += len(raw)
                if chunker is None:
                    if raw:
                        yield raw
                else:
                    for chunk in chunker.decode(raw):
                        yield chunk
        except RequestError as exc:
            self._attach_request(exc)
            raise
        if chunker is not None:
            for chunk in chunker.flush():
                yield chunk
        await self.aclose()

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        content = self._content
        if content is not None:
            size = len(content) if chunk_size is None else chunk_size
            for start in range(0, len(content), max(size, 1)):
                yield content[start : start + size]
            return
        decoder = self._content_decoder(chunk_size)
        if decoder is None:
            async for chunk in self.aiter_raw(chunk_size):
                yield chunk
            return
        chunker = ByteChunker(chunk_size)
        try:
            async for raw in self.aiter_raw():
                for piece in decoder.decode(raw):
                    for chunk in chunker.decode(piece):
                        yield chunk
            for piece in decoder.flush():
                for chunk in chunker.decode(piece):
                    yield chunk
        except RequestError as exc:  # a DecodingError
            self._attach_request(exc)
            raise
        for chunk in chunker.flush():
            yield chunk

    async def aiter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding or "utf-8")(errors="replace")
        chunker = TextChunker(chunk_size)
        async for data in self.aiter_bytes():
            for text in chunker.decode(decoder.decode(data)):
                yield text
        for text in chunker.decode(decoder.decode(b"", True)):
            yield text
        for text in chunker.flush():
            yield text

    async def aiter_lines(self) -> AsyncIterator[str]:
        decoder = LineDecoder()
        async for text in self.aiter_text():
            for line in decoder.decode(text):
                yield line
        for line in decoder.flush():
            yield line

    async def aclose(self) -> None:
        if not isinstance(self.stream, AsyncByteStream):
            raise RuntimeError("Attempted to call an async close on a sync stream.")
        if not self.is_closed:
            self.is_closed = True
            self._stop_elapsed_timer()
            try:
                await self.stream.aclose()
            except RequestError as exc:
                self._attach_request(exc)
                raise

    # -- display, pickling ---------------------------------------------

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} [{self.status_code} {self.reason_phrase}]>"

    def __getstate__(self) -> MutableMapping[str, Any]:
        # The stream (a connection) and the extensions (transport objects) stay behind.
        skip = ("stream", "extensions", "is_closed", "_head", "_headers")
        state = {
            name: getattr(self, name)
            for name in self.__slots__
            if name not in skip and hasattr(self, name)
        }
        state["headers"] = self.headers
        return state

    def __setstate__(self, state: MutableMapping[str, Any]) -> None:
        self._elapsed_start = self._elapsed = self._text = self._encoding = None
        for name, value in state.items():
            setattr(self, name, value)
        self.is_closed = True
        self.extensions = {}
        self.stream = UnattachedStream()
