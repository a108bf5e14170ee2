"""HTTP/2 on the wire (RFC 9113): the connection preface, frame types, flags, settings
identifiers and the protocol's limits.

The one definition the connection core (``_h2core_py``, compiled as ``_h2core_c``) and the
frame writers (``_h2frames_py``, compiled as ``_h2frames_c``) share. Both bind what they use
to globals of their own (C integers in the compiled twins) when they load, so no hot path
looks anything up here. It is never compiled.
"""

from __future__ import annotations

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types (RFC 9113 section 6).
F_DATA = 0x0
F_HEADERS = 0x1
F_PRIORITY = 0x2
F_RST_STREAM = 0x3
F_SETTINGS = 0x4
F_PUSH_PROMISE = 0x5
F_PING = 0x6
F_GOAWAY = 0x7
F_WINDOW_UPDATE = 0x8
F_CONTINUATION = 0x9

# Flags.
FL_END_STREAM = 0x1
FL_ACK = 0x1
FL_END_HEADERS = 0x4
FL_PADDED = 0x8
FL_PRIORITY = 0x20

# Settings identifiers.
S_HEADER_TABLE_SIZE = 0x1
S_ENABLE_PUSH = 0x2
S_MAX_CONCURRENT_STREAMS = 0x3
S_INITIAL_WINDOW_SIZE = 0x4
S_MAX_FRAME_SIZE = 0x5
S_MAX_HEADER_LIST_SIZE = 0x6

MAX_WINDOW = 2**31 - 1
MAX_STREAM_ID = 2**31 - 1
DEFAULT_WINDOW = 65535
DEFAULT_FRAME_SIZE = 16384
