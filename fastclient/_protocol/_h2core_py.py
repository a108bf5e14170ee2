# cython: annotation_typing=False
# (the annotations are for mypy; the C types live in the augmenting .pxd)
"""The HTTP/2 client connection core (RFC 9113): bytes in, ``(stream_id, event)`` out.

This is the specification twin; Cython compiles this same source with the C types of
``src_c/fastclient/_protocol/_h2core_c.pxd`` into ``_h2core_c``. Users reach it through
``fastclient._protocol.http2``, which picks the twin and supplies the HPACK codec. The
rules for header fields (``_h2fields``) and the frame writers (``_h2frames``) are twins of
their own that this one calls; the wire format's numbers are defined once, in ``_h2wire``.

Theory of operation
-------------------
Why not the ``h2`` package: it spends ~350 µs of CPU per request with 100 streams in
flight (a per-frame state machine built on enums and callbacks, and scans over all
streams), which is thirty times the whole budget of a request here. A client needs far
less than h2's general machine: it opens only odd streams, never accepts pushes, and
each stream carries one request and one response. This core keeps that much state, in
plain integers and flags, and compiles to a loop of C switches. h2 remains the reference
peer the tests drive it against.

One object per connection. The driver calls :meth:`initiate`, then
:meth:`send_request` / :meth:`send_data` / :meth:`reset_stream` and writes out
:meth:`data_to_send`; it feeds every received chunk to :meth:`receive_data`, routes the
returned events by stream id, and, when the response body is handed to the user,
:meth:`acknowledge`\\ s it so the flow-control windows reopen (this is the backpressure:
an unread stream stops at its window).

Failures are events, not exceptions, so one bad stream never costs the others:

* the server broke a rule about one stream (a malformed head, a body longer than its
  Content-Length, too many header bytes): that stream gets ``StreamReset(remote=False)``
  and an RST_STREAM goes out;
* the server broke a connection rule (bad frame sizes, HPACK errors, flow-control
  violations, pushes we refused, CONTINUATION floods): every open stream gets
  ``StreamReset``, then ``(0, ConnectionTerminated(remote=False))``; a GOAWAY goes out
  and the core accepts nothing more;
* RST_STREAM and GOAWAY from the server: ``StreamReset(remote=True)``; streams the server
  never processed are marked ``retryable``.

The driver turns a ``StreamReset`` into RemoteProtocolError (or a retry) for that request.
Calls the *client* gets wrong raise LocalProtocolError at once.

Limits (the server controls what we receive):
* frames up to our SETTINGS_MAX_FRAME_SIZE (16 KiB, the protocol's default);
* a header block's compressed bytes up to twice ``max_header_list_size`` (compressed
  fields are smaller than their decoded size, which counts 32 extra bytes a field, so
  only a block whose list would be refused anyway reaches that) and its frames up to
  ``_MAX_BLOCK_FRAMES``: CONTINUATION floods end the connection early;
* decoded header lists bounded by the HPACK decoder (bytes and field count).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .._exceptions import LocalProtocolError, RemoteProtocolError
from . import _h2wire
from ._h2events import (
    CANCEL,
    COMPRESSION_ERROR,
    ENHANCE_YOUR_CALM,
    FLOW_CONTROL_ERROR,
    FRAME_SIZE_ERROR,
    NO_ERROR,
    PROTOCOL_ERROR,
    REFUSED_STREAM,
    STREAM_CLOSED,
    ConnectionTerminated,
    PingAcknowledged,
    SettingsChanged,
    StreamReset,
    WindowUpdated,
    error_name,
)
from .events import Data, EndOfMessage, ResponseHead

# The compiled twin's `cython` is Cython's compile-time module (Cython reads this import
# whatever the branch); the pure twin never imports Cython, installed or not.
if __name__.endswith("_c"):
    import cython  # type: ignore[import-untyped]
else:
    from . import _nocython as cython

# The field rules: the compiled twin cimports the compiled functions as C functions (see
# the .pxd; Cython drops the branch it does not take), the pure twin imports the pure
# ones. The exception class is a Python object in both.
if cython.compiled:
    from ._h2fields_c import StreamError  # type: ignore[import-not-found]
else:
    from ._h2fields_py import StreamError, check_trailers, head_status, request_fields
    from ._h2frames_py import (
        data_frames,
        frame_header,
        goaway,
        header_frames,
        preface,
        rst_stream,
        u32_at,
        window_update,
    )

__all__ = ["H2Core"]

Header = Tuple[bytes, bytes]

# The wire format, defined once in _h2wire and bound here so that the compiled twin holds
# the values as C integers.
F_DATA = _h2wire.F_DATA
F_HEADERS = _h2wire.F_HEADERS
F_PRIORITY = _h2wire.F_PRIORITY
F_RST_STREAM = _h2wire.F_RST_STREAM
F_SETTINGS = _h2wire.F_SETTINGS
F_PUSH_PROMISE = _h2wire.F_PUSH_PROMISE
F_PING = _h2wire.F_PING
F_GOAWAY = _h2wire.F_GOAWAY
F_WINDOW_UPDATE = _h2wire.F_WINDOW_UPDATE
F_CONTINUATION = _h2wire.F_CONTINUATION
FL_END_STREAM = _h2wire.FL_END_STREAM
FL_ACK = _h2wire.FL_ACK
FL_PADDED = _h2wire.FL_PADDED
FL_PRIORITY = _h2wire.FL_PRIORITY
FL_END_HEADERS = _h2wire.FL_END_HEADERS
S_HEADER_TABLE_SIZE = _h2wire.S_HEADER_TABLE_SIZE
S_ENABLE_PUSH = _h2wire.S_ENABLE_PUSH
S_MAX_CONCURRENT_STREAMS = _h2wire.S_MAX_CONCURRENT_STREAMS
S_INITIAL_WINDOW_SIZE = _h2wire.S_INITIAL_WINDOW_SIZE
S_MAX_FRAME_SIZE = _h2wire.S_MAX_FRAME_SIZE
S_MAX_HEADER_LIST_SIZE = _h2wire.S_MAX_HEADER_LIST_SIZE
MAX_WINDOW = _h2wire.MAX_WINDOW
MAX_STREAM_ID = _h2wire.MAX_STREAM_ID
DEFAULT_WINDOW = _h2wire.DEFAULT_WINDOW
DEFAULT_FRAME_SIZE = _h2wire.DEFAULT_FRAME_SIZE

# Until the server's first SETTINGS arrives its stream limit is unknown (formally
# unlimited); 100 is the minimum RFC 9113 recommends servers allow, so requests sent
# before then are not refused.
ASSUMED_MAX_STREAMS = 100

# A header block spread over more frames than this is a CONTINUATION flood: legitimate
# servers send one frame, or a few when the block exceeds 16 KiB.
_MAX_BLOCK_FRAMES = 32

_WINDOW_UPDATED = WindowUpdated()
_SETTINGS_CHANGED = SettingsChanged()
# Most responses have no trailers: they share one event (its list is never filled in;
# consumers that hand trailers out copy the list).
_END_NO_TRAILERS = EndOfMessage([])


class _ConnectionError(Exception):
    """Internal: the server broke a connection-level rule."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Stream:
    """One request/response exchange as the core tracks it."""

    def __init__(self, sid: int, send_window: int, recv_window: int, is_head: bool) -> None:
        self.sid = sid
        self.local_closed = False  # we sent END_STREAM
        self.remote_closed = False  # the server sent END_STREAM
        self.head_done = False  # the final (non-1xx) response head arrived
        self.is_head = is_head  # a HEAD request: no body whatever Content-Length says
        self.send_window = send_window
        self.recv_window = recv_window
        self.unacked = 0  # body bytes delivered but not yet given back in WINDOW_UPDATE
        self.content_length = -1  # -1: none announced
        self.received = 0


