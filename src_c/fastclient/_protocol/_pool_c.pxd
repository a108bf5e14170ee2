# C types for fastclient/_protocol/_pool_py.py (compiled into fastclient._protocol._pool_c).
# The .py is the specification; this file only adds types, so that every link walk and
# counter update of acquire/release is a C pointer or integer operation.

cimport cython

cdef Py_ssize_t _UNLIMITED

# The records the tables link, compiled in fastclient._protocol._poolrecords_c: C types
# here, so that every link walk is a pointer operation.
from fastclient._protocol._poolrecords_c cimport Host, PoolConnection, Waiter


@cython.final
cdef class PoolState:
    cdef readonly Py_ssize_t max_connections
    cdef readonly Py_ssize_t max_keepalive
    cdef readonly Py_ssize_t max_per_host
    cdef readonly double keepalive_expiry  # negative: never
    cdef readonly Py_ssize_t n_total
    cdef readonly Py_ssize_t n_idle
    cdef readonly Py_ssize_t n_waiting
    cdef readonly bint closed
    cdef Py_ssize_t _next_id
    cdef dict _hosts                    # origin -> Host
    cdef readonly PoolConnection lru_head
    cdef readonly PoolConnection lru_tail
    cdef Host _blk_head
    cdef Host _blk_tail
    cdef readonly list to_close         # decisions for the shell, drained after each call
    cdef readonly list to_wake

    @cython.locals(host=Host, conn=PoolConnection, waiter=Waiter)
    cpdef object acquire(self, object origin, double now, bint multiplex=*)
    @cython.locals(host=Host)
    cpdef void connected(self, PoolConnection conn) except *
    @cython.locals(host=Host)
    cpdef void connected_multiplexed(self, PoolConnection conn, Py_ssize_t max_streams) except *
    @cython.locals(host=Host)
    cpdef void set_max_streams(self, PoolConnection conn, Py_ssize_t max_streams) except *
    @cython.locals(host=Host)
    cpdef void retire(self, PoolConnection conn) except *
    @cython.locals(host=Host, waiter=Waiter, was_pending=bint)
    cpdef void connect_failed(self, PoolConnection conn) except *
    @cython.locals(conn=PoolConnection)
    cpdef PoolConnection claim(self, Waiter waiter)
    cpdef bint pin(self, PoolConnection conn, double now) except -1
    @cython.locals(host=Host, waiter=Waiter, state=int)
    cpdef void release(self, PoolConnection conn, bint reusable, double now) except *
    @cython.locals(host=Host, state=int)
    cpdef bint discard(self, PoolConnection conn) except -1
    @cython.locals(host=Host, conn=PoolConnection)
    cpdef void cancel(self, Waiter waiter, double now) except *
    @cython.locals(host=Host, conn=PoolConnection, limit=double)
    cpdef void expire(self, double now) except *
    @cython.locals(host=Host, conn=PoolConnection, waiter=Waiter)
    cpdef void close_all(self) except *
    @cython.locals(conn=PoolConnection)
    cpdef list idle_connections(self)
    @cython.locals(host=Host)
    cpdef tuple host_counts(self, object origin)
    @cython.locals(host=Host)
    cpdef PoolConnection host_pending(self, object origin)
    @cython.locals(host=Host)
    cpdef list blocked_origins(self)

    @cython.locals(conn=PoolConnection)
    cdef PoolConnection _new_conn(self, Host host)
    @cython.locals(host=Host)
    cdef void _drop(self, PoolConnection conn)
    cdef void _freed(self, Host host)
    @cython.locals(host=Host, waiter=Waiter)
    cdef void _dispatch(self)
    @cython.locals(waiter=Waiter, conn=PoolConnection)
    cdef void _serve(self, Host host) except *
    @cython.locals(host=Host)
    cdef void _take_stream(self, PoolConnection conn) except *
    cdef void _release_stream(
        self, Host host, PoolConnection conn, bint reusable, double now
    ) except *
    @cython.locals(host=Host)
    cdef void _retire(self, PoolConnection conn) except *
    @cython.locals(host=Host, head=PoolConnection, want=bint)
    cdef void _update_avail(self, PoolConnection conn) except *
    @cython.locals(prev=PoolConnection, nxt=PoolConnection)
    cdef void _unlink_avail(self, Host host, PoolConnection conn)
    cdef void _assign(self, Host host, Waiter waiter, PoolConnection conn)
    @cython.locals(conn=PoolConnection, host=Host)
    cdef void _evict_lru(self)
    cdef void _forget_host(self, Host host)
    @cython.locals(top=PoolConnection, tail=PoolConnection)
    cdef void _link_idle(self, Host host, PoolConnection conn)
    @cython.locals(host=Host, prev=PoolConnection, nxt=PoolConnection)
    cdef void _unlink_idle(self, PoolConnection conn)
    @cython.locals(tail=Waiter)
    cdef void _push_waiter(self, Host host, Waiter waiter)
    @cython.locals(prev=Waiter, nxt=Waiter)
    cdef void _unlink_waiter(self, Host host, Waiter waiter)
    @cython.locals(tail=Host)
    cdef void _block(self, Host host)
    @cython.locals(prev=Host, nxt=Host)
    cdef void _unblock(self, Host host)
