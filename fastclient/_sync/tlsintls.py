"""A TLS session inside another: HTTPS to an origin through the CONNECT tunnel of an
``https://`` proxy, for the sync driver.

``SSLContext.wrap_socket`` cannot wrap an SSLSocket (it would take over the descriptor and
talk past the outer session), so the inner session runs on an ``ssl.SSLObject`` over
memory BIOs, and its records travel through the outer SSLSocket. The object offers what
SyncHTTP11Connection and the pool use of a socket; timeouts are the outer socket's.
"""

from __future__ import annotations

import ssl
from typing import Any, Callable, Optional, TypeVar, Union

__all__ = ["TLSInTLS"]

_T = TypeVar("_T")
_RECORD_READ = 65536


class TLSInTLS:
    def __init__(self, outer: ssl.SSLSocket, context: ssl.SSLContext, server_hostname: str) -> None:
        self._outer = outer
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._sslobj = context.wrap_bio(
            self._incoming, self._outgoing, server_hostname=server_hostname
        )
        self._run(self._sslobj.do_handshake)

    def _run(self, operation: Callable[..., _T], *args: Any) -> _T:
        """Carry out one SSLObject operation, moving records through the outer socket
        until it no longer wants to read."""
        while True:
            try:
                result = operation(*args)
            except ssl.SSLWantReadError:
                self._flush()
                data = self._outer.recv(_RECORD_READ)
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
                continue
            self._flush()
            return result

    def _flush(self) -> None:
        data = self._outgoing.read()
        if data:
            self._outer.sendall(data)

    # ------------------------------------------------------------ the socket's face

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        try:
            # With a buffer, SSLObject.read returns the count (typeshed says bytes).
            return self._run(self._sslobj.read, nbytes or len(buffer), buffer)  # type: ignore[return-value]
        except ssl.SSLEOFError:
            return 0  # a ragged EOF reads as EOF, as SSLSocket's suppress_ragged_eofs

    def recv(self, bufsize: int) -> bytes:
        try:
            return self._run(self._sslobj.read, bufsize)
        except ssl.SSLEOFError:
            return b""

    def send(self, data: Union[bytes, memoryview]) -> int:
        return self._run(self._sslobj.write, data)

    def sendall(self, data: Union[bytes, memoryview]) -> None:
        view = memoryview(data)
        while view:
            view = view[self.send(view) :]

    def pending(self) -> int:
        return self._sslobj.pending() + self._incoming.pending + self._outer.pending()

    def selected_alpn_protocol(self) -> Optional[str]:
        return self._sslobj.selected_alpn_protocol()

    def settimeout(self, timeout: Optional[float]) -> None:
        self._outer.settimeout(timeout)

    def gettimeout(self) -> Optional[float]:
        return self._outer.gettimeout()

    def setsockopt(self, *args: Any) -> None:
        self._outer.setsockopt(*args)

    def fileno(self) -> int:
        return self._outer.fileno()

    def getsockname(self) -> Any:
        return self._outer.getsockname()

    def getpeername(self) -> Any:
        return self._outer.getpeername()

    def close(self) -> None:
        self._outer.close()
