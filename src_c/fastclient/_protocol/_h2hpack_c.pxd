# C types for fastclient/_protocol/_h2hpack_py.py (compiled into fastclient._protocol._h2hpack_c).
# The .py is the specification; this file only adds types, so that walking a header block
# and the Huffman automaton are C pointer and integer operations.

cimport cython

cdef tuple STATIC
cdef Py_ssize_t _N_STATIC
cdef dict _STATIC_FULL
cdef dict _STATIC_NAME
cdef Py_ssize_t ENTRY_OVERHEAD
cdef Py_ssize_t _BLOCK_CACHE_LEN
cdef Py_ssize_t _BLOCK_CACHE_MAX
cdef Py_ssize_t _HUFF_CACHE_MAX
cdef Py_ssize_t _HUFF_CACHE_LEN
cdef list _HUFF_TABLE            # nibble automaton: next_state << 10 | flags << 8 | symbol
cdef list _HUFF_ACCEPT           # state -> may a string end here
cdef frozenset _NEVER_INDEXED
cdef frozenset _NOT_INDEXED

@cython.locals(p="const unsigned char*", i=Py_ssize_t, byte=int, entry=long, state=long,
               out=bytearray, table=list)
cpdef bytes huffman_decode(bytes data)

@cython.locals(mask=long)
cdef void _put_integer(bytearray out, long first, Py_ssize_t value, int prefix)

cdef void _put_string(bytearray out, bytes data)


@cython.final
cdef class Decoder:
    cdef readonly Py_ssize_t settings_table_size   # what we advertised
    cdef readonly Py_ssize_t table_size_limit      # what the server last chose
    cdef readonly Py_ssize_t table_size            # bytes in the table now (RFC accounting)
    cdef readonly Py_ssize_t max_list_size
    cdef readonly Py_ssize_t max_fields
    cdef readonly list table                       # (name, value) pairs, oldest first
    cdef dict _huff_cache                          # Huffman bytes -> decoded bytes
    cdef readonly str limit_error
    cdef Py_ssize_t _pos                           # read position in the current block
    cdef dict _block_cache                         # block -> (fields, insertions)

    @cython.locals(table=list, n=Py_ssize_t, size=Py_ssize_t, pair=tuple, name=bytes,
                   value=bytes)
    cdef void _evict(self, Py_ssize_t limit)
    @cython.locals(size=Py_ssize_t)
    cdef void _add(self, tuple pair)
    @cython.locals(n=Py_ssize_t)
    cdef tuple _lookup(self, Py_ssize_t index)
    @cython.locals(p="const unsigned char*", pos=Py_ssize_t, mask=Py_ssize_t,
                   value=Py_ssize_t, shift=int, byte=int)
    cdef Py_ssize_t _int(self, bytes data, Py_ssize_t end, int prefix) except -1
    @cython.locals(p="const unsigned char*", pos=Py_ssize_t, huffman=int, length=Py_ssize_t,
                   stop=Py_ssize_t, cache=dict)
    cdef bytes _string(self, bytes data, Py_ssize_t end)
    @cython.locals(known=tuple, p="const unsigned char*", headers=list, added=list,
                   cacheable=bint, end=Py_ssize_t, list_size=Py_ssize_t,
                   n_fields=Py_ssize_t, over=bint, allow_size_update=bint, byte=int,
                   index=Py_ssize_t, size=Py_ssize_t, pair=tuple, name=bytes, value=bytes,
                   cache=dict)
    cpdef list decode(self, bytes data)


@cython.final
cdef class Encoder:
    cdef readonly Py_ssize_t max_size
    cdef readonly Py_ssize_t size
    cdef object _pending_min               # None, or the smallest size since the last block
    cdef dict _index                       # (name, value) -> insertion number
    cdef object _fifo                      # deque of entries, oldest first
    cdef readonly Py_ssize_t inserted
    cdef dict _cache                       # field -> its encoding, while the table holds
    cdef Py_ssize_t _cache_generation      # ``inserted`` when the cache was last valid

    @cython.locals(size=Py_ssize_t)
    cpdef void set_max_size(self, Py_ssize_t value)
    @cython.locals(pair=tuple, number=Py_ssize_t, fifo=object, index=dict)
    cdef void _evict(self, Py_ssize_t limit)
    @cython.locals(parts=list, update=bytearray, cache=dict, pair=tuple, known=object,
                   field=bytearray)
    cpdef bytes encode(self, list headers)
    @cython.locals(static_full=dict, index=dict, found=object, number=object, name=bytes,
                   value=bytes, name_index=Py_ssize_t, size=Py_ssize_t)
    cdef void _encode_field(self, bytearray out, tuple pair)
