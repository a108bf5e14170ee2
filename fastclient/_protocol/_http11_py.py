# cython: annotation_typing=False
# (annotations are for mypy and readers; the C types come only from the .pxd)
"""HTTP/1.1 client codec, sans-IO: the specification of how fastclient speaks HTTP/1.1.

This module is plain Python and is also compiled by Cython, with the C types of
``src_c/fastclient/_protocol/_http11_c.pxd``, into ``fastclient._protocol._http11_c``.
Both twins run this one source; ``fastclient._impl.load`` picks one. The request writer is
the separate ``fastclient._protocol._h11write`` twin; the byte classes both use are defined
once, in ``_h11tables``.

Theory of operation
-------------------
A connection runs request/response *cycles*. The caller announces each request with
``ResponseParser.start_response(method)`` (HEAD and CONNECT change how the response is
framed), then pushes whatever bytes the socket produced into ``feed()`` and gets events
back: ``ResponseHead``, ``Data``..., ``EndOfMessage``, or a single ``Upgrade`` when the
connection stops speaking HTTP/1.1. ``feed_eof()`` reports that the peer closed. A head's
field lines are checked as they arrive but handed over unsplit, with ``split_fields`` to
make its lists on first use (``ResponseHead`` says why).

The parser is a state machine over one buffer. Line-oriented states (status line, header
lines, chunk-size lines, trailer lines) look for the next LF; a line that is not complete
yet is copied to ``_pending`` (a bytearray, so a peer trickling bytes costs amortised O(1)
per byte) and nothing else is buffered: body bytes are handed out as soon as they arrive,
one ``Data`` per ``feed()`` call, so a response that arrives in one buffer becomes exactly
``[ResponseHead, Data, EndOfMessage]``. Every line is bounded by an ``H11Limits`` value and
the check is made against the bytes buffered so far, so an endless header line fails when
it crosses the limit, not when (if ever) its LF arrives.

Strictness (RFC 9112), chosen because parser disagreement is how smuggling happens:

* status line ``HTTP/1.<digit> SP 3DIGIT [SP reason]`` (a missing reason is tolerated);
* header and trailer lines end in CRLF or, as RFC 9112 section 2.2 allows and h11 does, a
  bare LF (legacy servers send those and for a client there is nothing to smuggle); a CR
  anywhere else in a line is an error;
* chunk-size lines must end in CRLF exactly (h11 agrees), and so must chunk data;
* obs-fold, whitespace before the colon, non-token names, NUL or CR in values: errors;
* other control characters in response values are passed through, as h11 does (real
  servers send them in cookies); values lose surrounding SP/HTAB;
* chunk extensions are skipped, not interpreted: after ``;`` any byte but a control
  character (HTAB allowed) is accepted, BWS before the ``;`` too;
* Content-Length: digits only, below 2**63; repeated or comma-separated copies must
  agree numerically; Transfer-Encoding: ``chunked`` must be last and appear once; a
  Transfer-Encoding that does not end in chunked means read-until-close (section 6.3);
  both headers: chunked wins and the connection is not reused; an empty
  Transfer-Encoding is an error (a recipient that ignored it would frame by length).

Speed: the hot loops index one ``bytes`` object with C integers when compiled. The
field-line helpers (finding a byte, checking a name, the values of Content-Length,
Connection and Transfer-Encoding, chunk sizes, ``split_fields``) are the ``_h11fields``
twin, whose compiled functions the compiled parser calls as C functions. Where the best C
loop is a slow Python loop (a scan of a field line here, and those helpers), the twins run
different branches on ``_COMPILED`` that accept the same language, which the differential
tests in ``tests/protocol`` check by running both twins on the same random input.
"""

from __future__ import annotations

from typing import List, Optional, Tuple, Union

from fastclient._exceptions import LocalProtocolError, RemoteProtocolError
from fastclient._protocol import _h11tables
from fastclient._protocol import events as _events
from fastclient._protocol.events import Data, EndOfMessage, Event, ResponseHead, Upgrade

# The compiled twin's `cython` is Cython's compile-time module (Cython reads this import
# whatever the branch); the pure twin never imports Cython, installed or not.
if __name__.endswith("_c"):
    import cython  # type: ignore[import-untyped]
else:
    from fastclient._protocol import _nocython as cython

