"""Benchmark: bounded content decoders and the two twins of JSON encoding detection.

    PYTHONPATH=. python benchmarks/bench_decoders.py [--repeat N]   (or with fastclient installed)

Decoder throughput is MB/s of *decoded* output for a ~1 MiB JSON-ish body fed in
64 KiB network-sized pieces, next to the library's own one-shot decompression of the
same bytes: the difference is the price of bounded output (extra calls, re-cutting).
"""

from __future__ import annotations

import argparse
import gzip
import random
import timeit
import zlib
from typing import Callable, Dict, List, Tuple

import brotli
import zstandard

from fastclient._impl import twin
from fastclient._protocol.decoders import make_decoder

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


def bench_decoders(repeat: int) -> List[Tuple[str, int, float, float]]:
    body = json_body()
    cases: Dict[str, Tuple[bytes, Callable[[bytes], bytes]]] = {
        "gzip": (gzip.compress(body, 6), lambda b: zlib.decompress(b, 31)),
        "deflate": (zlib.compress(body, 6), zlib.decompress),
        "br": (brotli.compress(body, quality=5), brotli.decompress),
        "zstd": (
            zstandard.ZstdCompressor(level=3).compress(body),
            zstandard.ZstdDecompressor().decompress,
        ),
    }
    rows = []
    for coding, (encoded, one_shot) in cases.items():
        assert decode_all(coding, encoded) == len(body)
        ours = best_seconds(lambda c=coding, e=encoded: decode_all(c, e), repeat)
        lib = best_seconds(lambda f=one_shot, e=encoded: f(e), repeat)
        rows.append((coding, len(encoded), len(body) / ours / MB, len(body) / lib / MB))
    return rows


def bench_jsonenc(repeat: int) -> List[Tuple[str, float, float]]:
    py = twin("fastclient._protocol._jsonenc", "py").guess_json_utf
    c = twin("fastclient._protocol._jsonenc", "c").guess_json_utf
    samples = {
        "utf-8 object": b'{"id": 1, "name": "x"}',
        "utf-16-le": '{"id": 1}'.encode("utf-16-le"),
        "utf-32 BOM": '{"id": 1}'.encode("utf-32"),
    }
    number = 200_000
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    print(f"decoders, 1 MiB JSON-ish body, input in {PIECE // 1024} KiB pieces (MB/s decoded)")
    print(f"{'coding':<9}{'compressed':>11}{'fastclient':>12}{'one-shot lib':>14}{'ratio':>7}")
    for coding, size, ours, lib in bench_decoders(args.repeat):
        print(f"{coding:<9}{size:>11,}{ours:>12.0f}{lib:>14.0f}{ours / lib:>7.2f}")
    print()
    print("guess_json_utf (ns per call, including the call from Python)")
    print(f"{'input':<14}{'py':>8}{'c':>8}{'speed-up':>10}")
    for label, ns_py, ns_c in bench_jsonenc(args.repeat):
        print(f"{label:<14}{ns_py:>8.0f}{ns_c:>8.0f}{ns_py / ns_c:>9.1f}x")


if __name__ == "__main__":
    main()
