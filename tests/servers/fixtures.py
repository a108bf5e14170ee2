"""pytest fixtures for real servers on 127.0.0.1 (registered by tests/conftest.py).

* ``http_server``   hypercorn, HTTP/1.1 and h2c (prior knowledge) on one plain port
* ``h2c_server``    the same server, named for tests that speak h2c
* ``https_server``  hypercorn over TLS (trustme), ALPN h2 + http/1.1
* ``ca_bundle`` / ``client_ssl_context``  what a client needs to trust ``https_server``
* ``serve_asgi``    factory: ``serve_asgi(app, tls=False, http2=True)``, stopped at teardown
* ``raw_server``    factory: ``raw_server(handler)``, a scripted socket server
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest
import trustme

from .app import app as default_app
from .asgi import ASGIServer
from .raw import Handler, RawServer


class TLSFiles:
    def __init__(self, directory: Path) -> None:
        ca = trustme.CA()
        leaf = ca.issue_cert("localhost", "127.0.0.1", "::1")
        self.ca_path = str(directory / "ca.pem")
        self.cert_path = str(directory / "cert.pem")
        self.key_path = str(directory / "key.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        with open(self.cert_path, "wb") as f:
            for blob in leaf.cert_chain_pems:
                f.write(blob.bytes())
        leaf.private_key_pem.write_to_path(self.key_path)
        self.ca = ca


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return TLSFiles(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def ca_bundle(tls_files: TLSFiles) -> str:
    return tls_files.ca_path


@pytest.fixture()
def client_ssl_context(tls_files: TLSFiles) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=tls_files.ca_path)
    return ctx


@pytest.fixture(scope="session")
def http_server() -> Iterator[ASGIServer]:
    server = ASGIServer(default_app)
    yield server
    server.close()


@pytest.fixture(scope="session")
def h2c_server(http_server: ASGIServer) -> ASGIServer:
    return http_server


@pytest.fixture(scope="session")
def https_server(tls_files: TLSFiles) -> Iterator[ASGIServer]:
    server = ASGIServer(default_app, certfile=tls_files.cert_path, keyfile=tls_files.key_path)
    yield server
    server.close()


@pytest.fixture()
def serve_asgi(tls_files: TLSFiles) -> Iterator[Callable[..., ASGIServer]]:
    servers: List[ASGIServer] = []

    def start(app: Any, *, tls: bool = False, http2: bool = True) -> ASGIServer:
        if tls:
            server = ASGIServer(
                app, certfile=tls_files.cert_path, keyfile=tls_files.key_path, http2=http2
            )
        else:
            server = ASGIServer(app, http2=http2)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture()
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    servers: List[RawServer] = []

    def start(handler: Handler) -> RawServer:
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