# The field-line helpers: the compiled twin cimports the compiled ones as C functions (see
# the .pxd; Cython drops the branch it does not take), the pure twin imports the pure
# ones. A head keeps the split function as a Python object (_split_fields, see _head_event).
if cython.compiled:
    from fastclient._protocol._h11fields_c import (  # type: ignore[import-not-found]
        split_fields as _split_fields,
    )
else:
    from fastclient._protocol._h11fields_py import (
        _all_in,
        _check_bytes,
        _connection_options,
        _field_error,
        _field_value,
        _find,
        _is_lower,
        _line_error,
        _name_colon,
        _parse_chunk_size,
        _parse_content_length,
        _parse_field,
        _status_error,
        _te_is_chunked,
        split_fields,
    )

    _split_fields = split_fields

__all__ = ["H11Limits", "ResponseParser"]

# True in the compiled twin (fastclient._protocol._http11_c): selects its C loops.
_COMPILED = __name__.endswith("_c")
# Names the twins' tests check, to be sure each runs the branch it should.
_SCANNING = "c-loops" if _COMPILED else "bytes-methods"

# -- byte classes ------------------------------------------------------------------------
# Defined once, in _h11tables (see there), and bound here so that the compiled twin holds
# them as C-typed globals and its loops index them directly.
_VALUE_IN_CHARS = _h11tables.VALUE_IN_CHARS
_VALUE_IN_TABLE = _h11tables.VALUE_IN_TABLE
# The Connection options that matter for reuse (bits of _connection_options).
_CLOSE = _h11tables.CONNECTION_CLOSE
_KEEP_ALIVE = _h11tables.CONNECTION_KEEP_ALIVE

_CR = 13
_LF = 10
_SP = 32
# Fields noted for the head (ResponseHead._seen), so that it can say it has them unsplit.
_SEEN_SET_COOKIE = _events.SEEN_SET_COOKIE
_SEEN_CONTENT_ENCODING = _events.SEEN_CONTENT_ENCODING

_HTTP_10 = b"HTTP/1.0"
_HTTP_11 = b"HTTP/1.1"

# -- parser states -----------------------------------------------------------------------
_IDLE = 0  # no cycle started yet
_STATUS = 1  # reading the status line
_HEADERS = 2  # reading header lines
_BODY_LENGTH = 3  # Content-Length body, _remaining bytes left
_CHUNK_SIZE = 4  # reading a chunk-size line
_CHUNK_DATA = 5  # inside chunk data, _remaining bytes left
_CHUNK_CR = 6  # the CR after chunk data
_CHUNK_LF = 7  # the LF after chunk data
_TRAILERS = 8  # reading trailer lines
_BODY_CLOSE = 9  # body runs until the peer closes
_DONE = 10  # EndOfMessage emitted
_UPGRADED = 11  # Upgrade emitted: the connection is no longer HTTP/1.1
_ERROR = 12  # a protocol error was raised; the connection is unusable


class H11Limits:
    """Bounds on what a response may make the parser buffer or loop over.

    Every crossed limit raises RemoteProtocolError. Line limits count the line with its
    line ending. Pass an instance to ``ResponseParser(limits)``; the parser copies the
    values when it is created.
    """

    __slots__ = (
        "max_chunk_line",
        "max_head",
        "max_header_line",
        "max_headers",
        "max_informational",
        "max_status_line",
        "max_trailers",
    )

    def __init__(
        self,
        *,
        # A status line is ~20 bytes plus a reason phrase; 8 KiB is the request-line limit
        # common servers use (nginx, Apache), so no real server comes near it.
        max_status_line: int = 8 * 1024,
        # One header line: Set-Cookie and Content-Security-Policy values reach several KiB;
        # 16 KiB leaves room for them and still stops a line that never ends.
        max_header_line: int = 16 * 1024,
        # The whole head: browsers and curl accept ~100 KiB, servers rarely send over 8 KiB;
        # 64 KiB is generous without letting one response pin much memory.
        max_head: int = 64 * 1024,
        # Header fields per head (and trailer fields per trailer section): typical
        # responses have 5-30; Apache caps requests at 100.
        max_headers: int = 128,
        # A chunk-size line is at most 16 hex digits; extensions are almost never sent.
        max_chunk_line: int = 4 * 1024,
        # The trailer section, which is rare and small (checksums, server timing).
        max_trailers: int = 16 * 1024,
        # 1xx responses skipped before the final one: 100 Continue, 102 Processing and a
        # few 103 Early Hints are legitimate; an endless stream of them is not.
        max_informational: int = 8,
    ) -> None:
        self.max_status_line = _positive(max_status_line, "max_status_line", 1)
        self.max_header_line = _positive(max_header_line, "max_header_line", 1)
        self.max_head = _positive(max_head, "max_head", 1)
        self.max_headers = _positive(max_headers, "max_headers", 0)
        self.max_chunk_line = _positive(max_chunk_line, "max_chunk_line", 1)
        self.max_trailers = _positive(max_trailers, "max_trailers", 1)
        self.max_informational = _positive(max_informational, "max_informational", 0)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in self.__slots__)
        return f"H11Limits({fields})"


