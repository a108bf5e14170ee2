# C types for fastclient/_protocol/_http11_py.py (compiled into fastclient._protocol._http11_c).
# The .py is the specification; this file only adds types. Buffers are `bytes`, positions
# `Py_ssize_t`, sizes `long long`; every scanning loop (LF search, token and value tables)
# becomes a C loop over a `uchars` alias of the buffer. Functions with a C return type
# declare an exception value, so no Python exception is ever swallowed.

cimport cython

# A bytes object seen as its C buffer. Locals named `raw` (and the table aliases) have this
# type: the .py assigns a bytes object to them, and then raw[i] is a load and raw[a:b]
# builds the slice directly, with no Python call. The bytes object stays referenced by the
# argument it came from for as long as the pointer is used.
ctypedef const unsigned char *uchars

# True here: selects the C-loop branch of the scanning helpers.
cdef bint _COMPILED

# Byte classes, bound from fastclient._protocol._h11tables: 256-entry flag tables (C loops)
# and member strings (pure twin only).
cdef bytes _TOKEN_CHARS
cdef bytes _TOKEN_TABLE
cdef bytes _VALUE_OUT_CHARS
cdef bytes _VALUE_OUT_TABLE
cdef bytes _VALUE_IN_CHARS
cdef bytes _VALUE_IN_TABLE
cdef bytes _HEX_TABLE

cdef int _CR
cdef int _LF
cdef int _SP
cdef int _HTAB
cdef int _SEMICOLON
cdef int _COLON
cdef int _COMMA
cdef int _CLOSE
cdef int _KEEP_ALIVE
cdef int _SEEN_SET_COOKIE
cdef int _SEEN_CONTENT_ENCODING
cdef long long _MAX_SIZE
cdef long long _MAX_BEFORE_HEX_DIGIT
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


@cython.locals(i=Py_ssize_t, raw=uchars)
cdef Py_ssize_t _find(bytes buf, int char, Py_ssize_t start, Py_ssize_t stop) except? -2

@cython.locals(i=Py_ssize_t, raw=uchars, flags=uchars)
cdef bint _all_in(bytes buf, Py_ssize_t start, Py_ssize_t stop, bytes table,
                  bytes members) except -1

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, raw=uchars, low=uchars)
cdef bint _is_lower(bytes buf, Py_ssize_t start, Py_ssize_t stop, bytes lowered) except -1

@cython.locals(i=Py_ssize_t, raw=uchars, token=uchars)
cdef Py_ssize_t _name_colon(bytes buf, Py_ssize_t start, Py_ssize_t stop) except? -2

@cython.locals(i=Py_ssize_t, j=Py_ssize_t, k=Py_ssize_t, colon=Py_ssize_t, name=bytes,
               value=bytes, raw=uchars, allowed=uchars)
cdef tuple _parse_field(bytes buf, Py_ssize_t start, Py_ssize_t stop)

@cython.locals(fields=list, keys=list, n=Py_ssize_t, i=Py_ssize_t, colon=Py_ssize_t,
               lf=Py_ssize_t, name=bytes, raw=uchars)
cpdef tuple split_fields(bytes block, bytes only=*)

@cython.locals(i=Py_ssize_t, j=Py_ssize_t, raw=uchars)
cdef bytes _field_value(bytes buf, Py_ssize_t colon, Py_ssize_t lf)

@cython.locals(lf=Py_ssize_t)
cdef Py_ssize_t _line_error(bytes buf, Py_ssize_t start, Py_ssize_t stop) except -2

@cython.locals(stop=Py_ssize_t, i=Py_ssize_t, size=cython.longlong, digit=int,
               raw=uchars, hexdigit=uchars)
cdef long long _parse_chunk_size(bytes buf, Py_ssize_t start, Py_ssize_t lf) except -1

@cython.locals(number=cython.longlong, n=Py_ssize_t, i=Py_ssize_t, first=Py_ssize_t,
               digit=int, raw=uchars)
cdef long long _parse_content_length(bytes value, long long length) except -2

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, a=Py_ssize_t, b=Py_ssize_t,
               flags=int, raw=uchars)
cdef int _connection_options(bytes value) except -1

cdef bint _te_is_chunked(list values) except -1

cdef object _END_NO_TRAILERS

cdef object _data_event(object data)

cdef object _head_event(int status, bytes reason, bytes version, bytes block, int seen)

@cython.locals(raw=uchars)
cdef bytes _gathered(bytes buf, Py_ssize_t start, Py_ssize_t stop, list views)

cdef bytes _check_bytes(object value, str what)


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
