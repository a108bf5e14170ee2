# cython: annotation_typing=False
# (the annotations are for mypy; the C types live in the augmenting .pxd)
"""HTTP/2 frames as bytes (RFC 9113 sections 4 and 6): the frame header, and the frames a
client writes, appended to the connection's output buffer.

A twin of its own: Cython compiles this same source with the C types of
``src_c/fastclient/_protocol/_h2frames_c.pxd`` into ``_h2frames_c``, whose functions the
compiled connection core (``_h2core_c``) calls as C functions; the pure core imports the
pure ones. The core decides what to send and when (windows, limits, stream states); these
only lay out the bytes, and the reader of 32-bit fields, ``u32_at``, serves its parser.
"""

from __future__ import annotations

from . import _h2wire

__all__ = [
    "data_frames",
    "frame_header",
    "goaway",
    "header_frames",
    "preface",
    "rst_stream",
    "u32",
    "u32_at",
    "window_update",
]

# The wire format, defined once in _h2wire and bound here so that the compiled twin holds
# the values as C integers.
PREFACE = _h2wire.PREFACE
F_DATA = _h2wire.F_DATA
F_HEADERS = _h2wire.F_HEADERS
F_RST_STREAM = _h2wire.F_RST_STREAM
F_SETTINGS = _h2wire.F_SETTINGS
F_GOAWAY = _h2wire.F_GOAWAY
F_WINDOW_UPDATE = _h2wire.F_WINDOW_UPDATE
F_CONTINUATION = _h2wire.F_CONTINUATION
FL_END_STREAM = _h2wire.FL_END_STREAM
FL_END_HEADERS = _h2wire.FL_END_HEADERS
S_ENABLE_PUSH = _h2wire.S_ENABLE_PUSH
S_INITIAL_WINDOW_SIZE = _h2wire.S_INITIAL_WINDOW_SIZE
S_MAX_HEADER_LIST_SIZE = _h2wire.S_MAX_HEADER_LIST_SIZE
DEFAULT_WINDOW = _h2wire.DEFAULT_WINDOW


def u32_at(data: bytes, pos: int) -> int:
    """The big-endian 32-bit number at ``data[pos]`` (built in a wide variable so that the
    compiled twin never shifts a byte into an int's sign bit)."""
    p = data
    value = p[pos]
    value = (value << 8) | p[pos + 1]
    value = (value << 8) | p[pos + 2]
    return (value << 8) | p[pos + 3]


def frame_header(out: bytearray, length: int, ftype: int, flags: int, sid: int) -> None:
    out.append((length >> 16) & 0xFF)
    out.append((length >> 8) & 0xFF)
    out.append(length & 0xFF)
    out.append(ftype)
    out.append(flags)
    out.append((sid >> 24) & 0x7F)
    out.append((sid >> 16) & 0xFF)
    out.append((sid >> 8) & 0xFF)
    out.append(sid & 0xFF)


def u32(out: bytearray, value: int) -> None:
    out.append((value >> 24) & 0xFF)
    out.append((value >> 16) & 0xFF)
    out.append((value >> 8) & 0xFF)
    out.append(value & 0xFF)


def preface(out: bytearray, stream_window: int, header_list_size: int, conn_window: int) -> None:
    """The connection preface: the magic, our SETTINGS (no push, our stream window and
    header list size), and a WINDOW_UPDATE that opens the connection window to
    ``conn_window`` when it is larger than the protocol's default."""
    out += PREFACE
    frame_header(out, 18, F_SETTINGS, 0, 0)
    out.append(0)
    out.append(S_ENABLE_PUSH)
    u32(out, 0)
    out.append(0)
    out.append(S_INITIAL_WINDOW_SIZE)
    u32(out, stream_window)
    out.append(0)
    out.append(S_MAX_HEADER_LIST_SIZE)
    u32(out, header_list_size)
    if conn_window > DEFAULT_WINDOW:
        window_update(out, 0, conn_window - DEFAULT_WINDOW)


def header_frames(out: bytearray, sid: int, block: bytes, end_stream: bool, limit: int) -> None:
    """A header block as HEADERS, then CONTINUATION frames of at most ``limit`` bytes."""
    flags = FL_END_STREAM if end_stream else 0
    n = len(block)
    if n <= limit:
        frame_header(out, n, F_HEADERS, flags | FL_END_HEADERS, sid)
        out += block
        return
    frame_header(out, limit, F_HEADERS, flags, sid)
    out += block[:limit]
    pos = limit
    while pos < n:
        size = n - pos
        if size > limit:
            size = limit
        last = pos + size == n
        frame_header(out, size, F_CONTINUATION, FL_END_HEADERS if last else 0, sid)
        out += block[pos : pos + size]
        pos += size


def data_frames(out: bytearray, sid: int, data: bytes, n: int, finish: bool, limit: int) -> None:
    """The first ``n`` bytes of ``data`` as DATA frames of at most ``limit`` bytes, the last
    with END_STREAM when ``finish`` (an empty one when ``n`` is 0)."""
    pos = 0
    while pos < n:
        size = n - pos
        if size > limit:
            size = limit
        last = pos + size == n
        frame_header(out, size, F_DATA, FL_END_STREAM if finish and last else 0, sid)
        out += data[pos : pos + size]
        pos += size
    if finish and n == 0:
        frame_header(out, 0, F_DATA, FL_END_STREAM, sid)


def window_update(out: bytearray, sid: int, increment: int) -> None:
    frame_header(out, 4, F_WINDOW_UPDATE, 0, sid)
    u32(out, increment)


def rst_stream(out: bytearray, sid: int, code: int) -> None:
    frame_header(out, 4, F_RST_STREAM, 0, sid)
    u32(out, code)


def goaway(out: bytearray, code: int, debug: bytes) -> None:
    # We never accept server-initiated streams, so the last one processed is 0.
    frame_header(out, 8 + len(debug), F_GOAWAY, 0, 0)
    u32(out, 0)
    u32(out, code)
    out += debug
