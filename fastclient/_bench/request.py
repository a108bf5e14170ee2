"""The one request a bench sends, serialised once by fastclient's HTTP/1.1 core.

Every request of a run is byte-for-byte the same, so it is built here once and the engine
only writes the same bytes object again and again.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from .._version import __version__

__all__ = ["build_request", "request_headers"]

USER_AGENT = f"fastclient-bench/{__version__}"
_BODY_METHODS = ("POST", "PUT", "PATCH")


def request_headers(
    host_header: str, method: str, headers: Sequence[Tuple[str, str]], body: Optional[bytes]
) -> List[Tuple[str, str]]:
    """Default headers, overridden by name (case-insensitively) by the user's."""
    given = {name.lower() for name, _ in headers}
    out: List[Tuple[str, str]] = []
    defaults = [("Host", host_header), ("User-Agent", USER_AGENT), ("Accept", "*/*")]
    if body is not None or method in _BODY_METHODS:
        defaults.append(("Content-Length", str(len(body or b""))))
    for name, value in defaults:
        if name.lower() not in given:
            out.append((name, value))
    out.extend(headers)
    return out


def build_request(
    method: str,
    target: str,
    host_header: str,
    headers: Sequence[Tuple[str, str]],
    body: Optional[bytes],
) -> bytes:
    from .. import _impl

    write_request_head = _impl.load("fastclient._protocol._h11write").write_request_head
    pairs = [
        (n.encode("latin-1"), v.encode("latin-1"))
        for n, v in request_headers(host_header, method, headers, body)
    ]
    head: bytes = write_request_head(method.encode("ascii"), target.encode("ascii"), pairs)
    return head + (body or b"")
