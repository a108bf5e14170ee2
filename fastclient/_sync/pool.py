"""The thread-safe blocking connection pool: a thin shell around the sans-IO PoolState.

Every PoolState call happens under one Lock and is short (no I/O); the decisions it returns
(sockets to close, waiters to wake) are carried out after the lock is released, and so are
connecting, sending and receiving. A waiting thread blocks on its own pre-acquired Lock,
which whoever hands it a connection releases: one waiter is woken per connection, never a
herd.

HTTP/2 (``http2=True``: ALPN h2 over TLS; h2c with prior knowledge when ``http1=False``):
a SyncHTTP2Connection is one multiplexed PoolConnection shared by any number of threads
(see the async pool for the rules). The threaded driver has no callbacks, so what the
peer changed (its stream limit, GOAWAY, a close) is read from it when a request gives its
stream back or is handed the connection.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from functools import partial
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

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
from .._net.trace import strace
from .._protocol.pool import ACTIVE, PoolConnection, Waiter
from .busypoll import BUSY_POLL
from .connection import SyncHTTP11Connection
from .http2 import SyncHTTP2Connection, SyncHTTP2ResponseStream, is_retryable
from .stream import SyncResponseStream
from .tlsintls import TLSInTLS

__all__ = ["ConnectionPool"]

logger = logging.getLogger("fastclient")

_INF = float("inf")
_monotonic = time.monotonic


class ConnectionPool(PoolShell):
    def __init__(self, *, busy_poll: float = BUSY_POLL, **options: Any) -> None:
        super().__init__(**options)
        if busy_poll < 0:
            raise ValueError("busy_poll must be zero (off) or a number of seconds")
        # How long the wait for a response head polls before it blocks (see connection).
        self._busy_poll = float(busy_poll)
        # Why a connect failed, for the waiters that fail with it (under the lock).
        self._errors: Dict[Any, BaseException] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the request

    def request(
        self,
        origin: Tuple[bytes, bytes, int],
        method: bytes,
        head: Optional[bytes],
        body: Optional[Iterable[bytes]],
        chunked: bool,
        timeouts: Timeouts,
        extensions: Dict[str, Any],
        h2: Any = None,
    ) -> Tuple[Any, Any, PoolConnection]:
        """Send one request; ``h2`` as for the async pool's ``request``."""
        trace = extensions.get("trace")
        pinned = extensions.get("conn_id")
        multiplex = h2 is not None and (self._h2_tls if origin[0] == b"https" else self._h2c)
        attempt = 1
        while True:
            conn = self._acquire(origin, timeouts, pinned, extensions, trace, multiplex)
            if type(conn.handle) is not SyncHTTP2Connection:
                break
            if h2 is None:
                self._release_h2(conn)
                raise RuntimeError("an HTTP/2 connection needs the request's h2 parts")
            may_retry = body is None and attempt < H2_ATTEMPTS
            result = self._request_h2(conn, method, h2, body, timeouts, trace, may_retry)
            if result is not None:
                return result
            attempt += 1
            pinned = None
        if head is None:
            head = h2.http1_head()
        handle: SyncHTTP11Connection = conn.handle
        phase = WRITE
        try:
            if trace is not None:
                strace(trace, "http11.send_request_headers.started", {})
            handle.start(method, head, timeouts[2])
            if trace is not None:
                strace(trace, "http11.send_request_headers.complete", {})
            if body is not None:
                if trace is not None:
                    strace(trace, "http11.send_request_body.started", {})
                for chunk in body:
                    if chunk:
                        handle.write(write_chunk(chunk) if chunked else chunk, timeouts[2])
                if chunked:
                    handle.write(write_last_chunk(), timeouts[2])
                if trace is not None:
                    strace(trace, "http11.send_request_body.complete", {})
            phase = READ
            if trace is not None:
                strace(trace, "http11.receive_response_headers.started", {})
            head_timeout = timeouts[4]
            read_timeout = timeouts[1]
            if head_timeout is None:
                deadline = _INF
                started = 0.0
            else:
                # The first read is given the clock reading its deadline starts from: the
                # timeout it wants is then the head timeout itself, the same value on every
                # request, and the one set on the socket is kept (see _read).
                started = _monotonic()
                deadline = started + head_timeout
            response_head = handle.receive_head(read_timeout, deadline, started)
            if trace is not None:
                strace(
                    trace,
                    "http11.receive_response_headers.complete",
                    {"return_value": response_head},
                )
        except BaseException as exc:
            early = handle.early_answer(exc, timeouts[1]) if phase == WRITE else None
            if early is not None:
                response_head = early
            else:
                self.release(conn, False)
                mapped = map_error(exc, phase)
                if trace is not None and isinstance(exc, Exception):
                    name = "send_request_headers" if phase == WRITE else "receive_response_headers"
                    strace(trace, f"http11.{name}.failed", {"exception": mapped})
                if mapped is exc:
                    raise
                raise mapped from exc
        if handle.upgrade_rest is not None:
            return response_head, SyncResponseStream([]), conn
        if handle.complete:
            # The whole body came with the head (the common case): the stream holds it and
            # the connection goes back to the pool now.
            stream = SyncResponseStream(handle.take_body())
            self.release(conn, True)
            return response_head, stream, conn
        return response_head, SyncResponseStream(None, self, conn, read_timeout, trace), conn

    def _request_h2(
        self,
        conn: PoolConnection,
        method: bytes,
        h2: Any,
        body: Optional[Iterable[bytes]],
        timeouts: Timeouts,
        trace: Any,
        may_retry: bool,
    ) -> Optional[Tuple[Any, SyncHTTP2ResponseStream, PoolConnection]]:
        """One request on the HTTP/2 connection ``conn``; None when it failed in a way
        that is safe to send again on another connection."""
        handle: SyncHTTP2Connection = conn.handle
        try:
            head, stream = h2_request(handle, method, h2, body, timeouts, trace)
        except BaseException as exc:
            self._release_h2(conn)
            if may_retry and isinstance(exc, Exception) and is_retryable(exc):
                return None
            mapped = map_error(exc, READ)
            if mapped is exc:
                raise
            raise mapped from exc
        stream.on_close = partial(self._release_h2, conn)
        return head, stream, conn

    def _release_h2(self, conn: PoolConnection) -> None:
        """A request gives its stream of ``conn`` back. What the peer changed meanwhile
        is read here: a closed or draining (GOAWAY) connection is retired, a new stream
        limit applied."""
        handle: SyncHTTP2Connection = conn.handle
        core = handle.core
        reusable = not handle.closed and not core.goaway_received
        limit = int(core.max_concurrent_streams)
        with self._lock:
            state = self._state
            if reusable and (limit if limit > 1 else 1) != conn.max_streams:
                state.set_max_streams(conn, limit)
            state.release(conn, reusable, _monotonic())
            if not (state.to_close or state.to_wake):
                return
            closes, wakes = self._take()
        self._carry_out(closes, wakes)

    def release(self, conn: PoolConnection, body_done: bool) -> None:
        """An HTTP/1.1 connection (``conn.handle`` a SyncHTTP11Connection, or None if it
        never connected) is given back: kept when its body was read to the end
        (``body_done``) and it may carry another request, closed otherwise."""
        handle = conn.handle
        if handle is None:
            reusable = False
        elif body_done and handle.reusable():
            reusable = True
        else:
            reusable = False
            handle.close()
        state = self._state
        lock = self._lock
        # acquire() and release() in try/finally rather than ``with``, here and in
        # _acquire(): the with statement makes two bound methods each time (about twice
        # the cost), and these two run once per request.
        lock.acquire()
        try:
            state.release(conn, reusable, _monotonic())
            if not (state.to_close or state.to_wake):
                return
            closes, wakes = self._take()
        finally:
            lock.release()
        self._carry_out(closes, wakes)

    # ------------------------------------------------------------ acquiring

    def _take(self) -> Tuple[List[PoolConnection], List[Any]]:
        # Called under the lock: copy out the decisions, to carry out after it.
        state = self._state
        closes = list(state.to_close)
        wakes = list(state.to_wake)
        state.to_close.clear()
        state.to_wake.clear()
        for conn in closes:
            self._by_id.pop(conn.conn_id, None)
        return closes, wakes

    def _carry_out(self, closes: List[PoolConnection], wakes: List[Any]) -> None:
        for conn in closes:
            if conn.handle is not None:
                conn.handle.close()
        for waiter in wakes:
            waiter.token.release()

    def _acquire(
        self,
        origin: Tuple[bytes, bytes, int],
        timeouts: Timeouts,
        pinned: Any,
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> PoolConnection:
        state = self._state
        lock = self._lock
        if pinned is not None:
            with lock:
                conn = self._by_id.get(pinned)
                ok = conn is not None and conn.origin == origin and state.pin(conn, _monotonic())
                closes, wakes = self._take()
            self._carry_out(closes, wakes)
            if ok:
                assert conn is not None
                if self._usable(conn):
                    return conn
            logger.warning(
                "connection %r of the request's conn_id extension is no longer available;"
                " sending on another connection",
                pinned,
            )
        deadline = _INF
        while True:
            lock.acquire()  # not ``with``: see release()
            try:
                if state.closed:
                    raise ConnectError("the connection pool is closed")
                result = state.acquire(origin, _monotonic(), multiplex)
                if type(result) is Waiter:
                    result.token = token = threading.Lock()
                    token.acquire()
                if state.to_close or state.to_wake:
                    closes, wakes = self._take()
                else:
                    closes = wakes = None  # type: ignore[assignment]
            finally:
                lock.release()
            if closes is not None:
                self._carry_out(closes, wakes)
            if type(result) is Waiter:
                if deadline == _INF and timeouts[3] is not None:
                    deadline = _monotonic() + timeouts[3]  # counted from the first wait
                conn = self._wait(result, deadline)
            else:
                conn = result
            if conn.state == ACTIVE:
                if not self._usable(conn):
                    continue
                return conn
            self._open(conn, origin, timeouts, extensions, trace, multiplex)
            return conn

    def _usable(self, conn: PoolConnection) -> bool:
        """Whether the connection just handed over can carry the request; if not, it is
        given back (closed, or retired if HTTP/2) and the caller asks again."""
        handle = conn.handle
        if type(handle) is SyncHTTP2Connection:
            if handle.closed or handle.core.goaway_received:
                self._release_h2(conn)
                return False
        elif handle.is_dead():
            self.release(conn, False)
            return False
        return True

    def _wait(self, waiter: Any, deadline: float) -> PoolConnection:
        token: threading.Lock = waiter.token
        try:
            if deadline == _INF:
                woken = token.acquire()
            else:
                woken = token.acquire(timeout=max(0.0, deadline - _monotonic()))
        except BaseException:
            woken = False
            self._give_up(waiter)
            raise
        if not woken:
            self._give_up(waiter)
            raise PoolTimeout("timed out waiting for a connection from the pool")
        with self._lock:
            conn = self._state.claim(waiter)
            error = self._errors.pop(waiter, None)
        if conn is None:
            if error is not None:
                # The connect this request waited for (it might have been HTTP/2) failed.
                raise _copy_error(error)
            raise ConnectError("the connection pool was closed")
        return conn

    def _give_up(self, waiter: Any) -> None:
        with self._lock:
            self._state.cancel(waiter, _monotonic())
            self._errors.pop(waiter, None)
            closes, wakes = self._take()
        self._carry_out(closes, wakes)

    def _open(
        self,
        conn: PoolConnection,
        origin: Tuple[bytes, bytes, int],
        timeouts: Timeouts,
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> None:
        state = self._state
        try:
            handle = self._connect_with_retries(origin, timeouts[0], extensions, trace, multiplex)
        except Exception as exc:
            with self._lock:
                # Requests that waited for this connection (it might have spoken HTTP/2)
                # fail with it when the origin has no other connection.
                state.connect_failed(conn)
                closes, wakes = self._take()
                for waiter in wakes:
                    if waiter.conn is None:
                        self._errors[waiter] = exc
            self._carry_out(closes, wakes)
            raise
        except BaseException:
            with self._lock:
                state.release(conn, False, _monotonic())
                closes, wakes = self._take()
            self._carry_out(closes, wakes)
            raise
        conn.handle = handle
        handle.pool_conn = conn
        with self._lock:
            if type(handle) is SyncHTTP2Connection:
                state.connected_multiplexed(conn, int(handle.core.max_concurrent_streams))
            else:
                state.connected(conn)
            self._by_id[conn.conn_id] = conn
            if not (state.to_close or state.to_wake):
                return
            closes, wakes = self._take()
        self._carry_out(closes, wakes)

    def _connect_with_retries(
        self,
        origin: Tuple[bytes, bytes, int],
        timeout: Optional[float],
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> Any:
        delay = 0.0
        for attempt in range(self._retries + 1):
            try:
                return self._connect(origin, timeout, extensions, trace, multiplex)
            except (ConnectError, ConnectTimeout):
                if attempt >= self._retries:
                    raise
            time.sleep(delay)
            delay = 0.5 if delay == 0.0 else min(delay * 2, 8.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(
        self,
        origin: Tuple[bytes, bytes, int],
        timeout: Optional[float],
        extensions: Dict[str, Any],
        trace: Any,
        multiplex: bool = False,
    ) -> Any:
        """A SyncHTTP11Connection, or a SyncHTTP2Connection when ALPN chose h2 (or h2c
        with prior knowledge on plain http)."""
        scheme, host, port = origin
        if scheme not in (b"http", b"https"):
            raise UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme!r}'")
        route = self._proxy
        tunnel = route is not None and scheme == b"https" and origin != route.origin
        if tunnel:
            scheme, host, port = route.origin
        host_str = host.decode("ascii")
        step = "connection.connect_tcp"
        sock: Any = None
        try:
            if trace is not None:
                strace(trace, step + ".started", {"host": host_str, "port": port})
            sock = self._open_socket(host_str, port, timeout)
            if trace is not None:
                strace(trace, step + ".complete", {"return_value": sock})
            if tunnel:
                if scheme == b"https":
                    sock = self._start_tls(sock, host_str, timeout, route.ssl_context)
                self._tunnel(sock, origin, timeout)
                host_str = origin[1].decode("ascii")
            if tunnel or scheme == b"https":
                step = "connection.start_tls"
                sni = extensions.get("sni_hostname") or host_str
                if trace is not None:
                    strace(trace, step + ".started", {"server_hostname": sni})
                sock = self._start_tls(sock, sni, timeout, None, multiplex)
                if trace is not None:
                    strace(trace, step + ".complete", {"return_value": sock})
            sock.settimeout(None)
            if multiplex and (
                origin[0] == b"http" or sock.selected_alpn_protocol() == "h2" or not self._http1
            ):
                # (HTTP/2 only: a server that names no protocol gets HTTP/2 too.)
                step = "http2.send_connection_init"
                if trace is not None:
                    strace(trace, step + ".started", {})
                h2 = SyncHTTP2Connection(sock, self._busy_poll)  # sends the preface
                if trace is not None:
                    strace(trace, step + ".complete", {})
                return h2
        except BaseException as exc:
            if sock is not None:
                sock.close()
            mapped = map_error(exc, CONNECT)
            if trace is not None and isinstance(exc, Exception):
                strace(trace, step + ".failed", {"exception": mapped})
            if mapped is exc:
                raise
            raise mapped from exc
        return SyncHTTP11Connection(sock, self._busy_poll)

    def _open_socket(self, host: str, port: int, timeout: Optional[float]) -> socket.socket:
        if self._uds is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(self._uds)
            except BaseException:
                sock.close()
                raise
            return sock
        deadline = None if timeout is None else _monotonic() + timeout
        last: Optional[BaseException] = None
        # Fall back over every address the name resolves to (IPv6 and IPv4 alike).
        for family, type_, proto, _, address in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        ):
            sock = socket.socket(family, type_, proto)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for option in self._socket_options:
                    sock.setsockopt(*option)
                if self._local_address:
                    sock.bind((self._local_address, 0))
                if deadline is not None:
                    remaining = deadline - _monotonic()
                    if remaining <= 0:
                        raise socket.timeout("timed out")
                    sock.settimeout(remaining)
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
                if isinstance(exc, socket.timeout):
                    break
            except BaseException:
                sock.close()
                raise
        raise last if last is not None else OSError(f"no address found for {host}")

    def _tunnel(
        self, sock: Any, origin: Tuple[bytes, bytes, int], timeout: Optional[float]
    ) -> None:
        handle = SyncHTTP11Connection(sock)
        handle.start(b"CONNECT", self._proxy.connect_head(origin), timeout)
        head = handle.receive_head(timeout, _INF)
        if not 200 <= head.status_code < 300:
            raise ProxyError(f"the proxy refused the tunnel: {head.status_code}")
        if handle.chunks:
            raise ProxyError("the proxy sent data before the tunnel was used")

    def _start_tls(
        self,
        sock: socket.socket,
        sni: str,
        timeout: Optional[float],
        ssl_context: Union[ssl.SSLContext, LazySSLContext, None] = None,
        offer_h2: bool = False,
    ) -> Union[ssl.SSLSocket, TLSInTLS]:
        source = self._ssl_context if ssl_context is None else ssl_context
        # get() is thread-safe: threads connecting at once wait for one build.
        ctx = source if isinstance(source, ssl.SSLContext) else source.get()
        offer_h2 = offer_h2 and self._h2_tls
        # Set on every handshake (as httpcore does): the context may be the application's,
        # shared with clients that offer other protocols.
        ctx.set_alpn_protocols(self._alpn if offer_h2 else ["http/1.1"])
        sock.settimeout(timeout)
        tls: Union[ssl.SSLSocket, TLSInTLS]
        if isinstance(sock, ssl.SSLSocket):  # the tunnel of an https:// proxy
            tls = TLSInTLS(sock, ctx, sni)
        else:
            tls = ctx.wrap_socket(sock, server_hostname=sni)
        if not offer_h2 and tls.selected_alpn_protocol() == "h2":
            tls.close()
            raise UnsupportedProtocol("the server chose HTTP/2, which was not offered")
        return tls

    def close(self) -> None:
        with self._lock:
            self._state.close_all()
            closes, wakes = self._take()
        self._carry_out(closes, wakes)


def _copy_error(exc: BaseException) -> BaseException:
    """An exception like ``exc`` for another waiting request (each raises its own)."""
    try:
        copy = type(exc)(str(exc))
    except Exception:
        copy = ConnectError(str(exc))
    copy.__cause__ = exc
    return copy
