"""The final report: a few lines of numbers, a latency histogram drawn in text, and JSON.

Latencies are recorded in nanoseconds and shown with three significant digits in the unit
that suits them (µs, ms or s); the JSON keeps integers in nanoseconds and the whole
histogram, so that runs can be compared or merged later without loss.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Optional, Tuple

from .histogram import Histogram
from .plan import Outcome

__all__ = ["PERCENTILES", "RunInfo", "draw_histogram", "format_ns", "render", "to_json"]

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
_ROWS = 14
_WIDTH = 40
_EIGHTHS = " ▏▎▍▌▋▊▉█"


class RunInfo:
    """What was asked for, shown in the report's head and the JSON."""

    def __init__(
        self,
        *,
        url: str,
        embedded: bool,
        connections: int,
        workers: int,
        requests: Optional[int],
        duration: Optional[float],
        rate: Optional[float],
        method: str,
        http2: bool,
        loop: str,
        implementation: str,
    ) -> None:
        self.url = url
        self.embedded = embedded
        self.connections = connections
        self.workers = workers
        self.requests = requests
        self.duration = duration
        self.rate = rate
        self.method = method
        self.http2 = http2
        self.loop = loop
        self.implementation = implementation


def format_ns(ns: float) -> str:
    """Three significant digits in µs, ms or s."""
    if ns < 1_000_000:
        value, unit = ns / 1e3, "µs"
    elif ns < 1_000_000_000:
        value, unit = ns / 1e6, "ms"
    else:
        value, unit = ns / 1e9, "s"
    if value >= 100:
        return f"{value:.0f} {unit}"
    if value >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.2f} {unit}"


def _format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1000
    return f"{n:.2f} GB"  # pragma: no cover - the loop always returns


def draw_histogram(h: Histogram, rows: int = _ROWS, width: int = _WIDTH) -> List[str]:
    """Rows of ``range | bar | share``. Bins are spaced logarithmically from the minimum
    to p99.9 (linearly when that range is narrow); slower values share one last row, so
    that a few outliers do not squash everything else into the first bin."""
    if not h.total:
        return []
    low = max(1, h.min)
    high = max(h.value_at(99.9), low + 1)
    logarithmic = high / low > 8
    edges: List[float] = []
    for i in range(rows + 1):
        t = i / rows
        edges.append(low * (high / low) ** t if logarithmic else low + (high - low) * t)
    counts = [0] * rows
    over = 0
    for b_low, b_high, c in h.buckets():
        mid = (b_low + b_high) / 2
        if mid > high:
            over += c
            continue
        if logarithmic:
            idx = int(math.log(max(mid, low) / low) / math.log(high / low) * rows)
        else:
            idx = int((mid - low) / (high - low) * rows)
        counts[min(max(idx, 0), rows - 1)] += c
    lines: List[Tuple[str, int]] = [
        (f"{format_ns(edges[i]):>9} - {format_ns(edges[i + 1]):<9}", counts[i]) for i in range(rows)
    ]
    if over:
        lines.append((f"{'>':>9}   {format_ns(high):<9}", over))
    peak = max(c for _, c in lines) or 1
    out = []
    for label, c in lines:
        eighths = round(c / peak * width * 8)
        bar = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
        out.append(f"  {label} |{bar:<{width}}| {100.0 * c / h.total:5.1f}%")
    return out


def render(outcome: Outcome, info: RunInfo) -> str:
    h = outcome.histogram
    elapsed = outcome.elapsed or 1e-9
    where = "embedded server" if info.embedded else info.url
    bound = (
        f"{info.requests:,} requests"
        if info.requests is not None
        else f"{info.duration:g} s"
        if info.duration is not None
        else "unbounded"
    )
    model = f"open model at {info.rate:,.0f} req/s" if info.rate else "closed model"
    lines = [
        f"fastclient bench {info.method} {where}" + (f" ({info.url})" if info.embedded else ""),
        f"  {info.connections} connections, {outcome.workers} worker"
        f"{'s' if outcome.workers != 1 else ''}, {bound}, {model},"
        f" {'HTTP/2' if info.http2 else 'HTTP/1.1'}, {info.loop}, {info.implementation}",
    ]
    if outcome.interrupted:
        lines.append("  interrupted: the numbers below cover what ran until then")
    rps = outcome.requests / elapsed
    lines += [
        "",
        f"  Requests      {outcome.requests:,} in {outcome.elapsed:.2f} s = {rps:,.0f} req/s",
        f"  Transfer      {_format_bytes(outcome.bytes_read)} read"
        f" = {_format_bytes(outcome.bytes_read / elapsed)}/s"
        # The HTTP/2 engine counts the response bodies, not the frames around them.
        + (" (response bodies)" if outcome.engine == "HTTP/2 pool" else ""),
    ]
    if outcome.requests:
        lines.append(
            f"  CPU           {outcome.cpu:.2f} s = {1e6 * outcome.cpu / outcome.requests:.1f}"
            " µs per request"
        )
    statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(outcome.statuses.items()))
    lines.append(f"  Status codes  {statuses or 'none'}")
    if outcome.errors:
        lines.append(f"  Errors        {outcome.error_count:,}")
        for name, n in sorted(outcome.errors.items(), key=lambda kv: -kv[1]):
            sample = outcome.error_samples.get(name, "")
            lines.append(f"    {name:<22} {n:>10,}  {_shorten(sample)}")
    else:
        lines.append("  Errors        none")
    if h.total:
        pcts = "  ".join(f"p{p:g} {format_ns(h.value_at(p))}" for p in PERCENTILES)
        lines += [
            "",
            f"  Latency       {pcts}  max {format_ns(h.max)}",
            f"                min {format_ns(h.min)}  mean {format_ns(h.mean())}"
            f"  stdev {format_ns(h.stdev())}"
            + ("  (from intended start times)" if info.rate else ""),
            "",
            *draw_histogram(h),
        ]
    return "\n".join(lines) + "\n"


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_json(outcome: Outcome, info: RunInfo) -> Dict[str, Any]:
    h = outcome.histogram
    elapsed = outcome.elapsed or 1e-9
    latency: Dict[str, Any] = {"unit": "ns", "count": h.total}
    if h.total:
        latency.update(
            {f"p{p:g}": h.value_at(p) for p in PERCENTILES},
            min=h.min,
            max=h.max,
            mean=h.mean(),
            stdev=h.stdev(),
        )
    return {
        "url": info.url,
        "embedded_server": info.embedded,
        "method": info.method,
        "http2": info.http2,
        "connections": info.connections,
        "workers": outcome.workers,
        "requested": {"requests": info.requests, "duration_s": info.duration, "rate": info.rate},
        "interrupted": outcome.interrupted,
        "elapsed_s": outcome.elapsed,
        "requests": outcome.requests,
        "responses": outcome.responses,
        "errors": dict(sorted(outcome.errors.items())),
        "error_samples": dict(sorted(outcome.error_samples.items())),
        "status_codes": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "bytes_read": outcome.bytes_read,
        "req_per_s": outcome.requests / elapsed,
        "bytes_per_s": outcome.bytes_read / elapsed,
        "cpu_s": outcome.cpu,
        "cpu_us_per_req": 1e6 * outcome.cpu / outcome.requests if outcome.requests else None,
        "latency": latency,
        "histogram": h.to_dict(),
        "loop": info.loop,
        "implementation": info.implementation,
    }


def write_json(path: str, outcome: Outcome, info: RunInfo) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(to_json(outcome, info), f, indent=1)
        f.write("\n")
