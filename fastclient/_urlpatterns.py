"""URL patterns that choose a transport: the keys of ``Client(mounts=...)``.

A pattern is ``scheme://host:port`` where every part may be left open:

* scheme ``all`` matches any scheme; ``http`` and ``https`` match only themselves;
* an empty host matches any host; ``example.com`` only that host; ``*.example.com``
  only its subdomains; ``*example.com`` the domain and its subdomains;
* a port, when given, must equal the URL's port, *including the scheme's default*
  (``all://example.com:443`` matches ``https://example.com``: httpx compares against
  ``URL.port``, which is None for a default port, so such a pattern never matched there).

When several patterns match, the most specific wins: an explicit port first, then the
longer host, then a named scheme over ``all``. :class:`MountTable` keeps the patterns in
that order and remembers the answer per origin, so the lookup on the hot path is one dict
access once an origin has been seen.

``environment_mounts`` turns the ``*_proxy`` environment variables into the same
pattern keys (``trust_env=True``), with ``NO_PROXY`` hosts mapped to ``None`` (no proxy).
"""

from __future__ import annotations

import ipaddress
import urllib.request
from typing import TYPE_CHECKING, Dict, Generic, List, Optional, Tuple, TypeVar

if TYPE_CHECKING:
    from ._urls import URL

__all__ = ["MountTable", "URLPattern", "environment_mounts"]

T = TypeVar("T")

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

# Origins remembered by a MountTable before it starts over; a client talks to a handful
# of hosts, and a crawler touching millions must not grow memory without bound.
_CACHE_LIMIT = 512


def _effective_port(scheme: str, port: Optional[int]) -> Optional[int]:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


class URLPattern:
    """One mount key, e.g. ``"all://*.example.com"`` or ``"https://example.com:8443"``."""

    __slots__ = ("_exact", "_suffix", "host", "pattern", "port", "scheme")

    def __init__(self, pattern: str) -> None:
        if "://" not in pattern:
            raise ValueError(
                f"Mount and proxy keys are URL forms such as {pattern + '://'!r}, not {pattern!r}."
            )
        self.pattern = pattern
        scheme, _, authority = pattern.partition("://")
        authority = authority.rstrip("/")
        scheme = scheme.lower()
        #: "" stands for ``all``: every scheme.
        self.scheme = "" if scheme == "all" else scheme
        host, port = _split_authority(authority, pattern)
        self.host = host
        self.port = port
        # Host matching precomputed as either an exact name or a suffix test; both are
        # plain string operations, cheaper than the regular expressions httpx compiles.
        self._exact: Optional[str] = None
        self._suffix: Optional[str] = None
        if host in ("", "*"):
            pass
        elif host.startswith("*."):
            self._suffix = host[1:]  # ".example.com": subdomains only
        elif host.startswith("*"):
            self._exact = host[1:]
            self._suffix = "." + host[1:]  # the domain itself and its subdomains
        else:
            self._exact = host

    def matches(self, url: URL) -> bool:
        return self.matches_origin(url.scheme, url.host, url.port)

    def matches_origin(self, scheme: str, host: str, port: Optional[int]) -> bool:
        if self.scheme and scheme != self.scheme:
            return False
        if self._exact is not None or self._suffix is not None:
            host = host.lower()
            exact_ok = self._exact is not None and host == self._exact
            suffix_ok = self._suffix is not None and host.endswith(self._suffix)
            if not (exact_ok or suffix_ok):
                return False
        return self.port is None or self.port == _effective_port(scheme, port)

    @property
    def priority(self) -> Tuple[bool, int, int]:
        """Sort key: smaller sorts first and wins."""
        return (self.port is None, -len(self.host), -len(self.scheme))

    def __lt__(self, other: URLPattern) -> bool:
        return self.priority < other.priority

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URLPattern) and self.pattern == other.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"URLPattern({self.pattern!r})"


def _split_authority(authority: str, pattern: str) -> Tuple[str, Optional[int]]:
    if authority.startswith("["):  # an IPv6 literal keeps its brackets
        end = authority.find("]")
        if end < 0:
            raise ValueError(f"Invalid IPv6 host in mount key {pattern!r}.")
        # URL.host gives an IPv6 address without its brackets; compare like with like.
        host, rest = authority[1:end], authority[end + 1 :]
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, sep, port_text = authority.rpartition(":")
        if not sep:
            host, port_text = authority, ""
    if port_text and not port_text.isdigit():
        raise ValueError(f"Invalid port in mount key {pattern!r}.")
    return host.lower(), (int(port_text) if port_text else None)


class MountTable(Generic[T]):
    """Patterns in priority order, each with its transport; the default when none match.

    The value ``None`` for a pattern means "use the default transport" (that is how
    ``NO_PROXY`` hosts are excluded from an environment proxy).
    """

    __slots__ = ("_cache", "default", "entries")

    def __init__(self, default: T, mounts: Dict[URLPattern, Optional[T]]) -> None:
        self.default = default
        self.entries: List[Tuple[URLPattern, Optional[T]]] = sorted(
            mounts.items(), key=lambda item: item[0].priority
        )
        self._cache: Dict[Tuple[str, str, Optional[int]], T] = {}

    def lookup(self, url: URL) -> T:
        if not self.entries:
            return self.default
        key = (url.scheme, url.host, url.port)
        found = self._cache.get(key)
        if found is not None:
            return found
        transport = self.default
        for pattern, mounted in self.entries:
            if pattern.matches_origin(key[0], key[1], key[2]):
                transport = self.default if mounted is None else mounted
                break
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = transport
        return transport

    def transports(self) -> List[T]:
        """The default transport, then every distinct mounted one (for open/close)."""
        seen: List[T] = [self.default]
        for _, mounted in self.entries:
            if mounted is not None and not any(mounted is t for t in seen):
                seen.append(mounted)
        return seen


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def environment_mounts() -> Dict[str, Optional[str]]:
    """Mount keys -> proxy URL (None: go direct) from HTTP(S)_PROXY, ALL_PROXY, NO_PROXY."""
    proxies = urllib.request.getproxies()
    mounts: Dict[str, Optional[str]] = {}
    for scheme in ("http", "https", "all"):
        value = proxies.get(scheme)
        if value:
            # "proxy:3128" in the environment means an HTTP proxy at that address.
            mounts[f"{scheme}://"] = value if "://" in value else f"http://{value}"
    for entry in proxies.get("no", "").split(","):
        host = entry.strip()
        if not host:
            continue
        if host == "*":
            return {}  # NO_PROXY=* turns every proxy off
        if "://" in host:
            mounts[host] = None
        elif _is_ip_address(host):
            mounts[f"all://[{host}]" if ":" in host else f"all://{host}"] = None
        elif host.lower() == "localhost":
            mounts[f"all://{host}"] = None
        else:
            # NO_PROXY names a domain and everything under it; a leading dot is common.
            mounts[f"all://*{host.lstrip('.')}"] = None
    return mounts
