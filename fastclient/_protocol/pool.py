"""The connection pool's sans-IO state (see ``_pool_py`` for the theory of operation).

Re-exports the active twins, compiled ``_pool_c`` and ``_poolrecords_c`` or the pure
``_pool_py`` and ``_poolrecords_py`` (chosen once by ``fastclient._impl``), and the states
of ``_poolstates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _impl
from ._poolstates import ACTIVE, ASSIGNED, CLOSED, CONNECTING, IDLE, STATE_NAMES

if TYPE_CHECKING:
    from ._pool_py import PoolState
    from ._poolrecords_py import PoolConnection, Waiter
else:
    _records = _impl.load("fastclient._protocol._poolrecords")
    PoolConnection = _records.PoolConnection
    PoolState = _impl.load("fastclient._protocol._pool").PoolState
    Waiter = _records.Waiter

__all__ = [
    "ACTIVE",
    "ASSIGNED",
    "CLOSED",
    "CONNECTING",
    "IDLE",
    "STATE_NAMES",
    "PoolConnection",
    "PoolState",
    "Waiter",
]
