# C types for fastclient/_protocol/_h2core_py.py (compiled into fastclient._protocol._h2core_c).
# The .py is the specification; this file only adds types: frame headers are read through a
# C pointer into the received bytes, windows and stream ids are C integers, and every
# frame handler is a C method.

cimport cython

cdef int F_DATA, F_HEADERS, F_PRIORITY, F_RST_STREAM, F_SETTINGS, F_PUSH_PROMISE
cdef int F_PING, F_GOAWAY, F_WINDOW_UPDATE, F_CONTINUATION
cdef int FL_END_STREAM, FL_ACK, FL_END_HEADERS, FL_PADDED, FL_PRIORITY
cdef int S_HEADER_TABLE_SIZE, S_ENABLE_PUSH, S_MAX_CONCURRENT_STREAMS
cdef int S_INITIAL_WINDOW_SIZE, S_MAX_FRAME_SIZE, S_MAX_HEADER_LIST_SIZE
cdef long long MAX_WINDOW, MAX_STREAM_ID, DEFAULT_WINDOW, DEFAULT_FRAME_SIZE
cdef long long ASSUMED_MAX_STREAMS
cdef int _MAX_BLOCK_FRAMES
cdef object _WINDOW_UPDATED
cdef object _SETTINGS_CHANGED
cdef object _END_NO_TRAILERS

# The field rules, compiled in fastclient._protocol._h2fields_c and called as C functions
# (the .py imports the pure ones only when it runs as plain Python).
from fastclient._protocol._h2fields_c cimport check_trailers, head_status, request_fields

# The frame writers, compiled in fastclient._protocol._h2frames_c and called as C functions.
from fastclient._protocol._h2frames_c cimport (
    data_frames,
    frame_header,
    goaway,
    header_frames,
    preface,
    rst_stream,
    u32_at,
    window_update,
)


@cython.final
cdef class _Stream:
    cdef Py_ssize_t sid
    cdef bint local_closed          # we sent END_STREAM
    cdef bint remote_closed         # the server sent END_STREAM
    cdef bint head_done             # the final response head arrived
    cdef bint is_head               # no body expected (HEAD, 204, 304)
    cdef long long send_window
    cdef long long recv_window
    cdef long long unacked          # consumed bytes not yet given back
    cdef long long content_length   # -1: none announced
    cdef long long received


