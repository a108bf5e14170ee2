"""The states of the connection pool's records: a connection slot's (``PoolConnection.state``)
and a waiter's, defined once for the pool's state (``_pool_py``), its records
(``_poolrecords_py``), their compiled twins and the shells. A plain module, never compiled:
every twin binds the values when it loads.
"""

from __future__ import annotations

__all__ = [
    "ACTIVE",
    "ASSIGNED",
    "CLOSED",
    "CONNECTING",
    "IDLE",
    "STATE_NAMES",
    "W_ASSIGNED",
    "W_DONE",
    "W_WAITING",
]

# Connection states (see _pool_py's theory of operation).
CONNECTING = 0
IDLE = 1
ACTIVE = 2
ASSIGNED = 3
CLOSED = 4
STATE_NAMES = ("CONNECTING", "IDLE", "ACTIVE", "ASSIGNED", "CLOSED")

# Waiter states.
W_WAITING = 0
W_ASSIGNED = 1
W_DONE = 2
