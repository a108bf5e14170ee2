# C types for fastclient/_protocol/_jsonenc_py.py (compiled into fastclient._protocol._jsonenc_c).
# The .py is the specification; this file only adds types. With `data` typed as bytes and
# the byte values as C ints, every data[i] is a load from the bytes object's buffer and
# every comparison an integer compare: the function compiles to straight C with no
# Python objects except the returned (interned) codec name.

cimport cython


@cython.locals(n=Py_ssize_t, b0=int, b1=int, b2=int, b3=int)
cpdef object guess_json_utf(bytes data)
