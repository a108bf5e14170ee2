"""The exception hierarchy, the same as httpx's so that ``except httpx.X`` code keeps working.

    HTTPError
     ├── RequestError
     │    ├── TransportError
     │    │    ├── TimeoutException
     │    │    │    ├── ConnectTimeout
     │    │    │    ├── ReadTimeout
     │    │    │    ├── WriteTimeout
     │    │    │    └── PoolTimeout
     │    │    ├── NetworkError
     │    │    │    ├── ConnectError
     │    │    │    ├── ReadError
     │    │    │    ├── WriteError
     │    │    │    └── CloseError
     │    │    ├── ProtocolError
     │    │    │    ├── LocalProtocolError
     │    │    │    └── RemoteProtocolError
     │    │    ├── ProxyError
     │    │    └── UnsupportedProtocol
     │    ├── DecodingError
     │    └── TooManyRedirects
     └── HTTPStatusError
    InvalidURL
    CookieConflict
    StreamError (RuntimeError)
     ├── StreamConsumed
     ├── StreamClosed
     ├── ResponseNotRead
     └── RequestNotRead

Exceptions are defined here only. The sans-IO core (compiled or not) raises
LocalProtocolError, RemoteProtocolError and DecodingError without a request; the
transports attach the request at their one error-mapping boundary.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from ._models import Request, Response

__all__ = [
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "DecodingError",
    "HTTPError",
    "HTTPStatusError",
    "InvalidURL",
    "LocalProtocolError",
    "NetworkError",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "RequestError",
    "RequestNotRead",
    "ResponseNotRead",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "WriteError",
    "WriteTimeout",
    "request_context",
]


class HTTPError(Exception):
    """Base class for RequestError and HTTPStatusError."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._request: Request | None = None

    @property
    def request(self) -> Request:
        if self._request is None:
            raise RuntimeError("The .request property has not been set.")
        return self._request

    @request.setter
    def request(self, request: Request) -> None:
        self._request = request


class RequestError(HTTPError):
    """An error occurred while issuing a request."""

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        # The request may be attached later, at the transport's error-mapping boundary.
        self._request = request


class TransportError(RequestError):
    """An error occurred at the level of the transport."""


class TimeoutException(TransportError):
    """A timeout expired."""


class ConnectTimeout(TimeoutException):
    """Timed out while connecting to the host."""


class ReadTimeout(TimeoutException):
    """Timed out while receiving data from the host."""


class WriteTimeout(TimeoutException):
    """Timed out while sending data to the host."""


class PoolTimeout(TimeoutException):
    """Timed out waiting to acquire a connection from the pool."""


class NetworkError(TransportError):
    """A network error while sending or receiving."""


class ReadError(NetworkError):
    """Failed to receive data from the network."""


class WriteError(NetworkError):
    """Failed to send data through the network."""


class ConnectError(NetworkError):
    """Failed to establish a connection."""


class CloseError(NetworkError):
    """Failed to close a connection."""


class ProxyError(TransportError):
    """An error occurred while establishing a proxy connection."""


class UnsupportedProtocol(TransportError):
    """The URL scheme is not supported (neither http nor https), or is missing."""


class ProtocolError(TransportError):
    """The protocol was violated."""


class LocalProtocolError(ProtocolError):
    """The client was about to violate the protocol (e.g. a header with a newline in it)."""


class RemoteProtocolError(ProtocolError):
    """The server violated the protocol, or sent more than a limit allows."""


class DecodingError(RequestError):
    """Decoding of the response body failed."""


class TooManyRedirects(RequestError):
    """Too many redirects."""


class HTTPStatusError(HTTPError):
    """The response had an error status code (raised by Response.raise_for_status())."""

    def __init__(self, message: str, *, request: Request, response: Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class InvalidURL(Exception):
    """A URL that could not be parsed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class CookieConflict(Exception):
    """Cookies.get() found more than one cookie of that name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class StreamError(RuntimeError):
    """Misuse of a request or response stream (a bug in the calling code)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


# The stream errors take an optional message (defaulting to the generic text), so that the
# code raising one can say what exactly went wrong (e.g. a redirect that had to resend a
# streamed body), and so that they survive pickling, which calls cls(*args).


class StreamConsumed(StreamError):
    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = (
                "Attempted to read or stream content, but the content has already been"
                " streamed. A request or response body can be streamed only once unless it"
                " was read into memory first."
            )
        super().__init__(message)


class StreamClosed(StreamError):
    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = "Attempted to read or stream content, but the stream has been closed."
        super().__init__(message)


class ResponseNotRead(StreamError):
    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = (
                "Attempted to access streaming response content, without having called `read()`."
            )
        super().__init__(message)


class RequestNotRead(StreamError):
    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = (
                "Attempted to access streaming request content, without having called `read()`."
            )
        super().__init__(message)


@contextlib.contextmanager
def request_context(request: Request | None = None) -> Iterator[None]:
    """Attach ``request`` to any RequestError raised inside the block that lacks one."""
    try:
        yield
    except RequestError as exc:
        if request is not None and exc._request is None:
            exc._request = request
        raise
