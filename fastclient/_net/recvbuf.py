"""One receive buffer per thread for the asyncio drivers' BufferedProtocols.

The event loop calls a protocol's get_buffer, receives into it, and calls buffer_updated
straight after, in its own thread: no two connections served by one thread can be inside
that pair at once, so they can all share the thread's buffer. A plain Protocol instead
makes asyncio's selector loop allocate a 256 KiB object for every recv and shrink it to
size, which glibc may serve with mmap and mremap: system calls on every read.
"""

from __future__ import annotations

import threading
from typing import Optional

__all__ = ["RECV_SIZE", "receive_buffer"]

RECV_SIZE = 256 * 1024
_per_thread = threading.local()


def receive_buffer() -> memoryview:
    """This thread's receive buffer."""
    view: Optional[memoryview] = getattr(_per_thread, "view", None)
    if view is None:
        view = _per_thread.view = memoryview(bytearray(RECV_SIZE))
    return view
