"""HTTPTransport and AsyncHTTPTransport: httpx's constructor options over fastclient's pools.

A transport turns a Request into the few values a pool needs (origin, method, serialised
head, body, timeouts), asks the pool, and wraps the answer in a Response. An explicit
``proxy=`` gets a pool of its own. Proxies from the environment (HTTP_PROXY, NO_PROXY...)
are not read here but by the client, into its mounts, as in httpx: one place decides.

The default TLS context (certifi) is built by the first TLS connection, not by the
constructor (see ``_config.LazySSLContext``): loading the bundle took most of the time of
``Client()``.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Tuple, Union

from .._async.pool import AsyncConnectionPool
from .._config import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT_CONFIG,
    LazySSLContext,
    Limits,
    Proxy,
    ssl_context_source,
)
from .._exceptions import UnsupportedProtocol
from .._net.h1 import join_request_head, write_request_head
from .._net.network import AsyncNetworkStream, SyncNetworkStream
from .._net.proxy import ProxyRoute
from .._response import Response
from .._streams import ByteStream
from .._sync.pool import ConnectionPool
from .base import AsyncBaseTransport, BaseTransport

if TYPE_CHECKING:
    from .._models import Request
    from .._protocol.pool import PoolConnection

__all__ = ["AsyncHTTPTransport", "HTTPTransport"]

SOCKET_OPTION = Union[
    Tuple[int, int, int], Tuple[int, int, Union[bytes, bytearray]], Tuple[int, int, None, int]
]
CertTypes = Union[str, Tuple[str, str], Tuple[str, str, str]]
ProxyTypes = Union[str, Proxy, Any]

_DEFAULT_TIMEOUTS = (
    DEFAULT_TIMEOUT_CONFIG.connect,
    DEFAULT_TIMEOUT_CONFIG.read,
    DEFAULT_TIMEOUT_CONFIG.write,
    DEFAULT_TIMEOUT_CONFIG.pool,
    DEFAULT_TIMEOUT_CONFIG.head,
)
_METHODS: Dict[str, bytes] = {}
_HTTP_VERSION = "http_version"


def _timeouts(extensions: Dict[str, Any]) -> Tuple[Any, Any, Any, Any, Any]:
    t = extensions.get("timeout")
    if t is None:
        return _DEFAULT_TIMEOUTS
    return (
        t.get("connect"),
        t.get("read"),
        t.get("write"),
        t.get("pool"),
        t.get("head", DEFAULT_TIMEOUT_CONFIG.head),
    )


def _method(method: str) -> bytes:
    raw = _METHODS.get(method)
    if raw is None:
        raw = method.encode("ascii")
        if len(_METHODS) < 64:
            _METHODS[method] = raw
    return raw


class _Prepared:
    """What the pool needs from one request. It is also the request's HTTP/2 form (the
    pool's ``h2`` argument: ``scheme``, ``authority``, ``path``, ``headers``, ``content``);
    when HTTP/2 may be used (``lazy_head``), the HTTP/1.1 head is serialised only if the
    connection turns out to speak HTTP/1.1."""

    __slots__ = (
        "authority",
        "body",
        "chunked",
        "content",
        "fields",
        "head",
        "headers",
        "method",
        "origin",
        "path",
        "scheme",
    )

    def __init__(
        self, request: Request, route: Optional[ProxyRoute], lazy_head: bool = False
    ) -> None:
        parts = request.url._parts
        origin = parts.origin
        scheme = origin[0]
        if scheme != b"http" and scheme != b"https":
            if not scheme:
                raise UnsupportedProtocol(
                    "Request URL is missing an 'http://' or 'https://' protocol."
                )
            raise UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme.decode('ascii')}://'."
            )
        if not origin[1]:
            raise UnsupportedProtocol("Request URL is missing a host")
        method = _method(request.method)
        extensions = request.extensions
        target = extensions.get("target") or parts.raw_path
        # The request's own (normalised) list, not the copy ``headers.raw`` makes: it is
        # only read, while the request is being sent.
        request_headers = request.headers
        if request_headers._keys is None:
            request_headers._ensure()
        headers = request_headers._raw
        # The header lines, when whoever built the headers wrote them already (a client's
        # request from its template; see Headers._wire).
        self.fields = request_headers._wire
        if route is not None and route.forward and scheme == b"http":
            # Plain http through a forwarding proxy: absolute-form target, and the
            # proxy's credentials on this hop only.
            target = route.absolute_target(origin, target)
            headers = list(headers) + route.headers
            origin = route.origin
            self.fields = None
        stream = request.stream
        body: Optional[Any] = None
        content: Optional[bytes] = None
        chunked = False
        if type(stream) is ByteStream:
            content = stream._content
        else:
            body = stream
            for name, value in headers:
                if name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
        self.origin = origin
        self.method = method
        self.body = body
        self.chunked = chunked
        self.scheme = scheme
        self.authority = b""  # HTTP/2 takes :authority from the Host header
        self.path = target
        self.headers = headers
        self.content = content
        self.head: Optional[bytes] = None if lazy_head else self.http1_head()

    def http1_head(self) -> bytes:
        # An in-memory body goes out in one write with the head.
        fields = self.fields
        if fields is None:
            head = write_request_head(self.method, self.path, self.headers)
        else:
            head = join_request_head(self.method, self.path, fields)
        content = self.content
        return head if content is None else head + content


class _Options:
    """Constructor options shared by both transports."""

    def __init__(
        self,
        verify: Any,
        cert: Optional[CertTypes],
        trust_env: bool,
        http1: bool,
        http2: bool,
        limits: Limits,
        proxy: Optional[ProxyTypes],
        uds: Optional[str],
        local_address: Optional[str],
        retries: int,
        socket_options: Optional[Iterable[SOCKET_OPTION]],
    ) -> None:
        if not http1 and not http2:
            raise ValueError("at least one of http1 and http2 must be enabled")
        # An SSLContext, or the deferred default, shared by every pool of this transport
        # (proxy pools too) so that it is built once.
        self.ssl_source: Union[ssl.SSLContext, LazySSLContext] = ssl_context_source(
            verify, cert, trust_env
        )
        self.http1 = http1
        self.http2 = http2
        self.trust_env = trust_env
        self.pool_kwargs: Dict[str, Any] = {
            "max_connections": limits.max_connections,
            "max_keepalive_connections": limits.max_keepalive_connections,
            "keepalive_expiry": limits.keepalive_expiry,
            "max_connections_per_host": limits.max_connections_per_host,
            "uds": uds,
            "local_address": local_address,
            "retries": retries,
            "socket_options": list(socket_options or ()),
            "ssl_context": self.ssl_source,
            "http1": http1,
            "http2": http2,
        }
        # Every request goes through the proxy when one is given: choosing by URL is the
        # client's mounts' job.
        self.proxy_route: Optional[ProxyRoute] = None
        if proxy is not None:
            p = proxy if isinstance(proxy, Proxy) else Proxy(proxy)
            # The pools accept the deferred context wherever they accept an SSLContext.
            self.proxy_route = ProxyRoute(p, self.ssl_source)

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context, built now if it was deferred."""
        source = self.ssl_source
        return source if isinstance(source, ssl.SSLContext) else source.get()


