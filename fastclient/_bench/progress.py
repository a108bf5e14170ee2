"""Live progress: one redrawn line on a terminal, a plain line a second otherwise.

It is fed cumulative counts (requests finished, errors, bytes) by the engine's tick timer
(or by the worker pipes) and never blocks the run: writing a line costs about as much as a
handful of requests, a few times a second.
"""

from __future__ import annotations

import time
from typing import Optional, TextIO

__all__ = ["Progress"]

_BAR = 24


class Progress:
    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        total_requests: Optional[int],
        duration: Optional[float],
        tty: Optional[bool] = None,
    ) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty() if tty is None else tty
        self.total = total_requests
        self.duration = duration
        self.t0 = time.monotonic()
        self.last_t = self.t0
        self.last_n = 0
        self.rate = 0.0
        self.last_line = 0.0
        self.drawn = False

    def update(self, requests: int, errors: int, nbytes: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        dt = now - self.last_t
        if dt > 0:
            # The rate over the last interval, lightly smoothed so the line stays readable.
            instant = (requests - self.last_n) / dt
            self.rate = instant if not self.last_n else 0.5 * self.rate + 0.5 * instant
        self.last_t, self.last_n = now, requests
        elapsed = now - self.t0
        if self.tty:
            self._draw(self._text(elapsed, requests, errors, with_bar=True))
        elif now - self.last_line >= 1.0:
            self.last_line = now
            self.stream.write(self._text(elapsed, requests, errors, with_bar=False) + "\n")
            self.stream.flush()

    def _fraction(self, elapsed: float, requests: int) -> Optional[float]:
        if self.total:
            return min(1.0, requests / self.total)
        if self.duration:
            return min(1.0, elapsed / self.duration)
        return None

    def _text(self, elapsed: float, requests: int, errors: int, with_bar: bool) -> str:
        text = (
            f"{elapsed:6.1f} s  {requests:>12,} requests  {self.rate:>10,.0f} req/s"
            f"  {errors:,} errors"
        )
        fraction = self._fraction(elapsed, requests)
        if with_bar and fraction is not None:
            filled = round(fraction * _BAR)
            text = f"[{'#' * filled}{'.' * (_BAR - filled)}] {fraction * 100:3.0f}% " + text
        return text

    def _draw(self, text: str) -> None:
        # \r and "erase line": the line is rewritten in place, never scrolled.
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        """Clear the live line so the report starts on a clean line."""
        if self.enabled and self.tty and self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.drawn = False