@cython.final
cdef class H2Core:
    cdef public object decoder              # the HPACK decoder (server's table)
    cdef public object encoder              # the HPACK encoder (our table)
    cdef bytearray _out                     # frames queued for the server
    cdef bytes _buf                         # an incomplete frame from the last read
    cdef dict _streams                      # stream id -> _Stream, open ones only
    cdef readonly Py_ssize_t next_stream_id
    cdef readonly Py_ssize_t open_streams
    cdef readonly bint closed
    cdef readonly bint goaway_received
    cdef readonly long long last_stream_id
    cdef bint _got_settings
    cdef readonly long long max_concurrent_streams
    cdef readonly long long peer_initial_window
    cdef readonly long long peer_max_frame_size
    cdef readonly long long peer_max_header_list_size
    cdef readonly long long conn_send_window
    cdef readonly long long local_stream_window
    cdef readonly long long local_conn_window
    cdef readonly long long conn_recv_window
    cdef readonly long long conn_unacked
    cdef readonly long long max_frame_size
    cdef readonly long long max_header_list_size
    cdef Py_ssize_t _hdr_sid                 # stream of the block being collected, or 0
    cdef int _hdr_flags
    cdef int _hdr_frames
    cdef bytearray _hdr_block

    cpdef bint is_available(self)
    @cython.locals(free="long long", left="long long")
    cpdef long long capacity(self)
    @cython.locals(stream=_Stream, window="long long")
    cpdef long long send_window(self, Py_ssize_t sid)
    cpdef Py_ssize_t pending(self)
    @cython.locals(data=bytes)
    cpdef bytes data_to_send(self)
    @cython.locals(fields=list, block=bytes, stream=_Stream, sid=Py_ssize_t)
    cpdef Py_ssize_t send_request(self, bytes method, bytes scheme, bytes authority, bytes path,
                                 list headers, bint end_stream) except -1
    @cython.locals(stream=_Stream, total=Py_ssize_t, n=Py_ssize_t, finish=bint)
    cpdef Py_ssize_t send_data(self, Py_ssize_t sid, bytes data, bint end_stream) except -1
    @cython.locals(stream=_Stream)
    cpdef void acknowledge(self, Py_ssize_t sid, Py_ssize_t n)
    cdef void _forget(self, Py_ssize_t sid)
    @cython.locals(events=list)
    cpdef list receive_data(self, data)
    @cython.locals(p="const unsigned char*", n=Py_ssize_t, pos=Py_ssize_t, length=Py_ssize_t,
                   ftype=int, flags=int, sid=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t)
    cdef void _receive(self, bytes data, list events)
    @cython.locals(stream=_Stream)
    cdef _Stream _check_stream(self, Py_ssize_t sid, str what)
    @cython.locals(p="const unsigned char*", pad=int)
    cdef Py_ssize_t _padding(self, bytes data, Py_ssize_t start, Py_ssize_t end,
                             int flags) except -1
    @cython.locals(stream=_Stream, length=Py_ssize_t, pstart=Py_ssize_t, pend=Py_ssize_t,
                   body=Py_ssize_t, p="const unsigned char*")
    cdef void _on_data(self, bytes data, Py_ssize_t start, Py_ssize_t end, int flags,
                       Py_ssize_t sid, list events)
    cdef void _end_of_message(self, _Stream stream, list trailers, list events)
    @cython.locals(p="const unsigned char*")
    cdef void _on_headers(self, bytes data, Py_ssize_t start, Py_ssize_t end, int flags,
                          Py_ssize_t sid, list events)
    @cython.locals(sid=Py_ssize_t, block=bytes, p="const unsigned char*")
    cdef void _on_continuation(self, bytes data, Py_ssize_t start, Py_ssize_t end, int flags,
                               list events)
    @cython.locals(stream=_Stream, headers=list, end_stream=int)
    cdef void _on_block(self, Py_ssize_t sid, int flags, bytes block, list events)
    @cython.locals(status="long long", length="long long", fields=list, keys=list,
                   field=tuple)
    cdef void _response_head(self, _Stream stream, list headers, int end_stream, list events)
    cdef void _trailers(self, _Stream stream, list headers, int end_stream, list events)
    @cython.locals(p="const unsigned char*", length=Py_ssize_t, pos=Py_ssize_t, ident=int,
                   value="long long", delta="long long", stream=_Stream)
    cdef void _on_settings(self, bytes data, Py_ssize_t start, Py_ssize_t end, int flags,
                           Py_ssize_t sid, list events)
    @cython.locals(inc="long long", stream=_Stream)
    cdef void _on_window_update(self, bytes data, Py_ssize_t start, Py_ssize_t end,
                                Py_ssize_t sid, list events)
    @cython.locals(stream=_Stream, code="unsigned long")
    cdef void _on_rst_stream(self, bytes data, Py_ssize_t start, Py_ssize_t end,
                             Py_ssize_t sid, list events)
    @cython.locals(payload=bytes, p="const unsigned char*")
    cdef void _on_ping(self, bytes data, Py_ssize_t start, Py_ssize_t end, int flags,
                       Py_ssize_t sid, list events)
    @cython.locals(p="const unsigned char*", last="long long", code="unsigned long",
                   debug=bytes, stream_id=Py_ssize_t)
    cdef void _on_goaway(self, bytes data, Py_ssize_t start, Py_ssize_t end, Py_ssize_t sid,
                         list events)
    @cython.locals(sid=Py_ssize_t)
    cdef void _stream_error(self, _Stream stream, unsigned long code, str message, list events)
    cdef void _terminate(self, unsigned long code, str message, list events)
