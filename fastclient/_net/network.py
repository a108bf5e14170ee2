"""The ``network_stream`` response extension: the raw connection after a 101 Switching
Protocols or a 2xx answer to CONNECT, with httpcore's methods (read, write, close,
start_tls, get_extra_info). The connection has left the pool's HTTP/1.1 use; closing the
stream frees its slot."""

from __future__ import annotations

import ssl
from typing import Any, Optional

__all__ = ["AsyncNetworkStream", "SyncNetworkStream"]


class SyncNetworkStream:
    def __init__(self, pool: Any, conn: Any) -> None:
        self._pool = pool
        self._conn = conn
        self._handle = conn.handle

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        handle = self._handle
        if handle.chunks:
            data = b"".join(handle.chunks)
            handle.chunks = []
            if len(data) > max_bytes:
                handle.chunks = [data[max_bytes:]]
                data = data[:max_bytes]
            return data
        return handle.recv_some(max_bytes, timeout)  # type: ignore[no-any-return]

    def write(self, data: bytes, timeout: Optional[float] = None) -> None:
        self._handle.write(data, timeout)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._pool.release(conn, False)

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> SyncNetworkStream:
        handle = self._handle
        handle.sock.settimeout(timeout)
        handle.replace_socket(ssl_context.wrap_socket(handle.sock, server_hostname=server_hostname))
        return self

    def get_extra_info(self, info: str) -> Any:
        sock = self._handle.sock
        if info == "ssl_object":
            return getattr(sock, "_sslobj", None)
        if info == "client_addr":
            return sock.getsockname()
        if info == "server_addr":
            return sock.getpeername()
        if info == "socket":
            return sock
        if info == "is_readable":
            return self._handle.is_dead()
        return None


class AsyncNetworkStream:
    def __init__(self, pool: Any, conn: Any) -> None:
        self._pool = pool
        self._conn = conn
        self._proto = conn.handle

    async def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        proto = self._proto
        data = await proto.read_raw(timeout)
        if len(data) > max_bytes:
            proto.chunks = [data[max_bytes:]]
            data = data[:max_bytes]
        return data  # type: ignore[no-any-return]

    async def write(self, data: bytes, timeout: Optional[float] = None) -> None:
        await self._proto.write(data, timeout)

    async def aclose(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._pool.release(conn, False)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> AsyncNetworkStream:
        await self._pool._start_tls_on(self._proto, ssl_context, server_hostname, timeout)
        return self

    def get_extra_info(self, info: str) -> Any:
        transport = self._proto.transport
        if info == "is_readable":
            return bool(self._proto.chunks) or self._proto.closed
        return transport.get_extra_info(info) if transport is not None else None
