"""Benchmark: bounded content decoders and the two twins of JSON encoding detection.

    python benchmarks/bench_decoders.py [--repeat N]
    python -m benchmarks --only decoders           # in the suite, pinned to the client core

Decoder throughput is MB/s of *decoded* output for a ~1 MiB JSON-ish body fed in
64 KiB network-sized pieces, next to the library's own one-shot decompression of the
same bytes: the difference is the price of bounded output (extra calls, re-cutting).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import random
import sys
import timeit
import zlib
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a file from a checkout: the package is at the root
    sys.path.insert(0, ROOT)

from benchmarks._common import Context, Row, make_micro_row, run_python_json  # noqa: E402
from fastclient._impl import twin  # noqa: E402
from fastclient._protocol.decoders import make_decoder  # noqa: E402

MB = 1_000_000
PIECE = 65536


def json_body(size: int = 1 << 20) -> bytes:
    rnd = random.Random(1)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"epsilon", b"zeta"]
    out = bytearray(b"[")
    i = 0
    while len(out) < size:
        out += b'{"id": %d, "name": "%s", "score": %d, "tags": ["%s", "%s"]}, ' % (
            i,
            rnd.choice(words),
            rnd.getrandbits(20),
            rnd.choice(words),
            rnd.choice(words),
        )
        i += 1
    return bytes(out[: size - 1] + b"]")


def best_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def decode_all(coding: str, encoded: bytes) -> int:
    decoder = make_decoder([coding])
    total = 0
    for start in range(0, len(encoded), PIECE):
        for piece in decoder.decode(encoded[start : start + PIECE]):
            total += len(piece)
    for piece in decoder.flush():
        total += len(piece)
    return total


# coding -> the module its compressor needs (gzip and deflate need only zlib)
NEEDS = {"br": "brotli", "zstd": "zstandard"}


def _codecs(body: bytes) -> Dict[str, Tuple[bytes, Callable[[bytes], bytes]]]:
    """(encoded body, one-shot decompressor) per coding whose module is installed."""
    cases: Dict[str, Tuple[bytes, Callable[[bytes], bytes]]] = {
        "gzip": (gzip.compress(body, 6), lambda b: zlib.decompress(b, 31)),
        "deflate": (zlib.compress(body, 6), zlib.decompress),
    }
    if importlib.util.find_spec("brotli") is not None:
        import brotli

        cases["br"] = (brotli.compress(body, quality=5), brotli.decompress)
    if importlib.util.find_spec("zstandard") is not None:
        import zstandard

        cases["zstd"] = (
            zstandard.ZstdCompressor(level=3).compress(body),
            zstandard.ZstdDecompressor().decompress,
        )
    return cases


def bench_decoders(repeat: int) -> List[Tuple[str, int, float, float]]:
    body = json_body()
    rows = []
    for coding, (encoded, one_shot) in _codecs(body).items():
        assert decode_all(coding, encoded) == len(body)
        ours = best_seconds(lambda c=coding, e=encoded: decode_all(c, e), repeat)
        lib = best_seconds(lambda f=one_shot, e=encoded: f(e), repeat)
        rows.append((coding, len(encoded), len(body) / ours / MB, len(body) / lib / MB))
    return rows


def bench_jsonenc(repeat: int, number: int = 200_000) -> List[Tuple[str, float, float]]:
    py = twin("fastclient._protocol._jsonenc", "py").guess_json_utf
    c = twin("fastclient._protocol._jsonenc", "c").guess_json_utf
    samples = {
        "utf-8 object": b'{"id": 1, "name": "x"}',
        "utf-16-le": '{"id": 1}'.encode("utf-16-le"),
        "utf-32 BOM": '{"id": 1}'.encode("utf-32"),
    }
    rows = []
    for label, data in samples.items():
        assert py(data) == c(data)
        t_py, t_c = (
            min(timeit.repeat("f(d)", globals={"f": f, "d": data}, number=number, repeat=repeat))
            / number
            for f in (py, c)
        )
        rows.append((label, t_py * 1e9, t_c * 1e9))
    return rows


DECODERS = f"content decoders, 1 MiB JSON-ish body fed in {PIECE // 1024} KiB pieces"
JSONENC = "guess_json_utf, compiled and pure twins (ns per call from Python)"


def run(ctx: Context) -> List[Row]:
    """The suite's entry: two tables (decoders in MB/s, the JSON-encoding twins in ns)."""
    repeat, number = (3, 50_000) if ctx.quick else (7, 200_000)
    got = run_python_json(
        ctx,
        [
            "-m",
            "benchmarks.bench_decoders",
            "--json",
            "--repeat",
            str(repeat),
            "--number",
            str(number),
        ],
        timeout=300,
    )
    rows: List[Row] = []
    for coding, size, ours, lib in got["decoders"]:
        # Rows of different codings are not comparable, hence no "relative" column; the
        # ratio to the library's own one-shot call is the price of bounded output.
        rows.append(
            make_micro_row(
                DECODERS,
                coding,
                round(ours, 1),
                "fastclient MB/s",
                higher_is_better=None,
                extra={
                    "one-shot library MB/s": round(lib, 1),
                    "ratio": f"{ours / lib:.2f}",
                    "compressed bytes": size,
                },
            )
        )
    for coding in got["missing"]:
        rows.append(
            make_micro_row(
                DECODERS,
                coding,
                None,
                "fastclient MB/s",
                higher_is_better=None,
                note=f"not installed (pip install {NEEDS[coding]})",
            )
        )
    for label, ns_py, ns_c in got["jsonenc"]:
        rows.append(
            make_micro_row(
                JSONENC,
                label,
                round(ns_c, 1),
                "compiled ns/call",
                higher_is_better=None,
                extra={"pure ns/call": round(ns_py, 1), "speed-up": f"{ns_py / ns_c:.1f}x"},
            )
        )
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200_000, help="calls per jsonenc timing")
    parser.add_argument("--json", action="store_true", help="one JSON line (for the suite)")
    args = parser.parse_args(argv)
    decoders = bench_decoders(args.repeat)
    jsonenc = bench_jsonenc(args.repeat, args.number)
    missing = [c for c, module in NEEDS.items() if importlib.util.find_spec(module) is None]
    if args.json:
        out: Dict[str, Any] = {"decoders": decoders, "jsonenc": jsonenc, "missing": missing}
        print(json.dumps(out))
        return

    print(f"decoders, 1 MiB JSON-ish body, input in {PIECE // 1024} KiB pieces (MB/s decoded)")
    print(f"{'coding':<9}{'compressed':>11}{'fastclient':>12}{'one-shot lib':>14}{'ratio':>7}")
    for coding, size, ours, lib in decoders:
        print(f"{coding:<9}{size:>11,}{ours:>12.0f}{lib:>14.0f}{ours / lib:>7.2f}")
    for coding in missing:
        print(f"{coding:<9} skipped: {NEEDS[coding]} is not installed")
    print()
    print("guess_json_utf (ns per call, including the call from Python)")
    print(f"{'input':<14}{'py':>8}{'c':>8}{'speed-up':>10}")
    for label, ns_py, ns_c in jsonenc:
        print(f"{label:<14}{ns_py:>8.0f}{ns_c:>8.0f}{ns_py / ns_c:>9.1f}x")


if __name__ == "__main__":
    main()
