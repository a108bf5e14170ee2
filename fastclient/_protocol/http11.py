"""The HTTP/1.1 client codec: the active twins of ``fastclient._protocol._http11`` (the
response parser) and ``fastclient._protocol._h11write`` (the request writer).

Each is compiled (``_c``) or pure (``_py``), as ``fastclient._impl`` decided; both twins
run the same source and give the same events, bytes and errors. See ``_http11_py`` for the
theory of operation and the exact strictness rules, ``_h11write_py`` for what is written.

Usage, per connection::

    parser = ResponseParser()                  # or ResponseParser(H11Limits(max_head=...))
    sock.sendall(write_request_head(b"GET", b"/", [(b"Host", b"example.com")]))
    parser.start_response(b"GET")
    while not parser.complete:
        data = sock.recv(65536)
        events = parser.feed(data) if data else parser.feed_eof()
        ...                                    # ResponseHead, Data..., EndOfMessage
    reuse = parser.keep_alive                  # else close the connection

After an ``Upgrade`` event (101, or a 2xx answer to CONNECT) its ``rest`` and every later
byte belong to the caller; the parser parses nothing more.

The writers validate everything and raise LocalProtocolError rather than put a byte on
the wire that could end a line: the method and header names must be tokens, the target
visible ASCII, values free of control characters other than HTAB (surrounding SP/HTAB is
dropped). The caller supplies Host and the framing headers.

``H11Limits`` defaults (every crossed limit raises RemoteProtocolError; line limits count
the line ending):

=====================  ========  ================================================
max_status_line        8 KiB     the request-line limit servers themselves use
max_header_line        16 KiB    room for long Set-Cookie / CSP values
max_head               64 KiB    whole head; servers rarely send over 8 KiB
max_headers            128       header (and trailer) fields per section
max_chunk_line         4 KiB     chunk size plus (rarely used) extensions
max_trailers           16 KiB    whole trailer section
max_informational      8         1xx responses skipped before the final one
=====================  ========  ================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastclient._impl import load

if TYPE_CHECKING:
    # mypy reads the specification; at run time the active twin supplies the same names.
    from fastclient._protocol._h11write_py import (
        write_chunk,
        write_last_chunk,
        write_request_head,
    )
    from fastclient._protocol._http11_py import H11Limits, ResponseParser
else:
    _twin = load("fastclient._protocol._http11")
    H11Limits = _twin.H11Limits
    ResponseParser = _twin.ResponseParser
    _writer = load("fastclient._protocol._h11write")
    write_chunk = _writer.write_chunk
    write_last_chunk = _writer.write_last_chunk
    write_request_head = _writer.write_request_head

__all__ = [
    "H11Limits",
    "ResponseParser",
    "write_chunk",
    "write_last_chunk",
    "write_request_head",
]
