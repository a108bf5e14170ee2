# C types for fastclient/_protocol/_h11fields_py.py (compiled into
# fastclient._protocol._h11fields_c), the field-line helpers of the HTTP/1.1 parser, whose
# compiled twin (_http11_c.pxd) cimports them. The .py is the specification; this file only
# adds types. Functions with a C return type declare an exception value, so no Python
# exception is ever swallowed.

cimport cython

# A bytes object seen as its C buffer, for this twin and the two that cimport it (the parser,
# _http11_c, and the writer, _h11write_c). Locals named `raw` (and the table aliases) have
# this type: the .py assigns a bytes object to them, and then raw[i] is a load and raw[a:b]
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
cdef bytes _VALUE_IN_TABLE
cdef bytes _HEX_TABLE

cdef int _CLOSE
cdef int _KEEP_ALIVE
cdef int _CR
cdef int _LF
cdef int _SP
cdef int _HTAB
cdef int _SEMICOLON
cdef int _COLON
cdef int _COMMA
cdef long long _MAX_SIZE
cdef long long _MAX_BEFORE_HEX_DIGIT


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

cdef bytes _check_bytes(object value, str what)

# Error builders (error paths only): they return the exception for the caller to raise.
cdef object _field_error(bytes buf, Py_ssize_t start, Py_ssize_t stop)
cdef object _status_error(bytes buf, Py_ssize_t start, Py_ssize_t stop)
