# C types for fastclient/_protocol/_pool_py.py (compiled into fastclient._protocol._pool_c).
# The .py is the specification; this file only adds types, so that every link walk and
# counter update of acquire/release is a C pointer or integer operation.

cimport cython

cdef Py_ssize_t _UNLIMITED

cdef class _Host


@cython.final
cdef class PoolConnection:
    cdef readonly Py_ssize_t conn_id
    cdef readonly object origin         # the key the shell asked with
    cdef public int state               # CONNECTING .. CLOSED
    cdef public object handle           # the shell's connection object
    cdef readonly bint established      # set by PoolState.connected()
    cdef public double idle_since       # `now` when it last became IDLE
    cdef _Host host                     # per-origin tables it is counted in
    cdef PoolConnection idle_prev       # per-origin idle stack
    cdef PoolConnection idle_next
    cdef PoolConnection lru_prev        # global idle LRU (oldest at PoolState.lru_head)
    cdef PoolConnection lru_next
    cdef readonly bint multiplexed      # HTTP/2: several requests at once
    cdef readonly bint retired          # multiplexed: no new requests; closes when unused
    cdef readonly Py_ssize_t n_streams  # multiplexed: requests on it (reserved ones too)
    cdef readonly Py_ssize_t max_streams  # multiplexed: the peer's limit (at least 1)
    cdef readonly bint in_avail         # in its origin's list of connections with a free stream
    cdef PoolConnection avail_prev
    cdef PoolConnection avail_next


@cython.final
cdef class Waiter:
    cdef readonly object origin
    cdef public object token            # the shell's wake-up (future, lock)
    cdef readonly PoolConnection conn   # set when ASSIGNED
    cdef readonly int state             # W_WAITING, W_ASSIGNED, W_DONE
    cdef _Host host
    cdef Waiter prev                    # per-origin FIFO
    cdef Waiter next


@cython.final
cdef class _Host:
    cdef object origin
    cdef bint share                     # HTTP/2 possible: one connection opens at a time
    cdef PoolConnection pending         # that connection, while it opens
    cdef PoolConnection avail_head      # multiplexed connections with a free stream
    cdef Py_ssize_t n_conns             # non-CLOSED connections of this origin
    cdef Py_ssize_t n_idle
    cdef Py_ssize_t n_waiting
    cdef PoolConnection idle_top
    cdef Waiter wait_head
    cdef Waiter wait_tail
    cdef bint blocked                   # in PoolState's blocked-origins FIFO
    cdef _Host blk_prev
    cdef _Host blk_next


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
    cdef dict _hosts                    # origin -> _Host
    cdef readonly PoolConnection lru_head
    cdef readonly PoolConnection lru_tail
    cdef _Host _blk_head
    cdef _Host _blk_tail
    cdef readonly list to_close         # decisions for the shell, drained after each call
    cdef readonly list to_wake

    @cython.locals(host=_Host, conn=PoolConnection, waiter=Waiter)
    cpdef object acquire(self, object origin, double now, bint multiplex=*)
    @cython.locals(host=_Host)
    cpdef void connected(self, PoolConnection conn) except *
    @cython.locals(host=_Host)
    cpdef void connected_multiplexed(self, PoolConnection conn, Py_ssize_t max_streams) except *
    @cython.locals(host=_Host)
    cpdef void set_max_streams(self, PoolConnection conn, Py_ssize_t max_streams) except *
    @cython.locals(host=_Host)
    cpdef void retire(self, PoolConnection conn) except *
    @cython.locals(host=_Host, waiter=Waiter, was_pending=bint)
    cpdef void connect_failed(self, PoolConnection conn) except *
    @cython.locals(conn=PoolConnection)
    cpdef PoolConnection claim(self, Waiter waiter)
    cpdef bint pin(self, PoolConnection conn, double now) except -1
    @cython.locals(host=_Host, waiter=Waiter, state=int)
    cpdef void release(self, PoolConnection conn, bint reusable, double now) except *
    @cython.locals(host=_Host, state=int)
    cpdef bint discard(self, PoolConnection conn) except -1
    @cython.locals(host=_Host, conn=PoolConnection)
    cpdef void cancel(self, Waiter waiter, double now) except *
    @cython.locals(host=_Host, conn=PoolConnection, limit=double)
    cpdef void expire(self, double now) except *
    @cython.locals(host=_Host, conn=PoolConnection, waiter=Waiter)
    cpdef void close_all(self) except *
    @cython.locals(conn=PoolConnection)
    cpdef list idle_connections(self)
    @cython.locals(host=_Host)
    cpdef tuple host_counts(self, object origin)
    @cython.locals(host=_Host)
    cpdef PoolConnection host_pending(self, object origin)
    @cython.locals(host=_Host)
    cpdef list blocked_origins(self)

    @cython.locals(conn=PoolConnection)
    cdef PoolConnection _new_conn(self, _Host host)
    @cython.locals(host=_Host)
    cdef void _drop(self, PoolConnection conn)
    cdef void _freed(self, _Host host)
    @cython.locals(host=_Host, waiter=Waiter)
    cdef void _dispatch(self)
    @cython.locals(waiter=Waiter, conn=PoolConnection)
    cdef void _serve(self, _Host host) except *
    @cython.locals(host=_Host)
    cdef void _take_stream(self, PoolConnection conn) except *
    cdef void _release_stream(
        self, _Host host, PoolConnection conn, bint reusable, double now
    ) except *
    @cython.locals(host=_Host)
    cdef void _retire(self, PoolConnection conn) except *
    @cython.locals(host=_Host, head=PoolConnection, want=bint)
    cdef void _update_avail(self, PoolConnection conn) except *
    @cython.locals(prev=PoolConnection, nxt=PoolConnection)
    cdef void _unlink_avail(self, _Host host, PoolConnection conn)
    cdef void _assign(self, _Host host, Waiter waiter, PoolConnection conn)
    @cython.locals(conn=PoolConnection, host=_Host)
    cdef void _evict_lru(self)
    cdef void _forget_host(self, _Host host)
    @cython.locals(top=PoolConnection, tail=PoolConnection)
    cdef void _link_idle(self, _Host host, PoolConnection conn)
    @cython.locals(host=_Host, prev=PoolConnection, nxt=PoolConnection)
    cdef void _unlink_idle(self, PoolConnection conn)
    @cython.locals(tail=Waiter)
    cdef void _push_waiter(self, _Host host, Waiter waiter)
    @cython.locals(prev=Waiter, nxt=Waiter)
    cdef void _unlink_waiter(self, _Host host, Waiter waiter)
    @cython.locals(tail=_Host)
    cdef void _block(self, _Host host)
    @cython.locals(prev=_Host, nxt=_Host)
    cdef void _unblock(self, _Host host)
