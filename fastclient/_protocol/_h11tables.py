"""Byte classes of HTTP/1.1, the one definition the codec's two twins share.

The response parser (``_http11_py``, compiled as ``_http11_c``) and the request writer
(``_h11write_py``, compiled as ``_h11write_c``) both import this plain module once, when
they load, and bind what they use to globals of their own (C-typed ``bytes`` in the
compiled twins), so no hot loop ever looks anything up here. It is never compiled: a
compiled twin may import it, but never the other module's pure twin.

Each class exists twice: a 256-entry flag table (indexed by byte value in C loops) and the
string of its member bytes (for ``bytes.translate(None, members)`` in the pure twins, which
leaves exactly the bytes that are not members).
"""

from __future__ import annotations

from typing import Set, Tuple

__all__ = [
    "CONNECTION_CLOSE",
    "CONNECTION_KEEP_ALIVE",
    "HEX_TABLE",
    "TARGET_CHARS",
    "TARGET_TABLE",
    "TOKEN_CHARS",
    "TOKEN_TABLE",
    "VALUE_IN_CHARS",
    "VALUE_IN_TABLE",
    "VALUE_OUT_CHARS",
    "VALUE_OUT_TABLE",
    "show",
]


def _members(test: bool, *ranges: Tuple[int, int]) -> bytes:
    inside: Set[int] = set()
    for low, high in ranges:
        inside.update(range(low, high + 1))
    return bytes(c for c in range(256) if (c in inside) == test)


def _table(members: bytes) -> bytes:
    flags = bytearray(256)
    for c in members:
        flags[c] = 1
    return bytes(flags)


# RFC 9110 5.6.2 tchar: methods and field names.
TOKEN_CHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TOKEN_TABLE = _table(TOKEN_CHARS)
# What we send in a field value (and accept in a chunk extension): HTAB, SP, VCHAR,
# obs-text. Any other control character could be read as a line break by someone.
VALUE_OUT_CHARS = _members(True, (0x09, 0x09), (0x20, 0x7E), (0x80, 0xFF))
VALUE_OUT_TABLE = _table(VALUE_OUT_CHARS)
# What we accept in a received value or reason phrase: anything but NUL, CR and LF.
VALUE_IN_CHARS = _members(False, (0x00, 0x00), (0x0A, 0x0A), (0x0D, 0x0D))
VALUE_IN_TABLE = _table(VALUE_IN_CHARS)
# Request targets are URIs (RFC 3986 is ASCII): VCHAR only, so also no SP, no DEL, and no
# raw non-ASCII (the URL layer percent-encodes it).
TARGET_CHARS = _members(True, (0x21, 0x7E))
TARGET_TABLE = _table(TARGET_CHARS)
# Hex digit value + 1 (0 means "not a hex digit").
HEX_TABLE = bytes(
    (c - 47 if 48 <= c <= 57 else c - 54 if 65 <= c <= 70 else c - 86 if 97 <= c <= 102 else 0)
    for c in range(256)
)

# The Connection options that matter for reuse, as the bits the field parser returns
# (_h11fields) and the response parser reads (_http11): one definition for both twins.
CONNECTION_CLOSE = 1
CONNECTION_KEEP_ALIVE = 2


def show(data: bytes) -> str:
    """``data`` quoted for an error message (what a peer sent or a caller passed), but
    never megabytes of it."""
    return repr(data[:80]) + ("..." if len(data) > 80 else "")