class _PoolTransport:
    """What both transports share: the constructor, and the two halves of handling a
    request around the pool's ``request`` (plain functions, so that a client can await
    the pool's coroutine itself: see the clients' ``_send``)."""

    _pool_class: Any  # ConnectionPool or AsyncConnectionPool
    _network_stream: Any  # SyncNetworkStream or AsyncNetworkStream
    _pool: Any

    def __init__(
        self,
        verify: Union[ssl.SSLContext, str, bool] = True,
        cert: Optional[CertTypes] = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        proxy: Optional[ProxyTypes] = None,
        uds: Optional[str] = None,
        local_address: Optional[str] = None,
        retries: int = 0,
        socket_options: Optional[Iterable[SOCKET_OPTION]] = None,
        busy_poll: Optional[float] = None,
    ) -> None:
        """``busy_poll`` (HTTPTransport only): how many seconds the wait for a response
        head polls the socket before it sleeps, while the server answers that fast; 0
        turns it off, None keeps the default of 100 µs (see fastclient._sync.connection)."""
        pool_kwargs: Dict[str, Any] = {}
        if busy_poll is not None:
            if self._pool_class is not ConnectionPool:
                raise TypeError("busy_poll is an option of the sync HTTPTransport only")
            pool_kwargs["busy_poll"] = busy_poll
        self._options = options = _Options(
            verify,
            cert,
            trust_env,
            http1,
            http2,
            limits,
            proxy,
            uds,
            local_address,
            retries,
            socket_options,
        )
        # With a proxy, every connection goes through it: the one pool is the proxy's.
        pool_kwargs.update(options.pool_kwargs)
        self._pool = self._pool_class(**pool_kwargs, proxy=options.proxy_route)

    def _start(self, request: Request) -> Any:
        """The pool's ``request`` called for this request: for the sync pool its answer,
        for the async one the coroutine to await. A plain function, so that the _Prepared
        is dropped when it returns (an HTTP/2 pool keeps it as the request's HTTP/2 form):
        an HTTP/1.1 request waiting for its response then holds one object fewer for the
        garbage collector to go through."""
        options = self._options
        http2 = options.http2
        prep = _Prepared(request, options.proxy_route, http2)
        extensions = request.extensions
        return self._pool.request(
            prep.origin,
            prep.method,
            prep.head,
            prep.body,
            prep.chunked,
            _timeouts(extensions),
            extensions,
            prep if http2 else None,
        )

    def _response(self, request: Request, result: Tuple[Any, Any, PoolConnection]) -> Response:
        """The Response of the pool's answer ``result`` to ``request``."""
        head, stream, conn = result
        extensions: Dict[str, Any] = {
            _HTTP_VERSION: head.http_version,
            "reason_phrase": head.reason,
            "conn_id": conn.conn_id,
        }
        if conn.multiplexed:
            extensions["stream_id"] = stream.stream_id
        else:
            handle = conn.handle
            if handle is not None and handle.upgrade_rest is not None:
                extensions["network_stream"] = self._network_stream(self._pool, conn)
        # The head itself: the response splits its fields when they are first read.
        return Response._from_transport(head.status_code, head, stream, extensions, request)


