# cython: annotation_typing=False
# (annotations are for mypy and readers; the C types come only from the .pxd)
"""HTTP/1.1 request writer, sans-IO: the specification of what fastclient puts on the wire.

This module is plain Python and is also compiled by Cython, with the C types of
``src_c/fastclient/_protocol/_h11write_c.pxd``, into ``fastclient._protocol._h11write_c``.
Both twins run this one source; ``fastclient._impl.load`` picks one. The response parser is
the separate ``fastclient._protocol._http11`` twin; the byte classes both use are defined
once, in ``_h11tables``.

The writers validate everything and raise LocalProtocolError rather than put a byte on the
wire that could end a line: the method and header names must be tokens, the target visible
ASCII, values free of control characters other than HTAB (surrounding SP/HTAB is dropped).
Anything that is not ``bytes`` is a TypeError. The caller supplies Host and the framing
headers.

Speed: the byte-class check, ``_all_in``, is the parser's (the ``_h11fields`` twin): a C
loop over the bytes when compiled, ``bytes.translate`` in the pure twin. Both branches
accept the same bytes, which the differential tests in ``tests/protocol`` check.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple, Union

from fastclient._exceptions import LocalProtocolError
from fastclient._protocol import _h11tables

# The compiled twin's `cython` is Cython's compile-time module (Cython reads this import
# whatever the branch); the pure twin never imports Cython, installed or not.
if __name__.endswith("_c"):
    import cython  # type: ignore[import-untyped]
else:
    from fastclient._protocol import _nocython as cython

# The checks shared with the parser: the compiled twin cimports the compiled ones as C
# functions (see the .pxd; Cython drops this branch from it), the pure twin imports these.
if not cython.compiled:
    from fastclient._protocol._h11fields_py import _all_in, _check_bytes

__all__ = [
    "join_request_head",
    "write_chunk",
    "write_fields",
    "write_last_chunk",
    "write_request_head",
]

# Byte classes (see _h11tables), bound here so that the compiled twin holds them as C-typed
# globals and its loops index them directly.
_TOKEN_CHARS = _h11tables.TOKEN_CHARS
_TOKEN_TABLE = _h11tables.TOKEN_TABLE
_VALUE_OUT_CHARS = _h11tables.VALUE_OUT_CHARS
_VALUE_OUT_TABLE = _h11tables.VALUE_OUT_TABLE
_TARGET_CHARS = _h11tables.TARGET_CHARS
_TARGET_TABLE = _h11tables.TARGET_TABLE
_show = _h11tables.show

_SP = 32
_HTAB = 9


# Header lines already written, by (name, value): a client sends the same few fields (its
# default headers, Host) on every request, and a line is a pure function of its field, so
# each is validated and assembled once. Bounded: emptied when full.
_LINES: Dict[Tuple[bytes, bytes], bytes] = {}
_LINES_LIMIT = 512


def _field_parts(headers: Iterable[Tuple[bytes, bytes]], parts: List[bytes]) -> None:
    """Validate header fields and add their ``name: value CRLF`` lines to parts."""
    lines = _LINES
    for field in headers:
        if type(field) is tuple and len(field) == 2:
            name = field[0]
            value = field[1]
            if type(name) is bytes and type(value) is bytes:
                line = lines.get(field)
                if line is None:
                    line = _field_line(name, value)
                    if len(lines) >= _LINES_LIMIT:
                        lines.clear()
                    lines[field] = line
                parts.append(line)
                continue
        field_name, field_value = field
        parts.append(_field_line(field_name, field_value))


def _field_line(field_name: object, field_value: object) -> bytes:
    """One validated ``name: value CRLF`` line."""
    name = _check_bytes(field_name, "header name")
    value = _check_bytes(field_value, "header value")
    if not name or not _all_in(name, 0, len(name), _TOKEN_TABLE, _TOKEN_CHARS):
        raise LocalProtocolError(f"invalid header name {_show(name)}")
    # Surrounding whitespace is not part of a field value (RFC 9110 5.5): drop it rather
    # than fail, as h11 does; what remains must not hold CR, LF or other CTLs.
    raw = value
    start = 0
    stop = len(value)
    while start < stop and (raw[start] == _SP or raw[start] == _HTAB):
        start += 1
    while stop > start and (raw[stop - 1] == _SP or raw[stop - 1] == _HTAB):
        stop -= 1
    if not _all_in(value, start, stop, _VALUE_OUT_TABLE, _VALUE_OUT_CHARS):
        raise LocalProtocolError(f"invalid header value for {_show(name)}: {_show(value)}")
    if stop - start != len(value):
        value = raw[start:stop]
    return b"".join((name, b": ", value, b"\r\n"))


def _check_request_line(method: bytes, target: bytes) -> None:
    _check_bytes(method, "method")
    _check_bytes(target, "target")
    if not method or not _all_in(method, 0, len(method), _TOKEN_TABLE, _TOKEN_CHARS):
        raise LocalProtocolError(f"invalid method {_show(method)}")
    if not target or not _all_in(target, 0, len(target), _TARGET_TABLE, _TARGET_CHARS):
        raise LocalProtocolError(f"invalid request target {_show(target)}")


def write_request_head(method: bytes, target: bytes, headers: List[Tuple[bytes, bytes]]) -> bytes:
    """``METHOD target HTTP/1.1`` CRLF, the header lines, CRLF; every piece validated so that
    no input can put a line break (or any byte that could act as one) on the wire. The
    caller supplies Host and the framing headers."""
    _check_request_line(method, target)
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    _field_parts(headers, parts)
    parts.append(b"\r\n")
    return b"".join(parts)


def write_fields(headers: Iterable[Tuple[bytes, bytes]]) -> bytes:
    """The validated header lines and the final CRLF: the part of a request head after its
    request line, for a caller that sends the same fields many times (see join_request_head)."""
    parts: List[bytes] = []
    _field_parts(headers, parts)
    parts.append(b"\r\n")
    return b"".join(parts)


def join_request_head(method: bytes, target: bytes, fields: bytes) -> bytes:
    """``write_request_head(method, target, headers)`` for ``fields`` made by
    ``write_fields(headers)``: only the request line is validated here."""
    _check_request_line(method, target)
    return b"".join((method, b" ", target, b" HTTP/1.1\r\n", fields))


def write_chunk(data: Union[bytes, bytearray, memoryview]) -> bytes:
    """One chunk of a chunked body; b"" for empty data (an empty chunk would end the body)."""
    n = len(data)
    if n == 0:
        return b""
    return b"".join((b"%x\r\n" % n, data, b"\r\n"))


def write_last_chunk(trailers: Iterable[Tuple[bytes, bytes]] = ()) -> bytes:
    """The last chunk, the validated trailer fields and the final CRLF."""
    parts = [b"0\r\n"]
    _field_parts(trailers, parts)
    parts.append(b"\r\n")
    return b"".join(parts)
