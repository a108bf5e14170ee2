"""The ``trace`` request extension: ``trace(name, info)`` callbacks, sync or async.

Names are httpcore's (``connection.connect_tcp.started`` ...). Nothing here runs unless a
request carries a trace callback: the drivers test ``trace is None`` first, so the hot path
builds no names, dicts or objects for tracing.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Optional

__all__ = ["atrace", "strace"]

Trace = Callable[[str, Dict[str, Any]], Any]


async def atrace(trace: Trace, name: str, info: Dict[str, Any]) -> None:
    """Call an async or sync trace callback from async code."""
    result = trace(name, info)
    if inspect.isawaitable(result):
        await result


def strace(trace: Trace, name: str, info: Dict[str, Any]) -> None:
    result = trace(name, info)
    if inspect.isawaitable(result):
        # A coroutine function given to a sync client: close it so it does not warn.
        close: Optional[Callable[[], Any]] = getattr(result, "close", None)
        if close is not None:
            close()
        raise TypeError(f"the trace callback for {name} is async; the sync client needs a sync one")
