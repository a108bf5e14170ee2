"""WSGITransport: call a WSGI application (Flask, Django, ...) in-process.

Follows PEP 3333 where httpx's transport cuts corners: PATH_INFO is the percent-decoded
path as latin-1 text (the "bytes as str" convention frameworks undo), repeated request
headers are joined with "," rather than the last one winning, and ``write()`` returned by
``start_response`` works (its data comes before the iterable's).
"""

from __future__ import annotations

import io
import sys
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    TextIO,
    Tuple,
    Type,
)
from urllib.parse import unquote_to_bytes

from .._streams import SyncByteStream
from .base import BaseTransport

if TYPE_CHECKING:
    from .._models import Request, Response

__all__ = ["WSGITransport"]

ExcInfo = Tuple[Type[BaseException], BaseException, Optional[TracebackType]]
WSGIApplication = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _StartResponse:
    """The ``start_response`` callable handed to the app, remembering what it was told."""

    def __init__(self) -> None:
        self.status: Optional[str] = None
        self.headers: List[Tuple[str, str]] = []
        self.exc_info: Optional[ExcInfo] = None
        self.written: List[bytes] = []

    def __call__(
        self,
        status: str,
        headers: List[Tuple[str, str]],
        exc_info: Optional[ExcInfo] = None,
    ) -> Callable[[bytes], None]:
        self.status = status
        self.headers = headers
        if exc_info is not None:
            self.exc_info = exc_info
        return self.written.append


class _WSGIBody(SyncByteStream):
    def __init__(self, first: List[bytes], rest: Iterator[bytes], result: Iterable[bytes]):
        self._first = first
        self._rest = rest
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        yield from self._first
        for chunk in self._rest:
            if chunk:
                yield chunk

    def close(self) -> None:
        close = getattr(self._result, "close", None)  # PEP 3333: always call close()
        if close is not None:
            close()


class WSGITransport(BaseTransport):
    def __init__(
        self,
        app: WSGIApplication,
        raise_app_exceptions: bool = True,
        script_name: str = "",
        remote_addr: str = "127.0.0.1",
        wsgi_errors: Optional[TextIO] = None,
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.script_name = script_name
        self.remote_addr = remote_addr
        self.wsgi_errors = wsgi_errors

    def _environ(self, request: Request) -> Dict[str, Any]:
        url = request.url
        raw_path, _, query = url.raw_path.partition(b"?")
        port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 80)
        environ: Dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(request.content),
            "wsgi.errors": self.wsgi_errors or sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": self.script_name,
            "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
        }
        for raw_name, raw_value in request.headers.raw:
            name = raw_name.decode("latin-1").upper().replace("-", "_")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = "HTTP_" + name
            value = raw_value.decode("latin-1")
            if name in environ:
                value = environ[name] + ("; " if name == "HTTP_COOKIE" else ",") + value
            environ[name] = value
        return environ

    def handle_request(self, request: Request) -> Response:
        from .._models import Response

        request.read()
        start_response = _StartResponse()
        result = self.app(self._environ(request), start_response)
        chunks = iter(result)
        first: List[bytes] = []
        try:
            # An app written as a generator calls start_response during its first step;
            # run it up to its first piece of body (or its end) before reading the status.
            if start_response.status is None:
                for chunk in chunks:
                    if chunk:
                        first.append(chunk)
                        break
            if start_response.exc_info is not None and self.raise_app_exceptions:
                raise start_response.exc_info[1]
            if start_response.status is None:
                raise RuntimeError("The WSGI application did not call start_response().")
        except BaseException:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            raise
        status_code = int(start_response.status.split(" ", 1)[0])
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in start_response.headers
        ]
        body = _WSGIBody(start_response.written + first, chunks, result)
        return Response(status_code, headers=headers, stream=body)
