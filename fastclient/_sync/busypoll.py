"""Busy polling: the sync drivers' wait for an answer polls before it sleeps.

A thread that blocks in recv (or select) is put to sleep and woken when the answer comes,
and that sleep and wake-up can take longer than a nearby server takes to answer. Measured
on a 2-core VM against a local nginx, a sequential loop spent about 30 µs per request
asleep-and-woken where a thread that kept polling saw the response after about 20:
34,000 requests/s with polling against 21,000 without, at the same CPU time per request.

So while a connection's last answers came within the budget (``busy_poll`` seconds, 100 µs
by default; 0 turns it off), its wait for the next one polls the socket (poll(0) in a
loop) for up to the budget before it blocks. An answer that takes longer stops the
polling, and a later one that comes within the budget starts it again: a distant or slow
server costs a clock reading per request, and one whose answers cross the budget now and
then costs at most the budget in CPU time each time they do.

Only while one thread makes the process's requests: a thread that polls holds up every
other that has work to do (measured with 4 threads sharing a client: a fifth fewer
requests/s than blocking). A request from another thread than the last one pauses
polling everywhere for ``SHARED`` seconds. And only on the standard library's sockets
(plain or TLS): under gevent a socket is gevent's, whose wait lets other greenlets run,
which polling would hold up.
"""

from __future__ import annotations

import _socket
import select
import threading
import time
from typing import Any, Callable, List, Optional

__all__ = [
    "BUSY_POLL",
    "SHARED",
    "BusyPolled",
    "budget_for",
    "one_thread",
    "poll_until",
    "poller_for",
]

#: How long a wait for an answer polls before it blocks, by default (seconds).
BUSY_POLL = 0.0001
#: How long polling pauses after a request from another thread than the last one.
SHARED = 0.01

_poll = getattr(select, "poll", None)
_monotonic = time.monotonic
_get_ident = threading.get_ident
# The thread that made the last request through a connection that may poll, and until when
# (monotonic) polling pauses because requests came from more than one thread.
_last_thread = 0
_shared_until = 0.0


def budget_for(sock: Any, busy_poll: float) -> float:
    """The budget a connection over ``sock`` polls for: 0.0 where it must not poll."""
    if _poll is None or not isinstance(sock, _socket.socket):
        return 0.0
    return busy_poll


def poller_for(fd: int, events: int) -> Any:
    """A poll object watching ``fd`` for ``events``. It holds only the number (no kernel
    object), so it needs no closing; its owner must not keep it past the descriptor."""
    poller = _poll()  # type: ignore[misc]  # callers poll only where budget_for allowed
    poller.register(fd, events)
    return poller


def one_thread(now: float) -> bool:
    """Note that this thread makes a request at ``now`` (monotonic); True if only this
    thread has for the last SHARED seconds."""
    global _last_thread, _shared_until
    me = _get_ident()
    if me != _last_thread:
        _last_thread = me
        _shared_until = now + SHARED
        return False
    return _shared_until < now


def poll_until(poll: Callable[[int], List[Any]], budget: float, limit: Optional[float]) -> bool:
    """Call ``poll(0)`` until it reports something or ``budget`` seconds (no more than
    ``limit``, if given) have passed; True if it reported in time."""
    if poll(0):
        return True
    if limit is not None and limit < budget:
        budget = limit
    end = _monotonic() + budget
    while not poll(0):
        if _monotonic() >= end:
            return False
    return True


class BusyPolled:
    """The rule above, for a connection of either sync driver: it sets ``_busy_poll`` (its
    budget from budget_for; 0.0 for none) and ``_polling`` (False at first), and says
    how to poll its socket (``_poll_ready``)."""

    _busy_poll: float
    _polling: bool

    def _poll_ready(self, budget: float, limit: Optional[float]) -> bool:
        """Poll for up to ``budget`` seconds (no more than ``limit``); True if the socket
        became readable in time."""
        raise NotImplementedError

    def _before_wait(self, now: float, limit: Optional[float]) -> bool:
        """Before a wait for an answer that starts at ``now`` (monotonic), on a connection
        with a budget: polls for it while the answers come within the budget and this
        thread is alone (``limit``: the most it may poll). True when polling is off: the
        caller then times its blocking wait and passes its start to _timed."""
        alone = one_thread(now)
        if not self._polling:
            return True
        if alone:
            self._polling = self._poll_ready(self._busy_poll, limit)
        return False

    def _timed(self, now: float) -> None:
        """A blocking wait that started at ``now`` got its answer: within the budget,
        polling comes back on."""
        self._polling = _monotonic() - now < self._busy_poll
