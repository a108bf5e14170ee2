# C types for fastclient/_protocol/_http11_py.py (compiled into fastclient._protocol._http11_c).
# The .py is the specification; this file only adds types. Buffers are `bytes`, positions
# `Py_ssize_t`, sizes `long long`; every scanning loop (LF search, token and value tables)
# becomes a C loop over a `uchars` alias of the buffer. Functions with a C return type
# declare an exception value, so no Python exception is ever swallowed.

cimport cython

# A bytes object seen as its C buffer (see _h11fields_c.pxd): locals named `raw` (and the
# table aliases) have this type, so raw[i] is a load and raw[a:b] builds the slice directly.
from fastclient._protocol._h11fields_c cimport uchars

# True here: selects the C-loop branches.
cdef bint _COMPILED

# The field-line helpers, compiled in fastclient._protocol._h11fields_c: called as C
# functions (the .py imports the pure ones only when it runs as plain Python).
from fastclient._protocol._h11fields_c cimport (
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
)
cdef object _split_fields            # the compiled split_fields, as a Python object

# Byte classes, bound from fastclient._protocol._h11tables: a 256-entry flag table (C
# loops) and its member string (pure twin only).
cdef bytes _VALUE_IN_CHARS
cdef bytes _VALUE_IN_TABLE

cdef int _CR
cdef int _LF
cdef int _SP
cdef int _CLOSE
cdef int _KEEP_ALIVE
cdef int _SEEN_SET_COOKIE
cdef int _SEEN_CONTENT_ENCODING
cdef bytes _HTTP_10
cdef bytes _HTTP_11


# Parser states.
cdef int _IDLE
cdef int _STATUS
cdef int _HEADERS
cdef int _BODY_LENGTH
cdef int _CHUNK_SIZE
cdef int _CHUNK_DATA
cdef int _CHUNK_CR
cdef int _CHUNK_LF
cdef int _TRAILERS
cdef int _BODY_CLOSE
cdef int _DONE
cdef int _UPGRADED
cdef int _ERROR

cdef object _DEFAULT_LIMITS


cdef object _END_NO_TRAILERS

cdef object _data_event(object data)

cdef object _head_event(int status, bytes reason, bytes version, bytes block, int seen)

@cython.locals(raw=uchars)
cdef bytes _gathered(bytes buf, Py_ssize_t start, Py_ssize_t stop, list views)



