"""The asyncio connection pool: a thin shell around the sans-IO PoolState.

PoolState decides (reuse, open, wait, close, hand over); this shell carries the decisions
out: it opens connections, wakes waiters through futures, and closes handles. asyncio runs
callbacks on one thread, so no lock is needed; every path that gives up (timeout, error,
cancellation at any await) hands its waiter or connection back before re-raising.

HTTP/2: with ``http2=True`` TLS connections offer ALPN h2 (and http/1.1 unless
``http1=False``); with ``http1=False`` plain http speaks h2c with prior knowledge. An
HTTP/2 connection (``AsyncHTTP2Connection``) is one multiplexed PoolConnection: the state
hands it to every request while it has a free stream, each request gives its stream back
when its response is closed, the connection's ``on_capacity`` reports the peer's stream
limit and GOAWAY (retire: no new requests there), and ``on_lost`` drops it. Requests the
server did not process (REFUSED_STREAM, above a GOAWAY's last stream id) are sent again
on another connection, when their body is in memory.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from functools import partial
from typing import Any, AsyncIterable, Dict, List, Optional, Tuple, Union

from .._config import LazySSLContext
from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    PoolTimeout,
    ProxyError,
    UnsupportedProtocol,
)
from .._net.errors import CONNECT, READ, WRITE, map_error
from .._net.h1 import write_chunk, write_last_chunk
from .._net.poolbase import H2_ATTEMPTS, PoolShell, Timeouts, h2_request
from .._net.trace import atrace
from .._protocol.pool import ACTIVE, CLOSED, PoolConnection, Waiter
from .connection import ONE_WRITE, AsyncHTTP11Connection
from .http2 import AsyncHTTP2Connection, is_retryable
from .stream import AsyncResponseStream

__all__ = ["AsyncConnectionPool", "Timeouts"]

logger = logging.getLogger("fastclient")

_INF = float("inf")


def _expire_waiter(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_exception(PoolTimeout("timed out waiting for a connection from the pool"))


class AsyncConnectionPool(PoolShell):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # ------------------------------------------------------------ the request

    async def request(
        self,
        origin: Tuple[bytes, bytes, int],
        method: bytes,
        head: Optional[bytes],
        body: Optional[AsyncIterable[bytes]],
        chunked: bool,
        timeouts: Timeouts,
        extensions: Dict[str, Any],
        h2: Any = None,
    ) -> Tuple[Any, Any, PoolConnection]:
        """Send one request (``head`` is the serialised request head, with a small body
        already appended when ``body`` is None) and return (ResponseHead, body stream, the
        PoolConnection). Raises fastclient exceptions only.

        ``h2``: the request for HTTP/2 (attributes ``scheme``, ``authority``, ``path``,
        ``headers``, ``content``: the in-memory body or None, and ``http1_head()``, which
        serialises the head when ``head`` is None), needed when the pool may speak HTTP/2.
        """
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        trace = extensions.get("trace")
        pinned = extensions.get("conn_id")
        multiplex = h2 is not None and (self._h2_tls if origin[0] == b"https" else self._h2c)
        attempt = 1
        while True:
            conn = None
            first = None
            if pinned is None:
                # The common case without a coroutine: an idle keep-alive connection.
                first = self._ask(loop, origin, multiplex)
                if type(first) is not Waiter and first.state == ACTIVE:
                    # What _acquire() returns at once for an open connection, HTTP/1.1
                    # or HTTP/2 (a stream of it is ours), minus its coroutine.
                    handle = first.handle
                    kind = type(handle)
                    if kind is AsyncHTTP11Connection:
                        if not handle.closed:
                            conn = first
                    elif (
                        kind is AsyncHTTP2Connection
                        and not handle.closed
                        and not handle.core.goaway_received
                    ):
                        conn = first
            if conn is None:
                conn = await self._acquire(
                    loop, origin, timeouts, pinned, extensions, trace, multiplex, first
                )
            if type(conn.handle) is not AsyncHTTP2Connection:
                break
            if h2 is None:
                self._release_h2(conn)
                raise RuntimeError("an HTTP/2 connection needs the request's h2 parts")
            # One request on the HTTP/2 connection (a stream of it is ours), inlined here
            # rather than in a coroutine of its own: one fewer per request.
            proto2: AsyncHTTP2Connection = conn.handle
            try:
                head2, stream2 = await h2_request(proto2, method, h2, body, timeouts, trace)
            except BaseException as exc:
                self._release_h2(conn)
                if (
                    body is None
                    and attempt < H2_ATTEMPTS
                    and isinstance(exc, Exception)
                    and is_retryable(exc)
                ):
                    # Failed in a way that is safe to send again on another connection.
                    attempt += 1
                    pinned = None
                    continue
                mapped = map_error(exc, READ)
                if mapped is exc:
                    raise
                raise mapped from exc
            if stream2.holds_stream:
                stream2.on_close = partial(self._release_h2, conn)
            else:
                self._release_h2(conn)  # the response is here whole; its stream is free
            return head2, stream2, conn
        if head is None:
            head = h2.http1_head()
        proto: AsyncHTTP11Connection = conn.handle
        phase = WRITE
        try:
            if trace is not None:
                await atrace(trace, "http11.send_request_headers.started", {"request": None})
            if len(head) <= ONE_WRITE:
                proto.start(method, head)
            else:
                await self._send_large(proto, method, head, timeouts[2])
            if trace is not None:
                await atrace(trace, "http11.send_request_headers.complete", {})
            if body is not None:
                if trace is not None:
                    await atrace(trace, "http11.send_request_body.started", {})
                await self._send_body(proto, body, chunked, timeouts[2])
                if trace is not None:
                    await atrace(trace, "http11.send_request_body.complete", {})
            phase = READ
            if trace is not None:
                await atrace(trace, "http11.receive_response_headers.started", {})
            head_timeout = timeouts[4]
            # proto.receive_head(), inlined (see head_waiter).
            waiter = proto.head_waiter(
                timeouts[1], _INF if head_timeout is None else loop.time() + head_timeout
            )
            if waiter is not None:
                try:
                    await waiter
                finally:
                    proto._waiter = None
            response_head = proto.head_result()
            if trace is not None:
                await atrace(
                    trace,
                    "http11.receive_response_headers.complete",
                    {"return_value": response_head},
                )
        except BaseException as exc:
            proto._abort()
            self.release(conn, False)
            mapped = map_error(exc, phase)
            if trace is not None and isinstance(exc, Exception):
                await _trace_failed(trace, phase, mapped)
            if mapped is exc:
                raise
            raise mapped from exc
        if proto.upgrade_rest is not None:
            # 101 or a 2xx answer to CONNECT: the connection leaves HTTP/1.1 and the pool;
            # the caller reaches it through the network_stream extension.
            return response_head, AsyncResponseStream([]), conn
        if proto.complete:
            # The common case: the whole response is already here. Give the connection
            # back now; the stream only holds bytes.
            stream = AsyncResponseStream(proto.take_body())
            self.release(conn, True)
            if trace is not None:
                await atrace(trace, "http11.response_closed.complete", {})
            return response_head, stream, conn
        return response_head, AsyncResponseStream(None, self, conn, timeouts[1], trace), conn

    def _release_h2(self, conn: PoolConnection) -> None:
        """A request gives its stream of ``conn`` back; a closed or draining (GOAWAY)
        connection takes no new ones and closes when its last request ends."""
        proto: AsyncHTTP2Connection = conn.handle
        state = self._state
        loop = self._loop
        reusable = not proto.closed and not proto.core.goaway_received
        state.release(conn, reusable, loop.time() if loop is not None else 0.0)
        if state.to_close or state.to_wake:
            self._drain()

    def _h2_capacity(self, proto: AsyncHTTP2Connection) -> None:
        """on_capacity: the connection's stream limit may have changed, or a GOAWAY came."""
        conn = proto.pool_conn
        if conn is None or conn.state == CLOSED:
            return
        state = self._state
        if proto.closed or proto.core.goaway_received:
            if conn.retired:
                return
            state.retire(conn)
        else:
            limit = proto.max_streams
            if (limit if limit > 1 else 1) == conn.max_streams:
                return  # the common case: a stream ended
            state.set_max_streams(conn, limit)
        if state.to_close or state.to_wake:
            self._drain()

    def _h2_lost(self, proto: AsyncHTTP2Connection) -> None:
        conn = proto.pool_conn
        if conn is not None:
            self._state.discard(conn)
            if self._state.to_close or self._state.to_wake:
                self._drain()

    async def _send_large(
        self,
        proto: AsyncHTTP11Connection,
        method: bytes,
        data: bytes,
        write_timeout: Optional[float],
    ) -> None:
        """A head with a large in-memory body joined to it: the first piece starts the
        request, write() takes the rest in waited-for pieces (see there)."""
        view = memoryview(data)
        proto.start(method, view[:ONE_WRITE])
        await proto.write(view[ONE_WRITE:], write_timeout)

    async def _send_body(
        self,
        proto: AsyncHTTP11Connection,
        body: AsyncIterable[bytes],
        chunked: bool,
        write_timeout: Optional[float],
    ) -> None:
        async for chunk in body:
            if not chunk:
                continue
            if proto.head is not None:
                # The server answered before the body was sent (e.g. 413). Checked before
                # a write, not after: an answer to the whole body leaves the connection
                # reusable.
                proto.cut = True
                break
            await proto.write(write_chunk(chunk) if chunked else chunk, write_timeout)
        if chunked:
            await proto.write(write_last_chunk(), write_timeout)

    def release(self, conn: PoolConnection, body_done: bool) -> None:
        """Give ``conn`` back: reusable when its response was read to the end and the
        server keeps it alive; otherwise it is closed."""
        proto = conn.handle
        reusable = False
        if proto is not None:
            reusable = proto.finish() and body_done
            if not reusable:
                proto._abort()
        state = self._state
        loop = self._loop
        state.release(conn, reusable, loop.time() if loop is not None else 0.0)
        if state.to_close or state.to_wake:
            self._drain()

    # ------------------------------------------------------------ acquiring

    async def _acquire(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Tuple[bytes, bytes, int],
        timeouts: Timeouts,
        pinned: Any,
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
        first: Any = None,
    ) -> PoolConnection:
        """A connection for the request: idle, new, or waited for. ``first`` is what
        ``state.acquire`` already answered for this request, if it was asked."""
        state = self._state
        if pinned is not None:
            conn = self._by_id.get(pinned)
            if (
                conn is not None
                and conn.origin == origin
                and not conn.handle.closed
                and state.pin(conn, loop.time())
            ):
                return conn
            logger.warning(
                "connection %r of the request's conn_id extension is no longer available;"
                " sending on another connection",
                pinned,
            )
        deadline = _INF
        while True:
            if first is not None:
                result, first = first, None
            else:
                result = self._ask(loop, origin, multiplex)
            if type(result) is Waiter:
                if deadline == _INF and timeouts[3] is not None:
                    deadline = loop.time() + timeouts[3]  # counted from the first wait
                conn = await self._wait(loop, result, deadline)
            else:
                conn = result
            if conn.state == ACTIVE:
                handle = conn.handle
                if type(handle) is AsyncHTTP2Connection:
                    if handle.closed or handle.core.goaway_received:
                        self._release_h2(conn)  # retires it
                        continue
                elif handle.closed:
                    # Closed after it was handed over: drop it and try again.
                    self.release(conn, False)
                    continue
                return conn
            await self._open(loop, conn, origin, timeouts, extensions, trace, multiplex)
            return conn

    def _ask(
        self, loop: asyncio.AbstractEventLoop, origin: Tuple[bytes, bytes, int], multiplex: bool
    ) -> Any:
        """One answer of the pool state for ``origin``: an idle or a new connection (to
        open), or a Waiter already queued; the decisions it made are carried out."""
        state = self._state
        if state.closed:
            raise ConnectError("the connection pool is closed")
        result = state.acquire(origin, loop.time(), multiplex)
        if state.to_close or state.to_wake:
            self._drain()
        return result

    async def _wait(
        self, loop: asyncio.AbstractEventLoop, waiter: Any, deadline: float
    ) -> PoolConnection:
        fut: asyncio.Future[None] = loop.create_future()
        waiter.token = fut
        timer = loop.call_at(deadline, _expire_waiter, fut) if deadline != _INF else None
        try:
            await fut
        except BaseException:
            # Timed out or cancelled: leave the queue, or hand back what we were given.
            self._state.cancel(waiter, loop.time())
            self._drain()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        conn = self._state.claim(waiter)
        if conn is None:
            raise ConnectError("the connection pool was closed")
        return conn

    async def _open(
        self,
        loop: asyncio.AbstractEventLoop,
        conn: PoolConnection,
        origin: Tuple[bytes, bytes, int],
        timeouts: Timeouts,
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> None:
        """Open the CONNECTING slot ``conn``; on any failure the slot is freed, and the
        requests that waited for this connection in case it spoke HTTP/2 fail with it."""
        state = self._state
        try:
            proto = await self._connect_with_retries(
                loop, origin, timeouts[0], extensions, trace, multiplex
            )
        except Exception as exc:
            state.connect_failed(conn)
            self._drain(exc)
            raise
        except BaseException:
            # Cancelled: the next waiter opens a connection of its own.
            state.release(conn, False, loop.time())
            self._drain()
            raise
        conn.handle = proto
        proto.pool_conn = conn
        if proto.closed:
            # Lost during the handshake's last step: count it as a failed connect.
            error = ConnectError("the connection closed as soon as it opened")
            state.connect_failed(conn)
            self._drain(error)
            raise error
        if type(proto) is AsyncHTTP2Connection:
            state.connected_multiplexed(conn, proto.max_streams)
        else:
            state.connected(conn)
        self._by_id[conn.conn_id] = conn
        if state.to_close or state.to_wake:
            self._drain()

    async def _connect_with_retries(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Tuple[bytes, bytes, int],
        timeout: Optional[float],
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> Any:
        delay = 0.0
        for attempt in range(self._retries + 1):
            try:
                return await self._connect(loop, origin, timeout, extensions, trace, multiplex)
            except (ConnectError, ConnectTimeout):
                if attempt >= self._retries:
                    raise
            await asyncio.sleep(delay)
            delay = 0.5 if delay == 0.0 else min(delay * 2, 8.0)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connect(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Tuple[bytes, bytes, int],
        timeout: Optional[float],
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> Any:
        """A connected protocol: AsyncHTTP11Connection, or AsyncHTTP2Connection when
        ALPN chose h2 (or h2c with prior knowledge on plain http)."""
        scheme, host, port = origin
        if scheme not in (b"http", b"https"):
            raise UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme!r}'")
        factory: Any
        if multiplex and origin[0] == b"http":

            def factory() -> AsyncHTTP2Connection:
                return AsyncHTTP2Connection(loop, self._h2_lost, self._h2_capacity)

        else:
            lost = self._lost

            def factory() -> AsyncHTTP11Connection:
                return AsyncHTTP11Connection(loop, lost)

        route = self._proxy
        tunnel = route is not None and scheme == b"https" and origin != route.origin
        if tunnel:
            # Connect to the proxy; the CONNECT exchange below makes the tunnel.
            scheme, host, port = route.origin
        host_str = host.decode("ascii")
        proto: Any = None
        step = "connection.connect_tcp"
        try:
            if trace is not None:
                await atrace(trace, step + ".started", {"host": host_str, "port": port})
            if self._uds is not None:
                coro: Any = loop.create_unix_connection(factory, self._uds)
            elif self._socket_options:
                coro = self._connect_socket(loop, factory, host_str, port)
            else:
                local = (self._local_address, 0) if self._local_address else None
                coro = loop.create_connection(factory, host_str, port, local_addr=local)
            _, proto = await asyncio.wait_for(coro, timeout)
            if trace is not None:
                await atrace(trace, step + ".complete", {"return_value": proto})
            if scheme == b"https" and tunnel:
                # TLS to the proxy itself, then the tunnel through it.
                await self._start_tls(loop, proto, host_str, timeout, route.ssl_context)
            if tunnel:
                await self._tunnel(loop, proto, origin, timeout)
                host_str = origin[1].decode("ascii")
            if tunnel or scheme == b"https":
                step = "connection.start_tls"
                sni = extensions.get("sni_hostname") or host_str
                if trace is not None:
                    await atrace(trace, step + ".started", {"server_hostname": sni})
                proto = await self._start_tls(loop, proto, sni, timeout, None, multiplex)
                if trace is not None:
                    await atrace(trace, step + ".complete", {"return_value": proto})
            if trace is not None and type(proto) is AsyncHTTP2Connection:
                # The preface went out with connection_made; reported once it has.
                step = "http2.send_connection_init"
                await atrace(trace, step + ".started", {})
                await atrace(trace, step + ".complete", {})
        except BaseException as exc:
            if type(proto) is AsyncHTTP2Connection:
                proto.close()
            elif proto is not None:
                proto._abort()
            mapped = map_error(exc, CONNECT)
            if trace is not None and isinstance(exc, Exception):
                await atrace(trace, step + ".failed", {"exception": mapped})
            if mapped is exc:
                raise
            raise mapped from exc
        return proto

    async def _tunnel(
        self,
        loop: asyncio.AbstractEventLoop,
        proto: AsyncHTTP11Connection,
        origin: Tuple[bytes, bytes, int],
        timeout: Optional[float],
    ) -> None:
        route = self._proxy
        proto.start(b"CONNECT", route.connect_head(origin))
        head = await proto.receive_head(timeout, _INF)
        if not 200 <= head.status_code < 300:
            raise ProxyError(f"the proxy refused the tunnel: {head.status_code}")
        proto.reset_after_tunnel()

    async def _start_tls_on(
        self,
        proto: AsyncHTTP11Connection,
        ssl_context: ssl.SSLContext,
        server_hostname: Optional[str],
        timeout: Optional[float],
    ) -> None:
        """start_tls of the network_stream extension."""
        loop = asyncio.get_running_loop()
        assert proto.transport is not None
        coro = loop.start_tls(proto.transport, proto, ssl_context, server_hostname=server_hostname)
        proto.transport = await asyncio.wait_for(coro, timeout)

    async def _start_tls(
        self,
        loop: asyncio.AbstractEventLoop,
        proto: AsyncHTTP11Connection,
        server_hostname: str,
        timeout: Optional[float],
        ssl_context: Union[ssl.SSLContext, LazySSLContext, None] = None,
        offer_h2: bool = False,
    ) -> Any:
        """TLS over ``proto``'s transport; returns the protocol that speaks on it from now
        on: ``proto``, or an AsyncHTTP2Connection when ALPN chose h2."""
        source = self._ssl_context if ssl_context is None else ssl_context
        # A deferred context is built here, on the loop, by the first TLS connection:
        # the same one-off cost the transport's constructor used to pay, and no await
        # happens during it, so concurrent first connections still build it once.
        ctx = source if isinstance(source, ssl.SSLContext) else source.get()
        offer_h2 = offer_h2 and self._h2_tls
        # Set on every handshake (as httpcore does): the context may be the application's,
        # shared with clients that offer other protocols.
        ctx.set_alpn_protocols(self._alpn if offer_h2 else ["http/1.1"])
        assert proto.transport is not None
        # When h2 may be chosen, a stand-in protocol receives whatever arrives between the
        # handshake and the hand-over (the server's SETTINGS can), for the real one.
        receiver: asyncio.BaseProtocol = _Handover() if offer_h2 else proto
        coro = loop.start_tls(proto.transport, receiver, ctx, server_hostname=server_hostname)
        new_transport = await asyncio.wait_for(coro, timeout)
        if new_transport is None:
            raise ConnectError("the TLS handshake did not complete")
        ssl_object = new_transport.get_extra_info("ssl_object")
        alpn = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        if offer_h2:
            assert isinstance(receiver, _Handover)
            if alpn == "h2" or not self._http1:
                # (HTTP/2 only: a server that names no protocol gets HTTP/2 too.)
                h2 = AsyncHTTP2Connection.adopt(new_transport, self._h2_lost, self._h2_capacity)
                receiver.hand_to(h2)
                return h2
            new_transport.set_protocol(proto)
            proto.transport = new_transport
            receiver.hand_to(proto)
            return proto
        proto.transport = new_transport
        if alpn == "h2":
            raise UnsupportedProtocol("the server chose HTTP/2, which was not offered")
        return proto

    async def _connect_socket(
        self, loop: asyncio.AbstractEventLoop, factory: Any, host: str, port: int
    ) -> Any:
        """Connect a socket we create ourselves, for socket_options; tries each address."""
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        last: Optional[BaseException] = None
        for family, type_, proto_num, _, address in infos:
            sock = socket.socket(family, type_, proto_num)
            try:
                for option in self._socket_options:
                    sock.setsockopt(*option)
                if self._local_address:
                    sock.bind((self._local_address, 0))
                sock.setblocking(False)
                await loop.sock_connect(sock, address)
                return await loop.create_connection(factory, sock=sock)
            except OSError as exc:
                sock.close()
                last = exc
            except BaseException:
                sock.close()
                raise
        raise last if last is not None else OSError(f"no address found for {host}")

    # ------------------------------------------------------------ carrying out decisions

    def _drain(self, error: Optional[BaseException] = None) -> None:
        """Carry out the state's decisions. ``error``: why the connect that woken waiters
        without a connection were waiting for failed (see PoolState.connect_failed)."""
        state = self._state
        if state.to_close:
            closes: List[PoolConnection] = list(state.to_close)
            state.to_close.clear()
            for conn in closes:
                self._by_id.pop(conn.conn_id, None)
                proto = conn.handle
                if proto is not None and not proto.closed:
                    proto.close()
        if state.to_wake:
            wakes = list(state.to_wake)
            state.to_wake.clear()
            for waiter in wakes:
                fut = waiter.token
                if fut is not None and not fut.done():
                    if error is not None and waiter.conn is None:
                        fut.set_exception(_copy_error(error))
                    else:
                        fut.set_result(None)

    def _lost(self, proto: AsyncHTTP11Connection) -> None:
        conn = proto.pool_conn
        if conn is not None and not proto.busy:
            self._state.discard(conn)
            if self._state.to_close or self._state.to_wake:
                self._drain()

    async def aclose(self) -> None:
        protos = [c.handle for c in self._state.idle_connections() if c.handle is not None]
        self._state.close_all()
        self._drain()
        # Let the loop finish closing them (uvloop refuses to close a loop with handles
        # still closing); bounded, since abort() needs only a loop iteration or two.
        for proto in protos:
            if type(proto) is AsyncHTTP2Connection:
                proto.close()  # GOAWAY, then close
            else:
                proto._abort()
        for _ in range(100):
            if all(p.lost for p in protos):
                break
            await asyncio.sleep(0.005)


class _Handover(asyncio.Protocol):
    """The protocol during a TLS handshake that may choose h2: it keeps what arrives
    until the protocol that will speak on the connection is known and takes over."""

    def __init__(self) -> None:
        self._data: List[bytes] = []
        self._lost = False
        self._exc: Optional[Exception] = None

    def data_received(self, data: bytes) -> None:
        self._data.append(data)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._lost = True
        self._exc = exc

    def hand_to(self, proto: Union[AsyncHTTP11Connection, AsyncHTTP2Connection]) -> None:
        data, self._data = self._data, []
        for chunk in data:
            proto.data_received(chunk)
        if self._lost:
            proto.connection_lost(self._exc)


def _copy_error(exc: BaseException) -> BaseException:
    """An exception like ``exc`` for another waiting request (each raises its own)."""
    try:
        copy = type(exc)(str(exc))
    except Exception:
        copy = ConnectError(str(exc))
    copy.__cause__ = exc
    return copy


async def _trace_failed(trace: Any, phase: int, exc: BaseException) -> None:
    name = {
        WRITE: "http11.send_request_headers.failed",
        READ: "http11.receive_response_headers.failed",
    }.get(phase, "http11.receive_response_headers.failed")
    await atrace(trace, name, {"exception": exc})
