# cython: annotation_typing=False
# (annotations are for mypy and readers; the C types come only from the .pxd)
"""The records the connection pool's tables link: a connection slot, a waiting request,
and one origin's tables (their states are defined in ``_poolstates``).

A twin of its own: plain Python here, compiled by Cython with the C types of
``src_c/fastclient/_protocol/_poolrecords_c.pxd`` into ``_poolrecords_c``. The pool's state
(``_pool_py``, see its theory of operation) links and counts these; the compiled pool
cimports the compiled classes, so every link it walks is a C pointer. No logic lives here:
a record is fields, and only PoolState changes them (the shells read a connection's state
and handle, and set its handle and a waiter's token).
"""

from __future__ import annotations

from typing import Any, Optional

from fastclient._protocol._poolstates import CONNECTING, STATE_NAMES, W_WAITING

__all__ = ["Host", "PoolConnection", "Waiter"]


class PoolConnection:
    """One connection slot as the pool sees it; ``handle`` is the shell's connection."""

    def __init__(self, conn_id: int, origin: Any, host: Host) -> None:
        self.conn_id = conn_id
        self.origin = origin
        self.state = CONNECTING
        # The shell's connection object; the pool only carries it.
        self.handle: Any = None
        # True once the shell reported the connection open (see PoolState.connected).
        self.established = False
        self.idle_since = 0.0
        self.host: Optional[Host] = host
        self.idle_prev: Optional[PoolConnection] = None
        self.idle_next: Optional[PoolConnection] = None
        self.lru_prev: Optional[PoolConnection] = None
        self.lru_next: Optional[PoolConnection] = None
        # Multiplexed (HTTP/2) connections only: requests on it, the peer's limit, and
        # membership of the origin's list of connections with a free stream.
        self.multiplexed = False
        self.retired = False
        self.n_streams = 0
        self.max_streams = 1
        self.in_avail = False
        self.avail_prev: Optional[PoolConnection] = None
        self.avail_next: Optional[PoolConnection] = None

    def __repr__(self) -> str:
        return f"<PoolConnection #{self.conn_id} {STATE_NAMES[self.state]} {self.origin!r}>"


class Waiter:
    """A request waiting for a connection of ``origin``; ``token`` is the shell's wake-up."""

    def __init__(self, origin: Any, host: Host) -> None:
        self.origin = origin
        self.token: Any = None
        self.conn: Optional[PoolConnection] = None
        self.state = W_WAITING
        self.host: Optional[Host] = host
        self.prev: Optional[Waiter] = None
        self.next: Optional[Waiter] = None

    @property
    def waiting(self) -> bool:
        return self.state == W_WAITING

    def __repr__(self) -> str:
        return f"<Waiter {self.origin!r} state={self.state} conn={self.conn!r}>"


class Host:
    """Per-origin tables."""

    def __init__(self, origin: Any, share: bool) -> None:
        self.origin = origin
        # HTTP/2 may be spoken here: open one connection at a time until it is known.
        self.share = share
        self.pending: Optional[PoolConnection] = None  # that one connection, while opening
        self.avail_head: Optional[PoolConnection] = None  # multiplexed, with a free stream
        self.n_conns = 0  # every non-CLOSED connection of this origin
        self.n_idle = 0
        self.n_waiting = 0
        self.idle_top: Optional[PoolConnection] = None  # stack top (most recently idle)
        self.wait_head: Optional[Waiter] = None
        self.wait_tail: Optional[Waiter] = None
        # Membership in PoolState's FIFO of origins blocked by the global limit.
        self.blocked = False
        self.blk_prev: Optional[Host] = None
        self.blk_next: Optional[Host] = None
