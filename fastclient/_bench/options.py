"""Command-line options of ``fastclient bench``: parsing and validation.

Every bad value becomes a one-line message and exit status 2 (argparse's convention for
usage errors), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import List, NoReturn, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

__all__ = [
    "BenchOptions",
    "UsageError",
    "apply_url",
    "default_workers",
    "parse_args",
    "parse_duration",
    "usable_cores",
]

DEFAULT_DURATION = 5.0
DEFAULT_CONCURRENCY = 64
DEFAULT_TIMEOUT = 10.0

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h)?\s*$")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class UsageError(Exception):
    """A bad option value; the message is shown as is."""


class BenchOptions:
    """The validated options. ``url`` is None when the embedded server is to be used."""

    def __init__(self) -> None:
        self.url: Optional[str] = None
        self.scheme = "http"
        self.host = "127.0.0.1"
        self.port = 0
        self.target = "/"
        self.host_header = ""
        self.concurrency = DEFAULT_CONCURRENCY
        self.requests: Optional[int] = None
        self.duration: Optional[float] = DEFAULT_DURATION
        self.method = "GET"
        self.headers: List[Tuple[str, str]] = []
        self.body: Optional[bytes] = None
        self.http2 = False
        self.insecure = False
        self.timeout = DEFAULT_TIMEOUT
        self.rate: Optional[float] = None
        self.workers: Optional[int] = None  # None: chosen from the cores (see cli)
        self.json_path: Optional[str] = None
        self.progress = True
        self.replay = False


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="fastclient bench",
        description=(
            "HTTP load generator. Without a URL, starts an embedded local server and "
            "measures against it (no network needed)."
        ),
        epilog=(
            "Exit status: 0 when every request got a response, 1 when any failed (errors "
            "are counted by exception class in the report), 2 for bad options, 130 when "
            "interrupted (the report of what ran is still printed)."
        ),
    )
    p.add_argument("url", nargs="?", help="http:// or https:// URL (default: embedded server)")
    p.add_argument(
        "-c",
        "--concurrency",
        default=str(DEFAULT_CONCURRENCY),
        help="connections kept busy (default %(default)s)",
    )
    p.add_argument("-n", "--requests", help="total number of requests")
    p.add_argument(
        "-d", "--duration", help="run time, e.g. 10s, 500ms, 2m (default 5s unless -n is given)"
    )
    p.add_argument("-m", "--method", default="GET", help="request method (default GET)")
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header (repeatable)",
    )
    body = p.add_mutually_exclusive_group()
    body.add_argument("--body", help="request body (text)")
    body.add_argument("--body-file", help="request body read from a file")
    p.add_argument(
        "--http2",
        action="store_true",
        help="HTTP/2 (h2 over TLS, h2c with prior knowledge on http://)",
    )
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument(
        "--timeout",
        default=str(DEFAULT_TIMEOUT),
        help="seconds allowed per connect and per response (default %(default)s)",
    )
    p.add_argument(
        "--rate",
        help="open model: requests per second started on schedule, "
        "latency measured from each request's intended start",
    )
    p.add_argument(
        "-w",
        "--workers",
        help="worker processes (default: one per core, less one core for the "
        "embedded server when it runs)",
    )
    p.add_argument(
        "--json",
        dest="json_path",
        metavar="FILE",
        help="write the results, with the full latency histogram, as JSON",
    )
    p.add_argument("--no-progress", action="store_true", help="no live progress output")
    p.add_argument(
        "--replay",
        action="store_true",
        help="recognise a response identical, byte for byte, to the last one parsed "
        "without parsing it again (measures the server, not the client's parsing; "
        "off by default so every response is parsed and validated)",
    )
    return p


def parse_duration(text: str) -> float:
    m = _DURATION.match(text)
    if not m:
        raise UsageError(f"invalid duration {text!r} (examples: 10s, 500ms, 2m, 1.5)")
    value = float(m.group(1))
    scale = {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0, "h": 3600.0}[m.group(2)]
    seconds = value * scale
    if seconds <= 0:
        raise UsageError(f"duration must be positive, not {text!r}")
    return seconds


def _positive_int(name: str, text: str, limit: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{name} must be a whole number, not {text!r}") from None
    if value < 1 or value > limit:
        raise UsageError(f"{name} must be between 1 and {limit}, not {value}")
    return value


def _positive_float(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name} must be a number, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise UsageError(f"{name} must be a positive number, not {text!r}")
    return value


def apply_url(opts: BenchOptions, url: str) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"invalid URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"invalid URL {url!r}: the scheme must be http or https")
    if not parts.hostname:
        raise UsageError(f"invalid URL {url!r}: no host")
    if any(c in url for c in " \r\n\t"):
        raise UsageError(f"invalid URL {url!r}: whitespace is not allowed")
    try:
        hostname = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise UsageError(f"invalid URL {url!r}: bad host name") from None
    opts.url = url
    opts.scheme = parts.scheme
    opts.host = hostname
    default_port = 443 if parts.scheme == "https" else 80
    opts.port = port if port is not None else default_port
    # Percent-encode what may not appear raw in a request line (spaces were refused above).
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    opts.target = path + (f"?{query}" if query else "")
    host = hostname if ":" not in hostname else f"[{hostname}]"
    opts.host_header = host if port in (None, default_port) else f"{host}:{port}"


def parse_args(argv: Sequence[str]) -> BenchOptions:
    ns = _build_parser().parse_args(list(argv))
    opts = BenchOptions()
    if ns.url is not None:
        apply_url(opts, ns.url)
    opts.concurrency = _positive_int("--concurrency", ns.concurrency, 100_000)
    if ns.requests is not None and ns.duration is not None:
        raise UsageError("give -n/--requests or -d/--duration, not both")
    if ns.requests is not None:
        opts.requests = _positive_int("--requests", ns.requests, 10**12)
        opts.duration = None
    elif ns.duration is not None:
        opts.duration = parse_duration(ns.duration)
    if not _TOKEN.match(ns.method):
        raise UsageError(f"invalid method {ns.method!r}")
    opts.method = ns.method.upper()
    for raw in ns.header:
        name, sep, value = raw.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _TOKEN.match(name):
            raise UsageError(f"invalid header {raw!r} (expected 'Name: value')")
        if any(c in value for c in "\r\n\0"):
            raise UsageError(f"invalid header {raw!r}: control characters in the value")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise UsageError(f"invalid header {raw!r}: not latin-1 text") from None
        opts.headers.append((name, value))
    if ns.body is not None:
        opts.body = ns.body.encode("utf-8")
    elif ns.body_file is not None:
        try:
            with open(ns.body_file, "rb") as f:
                opts.body = f.read()
        except OSError as exc:
            raise UsageError(f"cannot read --body-file {ns.body_file!r}: {exc.strerror}") from None
    opts.http2 = ns.http2
    opts.insecure = ns.insecure
    opts.timeout = _positive_float("--timeout", ns.timeout)
    if ns.rate is not None:
        opts.rate = _positive_float("--rate", ns.rate)
    if ns.workers is not None:
        opts.workers = _positive_int("--workers", ns.workers, 1024)
    opts.json_path = ns.json_path
    opts.progress = not ns.no_progress
    opts.replay = ns.replay
    return opts


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_workers(embedded: bool) -> int:
    """One worker per core; when the embedded server runs here, it gets a core of its own
    (a load generator sharing a core with its server measures the scheduler, not either).
    """
    cores = usable_cores()
    return max(1, cores - 1) if embedded else cores