class H2Core:
    """One client HTTP/2 connection's protocol state. No I/O, no clocks, no locks."""

    def __init__(
        self,
        decoder: Any,
        encoder: Any,
        *,
        stream_window: int = 1 << 24,
        connection_window: int = 1 << 25,
        max_header_list_size: int = 65536,
    ) -> None:
        if not DEFAULT_WINDOW <= stream_window <= MAX_WINDOW:
            raise ValueError("stream_window must be between 65535 and 2**31-1")
        if not DEFAULT_WINDOW <= connection_window <= MAX_WINDOW:
            raise ValueError("connection_window must be between 65535 and 2**31-1")
        self.decoder = decoder
        self.encoder = encoder
        self._out = bytearray()
        self._buf = b""
        self._streams: Dict[int, _Stream] = {}
        self.next_stream_id = 1
        self.open_streams = 0
        self.closed = False
        # GOAWAY received: no new streams; streams up to last_stream_id may finish.
        self.goaway_received = False
        self.last_stream_id = MAX_STREAM_ID
        self._got_settings = False
        # What the server allows us.
        self.max_concurrent_streams = ASSUMED_MAX_STREAMS
        self.peer_initial_window = DEFAULT_WINDOW
        self.peer_max_frame_size = DEFAULT_FRAME_SIZE
        self.peer_max_header_list_size = -1
        self.conn_send_window = DEFAULT_WINDOW
        # What we allow the server.
        self.local_stream_window = stream_window
        self.local_conn_window = connection_window
        self.conn_recv_window = connection_window
        self.conn_unacked = 0
        self.max_frame_size = DEFAULT_FRAME_SIZE
        self.max_header_list_size = max_header_list_size
        # A header block being collected from HEADERS + CONTINUATION frames.
        self._hdr_sid = 0
        self._hdr_flags = 0
        self._hdr_frames = 0
        self._hdr_block = bytearray()

    # ---------------------------------------------------------------- state queries

    def is_available(self) -> bool:
        """True when a new request can be sent now."""
        return (
            not self.closed
            and not self.goaway_received
            and self.open_streams < self.max_concurrent_streams
            and self.next_stream_id <= MAX_STREAM_ID
        )

    def capacity(self) -> int:
        """How many more streams may be opened now (0 when closed or draining)."""
        if self.closed or self.goaway_received:
            return 0
        free = self.max_concurrent_streams - self.open_streams
        left = (MAX_STREAM_ID - self.next_stream_id) // 2 + 1
        if left < free:
            free = left
        return free if free > 0 else 0

    def stream_ids(self) -> List[int]:
        """The streams still open, in order."""
        return sorted(self._streams)

    def send_window(self, sid: int) -> int:
        """Bytes of request body that :meth:`send_data` would accept on ``sid`` now."""
        stream = self._streams.get(sid)
        if stream is None or stream.local_closed:
            return 0
        window = stream.send_window
        if self.conn_send_window < window:
            window = self.conn_send_window
        return window if window > 0 else 0

    # ---------------------------------------------------------------- sending

    def pending(self) -> int:
        """How many bytes are queued for the server (cheaper than data_to_send)."""
        return len(self._out)

    def data_to_send(self) -> bytes:
        """Everything queued for the server since the last call (b"" when nothing)."""
        if not self._out:
            return b""
        data = bytes(self._out)
        self._out = bytearray()
        return data

    def initiate(self) -> None:
        """Queue the connection preface: magic, our SETTINGS, a large connection window."""
        preface(
            self._out, self.local_stream_window, self.max_header_list_size, self.local_conn_window
        )

    def send_request(
        self,
        method: bytes,
        scheme: bytes,
        authority: bytes,
        path: bytes,
        headers: List[Header],
        end_stream: bool,
    ) -> int:
        """Open a stream with a request head; return its id.

        ``headers`` are the regular fields in any case; they are lowercased, validated,
        and stripped of connection-specific fields (and of Host, which :authority
        replaces; an empty ``authority`` takes the Host value).
        """
        if self.closed or self.goaway_received:
            raise LocalProtocolError("the HTTP/2 connection is closed to new requests")
        if self.open_streams >= self.max_concurrent_streams:
            raise LocalProtocolError("the server's limit of concurrent streams is reached")
        sid = self.next_stream_id
        if sid > MAX_STREAM_ID:
            raise LocalProtocolError("stream ids of this connection are used up")
        fields = request_fields(method, scheme, authority, path, headers)
        block = self.encoder.encode(fields)
        self.next_stream_id = sid + 2
        stream = _Stream(sid, self.peer_initial_window, self.local_stream_window, method == b"HEAD")
        stream.local_closed = end_stream
        self._streams[sid] = stream
        self.open_streams += 1
        header_frames(self._out, sid, block, end_stream, self.peer_max_frame_size)
        return sid

    def send_data(self, sid: int, data: bytes, end_stream: bool) -> int:
        """Queue as much of ``data`` as the windows allow; return how many bytes.

        END_STREAM goes out only once all of ``data`` is sent. When fewer bytes than
        ``len(data)`` are taken, the driver waits for a ``WindowUpdated`` (or
        ``SettingsChanged``) event and calls again with the rest.
        """
        stream = self._streams.get(sid)
        if stream is None or stream.local_closed:
            raise LocalProtocolError(f"stream {sid} is not open for sending")
        total = len(data)
        n = total
        if self.conn_send_window < n:
            n = self.conn_send_window
        if stream.send_window < n:
            n = stream.send_window
        if n < 0:
            n = 0
        finish = end_stream and n == total
        data_frames(self._out, sid, data, n, finish, self.peer_max_frame_size)
        self.conn_send_window -= n
        stream.send_window -= n
        if finish:
            stream.local_closed = True
            if stream.remote_closed:
                self._forget(sid)
        return n

    def end_stream(self, sid: int) -> None:
        """Finish the request body (an empty DATA frame with END_STREAM)."""
        self.send_data(sid, b"", True)

    def reset_stream(self, sid: int, error_code: int = CANCEL) -> None:
        """Abandon a stream (e.g. the response was closed early); a no-op once it is over."""
        if sid in self._streams:
            rst_stream(self._out, sid, error_code)
            self._forget(sid)

    def acknowledge(self, sid: int, n: int) -> None:
        """``n`` body bytes of ``sid`` were consumed: reopen the windows once half used."""
        if n <= 0:
            return
        self.conn_unacked += n
        if self.conn_unacked >= self.local_conn_window >> 1 and not self.closed:
            window_update(self._out, 0, self.conn_unacked)
            self.conn_recv_window += self.conn_unacked
            self.conn_unacked = 0
        stream = self._streams.get(sid)
        if stream is not None and not stream.remote_closed:
            stream.unacked += n
            if stream.unacked >= self.local_stream_window >> 1:
                window_update(self._out, sid, stream.unacked)
                stream.recv_window += stream.unacked
                stream.unacked = 0

    def ping(self, data: bytes) -> None:
        if len(data) != 8:
            raise LocalProtocolError("PING data must be 8 bytes")
        frame_header(self._out, 8, F_PING, 0, 0)
        self._out += data

    def close(self, error_code: int = NO_ERROR) -> None:
        """Say GOAWAY and accept nothing more (the driver then closes the socket)."""
        if not self.closed:
            goaway(self._out, error_code, b"")
            self.closed = True

    def connection_lost(self, message: str = "server disconnected") -> List[Tuple[int, Any]]:
        """The transport closed: every open stream gets a StreamReset."""
        events: List[Tuple[int, Any]] = []
        for sid in sorted(self._streams):
            events.append((sid, StreamReset(NO_ERROR, True, False, message)))
        self._streams.clear()
        self.open_streams = 0
        self.closed = True
        return events

    def _forget(self, sid: int) -> None:
        del self._streams[sid]
        self.open_streams -= 1

    # ---------------------------------------------------------------- receiving

    def receive_data(self, data: bytes) -> List[Tuple[int, Any]]:
        """Feed bytes from the server; return the events they complete, in order."""
        events: List[Tuple[int, Any]] = []
        if self.closed:
            return events
        if type(data) is not bytes:
            data = bytes(data)
        if self._buf:
            data = self._buf + data
            self._buf = b""
        try:
            self._receive(data, events)
        except _ConnectionError as exc:
            self._terminate(exc.code, exc.message, events)
        return events

    def _receive(self, data: bytes, events: List[Tuple[int, Any]]) -> None:
        p = data
        n = len(data)
        pos = 0
        while n - pos >= 9:
            length = (p[pos] << 16) | (p[pos + 1] << 8) | p[pos + 2]
            if length > self.max_frame_size:
                raise _ConnectionError(
                    FRAME_SIZE_ERROR, f"frame of {length} bytes exceeds the maximum frame size"
                )
            if n - pos - 9 < length:
                break
            ftype = p[pos + 3]
            flags = p[pos + 4]
            sid = ((p[pos + 5] & 0x7F) << 24) | (p[pos + 6] << 16) | (p[pos + 7] << 8) | p[pos + 8]
            start = pos + 9
            end = start + length
            pos = end
            if not self._got_settings and ftype != F_SETTINGS:
                raise _ConnectionError(PROTOCOL_ERROR, "the server did not start with SETTINGS")
            if self._hdr_sid:
                if ftype != F_CONTINUATION or sid != self._hdr_sid:
                    raise _ConnectionError(
                        PROTOCOL_ERROR, "a header block was interrupted by another frame"
                    )
                self._on_continuation(data, start, end, flags, events)
            elif ftype == F_DATA:
                self._on_data(data, start, end, flags, sid, events)
            elif ftype == F_HEADERS:
                self._on_headers(data, start, end, flags, sid, events)
            elif ftype == F_SETTINGS:
                self._on_settings(data, start, end, flags, sid, events)
            elif ftype == F_WINDOW_UPDATE:
                self._on_window_update(data, start, end, sid, events)
            elif ftype == F_RST_STREAM:
                self._on_rst_stream(data, start, end, sid, events)
            elif ftype == F_PING:
                self._on_ping(data, start, end, flags, sid, events)
            elif ftype == F_GOAWAY:
                self._on_goaway(data, start, end, sid, events)
            elif ftype == F_PRIORITY:
                if sid == 0:
                    raise _ConnectionError(PROTOCOL_ERROR, "PRIORITY on stream 0")
                if length != 5:
                    raise _ConnectionError(FRAME_SIZE_ERROR, "PRIORITY frame of wrong size")
            elif ftype == F_PUSH_PROMISE:
                raise _ConnectionError(
                    PROTOCOL_ERROR, "server push was disabled but PUSH_PROMISE sent"
                )
            elif ftype == F_CONTINUATION:
                raise _ConnectionError(PROTOCOL_ERROR, "CONTINUATION without a header block")
            # Frames of unknown types are ignored (RFC 9113 section 4.1).
        if pos < n:
            self._buf = p[pos:n]

    def _check_stream(self, sid: int, what: str) -> Optional[_Stream]:
        """The stream a frame is about; None when it is over (the frame is ignored)."""
        stream = self._streams.get(sid)
        if stream is not None:
            return stream
        if sid == 0 or not sid & 1:
            raise _ConnectionError(PROTOCOL_ERROR, f"{what} on stream {sid}, which we never opened")
        if sid >= self.next_stream_id:
            raise _ConnectionError(PROTOCOL_ERROR, f"{what} on idle stream {sid}")
        return None

    def _padding(self, data: bytes, start: int, end: int, flags: int) -> int:
        """Strip padding: return where the payload ends (it starts after the pad length
        byte, so at ``start + 1``, when ``flags`` say PADDED)."""
        if flags & FL_PADDED:
            if start >= end:
                raise _ConnectionError(FRAME_SIZE_ERROR, "padded frame without a pad length")
            p = data
            pad = p[start]
            if pad > end - start - 1:
                raise _ConnectionError(PROTOCOL_ERROR, "padding longer than the frame")
            end -= pad
        return end

    def _on_data(
        self, data: bytes, start: int, end: int, flags: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        stream = self._check_stream(sid, "DATA")
        length = end - start
        if length > self.conn_recv_window:
            raise _ConnectionError(FLOW_CONTROL_ERROR, "DATA beyond the connection window")
        self.conn_recv_window -= length
        if stream is None:
            # A stream we reset: its data still counted against the connection window.
            self.acknowledge(0, length)
            return
        if length > stream.recv_window:
            raise _ConnectionError(FLOW_CONTROL_ERROR, f"DATA beyond the window of stream {sid}")
        stream.recv_window -= length
        pend = self._padding(data, start, end, flags)
        pstart = start + 1 if flags & FL_PADDED else start
        body = pend - pstart
        if length != body:
            # Padding is consumed at once; only body bytes wait for the reader.
            self.acknowledge(sid, length - body)
        if not stream.head_done or stream.remote_closed:
            self.acknowledge(0, body)
            self._stream_error(
                stream,
                STREAM_CLOSED if stream.remote_closed else PROTOCOL_ERROR,
                "DATA before the response head"
                if not stream.head_done
                else "DATA after END_STREAM",
                events,
            )
            return
        stream.received += body
        if stream.content_length >= 0 and stream.received > stream.content_length:
            self.acknowledge(0, body)
            self._stream_error(
                stream, PROTOCOL_ERROR, "response body longer than its Content-Length", events
            )
            return
        if body:
            p = data
            events.append((sid, Data(p[pstart:pend])))
        if flags & FL_END_STREAM:
            self._end_of_message(stream, [], events)

    def _end_of_message(
        self, stream: _Stream, trailers: List[Header], events: List[Tuple[int, Any]]
    ) -> None:
        if 0 <= stream.content_length != stream.received and not stream.is_head:
            self._stream_error(
                stream, PROTOCOL_ERROR, "response body shorter than its Content-Length", events
            )
            return
        stream.remote_closed = True
        if trailers:
            events.append((stream.sid, EndOfMessage(trailers)))
        else:
            events.append((stream.sid, _END_NO_TRAILERS))
        if stream.local_closed:
            self._forget(stream.sid)

    def _on_headers(
        self, data: bytes, start: int, end: int, flags: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        if sid == 0:
            raise _ConnectionError(PROTOCOL_ERROR, "HEADERS on stream 0")
        end = self._padding(data, start, end, flags)
        if flags & FL_PADDED:
            start += 1
        if flags & FL_PRIORITY:
            if end - start < 5:
                raise _ConnectionError(FRAME_SIZE_ERROR, "HEADERS too short for its priority")
            start += 5
        if end - start > self.max_header_list_size * 2:
            raise _ConnectionError(ENHANCE_YOUR_CALM, "response header block too large")
        p = data
        if flags & FL_END_HEADERS:
            self._on_block(sid, flags, p[start:end], events)
            return
        self._hdr_sid = sid
        self._hdr_flags = flags
        self._hdr_frames = 1
        self._hdr_block = bytearray(p[start:end])

    def _on_continuation(
        self, data: bytes, start: int, end: int, flags: int, events: List[Tuple[int, Any]]
    ) -> None:
        self._hdr_frames += 1
        if self._hdr_frames > _MAX_BLOCK_FRAMES:
            raise _ConnectionError(ENHANCE_YOUR_CALM, "CONTINUATION flood")
        if len(self._hdr_block) + end - start > self.max_header_list_size * 2:
            raise _ConnectionError(ENHANCE_YOUR_CALM, "response header block too large")
        p = data
        self._hdr_block += p[start:end]
        if flags & FL_END_HEADERS:
            sid = self._hdr_sid
            block = bytes(self._hdr_block)
            self._hdr_sid = 0
            self._hdr_block = bytearray()
            self._on_block(sid, self._hdr_flags, block, events)

    def _on_block(self, sid: int, flags: int, block: bytes, events: List[Tuple[int, Any]]) -> None:
        stream = self._check_stream(sid, "HEADERS")
        # The block is decoded even for a finished stream: the HPACK table must keep in
        # step with the server's.
        try:
            headers = self.decoder.decode(block)
        except RemoteProtocolError as exc:
            raise _ConnectionError(COMPRESSION_ERROR, f"HPACK: {exc}") from None
        if stream is None:
            return
        if headers is None:
            self._stream_error(stream, PROTOCOL_ERROR, self.decoder.limit_error, events)
            return
        if stream.remote_closed:
            self._stream_error(stream, STREAM_CLOSED, "HEADERS after END_STREAM", events)
            return
        end_stream = flags & FL_END_STREAM
        try:
            if not stream.head_done:
                self._response_head(stream, headers, end_stream, events)
            else:
                self._trailers(stream, headers, end_stream, events)
        except StreamError as exc:
            self._stream_error(stream, exc.code, exc.message, events)

    def _response_head(
        self, stream: _Stream, headers: List[Header], end_stream: int, events: List[Tuple[int, Any]]
    ) -> None:
        status, length = head_status(headers)
        stream.content_length = length
        if status < 200:
            if status == 101:
                raise StreamError(PROTOCOL_ERROR, "101 Switching Protocols is invalid in HTTP/2")
            if end_stream:
                raise StreamError(PROTOCOL_ERROR, "informational response ends the stream")
            # 1xx heads (100 Continue, 103 Early Hints) are skipped; the final one follows.
            stream.content_length = -1
            return
        if status == 204 or status == 304 or stream.is_head:
            # These carry no body, whatever Content-Length says about the resource.
            stream.is_head = True
            if stream.content_length > 0:
                stream.content_length = -1
        stream.head_done = True
        # :status is the only pseudo-header allowed, and it comes first: the rest of the
        # list is the regular fields (one slice instead of a list built field by field).
        fields = headers[1:]
        # Names are lowercase in HTTP/2 (checked above): they are their own keys.
        keys = [field[0] for field in fields]
        events.append((stream.sid, ResponseHead(status, b"", b"HTTP/2", fields, keys)))
        if end_stream:
            self._end_of_message(stream, [], events)

    def _trailers(
        self, stream: _Stream, headers: List[Header], end_stream: int, events: List[Tuple[int, Any]]
    ) -> None:
        if not end_stream:
            raise StreamError(PROTOCOL_ERROR, "trailers without END_STREAM")
        check_trailers(headers)
        self._end_of_message(stream, headers, events)

    def _on_settings(
        self, data: bytes, start: int, end: int, flags: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        if sid != 0:
            raise _ConnectionError(PROTOCOL_ERROR, "SETTINGS on a stream")
        length = end - start
        if flags & FL_ACK:
            if length:
                raise _ConnectionError(FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")
            return
        if length % 6:
            raise _ConnectionError(FRAME_SIZE_ERROR, "SETTINGS of a wrong size")
        self._got_settings = True
        p = data
        pos = start
        while pos < end:
            ident = (p[pos] << 8) | p[pos + 1]
            value = u32_at(data, pos + 2)
            pos += 6
            if ident == S_HEADER_TABLE_SIZE:
                self.encoder.set_max_size(value)
            elif ident == S_ENABLE_PUSH:
                if value != 0:
                    raise _ConnectionError(PROTOCOL_ERROR, "a server may not enable push")
            elif ident == S_MAX_CONCURRENT_STREAMS:
                # A lower value leaves streams in flight alone: it only stops new ones.
                self.max_concurrent_streams = value
            elif ident == S_INITIAL_WINDOW_SIZE:
                if value > MAX_WINDOW:
                    raise _ConnectionError(FLOW_CONTROL_ERROR, "initial window size too large")
                delta = value - self.peer_initial_window
                self.peer_initial_window = value
                if delta:
                    for stream in self._streams.values():
                        stream.send_window += delta
                        if stream.send_window > MAX_WINDOW:
                            raise _ConnectionError(FLOW_CONTROL_ERROR, "stream window overflow")
            elif ident == S_MAX_FRAME_SIZE:
                if value < DEFAULT_FRAME_SIZE or value > 0xFFFFFF:
                    raise _ConnectionError(PROTOCOL_ERROR, "invalid SETTINGS_MAX_FRAME_SIZE")
                self.peer_max_frame_size = value
            elif ident == S_MAX_HEADER_LIST_SIZE:
                self.peer_max_header_list_size = value
        frame_header(self._out, 0, F_SETTINGS, FL_ACK, 0)
        events.append((0, _SETTINGS_CHANGED))

    def _on_window_update(
        self, data: bytes, start: int, end: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        if end - start != 4:
            raise _ConnectionError(FRAME_SIZE_ERROR, "WINDOW_UPDATE of a wrong size")
        inc = u32_at(data, start) & 0x7FFFFFFF
        if sid == 0:
            if inc == 0:
                raise _ConnectionError(PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
            self.conn_send_window += inc
            if self.conn_send_window > MAX_WINDOW:
                raise _ConnectionError(FLOW_CONTROL_ERROR, "connection window overflow")
            events.append((0, _WINDOW_UPDATED))
            return
        stream = self._check_stream(sid, "WINDOW_UPDATE")
        if stream is None:
            return
        if inc == 0:
            self._stream_error(stream, PROTOCOL_ERROR, "WINDOW_UPDATE of 0", events)
            return
        stream.send_window += inc
        if stream.send_window > MAX_WINDOW:
            self._stream_error(stream, FLOW_CONTROL_ERROR, "stream window overflow", events)
            return
        events.append((sid, _WINDOW_UPDATED))

    def _on_rst_stream(
        self, data: bytes, start: int, end: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        if end - start != 4:
            raise _ConnectionError(FRAME_SIZE_ERROR, "RST_STREAM of a wrong size")
        stream = self._check_stream(sid, "RST_STREAM")
        if stream is None:
            return
        code = u32_at(data, start)
        self._forget(sid)
        message = f"the server reset stream {sid} ({error_name(code)})"
        events.append((sid, StreamReset(code, True, code == REFUSED_STREAM, message)))

    def _on_ping(
        self, data: bytes, start: int, end: int, flags: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        if sid != 0:
            raise _ConnectionError(PROTOCOL_ERROR, "PING on a stream")
        if end - start != 8:
            raise _ConnectionError(FRAME_SIZE_ERROR, "PING of a wrong size")
        p = data
        payload = p[start:end]
        if flags & FL_ACK:
            events.append((0, PingAcknowledged(payload)))
            return
        frame_header(self._out, 8, F_PING, FL_ACK, 0)
        self._out += payload

    def _on_goaway(
        self, data: bytes, start: int, end: int, sid: int, events: List[Tuple[int, Any]]
    ) -> None:
        if sid != 0:
            raise _ConnectionError(PROTOCOL_ERROR, "GOAWAY on a stream")
        if end - start < 8:
            raise _ConnectionError(FRAME_SIZE_ERROR, "GOAWAY too short")
        last = u32_at(data, start) & 0x7FFFFFFF
        code = u32_at(data, start + 4)
        p = data
        debug = p[start + 8 : end]
        self.goaway_received = True
        if last < self.last_stream_id:
            self.last_stream_id = last
        name = error_name(code)
        for stream_id in sorted(self._streams):
            if stream_id > last:
                self._forget(stream_id)
                message = f"the server will not process stream {stream_id} (GOAWAY {name})"
                events.append((stream_id, StreamReset(code, True, True, message)))
        message = f"the server closed the connection (GOAWAY {name}, last stream {last})"
        if debug:
            message += f": {debug[:200]!r}"
        events.append((0, ConnectionTerminated(code, last, debug, True, message)))

    def _stream_error(
        self, stream: _Stream, code: int, message: str, events: List[Tuple[int, Any]]
    ) -> None:
        sid = stream.sid
        rst_stream(self._out, sid, code)
        self._forget(sid)
        events.append((sid, StreamReset(code, False, False, f"stream {sid}: {message}")))

    def _terminate(self, code: int, message: str, events: List[Tuple[int, Any]]) -> None:
        goaway(self._out, code, message.encode("ascii", "replace")[:200])
        self.closed = True
        self._buf = b""
        self._hdr_sid = 0
        self._hdr_block = bytearray()
        for sid in sorted(self._streams):
            events.append((sid, StreamReset(code, False, False, message)))
        self._streams.clear()
        self.open_streams = 0
        events.append((0, ConnectionTerminated(code, 0, b"", False, message)))
