# cython: annotation_typing=False
# (annotations are for mypy and readers; the C types come only from the .pxd)
"""HTTP/1.1 field lines and the values of the framing fields, sans-IO.

A twin of its own: plain Python here, compiled by Cython with the C types of
``src_c/fastclient/_protocol/_h11fields_c.pxd`` into ``fastclient._protocol._h11fields_c``.
The response parser (``_http11_py``) checks a head's lines and frames its body with these
functions, and ``split_fields`` makes a head's (name, value) pairs when they are first
asked for (see ``ResponseHead``); the request writer (``_h11write_py``) checks names,
values and targets with ``_all_in`` and its arguments with ``_check_bytes``. The compiled
twins of both call the compiled functions here as C functions (cimported through their
.pxd); the pure twins import this pure one.

Scanning: the helpers that branch on ``_COMPILED`` run a C loop over the bytes when
compiled, where the local ``raw = buf`` is a ``const unsigned char *`` (see the .pxd): raw[i]
is a load and raw[a:b] makes the bytes object directly. The pure twin gets the same answers
from bytes methods, whose loops run in C too: the best C loop is a slow Python loop and the
best Python (``bytes.find``/``translate``, C code behind a method call) is a slow call from
C. Both branches accept the same language, which the differential tests in
``tests/protocol`` check by running both twins on the same random input.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from fastclient._exceptions import RemoteProtocolError
from fastclient._protocol import _h11tables

__all__ = ["split_fields"]

# True in the compiled twin (fastclient._protocol._h11fields_c): selects the C loops.
_COMPILED = __name__.endswith("_c")
# Names the twins' tests check, to be sure each runs the branch it should.
_SCANNING = "c-loops" if _COMPILED else "bytes-methods"

# Byte classes, defined once in _h11tables and bound here so that the compiled twin holds
# them as C-typed globals and its loops index them directly.
_TOKEN_CHARS = _h11tables.TOKEN_CHARS
_TOKEN_TABLE = _h11tables.TOKEN_TABLE
_VALUE_OUT_CHARS = _h11tables.VALUE_OUT_CHARS
_VALUE_OUT_TABLE = _h11tables.VALUE_OUT_TABLE
_VALUE_IN_TABLE = _h11tables.VALUE_IN_TABLE
_HEX_TABLE = _h11tables.HEX_TABLE
# The bits _connection_options returns (the parser reads them).
_CLOSE = _h11tables.CONNECTION_CLOSE
_KEEP_ALIVE = _h11tables.CONNECTION_KEEP_ALIVE

_CR = 13
_LF = 10
_SP = 32
_HTAB = 9
_SEMICOLON = 59
_COLON = 58
_COMMA = 44
# Sizes (Content-Length, chunk sizes) must fit in 63 bits: the parser keeps them in a C
# long long. A chunk size above _MAX_BEFORE_HEX_DIGIT cannot take another hex digit.
_MAX_SIZE = 2**63 - 1
_MAX_BEFORE_HEX_DIGIT = _MAX_SIZE >> 4

# Error messages quote what the peer sent, but never megabytes of it.
_show = _h11tables.show

# -- scanning: the code the two twins run differently -----------------------------------------


def _find(buf: bytes, char: int, start: int, stop: int) -> int:
    """Index of the first byte `char` in buf[start:stop], or -1."""
    if _COMPILED:
        raw = buf
        i = start
        while i < stop:
            if raw[i] == char:
                return i
            i += 1
        return -1
    return buf.find(char, start, stop)


def _all_in(buf: bytes, start: int, stop: int, table: bytes, members: bytes) -> bool:
    """True if every byte of buf[start:stop] is in the class given by table/members."""
    if _COMPILED:
        raw = buf
        flags = table
        i = start
        while i < stop:
            if not flags[raw[i]]:
                return False
            i += 1
        return True
    return not buf[start:stop].translate(None, members)


def _is_lower(buf: bytes, start: int, stop: int, lowered: bytes) -> bool:
    """Whether the token buf[start:stop] is `lowered` (lowercase letters and "-") in any case."""
    n = len(lowered)
    if stop - start != n:
        return False
    if _COMPILED:
        raw = buf
        low = lowered
        i = 0
        while i < n:
            # x | 0x20 == t only for x == t or x == t - 0x20: for a letter t that is its
            # uppercase, for "-" a CR, which no line that gets here contains.
            if raw[start + i] | 0x20 != low[i]:
                return False
            i += 1
        return True
    return buf[start:stop].lower() == lowered


def _name_colon(buf: bytes, start: int, stop: int) -> int:
    """(Compiled twin only.) Where the colon after the token name that starts a field line
    at start is, or -1 if the line does not start so (searching buf[start:stop])."""
    raw = buf
    token = _TOKEN_TABLE
    i = start
    while i < stop and token[raw[i]]:
        i += 1
    if i in (start, stop) or raw[i] != _COLON:
        return -1
    return i


def _parse_field(buf: bytes, start: int, stop: int) -> Tuple[bytes, bytes]:
    """The (name, value) of the field line buf[start:stop] (line ending excluded)."""
    if _COMPILED:
        raw = buf
        allowed = _VALUE_IN_TABLE
        i = _name_colon(buf, start, stop)
        if i < 0:
            raise _field_error(buf, start, stop)
        name = raw[start:i]
        i += 1
        while i < stop and (raw[i] == _SP or raw[i] == _HTAB):
            i += 1
        j = stop
        while j > i and (raw[j - 1] == _SP or raw[j - 1] == _HTAB):
            j -= 1
        k = i
        while k < j:
            if not allowed[raw[k]]:
                raise _field_error(buf, start, stop)
            k += 1
        return (name, raw[i:j])
    colon = buf.find(b":", start, stop)
    if colon <= start:
        raise _field_error(buf, start, stop)
    name = buf[start:colon]
    if name.translate(None, _TOKEN_CHARS):
        raise _field_error(buf, start, stop)
    value = buf[colon + 1 : stop].strip(b" \t")
    if b"\r" in value or b"\x00" in value:
        raise _field_error(buf, start, stop)
    return (name, value)


def split_fields(
    block: bytes, only: Optional[bytes] = None
) -> Tuple[List[Tuple[bytes, bytes]], List[bytes]]:
    """The (name, value) pairs of a head's field lines, and the names lowercased; with
    ``only`` (a lowercase name), of the lines of that name alone. ``block`` is field lines
    as the parser accepted them (each ends in LF or CRLF, has a colon after a token name,
    and no CR or NUL in its value); values lose surrounding SP/HTAB."""
    fields: List[Tuple[bytes, bytes]] = []
    keys: List[bytes] = []
    raw = block
    n = len(block)
    i = 0
    while i < n:
        colon = _find(block, _COLON, i, n)
        lf = _find(block, _LF, colon, n) if colon >= 0 else -1
        if lf < 0:
            raise ValueError("not field lines as the parser accepts them")
        if only is None or _is_lower(block, i, colon, only):
            name = raw[i:colon]
            fields.append((name, _field_value(block, colon, lf)))
            keys.append(name.lower())
        i = lf + 1
    return fields, keys


def _line_error(buf: bytes, start: int, stop: int) -> int:
    """For a field line known to be invalid: raise if it is complete, else -1."""
    lf = _find(buf, _LF, start, stop)
    if lf >= 0:
        raise _field_error(buf, start, lf - 1 if lf > start and buf[lf - 1] == _CR else lf)
    return -1


def _field_value(buf: bytes, colon: int, lf: int) -> bytes:
    """The value of a valid field line whose colon and LF are at these indexes."""
    raw = buf
    i = colon + 1
    j = lf
    if j > i and raw[j - 1] == _CR:
        j -= 1
    while i < j and (raw[i] == _SP or raw[i] == _HTAB):
        i += 1
    while j > i and (raw[j - 1] == _SP or raw[j - 1] == _HTAB):
        j -= 1
    return raw[i:j]


# -- one logic for both twins ----------------------------------------------------------------


def _field_error(buf: bytes, start: int, stop: int) -> RemoteProtocolError:
    """Explain why buf[start:stop] is not a valid field line (error path only)."""
    line = buf[start:stop]
    first = line[:1]
    colon = line.find(b":")
    if first in (b" ", b"\t"):
        why = "obsolete line folding (a line starting with whitespace) is not accepted"
    elif colon < 0:
        why = "missing colon"
    elif colon == 0:
        why = "empty field name"
    elif line[colon - 1 : colon] in (b" ", b"\t"):
        why = "whitespace between field name and colon"
    elif line[:colon].translate(None, _TOKEN_CHARS):
        why = "invalid character in field name"
    else:
        why = "NUL or CR in field value"
    return RemoteProtocolError(f"invalid header line ({why}): {_show(line)}")


def _status_error(buf: bytes, start: int, stop: int) -> RemoteProtocolError:
    return RemoteProtocolError(f"invalid status line: {_show(buf[start:stop])}")


def _check_bytes(value: object, what: str) -> bytes:
    if type(value) is not bytes:
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    return value


def _parse_chunk_size(buf: bytes, start: int, lf: int) -> int:
    """The size given by the chunk-size line buf[start:lf+1] (lf indexes its LF)."""
    raw = buf
    hexdigit = _HEX_TABLE
    if lf == start or raw[lf - 1] != _CR:
        raise RemoteProtocolError(
            f"chunk-size line does not end in CRLF: {_show(buf[start : lf + 1])}"
        )
    stop = lf - 1
    size = 0
    i = start
    while i < stop:
        digit = hexdigit[raw[i]]
        if not digit:
            break
        if size > _MAX_BEFORE_HEX_DIGIT:
            raise RemoteProtocolError("chunk size does not fit in 63 bits")
        size = size * 16 + digit - 1
        i += 1
    if i == start:
        raise RemoteProtocolError(f"invalid chunk size: {_show(buf[start:stop])}")
    while i < stop and (raw[i] == _SP or raw[i] == _HTAB):
        i += 1
    if i < stop and (
        raw[i] != _SEMICOLON or not _all_in(buf, i, stop, _VALUE_OUT_TABLE, _VALUE_OUT_CHARS)
    ):
        raise RemoteProtocolError(f"invalid chunk-size line: {_show(buf[start:stop])}")
    return size


def _parse_content_length(value: bytes, length: int) -> int:
    """The length a Content-Length field states, every list element of it agreeing with
    ``length``, what earlier fields stated (-1: none)."""
    raw = value
    n = len(value)
    i = 0
    while True:
        # One list element: OWS 1*DIGIT OWS. Empty elements are errors here: a
        # length is too important to guess about.
        while i < n and (raw[i] == _SP or raw[i] == _HTAB):
            i += 1
        first = i
        number = 0
        while i < n and 48 <= raw[i] <= 57:
            digit = raw[i] - 48
            if number > (_MAX_SIZE - digit) // 10:
                raise RemoteProtocolError("Content-Length does not fit in 63 bits")
            number = number * 10 + digit
            i += 1
        if i == first:
            raise RemoteProtocolError(f"invalid Content-Length: {_show(value)}")
        while i < n and (raw[i] == _SP or raw[i] == _HTAB):
            i += 1
        if length >= 0 and number != length:
            raise RemoteProtocolError("conflicting Content-Length values")
        length = number
        if i == n:
            break
        if raw[i] != _COMMA:
            raise RemoteProtocolError(f"invalid Content-Length: {_show(value)}")
        i += 1
    return length


def _connection_options(value: bytes) -> int:
    """The _CLOSE and _KEEP_ALIVE bits for the options a Connection field lists."""
    raw = value
    n = len(value)
    flags = 0
    i = 0
    while i <= n:
        j = _find(value, _COMMA, i, n)
        if j < 0:
            j = n
        a = i
        b = j
        while a < b and (raw[a] == _SP or raw[a] == _HTAB):
            a += 1
        while b > a and (raw[b - 1] == _SP or raw[b - 1] == _HTAB):
            b -= 1
        if _is_lower(value, a, b, b"close"):
            flags |= _CLOSE
        elif _is_lower(value, a, b, b"keep-alive"):
            flags |= _KEEP_ALIVE
        i = j + 1
    return flags


def _te_is_chunked(values: List[bytes]) -> bool:
    """Whether the Transfer-Encoding fields end in chunked (errors for misplaced chunked)."""
    codings = [c.strip(b" \t").lower() for v in values for c in v.split(b",")]
    codings = [c for c in codings if c]  # RFC 9110 5.6.1: empty list elements are ignored
    last = len(codings) - 1
    if last < 0:
        raise RemoteProtocolError("empty Transfer-Encoding")
    if b"chunked" in codings[:last]:
        raise RemoteProtocolError("chunked is not the final transfer coding")
    return codings[last] == b"chunked"
