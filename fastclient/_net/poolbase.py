"""What the sync and the async pool shells hold alike: their settings, the protocol plan
(HTTP/2 by ALPN, h2c, the ALPN list) and the sans-IO pool state. Each shell adds its own
I/O and locking on top, so the decisions about *which* protocol to speak live here once.
"""

from __future__ import annotations

import ssl
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from .._config import LazySSLContext
from .._protocol.pool import PoolConnection, PoolState

__all__ = ["H2_ATTEMPTS", "PoolShell", "Timeouts", "h2_request"]

_T = Optional[float]
#: (connect, read, write, pool, head) in seconds, None for no limit.
Timeouts = Tuple[_T, _T, _T, _T, _T]

# Sends of one request that the server did not process (GOAWAY, REFUSED_STREAM): each
# goes to a newer connection, so a few suffice unless the server keeps refusing.
H2_ATTEMPTS = 4


def h2_request(
    handle: Any, method: bytes, h2: Any, body: Any, timeouts: Timeouts, trace: Any
) -> Any:
    """The HTTP/2 connection ``handle``'s ``request`` for a pool's request (``h2``: its
    HTTP/2 form, ``body`` its streamed body or None): the sync connection's answer, or
    the async one's coroutine to await."""
    return handle.request(
        method,
        h2.scheme,
        h2.authority,
        h2.path,
        h2.headers,
        h2.content if body is None else body,
        read_timeout=timeouts[1],
        write_timeout=timeouts[2],
        pool_timeout=timeouts[3],
        head_timeout=timeouts[4],
        trace=trace,
    )


class PoolShell:
    def __init__(
        self,
        *,
        ssl_context: Union[ssl.SSLContext, LazySSLContext, None] = None,
        max_connections: Optional[int] = None,
        max_keepalive_connections: Optional[int] = None,
        keepalive_expiry: Optional[float] = 5.0,
        max_connections_per_host: Optional[int] = None,
        uds: Optional[str] = None,
        local_address: Optional[str] = None,
        retries: int = 0,
        socket_options: Optional[Sequence[Tuple[int, int, Any]]] = None,
        proxy: Any = None,
        http1: bool = True,
        http2: bool = False,
    ) -> None:
        self._proxy = proxy  # a ProxyRoute: this pool's connections go through it
        self._http1 = http1
        # HTTP/2 over TLS by ALPN; not through an https proxy, whose own TLS handshake may
        # share the context and must offer HTTP/1.1 only (the CONNECT is HTTP/1.1).
        self._h2_tls = http2 and not (proxy is not None and proxy.origin[0] == b"https")
        # h2c with prior knowledge, only when HTTP/1.1 is off (no Upgrade dance), and not
        # to a forwarding proxy (absolute-form HTTP/1.1 requests).
        self._h2c = http2 and not http1 and proxy is None
        self._alpn = (["h2", "http/1.1"] if http1 else ["h2"]) if self._h2_tls else ["http/1.1"]
        self._state = PoolState(
            max_connections, max_keepalive_connections, keepalive_expiry, max_connections_per_host
        )
        # An SSLContext, or a deferred one that the first TLS connection builds: the
        # transport's default, or this pool's own when given none (whose bad CA path,
        # if any, then fails that connection, as it did before this was deferred).
        self._ssl_context: Union[ssl.SSLContext, LazySSLContext] = (
            LazySSLContext.from_environment() if ssl_context is None else ssl_context
        )
        self._uds = uds
        self._local_address = local_address
        self._retries = retries
        self._socket_options = list(socket_options or ())
        self._by_id: Dict[int, PoolConnection] = {}

    def get_connection(self, conn_id: int) -> Optional[PoolConnection]:
        """The connection a ``conn_id`` extension names, while this pool still has it."""
        return self._by_id.get(conn_id)

    @property
    def state(self) -> PoolState:
        return self._state
