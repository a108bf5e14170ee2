"""The transports' TLS context: the default one is built by the first TLS connection.

Loading a CA bundle took most of ``Client()``'s time; now a transport that never opens a
TLS connection never loads one, and one that does loads it once, however many threads
connect at the same moment.
"""

from __future__ import annotations

import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, List, Optional

import certifi
import pytest

from fastclient import _config
from fastclient._client import Client
from fastclient._config import LazySSLContext, create_ssl_context
from fastclient._models import Request
from fastclient._transports.default import AsyncHTTPTransport, HTTPTransport

from .conftest import Runner

pytestmark = pytest.mark.network

TLS_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE")


@pytest.fixture()
def clean_tls_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in TLS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture()
def trusting_test_ca(clean_tls_environment: pytest.MonkeyPatch, ca_bundle: str) -> str:
    """verify=True that trusts the test servers' CA, through SSL_CERT_FILE."""
    clean_tls_environment.setenv("SSL_CERT_FILE", ca_bundle)
    return ca_bundle


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[ssl.SSLContext]]:
    """Every default context built, in order (slowed down so that racing threads meet)."""
    built: List[ssl.SSLContext] = []
    real = _config._verifying_context

    def slow_counting(
        cafile: Optional[str], capath: Optional[str], keylog: Optional[str]
    ) -> ssl.SSLContext:
        threading.Event().wait(0.05)
        context = real(cafile, capath, keylog)
        built.append(context)
        return context

    monkeypatch.setattr(_config, "_verifying_context", slow_counting)
    yield built


def get(transport: HTTPTransport, url: str) -> bytes:
    response = transport.handle_request(Request("GET", url))
    try:
        return response.read()
    finally:
        response.close()


def test_client_construction_loads_no_ca_bundle(
    clean_tls_environment: pytest.MonkeyPatch, builds: List[ssl.SSLContext]
) -> None:
    client = Client()
    transport: Any = client._transport
    source = transport._options.ssl_source
    assert isinstance(source, LazySSLContext) and source.built is None
    assert transport.pool._ssl_context is source
    client.close()
    assert builds == []


def test_first_tls_connection_builds_it_once(
    trusting_test_ca: str,
    builds: List[ssl.SSLContext],
    http_server: Any,
    https_server: Any,
) -> None:
    with HTTPTransport(limits=_config.Limits(max_keepalive_connections=0)) as transport:
        source: Any = transport._options.ssl_source
        assert isinstance(source, LazySSLContext)
        assert get(transport, http_server.url + "/") == b"Hello, world!"
        assert source.built is None and builds == []  # plain http needs no context
        # Eight threads open their first TLS connections at once: one build between them.
        with ThreadPoolExecutor(8) as pool:
            bodies = list(pool.map(lambda _: get(transport, https_server.url + "/"), range(8)))
        assert bodies == [b"Hello, world!"] * 8
        assert len(builds) == 1 and source.built is builds[0]
        assert get(transport, https_server.url + "/") == b"Hello, world!"  # a new connection
        assert len(builds) == 1
        # The context public to tests and debugging is the one in use, not a new one.
        assert transport._options.ssl_context is builds[0]
        assert builds[0].cert_store_stats()["x509_ca"] == 1  # only SSL_CERT_FILE's CA


def test_async_first_tls_connection_builds_it_once(
    run: Runner, trusting_test_ca: str, builds: List[ssl.SSLContext], https_server: Any
) -> None:
    async def main() -> None:
        import asyncio

        async with AsyncHTTPTransport() as transport:
            assert transport._options.ssl_source.built is None  # type: ignore[union-attr]

            async def one() -> bytes:
                response = await transport.handle_async_request(
                    Request("GET", https_server.url + "/")
                )
                body = await response.aread()
                await response.aclose()
                return body

            assert await asyncio.gather(*[one() for _ in range(4)]) == [b"Hello, world!"] * 4
        assert len(builds) == 1

    run(main)


