"""The sans-IO HTTP/2 client connection: the names drivers and tests use.

:func:`new_connection` builds one connection's state from the active twins (compiled or
pure, chosen once by ``fastclient._impl``): the protocol core ``_h2core`` (frames, streams,
flow control, settings; see its docstring for the theory of operation) and the HPACK codec
``_h2hpack``. The core speaks the shared events of ``events.py`` tagged with stream ids::

    conn = new_connection()
    conn.initiate()
    sid = conn.send_request(b"GET", b"https", b"example.com", b"/", headers, True)
    sock.sendall(conn.data_to_send())
    for stream_id, event in conn.receive_data(sock.recv(65536)):
        ...  # ResponseHead / Data / EndOfMessage / StreamReset, or connection-wide
             # (stream id 0): SettingsChanged / WindowUpdated / ConnectionTerminated
    sock.sendall(conn.data_to_send())   # SETTINGS and PING acknowledgements, WINDOW_UPDATEs

What the defaults protect against, and why they are what they are:

* ``max_header_list_size`` 64 KiB: ample for real responses (cookies included), small
  enough that a hostile server cannot make us buffer megabytes of headers;
  ``max_header_fields`` 512 bounds the list of tiny fields the byte limit would allow.
* ``stream_window`` 16 MiB and ``connection_window`` 32 MiB: a download is never throttled
  by flow control on a fast link (the protocol's default 64 KiB window caps a 100 ms path at
  5 Mbit/s), while an unread response still cannot buffer more than this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._impl import load
from ._h2events import (
    CANCEL,
    NO_ERROR,
    REFUSED_STREAM,
    ConnectionTerminated,
    PingAcknowledged,
    SettingsChanged,
    StreamReset,
    WindowUpdated,
    error_name,
)
from .events import Data, EndOfMessage, ResponseHead

if TYPE_CHECKING:
    from ._h2core_py import H2Core

__all__ = [
    "CANCEL",
    "NO_ERROR",
    "REFUSED_STREAM",
    "ConnectionTerminated",
    "Data",
    "EndOfMessage",
    "H2Core",
    "PingAcknowledged",
    "ResponseHead",
    "SettingsChanged",
    "StreamReset",
    "WindowUpdated",
    "error_name",
    "implementation",
    "new_connection",
]

_core: Any = load("fastclient._protocol._h2core")
_hpack: Any = load("fastclient._protocol._h2hpack")


def new_connection(
    *,
    stream_window: int = 1 << 24,
    connection_window: int = 1 << 25,
    max_header_list_size: int = 65536,
    max_header_fields: int = 512,
) -> H2Core:
    """A fresh client connection state (call ``initiate()`` before anything else)."""
    decoder = _hpack.Decoder(4096, max_header_list_size, max_header_fields)
    core: H2Core = _core.H2Core(
        decoder,
        _hpack.Encoder(),
        stream_window=stream_window,
        connection_window=connection_window,
        max_header_list_size=max_header_list_size,
    )
    return core


def implementation() -> str:
    """Which twin of the core is in use: "c" or "py"."""
    return "c" if _core.__name__.endswith("_c") else "py"
