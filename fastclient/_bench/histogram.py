"""A log-linear latency histogram in the manner of HdrHistogram, small enough to own.

Why our own rather than the ``hdrhistogram`` package: it is one more dependency for a
command meant to work right after ``pip install .``, its encoded form is opaque in our JSON,
and what we need is small: record integers, add histograms exactly, read percentiles.

Layout. Values are non-negative integers (the engine records nanoseconds). With
``SUB_BITS`` = 11, values below 2**11 each have their own bucket (exact). Above that, each
power-of-two range [2**(11+k-1), 2**(11+k)) is cut into 2**10 equal buckets of width 2**k,
so a bucket is never wider than 1/1024 of the values in it: three significant digits, the
precision HdrHistogram is usually configured with. Values past ``MAX_VALUE`` (about 18
minutes in nanoseconds) are clamped into the last bucket, and counted in ``clamped``.

Merging adds bucket counts; min and max are kept exactly, so the histogram of several
worker processes is the same as if one process had recorded every value.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterator, List, Tuple

__all__ = ["MAX_VALUE", "N_BUCKETS", "SUB_BITS", "Histogram", "bucket_bounds", "bucket_index"]

SUB_BITS = 11
_LINEAR = 1 << SUB_BITS  # values below this have a bucket each
_HALF = _LINEAR >> 1  # buckets per power-of-two range above that
_TOP_BITS = 40
MAX_VALUE = (1 << _TOP_BITS) - 1
N_BUCKETS = _LINEAR + (_TOP_BITS - SUB_BITS) * _HALF


def bucket_index(value: int) -> int:
    """The bucket that holds ``value`` (which must be in 0..MAX_VALUE)."""
    if value < _LINEAR:
        return value
    k = value.bit_length() - SUB_BITS
    return _LINEAR + (k - 1) * _HALF + (value >> k) - _HALF


def bucket_bounds(index: int) -> Tuple[int, int]:
    """The values ``[low, high]`` (both inclusive) that bucket ``index`` holds."""
    if index < _LINEAR:
        return index, index
    k = (index - _LINEAR) // _HALF + 1
    low = ((index - _LINEAR) % _HALF + _HALF) << k
    return low, low + (1 << k) - 1


class Histogram:
    """Counts of recorded values per bucket, plus the exact count, sum, min and max."""

    __slots__ = ("clamped", "counts", "max", "min", "sum", "total")

    def __init__(self) -> None:
        self.counts: List[int] = [0] * N_BUCKETS
        self.total = 0
        self.sum = 0
        self.min = MAX_VALUE
        self.max = 0
        self.clamped = 0

    def record(self, value: int) -> None:
        if value < 0:
            value = 0
        elif value > MAX_VALUE:
            value = MAX_VALUE
            self.clamped += 1
        self.counts[bucket_index(value)] += 1
        self.total += 1
        self.sum += value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value

    def merge(self, other: Histogram) -> None:
        """Add ``other`` into this histogram, exactly."""
        mine = self.counts
        for i, c in enumerate(other.counts):
            if c:
                mine[i] += c
        self.total += other.total
        self.sum += other.sum
        self.clamped += other.clamped
        if other.total:
            self.min = min(self.min, other.min)
            self.max = max(self.max, other.max)

    def value_at(self, percentile: float) -> int:
        """The smallest recorded-bucket value such that ``percentile`` % of values are at or
        below it (reported as the bucket's highest value, clamped to the true min/max)."""
        if not self.total:
            return 0
        if percentile >= 100.0:
            return self.max
        # ceil so that p50 of [1, 2] is 1 and p100 is the max: the HdrHistogram convention.
        rank = max(1, math.ceil(self.total * percentile / 100.0))
        seen = 0
        for i, c in enumerate(self.counts):
            if c:
                seen += c
                if seen >= rank:
                    return min(max(bucket_bounds(i)[1], self.min), self.max)
        return self.max

    def mean(self) -> float:
        return self.sum / self.total if self.total else 0.0

    def stdev(self) -> float:
        """Standard deviation from bucket midpoints (good to the histogram's precision)."""
        if self.total < 2:
            return 0.0
        mean = self.mean()
        acc = 0.0
        for low, high, c in self.buckets():
            mid = (low + high) / 2.0
            acc += c * (mid - mean) ** 2
        return math.sqrt(acc / self.total)

    def buckets(self) -> Iterator[Tuple[int, int, int]]:
        """The non-empty buckets as (low, high, count), in increasing order."""
        for i, c in enumerate(self.counts):
            if c:
                low, high = bucket_bounds(i)
                yield low, high, c

    # -- transport between processes and to JSON -------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """A compact, JSON-ready form that :meth:`from_dict` restores exactly."""
        return {
            "sub_bucket_bits": SUB_BITS,
            "total": self.total,
            "sum": self.sum,
            "min": self.min if self.total else 0,
            "max": self.max,
            "clamped": self.clamped,
            "buckets": [[low, high, c] for low, high, c in self.buckets()],
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Histogram:
        if data.get("sub_bucket_bits") != SUB_BITS:
            raise ValueError("histogram was recorded with a different bucket layout")
        h = cls()
        for low, _high, c in data["buckets"]:
            h.counts[bucket_index(int(low))] += int(c)
        h.total = int(data["total"])
        h.sum = int(data["sum"])
        h.max = int(data["max"])
        h.min = int(data["min"]) if h.total else MAX_VALUE
        h.clamped = int(data.get("clamped", 0))
        if sum(h.counts) != h.total:
            raise ValueError("histogram buckets do not add up to its total")
        return h
