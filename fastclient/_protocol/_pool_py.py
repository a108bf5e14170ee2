# cython: annotation_typing=False
# (annotations are for mypy and readers; the C types come only from the .pxd)
"""PoolState: the connection pool's bookkeeping, deciding and never doing I/O.

Theory of operation
-------------------
The sync and the async shells own sockets, locks and clocks; this module owns the tables.
Every method is a decision: it changes the tables and tells the shell what to do, either as
its return value (the connection to use or to open, or a Waiter to block on) or through two
lists the shell drains after each call:

* ``to_close``: connections now CLOSED whose handles the shell must close (outside its lock);
  a slot that never got a handle appears with ``handle is None``;
* ``to_wake``: Waiters that were handed a connection (``waiter.conn``, state ASSIGNED); the
  shell wakes ``waiter.token``, and the woken request calls :meth:`PoolState.claim`. A waiter
  in ``to_wake`` with ``conn is None`` was failed by :meth:`PoolState.close_all`.

Connection states: CONNECTING (a slot being opened), IDLE (kept alive, reusable), ACTIVE (a
request owns it), ASSIGNED (handed to a waiter that has not woken yet: no other pass may
touch it), CLOSED (gone; every later call about it is a no-op).

Multiplexed (HTTP/2) connections
--------------------------------
A connection the shell reports with :meth:`PoolState.connected_multiplexed` carries up to
``max_streams`` requests at once. It counts as one connection toward every limit, and it is
*shared*: :meth:`acquire` hands it out while ``n_streams < max_streams`` without taking it
out of the origin's list of connections with free streams (``avail``); each request gives
its stream back with :meth:`release`. It is ACTIVE while it carries requests and IDLE (in
the LRU, for keep-alive expiry and eviction, not in the origin's HTTP/1.1 idle stack) when
it carries none. A waiter it is handed to gets a stream reserved (``n_streams`` counts
it), so the connection stays ACTIVE rather than ASSIGNED. :meth:`retire` (GOAWAY, lost)
stops new requests on it; it closes when its last request ends.

An origin acquired with ``multiplex=True`` (HTTP/2 is possible there) opens at most one
connection at a time (``pending``): until it is known to speak HTTP/2 or HTTP/1.1, more
requests wait for it instead of opening connections of their own, so concurrent first
requests share one HTTP/2 connection. Answered with HTTP/1.1, the origin is treated as
HTTP/1.1 from then on and its waiters open connections as usual; if the connect fails
and the origin has no other connection, its waiters fail with it (:meth:`connect_failed`)
instead of each waiting out a connect timeout in turn.

Tables, all intrusive doubly linked lists so that every step is O(1) and allocates nothing
beyond a new connection or waiter object (the records, ``_poolrecords``):

* per origin (``Host``): idle connections (a stack: the most recently used is reused
  first, so the oldest ones age out), waiters (FIFO), a connection count;
* global: an idle LRU list (oldest first, for keep-alive expiry and eviction), and a FIFO of
  origins whose waiters are blocked by the *global* limit while their own origin still has
  room. When any global slot frees, the head of that FIFO gets it, and if the pool is full
  of idle connections of other origins the least recently used one is closed to make room,
  so an origin can never starve behind another origin's idle keep-alive connections.

Time comes in as ``now`` arguments (the shell's monotonic clock); nothing here reads a
clock, so the tests drive time by hand.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

from fastclient._protocol._poolstates import (
    ACTIVE,
    ASSIGNED,
    CLOSED,
    CONNECTING,
    IDLE,
    W_ASSIGNED,
    W_DONE,
    W_WAITING,
)

# The compiled twin's `cython` is Cython's compile-time module (Cython reads this import
# whatever the branch); the pure twin never imports Cython, installed or not.
if __name__.endswith("_c"):
    import cython  # type: ignore[import-untyped]
else:
    from fastclient._protocol import _nocython as cython

# The records the tables link (_poolrecords): the compiled twin cimports their compiled
# classes as C types (see the .pxd; Cython drops this branch from it), the pure twin
# imports the pure ones.
if not cython.compiled:
    from fastclient._protocol._poolrecords_py import Host, PoolConnection, Waiter

__all__ = ["PoolState"]

# "No limit", as a number so that limit checks stay single integer comparisons.
_UNLIMITED = sys.maxsize


class PoolState:
    """The pool's tables. Not thread-safe: the sync shell calls it under one lock."""

    def __init__(
        self,
        max_connections: Optional[int] = None,
        max_keepalive_connections: Optional[int] = None,
        keepalive_expiry: Optional[float] = 5.0,
        max_connections_per_host: Optional[int] = None,
    ) -> None:
        self.max_connections = _limit(max_connections)
        self.max_keepalive = _limit(max_keepalive_connections)
        self.max_per_host = _limit(max_connections_per_host)
        if self.max_connections < 1 or self.max_per_host < 1:
            raise ValueError("connection limits must be at least 1")
        # A negative expiry means "never expire".
        self.keepalive_expiry = -1.0 if keepalive_expiry is None else float(keepalive_expiry)
        self.n_total = 0
        self.n_idle = 0
        self.n_waiting = 0
        self.closed = False
        self._next_id = 0
        self._hosts: Dict[Any, Host] = {}
        self.lru_head: Optional[PoolConnection] = None  # oldest idle
        self.lru_tail: Optional[PoolConnection] = None  # newest idle
        self._blk_head: Optional[Host] = None
        self._blk_tail: Optional[Host] = None
        self.to_close: List[PoolConnection] = []
        self.to_wake: List[Waiter] = []

    # ---------------------------------------------------------------- requests

    def acquire(self, origin: Any, now: float, multiplex: bool = False) -> Any:
        """A connection for a request to ``origin``: an ACTIVE one to use (reused, or a
        multiplexed one with a stream taken for this request), a CONNECTING one the shell
        must open (then :meth:`connected`, :meth:`connected_multiplexed` or
        :meth:`connect_failed`), or a :class:`Waiter` the shell blocks on (set its
        ``token`` first). ``multiplex``: HTTP/2 may be spoken with this origin (read when
        the origin's tables are created; the shell passes the same value every time)."""
        if self.closed:
            raise RuntimeError("the connection pool is closed")
        if self.keepalive_expiry >= 0.0 and self.lru_head is not None:
            self.expire(now)
        host = self._hosts.get(origin)
        if host is None:
            host = Host(origin, multiplex)
            self._hosts[origin] = host
        conn = host.avail_head
        if conn is not None:
            # (Nobody waits while a stream is free, so FIFO order holds.)
            self._take_stream(conn)
            return conn
        conn = host.idle_top
        if conn is not None:
            self._unlink_idle(conn)
            conn.state = ACTIVE
            return conn
        # A waiter already queued for this origin goes first (FIFO), even if a slot exists;
        # and while a connection that may speak HTTP/2 opens, requests wait for it.
        if host.wait_head is None and host.pending is None and host.n_conns < self.max_per_host:
            if self.n_total >= self.max_connections and self.lru_head is not None:
                self._evict_lru()
            if self.n_total < self.max_connections:
                return self._new_conn(host)
        waiter = Waiter(origin, host)
        self._push_waiter(host, waiter)
        if host.n_conns < self.max_per_host and host.pending is None:
            self._block(host)
        return waiter

    def connected(self, conn: PoolConnection) -> None:
        """The shell opened ``conn`` (CONNECTING) as a one-request-at-a-time (HTTP/1.1)
        connection: it becomes ACTIVE."""
        if conn.state == CONNECTING:
            conn.state = ACTIVE
            conn.established = True
            host = conn.host
            assert host is not None
            if host.pending is conn:
                # The origin answered HTTP/1.1: from now on its requests open connections
                # of their own, including those that waited for this one.
                host.pending = None
                host.share = False
                if host.wait_head is not None:
                    self._serve(host)

    def connected_multiplexed(self, conn: PoolConnection, max_streams: int) -> None:
        """The shell opened ``conn`` (CONNECTING) as a multiplexed (HTTP/2) connection
        allowing ``max_streams`` concurrent requests. It is ACTIVE with one stream (the
        request that opened it); waiters of its origin get the other streams at once.
        A limit below 1 counts as 1: a request sent then waits in the connection for
        the peer to raise it, rather than opening more connections to a peer that
        allows none."""
        if conn.state != CONNECTING:
            return
        host = conn.host
        assert host is not None
        conn.state = ACTIVE
        conn.established = True
        conn.multiplexed = True
        conn.n_streams = 1
        conn.max_streams = max_streams if max_streams > 1 else 1
        if host.pending is conn:
            host.pending = None
        host.share = True
        self._update_avail(conn)
        if host.wait_head is not None:
            self._serve(host)

    def set_max_streams(self, conn: PoolConnection, max_streams: int) -> None:
        """The peer changed its limit of concurrent streams on ``conn`` (multiplexed).
        Raised, waiters get the new streams; lowered below the requests already on it,
        those stay (the connection makes them wait for a free stream) and no more come."""
        if not conn.multiplexed or conn.state == CLOSED:
            return
        conn.max_streams = max_streams if max_streams > 1 else 1
        if conn.retired:
            return
        self._update_avail(conn)
        host = conn.host
        assert host is not None
        if conn.in_avail and host.wait_head is not None:
            self._serve(host)

    def retire(self, conn: PoolConnection) -> None:
        """``conn`` (multiplexed) takes no new requests (GOAWAY received, or lost); it
        closes now if idle, else when its last request ends. Its origin's waiters get
        another connection, within the limits."""
        if not conn.multiplexed or conn.state == CLOSED or conn.retired:
            return
        self._retire(conn)
        host = conn.host
        assert host is not None
        if conn.state == IDLE:
            self._unlink_idle(conn)
            self._drop(conn)
            self._freed(host)
        elif host.wait_head is not None:
            self._serve(host)

    def connect_failed(self, conn: PoolConnection) -> None:
        """The shell could not open ``conn`` (CONNECTING): its slot is freed as by
        ``release(conn, False)``. If the origin's requests were waiting for this very
        connection (it might have spoken HTTP/2) and the origin has no other connection,
        they fail with it: they go to ``to_wake`` with no connection, for the shell to give
        them the connect error; otherwise the next waiter opens a connection of its own."""
        if conn.state != CONNECTING:
            if conn.state != CLOSED:
                self.release(conn, False, 0.0)
            return
        host = conn.host
        assert host is not None
        was_pending = host.pending is conn
        self._drop(conn)
        if was_pending and host.n_conns == 0 and host.n_waiting > 0:
            waiter = host.wait_head
            while waiter is not None:
                self._unlink_waiter(host, waiter)
                waiter.state = W_ASSIGNED
                self.to_wake.append(waiter)
                waiter = host.wait_head
            if host.blocked:
                self._unblock(host)
            self._forget_host(host)
            if self._blk_head is not None:
                self._dispatch()
            return
        self._freed(host)

    def claim(self, waiter: Waiter) -> Optional[PoolConnection]:
        """The woken waiter takes its connection: ACTIVE if it is open (for a multiplexed
        one, with the stream reserved for it), CONNECTING if the shell must open it. None
        when the pool was closed meanwhile, or the connect this waiter waited for failed
        (see :meth:`connect_failed`)."""
        conn = waiter.conn
        waiter.state = W_DONE
        waiter.conn = None
        if conn is None:
            return None
        if conn.multiplexed:
            return conn if conn.state == ACTIVE else None
        if conn.state != ASSIGNED:
            return None
        conn.state = ACTIVE if conn.established else CONNECTING
        return conn

    def pin(self, conn: PoolConnection, now: float) -> bool:
        """Take a specific IDLE connection, or a stream of a specific multiplexed one with
        a free stream (conn_id pinning). False if that is not possible now."""
        if self.closed:
            return False
        if conn.multiplexed:
            if not conn.in_avail:
                return False
        elif conn.state != IDLE:
            return False
        if (
            conn.state == IDLE
            and self.keepalive_expiry >= 0.0
            and conn.idle_since + self.keepalive_expiry <= now
        ):
            self.expire(now)
            return False
        if conn.multiplexed:
            self._take_stream(conn)
            return True
        self._unlink_idle(conn)
        conn.state = ACTIVE
        return True

    def release(self, conn: PoolConnection, reusable: bool, now: float) -> None:
        """A request is done with ``conn`` (ACTIVE or CONNECTING). A reusable connection
        goes to the next waiter of its origin, else becomes idle; otherwise it closes.
        On a multiplexed connection this gives back one stream; ``reusable`` False then
        retires the connection (it closes when its last request ends)."""
        state = conn.state
        if state == CLOSED or state == IDLE:  # noqa: SIM109  (C int compares when compiled)
            return
        host = conn.host
        assert host is not None
        if conn.multiplexed:
            self._release_stream(host, conn, reusable, now)
            return
        if not reusable or not conn.established or self.closed:
            self._drop(conn)
            self._freed(host)
            return
        waiter = host.wait_head
        if waiter is not None:
            self._assign(host, waiter, conn)
            return
        conn.state = IDLE
        conn.idle_since = now
        self._link_idle(host, conn)
        if self.n_idle > self.max_keepalive:
            self._evict_lru()
        if self._blk_head is not None:
            self._dispatch()

    def discard(self, conn: PoolConnection) -> bool:
        """The shell learnt that ``conn`` is dead (e.g. the server closed it). IDLE,
        ACTIVE and CONNECTING connections are closed; an ASSIGNED one is left to its waiter,
        which finds it dead when it wakes, and a multiplexed one still carrying requests is
        retired, closing when they end (returns False for these two)."""
        state = conn.state
        if state == CLOSED:
            return True
        if state == ASSIGNED:
            return False
        if conn.multiplexed and conn.n_streams > 0:
            self.retire(conn)
            return False
        host = conn.host
        assert host is not None
        if state == IDLE:
            self._unlink_idle(conn)
        self._drop(conn)
        self._freed(host)
        return True

    def cancel(self, waiter: Waiter, now: float) -> None:
        """The request behind ``waiter`` gave up (cancelled, pool timeout). A connection
        already handed to it goes back, to the next waiter or the idle list."""
        if waiter.state == W_WAITING:
            host = waiter.host
            assert host is not None
            self._unlink_waiter(host, waiter)
            waiter.state = W_DONE
            self._forget_host(host)
            return
        conn = waiter.conn
        waiter.state = W_DONE
        waiter.conn = None
        if conn is None:
            return
        if conn.multiplexed:
            # The stream reserved for it goes back.
            self.release(conn, True, now)
        elif conn.state == ASSIGNED:
            # Back as if the woken request had claimed it and released it at once.
            conn.state = ACTIVE
            self.release(conn, True, now)

    # ---------------------------------------------------------------- housekeeping

    def expire(self, now: float) -> None:
        """Close idle connections older than keepalive_expiry (oldest first)."""
        if self.keepalive_expiry < 0.0:
            return
        limit = now - self.keepalive_expiry
        conn = self.lru_head
        while conn is not None and conn.idle_since <= limit:
            host = conn.host
            assert host is not None
            self._unlink_idle(conn)
            self._drop(conn)
            self._freed(host)
            conn = self.lru_head

    def close_all(self) -> None:
        """Close the pool: idle connections go to ``to_close``, waiters to ``to_wake``
        with no connection. Connections in use close when they are released."""
        self.closed = True
        conn = self.lru_head
        while conn is not None:
            host = conn.host
            assert host is not None
            self._unlink_idle(conn)
            self._drop(conn)
            conn = self.lru_head
        for host in list(self._hosts.values()):
            waiter = host.wait_head
            while waiter is not None:
                self._unlink_waiter(host, waiter)
                waiter.state = W_ASSIGNED
                self.to_wake.append(waiter)
                waiter = host.wait_head
            if host.blocked:
                self._unblock(host)
            self._forget_host(host)

    def idle_connections(self) -> List[PoolConnection]:
        """Idle connections, oldest first (for tests and introspection; O(n))."""
        out = []
        conn = self.lru_head
        while conn is not None:
            out.append(conn)
            conn = conn.lru_next
        return out

    def host_counts(self, origin: Any) -> tuple[int, int, int]:
        """(connections, idle, waiting) of one origin (for tests and introspection)."""
        host = self._hosts.get(origin)
        if host is None:
            return (0, 0, 0)
        return (host.n_conns, host.n_idle, host.n_waiting)

    def origins(self) -> List[Any]:
        return list(self._hosts)

    def host_pending(self, origin: Any) -> Optional[PoolConnection]:
        """The connection an origin's requests wait for while it opens, if any (for tests
        and introspection)."""
        host = self._hosts.get(origin)
        return host.pending if host is not None else None

    def blocked_origins(self) -> List[Any]:
        out = []
        host = self._blk_head
        while host is not None:
            out.append(host.origin)
            host = host.blk_next
        return out

    # ---------------------------------------------------------------- internals

    def _new_conn(self, host: Host) -> PoolConnection:
        self._next_id += 1
        conn = PoolConnection(self._next_id, host.origin, host)
        host.n_conns += 1
        self.n_total += 1
        if host.share:
            host.pending = conn
        return conn

    def _drop(self, conn: PoolConnection) -> None:
        """Mark ``conn`` CLOSED and free its slot (the caller unlinked it if idle)."""
        host = conn.host
        assert host is not None
        conn.state = CLOSED
        if conn.in_avail:
            self._unlink_avail(host, conn)
        if host.pending is conn:
            host.pending = None
        host.n_conns -= 1
        self.n_total -= 1
        self.to_close.append(conn)

    def _freed(self, host: Host) -> None:
        """A slot of ``host`` (and a global one) freed: serve blocked waiters."""
        if host.wait_head is not None:
            self._block(host)
        else:
            self._forget_host(host)
        if self._blk_head is not None:
            self._dispatch()

    def _dispatch(self) -> None:
        """Give freed capacity to waiters of blocked origins, oldest origin first. Each
        turn serves one waiter or retires one origin, so the loop is amortised O(1)."""
        while True:
            host = self._blk_head
            if host is None:
                return
            waiter = host.wait_head
            if waiter is None or host.n_conns >= self.max_per_host or host.pending is not None:
                # Nothing to serve here, or it waits on its own origin's limit, which
                # only its own releases and closes can lift, or for the connection it
                # is opening (which may speak HTTP/2).
                self._unblock(host)
                continue
            if self.n_total >= self.max_connections:
                if self.lru_head is None:
                    return
                self._evict_lru()
            self._assign(host, waiter, self._new_conn(host))
            # Round-robin between blocked origins.
            self._unblock(host)
            if (
                host.wait_head is not None
                and host.n_conns < self.max_per_host
                and host.pending is None
            ):
                self._block(host)

    def _serve(self, host: Host) -> None:
        """Waiters of ``host`` take free streams of its multiplexed connections; whoever
        still waits gets a new connection if the limits allow (via the blocked FIFO).
        Each turn serves one waiter, so this is amortised O(1) per request."""
        while True:
            waiter = host.wait_head
            if waiter is None:
                break
            conn = host.avail_head
            if conn is None:
                break
            self._unlink_waiter(host, waiter)
            self._take_stream(conn)
            waiter.conn = conn
            waiter.state = W_ASSIGNED
            self.to_wake.append(waiter)
        if host.wait_head is not None and host.n_conns < self.max_per_host and host.pending is None:
            self._block(host)
        if self._blk_head is not None:
            self._dispatch()

    def _take_stream(self, conn: PoolConnection) -> None:
        """One more request on the multiplexed ``conn`` (which has a free stream)."""
        if conn.state == IDLE:
            self._unlink_idle(conn)
            conn.state = ACTIVE
        conn.n_streams += 1
        if conn.n_streams >= conn.max_streams:
            host = conn.host
            assert host is not None
            self._unlink_avail(host, conn)

    def _release_stream(self, host: Host, conn: PoolConnection, reusable: bool, now: float) -> None:
        if conn.n_streams > 0:
            conn.n_streams -= 1
        if (not reusable or self.closed) and not conn.retired:
            self._retire(conn)
            if conn.n_streams > 0 and host.wait_head is not None:
                self._serve(host)  # they need another connection now
        if conn.retired:
            if conn.n_streams == 0:
                self._drop(conn)
                self._freed(host)
            return
        self._update_avail(conn)
        if host.wait_head is not None:
            # (Only when the stream is usable: the connection is in ``avail`` now.)
            self._serve(host)
        if conn.n_streams == 0 and conn.state == ACTIVE:
            conn.state = IDLE
            conn.idle_since = now
            self._link_idle(host, conn)
            if self.n_idle > self.max_keepalive:
                self._evict_lru()
            if self._blk_head is not None:
                self._dispatch()

    def _retire(self, conn: PoolConnection) -> None:
        conn.retired = True
        if conn.in_avail:
            host = conn.host
            assert host is not None
            self._unlink_avail(host, conn)

    def _update_avail(self, conn: PoolConnection) -> None:
        """Keep ``conn`` (multiplexed) in its origin's ``avail`` list exactly while it can
        take another request."""
        host = conn.host
        assert host is not None
        want = not conn.retired and conn.state != CLOSED and conn.n_streams < conn.max_streams
        if want and not conn.in_avail:
            head = host.avail_head
            conn.avail_prev = None
            conn.avail_next = head
            if head is not None:
                head.avail_prev = conn
            host.avail_head = conn
            conn.in_avail = True
        elif not want and conn.in_avail:
            self._unlink_avail(host, conn)

    def _unlink_avail(self, host: Host, conn: PoolConnection) -> None:
        if not conn.in_avail:
            return
        prev = conn.avail_prev
        nxt = conn.avail_next
        if prev is not None:
            prev.avail_next = nxt
        else:
            host.avail_head = nxt
        if nxt is not None:
            nxt.avail_prev = prev
        conn.avail_prev = conn.avail_next = None
        conn.in_avail = False

    def _assign(self, host: Host, waiter: Waiter, conn: PoolConnection) -> None:
        self._unlink_waiter(host, waiter)
        conn.state = ASSIGNED
        waiter.conn = conn
        waiter.state = W_ASSIGNED
        self.to_wake.append(waiter)

    def _evict_lru(self) -> None:
        conn = self.lru_head
        assert conn is not None
        host = conn.host
        assert host is not None
        self._unlink_idle(conn)
        self._drop(conn)
        if host.wait_head is None:
            self._forget_host(host)

    def _forget_host(self, host: Host) -> None:
        # Drop empty per-origin tables so a crawler of many origins does not grow them.
        if (
            host.n_conns == 0
            and host.wait_head is None
            and not host.blocked
            and self._hosts.get(host.origin) is host
        ):
            del self._hosts[host.origin]

    def _link_idle(self, host: Host, conn: PoolConnection) -> None:
        # A multiplexed connection is found through ``avail``, never the HTTP/1.1 stack.
        if not conn.multiplexed:
            top = host.idle_top
            conn.idle_prev = top
            conn.idle_next = None
            if top is not None:
                top.idle_next = conn
            host.idle_top = conn
        host.n_idle += 1
        tail = self.lru_tail
        conn.lru_prev = tail
        conn.lru_next = None
        if tail is not None:
            tail.lru_next = conn
        else:
            self.lru_head = conn
        self.lru_tail = conn
        self.n_idle += 1

    def _unlink_idle(self, conn: PoolConnection) -> None:
        host = conn.host
        assert host is not None
        if not conn.multiplexed:
            prev = conn.idle_prev
            nxt = conn.idle_next
            if prev is not None:
                prev.idle_next = nxt
            if nxt is not None:
                nxt.idle_prev = prev
            else:
                host.idle_top = prev
            conn.idle_prev = conn.idle_next = None
        host.n_idle -= 1
        prev = conn.lru_prev
        nxt = conn.lru_next
        if prev is not None:
            prev.lru_next = nxt
        else:
            self.lru_head = nxt
        if nxt is not None:
            nxt.lru_prev = prev
        else:
            self.lru_tail = prev
        conn.lru_prev = conn.lru_next = None
        self.n_idle -= 1

    def _push_waiter(self, host: Host, waiter: Waiter) -> None:
        tail = host.wait_tail
        waiter.prev = tail
        waiter.next = None
        if tail is not None:
            tail.next = waiter
        else:
            host.wait_head = waiter
        host.wait_tail = waiter
        host.n_waiting += 1
        self.n_waiting += 1

    def _unlink_waiter(self, host: Host, waiter: Waiter) -> None:
        prev = waiter.prev
        nxt = waiter.next
        if prev is not None:
            prev.next = nxt
        else:
            host.wait_head = nxt
        if nxt is not None:
            nxt.prev = prev
        else:
            host.wait_tail = prev
        waiter.prev = waiter.next = None
        host.n_waiting -= 1
        self.n_waiting -= 1

    def _block(self, host: Host) -> None:
        if host.blocked:
            return
        host.blocked = True
        tail = self._blk_tail
        host.blk_prev = tail
        host.blk_next = None
        if tail is not None:
            tail.blk_next = host
        else:
            self._blk_head = host
        self._blk_tail = host

    def _unblock(self, host: Host) -> None:
        if not host.blocked:
            return
        host.blocked = False
        prev = host.blk_prev
        nxt = host.blk_next
        if prev is not None:
            prev.blk_next = nxt
        else:
            self._blk_head = nxt
        if nxt is not None:
            nxt.blk_prev = prev
        else:
            self._blk_tail = prev
        host.blk_prev = host.blk_next = None


def _limit(value: Optional[int]) -> int:
    return _UNLIMITED if value is None else int(value)
