# C types for fastclient/_protocol/_h11write_py.py (compiled into fastclient._protocol._h11write_c).
# The .py is the specification; this file only adds types. The validation loops (token,
# target and value tables) become C loops over a `uchars` alias of the bytes; the writers
# are cpdef functions. Functions with a C return type declare an exception value, so no
# Python exception is ever swallowed.

cimport cython

# A bytes object seen as its C buffer (see _h11fields_c.pxd): locals named `raw` (and the
# table aliases) have this type, so raw[i] is a load and raw[a:b] builds the slice directly.
from fastclient._protocol._h11fields_c cimport uchars

# Byte classes, bound from fastclient._protocol._h11tables: flag tables (C loops) and
# member strings (pure twin only).
cdef bytes _TOKEN_CHARS
cdef bytes _TOKEN_TABLE
cdef bytes _VALUE_OUT_CHARS
cdef bytes _VALUE_OUT_TABLE
cdef bytes _TARGET_CHARS
cdef bytes _TARGET_TABLE

cdef int _SP
cdef int _HTAB


# The checks shared with the parser, compiled in fastclient._protocol._h11fields_c and called
# as C functions (the .py imports the pure ones only when it runs as plain Python).
from fastclient._protocol._h11fields_c cimport _all_in, _check_bytes

# _LINES and _LINES_LIMIT stay Python globals (looked up once per request head), so the
# tests can see the table of lines in both twins.

@cython.locals(lines=dict, line=bytes)
cdef void _field_parts(object headers, list parts) except *

@cython.locals(name=bytes, value=bytes, raw=uchars, start=Py_ssize_t, stop=Py_ssize_t)
cdef bytes _field_line(object field_name, object field_value)

cdef void _check_request_line(object method, object target) except *

@cython.locals(parts=list)
cpdef bytes write_request_head(object method, object target, object headers)

@cython.locals(parts=list)
cpdef bytes write_fields(object headers)

cpdef bytes join_request_head(object method, object target, bytes fields)

@cython.locals(n=Py_ssize_t)
cpdef bytes write_chunk(object data)

@cython.locals(parts=list)
cpdef bytes write_last_chunk(object trailers=*)