def _positive(value: int, name: str, minimum: int) -> int:
    # bool is an int subclass, but H11Limits(max_head=True) is surely a mistake.
    if type(value) is not int or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, not {value!r}")
    return value


_DEFAULT_LIMITS = H11Limits()


class ResponseParser:
    """Parses the responses on one HTTP/1.1 connection; see the module docstring."""

    def __init__(self, limits: Optional[H11Limits] = None) -> None:
        if limits is None:
            limits = _DEFAULT_LIMITS
        self._limits = limits
        self._max_status_line = _positive(limits.max_status_line, "max_status_line", 1)
        self._max_header_line = _positive(limits.max_header_line, "max_header_line", 1)
        self._max_head = _positive(limits.max_head, "max_head", 1)
        self._max_headers = _positive(limits.max_headers, "max_headers", 0)
        self._max_chunk_line = _positive(limits.max_chunk_line, "max_chunk_line", 1)
        self._max_trailers = _positive(limits.max_trailers, "max_trailers", 1)
        self._max_informational = _positive(limits.max_informational, "max_informational", 0)
        self._state = _IDLE
        # True until something says otherwise: a fresh parser may start its first cycle.
        self._keep_alive = True
        self._head_request = False
        self._connect_request = False
        self._pending = bytearray()
        self._head_size = 0
        self._trailer_size = 0
        self._informational = 0
        self._remaining = 0
        self._reset_head()

    # -- public interface ----------------------------------------------------------------

    @property
    def limits(self) -> H11Limits:
        """The limits this parser was created with (their values were copied then)."""
        return self._limits

    @property
    def complete(self) -> bool:
        """The current response is finished (EndOfMessage or Upgrade was emitted)."""
        return self._state == _DONE or self._state == _UPGRADED

    @property
    def keep_alive(self) -> bool:
        """Once complete: whether the connection may carry another request/response cycle."""
        return self._keep_alive

    def start_response(self, method: bytes) -> None:
        """Begin the cycle of a request with this method (whose head the caller sends)."""
        _check_bytes(method, "method")
        state = self._state
        if state == _ERROR:
            raise LocalProtocolError("the connection is unusable after a protocol error")
        if state != _IDLE and state != _DONE and state != _UPGRADED:
            raise LocalProtocolError("the previous response is not complete")
        if not self._keep_alive:
            raise LocalProtocolError("the connection cannot be reused")
        self._head_request = method == b"HEAD"
        self._connect_request = method == b"CONNECT"
        self._informational = 0
        self._reset_head()
        self._state = _STATUS

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> List[Event]:
        """Parse the next bytes received; returns the events they complete, in order."""
        events: List[Event] = []
        state = self._state
        if state == _ERROR:
            raise RemoteProtocolError("the connection is unusable after a protocol error")
        if state == _IDLE:
            raise LocalProtocolError("start_response() must be called before feed()")
        if not data:
            return events
        if state in (_DONE, _UPGRADED):
            # Not ours to parse (a stray or pipelined response, or a body after HEAD):
            # the connection's framing can no longer be trusted.
            self._keep_alive = False
            return events
        if type(data) is not bytes:
            data = bytes(data)
        try:
            self._run(data, events)
        except BaseException:
            self._fail()
            raise
        return events

    def feed_eof(self) -> List[Event]:
        """The peer closed the connection (or its sending half). Ends a body that runs until
        close; after a complete response (or before any cycle) it only makes the connection
        not reusable; anywhere else the response is cut short: RemoteProtocolError."""
        events: List[Event] = []
        state = self._state
        if state == _BODY_CLOSE:
            events.append(_END_NO_TRAILERS)
            self._state = _DONE
            self._keep_alive = False
        elif state in (_IDLE, _DONE, _UPGRADED):
            self._keep_alive = False
        elif state == _ERROR:
            raise RemoteProtocolError("the connection is unusable after a protocol error")
        else:
            nothing = state == _STATUS and self._informational == 0 and not self._pending
            self._fail()
            if nothing:
                raise RemoteProtocolError("server disconnected without sending a response")
            raise RemoteProtocolError("server disconnected without sending a complete response")
        return events

    # -- internals -----------------------------------------------------------------------

    def _fail(self) -> None:
        self._state = _ERROR
        self._keep_alive = False
        self._pending = bytearray()

    def _reset_head(self) -> None:
        self._head_size = 0
        # The head's field lines are kept as bytes, not split into lists here (see
        # ResponseHead): those of earlier feeds in _block (None until a head spans feeds),
        # those of the current buffer as a span of it (see _read_head).
        self._fields = 0
        self._block: Optional[bytearray] = None
        self._trailers: Optional[List[Tuple[bytes, bytes]]] = None
        self._status = 0
        self._reason = b""
        self._version = _HTTP_11
        self._minor = 1
        self._length = -1  # what Content-Length said, -1 if there was none
        self._te_values: Optional[List[bytes]] = None
        self._conn_close = False
        self._conn_keep_alive = False
        self._seen = 0  # _SEEN_* bits of the fields met so far

    def _run(self, data: bytes, events: List[Event]) -> None:
        pos = 0
        pending = self._pending
        if pending:
            # Only line states keep an incomplete line. Complete it with the bytes up to
            # the first LF and parse that line on its own: the rest of data (maybe a large
            # body) is then parsed where it is, not copied after the line.
            lf = _find(data, _LF, 0, len(data))
            if lf < 0:
                pending += data
                self._check_partial(len(pending))
                return
            raw = data
            pending += raw[0 : lf + 1]
            line = bytes(pending)
            self._pending = bytearray()
            self._parse(line, 0, events)
            pos = lf + 1
        self._parse(data, pos, events)

    def _parse(self, buf: bytes, pos: int, events: List[Event]) -> None:
        end = len(buf)
        while pos < end:
            state = self._state
            if state == _BODY_LENGTH:
                pos = self._read_length_body(buf, pos, end, events)
            elif state <= _HEADERS:
                pos = self._read_head(buf, pos, end, events)
            elif state <= _TRAILERS:
                pos = self._read_chunked(buf, pos, end, events)
            elif state == _BODY_CLOSE:
                raw = buf
                events.append(_data_event(raw[pos:end] if pos else buf))
                pos = end
            else:
                # Complete, with bytes left over: see feed().
                self._keep_alive = False
                pos = end

    def _line_limit(self) -> int:
        state = self._state
        if state in (_HEADERS, _TRAILERS):
            return self._max_header_line
        if state == _CHUNK_SIZE:
            return self._max_chunk_line
        return self._max_status_line

    def _line_stop(self, pos: int, end: int) -> int:
        """Where to stop looking for the end of the line at pos: a valid one ends before."""
        limit = self._line_limit()
        return end if end - pos <= limit else pos + limit

    def _count_line(self, size: int) -> None:
        """Add a complete line to its section (head or trailers) and check the total."""
        state = self._state
        if state == _TRAILERS:
            self._trailer_size += size
            if self._trailer_size > self._max_trailers:
                raise RemoteProtocolError(f"trailers larger than {self._max_trailers} bytes")
        elif state != _CHUNK_SIZE:
            self._head_size += size
            if self._head_size > self._max_head:
                raise RemoteProtocolError(f"response head larger than {self._max_head} bytes")

    def _check_partial(self, size: int) -> None:
        """Fail as soon as an incomplete line of this size can no longer fit the limits.
        (The line still needs at least its LF, hence >= rather than >.)"""
        limit = self._line_limit()
        if size >= limit:
            raise RemoteProtocolError(f"line longer than {limit} bytes")
        state = self._state
        if state == _TRAILERS:
            if self._trailer_size + size >= self._max_trailers:
                raise RemoteProtocolError(f"trailers larger than {self._max_trailers} bytes")
        elif state != _CHUNK_SIZE and self._head_size + size >= self._max_head:
            raise RemoteProtocolError(f"response head larger than {self._max_head} bytes")

    def _keep_partial(self, buf: bytes, pos: int, end: int) -> None:
        """Keep the incomplete line buf[pos:end] for the next feed()."""
        self._check_partial(end - pos)
        raw = buf
        self._pending += raw[pos:end]

    def _find_line(self, buf: bytes, pos: int, end: int) -> int:
        """Index of the LF ending the line at pos, counted against the limits; or -1 after
        keeping an incomplete line for later."""
        lf = _find(buf, _LF, pos, self._line_stop(pos, end))
        if lf < 0:
            self._keep_partial(buf, pos, end)
            return -1
        self._count_line(lf + 1 - pos)
        return lf

    def _read_head(self, buf: bytes, pos: int, end: int, events: List[Event]) -> int:
        raw = buf
        # Where this buffer's field lines start, once the status line is behind.
        block_start = pos if self._state == _HEADERS else -1
        while pos < end:
            stop = self._line_stop(pos, end)
            # A header line (not the status line, not the empty line ending the head, not
            # a line starting with CR, which is invalid anyway) takes the one-pass path.
            field_line = self._state == _HEADERS and raw[pos] != _CR and raw[pos] != _LF
            if field_line:
                if self._fields >= self._max_headers:
                    raise RemoteProtocolError(f"more than {self._max_headers} header fields")
                lf = self._scan_field(buf, pos, stop)
            else:
                lf = _find(buf, _LF, pos, stop)
            if lf < 0:
                if block_start >= 0:
                    self._keep_block(buf, block_start, pos)
                self._keep_partial(buf, pos, end)
                return end
            self._count_line(lf + 1 - pos)
            if field_line:
                self._fields += 1
            else:
                stop = lf
                if stop > pos and raw[stop - 1] == _CR:
                    stop -= 1
                if self._state == _STATUS:
                    self._parse_status_line(buf, pos, stop)
                    self._state = _HEADERS
                    block_start = lf + 1
                elif stop == pos:
                    return self._end_of_head(buf, block_start, pos, lf + 1, end, events)
                else:
                    raise _field_error(buf, pos, stop)
            pos = lf + 1
        if block_start >= 0:
            self._keep_block(buf, block_start, pos)
        return pos

    def _scan_field(self, buf: bytes, start: int, stop: int) -> int:
        """Find the LF ending the field line at start (searching buf[start:stop]), check the
        line and take what framing needs from it; -1 if there is no LF yet. An invalid line
        raises, but only once its LF is there, exactly like _find() followed by
        _parse_field(). Nothing else is made of a valid line here: the head keeps its field
        lines as they came (see ResponseHead)."""
        if _COMPILED:
            # One pass instead of two: name, colon, OWS and value are checked on the way to
            # the line ending. Anything unusual goes back to the two-pass path.
            raw = buf
            allowed = _VALUE_IN_TABLE
            colon = _name_colon(buf, start, stop)
            if colon < 0:
                return _line_error(buf, start, stop)
            i = colon + 1
            while i < stop and allowed[raw[i]]:
                i += 1
            if i == stop:
                return -1
            if raw[i] == _CR and i + 1 < stop and raw[i + 1] == _LF:
                i += 1
            elif raw[i] != _LF:
                return _line_error(buf, start, stop)
            lf = i
        else:
            lf = _find(buf, _LF, start, stop)
            if lf < 0:
                return lf
            colon = start + len(
                _parse_field(buf, start, lf - 1 if lf > start and buf[lf - 1] == _CR else lf)[0]
            )
        # Only three names matter for framing, and two are noted for the head (set-cookie
        # has the length of connection): look closer only at their lengths.
        n = colon - start
        if n == 14 or n == 17 or n == 10 or n == 16:
            self._framing_field(buf, start, colon, lf)
        return lf

    def _keep_block(self, buf: bytes, start: int, stop: int) -> None:
        """Keep the complete field lines buf[start:stop] of a head that goes on in a later
        feed()."""
        if stop > start:
            raw = buf
            if self._block is None:
                self._block = bytearray(raw[start:stop])
            else:
                self._block += raw[start:stop]

    def _head_block(self, buf: bytes, start: int, stop: int) -> bytes:
        """All the field lines of the head that ends with buf[start:stop]."""
        raw = buf
        block = self._block
        if block is None:
            return raw[start:stop]
        block += raw[start:stop]
        self._block = None
        return bytes(block)

    def _parse_status_line(self, buf: bytes, start: int, stop: int) -> None:
        # HTTP/1.<d> SP <3 digits> [SP reason]; 12 bytes at least.
        raw = buf
        if stop - start < 12 or not buf.startswith(b"HTTP/1.", start):
            raise _status_error(buf, start, stop)
        minor = raw[start + 7] - 48
        d1 = raw[start + 9] - 48
        d2 = raw[start + 10] - 48
        d3 = raw[start + 11] - 48
        if (
            minor < 0
            or minor > 9
            or raw[start + 8] != _SP
            or d1 < 1
            or d1 > 9
            or d2 < 0
            or d2 > 9
            or d3 < 0
            or d3 > 9
        ):
            raise _status_error(buf, start, stop)
        if stop - start == 12:
            self._reason = b""
        elif raw[start + 12] != _SP or not _all_in(
            buf, start + 13, stop, _VALUE_IN_TABLE, _VALUE_IN_CHARS
        ):
            raise _status_error(buf, start, stop)
        else:
            self._reason = raw[start + 13 : stop]
        self._status = d1 * 100 + d2 * 10 + d3
        self._minor = minor
        if minor == 1:
            self._version = _HTTP_11
        elif minor == 0:
            self._version = _HTTP_10
        else:
            self._version = raw[start : start + 8]

    def _framing_field(self, buf: bytes, start: int, colon: int, lf: int) -> None:
        """Take what framing needs from the valid field line buf[start:lf] (lf: its LF),
        whose name ends at colon, if the name is one of the three that matter; note the
        names of _SEEN_* bits."""
        if _is_lower(buf, start, colon, b"content-length"):
            self._length = _parse_content_length(_field_value(buf, colon, lf), self._length)
        elif _is_lower(buf, start, colon, b"transfer-encoding"):
            if self._te_values is None:
                self._te_values = []
            self._te_values.append(_field_value(buf, colon, lf))
        elif _is_lower(buf, start, colon, b"connection"):
            options = _connection_options(_field_value(buf, colon, lf))
            if options & _CLOSE:
                self._conn_close = True
            if options & _KEEP_ALIVE:
                self._conn_keep_alive = True
        elif _is_lower(buf, start, colon, b"set-cookie"):
            self._seen |= _SEEN_SET_COOKIE
        elif _is_lower(buf, start, colon, b"content-encoding"):
            self._seen |= _SEEN_CONTENT_ENCODING

    def _end_of_head(
        self, buf: bytes, block_start: int, block_end: int, pos: int, end: int, events: List[Event]
    ) -> int:
        """The head is complete: its field lines, those of earlier feeds and then
        buf[block_start:block_end], and the body or what follows it from pos."""
        status = self._status
        if status < 200 and status != 101:
            # Interim response: nothing to report, the final one follows.
            self._informational += 1
            if self._informational > self._max_informational:
                raise RemoteProtocolError(
                    f"more than {self._max_informational} informational (1xx) responses"
                )
            self._reset_head()
            self._state = _STATUS
            return pos
        # Framing headers are validated whatever the status, so that a malformed one is
        # an error even where it would not be used.
        length = self._length
        chunked = False
        if self._te_values is not None:
            chunked = _te_is_chunked(self._te_values)
        if self._minor == 0:
            keep_alive = self._conn_keep_alive and not self._conn_close
        else:
            keep_alive = not self._conn_close
        if self._te_values is not None:
            if length >= 0:
                # Both framings: a smuggling attempt or a broken intermediary (RFC 9112
                # 6.3). Transfer-Encoding wins here, and nothing after it is trusted.
                keep_alive = False
                length = -1
            elif self._minor == 0:
                # HTTP/1.0 has no transfer codings: the framing is suspect (RFC 9112 6.1).
                keep_alive = False
        head = _head_event(
            status,
            self._reason,
            self._version,
            self._head_block(buf, block_start, block_end),
            self._seen,
        )
        if status == 101 or (self._connect_request and status < 300):
            raw = buf
            events.append(Upgrade(head, raw[pos:end]))
            self._state = _UPGRADED
            self._keep_alive = False
            return end
        events.append(head)
        self._keep_alive = keep_alive
        if self._head_request or status == 204 or status == 304 or length == 0:
            events.append(_END_NO_TRAILERS)
            self._state = _DONE
        elif self._te_values is not None:
            if chunked:
                self._state = _CHUNK_SIZE
            else:
                self._state = _BODY_CLOSE
                self._keep_alive = False
        elif length > 0:
            self._remaining = length
            self._state = _BODY_LENGTH
        else:
            self._state = _BODY_CLOSE
            self._keep_alive = False
        return pos

    def _read_length_body(self, buf: bytes, pos: int, end: int, events: List[Event]) -> int:
        raw = buf
        n = end - pos
        if n >= self._remaining:
            n = self._remaining
        # A whole buffer of body is handed on as it is, without a copy.
        events.append(_data_event(buf if n == end else raw[pos : pos + n]))
        self._remaining -= n
        if self._remaining == 0:
            events.append(_END_NO_TRAILERS)
            self._state = _DONE
        return pos + n

    def _read_chunked(self, buf: bytes, pos: int, end: int, events: List[Event]) -> int:
        # All chunk data of one feed() becomes one Data event, copied once: the first piece
        # is kept as a span of buf, further ones as memoryviews that are joined at the end.
        first = -1
        first_end = 0
        whole: Optional[memoryview] = None
        views: List[memoryview] = []
        raw = buf
        state = self._state
        while pos < end:
            if state == _CHUNK_DATA:
                n = end - pos
                if n >= self._remaining:
                    n = self._remaining
                    state = _CHUNK_CR
                if first < 0:
                    first = pos
                    first_end = pos + n
                else:
                    if whole is None:
                        whole = memoryview(buf)
                        views.append(whole[first:first_end])
                    views.append(whole[pos : pos + n])
                self._remaining -= n
                pos += n
            elif state == _CHUNK_CR:
                if raw[pos] != _CR:
                    raise RemoteProtocolError("chunk data not followed by CRLF")
                state = _CHUNK_LF
                pos += 1
            elif state == _CHUNK_LF:
                if raw[pos] != _LF:
                    raise RemoteProtocolError("chunk data not followed by CRLF")
                state = _CHUNK_SIZE
                pos += 1
            else:
                self._state = state
                lf = self._find_line(buf, pos, end)
                if lf < 0:
                    pos = end
                    break
                if state == _CHUNK_SIZE:
                    size = _parse_chunk_size(buf, pos, lf)
                    if size:
                        self._remaining = size
                        state = _CHUNK_DATA
                    else:
                        self._trailer_size = 0
                        state = _TRAILERS
                else:
                    stop = lf
                    if stop > pos and raw[stop - 1] == _CR:
                        stop -= 1
                    if stop == pos:
                        if first >= 0:
                            events.append(_data_event(_gathered(buf, first, first_end, views)))
                            first = -1
                        trailers = self._trailers
                        end_event = _END_NO_TRAILERS if trailers is None else EndOfMessage(trailers)
                        events.append(end_event)
                        state = _DONE
                        pos = lf + 1
                        break
                    if self._trailers is None:
                        self._trailers = []
                    if len(self._trailers) >= self._max_headers:
                        raise RemoteProtocolError(f"more than {self._max_headers} trailer fields")
                    self._trailers.append(_parse_field(buf, pos, stop))
                pos = lf + 1
        self._state = state
        if first >= 0:
            events.append(_data_event(_gathered(buf, first, first_end, views)))
        return pos


# Events are built field by field rather than by calling their classes: compiled, that is
# a C-level allocation and plain stores, where a call runs the class's Python __init__ (a
# frame per event; measured at about a sixth of a small response's cost in the pool).
# A response without trailers shares one EndOfMessage, as the HTTP/2 core does.
_END_NO_TRAILERS = EndOfMessage([])


def _data_event(data: bytes) -> Data:
    event: Data = Data.__new__(Data)
    event.data = data
    return event


def _head_event(
    status: int, reason: bytes, version: bytes, block: bytes, seen: int
) -> ResponseHead:
    event: ResponseHead = ResponseHead.__new__(ResponseHead)
    event.status_code = status
    event.reason = reason
    event.http_version = version
    event._block = block  # _headers and _keys are made from it on first use
    event._split = _split_fields
    event._seen = seen
    return event


def _gathered(buf: bytes, start: int, stop: int, views: List[memoryview]) -> bytes:
    """The chunk data of one feed(): buf[start:stop] alone, or the joined views."""
    if views:
        return b"".join(views)
    if stop - start == len(buf):
        return buf  # the whole buffer was chunk data: no copy at all
    raw = buf
    return raw[start:stop]
