"""Scripted HTTP/2 servers for the tests: h2's server side, in memory or over a socket.

``Pair`` couples one fastclient core (either twin) with an h2 server connection and moves
the bytes between them by hand, so a test can let the server do something odd at an exact
moment. ``frame`` builds raw frames for what h2 refuses to send (protocol violations).
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Callable, List, Optional, Tuple

import h2.config
import h2.connection
import h2.events
import h2.settings

from fastclient._impl import twin

Header = Tuple[bytes, bytes]
REQUEST_HEADERS: List[Header] = [(b"User-Agent", b"test"), (b"Accept", b"*/*")]


def make_core(impl: str, **kwargs: Any) -> Any:
    core = twin("fastclient._protocol._h2core", impl)
    hpack = twin("fastclient._protocol._h2hpack", impl)
    list_size = kwargs.pop("max_header_list_size", 65536)
    fields = kwargs.pop("max_header_fields", 512)
    return core.H2Core(
        hpack.Decoder(4096, list_size, fields),
        hpack.Encoder(),
        max_header_list_size=list_size,
        **kwargs,
    )


def server_connection(**settings: int) -> h2.connection.H2Connection:
    config = h2.config.H2Configuration(client_side=False, header_encoding=None)
    server = h2.connection.H2Connection(config)
    server.initiate_connection()
    if settings:
        codes = h2.settings.SettingCodes
        server.update_settings({getattr(codes, k): v for k, v in settings.items()})
    return server


def frame(ftype: int, flags: int, sid: int, payload: bytes = b"") -> bytes:
    """One raw frame."""
    n = len(payload)
    return struct.pack(">BHBBL", n >> 16, n & 0xFFFF, ftype, flags, sid) + payload


class Pair:
    """A client core and an h2 server joined in memory."""

    def __init__(
        self, impl: str, server_settings: Optional[dict] = None, **core_kwargs: Any
    ) -> None:
        self.client = make_core(impl, **core_kwargs)
        self.server = server_connection(**(server_settings or {}))
        self.client.initiate()
        self.server_events: List[Any] = []
        self.to_server()
        self.events = self.to_client()
        self.to_server()

    def to_server(self) -> List[Any]:
        data = self.client.data_to_send()
        events = self.server.receive_data(data) if data else []
        self.server_events.extend(events)
        return events

    def to_client(self, extra: bytes = b"") -> List[Tuple[int, Any]]:
        return self.client.receive_data(self.server.data_to_send() + extra)

    def request(self, path: bytes = b"/", end_stream: bool = True, method: bytes = b"GET") -> int:
        return int(
            self.client.send_request(
                method, b"http", b"example.test", path, list(REQUEST_HEADERS), end_stream
            )
        )

    def respond(
        self,
        sid: int,
        body: bytes = b"Hello, world!",
        status: bytes = b"200",
        headers: Optional[List[Header]] = None,
        trailers: Optional[List[Header]] = None,
    ) -> None:
        head = [(b":status", status), (b"content-length", str(len(body)).encode())]
        if trailers:
            head = [(b":status", status)]
        self.server.send_headers(sid, head + (headers or []))
        self.server.send_data(sid, body, end_stream=not trailers)
        if trailers:
            self.server.send_headers(sid, trailers, end_stream=True)


def serve_h2(
    on_request: Callable[
        [h2.connection.H2Connection, h2.events.RequestReceived, socket.socket], None
    ],
    **settings: int,
) -> Callable[[socket.socket], None]:
    """A raw_server handler: an h2 server that calls ``on_request`` for each request
    (and acknowledges received data so uploads keep flowing)."""

    def handler(sock: socket.socket) -> None:
        server = server_connection(**settings)
        sock.sendall(server.data_to_send())
        while True:
            data = sock.recv(65536)
            if not data:
                return
            for event in server.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    on_request(server, event, sock)
                elif isinstance(event, h2.events.DataReceived):
                    server.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            out = server.data_to_send()
            if out:
                sock.sendall(out)

    return handler
