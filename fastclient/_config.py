"""Configuration objects with httpx's names and signatures: Timeout, Limits, Proxy and
create_ssl_context, plus the defaults the clients use.

Two additions to httpx's set, both keyword-only so that httpx code keeps working:

* ``Limits(max_connections_per_host=...)``: a per-origin cap, which a crawler needs to be
  polite to each host while keeping many hosts busy;
* ``Timeout(head=...)``: a deadline for the whole response head, counted from the moment the
  request is sent. The read timeout only bounds the gap between two reads, so a server that
  trickles one byte every few seconds could otherwise hold a request for ever. It defaults to
  :data:`DEFAULT_HEAD_TIMEOUT` (60 seconds) even when the other timeouts are disabled; pass
  ``head=None`` to wait for a head indefinitely (e.g. long polling).
"""

from __future__ import annotations

import os
import ssl
import threading
import typing
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from ._headers import Headers
from ._urls import URL

__all__ = [
    "DEFAULT_HEAD_TIMEOUT",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT_CONFIG",
    "LazySSLContext",
    "Limits",
    "Proxy",
    "Timeout",
    "create_ssl_context",
]

#: Seconds a response head may take as a whole (see the module docstring).
DEFAULT_HEAD_TIMEOUT = 60.0

CertTypes = Union[str, Tuple[str, str], Tuple[str, str, str]]
VerifyTypes = Union[ssl.SSLContext, str, bool]
TimeoutTypes = Union[
    Optional[float],
    Tuple[Optional[float], Optional[float], Optional[float], Optional[float]],
    "Timeout",
]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class Timeout:
    """Timeouts in seconds (None: no limit) for connect, read, write and pool, as httpx's;
    ``head`` bounds the whole response head.

    Timeout(5.0), Timeout(5.0, connect=1.0), Timeout(connect=1, read=2, write=3, pool=4),
    Timeout((1, 2, 3, 4)) and Timeout(other_timeout) all work as in httpx.
    """

    __slots__ = ("connect", "head", "pool", "read", "write")

    def __init__(
        self,
        timeout: TimeoutTypes | _Unset = UNSET,
        *,
        connect: float | _Unset | None = UNSET,
        read: float | _Unset | None = UNSET,
        write: float | _Unset | None = UNSET,
        pool: float | _Unset | None = UNSET,
        head: float | _Unset | None = UNSET,
    ) -> None:
        self.head: Optional[float] = DEFAULT_HEAD_TIMEOUT
        if isinstance(timeout, Timeout):
            if not all(isinstance(x, _Unset) for x in (connect, read, write, pool)):
                raise ValueError("Timeout(other) takes no connect/read/write/pool as well")
            self.connect: Optional[float] = timeout.connect
            self.read: Optional[float] = timeout.read
            self.write: Optional[float] = timeout.write
            self.pool: Optional[float] = timeout.pool
            self.head = timeout.head
        elif isinstance(timeout, tuple):
            self.connect, self.read, self.write, self.pool = timeout
        elif isinstance(timeout, _Unset):
            if any(isinstance(x, _Unset) for x in (connect, read, write, pool)):
                raise ValueError(
                    "fastclient.Timeout must either include a default, or set all four"
                    " parameters explicitly."
                )
            self.connect = typing.cast(Optional[float], connect)
            self.read = typing.cast(Optional[float], read)
            self.write = typing.cast(Optional[float], write)
            self.pool = typing.cast(Optional[float], pool)
        else:
            self.connect = connect if not isinstance(connect, _Unset) else timeout
            self.read = read if not isinstance(read, _Unset) else timeout
            self.write = write if not isinstance(write, _Unset) else timeout
            self.pool = pool if not isinstance(pool, _Unset) else timeout
        if not isinstance(head, _Unset):
            self.head = head

    def as_dict(self) -> Dict[str, Optional[float]]:
        """The request extension form, httpx's four keys plus ``head``."""
        return {
            "connect": self.connect,
            "read": self.read,
            "write": self.write,
            "pool": self.pool,
            "head": self.head,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeout) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = "" if self.head == DEFAULT_HEAD_TIMEOUT else f", head={self.head}"
        if len({self.connect, self.read, self.write, self.pool}) == 1:
            return f"Timeout(timeout={self.connect}{head})"
        return (
            f"Timeout(connect={self.connect}, read={self.read}, write={self.write},"
            f" pool={self.pool}{head})"
        )


