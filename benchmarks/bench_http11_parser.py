"""Response parsing speed: fastclient's compiled and pure HTTP/1.1 twins against h11 and
httptools (llhttp, in C).

    python benchmarks/bench_http11_parser.py [--quick]

Two cases, each a whole response in one buffer (what a 64 KiB recv usually delivers):

* ``head``: a typical response head (status line and 10 header fields) plus a 13-byte body;
* ``chunked``: a 64 KiB body in 16 chunks of 4 KiB.

Every parser does the same work: status code and reason, the header list as byte pairs,
the body bytes, completion. For h11 the connection objects (and the request it insists on
being sent first) are made outside the timed region, so only receiving is timed. Each
measurement is the best of several rounds, because this is meant to run on shared machines.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import h11
import httptools

# Run from a checkout without installing: the repository root holds the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastclient._impl import twin

HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Mon, 27 Jul 2009 12:28:53 GMT\r\n"
    b"Server: Apache/2.2.14 (Win32)\r\n"
    b"Last-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Cache-Control: max-age=3600, public\r\n"
    b'ETag: "34aa387-d-1568eb00"\r\n'
    b"Vary: Accept-Encoding\r\n"
    b"X-Request-Id: 4f9c2a7e-1b3d-4c5e-8f6a-9b0c1d2e3f4a\r\n"
    b"Connection: keep-alive\r\n"
    b"Content-Length: 13\r\n"
    b"\r\n"
    b"Hello, World!"
)

CHUNK = bytes(range(256)) * 16  # 4 KiB
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
    + b"".join(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) for _ in range(16))
    + b"0\r\n\r\n"
)

Runner = Callable[[bytes, int], float]  # (response, repetitions) -> seconds


def fastclient_runner(which: str) -> Runner:
    module = twin("fastclient._protocol._http11", which)

    def run(data: bytes, n: int) -> float:
        parser = module.ResponseParser()
        start = time.perf_counter()
        for _ in range(n):
            parser.start_response(b"GET")
            events = parser.feed(data)
        elapsed = time.perf_counter() - start
        assert parser.complete and parser.keep_alive, events
        return elapsed

    return run


class _Collector:
    """httptools callbacks gathering what the other parsers return."""

    def __init__(self) -> None:
        self.headers: List[Tuple[bytes, bytes]] = []
        self.body: List[bytes] = []
        self.reason = b""
        self.done = False

    def on_status(self, reason: bytes) -> None:
        self.reason = reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


def httptools_runner(data: bytes, n: int) -> float:
    collector = _Collector()
    parser = httptools.HttpResponseParser(collector)
    start = time.perf_counter()
    for _ in range(n):
        collector.headers = []
        collector.body = []
        parser.feed_data(data)
        parser.get_status_code()
        b"".join(collector.body)
    elapsed = time.perf_counter() - start
    assert collector.done
    return elapsed


def h11_runner(data: bytes, n: int) -> float:
    conns = []
    for _ in range(n):
        conn = h11.Connection(h11.CLIENT)
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "example.com")]))
        conn.send(h11.EndOfMessage())
        conns.append(conn)
    start = time.perf_counter()
    for conn in conns:
        conn.receive_data(data)
        while True:
            event = conn.next_event()
            if type(event) is h11.EndOfMessage:
                break
            if event is h11.NEED_DATA:
                raise AssertionError("h11 wanted more data")
    return time.perf_counter() - start


def calibrate(runner: Runner, data: bytes, target: float) -> int:
    """Repetitions that take about `target` seconds."""
    n = 1
    while True:
        elapsed = runner(data, n)
        if elapsed >= target / 4 or n >= 1 << 20:
            return max(1, int(n * target / max(elapsed, 1e-9)))
        n *= 4


def measure(runners: Dict[str, Runner], data: bytes, rounds: int) -> Dict[str, float]:
    """Best time per response (seconds) of each runner. Rounds are short and interleaved,
    so that on a busy machine every parser gets the same chances of an undisturbed round."""
    reps = {name: calibrate(run, data, 0.01) for name, run in runners.items()}
    best = dict.fromkeys(runners, float("inf"))
    for _ in range(rounds):
        for name, run in runners.items():
            gc.collect()
            best[name] = min(best[name], run(data, reps[name]) / reps[name])
    return best


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds per parser (best kept)")
    args = parser.parse_args(argv)
    runners: Dict[str, Runner] = {
        "fastclient (compiled)": fastclient_runner("c"),
        "fastclient (pure)": fastclient_runner("py"),
        "httptools": httptools_runner,
        "h11": h11_runner,
    }
    cases: List[Tuple[str, bytes]] = [
        ("head: 10 header fields + 13-byte body", HEAD),
        ("chunked: 64 KiB body in 16 chunks of 4 KiB", CHUNKED),
    ]
    for title, data in cases:
        best = measure(runners, data, args.rounds)
        base = best["fastclient (compiled)"]
        print(f"\n{title} ({len(data)} bytes per response, best of {args.rounds} rounds)")
        print(f"  {'parser':<24}{'ns/response':>14}{'MB/s':>10}{'vs compiled':>14}")
        for name, seconds in best.items():
            print(
                f"  {name:<24}{seconds * 1e9:>14,.0f}{len(data) / seconds / 1e6:>10,.0f}"
                f"{seconds / base:>13.1f}x"
            )


if __name__ == "__main__":
    main()