def test_lazy_context_get_is_thread_safe(
    clean_tls_environment: pytest.MonkeyPatch, builds: List[ssl.SSLContext]
) -> None:
    lazy = LazySSLContext()
    barrier = threading.Barrier(16)
    got: List[ssl.SSLContext] = []

    def worker() -> None:
        barrier.wait()
        got.append(lazy.get())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(got) == 16 and len(builds) == 1
    assert all(context is builds[0] for context in got)
    assert "built" in repr(lazy) and "certifi" in repr(lazy)


def test_proxy_route_shares_the_transports_deferred_context(
    clean_tls_environment: pytest.MonkeyPatch, builds: List[ssl.SSLContext]
) -> None:
    transport = HTTPTransport(proxy="https://127.0.0.1:1")
    options = transport._options
    assert options.proxy_route is not None
    assert options.proxy_route.ssl_context is options.ssl_source
    assert transport.pool._proxy is options.proxy_route
    assert builds == []
    transport.close()


@pytest.mark.parametrize(
    "make_verify",
    [
        lambda ca: False,
        lambda ca: ca,
        lambda ca: ssl.create_default_context(cafile=ca),
    ],
    ids=["false", "path", "context"],
)
def test_explicit_verify_is_loaded_at_once(
    clean_tls_environment: pytest.MonkeyPatch,
    ca_bundle: str,
    make_verify: Callable[[str], Any],
    builds: List[ssl.SSLContext],
) -> None:
    verify = make_verify(ca_bundle)
    transport = HTTPTransport(verify=verify)
    source = transport._options.ssl_source
    assert isinstance(source, ssl.SSLContext)
    if isinstance(verify, ssl.SSLContext):
        assert source is verify
    assert transport._options.ssl_context is source
    # Built by the constructor (a path loads through the same code as the default).
    assert len(builds) == (1 if isinstance(verify, str) else 0)
    transport.close()


def test_client_certificate_is_loaded_at_once(
    clean_tls_environment: pytest.MonkeyPatch, tls_files: Any
) -> None:
    transport = HTTPTransport(cert=(tls_files.cert_path, tls_files.key_path))
    assert isinstance(transport._options.ssl_source, ssl.SSLContext)
    transport.close()
    with pytest.raises(OSError):
        HTTPTransport(cert="/nonexistent/client.pem")


def test_bad_paths_still_fail_in_the_constructor(
    clean_tls_environment: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    with pytest.raises(OSError, match="invalid path"):
        HTTPTransport(verify=str(tmp_path / "missing.pem"))
    clean_tls_environment.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(FileNotFoundError):
        HTTPTransport()
    # trust_env=False ignores the variable: certifi, deferred.
    transport = HTTPTransport(trust_env=False)
    assert isinstance(transport._options.ssl_source, LazySSLContext)
    transport.close()


def test_only_the_named_cas_are_trusted(
    clean_tls_environment: pytest.MonkeyPatch, ca_bundle: str
) -> None:
    # As in httpx: certifi's bundle (or the given one) alone, not the system store too.
    with open(certifi.where(), encoding="ascii") as bundle:
        in_certifi = bundle.read().count("-----BEGIN CERTIFICATE-----")
    default = create_ssl_context()
    assert default.cert_store_stats()["x509_ca"] == in_certifi
    assert default.check_hostname and default.verify_mode == ssl.CERT_REQUIRED
    assert create_ssl_context(verify=ca_bundle).cert_store_stats()["x509_ca"] == 1
    lazy = LazySSLContext()
    assert lazy.get().cert_store_stats()["x509_ca"] == in_certifi
    assert lazy.get().minimum_version == ssl.TLSVersion.TLSv1_2


def test_bare_pool_defers_its_own_default(
    clean_tls_environment: pytest.MonkeyPatch, tmp_path: Any, builds: List[ssl.SSLContext]
) -> None:
    from fastclient._async.pool import AsyncConnectionPool
    from fastclient._sync.pool import ConnectionPool

    # A pool given no context never failed in its constructor, even with a bad variable.
    clean_tls_environment.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    for pool in (ConnectionPool(), AsyncConnectionPool()):
        source = pool._ssl_context
        assert isinstance(source, LazySSLContext) and source.built is None
        with pytest.raises(FileNotFoundError):
            source.get()
    assert builds == []
