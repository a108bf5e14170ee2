"""WSGITransport: PEP 3333 environ, bodies both ways, errors, and close()."""

from __future__ import annotations

import io
import sys
from typing import Any, Callable, Dict, Iterable, Iterator, List

import pytest

from fastclient._client import Client
from fastclient._transports.wsgi import WSGITransport

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]


def echo_environ(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    shown = {k: v for k, v in environ.items() if isinstance(v, str)}
    shown["body"] = body.decode("latin-1")
    import json

    payload = json.dumps(shown).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [payload]


def client_for(app: Any, **kwargs: Any) -> Client:
    return Client(transport=WSGITransport(app, **kwargs), base_url="http://testserver")


def test_environ() -> None:
    with client_for(echo_environ, script_name="/app", remote_addr="10.0.0.1") as client:
        response = client.post(
            "/caf%C3%A9/x%2Fy?q=1&r=%20",
            content=b"hello",
            headers=[("Content-Type", "text/plain"), ("X-Multi", "a"), ("X-Multi", "b")],
        )
    environ = response.json()
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == "/app"
    # PEP 3333: the decoded path's bytes, as latin-1 text.
    assert environ["PATH_INFO"] == "/café/x/y".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "q=1&r=%20"
    assert environ["SERVER_NAME"] == "testserver"
    assert environ["SERVER_PORT"] == "80"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REMOTE_ADDR"] == "10.0.0.1"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "5"
    assert environ["HTTP_HOST"] == "testserver"
    assert environ["HTTP_X_MULTI"] == "a,b"
    assert environ["body"] == "hello"


def test_https_default_port() -> None:
    with Client(transport=WSGITransport(echo_environ)) as client:
        environ = client.get("https://example.org/").json()
    assert environ["SERVER_PORT"] == "443"
    assert environ["wsgi.url_scheme"] == "https"


def test_generator_app_and_write_callable() -> None:
    closed: List[bool] = []

    class Body:
        def __init__(self, start_response: StartResponse) -> None:
            self.start_response = start_response

        def __iter__(self) -> Iterator[bytes]:
            # start_response called lazily, from inside the iterable, as PEP 3333 allows.
            write = self.start_response("201 Created", [("X-Lazy", "1")])
            write(b"written-")
            yield b""
            yield b"first-"
            yield b"second"

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: StartResponse) -> Any:
        return Body(start_response)

    with client_for(app) as client:
        response = client.get("/")
    assert response.status_code == 201
    assert response.headers["X-Lazy"] == "1"
    assert response.content == b"written-first-second"
    assert closed == [True]


def test_streaming_response_is_lazy() -> None:
    produced: List[int] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        for i in range(3):
            produced.append(i)
            yield b"%d" % i

    with client_for(app) as client, client.stream("GET", "/") as response:
        assert produced == [] or produced == [0]  # nothing read beyond the first chunk
        assert b"".join(response.iter_bytes()) == b"012"
    assert produced == [0, 1, 2]


def failing(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    try:
        raise ValueError("app failed")
    except ValueError:
        start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error page"]


def test_exc_info_is_raised_or_returned() -> None:
    with client_for(failing) as client, pytest.raises(ValueError, match="app failed"):
        client.get("/")
    with client_for(failing, raise_app_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert response.content == b"error page"


def test_app_exceptions_propagate() -> None:
    def broken(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        raise KeyError("boom")

    with client_for(broken) as client, pytest.raises(KeyError, match="boom"):
        client.get("/")


def test_wsgi_errors_stream() -> None:
    errors = io.StringIO()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.errors"].write("logged")
        start_response("204 No Content", [])
        return []

    with client_for(app, wsgi_errors=errors) as client:
        assert client.get("/").status_code == 204
    assert errors.getvalue() == "logged"


def test_missing_start_response_is_an_error() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        return [b"no status"]

    with client_for(app) as client, pytest.raises(RuntimeError, match="start_response"):
        client.get("/")
