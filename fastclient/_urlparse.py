"""RFC 3986 parsing, normalisation and reference resolution of URLs, as httpx does them.

A URL string is split with the regular expression of RFC 3986 appendix B (scheme, then
``//authority``, path, ``?query`` and ``#fragment``), and each component is normalised:

* the scheme and an ASCII host are lowercased; a non-ASCII host is IDNA-encoded
  (punycode); IPv4 and bracketed IPv6 literals are validated; a default port is dropped;
* characters that may not appear raw in a component are percent-encoded as UTF-8, with
  the per-component sets httpx uses (close to WHATWG's). A ``%`` is never re-encoded, so
  an existing ``%XX`` escape survives, and normalising twice changes nothing;
* ``.`` and ``..`` segments are removed (RFC 3986 section 5.2.4) when the URL has a
  scheme or an authority; a relative reference keeps them until it is joined.

The result is a :class:`URLParts`: immutable, holding the encoded components and the
derived forms a transport needs (bytes of the host and request target, the pool key), so
they are computed once. Parses of URL strings are cached in a small bounded dict: a load
generator sends the same few URLs over and over, and then a URL costs a dict lookup.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, Mapping, Optional, Pattern, Tuple

import idna

from ._exceptions import InvalidURL

__all__ = [
    "DEFAULT_PORTS",
    "MAX_URL_LENGTH",
    "URLParts",
    "join_parts",
    "parse_url",
    "remove_dot_segments",
    "replace_parts",
]

MAX_URL_LENGTH = 65536

DEFAULT_PORTS: Dict[str, int] = {"ftp": 21, "http": 80, "https": 443, "ws": 80, "wss": 443}

# RFC 3986 appendix B, except that a scheme must be a valid one (a letter, then letters,
# digits, "+", "-" or "."), so "1http://x" is a relative path; or empty, so that a leading
# ":" ends an empty scheme ("://example.com" has the host example.com): both as in httpx.
_URL_RE = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*)?:)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?",
    re.DOTALL,
)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_IPV4_RE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_NON_PRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPE_RE = re.compile(r"%[0-9A-Fa-f]{2}")

# What must be percent-encoded in each component: controls, space, DEL and non-ASCII
# always, plus the characters given. Not "%": existing escapes are kept, and a stray "%"
# is left alone (httpx does the same).


def _unsafe(extra: str) -> Pattern[str]:
    # Written as the complement of the safe printable ASCII characters: the same set as
    # "[\x00-\x20\x7f-\U0010ffff" + extra + "]", but a class spanning all of Unicode
    # costs the re module about 7 ms to compile, and there are six of these at import.
    safe = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in extra)
    return re.compile("[^" + re.escape(safe) + "]")


_PATH_UNSAFE = _unsafe('"#<>?`{}')
_QUERY_UNSAFE = _unsafe('"#<>')
_FRAGMENT_UNSAFE = _unsafe('"<>`')
_USERINFO_UNSAFE = _unsafe('"#/;<=>?@[\\]^`{|}')
# A username or password given on its own: its ":" must be escaped too.
_USERPART_UNSAFE = _unsafe('"#/:;<=>?@[\\]^`{|}')
_HOST_UNSAFE = _unsafe("#/<>?@[]^")

_ESCAPES: Dict[str, str] = {chr(i): f"%{i:02X}" for i in range(128)}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    escaped = _ESCAPES.get(char)
    if escaped is None:
        escaped = "".join([f"%{byte:02X}" for byte in char.encode("utf-8")])
    return escaped


def quote(text: str, unsafe: Pattern[str]) -> str:
    """Percent-encode the characters of ``text`` that ``unsafe`` matches."""
    if unsafe.search(text) is None:
        return text
    try:
        return unsafe.sub(_escape, text)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form
        raise InvalidURL(f"Invalid character in URL component: {text!r}") from None


class URLParts:
    """The normalised components of one URL, and forms derived from them. Immutable:
    instances are shared between URL objects through the parse cache.

    Components are ``str``, percent-encoded: ``scheme`` (lowercase, "" when relative),
    ``userinfo``, ``host`` (lowercase/punycode, an IPv6 literal without its brackets),
    ``port`` (None when absent or the scheme's default), ``path``, ``query`` and
    ``fragment`` (None when the URL has no ``?`` / ``#``; "" when it has one with nothing
    after it).
    """

    __slots__ = (
        "fragment",
        "host",
        "netloc",
        "origin",
        "path",
        "port",
        "query",
        "raw_host",
        "raw_path",
        "raw_scheme",
        "scheme",
        "string",
        "userinfo",
    )

    scheme: str
    userinfo: str
    host: str
    port: Optional[int]
    path: str
    query: Optional[str]
    fragment: Optional[str]
    raw_scheme: bytes
    raw_host: bytes
    raw_path: bytes
    netloc: bytes
    origin: Tuple[bytes, bytes, int]
    string: str

    def __init__(
        self,
        scheme: str,
        userinfo: str,
        host: str,
        port: Optional[int],
        path: str,
        query: Optional[str],
        fragment: Optional[str],
    ) -> None:
        self.scheme = scheme
        self.userinfo = userinfo
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.fragment = fragment
        # Every component is ASCII by now (percent-encoded or punycode), so the
        # derived forms are computed once here, not on each access.
        self.raw_scheme = scheme.encode("ascii")
        self.raw_host = host.encode("ascii")
        target = path or "/"
        if query is not None:
            target = f"{target}?{query}"
        self.raw_path = target.encode("ascii")
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc = f"{netloc}:{port}"
        self.netloc = netloc.encode("ascii")
        self.origin = (
            self.raw_scheme,
            self.raw_host,
            port if port is not None else DEFAULT_PORTS.get(scheme, 0),
        )
        text = f"{scheme}:" if scheme else ""
        if userinfo or host or port is not None:
            text += f"//{userinfo}@{netloc}" if userinfo else f"//{netloc}"
        text += path
        if query is not None:
            text += f"?{query}"
        if fragment is not None:
            text += f"#{fragment}"
        self.string = text

    @property
    def has_authority(self) -> bool:
        return bool(self.userinfo or self.host or self.port is not None)

    def __repr__(self) -> str:
        return f"URLParts({self.string!r})"


# -- components ---------------------------------------------------------------------------


def _check_printable(text: str, component: Optional[str]) -> None:
    match = _NON_PRINTABLE_RE.search(text)
    if match is not None:
        where = "URL" if component is None else f"URL {component} component"
        raise InvalidURL(
            f"Invalid non-printable ASCII character in {where},"
            f" {match.group()!r} at position {match.start()}."
        )


def _encode_host(host: str, *, bracketed: bool) -> str:
    """Normalise a host. ``bracketed``: an IPv6 literal must be written ``[...]`` (inside
    a URL string); otherwise (a ``host=`` argument) a bare IPv6 address is accepted."""
    if not host:
        return ""
    if host.startswith("["):
        if not host.endswith("]"):
            raise InvalidURL(f"Invalid IPv6 address: {host!r}")
        inner = host[1:-1]
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            raise InvalidURL(f"Invalid IPv6 address: {host!r}") from None
        return inner
    if ":" in host:
        if not bracketed:
            try:
                ipaddress.IPv6Address(host)
            except ValueError:
                pass
            else:
                return host
        raise InvalidURL(f"Invalid URL component 'host': {host!r}")
    if _IPV4_RE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InvalidURL(f"Invalid IPv4 address: {host!r}") from None
        return host
    if host.isascii():
        host = quote(host.lower(), _HOST_UNSAFE)
        if "%" in host:
            # Escapes in uppercase (RFC 3986 6.2.2.1), so that lowercasing the host again
            # on the next parse changes nothing.
            host = _ESCAPE_RE.sub(lambda match: match.group().upper(), host)
        return host
    try:
        return idna.encode(host.lower()).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise InvalidURL(f"Invalid IDNA hostname: {host!r}") from None


def _parse_port(text: str) -> Optional[int]:
    if not text:
        return None
    # Only ASCII digits: int() would also take "+80", " 80", "8_0" and other scripts'
    # digits, and two parsers that disagree about a port are a security problem.
    if not (text.isascii() and text.isdigit()) or len(text) > 5 or int(text) > 65535:
        raise InvalidURL(f"Invalid port: {text!r}")
    return int(text)


def _split_hostport(hostport: str) -> Tuple[str, str]:
    """``host[:port]`` -> (host, port text); an IPv6 host keeps its brackets."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            raise InvalidURL(f"Invalid IPv6 address: {hostport!r}")
        rest = hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise InvalidURL(f"Invalid port: {rest!r}")
        return hostport[: end + 1], rest[1:]
    host, _, port = hostport.partition(":")
    return host, port


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` segments (an index-based loop,
    so a long path of dot segments is linear, not quadratic)."""
    if "/." not in path and not path.startswith("."):
        return path  # the common case: no dot segment at all
    rootless = not path.startswith("/")
    out: list[str] = []
    i, n = 0, len(path)
    while i < n:
        if path.startswith("../", i):
            i += 3
        elif path.startswith("./", i) or path.startswith("/./", i):
            i += 2
        elif path.startswith("/.", i) and i + 2 == n:
            out.append("/")
            i = n
        elif path.startswith("/../", i):
            i += 3
            if out:
                out.pop()
        elif path.startswith("/..", i) and i + 3 == n:
            if out:
                out.pop()
            out.append("/")
            i = n
        elif path[i:] in (".", ".."):
            i = n
        else:
            end = path.find("/", i + 1 if path[i] == "/" else i)
            if end == -1:
                end = n
            out.append(path[i:end])
            i = end
    result = "".join(out)
    if rootless and result.startswith("/"):
        # "a/../b" gives "/b" by the letter of the RFC; a rootless path (a scheme with no
        # authority, "http:a/../b") stays rootless instead, as in httpx and urllib.
        result = result[1:]
    return result


def _build(
    scheme: str,
    userinfo: str,
    host: str,
    port: Optional[int],
    path: str,
    query: Optional[str],
    fragment: Optional[str],
    *,
    strict: bool = True,
) -> URLParts:
    """Check how the (already encoded) components fit together, then normalise.
    ``strict``: refuse a relative path that begins with ":" (it would read as a scheme).
    Reference resolution passes False: it builds its path from parts already checked."""
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    has_authority = bool(userinfo or host or port is not None)
    if has_authority:
        if path and not path.startswith("/"):
            raise InvalidURL("For absolute URLs, path must be empty or begin with '/'")
    elif not scheme:
        # RFC 3986 section 4.2: such a path would read as an authority or a scheme.
        if path.startswith("//"):
            raise InvalidURL("Relative URLs cannot have a path starting with '//'")
        if strict and path.startswith(":"):
            raise InvalidURL("Relative URLs cannot have a path starting with ':'")
    if scheme or has_authority:
        path = remove_dot_segments(path)
    return URLParts(scheme, userinfo, host, port, path, query, fragment)


def _parse(url: str) -> URLParts:
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL("URL too long")
    if not url.isprintable():  # a fast C check; the regex then finds what is wrong
        _check_printable(url, None)
    match = _URL_RE.match(url)
    assert match is not None  # every group is optional: the expression always matches
    scheme, authority, path, query, fragment = match.groups()
    userinfo = host = ""
    port: Optional[int] = None
    if authority:
        # The last "@" ends the userinfo: an "@" before it belongs to the userinfo.
        userinfo, _, hostport = authority.rpartition("@")
        host_text, port_text = _split_hostport(hostport)
        host = _encode_host(host_text, bracketed=True)
        port = _parse_port(port_text)
        userinfo = quote(userinfo, _USERINFO_UNSAFE)
    return _build(
        scheme.lower() if scheme else "",
        userinfo,
        host,
        port,
        quote(path, _PATH_UNSAFE),
        None if query is None else quote(query, _QUERY_UNSAFE),
        None if fragment is None else quote(fragment, _FRAGMENT_UNSAFE),
    )


# A few hundred distinct URLs cover what a client sends repeatedly; URLs longer than
# _CACHE_MAX_KEY are parsed every time so that the cache stays small.
_CACHE_SIZE = 512
_CACHE_MAX_KEY = 2048
# Never rebound (only cleared): _urls reads it directly to save a call on a hit.
_cache: Dict[str, URLParts] = {}


def parse_url(url: str) -> URLParts:
    """Parse and normalise a URL string (cached). Raises InvalidURL."""
    parts = _cache.get(url)
    if parts is None:
        parts = _parse(url)
        if len(url) <= _CACHE_MAX_KEY:
            if len(_cache) >= _CACHE_SIZE:
                # Evict the oldest entry (dicts keep insertion order): O(1), and a hit
                # costs no bookkeeping, unlike an LRU. Another thread may race us here.
                try:
                    del _cache[next(iter(_cache))]
                except (KeyError, StopIteration, RuntimeError):
                    pass
            _cache[url] = parts
    return parts


# -- building from keyword arguments ------------------------------------------------------

_KWARG_TYPES: Dict[str, type] = {
    "scheme": str,
    "username": str,
    "password": str,
    "userinfo": bytes,
    "host": str,
    "port": int,
    "netloc": bytes,
    "path": str,
    "query": bytes,
    "raw_path": bytes,
    "fragment": str,
}


def _ascii(value: bytes, key: str) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidURL(f"URL component {key!r} must be ASCII bytes: {value!r}") from None


def _check_kwargs(kwargs: Mapping[str, Any]) -> None:
    for key, value in kwargs.items():
        expected = _KWARG_TYPES.get(key)
        if expected is None:
            raise TypeError(f"{key!r} is an invalid keyword argument for URL()")
        if value is None:
            continue
        if not isinstance(value, expected):
            raise TypeError(
                f"Argument {key!r} must be {expected.__name__} but got {type(value).__name__}"
            )
        if isinstance(value, (str, bytes)):
            if len(value) > MAX_URL_LENGTH:
                raise InvalidURL(f"URL component {key!r} too long")
            text = value if isinstance(value, str) else value.decode("latin-1")
            if not text.isprintable():
                _check_printable(text, key)


def replace_parts(parts: URLParts, kwargs: Mapping[str, Any]) -> URLParts:
    """``parts`` with the components named in ``kwargs`` replaced (the keyword arguments
    of ``URL(...)`` and ``URL.copy_with(...)``, except ``params``, which the caller turns
    into ``query``). A value of None removes that component."""
    _check_kwargs(kwargs)
    scheme, userinfo, host, port = parts.scheme, parts.userinfo, parts.host, parts.port
    path, query, fragment = parts.path, parts.query, parts.fragment

    if "scheme" in kwargs:
        scheme = kwargs["scheme"] or ""
        if scheme and not _SCHEME_RE.fullmatch(scheme):
            raise InvalidURL("Invalid URL component 'scheme'")
        scheme = scheme.lower()
    if "netloc" in kwargs:
        netloc = _ascii(kwargs["netloc"] or b"", "netloc")
        host_text, port_text = _split_hostport(netloc)
        host = _encode_host(host_text, bracketed=True)
        port = _parse_port(port_text)
    if "host" in kwargs:
        host = _encode_host(kwargs["host"] or "", bracketed=False)
    if "port" in kwargs:
        value = kwargs["port"]
        if value is not None and (isinstance(value, bool) or not 0 <= value <= 65535):
            raise InvalidURL(f"Invalid port: {value!r}")
        port = value
    if "userinfo" in kwargs:
        text = _ascii(kwargs["userinfo"] or b"", "userinfo")
        if "@" in text:
            raise InvalidURL("Invalid URL component 'userinfo'")
        userinfo = quote(text, _USERINFO_UNSAFE)
    if "username" in kwargs or "password" in kwargs:
        # Together they make the whole userinfo (as in httpx): a half not given is empty.
        user = quote(kwargs.get("username") or "", _USERPART_UNSAFE)
        password = quote(kwargs.get("password") or "", _USERPART_UNSAFE)
        userinfo = f"{user}:{password}" if password else user
    if "raw_path" in kwargs:
        raw_path = _ascii(kwargs["raw_path"] or b"", "raw_path")
        if "#" in raw_path:
            raise InvalidURL("Invalid URL component 'path'")
        text, sep, query_text = raw_path.partition("?")
        path = quote(text, _PATH_UNSAFE)
        query = quote(query_text, _QUERY_UNSAFE) if sep else None
    if "path" in kwargs:
        text = kwargs["path"] or ""
        if "?" in text or "#" in text:
            raise InvalidURL("Invalid URL component 'path'")
        path = quote(text, _PATH_UNSAFE)
    if "query" in kwargs:
        value = kwargs["query"]
        if value is None:
            query = None
        else:
            text = _ascii(value, "query")
            if "#" in text:
                raise InvalidURL("Invalid URL component 'query'")
            query = quote(text, _QUERY_UNSAFE)
    if "fragment" in kwargs:
        value = kwargs["fragment"]
        fragment = None if value is None else quote(value, _FRAGMENT_UNSAFE)
    return _build(scheme, userinfo, host, port, path, query, fragment)


# -- reference resolution -----------------------------------------------------------------


def join_parts(base: URLParts, ref: URLParts) -> URLParts:
    """Resolve the reference ``ref`` against ``base`` (RFC 3986 section 5.2.2).

    Like browsers, urllib and httpx, this is the "non-strict" variant the RFC allows: a
    reference with the base's own scheme and no authority (``http:g``) is relative.
    """
    if ref.scheme and (ref.scheme != base.scheme or ref.has_authority):
        return _build(
            ref.scheme,
            ref.userinfo,
            ref.host,
            ref.port,
            remove_dot_segments(ref.path),
            ref.query,
            ref.fragment,
        )
    if ref.has_authority:
        userinfo, host, port = ref.userinfo, ref.host, ref.port
        path, query = remove_dot_segments(ref.path), ref.query
    else:
        userinfo, host, port = base.userinfo, base.host, base.port
        if not ref.path:
            path = base.path
            query = ref.query if ref.query is not None else base.query
        else:
            if ref.path.startswith("/"):
                path = ref.path
            elif base.has_authority and not base.path:
                path = "/" + ref.path  # section 5.2.3: merging with an empty base path
            else:
                path = base.path[: base.path.rfind("/") + 1] + ref.path
            path = remove_dot_segments(path)
            query = ref.query
    return _build(base.scheme, userinfo, host, port, path, query, ref.fragment, strict=False)
