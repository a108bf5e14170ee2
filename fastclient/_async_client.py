"""The asyncio client: BaseClient's logic plus awaits. Mirrors ``_client.py`` method for
method (``tests/client/test_api_parity.py`` holds the two to the same signatures).

Event hooks may be plain functions or coroutine functions (httpx requires the latter).
``send`` takes a fast path when there is no auth and redirects are not followed (the
common case): one exchange, no generator machinery. Otherwise it drives the shared
``_flow.send_flow``. Both paths behave identically; the tests run every scenario twice,
once per client.
"""

from __future__ import annotations

import contextlib
import inspect
from time import perf_counter
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    List,
    Mapping,
    Optional,
    Type,
    TypeVar,
    Union,
)

from . import _flow
from ._client_base import (
    CLOSED,
    OPENED,
    UNOPENED,
    USE_CLIENT_DEFAULT,
    BaseClient,
    EventHook,
    UseClientDefault,
    default_method,
    mount_table,
)
from ._config import DEFAULT_LIMITS, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_CONFIG, Limits, Proxy
from ._models import Request, Response
from ._streams import AsyncByteStream
from ._transports.base import AsyncBaseTransport
from ._transports.default import AsyncHTTPTransport, attach_request
from ._urls import URL

if TYPE_CHECKING:
    import ssl

    from ._auth import Auth
    from ._types import (
        AuthTypes,
        CertTypes,
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

__all__ = ["AsyncClient"]

C = TypeVar("C", bound="AsyncClient")


# The default transport's own handle_async_request: a test double patched onto the class
# (as pytest-httpx does to httpx's) or onto the transport (mock.patch.object) must see
# every request, so _send goes around it only while it is this one.
_HANDLE = AsyncHTTPTransport.handle_async_request
_HANDLE_NAME = "handle_async_request"


class AsyncClient(BaseClient[AsyncBaseTransport]):
    """An asyncio HTTP client with connection pooling, httpx's ``AsyncClient`` API."""

    def __init__(
        self,
        *,
        auth: Optional[AuthTypes] = None,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        verify: Union[ssl.SSLContext, str, bool] = True,
        cert: Optional[CertTypes] = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        proxy: Optional[ProxyTypes] = None,
        mounts: Optional[Mapping[str, Optional[AsyncBaseTransport]]] = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: Optional[Mapping[str, List[EventHook]]] = None,
        base_url: Union[URL, str] = "",
        transport: Optional[AsyncBaseTransport] = None,
        default_encoding: Union[str, Callable[[bytes], str]] = "utf-8",
    ) -> None:
        super().__init__(
            auth=auth,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            event_hooks=event_hooks,
            base_url=base_url,
            trust_env=trust_env,
            default_encoding=default_encoding,
        )

        def make_transport(proxy: Optional[Proxy]) -> AsyncBaseTransport:
            return AsyncHTTPTransport(
                verify=verify,
                cert=cert,
                trust_env=trust_env,
                http1=http1,
                http2=http2,
                limits=limits,
                proxy=proxy,
            )

        self._transport = transport if transport is not None else make_transport(None)
        self._mounts = mount_table(
            self._transport, mounts, proxy, trust_env and transport is None, make_transport
        )
        self._unmounted = not self._mounts.entries  # the common case: skip the lookup

    # -- requests --------------------------------------------------------------------------

    @default_method
    async def request(
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
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        """Build and send a request; the response body is read before returning."""
        return await self._verb(
            method, url, content, data, files, json, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    def _verb(
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
        auth: Union[AuthTypes, UseClientDefault, None],
        follow_redirects: Union[bool, UseClientDefault],
        timeout: Union[TimeoutTypes, UseClientDefault],
        extensions: Optional[RequestExtensions],
    ) -> Awaitable[Response]:
        """``request()`` with positional arguments (see BaseClient on why). A plain
        function returning the awaitable: the caller (itself a coroutine) awaits ``_send``
        directly, one coroutine frame fewer per request."""
        if cookies is not None:
            self._warn_per_request_cookies()
        if self._custom_build_send:  # a subclass's build_request/send, called as httpx does
            request = self.build_request(
                method,
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                timeout=timeout,
                extensions=extensions,
            )
            return self.send(request, auth=auth, follow_redirects=follow_redirects)
        request = self._build(
            method, url, content, data, files, json, params, headers, cookies, timeout, extensions
        )
        return self._send(request, auth, follow_redirects, False)

    @contextlib.asynccontextmanager
    async def stream(
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
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> AsyncIterator[Response]:
        """Send a request and yield the response unread; it is closed on leaving."""
        request = self.build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        response = await self.send(
            request, auth=auth, follow_redirects=follow_redirects, stream=True
        )
        try:
            yield response
        finally:
            await response.aclose()

    @default_method
    async def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
    ) -> Response:
        """Send a built request: auth, redirects, hooks, cookies; read the body unless
        ``stream=True`` (then the caller must close the response)."""
        self._ensure_timeout(request)
        return await self._send(request, auth, follow_redirects, stream)

    async def _send(
        self,
        request: Request,
        auth: Union[AuthTypes, UseClientDefault, None],
        follow_redirects: Union[bool, UseClientDefault],
        stream: bool,
    ) -> Response:
        auth_obj, follow = self._resolve(request, auth, follow_redirects)
        if auth_obj is None and not follow:
            event_hooks = self._event_hooks
            if event_hooks["request"] or event_hooks["response"]:
                response = await self._exchange(request)
            else:
                # _exchange() without hooks, inlined: one coroutine fewer per request.
                transport = self._transport_for(request)
                started = perf_counter()
                try:
                    if (
                        type(transport) is AsyncHTTPTransport
                        and AsyncHTTPTransport.handle_async_request is _HANDLE
                        and _HANDLE_NAME not in transport.__dict__
                    ):
                        # The default transport's handle_async_request, inlined: this
                        # coroutine awaits the pool's, one fewer again. With hundreds
                        # of requests in flight, every object a waiting request holds
                        # is one more for each garbage collection to go through.
                        response = transport._response(request, await transport._start(request))
                    else:
                        response = await transport.handle_async_request(request)
                except Exception as exc:
                    attach_request(exc, request)
                    raise
                self._exchanged(request, response, started)
            try:
                if response.status_code in _flow.REDIRECT_STATUS_CODES:
                    _flow.leave_redirect_unfollowed(request, response, self._cookies)
            except BaseException:
                await response.aclose()
                raise
        else:
            response = await self._drive(
                _flow.send_flow(request, auth_obj, follow, self.max_redirects, self._cookies)
            )
        if not stream:
            try:
                if not response._read_now(want_sync=False):
                    await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response

    async def _drive(self, flow: _flow.Flow) -> Response:
        """Perform the flow's operations with awaits (see ``_flow``)."""
        auth_flow = None
        result: Any = None
        error: Optional[BaseException] = None
        try:
            while True:
                try:
                    op, arg = flow.send(result) if error is None else flow.throw(error)
                except StopIteration as stop:
                    response: Response = stop.value
                    return response
                error = result = None
                try:
                    if op == _flow.SEND:
                        result = await self._exchange(arg)
                    elif op == _flow.READ:
                        await arg.aread()
                    elif op == _flow.CLOSE:
                        await arg.aclose()
                    elif op == _flow.AUTH_START:
                        auth: Auth = arg[0]
                        auth_flow = auth.async_auth_flow(arg[1])
                        result = await auth_flow.__anext__()
                    else:  # AUTH_NEXT
                        assert auth_flow is not None
                        try:
                            result = await auth_flow.asend(arg)
                        except StopAsyncIteration:
                            result = None
                except BaseException as exc:
                    error = exc
        finally:
            if auth_flow is not None:
                await auth_flow.aclose()

    async def _exchange(self, request: Request) -> Response:
        """One request, one response: hooks, transport, cookies. No redirects, no auth."""
        hooks = self._event_hooks["request"]
        if hooks:
            for hook in hooks:
                result = hook(request)
                if inspect.isawaitable(result):
                    await result
        transport = self._transport_for(request)
        started = perf_counter()
        try:
            response = await transport.handle_async_request(request)
        except Exception as exc:
            attach_request(exc, request)
            raise
        self._exchanged(request, response, started)
        hooks = self._event_hooks["response"]
        if hooks:
            try:
                for hook in hooks:
                    result = hook(response)
                    if inspect.isawaitable(result):
                        await result
            except BaseException:
                await response.aclose()
                raise
        return response

    def _transport_for(self, request: Request) -> AsyncBaseTransport:
        if not isinstance(request.stream, AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request with an AsyncClient instance.")
        return self._transport if self._unmounted else self._mounts.lookup(request.url)

    # -- the verbs -------------------------------------------------------------------------

    async def get(
        self,
        url: Union[URL, str],
        *,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "GET",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "GET", url, None, None, None, None, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    async def options(
        self,
        url: Union[URL, str],
        *,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "OPTIONS",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "OPTIONS", url, None, None, None, None, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    async def head(
        self,
        url: Union[URL, str],
        *,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "HEAD",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "HEAD", url, None, None, None, None, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    async def post(
        self,
        url: Union[URL, str],
        *,
        content: Optional[RequestContent] = None,
        data: Optional[RequestData] = None,
        files: Optional[RequestFiles] = None,
        json: Optional[Any] = None,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "POST",
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "POST", url, content, data, files, json, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    async def put(
        self,
        url: Union[URL, str],
        *,
        content: Optional[RequestContent] = None,
        data: Optional[RequestData] = None,
        files: Optional[RequestFiles] = None,
        json: Optional[Any] = None,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "PUT",
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "PUT", url, content, data, files, json, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    async def patch(
        self,
        url: Union[URL, str],
        *,
        content: Optional[RequestContent] = None,
        data: Optional[RequestData] = None,
        files: Optional[RequestFiles] = None,
        json: Optional[Any] = None,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "PATCH",
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "PATCH", url, content, data, files, json, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    async def delete(
        self,
        url: Union[URL, str],
        *,
        params: Optional[QueryParamTypes] = None,
        headers: Optional[HeaderTypes] = None,
        cookies: Optional[CookieTypes] = None,
        auth: Union[AuthTypes, UseClientDefault, None] = USE_CLIENT_DEFAULT,
        follow_redirects: Union[bool, UseClientDefault] = USE_CLIENT_DEFAULT,
        timeout: Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,
        extensions: Optional[RequestExtensions] = None,
    ) -> Response:
        if self._custom_request:
            return await self.request(
                "DELETE",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        return await self._verb(
            "DELETE", url, None, None, None, None, params, headers, cookies, auth,
            follow_redirects, timeout, extensions,
        )  # fmt: skip

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every transport (and with them their pooled connections)."""
        if self._state != CLOSED:
            self._state = CLOSED
            for transport in self._mounts.transports():
                await transport.aclose()

    async def __aenter__(self: C) -> C:
        if self._state != UNOPENED:
            raise RuntimeError(
                "Cannot open a client instance more than once."
                if self._state == OPENED
                else "Cannot reopen a client instance, once it has been closed."
            )
        self._state = OPENED
        for transport in self._mounts.transports():
            await transport.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]] = None,
        exc_value: Optional[BaseException] = None,
        traceback: Optional[TracebackType] = None,
    ) -> None:
        self._state = CLOSED
        for transport in self._mounts.transports():
            await transport.__aexit__(exc_type, exc_value, traceback)
