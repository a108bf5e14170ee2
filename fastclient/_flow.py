"""Redirects and auth as one generator that both clients drive.

The flow never does I/O. It yields *operations* and is sent their results:

    (SEND, request)        -> Response   hooks, transport, cookie jar (one HTTP exchange)
    (READ, response)       -> None       read the body (which releases the connection)
    (CLOSE, response)      -> None       close without reading
    (AUTH_START, (auth, request)) -> Request    first request of the auth flow
    (AUTH_NEXT, response)  -> Request or None   the auth flow's next request (None: done)

``Client`` performs each operation with blocking calls and ``AsyncClient`` with awaits;
the algorithm (what follows a redirect, what is dropped on an origin change, when auth
retries, what is closed on an error) exists once, here. When performing an operation
fails, the driver throws the exception into the flow, so the flow's own ``except``
clauses decide what to close, by yielding CLOSE, before the error propagates.

Auth flows stay in the driver (AUTH_START/AUTH_NEXT) because a user's ``Auth`` may
override ``sync_auth_flow``/``async_auth_flow`` to do its own blocking or async I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generator, List, Optional, Tuple

from ._exceptions import InvalidURL, RemoteProtocolError, StreamConsumed, TooManyRedirects
from ._streams import ByteStream

if TYPE_CHECKING:
    from ._auth import Auth
    from ._cookies import Cookies
    from ._models import Request, Response
    from ._urls import URL

__all__ = [
    "AUTH_NEXT",
    "AUTH_START",
    "CLOSE",
    "READ",
    "REDIRECT_STATUS_CODES",
    "SEND",
    "Flow",
    "build_redirect_request",
    "leave_redirect_unfollowed",
    "send_flow",
]

SEND = 0
READ = 1
CLOSE = 2
AUTH_START = 3
AUTH_NEXT = 4

Operation = Tuple[int, Any]
#: What a driver runs: yields operations, is sent their results, returns the response.
Flow = Generator[Operation, Any, "Response"]

REDIRECT_STATUS_CODES = frozenset({301, 302, 303, 307, 308})

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Headers that describe a body; a redirect that turns the request into a GET drops them.
_BODY_HEADERS = ("Content-Length", "Content-Type", "Transfer-Encoding")
# Headers that carry credentials for one origin (or its proxy) and must not travel on.
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization")


def send_flow(
    request: Request,
    auth: Optional[Auth],
    follow_redirects: bool,
    max_redirects: int,
    cookies: Cookies,
) -> Flow:
    """The whole of ``send``: auth around redirects around single exchanges.

    ``cookies`` is the client's jar; a redirect request takes its Cookie header from the
    jar as it is after the redirect response's Set-Cookie was stored.
    """
    history: List[Response] = []
    if auth is None:
        return (
            yield from _redirect_flow(request, follow_redirects, max_redirects, cookies, history)
        )
    request = yield (AUTH_START, (auth, request))
    while True:
        response = yield from _redirect_flow(
            request, follow_redirects, max_redirects, cookies, history
        )
        try:
            next_request = yield (AUTH_NEXT, response)
            if next_request is None:
                return response
            # The challenge response becomes history; read it so its connection is free
            # for the answer (which may be pinned to that very connection).
            response.history = list(history)
            yield (READ, response)
            history.append(response)
            request = next_request
        except BaseException as exc:
            if not isinstance(exc, GeneratorExit):
                yield (CLOSE, response)
            raise


def _redirect_flow(
    request: Request,
    follow_redirects: bool,
    max_redirects: int,
    cookies: Cookies,
    history: List[Response],
) -> Flow:
    while True:
        if len(history) > max_redirects:
            raise TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
        response: Response = yield (SEND, request)
        try:
            if history:
                response.history = list(history)
            if response.status_code not in REDIRECT_STATUS_CODES or (
                "location" not in response.headers
            ):
                return response
            next_request = build_redirect_request(request, response, cookies)
            if not follow_redirects:
                response.next_request = next_request
                return response
            yield (READ, response)
            history = [*history, response]
            request = next_request
        except BaseException as exc:
            if not isinstance(exc, GeneratorExit):
                yield (CLOSE, response)
            raise


def leave_redirect_unfollowed(request: Request, response: Response, cookies: Cookies) -> None:
    """The clients' fast path (no auth, no following) in one call: what ``send_flow``
    does to a single response, so both paths behave identically."""
    if response.status_code in REDIRECT_STATUS_CODES and "location" in response.headers:
        response.next_request = build_redirect_request(request, response, cookies)


# -- building the request that follows a redirect ----------------------------------------


def _origin(url: URL) -> Tuple[str, str, Optional[int]]:
    port = url.port
    return (url.scheme, url.host, port if port is not None else _DEFAULT_PORTS.get(url.scheme))


def _is_https_upgrade(old: URL, new: URL) -> bool:
    """http://host -> https://host on default ports keeps credentials (httpx does too):
    the credentials go to the same host, only better protected."""
    return (
        old.scheme == "http"
        and new.scheme == "https"
        and old.host == new.host
        and old.port in (None, 80)
        and new.port in (None, 443)
    )


def _redirect_method(method: str, status_code: int) -> str:
    if status_code == 303 and method != "HEAD":
        return "GET"
    # 301 and 302 turn POST into GET: what browsers do, and what servers expect.
    if status_code in (301, 302) and method == "POST":
        return "GET"
    return method


def _redirect_url(request: Request, response: Response) -> URL:
    from ._urls import URL

    location = response.headers["Location"]
    try:
        url = URL(location)
    except InvalidURL as exc:
        raise RemoteProtocolError(
            f"Invalid URL in location header: {exc}.", request=request
        ) from None
    if url.scheme and not url.host:  # "https:/path" style: the host stays
        url = url.copy_with(host=request.url.host)
    if url.is_relative_url:
        url = request.url.join(url)
    if request.url.fragment and not url.fragment:  # RFC 9110 section 10.2.2
        url = url.copy_with(fragment=request.url.fragment)
    return url


def build_redirect_request(request: Request, response: Response, cookies: Cookies) -> Request:
    """The request that follows ``response`` (a redirect with a Location)."""
    from ._models import Request
    from ._request import add_cookie_header

    status_code = response.status_code
    method = _redirect_method(request.method, status_code)
    url = _redirect_url(request, response)
    headers = request.headers.copy()
    extensions = dict(request.extensions)
    if _origin(url) != _origin(request.url):
        for name in _CREDENTIAL_HEADERS:
            if name == "Authorization" and _is_https_upgrade(request.url, url):
                continue
            headers.pop(name, None)
        headers["Host"] = url.netloc.decode("ascii")
        # A connection pinned for an auth handshake belongs to the old origin.
        extensions.pop("conn_id", None)
    # The jar (already holding what the redirect response set) decides the Cookie header
    # for the new URL; a Cookie header the caller set by hand is not sent on.
    headers.pop("Cookie", None)

    if method != request.method and method == "GET":
        for name in _BODY_HEADERS:
            headers.pop(name, None)
        stream: Any = ByteStream(b"")
    else:
        stream = request.stream
        if not isinstance(stream, ByteStream):
            # 307/308 must resend the body. A body held in memory is replayed; a streamed
            # one (generator, file) was consumed by the first attempt and is gone.
            raise StreamConsumed(
                f"Cannot follow the {status_code} redirect to {url}: it must resend the"
                " request body, which was a stream and has been consumed. Send the body as"
                " bytes, call request.read() before sending, or use follow_redirects=False"
                " and handle response.next_request yourself."
            )
    redirect = Request(method, url, headers=headers, stream=stream, extensions=extensions)
    add_cookie_header(cookies, redirect)
    return redirect
