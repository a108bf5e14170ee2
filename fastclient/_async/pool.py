"""The asyncio connection pool: a thin shell around the sans-IO PoolState.

PoolState decides (reuse, open, wait, close, hand over); this shell carries the decisions
out: it opens connections, wakes waiters through futures, and closes handles. asyncio runs
callbacks on one thread, so no lock is needed; every path that gives up (timeout, error,
cancellation at any await) hands its waiter or connection back before re-raising.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import Any, AsyncIterable, Dict, List, Optional, Sequence, Tuple

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    PoolTimeout,
    ProxyError,
    UnsupportedProtocol,
)
from .._net.errors import CONNECT, READ, WRITE, map_error
from .._net.h1 import write_chunk, write_last_chunk
from .._net.trace import atrace
from .._protocol.pool import ACTIVE, PoolConnection, PoolState, Waiter
from .connection import AsyncHTTP11Connection
from .stream import AsyncResponseStream

__all__ = ["AsyncConnectionPool", "Timeouts"]

logger = logging.getLogger("fastclient")

#: (connect, read, write, pool, head) in seconds, None for no limit.
_T = Optional[float]
Timeouts = Tuple[_T, _T, _T, _T, _T]

_INF = float("inf")


def _expire_waiter(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_exception(PoolTimeout("timed out waiting for a connection from the pool"))


class AsyncConnectionPool:
    def __init__(
        self,
        *,
        ssl_context: Optional[ssl.SSLContext] = None,
        max_connections: Optional[int] = None,
        max_keepalive_connections: Optional[int] = None,
        keepalive_expiry: Optional[float] = 5.0,
        max_connections_per_host: Optional[int] = None,
        uds: Optional[str] = None,
        local_address: Optional[str] = None,
        retries: int = 0,
        socket_options: Optional[Sequence[Tuple[int, int, Any]]] = None,
        proxy: Any = None,
    ) -> None:
        self._proxy = proxy  # a ProxyRoute: this pool's connections go through it
        self._state = PoolState(
            max_connections, max_keepalive_connections, keepalive_expiry, max_connections_per_host
        )
        self._ssl_context = ssl_context
        self._uds = uds
        self._local_address = local_address
        self._retries = retries
        self._socket_options = list(socket_options or ())
        self._by_id: Dict[int, PoolConnection] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # ------------------------------------------------------------ the request

    async def request(
        self,
        origin: Tuple[bytes, bytes, int],
        method: bytes,
        head: bytes,
        body: Optional[AsyncIterable[bytes]],
        chunked: bool,
        timeouts: Timeouts,
        extensions: Dict[str, Any],
    ) -> Tuple[Any, AsyncResponseStream, PoolConnection]:
        """Send one request (``head`` is the serialised request head, with a small body
        already appended when ``body`` is None) and return (ResponseHead, body stream, the
        PoolConnection). Raises fastclient exceptions only."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        trace = extensions.get("trace")
        pinned = extensions.get("conn_id")
        conn = await self._acquire(loop, origin, timeouts, pinned, extensions, trace)
        proto: AsyncHTTP11Connection = conn.handle
        phase = WRITE
        try:
            if trace is not None:
                await atrace(trace, "http11.send_request_headers.started", {"request": None})
            proto.start(method, head)
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
            response_head = await proto.receive_head(
                timeouts[1], _INF if head_timeout is None else loop.time() + head_timeout
            )
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
            await proto.write(write_chunk(chunk) if chunked else chunk, write_timeout)
            if proto.head is not None:
                break  # the server answered before the body was sent (e.g. 413)
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
    ) -> PoolConnection:
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
            if state.closed:
                raise ConnectError("the connection pool is closed")
            result = state.acquire(origin, loop.time())
            if state.to_close or state.to_wake:
                self._drain()
            if type(result) is Waiter:
                if deadline == _INF and timeouts[3] is not None:
                    deadline = loop.time() + timeouts[3]  # counted from the first wait
                conn = await self._wait(loop, result, deadline)
            else:
                conn = result
            if conn.state == ACTIVE:
                if conn.handle.closed:
                    # Closed after it was handed over: drop it and try again.
                    self.release(conn, False)
                    continue
                return conn
            await self._open(loop, conn, origin, timeouts, extensions, trace)
            return conn

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
    ) -> None:
        """Open the CONNECTING slot ``conn``; on any failure the slot is freed."""
        try:
            proto = await self._connect_with_retries(loop, origin, timeouts[0], extensions, trace)
        except BaseException:
            self._state.release(conn, False, loop.time())
            self._drain()
            raise
        conn.handle = proto
        proto.pool_conn = conn
        if proto.closed:
            # Lost during the handshake's last step: count it as a failed connect.
            self._state.release(conn, False, loop.time())
            self._drain()
            raise ConnectError("the connection closed as soon as it opened")
        self._state.connected(conn)
        self._by_id[conn.conn_id] = conn

    async def _connect_with_retries(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Tuple[bytes, bytes, int],
        timeout: Optional[float],
        extensions: Dict[str, Any],
        trace: Any,
    ) -> AsyncHTTP11Connection:
        delay = 0.0
        for attempt in range(self._retries + 1):
            try:
                return await self._connect(loop, origin, timeout, extensions, trace)
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
    ) -> AsyncHTTP11Connection:
        scheme, host, port = origin
        if scheme not in (b"http", b"https"):
            raise UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme!r}'")
        lost = self._lost

        def factory() -> AsyncHTTP11Connection:
            return AsyncHTTP11Connection(loop, lost)

        route = self._proxy
        tunnel = route is not None and scheme == b"https" and origin != route.origin
        if tunnel:
            # Connect to the proxy; the CONNECT exchange below makes the tunnel.
            scheme, host, port = route.origin
        host_str = host.decode("ascii")
        proto: Optional[AsyncHTTP11Connection] = None
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
                await self._start_tls(loop, proto, sni, timeout)
                if trace is not None:
                    await atrace(trace, step + ".complete", {"return_value": proto})
        except BaseException as exc:
            if proto is not None:
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
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        ctx = ssl_context or self._ssl_context
        if ctx is None:
            from .._config import create_ssl_context

            ctx = self._ssl_context = create_ssl_context()
        assert proto.transport is not None
        coro = loop.start_tls(proto.transport, proto, ctx, server_hostname=server_hostname)
        new_transport = await asyncio.wait_for(coro, timeout)
        if new_transport is None:
            raise ConnectError("the TLS handshake did not complete")
        proto.transport = new_transport
        ssl_object = new_transport.get_extra_info("ssl_object")
        alpn = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        if alpn == "h2":
            # The HTTP/2 driver plugs in here; until it does, h2 is never offered.
            raise UnsupportedProtocol("the server chose HTTP/2, which this pool cannot speak")

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

    def _drain(self) -> None:
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
                    fut.set_result(None)

    def _lost(self, proto: AsyncHTTP11Connection) -> None:
        conn = proto.pool_conn
        if conn is not None and not proto.busy:
            self._state.discard(conn)
            if self._state.to_close or self._state.to_wake:
                self._drain()

    def get_connection(self, conn_id: int) -> Optional[PoolConnection]:
        return self._by_id.get(conn_id)

    @property
    def state(self) -> PoolState:
        return self._state

    async def aclose(self) -> None:
        protos = [c.handle for c in self._state.idle_connections() if c.handle is not None]
        self._state.close_all()
        self._drain()
        # Let the loop finish closing them (uvloop refuses to close a loop with handles
        # still closing); bounded, since abort() needs only a loop iteration or two.
        for proto in protos:
            proto._abort()
        for _ in range(100):
            if all(p.lost for p in protos):
                break
            await asyncio.sleep(0.005)


async def _trace_failed(trace: Any, phase: int, exc: BaseException) -> None:
    name = {
        WRITE: "http11.send_request_headers.failed",
        READ: "http11.receive_response_headers.failed",
    }.get(phase, "http11.receive_response_headers.failed")
    await atrace(trace, name, {"exception": exc})
