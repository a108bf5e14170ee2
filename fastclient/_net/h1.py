"""The HTTP/1.1 core as the drivers use it: one import site, so the drivers do not care
whether the compiled or the pure twin is active (``fastclient._impl`` decides)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _impl

if TYPE_CHECKING:
    from .._protocol._h11write_py import (
        join_request_head,
        write_chunk,
        write_fields,
        write_last_chunk,
        write_request_head,
    )
    from .._protocol._http11_py import ResponseParser
else:
    ResponseParser = _impl.load("fastclient._protocol._http11").ResponseParser
    _writer = _impl.load("fastclient._protocol._h11write")
    write_chunk = _writer.write_chunk
    write_last_chunk = _writer.write_last_chunk
    write_request_head = _writer.write_request_head
    write_fields = _writer.write_fields
    join_request_head = _writer.join_request_head

__all__ = [
    "ResponseParser",
    "join_request_head",
    "write_chunk",
    "write_fields",
    "write_last_chunk",
    "write_request_head",
]
