"""What the response streams of both pools share: a body either held whole in memory (it
arrived with its head, so nothing is held on the connection for it) or read live, and
the hand-over of a held body to the client's read in one step (``_take_whole``)."""

from __future__ import annotations

from typing import Any, List, Optional

__all__ = ["HeldBody", "PoolBody"]


class HeldBody:
    """``_body``: the chunks of a body held whole, or None while it is read live."""

    # No __slots__ here: the concrete streams name theirs (one layout per class).

    _body: Optional[List[bytes]]
    _consumed: bool

    def _take_whole(self) -> Optional[List[bytes]]:
        body = self._body
        if body is None or self._consumed:
            return None
        self._consumed = True
        self._body = None
        return body


class PoolBody(HeldBody):
    """An HTTP/1.1 response body: held whole (``body``), or live on ``conn``, a
    PoolConnection of ``pool``, read within ``read_timeout`` and traced to ``trace``."""

    _pool: Any
    _conn: Any
    _read_timeout: Optional[float]
    _trace: Any

    def __init__(
        self,
        body: Optional[List[bytes]],
        pool: Any = None,
        conn: Any = None,
        read_timeout: Optional[float] = None,
        trace: Any = None,
    ) -> None:
        self._body = body
        self._pool = pool
        self._conn = conn
        self._read_timeout = read_timeout
        self._consumed = False
        self._trace = trace
