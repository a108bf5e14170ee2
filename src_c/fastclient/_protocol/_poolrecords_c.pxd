# C types for fastclient/_protocol/_poolrecords_py.py (compiled into
# fastclient._protocol._poolrecords_c): the records the pool's tables link. The compiled
# pool (_pool_c.pxd) cimports these classes, so its link walks and counter updates are C
# pointer and integer operations.

cimport cython

cdef class Host


@cython.final
cdef class PoolConnection:
    cdef readonly Py_ssize_t conn_id
    cdef readonly object origin         # the key the shell asked with
    cdef public int state               # CONNECTING .. CLOSED
    cdef public object handle           # the shell's connection object
    cdef readonly bint established      # set by PoolState.connected()
    cdef public double idle_since       # `now` when it last became IDLE
    cdef Host host                     # per-origin tables it is counted in
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
    cdef Host host
    cdef Waiter prev                    # per-origin FIFO
    cdef Waiter next


@cython.final
cdef class Host:
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
    cdef Host blk_prev
    cdef Host blk_next
