"""Content decoders (fastclient._protocol.decoders): correctness, errors and the output
bound, for identity, gzip, deflate (zlib and raw), br, zstd and chains of them."""

from __future__ import annotations

import gzip
import random
import tracemalloc
import zlib
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple

import brotli
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient._exceptions import DecodingError
from fastclient._protocol import decoders
from fastclient._protocol.decoders import SUPPORTED_ENCODINGS, ContentDecoder, make_decoder

MiB = 1024 * 1024


def raw_deflate(data: bytes) -> bytes:
    obj = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return obj.compress(data) + obj.flush()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3, write_checksum=True).compress(data)


# name -> (Content-Encoding value, compress function)
CODERS: Dict[str, Tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": ("gzip", gzip.compress),
    "deflate-zlib": ("deflate", zlib.compress),
    "deflate-raw": ("deflate", raw_deflate),
    "br": ("br", lambda data: brotli.compress(data, quality=6)),
    "zstd": ("zstd", zstd),
}
# The library error each coding's DecodingError is chained from.
CAUSES: Dict[str, type] = {
    "gzip": zlib.error,
    "deflate": zlib.error,
    "br": brotli.error,
    "zstd": zstandard.ZstdError,
}


def run(decoder: ContentDecoder, pieces: Iterable[bytes]) -> List[bytes]:
    """Everything the decoder yields for ``pieces`` then at flush, checking each piece."""
    out: List[bytes] = []
    for piece in pieces:
        out.extend(decoder.decode(piece))
    out.extend(decoder.flush())
    for piece in out:
        assert type(piece) is bytes
        assert 0 < len(piece) <= decoder.chunk_size
    return out


def cut(data: bytes, points: Iterable[int]) -> List[bytes]:
    edges = [0, *sorted({p % (len(data) + 1) for p in points}), len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:])]


def body(seed: int = 0, size: int = 300_000) -> bytes:
    """Compressible but not trivial: JSON-ish records with random numbers in them."""
    rnd = random.Random(seed)
    records = (b'{"id": %d, "value": %d}, ' % (i, rnd.getrandbits(32)) for i in range(size))
    out = bytearray()
    for record in records:
        out += record
        if len(out) >= size:
            break
    return bytes(out[:size])


def test_supported_encodings() -> None:
    assert SUPPORTED_ENCODINGS == ("gzip", "deflate", "br", "zstd")


@pytest.mark.parametrize("name", sorted(CODERS))
@pytest.mark.parametrize("chunk_size", [1, 1000, 65536])
def test_round_trip_fed_three_ways(name: str, chunk_size: int) -> None:
    coding, compress = CODERS[name]
    data = body(size=20_000 if chunk_size == 1 else 300_000)
    encoded = compress(data)
    feeds = {
        "whole": [encoded],
        "bytewise": [encoded[i : i + 1] for i in range(len(encoded))],
        "steps": [encoded[i : i + 777] for i in range(0, len(encoded), 777)],
    }
    for how, pieces in feeds.items():
        decoder = make_decoder([coding], chunk_size=chunk_size)
        assert b"".join(run(decoder, pieces)) == data, how


@pytest.mark.parametrize("name", sorted(CODERS))
@given(
    data=st.binary(max_size=3000),
    points=st.lists(st.integers(0, 10**6), max_size=6),
    chunk_size=st.integers(1, 600),
)
@settings(max_examples=60, deadline=None)
def test_round_trip_random(name: str, data: bytes, points: List[int], chunk_size: int) -> None:
    coding, compress = CODERS[name]
    decoder = make_decoder([coding], chunk_size=chunk_size)
    assert b"".join(run(decoder, cut(compress(data), points))) == data


@pytest.mark.parametrize("name", sorted(CODERS))
@given(data=st.binary(min_size=1, max_size=2000), data_cut=st.data())
@settings(max_examples=40, deadline=None)
def test_every_truncation_is_an_error(name: str, data: bytes, data_cut: st.DataObject) -> None:
    coding, compress = CODERS[name]
    encoded = compress(data)
    end = data_cut.draw(st.integers(1, len(encoded) - 1))
    decoder = make_decoder([coding], chunk_size=100)
    with pytest.raises(DecodingError) as info:
        run(decoder, [encoded[:end]])
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, CAUSES[coding])


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_empty_body_is_not_truncated(coding: str) -> None:
    # 204/304 answers and HEAD responses may carry Content-Encoding with no body.
    assert run(make_decoder([coding]), [b"", b""]) == []


@pytest.mark.parametrize(
    ("coding", "garbage"),
    [
        ("gzip", b"this is not gzip at all"),
        ("deflate", b"\x78\x9c this is not deflate"),
        ("deflate", b"\xff\xff\xff\xff\xff\xff"),
        ("br", b"\xff\xff\xff\xff this is not brotli"),
        # a well-framed zstd frame whose one compressed block is nonsense
        ("zstd", bytes.fromhex("28b52ffd 00 00 250000 ffffffff")),
    ],
)
def test_invalid_data_raises_from_the_library_error(coding: str, garbage: bytes) -> None:
    with pytest.raises(DecodingError) as info:
        run(make_decoder([coding]), [garbage])
    assert isinstance(info.value.__cause__, CAUSES[coding])
    assert str(info.value).startswith(coding + ":")


