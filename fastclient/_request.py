"""Request: an HTTP request as httpx models it."""

from __future__ import annotations

import sys
from http.cookiejar import CookieJar
from typing import Any, AsyncIterator, Dict, Iterator, List, MutableMapping, Optional, Tuple, Union

from ._content import EMPTY_STREAM, encode_request
from ._cookies import Cookies
from ._exceptions import RequestNotRead, StreamClosed
from ._headers import Headers
from ._multipart import get_multipart_boundary_from_content_type
from ._streams import AsyncByteStream, ByteStream, SyncByteStream
from ._types import (
    CookieTypes,
    HeaderTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
)
from ._urls import URL

__all__ = [
    "Request",
    "UnattachedStream",
    "add_cookie_header",
    "bodiless_headers",
    "complete_headers",
]

# Methods whose requests announce an empty body explicitly (RFC 9110 section 8.6: a
# server may otherwise wait for a body, or answer 411 Length Required).
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))


# Before CPython 3.11 a CookieJar iterated sorted by domain, path and name, so a copy
# holds its cookies in another order than the original, and the Cookie header lists
# cookies of equal path length in that order: there, only the copy itself gives httpx's
# header.
_VIEW_MATCHES_COPY = sys.version_info >= (3, 11)


class _CopyView(CookieJar):
    """What ``Cookies(cookies)`` (httpx's copy before every request) sends, without the
    copy: a default-policy CookieJar reading the source jar's cookie dicts under the
    source's lock. It never writes them (see clear_expired_cookies)."""

    def __init__(self, source: CookieJar, store: Dict[str, Any]) -> None:
        super().__init__()
        self._cookies = store
        # A thread storing a cookie in the source meanwhile changes the dicts being read.
        lock: Any = getattr(source, "_cookies_lock", None)
        if lock is not None:
            self._cookies_lock = lock

    def clear_expired_cookies(self) -> None:
        # add_cookie_header ends with this: on a copy it drops expired cookies from the
        # copy alone, so the caller's jar keeps them (expired cookies are not sent).
        pass


def add_cookie_header(cookies: Cookies, request: Request) -> None:
    """Add the Cookie header that httpx's ``Request(cookies=cookies)`` adds.

    httpx copies the jar for every request: its policy becomes the default one and the
    caller's jar is left untouched. The copy costs several microseconds per cookie (a
    third of the whole header's cost with 20 cookies), so a view with those same
    properties is used instead wherever it gives the identical header.
    """
    jar = cookies.jar
    store = getattr(jar, "_cookies", None)
    if isinstance(store, dict):
        if not store:
            return  # an empty jar: nothing to copy or send (every cookie-less request)
        # A subclass that iterates its own way could copy other cookies than the dicts.
        if _VIEW_MATCHES_COPY and type(jar).__iter__ is CookieJar.__iter__:
            Cookies(_CopyView(jar, store)).set_cookie_header(request)
            return
    Cookies(cookies).set_cookie_header(request)


def complete_headers(
    method: str, url: URL, headers: Headers, body_headers: Optional[Dict[str, str]] = None
) -> None:
    """What a request adds to its own (checked, ``_keys`` built) ``headers``, in place:
    the body's headers the caller did not set (a Content-Length the caller set wins over
    chunked encoding), ``Content-Length: 0`` for a POST/PUT/PATCH without one, and Host,
    first."""
    if body_headers:
        headers._add_defaults(body_headers)
    keys = headers._keys
    assert keys is not None
    raw = headers._raw
    if method in _BODY_METHODS and not (b"content-length" in keys or b"transfer-encoding" in keys):
        raw.insert(0, (b"Content-Length", b"0"))
        keys.insert(0, b"content-length")
    parts = url._parts
    if parts.raw_host and b"host" not in keys:
        raw.insert(0, (b"Host", parts.netloc))
        keys.insert(0, b"host")
    headers._changed()


def bodiless_headers(method: str, url: URL, headers: Headers, owned: bool = False) -> Headers:
    """Checked headers (``_keys`` built) plus what Request adds to a request without a
    body, without the copy-then-insert of the general path. ``owned``: ``headers`` was
    made for this request alone (a client's merge), so it gains the headers in place
    rather than being copied."""
    if not owned:
        keys = headers._keys
        assert keys is not None
        headers = Headers._from_checked(headers._raw[:], keys[:])
    complete_headers(method, url, headers)
    return headers


class UnattachedStream(SyncByteStream, AsyncByteStream):
    """The stream of an unpickled request or response: its body did not travel."""

    def __iter__(self) -> Iterator[bytes]:
        raise StreamClosed()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in ():  # never runs: it only makes this an async generator
            yield b""
        raise StreamClosed()


