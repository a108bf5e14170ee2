# C types for fastclient/_protocol/_h2fields_py.py (compiled into
# fastclient._protocol._h2fields_c), the HTTP/2 field rules, whose functions the compiled
# connection core (_h2core_c.pxd) cimports. The .py is the specification; this file only
# adds types.

cimport cython

cdef frozenset _CONNECTION_SPECIFIC
cdef bytes _NAME_OK
cdef dict _VALID_NAMES
cdef dict _LOWER_NAMES
cdef Py_ssize_t _NAME_CACHE_MAX

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, table="const unsigned char*", q="const unsigned char*")
cdef bint _valid_name(bytes name) except -1

@cython.locals(n=Py_ssize_t, q="const unsigned char*", first=int, last=int)
cdef bint _valid_value(bytes value) except -1

@cython.locals(lowered=bytes)
cdef bytes _lower_name(bytes name)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, result=Py_ssize_t, c=int, q="const unsigned char*")
cdef Py_ssize_t _parse_length(bytes value) except? -3

@cython.locals(fields=list, host=bytes, name=bytes, value=bytes, pair=tuple)
cdef list request_fields(bytes method, bytes scheme, bytes authority, bytes path, list headers)

@cython.locals(status="long long", content_length="long long", length="long long",
               regular=bint, pair=tuple, name=bytes, value=bytes)
cdef tuple head_status(list headers)

@cython.locals(name=bytes, value=bytes)
cdef int check_trailers(list headers) except -1