@pytest.mark.parametrize(
    "garbage",
    [
        b"not zstd",  # bad magic number
        b"\x28\xb5\x2f\xfd\x00\x00\x07\x00\x00",  # reserved block type (3)
        b"\x28\xb5\x2f\xfd\x00\x00\x00\x00\x11",  # block size above 128 KiB
    ],
)
def test_zstd_framing_errors(garbage: bytes) -> None:
    with pytest.raises(DecodingError, match=r"^zstd: invalid"):
        run(make_decoder(["zstd"]), [garbage])


def test_decoding_error_has_no_request_yet() -> None:
    with pytest.raises(DecodingError) as info:
        run(make_decoder(["gzip"]), [b"garbage"])
    with pytest.raises(RuntimeError):
        _ = info.value.request


def test_gzip_multi_member_and_zero_padding() -> None:
    parts = [b"first member, ", b"", b"second member, ", body(1, 100_000)]
    encoded = b"".join(gzip.compress(p) for p in parts)
    for padding in (b"", b"\x00" * 700):
        stream = encoded + padding
        for pieces in ([stream], [stream[i : i + 5] for i in range(0, len(stream), 5)]):
            assert b"".join(run(make_decoder(["gzip"], chunk_size=999), pieces)) == b"".join(parts)


def test_gzip_garbage_after_a_member() -> None:
    with pytest.raises(DecodingError) as info:
        run(make_decoder(["gzip"]), [gzip.compress(b"ok") + b"\x00\x00junk"])
    assert isinstance(info.value.__cause__, zlib.error)


def test_gzip_truncated_second_member() -> None:
    stream = gzip.compress(b"one") + gzip.compress(b"two")[:-3]
    decoder = make_decoder(["gzip"])
    assert b"".join(decoder.decode(stream)) == b"one" + b"two"  # trailer missing
    with pytest.raises(DecodingError, match="ended before"):
        list(decoder.flush())


def test_deflate_detection_from_the_first_two_bytes() -> None:
    data = body(2, 50_000)
    for encoded in (zlib.compress(data, 9), zlib.compress(data, 1), raw_deflate(data)):
        # the first byte alone must not decide: it arrives by itself here
        assert b"".join(run(make_decoder(["deflate"]), [encoded[:1], encoded[1:]])) == data
    # raw deflate starting with a stored block (its first byte is no zlib header)
    stored = zlib.compressobj(0, zlib.DEFLATED, -zlib.MAX_WBITS)
    encoded = stored.compress(b"x" * 10) + stored.flush()
    assert b"".join(run(make_decoder(["deflate"]), [encoded])) == b"x" * 10


def test_deflate_ignores_bytes_after_the_stream() -> None:
    # zlib.decompress and httpx ignore them as well.
    encoded = zlib.compress(b"payload") + b"trailing"
    assert b"".join(run(make_decoder(["deflate"]), [encoded, b"more"])) == b"payload"


def test_deflate_single_byte_body_is_truncated() -> None:
    with pytest.raises(DecodingError, match="ended before"):
        run(make_decoder(["deflate"]), [b"\x78"])


def test_zstd_multiple_frames_and_skippable_frames() -> None:
    skippable = (0x184D2A53).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"12345"
    plain = zstandard.ZstdCompressor(write_checksum=False, write_content_size=False)
    encoded = skippable + zstd(b"one ") + plain.compress(body(3, 200_000)) + skippable + zstd(b"")
    expected = b"one " + body(3, 200_000)
    for step in (1, 3, 1000, len(encoded)):
        pieces = [encoded[i : i + step] for i in range(0, len(encoded), step)]
        assert b"".join(run(make_decoder(["zstd"], chunk_size=4096), pieces)) == expected


def _zstd_with_window(window_log: int, data: bytes) -> bytes:
    # compressobj: the size is unknown, so the frame keeps the whole window
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=window_log)
    obj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    return obj.compress(data) + obj.flush()


def test_zstd_window_limit_is_8_mib() -> None:
    # RFC 9659 caps the window of zstd as a content coding at 8 MiB.
    data = body(6, 10_000)
    assert b"".join(run(make_decoder(["zstd"]), [_zstd_with_window(23, data)])) == data
    with pytest.raises(DecodingError, match="too much memory") as info:
        run(make_decoder(["zstd"]), [_zstd_with_window(24, data)])
    assert isinstance(info.value.__cause__, zstandard.ZstdError)


def test_brotli_trailing_data_is_an_error() -> None:
    with pytest.raises(DecodingError) as info:
        run(make_decoder(["br"]), [brotli.compress(b"ok") + b"junk"])
    assert isinstance(info.value.__cause__, brotli.error)


def test_brotli_without_output_limit_still_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fallback for brotli releases whose process() has no output_buffer_limit.
    monkeypatch.setattr(decoders, "_BROTLI_OUTPUT_LIMIT", False)
    data = body(4, 200_000)
    encoded = brotli.compress(data)
    decoder = make_decoder(["br"], chunk_size=5000)
    assert b"".join(run(decoder, [encoded[:100], encoded[100:]])) == data


