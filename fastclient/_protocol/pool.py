"""The connection pool's sans-IO state (see ``_pool_py`` for the theory of operation).

Re-exports the active twin: compiled ``_pool_c`` or pure ``_pool_py``, chosen once by
``fastclient._impl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _impl

if TYPE_CHECKING:
    from ._pool_py import (
        ACTIVE,
        ASSIGNED,
        CLOSED,
        CONNECTING,
        IDLE,
        STATE_NAMES,
        PoolConnection,
        PoolState,
        Waiter,
    )
else:
    _twin = _impl.load("fastclient._protocol._pool")
    ACTIVE = _twin.ACTIVE
    ASSIGNED = _twin.ASSIGNED
    CLOSED = _twin.CLOSED
    CONNECTING = _twin.CONNECTING
    IDLE = _twin.IDLE
    STATE_NAMES = _twin.STATE_NAMES
    PoolConnection = _twin.PoolConnection
    PoolState = _twin.PoolState
    Waiter = _twin.Waiter

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
