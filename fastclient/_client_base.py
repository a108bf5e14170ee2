"""What Client and AsyncClient share: configuration, request building, transport choice.

Everything that does not block or await lives here, once. The two clients add only what
differs: how an operation of the send flow (see ``_flow``) is performed, and the ``def``
versus ``async def`` of their public methods. ``tests/client/test_api_parity.py`` checks
that the two public surfaces keep identical signatures.

Per-request cost is kept low on purpose: the default headers are merged once (at
construction, or when ``headers`` is assigned), nothing is merged or copied when a
request adds nothing, cookies are consulted only when the jar holds some, and the log
line is formatted only when INFO logging is on for the ``fastclient`` logger.
"""

from __future__ import annotations

import logging
import warnings
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generic,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from ._auth import Auth, BasicAuth, FunctionAuth
from ._config import DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_CONFIG, Proxy, Timeout
from ._cookies import Cookies
from ._exceptions import LocalProtocolError
from ._headers import Headers
from ._models import Request, Response
from ._net.h1 import write_fields
from ._request import add_cookie_header, bodiless_headers
from ._urlpatterns import MountTable, URLPattern, environment_mounts
from ._urls import URL, QueryParams
from ._version import __version__

if TYPE_CHECKING:
    from ._types import (
        AuthTypes,
        CookieTypes,
        HeaderTypes,
        ProxyTypes,
        QueryParamTypes,
        RequestContent,
        RequestData,
        RequestExtensions,
        RequestFiles,
        TimeoutTypes,
    )

__all__ = ["USE_CLIENT_DEFAULT", "BaseClient", "EventHook", "UseClientDefault", "default_method"]

logger = logging.getLogger("fastclient")

T = TypeVar("T")  # the transport type: BaseTransport or AsyncBaseTransport
F = TypeVar("F", bound=Callable[..., Any])
EventHook = Callable[..., Any]

USER_AGENT = f"python-fastclient/{__version__}"

# Merged URLs remembered per client (see BaseClient._build); bounded for crawlers.
_URL_CACHE_LIMIT = 512


# The methods whose requests without a body carry no Content-Length (see _request), so
# that one header template serves them all.
_TEMPLATED_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "DELETE"))


class _CachedURL:
    """A URL string of a client's, parsed (and merged) once, plus the header template of
    its requests without a body or per-request headers: Host, then the client's headers,
    with their HTTP/1.1 wire form, so that neither is rebuilt per request.

    The template is valid while the client's headers are unchanged. Their own ``_wire``
    is the stamp: every change drops it, and a new one is a new bytes object, never the
    one the template holds (that one is still alive), so an identity check tells. (The
    one exception: no headers at all are written as the same constant each time, which
    then stands for the same, empty, content.)"""

    __slots__ = ("_template", "url")

    def __init__(self, url: URL) -> None:
        self.url = url
        # (the client's headers' wire form it was built from, raw pairs, keys, wire form),
        # replaced whole so that a thread never sees parts of two templates.
        self._template: Optional[Tuple[bytes, List[Tuple[bytes, bytes]], List[bytes], bytes]]
        self._template = None

    def headers_for(self, client_headers: Headers) -> Optional[Headers]:
        """New headers for a request to this URL with ``client_headers`` as they are now;
        None when those cannot be written (the request takes the general path then, and
        the transport reports the error)."""
        template = self._template
        if template is None or client_headers._wire is not template[0]:
            template = self._refresh(client_headers)
            if template is None:
                return None
        headers = Headers._from_checked(template[1][:], template[2][:])
        headers._wire = template[3]
        return headers

    def _refresh(
        self, client_headers: Headers
    ) -> Optional[Tuple[bytes, List[Tuple[bytes, bytes]], List[bytes], bytes]]:
        client_headers._ensure()
        try:
            stamp = client_headers._wire
            if stamp is None:
                stamp = client_headers._wire = write_fields(client_headers._raw)
            headers = bodiless_headers("GET", self.url, client_headers)
            assert headers._keys is not None
            template = (stamp, headers._raw, headers._keys, write_fields(headers._raw))
        except LocalProtocolError:
            return None
        self._template = template
        return template