class Request:
    """An HTTP request::

        >>> request = Request("POST", "https://example.org/items", json={"a": 1})
        >>> request.headers.raw[:2]
        [(b'Host', b'example.org'), (b'Content-Length', b'7')]

    The body comes from at most one of ``content`` (bytes, str, an iterable or async
    iterable of bytes, a binary file), ``data`` (a form; with ``files``, multipart) and
    ``json``; Content-Length or ``Transfer-Encoding: chunked`` and Content-Type follow
    from it unless given in ``headers``, and a Host header is put first. With ``stream``
    (a SyncByteStream/AsyncByteStream) the body and the headers are used as they are.
    A body held in memory is read at once (``content`` works); a streamed one must be
    ``read()``/``await aread()`` first.
    """

    __slots__ = ("_content", "extensions", "headers", "method", "stream", "url")

    method: str
    url: URL
    headers: Headers
    stream: Union[SyncByteStream, AsyncByteStream]
    extensions: Dict[str, Any]
    _content: Optional[bytes]

    @classmethod
    def _bodiless(
        cls, method: str, url: URL, headers: Headers, extensions: Dict[str, Any]
    ) -> Request:
        """A client's request without a body, its parts made for it alone: ``method``
        upper-case, ``headers`` the whole headers (as ``bodiless_headers`` makes them) and
        ``extensions`` a dict. What ``Request(method, url, headers=..., extensions=...)``
        builds, without its argument handling."""
        self = cls.__new__(cls)
        self.method = method
        self.url = url
        self.extensions = extensions
        self.stream = EMPTY_STREAM
        self._content = b""
        self.headers = headers
        return self

    def __init__(
        self,
        method: str,
        url: URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        stream: SyncByteStream | AsyncByteStream | None = None,
        extensions: RequestExtensions | None = None,
    ) -> None:
        self.method = method = (
            method.upper() if isinstance(method, str) else method.decode().upper()
        )
        self.url = url = url if type(url) is URL else URL(url)
        if params is not None:
            # Replaces the URL's query, as in httpx 0.28 (the client merges its own first).
            self.url = url = url.copy_with(params=params)
        self.extensions = {} if extensions is None else dict(extensions)
        bodiless = content is None and data is None and files is None and json is None
        if headers is None and not cookies and stream is None and bodiless:
            # The hot path (a load generator's GET): the headers are built directly.
            self.stream = EMPTY_STREAM
            self._content = b""
            parts = url._parts
            raw: List[Tuple[bytes, bytes]] = []
            keys: List[bytes] = []
            if parts.raw_host:
                raw.append((b"Host", parts.netloc))
                keys.append(b"host")
            if method in _BODY_METHODS:
                raw.append((b"Content-Length", b"0"))
                keys.append(b"content-length")
            self.headers = Headers._from_checked(raw, keys)
            return
        if (
            type(headers) is Headers
            and headers._keys is not None
            and not cookies
            and stream is None
            and not files
        ):
            # A client's request (its headers checked already): what the general path
            # below does, minus its checks and its copy of the headers.
            if bodiless:
                self.stream = EMPTY_STREAM
                self._content = b""
                self.headers = bodiless_headers(method, url, headers)
                return
            self.headers = headers = Headers._from_checked(headers._raw[:], headers._keys[:])
            body_headers, body = encode_request(content, data, None, json)
            complete_headers(method, url, headers, body_headers)
            self.stream = body
            self._content = b"".join(body) if isinstance(body, ByteStream) else None
            return

        self.headers = Headers(headers)
        self._content = None
        if cookies:
            if isinstance(cookies, Cookies):
                add_cookie_header(cookies, self)  # what httpx's copy sends, uncopied
            else:
                # A dict or list makes a new jar; a CookieJar is used as it is (as httpx).
                Cookies(cookies).set_cookie_header(self)
        if stream is not None:
            # Given a stream (a redirect reusing a body, a server-side request), the
            # caller owns the headers: nothing is added.
            self.stream = stream
            return
        if bodiless:
            self.stream = EMPTY_STREAM
            self._content = b""
            self._prepare(None)
            return
        boundary = None
        if files:
            # A multipart boundary the caller chose in Content-Type must be the one used.
            content_type = self.headers.get("content-type")
            if content_type:
                boundary = get_multipart_boundary_from_content_type(
                    content_type.encode(self.headers.encoding)
                )
        body_headers, body = encode_request(content, data, files, json, boundary)
        self._prepare(body_headers)
        self.stream = body
        if isinstance(body, ByteStream):
            self._content = b"".join(body)

    def _prepare(self, body_headers: Optional[Dict[str, str]]) -> None:
        """Add the body's headers the caller did not set, then Host (first) and, for a
        bodiless POST/PUT/PATCH, ``Content-Length: 0``."""
        self.headers._ensure()
        complete_headers(self.method, self.url, self.headers, body_headers)

    # -- the body ------------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        """The body; raises RequestNotRead for a stream that has not been read yet."""
        if self._content is None:
            raise RequestNotRead()
        return self._content

    def read(self) -> bytes:
        """Read a streamed body into memory (it can then be sent again)."""
        if self._content is None:
            if not isinstance(self.stream, SyncByteStream):
                raise RuntimeError("Attempted to read an async request body synchronously.")
            self._content = b"".join(self.stream)
            if not isinstance(self.stream, ByteStream):
                self.stream = ByteStream(self._content)
        return self._content

    async def aread(self) -> bytes:
        if self._content is None:
            if not isinstance(self.stream, AsyncByteStream):
                raise RuntimeError("Attempted to read a sync request body asynchronously.")
            self._content = b"".join([part async for part in self.stream])
            if not isinstance(self.stream, ByteStream):
                self.stream = ByteStream(self._content)
        return self._content

    # -- display and pickling ------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}({self.method!r}, {str(self.url)!r})>"

    def __getstate__(self) -> MutableMapping[str, Any]:
        # The stream (a generator, a socket) and extensions (callbacks) cannot travel.
        return {"method": self.method, "url": self.url, "headers": self.headers,
                "_content": self._content}  # fmt: skip

    def __setstate__(self, state: MutableMapping[str, Any]) -> None:
        self.method = state["method"]
        self.url = state["url"]
        self.headers = state["headers"]
        self._content = state["_content"]
        self.extensions = {}
        self.stream = UnattachedStream() if self._content is None else ByteStream(self._content)
