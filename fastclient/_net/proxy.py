"""Proxy routing: which proxy (if any) a request goes through, and what it sends there.

Environment variables, honoured when ``trust_env`` is true: HTTP_PROXY, HTTPS_PROXY and
ALL_PROXY (upper or lower case) name proxies per scheme; NO_PROXY lists hosts that go
direct. A NO_PROXY entry matches on label boundaries: ``example.com`` and ``.example.com``
match ``example.com`` and ``www.example.com`` but never ``badexample.com``; ``*`` matches
every host; an entry with ``:port`` matches that port only; IP networks (``10.0.0.0/8``)
match addresses inside them.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["ProxyRoute", "environment_proxies", "no_proxy_matches", "select_proxy"]


class ProxyRoute:
    """A proxy as the pools use it: where to connect and which headers go to it."""

    def __init__(self, proxy: Any, ssl_context: Any) -> None:
        self.proxy = proxy
        scheme = proxy.scheme.encode("ascii")
        self.origin: Tuple[bytes, bytes, int] = (scheme, proxy.host.encode("idna"), proxy.port)
        self.ssl_context = proxy.ssl_context or ssl_context
        self.forward = scheme in (b"http", b"https")
        headers: List[Tuple[bytes, bytes]] = list(proxy.headers.raw)
        raw_auth = proxy.raw_auth
        if raw_auth is not None:
            token = base64.b64encode(raw_auth[0] + b":" + raw_auth[1])
            headers.append((b"Proxy-Authorization", b"Basic " + token))
        self.headers = headers

    @staticmethod
    def absolute_target(origin: Tuple[bytes, bytes, int], target: bytes) -> bytes:
        scheme, host, port = origin
        if b":" in host:
            host = b"[" + host + b"]"
        default = 443 if scheme == b"https" else 80
        authority = host if port == default else host + b":" + str(port).encode("ascii")
        return scheme + b"://" + authority + target

    def connect_head(self, origin: Tuple[bytes, bytes, int]) -> bytes:
        """The CONNECT request for a tunnel to ``origin``."""
        host = origin[1]
        if b":" in host:
            host = b"[" + host + b"]"
        authority = host + b":" + str(origin[2]).encode("ascii")
        lines = [b"CONNECT " + authority + b" HTTP/1.1", b"Host: " + authority]
        lines.extend(name + b": " + value for name, value in self.headers)
        return b"\r\n".join(lines) + b"\r\n\r\n"


def environment_proxies() -> Dict[str, Optional[str]]:
    """{pattern: proxy URL or None (go direct)} from the environment, httpx's shape."""
    env = {k.lower(): v for k, v in os.environ.items() if k.lower().endswith("_proxy")}
    out: Dict[str, Optional[str]] = {}
    for scheme in ("http", "https", "all"):
        value = env.get(f"{scheme}_proxy")
        if value:
            if "://" not in value:
                value = "http://" + value
            out[f"{scheme}://"] = value
    no_proxy = env.get("no_proxy", "")
    for entry in (e.strip() for e in no_proxy.split(",")):
        if entry:
            out[f"no_proxy:{entry}"] = None
    return out


def no_proxy_matches(entry: str, host: str, port: Optional[int]) -> bool:
    entry = entry.strip().lower()
    host = host.lower().rstrip(".")
    if entry == "*":
        return True
    if "://" in entry:
        entry = entry.split("://", 1)[1]
    entry_port: Optional[int] = None
    if entry.startswith("["):
        close = entry.find("]")
        rest = entry[close + 1 :]
        entry = entry[1:close]
        if rest.startswith(":") and rest[1:].isdigit():
            entry_port = int(rest[1:])
    elif entry.count(":") == 1:
        name, _, p = entry.partition(":")
        if p.isdigit():
            entry, entry_port = name, int(p)
    if entry_port is not None and entry_port != port:
        return False
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        network = None
    if network is not None:
        try:
            return ipaddress.ip_address(host.strip("[]")) in network
        except ValueError:
            return False
    entry = entry.lstrip("*").lstrip(".").rstrip(".")
    if not entry:
        return False
    return host == entry or host.endswith("." + entry)


def select_proxy(
    routes: Sequence[Tuple[str, Any]], scheme: bytes, host: bytes, port: Optional[int]
) -> Any:
    """The route for a request, or None to go direct. NO_PROXY entries win; then the
    scheme's own proxy; then all://."""
    host_s = host.decode("ascii", "replace")
    by_pattern: Dict[str, Any] = {}
    for pattern, route in routes:
        if pattern.startswith("no_proxy:"):
            if no_proxy_matches(pattern[9:], host_s, port):
                return None
        else:
            by_pattern.setdefault(pattern, route)
    scheme_key = scheme.decode("ascii", "replace") + "://"
    if scheme_key in by_pattern:
        return by_pattern[scheme_key]
    return by_pattern.get("all://")