@cython.final
cdef class ResponseParser:
    cdef object _limits                 # the H11Limits it was built with
    # copies of the limits, as C integers for the per-line checks
    cdef Py_ssize_t _max_status_line
    cdef Py_ssize_t _max_header_line
    cdef Py_ssize_t _max_head
    cdef Py_ssize_t _max_headers
    cdef Py_ssize_t _max_chunk_line
    cdef Py_ssize_t _max_trailers
    cdef Py_ssize_t _max_informational
    cdef int _state                     # one of the _IDLE.._ERROR constants
    cdef bint _keep_alive               # the connection may carry another cycle
    cdef bint _head_request             # this cycle's request was HEAD: no body
    cdef bint _connect_request          # ... was CONNECT: a 2xx is an Upgrade
    cdef bytearray _pending             # an incomplete line (line states only)
    cdef Py_ssize_t _head_size          # bytes of the current head so far
    cdef Py_ssize_t _trailer_size       # bytes of the trailer section so far
    cdef Py_ssize_t _informational      # 1xx responses skipped in this cycle
    cdef long long _remaining           # body or chunk bytes still expected
    # the head being parsed
    cdef Py_ssize_t _fields             # field lines so far
    cdef bytearray _block               # field lines of earlier feeds, or None
    cdef list _trailers                 # None until a trailer field arrives
    cdef int _status
    cdef int _minor                     # the x of HTTP/1.x
    cdef bytes _reason
    cdef bytes _version
    cdef long long _length              # what Content-Length said, or -1
    cdef list _te_values                # raw Transfer-Encoding values, or None
    cdef bint _conn_close               # Connection: close seen
    cdef bint _conn_keep_alive          # Connection: keep-alive seen
    cdef int _seen                      # _SEEN_* bits of the fields met so far

    cpdef start_response(self, bytes method)

    @cython.locals(events=list, state=int)
    cpdef list feed(self, object data)

    @cython.locals(events=list, state=int, nothing=bint)
    cpdef list feed_eof(self)

    cdef void _fail(self) except *
    cdef void _reset_head(self) except *

    @cython.locals(pending=bytearray, line=bytes, pos=Py_ssize_t, lf=Py_ssize_t,
                   raw=uchars)
    cdef void _run(self, bytes data, list events) except *

    @cython.locals(end=Py_ssize_t, state=int, raw=uchars)
    cdef void _parse(self, bytes buf, Py_ssize_t pos, list events) except *

    @cython.locals(state=int)
    cdef Py_ssize_t _line_limit(self) except -1

    @cython.locals(limit=Py_ssize_t)
    cdef Py_ssize_t _line_stop(self, Py_ssize_t pos, Py_ssize_t end) except -1

    @cython.locals(state=int)
    cdef void _count_line(self, Py_ssize_t size) except *

    @cython.locals(limit=Py_ssize_t, state=int)
    cdef void _check_partial(self, Py_ssize_t size) except *

    @cython.locals(raw=uchars)
    cdef void _keep_partial(self, bytes buf, Py_ssize_t pos, Py_ssize_t end) except *

    @cython.locals(lf=Py_ssize_t)
    cdef Py_ssize_t _find_line(self, bytes buf, Py_ssize_t pos, Py_ssize_t end) except -2

    @cython.locals(i=Py_ssize_t, lf=Py_ssize_t, colon=Py_ssize_t, n=Py_ssize_t, raw=uchars,
                   allowed=uchars)
    cdef Py_ssize_t _scan_field(self, bytes buf, Py_ssize_t start, Py_ssize_t stop) except -2

    @cython.locals(lf=Py_ssize_t, stop=Py_ssize_t, block_start=Py_ssize_t, raw=uchars,
                   field_line=bint)
    cdef Py_ssize_t _read_head(self, bytes buf, Py_ssize_t pos, Py_ssize_t end,
                               list events) except -1

    @cython.locals(raw=uchars)
    cdef void _keep_block(self, bytes buf, Py_ssize_t start, Py_ssize_t stop) except *

    @cython.locals(raw=uchars, block=bytearray)
    cdef bytes _head_block(self, bytes buf, Py_ssize_t start, Py_ssize_t stop)

    @cython.locals(minor=int, d1=int, d2=int, d3=int, raw=uchars)
    cdef void _parse_status_line(self, bytes buf, Py_ssize_t start, Py_ssize_t stop) except *

    @cython.locals(options=int)
    cdef void _framing_field(self, bytes buf, Py_ssize_t start, Py_ssize_t colon,
                             Py_ssize_t lf) except *

    @cython.locals(status=int, length=cython.longlong, chunked=bint, keep_alive=bint,
                   raw=uchars)
    cdef Py_ssize_t _end_of_head(self, bytes buf, Py_ssize_t block_start,
                                 Py_ssize_t block_end, Py_ssize_t pos, Py_ssize_t end,
                                 list events) except -1

    @cython.locals(n=Py_ssize_t, raw=uchars)
    cdef Py_ssize_t _read_length_body(self, bytes buf, Py_ssize_t pos, Py_ssize_t end,
                                      list events) except -1

    @cython.locals(first=Py_ssize_t, first_end=Py_ssize_t, whole=object, views=list, state=int,
                   n=Py_ssize_t, lf=Py_ssize_t, stop=Py_ssize_t, size=cython.longlong,
                   trailers=list, raw=uchars)
    cdef Py_ssize_t _read_chunked(self, bytes buf, Py_ssize_t pos, Py_ssize_t end,
                                  list events) except -1