# ---- parsing of the header values -------------------------------------------------


def test_no_coding_is_the_identity_base_class() -> None:
    for values in ([], [""], ["identity"], [b"Identity", " , "]):
        decoder = make_decoder(values, chunk_size=4)
        assert type(decoder) is ContentDecoder
        assert run(decoder, [b"", b"abcdefghij", b"k"]) == [b"abcd", b"efgh", b"ij", b"k"]


def test_names_are_case_and_space_insensitive_and_bytes_work() -> None:
    data = b"hello world"
    for value in ("GZIP", " gzip ", b"gzip", b" Gzip", "x-gzip"):
        assert b"".join(run(make_decoder([value]), [gzip.compress(data)])) == data


def test_a_bare_header_value_is_one_value() -> None:
    for value in ("gzip", b"gzip"):
        assert b"".join(run(make_decoder(value), [gzip.compress(b"data")])) == b"data"


def test_codings_are_undone_in_reverse_order_across_headers() -> None:
    data = body(5, 100_000)
    # applied: deflate, then gzip, then br
    encoded = brotli.compress(gzip.compress(zlib.compress(data)))
    for values in (["deflate, gzip, br"], ["deflate", "gzip, br"], [b"deflate", b"gzip", b"br"]):
        decoder = make_decoder(values, chunk_size=3000)
        assert (
            b"".join(run(decoder, [encoded[i : i + 100] for i in range(0, len(encoded), 100)]))
            == data
        )


def test_unknown_codings_pass_through_but_count() -> None:
    encoded = gzip.compress(b"data")
    # "compress" is not supported: its stage leaves the bytes alone, as httpx does
    assert b"".join(run(make_decoder(["compress, gzip"]), [encoded])) == b"data"
    assert run(make_decoder(["x-unknown"]), [encoded]) == [encoded]
    with pytest.raises(DecodingError, match="too many content codings"):
        make_decoder(["a, b, c", "d, e", "gzip"])
    with pytest.raises(DecodingError, match="too many content codings"):
        make_decoder(["gzip, gzip"], max_codings=1)
    # identity and empty items do not count
    assert type(make_decoder(["identity, , identity"] * 4, max_codings=0)) is ContentDecoder


def test_chain_truncation_is_reported() -> None:
    encoded = gzip.compress(brotli.compress(b"x" * 1000))
    with pytest.raises(DecodingError):
        run(make_decoder(["br", "gzip"]), [encoded[:-2]])


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        make_decoder(["gzip"], chunk_size=0)


# ---- compression bombs ------------------------------------------------------------

BOMB_SIZE = 200 * MiB
BLOCK = bytes(MiB)


def _compress_blocks(obj: Any, finish: Callable[[], bytes], count: int) -> bytes:
    return b"".join(obj(BLOCK) for _ in range(count)) + finish()


def _bomb(coding: str) -> bytes:
    count = BOMB_SIZE // MiB
    if coding == "gzip":
        z = zlib.compressobj(9, zlib.DEFLATED, 31, 9, zlib.Z_RLE)
        return _compress_blocks(z.compress, z.flush, count)
    if coding == "deflate":
        z = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS, 9, zlib.Z_RLE)
        return _compress_blocks(z.compress, z.flush, count)
    if coding == "br":
        b = brotli.Compressor(quality=1)
        return _compress_blocks(b.process, b.finish, count)
    c = zstandard.ZstdCompressor(level=1).compressobj()
    return _compress_blocks(c.compress, c.flush, count)


@pytest.fixture(scope="module")
def bombs() -> Dict[str, bytes]:
    return {coding: _bomb(coding) for coding in ("gzip", "deflate", "br", "zstd")}


def _measure(decoder: ContentDecoder, encoded: bytes) -> Tuple[int, int, int]:
    """(decoded size, largest piece, tracemalloc peak) decoding ``encoded`` in 64 KiB
    network-sized pieces, keeping nothing."""
    total = largest = 0

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(encoded), 65536):
            yield from decoder.decode(encoded[start : start + 65536])
        yield from decoder.flush()

    tracemalloc.start()
    try:
        for piece in pieces():
            total += len(piece)
            largest = max(largest, len(piece))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return total, largest, peak


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_bomb_output_is_bounded(bombs: Dict[str, bytes], coding: str) -> None:
    encoded = bombs[coding]
    assert len(encoded) < BOMB_SIZE // 200  # it is a bomb
    total, largest, peak = _measure(make_decoder([coding], chunk_size=65536), encoded)
    assert total == BOMB_SIZE
    assert largest <= 65536
    assert peak < MiB, peak


def test_chained_bomb_output_is_bounded(bombs: Dict[str, bytes]) -> None:
    # br over gzip: the outer stage's pieces inflate again in the inner one.
    encoded = brotli.compress(bombs["gzip"], quality=5)
    total, largest, peak = _measure(make_decoder(["gzip", "br"], chunk_size=16384), encoded)
    assert total == BOMB_SIZE
    assert largest <= 16384
    assert peak < MiB, peak
