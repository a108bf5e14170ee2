"""The mapping from low-level failures to fastclient's exceptions.

Each driver has one boundary where it calls :func:`map_error`: it knows which *phase* the
request was in (connecting, writing, reading), and the phase decides between, say,
ConnectTimeout and ReadTimeout for the same ``socket.timeout``.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any, Optional

from .._exceptions import (
    CloseError,
    ConnectError,
    ConnectTimeout,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RequestError,
    WriteError,
    WriteTimeout,
)

__all__ = ["CLOSE", "CONNECT", "POOL", "READ", "WRITE", "map_error"]

POOL = 0
CONNECT = 1
WRITE = 2
READ = 3
CLOSE = 4

_TIMEOUTS = {
    POOL: PoolTimeout,
    CONNECT: ConnectTimeout,
    WRITE: WriteTimeout,
    READ: ReadTimeout,
    CLOSE: ReadTimeout,
}
_ERRORS = {
    POOL: ConnectError,
    CONNECT: ConnectError,
    WRITE: WriteError,
    READ: ReadError,
    CLOSE: CloseError,
}


# What a timeout says when the exception's own text is only the errno's (EAGAIN from a
# kernel timeout: "Resource temporarily unavailable").
_TIMEOUT_TEXT = {
    POOL: "timed out waiting for a connection from the pool",
    CONNECT: "timed out while connecting",
    WRITE: "timed out while sending the request",
    READ: "timed out waiting for data from the server",
    CLOSE: "timed out while closing the connection",
}


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, (socket.timeout, asyncio.TimeoutError, TimeoutError)):
        return True
    # SO_RCVTIMEO/SO_SNDTIMEO expiring shows as EAGAIN on a blocking socket, and through
    # TLS as SSLWantRead/WriteError.
    if isinstance(exc, (ssl.SSLWantReadError, ssl.SSLWantWriteError)):
        return True
    return isinstance(exc, BlockingIOError)


def map_error(exc: BaseException, phase: int, request: Optional[Any] = None) -> BaseException:
    """The fastclient exception for ``exc`` raised during ``phase`` (to raise ``from exc``).
    Exceptions that are already fastclient's only get the request attached."""
    if isinstance(exc, RequestError):
        if request is not None and exc._request is None:
            exc._request = request
        return exc
    if _is_timeout(exc):
        text = _TIMEOUT_TEXT[phase] if isinstance(exc, OSError) and exc.errno else _describe(exc)
        mapped: RequestError = _TIMEOUTS[phase](text)
    elif isinstance(exc, (OSError, EOFError)):
        mapped = _ERRORS[phase](_describe(exc))
    else:
        return exc
    mapped._request = request
    return mapped


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return text if text else type(exc).__name__
