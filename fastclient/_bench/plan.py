"""What one worker is asked to do (Plan) and what it reports back (Outcome).

Both cross a process boundary (the ``spawn`` start method pickles them), so they hold only
plain values; the histogram travels as its compact dict form.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

from .histogram import Histogram

__all__ = ["Outcome", "Plan"]


class Plan:
    """One worker's share of the load. ``requests``/``rate`` are this worker's share."""

    def __init__(
        self,
        *,
        url: str,
        host: str,
        port: int,
        tls: bool,
        insecure: bool,
        request: bytes,
        method: bytes,
        connections: int,
        requests: Optional[int],
        duration: Optional[float],
        rate: Optional[float],
        timeout: float,
        http2: bool = False,
        headers: Optional[List[List[str]]] = None,
        body: bytes = b"",
        progress_interval: float = 0.25,
        replay: bool = False,
    ) -> None:
        self.url = url
        self.host = host
        self.port = port
        self.tls = tls
        self.insecure = insecure
        self.request = request  # the whole serialised request: head and body
        self.method = method
        self.connections = connections
        self.requests = requests
        self.duration = duration
        self.rate = rate
        self.timeout = timeout
        self.http2 = http2
        self.headers = headers or []  # for the HTTP/2 engine, which builds its own request
        self.body = body
        self.progress_interval = progress_interval
        # Recognise a response identical to the last one parsed instead of parsing it
        # again (engine.py explains why that is exact).
        self.replay = replay

    def share(self, connections: int, requests: Optional[int], rate: Optional[float]) -> Plan:
        """A copy for one worker, with its part of the connections, requests and rate."""
        part = copy.copy(self)
        part.connections = connections
        part.requests = requests
        part.rate = rate
        return part


class Outcome:
    """What a run produced. Several merge exactly into one (see :meth:`merge`)."""

    def __init__(self) -> None:
        self.requests = 0  # finished attempts: responses plus errors
        self.responses = 0
        self.errors: Dict[str, int] = {}
        self.error_samples: Dict[str, str] = {}  # one message per exception class
        self.statuses: Dict[int, int] = {}
        self.bytes_read = 0
        self.elapsed = 0.0  # seconds from the first connection attempt to the end
        self.cpu = 0.0  # CPU seconds (user + system) the process spent on the run
        self.histogram = Histogram()
        self.interrupted = False
        self.workers = 1
        self.engine = ""

    def add_error(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.errors[name] = self.errors.get(name, 0) + 1
        if name not in self.error_samples:
            self.error_samples[name] = str(exc) or name
        self.requests += 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def merge(self, other: Outcome) -> None:
        self.requests += other.requests
        self.responses += other.responses
        for name, n in other.errors.items():
            self.errors[name] = self.errors.get(name, 0) + n
        for name, text in other.error_samples.items():
            self.error_samples.setdefault(name, text)
        for code, n in other.statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + n
        self.bytes_read += other.bytes_read
        # Workers run side by side from one start signal: the run lasts as long as the
        # slowest of them, and their CPU time adds up.
        self.elapsed = max(self.elapsed, other.elapsed)
        self.cpu += other.cpu
        self.histogram.merge(other.histogram)
        self.interrupted = self.interrupted or other.interrupted
        self.engine = self.engine or other.engine

    def to_wire(self) -> Dict[str, Any]:
        return {
            "requests": self.requests,
            "responses": self.responses,
            "errors": dict(self.errors),
            "error_samples": dict(self.error_samples),
            "statuses": dict(self.statuses),
            "bytes_read": self.bytes_read,
            "elapsed": self.elapsed,
            "cpu": self.cpu,
            "histogram": self.histogram.to_dict(),
            "interrupted": self.interrupted,
            "engine": self.engine,
        }

    @classmethod
    def from_wire(cls, data: Dict[str, Any]) -> Outcome:
        out = cls()
        out.requests = int(data["requests"])
        out.responses = int(data["responses"])
        out.errors = {str(k): int(v) for k, v in data["errors"].items()}
        out.error_samples = {str(k): str(v) for k, v in data["error_samples"].items()}
        out.statuses = {int(k): int(v) for k, v in data["statuses"].items()}
        out.bytes_read = int(data["bytes_read"])
        out.elapsed = float(data["elapsed"])
        out.cpu = float(data["cpu"])
        out.histogram = Histogram.from_dict(data["histogram"])
        out.interrupted = bool(data["interrupted"])
        out.engine = str(data["engine"])
        return out