def attach_request(exc: BaseException, request: Request) -> None:
    """Give an exception raised while sending ``request`` its request (httpx's
    ``exc.request``), unless it has one."""
    if getattr(exc, "_request", False) is None:
        exc._request = request  # type: ignore[attr-defined]


class HTTPTransport(_PoolTransport, BaseTransport):
    """The default sync transport: a thread-safe pool of HTTP/1.1 connections, and of
    HTTP/2 ones shared between threads when ``http2=True``."""

    _pool_class = ConnectionPool
    _network_stream = SyncNetworkStream
    _pool: ConnectionPool

    def handle_request(self, request: Request) -> Response:
        try:
            result = self._start(request)
        except Exception as exc:
            attach_request(exc, request)
            raise
        return self._response(request, result)

    def close(self) -> None:
        self._pool.close()

    @property
    def pool(self) -> ConnectionPool:
        return self._pool


class AsyncHTTPTransport(_PoolTransport, AsyncBaseTransport):
    """The default async transport (asyncio, and uvloop when the application runs it)."""

    _pool_class = AsyncConnectionPool
    _network_stream = AsyncNetworkStream
    _pool: AsyncConnectionPool

    async def handle_async_request(self, request: Request) -> Response:
        try:
            result = await self._start(request)
        except Exception as exc:
            attach_request(exc, request)
            raise
        return self._response(request, result)

    async def aclose(self) -> None:
        await self._pool.aclose()

    @property
    def pool(self) -> AsyncConnectionPool:
        return self._pool