class UseClientDefault:
    """The type of :data:`USE_CLIENT_DEFAULT`: "whatever the client is configured with".

    It exists because ``None`` is a meaningful per-request value (``auth=None`` disables
    the client's auth for one request, ``timeout=None`` disables timeouts).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"


USE_CLIENT_DEFAULT = UseClientDefault()

# Client lifecycle (httpx's rules): sending opens a client implicitly; `with` may open it
# only once; a closed client stays closed.
UNOPENED, OPENED, CLOSED = 0, 1, 2


def _accept_encoding() -> str:
    try:
        from ._protocol.decoders import SUPPORTED_ENCODINGS
    except ImportError:  # pragma: no cover - the decoders module ships with the package
        return "gzip, deflate"
    return ", ".join(SUPPORTED_ENCODINGS)


def _default_headers() -> Headers:
    return Headers(
        {
            "Accept": "*/*",
            "Accept-Encoding": _accept_encoding(),
            "Connection": "keep-alive",
            "User-Agent": USER_AGENT,
        }
    )


def build_auth(auth: Any) -> Optional[Auth]:
    """``auth=`` as given (tuple, callable, Auth, None) -> an Auth or None."""
    if auth is None or isinstance(auth, Auth):
        return auth
    if isinstance(auth, tuple):
        return BasicAuth(auth[0], auth[1])
    if callable(auth):
        return FunctionAuth(auth)
    raise TypeError(f'Invalid "auth" argument: {auth!r}')


def _enforce_trailing_slash(url: URL) -> URL:
    # Relative URLs are appended to base_url's path, so that path must end in "/".
    if url.raw_path.endswith(b"/"):
        return url
    return url.copy_with(raw_path=url.raw_path + b"/")


def default_method(func: F) -> F:
    """Mark one of the methods a subclass may override (see ``BaseClient``)."""
    func._fastclient_default = True  # type: ignore[attr-defined]
    return func


# The timeouts dict of a request given ``timeout=`` as a number, per (type, value): the
# same few values come with request after request. Shared, as the client's own is.
_TIMEOUT_DICTS: Dict[Tuple[type, float], Dict[str, Optional[float]]] = {}


def _timeout_dict(timeout: TimeoutTypes) -> Dict[str, Optional[float]]:
    kind = type(timeout)
    if kind is not float and kind is not int:
        return Timeout(timeout).as_dict()
    key = (kind, timeout)
    found = _TIMEOUT_DICTS.get(key)  # type: ignore[arg-type]
    if found is None:
        found = Timeout(timeout).as_dict()
        if len(_TIMEOUT_DICTS) < 64:
            _TIMEOUT_DICTS[key] = found  # type: ignore[index]
    return found


class BaseClient(Generic[T]):
    """Configuration and request building shared by Client and AsyncClient.

    ``request()`` and the verbs call internal, positional-argument twins of ``request()``,
    ``build_request()`` and ``send()``: keyword passing of a dozen arguments at each of
    three levels costs more than all the merging does. A subclass that overrides
    ``request``, ``build_request`` or ``send`` (a common way to add logging, signing or
    retries with httpx) gets them called exactly where httpx calls them; the two flags
    below, computed once per class, say so.
    """

    _custom_request = False  # get() and friends must go through self.request()
    _custom_build_send = False  # request() must go through build_request() and send()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

        def overridden(name: str) -> bool:
            return not getattr(getattr(cls, name, None), "_fastclient_default", False)

        cls._custom_request = overridden("request")
        cls._custom_build_send = overridden("build_request") or overridden("send")

    def __init__(
        self,
        *,
        auth: Optional[AuthTypes] = None,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: Optional[Mapping[str, List[EventHook]]] = None,
        base_url: Union[URL, str] = "",
        trust_env: bool = True,
        default_encoding: Union[str, Callable[[bytes], str]] = "utf-8",
    ) -> None:
        self._state = UNOPENED
        self.auth = auth
        self.params = params
        self.headers = headers
        self.cookies = cookies
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self.event_hooks = event_hooks
        self.base_url = base_url
        self._trust_env = trust_env
        self._default_encoding = default_encoding

    # -- configuration, readable and assignable as in httpx ------------------------------

    @property
    def is_closed(self) -> bool:
        return self._state == CLOSED

    @property
    def trust_env(self) -> bool:
        return self._trust_env

    @property
    def timeout(self) -> Timeout:
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: TimeoutTypes) -> None:
        self._timeout = Timeout(timeout)
        # Every request carries the timeouts as a dict; build it once, not per request.
        self._timeout_dict = self._timeout.as_dict()
        self._default_extensions = {"timeout": self._timeout_dict}

    @property
    def event_hooks(self) -> Dict[str, List[EventHook]]:
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, event_hooks: Optional[Mapping[str, List[EventHook]]]) -> None:
        hooks = event_hooks or {}
        self._event_hooks = {
            "request": list(hooks.get("request", [])),
            "response": list(hooks.get("response", [])),
        }

    @property
    def auth(self) -> Optional[Auth]:
        return self._auth

    @auth.setter
    def auth(self, auth: Optional[AuthTypes]) -> None:
        self._auth = build_auth(auth)

    @property
    def base_url(self) -> URL:
        return self._base_url

    @base_url.setter
    def base_url(self, url: Union[URL, str]) -> None:
        self._base_url = _enforce_trailing_slash(URL(url))
        self._has_base_url = bool(str(url))
        self._reset_url_cache()

    @property
    def headers(self) -> Headers:
        return self._headers

    @headers.setter
    def headers(self, headers: Optional[HeaderTypes]) -> None:
        merged = _default_headers()
        if headers is not None:
            merged.update(headers)
        self._headers = merged

    @property
    def cookies(self) -> Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Optional[CookieTypes]) -> None:
        self._cookies = Cookies(cookies)

    @property
    def params(self) -> QueryParams:
        return self._params

    @params.setter
    def params(self, params: Optional[QueryParamTypes]) -> None:
        self._params = QueryParams(params)
        self._reset_url_cache()

    def _reset_url_cache(self) -> None:
        # Strings already parsed (and merged with base_url and params): a load generator
        # or a poller sends the same few URLs again and again, and parsing one costs more
        # than the rest of building its request. Emptied when base_url or params change.
        self._url_cache: Dict[str, _CachedURL] = {}

    def _cache_url(self, url: str) -> _CachedURL:
        parsed = self._merge_url(url) if self._has_base_url else URL(url)
        if self._params:
            # Replaces the URL's query, as httpx 0.28 does: there the client's params
            # reach Request(params=...), which replaces it (httpx #3433).
            parsed = parsed.copy_with(params=self._params)
        if len(self._url_cache) >= _URL_CACHE_LIMIT:
            self._url_cache.clear()
        cached = self._url_cache[url] = _CachedURL(parsed)
        return cached

    # -- building requests ---------------------------------------------------------------

    @default_method
    def build_request(
        self,
        method: str,
        url: Union[URL, str],
        *,
        content: Optional[RequestContent] = None,
        data: Optional[RequestData] = None,
        files: Optional[RequestFiles] = None,
        json: Optional[Any] = None,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Request:
        """Build a Request with the client's base_url, params, headers, cookies and timeout
        merged in; ``send()`` it later."""
        return self._build(
            method, url, content, data, files, json, params, headers, cookies, timeout, extensions
        )

    def _build(
        self,
        method: str,
        url: Union[URL, str],
        content: Optional[RequestContent],
        data: Optional[RequestData],
        files: Optional[RequestFiles],
        json: Optional[Any],
        params: Optional[QueryParamTypes],
        headers: Optional[HeaderTypes],
        cookies: Optional[CookieTypes],
        timeout: Union[TimeoutTypes, UseClientDefault],
        extensions: Optional[RequestExtensions],
    ) -> Request:
        # build_request() with positional arguments: what the clients call on the hot
        # path (keyword passing of eleven arguments costs more than the merging does).
        if (
            type(url) is str
            and method in _TEMPLATED_METHODS
            and params is None
            and not headers  # (an empty list or dict adds nothing)
            and content is None
            and data is None
            and files is None
            and json is None
            and cookies is None
            and extensions is None
        ):
            # The hottest path, nothing per request but the method and the URL: the
            # client's headers as they are, and the URL string seen before, give the whole
            # header list and its wire form (see _CachedURL).
            cached = self._url_cache.get(url) or self._cache_url(url)
            templated = cached.headers_for(self._headers)
            if templated is not None:
                timeouts = (
                    self._timeout_dict
                    if isinstance(timeout, UseClientDefault)
                    else _timeout_dict(timeout)
                )
                request = Request._bodiless(method, cached.url, templated, {"timeout": timeouts})
                jar = self._cookies
                store = getattr(jar.jar, "_cookies", None)
                if type(store) is not dict or store:  # add_cookie_header's own first test
                    add_cookie_header(jar, request)
                return request
        merged_params: Optional[QueryParamTypes] = None
        if params is None and type(url) is str:
            # Nothing per request: the URL (merged with base_url and the client's params)
            # depends only on the string, and URLs are immutable, so each string is
            # parsed and merged once.
            url = (self._url_cache.get(url) or self._cache_url(url)).url
        else:
            if self._has_base_url:
                url = self._merge_url(url)
            elif type(url) is str:
                url = URL(url)  # here rather than in Request, for the hot path below
            if self._params:
                merged_params = self._params if params is None else self._params.merge(params)
            else:
                merged_params = params
            if merged_params is not None and type(url) is URL:
                # What Request(url, params=...) does, done here so that the request can
                # take the bodiless fast path below.
                url = url.copy_with(params=merged_params)
                merged_params = None

        # (Without headers of its own, the request takes its own copy of the client's.)
        merged_headers = self._headers._updated(headers) if headers else self._headers

        jar = self._cookies
        if cookies is not None:
            jar = Cookies(self._cookies)
            jar.update(cookies)

        if extensions is None and timeout is USE_CLIENT_DEFAULT:
            # Request copies its extensions, so one prebuilt dict serves every request.
            request_extensions: Mapping[str, Any] = self._default_extensions
        else:
            request_extensions = {} if extensions is None else dict(extensions)
            if "timeout" not in request_extensions:
                request_extensions["timeout"] = (
                    self._timeout_dict
                    if isinstance(timeout, UseClientDefault)
                    else _timeout_dict(timeout)
                )
        if content is None and data is None and files is None and json is None:
            if merged_params is None and type(url) is URL and merged_headers._keys is not None:
                # The hot path: what the Request call below builds, without its argument
                # handling (the extensions are copied for this request, as Request does).
                method = method.upper()
                request = Request._bodiless(
                    method,
                    url,
                    bodiless_headers(
                        method, url, merged_headers, merged_headers is not self._headers
                    ),
                    dict(request_extensions),
                )
            else:
                request = Request(
                    method, url, params=merged_params, headers=merged_headers,
                    extensions=request_extensions,
                )  # fmt: skip
        else:
            request = Request(
                method,
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=merged_params,
                headers=merged_headers,
                extensions=request_extensions,
            )
        # The header httpx's Request(cookies=jar) adds, without its copy of the jar (and
        # nothing at all for an empty jar).
        add_cookie_header(jar, request)
        return request

    def _merge_url(self, url: Union[URL, str]) -> URL:
        merge_url = URL(url)
        if merge_url.is_relative_url:
            # Appending, not RFC 3986 resolution: base_url "https://h/api/" + "/users"
            # gives "https://h/api/users", which is what people mean by a base URL.
            raw_path = self._base_url.raw_path + merge_url.raw_path.lstrip(b"/")
            return self._base_url.copy_with(raw_path=raw_path)
        return merge_url

    @staticmethod
    def _warn_per_request_cookies() -> None:
        # Called from _verb(), itself called from request() or a verb: stacklevel 4 points
        # at the caller's line.
        warnings.warn(
            "Per-request cookies= are deprecated (as in httpx): whether they should"
            " persist in the client is ambiguous. Set them on the client instead:"
            " client.cookies.set(...) or Client(cookies=...).",
            DeprecationWarning,
            stacklevel=4,
        )

    # -- sending: the parts that neither block nor await ----------------------------------

    def _resolve(
        self,
        request: Request,
        auth: Union[AuthTypes, UseClientDefault, None],
        follow_redirects: Union[bool, UseClientDefault],
    ) -> Tuple[Optional[Auth], bool]:
        """Check the client is usable; resolve per-request auth and redirect choices."""
        if self._state != OPENED:
            if self._state == CLOSED:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            self._state = OPENED
        auth_obj = self._auth if auth is USE_CLIENT_DEFAULT else build_auth(auth)
        if auth_obj is None and request.url._parts.userinfo:
            url = request.url
            auth_obj = BasicAuth(url.username, url.password)
        follow = bool(
            self.follow_redirects if follow_redirects is USE_CLIENT_DEFAULT else follow_redirects
        )
        if not follow and type(auth_obj) is BasicAuth:
            # BasicAuth's whole flow is "set the header, send once": do just that, and the
            # request takes the fast path (a subclass may do more, so only the exact type).
            request.headers["Authorization"] = auth_obj._auth_header
            auth_obj = None
        return auth_obj, follow

    def _ensure_timeout(self, request: Request) -> None:
        # A request built without this client (Request(...) then send()) gets its timeouts.
        if "timeout" not in request.extensions:
            request.extensions = {**request.extensions, "timeout": self._timeout_dict}

    def _exchanged(self, request: Request, response: Response, started: float) -> None:
        """Bookkeeping for every response the transport returns (redirects included);
        ``started`` is ``perf_counter()`` when the request went to the transport."""
        response._start_elapsed_timer(started)  # elapsed is set when the body is done
        if response.is_closed:  # a body that came in memory (MockTransport): done now
            response._stop_elapsed_timer()
        response._request = request
        if response._has_field(b"set-cookie"):
            self._cookies.extract_cookies(response)
        if self._default_encoding != "utf-8":
            response.default_encoding = self._default_encoding
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )


def mount_table(
    default: T,
    mounts: Optional[Mapping[str, Optional[T]]],
    proxy: Optional[ProxyTypes],
    use_env_proxies: bool,
    proxy_transport: Callable[[Proxy], T],
) -> MountTable[T]:
    """The client's transports by URL pattern: proxies (given, or from the environment
    when ``trust_env`` and no custom transport), then the user's mounts over them."""
    proxies: Dict[str, Optional[Proxy]] = {}
    if proxy is not None:
        proxies["all://"] = proxy if isinstance(proxy, Proxy) else Proxy(url=proxy)
    elif use_env_proxies:
        for key, proxy_url in environment_mounts().items():
            proxies[key] = None if proxy_url is None else Proxy(url=proxy_url)
    table: Dict[URLPattern, Optional[T]] = {
        URLPattern(key): (None if value is None else proxy_transport(value))
        for key, value in proxies.items()
    }
    if mounts:
        table.update({URLPattern(key): transport for key, transport in mounts.items()})
    return MountTable(default, table)