class Limits:
    """Connection pool limits, as httpx's, plus ``max_connections_per_host``."""

    __slots__ = (
        "keepalive_expiry",
        "max_connections",
        "max_connections_per_host",
        "max_keepalive_connections",
    )

    def __init__(
        self,
        *,
        max_connections: int | None = None,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = 5.0,
        max_connections_per_host: int | None = None,
    ) -> None:
        for name, value in (
            ("max_connections", max_connections),
            ("max_connections_per_host", max_connections_per_host),
        ):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be None or at least 1, not {value!r}")
        if max_keepalive_connections is not None and max_keepalive_connections < 0:
            raise ValueError("max_keepalive_connections must be None or at least 0")
        self.max_connections = max_connections
        self.max_keepalive_connections = max_keepalive_connections
        self.keepalive_expiry = keepalive_expiry
        self.max_connections_per_host = max_connections_per_host

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        text = (
            f"Limits(max_connections={self.max_connections},"
            f" max_keepalive_connections={self.max_keepalive_connections},"
            f" keepalive_expiry={self.keepalive_expiry}"
        )
        if self.max_connections_per_host is not None:
            text += f", max_connections_per_host={self.max_connections_per_host}"
        return text + ")"


def create_ssl_context(
    verify: VerifyTypes = True, cert: CertTypes | None = None, trust_env: bool = True
) -> ssl.SSLContext:
    """An SSLContext for client connections.

    ``verify``: True (certifi's CA bundle, or SSL_CERT_FILE/SSL_CERT_DIR when trust_env),
    False (no verification at all), a CA bundle file or directory path, or an SSLContext
    used as is. Only the CAs named so are trusted (as in httpx), not the system's store
    as well. ``cert``: a client certificate file, (cert, key) or (cert, key, password).
    SSLKEYLOGFILE is honoured when trust_env is true.
    """
    if isinstance(verify, ssl.SSLContext):
        ctx = verify
    elif verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        _configure(ctx, _keylog_file(trust_env))
    else:
        cafile, capath = _ca_location(verify, trust_env)
        ctx = _verifying_context(cafile, capath, _keylog_file(trust_env))
    if cert is not None:
        if isinstance(cert, str):
            ctx.load_cert_chain(certfile=cert)
        elif len(cert) == 2:
            ctx.load_cert_chain(certfile=cert[0], keyfile=cert[1])
        else:
            ctx.load_cert_chain(certfile=cert[0], keyfile=cert[1], password=cert[2])
    return ctx


def _verifying_context(
    cafile: Optional[str], capath: Optional[str], keylog: Optional[str]
) -> ssl.SSLContext:
    """A verifying context trusting ``cafile``/``capath``, or certifi's bundle."""
    if cafile is None and capath is None:
        import certifi

        cafile = certifi.where()
    # Given a location, create_default_context loads it instead of OpenSSL's default
    # paths. Called bare and then given certifi, it trusted both and took twice as long
    # (the system store costs as much to load as certifi's bundle).
    ctx = ssl.create_default_context(cafile=cafile, capath=capath)
    _configure(ctx, keylog)
    return ctx


def _configure(ctx: ssl.SSLContext, keylog: Optional[str]) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    if keylog:
        ctx.keylog_filename = keylog


def _keylog_file(trust_env: bool) -> Optional[str]:
    if not trust_env:
        return None
    return os.environ.get("SSLKEYLOGFILE") or None


def _ca_location(verify: Union[str, bool], trust_env: bool) -> Tuple[Optional[str], Optional[str]]:
    """The (cafile, capath) that ``verify`` names; (None, None) for certifi's bundle."""
    if isinstance(verify, str):
        if os.path.isdir(verify):
            return None, verify
        if os.path.isfile(verify):
            return verify, None
        raise OSError(
            f"Could not find a suitable TLS CA certificate bundle, invalid path: {verify}"
        )
    if trust_env and os.environ.get("SSL_CERT_FILE"):
        return os.environ["SSL_CERT_FILE"], None
    if trust_env and os.environ.get("SSL_CERT_DIR"):
        return None, os.environ["SSL_CERT_DIR"]
    return None, None


