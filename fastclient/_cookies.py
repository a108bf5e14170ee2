"""Cookies: httpx's dict-like API over a standard-library ``http.cookiejar.CookieJar``.

The jar does the real work (RFC 6265 domain and path matching, expiry, the policy), so
behaviour matches httpx's. It speaks ``urllib.request`` objects, so a request and a
response are shown to it through two small adapters. Both jar calls are skipped when
there is nothing to do (no Set-Cookie header; an empty jar): that is every request of a
client that never sees a cookie, and building the adapters costs microseconds.
"""

from __future__ import annotations

import urllib.request
from http.cookiejar import Cookie, CookieJar
from typing import TYPE_CHECKING, Any, Iterator, List, MutableMapping, Optional, cast

from ._exceptions import CookieConflict
from ._types import CookieTypes

if TYPE_CHECKING:
    from ._models import Request, Response

__all__ = ["Cookies"]


class Cookies(MutableMapping[str, str]):
    """A cookie jar with a dict-like face::

        >>> cookies = Cookies({"session": "abc"})
        >>> cookies.set("theme", "dark", domain="example.org")
        >>> cookies["theme"]
        'dark'

    Built from a dict, a list of (name, value) pairs, another Cookies (copied) or a
    ``CookieJar`` (used as it is, not copied). ``jar`` is the underlying CookieJar.
    """

    __slots__ = ("jar",)

    def __init__(self, cookies: CookieTypes | None = None) -> None:
        if cookies is None or isinstance(cookies, dict):
            self.jar = CookieJar()
            if cookies:
                for name, value in cookies.items():
                    self.set(name, value)
        elif isinstance(cookies, list):
            self.jar = CookieJar()
            for name, value in cookies:
                self.set(name, value)
        elif isinstance(cookies, Cookies):
            self.jar = CookieJar()
            for cookie in cookies.jar:
                self.jar.set_cookie(cookie)
        else:
            self.jar = cookies

    # -- the request/response cycle ------------------------------------------------------

    def extract_cookies(self, response: Response) -> None:
        """Store the cookies that ``response`` sets (its request decides what is valid)."""
        if "set-cookie" not in response.headers and "set-cookie2" not in response.headers:
            return
        self.jar.extract_cookies(
            cast(Any, _ResponseAdapter(response)), _RequestAdapter(response.request)
        )

    def set_cookie_header(self, request: Request) -> None:
        """Add a Cookie header to ``request`` with the jar's cookies for its URL."""
        if not self._has_cookies():
            return
        self.jar.add_cookie_header(_RequestAdapter(request))

    def _has_cookies(self) -> bool:
        # CookieJar keeps its cookies in a private dict of dicts: when that dict is empty
        # the jar is, and asking it costs nothing. Another jar class may not have it.
        store = getattr(self.jar, "_cookies", None)
        return not (isinstance(store, dict) and not store)

    # -- the dict-like API ---------------------------------------------------------------

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        """Set a cookie; without ``domain`` it is sent to every host."""
        cookie = Cookie(
            version=0,
            name=name,
            value=value,
            port=None,
            port_specified=False,
            domain=domain,
            domain_specified=bool(domain),
            domain_initial_dot=domain.startswith("."),
            path=path,
            path_specified=bool(path),
            secure=False,
            expires=None,
            discard=True,
            comment=None,
            comment_url=None,
            rest={"HttpOnly": None},  # type: ignore[dict-item]
            rfc2109=False,
        )
        self.jar.set_cookie(cookie)

    def get(  # type: ignore[override]
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        """The value of cookie ``name`` (optionally only within ``domain`` and ``path``).
        Raises CookieConflict when several cookies match."""
        value: Optional[str] = None
        for cookie in self.jar:
            if cookie.name != name:
                continue
            if domain is not None and cookie.domain != domain:
                continue
            if path is not None and cookie.path != path:
                continue
            if value is not None:
                raise CookieConflict(f"Multiple cookies exist with name={name}")
            value = cookie.value
        return default if value is None else value

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        """Remove the cookies named ``name`` (optionally only within domain and path)."""
        if domain is not None and path is not None:
            self.jar.clear(domain, path, name)
            return
        doomed = [
            cookie
            for cookie in self.jar
            if cookie.name == name
            and (domain is None or cookie.domain == domain)
            and (path is None or cookie.path == path)
        ]
        for cookie in doomed:
            self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:
        """Remove every cookie, or those of ``domain`` (and ``path``)."""
        if domain is None:
            self.jar.clear()
        elif path is None:
            self.jar.clear(domain)
        else:
            self.jar.clear(domain, path)

    def update(self, cookies: CookieTypes | None = None) -> None:  # type: ignore[override]
        for cookie in Cookies(cookies).jar:
            self.jar.set_cookie(cookie)

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __delitem__(self, name: str) -> None:
        self.delete(name)

    def __len__(self) -> int:
        return len(self.jar)

    def __iter__(self) -> Iterator[str]:
        return (cookie.name for cookie in self.jar)

    def __bool__(self) -> bool:
        for _ in self.jar:
            return True
        return False

    def __repr__(self) -> str:
        shown = ", ".join(
            f"<Cookie {cookie.name}={cookie.value} for {cookie.domain} />" for cookie in self.jar
        )
        return f"<Cookies[{shown}]>"


class _RequestAdapter(urllib.request.Request):
    """A fastclient Request as CookieJar wants to see it. The Cookie header the jar adds
    goes straight into the request's headers."""

    def __init__(self, request: Request) -> None:
        # The request's own headers go along: the jar adds no Cookie header to a request
        # that already has one.
        super().__init__(url=str(request.url), headers=dict(request.headers), method=request.method)
        self.request = request

    def add_unredirected_header(self, key: str, header: str) -> None:
        super().add_unredirected_header(key, header)
        self.request.headers[key] = header


class _ResponseAdapter:
    """A fastclient Response as CookieJar wants to see it: ``info().get_all(name)``."""

    def __init__(self, response: Response) -> None:
        self.response = response

    def info(self) -> _ResponseAdapter:
        return self

    def get_all(self, name: str, default: Any = None) -> Any:
        values: List[str] = self.response.headers.get_list(name)
        return values or default
