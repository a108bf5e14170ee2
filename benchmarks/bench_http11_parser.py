"""Response parsing speed: fastclient's compiled and pure HTTP/1.1 twins against h11 and
httptools (llhttp, in C).

    python benchmarks/bench_http11_parser.py [--rounds 30]
    python -m benchmarks --only http11_parser      # in the suite: one table per case

Two cases, each a whole response in one buffer (what a 64 KiB recv usually delivers):

* ``head``: a typical response head (status line and 10 header fields) plus a 13-byte body;
* ``chunked``: a 64 KiB body in 16 chunks of 4 KiB.

Every parser does the same work: status code and reason, the header list as byte pairs,
the body bytes, completion. For h11 the connection objects (and the request it insists on
being sent first) are made outside the timed region, so only receiving is timed. Each
measurement is the best of several rounds, because this is meant to run on shared machines.
In the suite the measurement runs in a process pinned to the client core, like the clients.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

# Run from a checkout without installing: the repository root holds the package.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._common import Context, Row, make_micro_row, run_python_json  # noqa: E402
from fastclient._impl import twin  # noqa: E402

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
            # The header list as byte pairs, like the others: the parser hands a head's
            # field lines over unsplit, and a consumer splits them (ResponseHead.fields).
            events[0].fields()
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
    import httptools

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
    import h11

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


CASES: List[Tuple[str, bytes]] = [
    ("head: 10 header fields + 13-byte body", HEAD),
    ("chunked: 64 KiB body in 16 chunks of 4 KiB", CHUNKED),
]

# parser name -> the module it needs beyond fastclient ("" for none)
PEERS = {"httptools": "httptools", "h11": "h11"}


def runners() -> Tuple[Dict[str, Runner], List[str]]:
    """The runners whose modules are installed, and the names of those that are not."""
    found: Dict[str, Runner] = {
        "fastclient (compiled)": fastclient_runner("c"),
        "fastclient (pure)": fastclient_runner("py"),
    }
    missing = []
    for name, runner in (("httptools", httptools_runner), ("h11", h11_runner)):
        if importlib.util.find_spec(PEERS[name]) is None:
            missing.append(name)
        else:
            found[name] = runner
    return found, missing


def results(rounds: int) -> Dict[str, Any]:
    """Every case measured: ``{"cases": [{"title", "bytes", "ns": {parser: ns}}], "missing"}``."""
    found, missing = runners()
    cases = []
    for title, data in CASES:
        best = measure(found, data, rounds)
        cases.append(
            {
                "title": title,
                "bytes": len(data),
                "ns": {name: seconds * 1e9 for name, seconds in best.items()},
            }
        )
    return {"cases": cases, "missing": missing, "rounds": rounds}


def run(ctx: Context) -> List[Row]:
    """The suite's entry: one table per case, ns per response and MB/s, fastest first."""
    rounds = 8 if ctx.quick else 30
    got = run_python_json(
        ctx,
        ["-m", "benchmarks.bench_http11_parser", "--json", "--rounds", str(rounds)],
        timeout=300,
    )
    rows: List[Row] = []
    for case in got["cases"]:
        scenario = f"HTTP/1.1 response parsing, {case['title']} ({case['bytes']:,} bytes)"
        for name, ns in case["ns"].items():
            rows.append(
                make_micro_row(
                    scenario,
                    name,
                    round(ns, 1),
                    "ns/response",
                    higher_is_better=False,
                    extra={"MB/s": round(case["bytes"] / ns * 1e3, 1)},
                )
            )
        for name in got["missing"]:
            rows.append(
                make_micro_row(
                    scenario,
                    name,
                    None,
                    "ns/response",
                    higher_is_better=False,
                    note=f"not installed (pip install {PEERS[name]})",
                )
            )
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds per parser (best kept)")
    parser.add_argument("--json", action="store_true", help="one JSON line (for the suite)")
    args = parser.parse_args(argv)
    got = results(args.rounds)
    if args.json:
        print(json.dumps(got))
        return
    for case in got["cases"]:
        base = case["ns"]["fastclient (compiled)"]
        print(
            f"\n{case['title']} ({case['bytes']} bytes per response, best of {args.rounds} rounds)"
        )
        print(f"  {'parser':<24}{'ns/response':>14}{'MB/s':>10}{'vs compiled':>14}")
        for name, ns in case["ns"].items():
            print(f"  {name:<24}{ns:>14,.0f}{case['bytes'] / ns * 1e3:>10,.0f}{ns / base:>13.1f}x")
    for name in got["missing"]:
        print(f"\n(skipped {name}: not installed)")


if __name__ == "__main__":
    main()
