# cython: annotation_typing=False
# (the annotations are for mypy; the C types live in the augmenting .pxd)
"""HTTP/2 header fields (RFC 9113 section 8.2): what a request's fields go through before
HPACK encodes them, and the checks a response's head and trailers must pass.

A twin of its own: Cython compiles this same source with the C types of
``src_c/fastclient/_protocol/_h2fields_c.pxd`` into ``_h2fields_c``, whose functions the
compiled connection core (``_h2core_c``) calls as C functions; the pure core imports the
pure ones. Field names are lowercase tokens and values carry no CR, LF or NUL and no
surrounding whitespace; connection-specific fields are malformed in HTTP/2. A response
that breaks a rule about its fields costs its own stream only (``StreamError``), never
the connection.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from .._exceptions import LocalProtocolError
from ._h2events import PROTOCOL_ERROR

__all__ = ["StreamError", "check_trailers", "head_status", "request_fields"]

Header = Tuple[bytes, bytes]

# Connection-specific fields are malformed in HTTP/2 (RFC 9113 section 8.2.2); the
# client drops them from requests (the transport adds some for HTTP/1.1) and rejects
# them in responses.
_CONNECTION_SPECIFIC = frozenset(
    [b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"]
)

# Bytes allowed in a field name: RFC 9110 tchar, lowercase only (RFC 9113 8.2.1).
_TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
_NAME_OK = bytes(1 if c in _TCHAR else 0 for c in range(256))

# Field names already validated, and request names already lowercased and validated:
# names repeat on every request, so each is checked once. Bounded so that a server
# inventing names cannot grow them.
_VALID_NAMES: Dict[bytes, bool] = {}
_LOWER_NAMES: Dict[bytes, bytes] = {}
_NAME_CACHE_MAX = 1024


class StreamError(Exception):
    """The server broke a rule about one stream. The core catches it and resets that
    stream: it never leaves the core."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _valid_name(name: bytes) -> bool:
    if name in _VALID_NAMES:
        return True
    n = len(name)
    if n == 0:
        return False
    table = _NAME_OK
    for i in range(n):
        if not table[name[i]]:
            return False
    if len(_VALID_NAMES) < _NAME_CACHE_MAX:
        _VALID_NAMES[name] = True
    return True


def _valid_value(value: bytes) -> bool:
    n = len(value)
    if n == 0:
        return True
    if b"\r" in value or b"\n" in value or b"\x00" in value:
        return False
    # No leading or trailing whitespace (RFC 9113 section 8.2.1).
    first = value[0]
    last = value[n - 1]
    return first != 0x20 and first != 0x09 and last != 0x20 and last != 0x09


def _lower_name(name: bytes) -> bytes:
    """A request field name, lowercased and validated (LocalProtocolError if invalid)."""
    lowered = _LOWER_NAMES.get(name)
    if lowered is not None:
        return lowered
    lowered = name.lower()
    if not _valid_name(lowered):
        raise LocalProtocolError(f"invalid request header name {name!r}")
    if len(_LOWER_NAMES) < _NAME_CACHE_MAX:
        _LOWER_NAMES[name] = lowered
    return lowered


def _parse_length(value: bytes) -> int:
    """A Content-Length value, -2 when it is not a plain decimal number."""
    n = len(value)
    if n == 0 or n > 18:
        return -2
    result = 0
    for i in range(n):
        c = value[i]
        if c < 0x30 or c > 0x39:
            return -2
        result = result * 10 + (c - 0x30)
    return result


def request_fields(
    method: bytes, scheme: bytes, authority: bytes, path: bytes, headers: List[Header]
) -> List[Header]:
    """A request head's field list for HPACK: the pseudo-headers, then ``headers``
    lowercased and validated (LocalProtocolError), without connection-specific fields and
    Host, which :authority replaces (an empty ``authority`` takes the Host value)."""
    fields: List[Header] = [
        (b":method", method),
        (b":scheme", scheme),
        (b":authority", authority),
        (b":path", path),
    ]
    host = b""
    for pair in headers:
        name = _lower_name(pair[0])
        value = pair[1]
        if not _valid_value(value):
            raise LocalProtocolError(f"invalid value for request header {name!r}")
        if name in _CONNECTION_SPECIFIC:
            continue
        if name == b"host":
            host = value
            continue
        if name == b"te" and value.lower() != b"trailers":
            continue
        fields.append((name, value))
    if not authority:
        fields[2] = (b":authority", host)
    if not path or not method:
        raise LocalProtocolError("a request needs a method and a path")
    return fields


def head_status(headers: List[Header]) -> Tuple[int, int]:
    """The status of a response head's decoded fields and the Content-Length it states
    (-1: none); StreamError if they break a rule. :status must come first and alone."""
    status = -1
    content_length = -1
    regular = False
    for pair in headers:
        name = pair[0]
        value = pair[1]
        if name and name[0] == 0x3A:
            if regular or name != b":status" or status != -1:
                raise StreamError(PROTOCOL_ERROR, f"unexpected pseudo-header {name!r}")
            if len(value) != 3:
                raise StreamError(PROTOCOL_ERROR, f"invalid :status {value!r}")
            status = _parse_length(value)
            if status < 100:
                raise StreamError(PROTOCOL_ERROR, f"invalid :status {value!r}")
            continue
        regular = True
        if not _valid_name(name) or name in _CONNECTION_SPECIFIC:
            raise StreamError(PROTOCOL_ERROR, f"invalid response header name {name!r}")
        if not _valid_value(value):
            raise StreamError(PROTOCOL_ERROR, f"invalid value for response header {name!r}")
        if name == b"content-length":
            length = _parse_length(value)
            if length < 0 or 0 <= content_length != length:
                raise StreamError(PROTOCOL_ERROR, f"invalid Content-Length {value!r}")
            content_length = length
    if status == -1:
        raise StreamError(PROTOCOL_ERROR, "response without :status")
    return status, content_length


def check_trailers(headers: List[Header]) -> None:
    """StreamError unless every trailer field is a valid, non-connection-specific one."""
    for name, value in headers:
        if not _valid_name(name) or name in _CONNECTION_SPECIFIC:
            raise StreamError(PROTOCOL_ERROR, f"invalid trailer name {name!r}")
        if not _valid_value(value):
            raise StreamError(PROTOCOL_ERROR, f"invalid value for trailer {name!r}")