class LazySSLContext:
    """The context of ``verify=True``, built on the first ``get()`` rather than at once.

    Loading a CA bundle takes tens of milliseconds, which made every transport's
    constructor slow, although many never open a TLS connection (plain-http services,
    tests, clients built per task). The transports' pools call ``get()`` for their first
    TLS connection; it is thread-safe and builds the context once. What the environment
    names (SSL_CERT_FILE, SSL_CERT_DIR, SSLKEYLOGFILE) is read by the constructor, when
    an eager build would have read it: see :func:`ssl_context_source`.
    """

    __slots__ = ("_cafile", "_capath", "_context", "_keylog", "_lock")

    def __init__(
        self,
        cafile: Optional[str] = None,
        capath: Optional[str] = None,
        keylog: Optional[str] = None,
    ) -> None:
        self._cafile = cafile
        self._capath = capath
        self._keylog = keylog
        self._context: Optional[ssl.SSLContext] = None
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, trust_env: bool = True) -> LazySSLContext:
        """What ``verify=True`` names, read from the environment now."""
        cafile, capath = _ca_location(True, trust_env)
        return cls(cafile, capath, _keylog_file(trust_env))

    @property
    def built(self) -> Optional[ssl.SSLContext]:
        """The context if it has been built, else None (without building it)."""
        return self._context

    def get(self) -> ssl.SSLContext:
        context = self._context
        if context is None:
            # Threads that connect at once wait here for the one build.
            with self._lock:
                context = self._context
                if context is None:
                    context = _verifying_context(self._cafile, self._capath, self._keylog)
                    self._context = context
        return context

    def __repr__(self) -> str:
        state = "built" if self._context is not None else "not built yet"
        return f"<LazySSLContext {self._cafile or self._capath or 'certifi'}, {state}>"


def ssl_context_source(
    verify: VerifyTypes, cert: CertTypes | None, trust_env: bool
) -> Union[ssl.SSLContext, LazySSLContext]:
    """A transport's TLS context: for ``verify=True`` a LazySSLContext, else the context.

    The environment is read now. A CA location in it that does not exist, a client
    certificate, or any other ``verify`` is loaded at once, so that those fail in the
    constructor as with httpx; a bundle that exists but does not parse fails at the first
    TLS connection instead.
    """
    if verify is True and cert is None:
        lazy = LazySSLContext.from_environment(trust_env)
        cafile, capath = lazy._cafile, lazy._capath
        if (cafile is None or os.path.isfile(cafile)) and (capath is None or os.path.isdir(capath)):
            return lazy
    return create_ssl_context(verify, cert, trust_env)


class Proxy:
    """A proxy server: ``Proxy("http://user:pass@proxy:3128", headers=..., ssl_context=...)``.

    As in httpx, credentials in the URL become ``auth`` and leave ``url`` (a URL), so that
    printing or logging the proxy cannot show them; they are sent to the proxy only
    (Proxy-Authorization), never to the origin.
    """

    def __init__(
        self,
        url: Any,
        *,
        ssl_context: ssl.SSLContext | None = None,
        auth: Tuple[str, str] | None = None,
        headers: Any = None,
    ) -> None:
        text = str(url)
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https", "socks5", "socks5h"):
            raise ValueError(f"Unknown scheme for proxy URL {text!r}")
        proxy_url = url if isinstance(url, URL) else URL(text)
        if parts.username or parts.password:
            auth = (unquote(parts.username or ""), unquote(parts.password or ""))
            proxy_url = proxy_url.copy_with(username=None, password=None)
        self.url = proxy_url
        self.scheme = scheme
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if scheme == "https" else 1080 if "socks" in scheme else 80)
        self.auth = auth
        self.headers = Headers(headers)
        self.ssl_context = ssl_context

    @property
    def raw_auth(self) -> Optional[Tuple[bytes, bytes]]:
        if self.auth is None:
            return None
        return (self.auth[0].encode("utf-8"), self.auth[1].encode("utf-8"))

    def __repr__(self) -> str:
        # The password is masked; the URL has none (see __init__).
        auth = f", auth=({self.auth[0]!r}, '********')" if self.auth else ""
        headers = f", headers={dict(self.headers)!r}" if self.headers else ""
        return f"Proxy({str(self.url)!r}{auth}{headers})"


DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=5.0)
DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20)
DEFAULT_MAX_REDIRECTS = 20
