# C types for fastclient/_protocol/_h2frames_py.py (compiled into fastclient._protocol._h2frames_c),
# the HTTP/2 frame writers, whose functions the compiled connection core (_h2core_c.pxd)
# cimports. The .py is the specification; this file only adds types.

cimport cython

cdef bytes PREFACE
cdef int F_DATA, F_HEADERS, F_RST_STREAM, F_SETTINGS, F_GOAWAY, F_WINDOW_UPDATE, F_CONTINUATION
cdef int FL_END_STREAM, FL_END_HEADERS
cdef int S_ENABLE_PUSH, S_INITIAL_WINDOW_SIZE, S_MAX_HEADER_LIST_SIZE
cdef long long DEFAULT_WINDOW

@cython.locals(p="const unsigned char*", value="unsigned long")
cdef unsigned long u32_at(bytes data, Py_ssize_t pos)

# cpdef, so that Python (the tests) can call it too. Its Python wrapper also brings in
# Cython's critical-section macros, which the bytearray append of Cython 3.3 uses without
# declaring them: a module of cdef functions only fails to load (undefined symbol).
cpdef void frame_header(bytearray out, Py_ssize_t length, int ftype, int flags,
                        Py_ssize_t sid) except *
cdef void u32(bytearray out, unsigned long value)

cdef void preface(bytearray out, long long stream_window, long long header_list_size,
                  long long conn_window)

@cython.locals(flags=int, n=Py_ssize_t, pos=Py_ssize_t, size=Py_ssize_t, last=bint)
cdef void header_frames(bytearray out, Py_ssize_t sid, bytes block, bint end_stream,
                        Py_ssize_t limit)

@cython.locals(pos=Py_ssize_t, size=Py_ssize_t, last=bint)
cdef void data_frames(bytearray out, Py_ssize_t sid, bytes data, Py_ssize_t n, bint finish,
                      Py_ssize_t limit)

cdef void window_update(bytearray out, Py_ssize_t sid, unsigned long increment)
cdef void rst_stream(bytearray out, Py_ssize_t sid, unsigned long code)
cdef void goaway(bytearray out, unsigned long code, bytes debug)
