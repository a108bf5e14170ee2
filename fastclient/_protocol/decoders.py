"""Content-Encoding decoders whose every step has a bounded output.

A response body of a few kilobytes can inflate to gigabytes (a "compression bomb"), so no
decoder here ever asks a decompression library for "everything this input gives": each
call is capped so that one call allocates about ``chunk_size`` bytes (zlib's
``max_length``/``unconsumed_tail``, brotli's ``output_buffer_limit``), or, for zstd, whose
Python binding has no output cap, at most one zstd block (128 KiB by the format). The
decoded pieces come out of generators, so memory stays bounded as long as the caller
consumes each piece before asking for the next one.

Contract of :class:`ContentDecoder` (one instance per response):

* ``decode(data)`` yields decoded pieces, each non-empty and at most ``chunk_size`` bytes.
  Exhaust the iterator before the next call: the decoders are lazy.
* ``flush()`` marks the end of the input and yields whatever is left. A truncated or
  invalid stream raises :class:`~fastclient._exceptions.DecodingError` (also lazily,
  while the iterator is consumed). A body that never received a single byte is not
  truncated: 204/304 answers and HEAD responses often carry a Content-Encoding header.

This module is plain Python on purpose: the inner loops already run in C inside zlib,
brotli and zstandard, and the per-piece Python work is a handful of attribute lookups.
"""

from __future__ import annotations

import importlib
import itertools
import zlib
from typing import (
    Any,
    Callable,
    Dict,
    Generator,
    Iterable,
    Iterator,
    List,
    Sequence,
    Tuple,
    Union,
)

from .._exceptions import DecodingError


def _optional_module(*names: str) -> Any:
    """The first of ``names`` that imports, or None: brotli is a dependency but may be
    missing (a source install without it), zstandard is an extra."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            pass
    return None


# brotlicffi is the same API for interpreters where the C extension `brotli` is slow.
brotli = _optional_module("brotli", "brotlicffi")
zstandard = _optional_module("zstandard")

__all__ = ["SUPPORTED_ENCODINGS", "ContentDecoder", "make_decoder"]

#: What a client may offer in Accept-Encoding (httpx's order): what this module decodes.
SUPPORTED_ENCODINGS: Tuple[str, ...] = (
    ("gzip", "deflate") + (("br",) if brotli else ()) + (("zstd",) if zstandard else ())
)

# Compressed input is handed to zlib at most this many bytes at a time: zlib copies the
# input it could not consume yet into ``unconsumed_tail`` on every bounded call, and that
# copying would grow with the square of a large input (a whole buffered body at once).
_INPUT_STEP = 65536

_GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around deflate
_ZLIB_WBITS = zlib.MAX_WBITS  # RFC 1950 zlib wrapper
_RAW_WBITS = -zlib.MAX_WBITS  # bare RFC 1951 deflate

# RFC 9659: a zstd frame used as a Content-Encoding must not need a window above 8 MiB,
# so a larger one is refused before the decoder allocates it (as browsers do).
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024
# RFC 8878 3.1.1.2: no block regenerates more than 128 KiB, and no block body is larger.
_ZSTD_BLOCK_MAX = 128 * 1024
_ZSTD_MAGIC = 0xFD2FB528
_ZSTD_SKIPPABLE_MASK = 0xFFFFFFF0
_ZSTD_SKIPPABLE_MAGIC = 0x184D2A50
# What the zstd framer reads next (when it is not skipping over counted bytes).
_Z_MAGIC, _Z_FRAME_HEADER, _Z_BLOCK_HEADER, _Z_SKIPPABLE_SIZE = range(4)
_Z_HEADER_SIZE = (4, 1, 3, 4)  # bytes gathered in each of these states


def _brotli_has_output_limit() -> bool:
    # brotli >= 1.2 can cap the output of one call; older releases (and brotlicffi before
    # it grew the same keyword) cannot, and get the weaker input-slicing fallback below.
    if brotli is None:  # pragma: no cover - depends on the environment
        return False
    try:
        brotli.Decompressor().process(b"", output_buffer_limit=1)
    except TypeError:  # pragma: no cover - depends on the installed brotli
        return False
    return True


_BROTLI_OUTPUT_LIMIT = _brotli_has_output_limit()
# Without an output cap only the input can be rationed. Brotli can regenerate megabytes
# from a few bytes, so this bounds the common case, not the adversarial one.
_BROTLI_FALLBACK_STEP = 1024


def _pieces(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` cut into non-empty pieces of at most ``size`` bytes."""
    if len(data) <= size:
        if data:
            yield data
        return
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _inflate(obj: Any, data: bytes, limit: int) -> Generator[bytes, None, bytes]:
    """Feed ``data`` to a zlib decompressobj, ``limit`` output bytes per call at most.

    Stops early when the stream ends; the bytes after the end are then in
    ``obj.unused_data`` plus the slice of ``data`` not fed yet, which the generator returns.
    """
    view = memoryview(data) if len(data) > _INPUT_STEP else data
    for start in range(0, len(data), _INPUT_STEP):
        tail = view[start : start + _INPUT_STEP]
        while True:
            out = obj.decompress(tail, limit)
            if out:
                yield out
            if obj.eof:
                return bytes(obj.unused_data) + bytes(view[start + _INPUT_STEP :])
            tail = obj.unconsumed_tail
            # A full piece may leave output pending inside zlib even with all input
            # consumed (a long match copy), so only a short piece proves it is drained.
            if not tail and len(out) < limit:
                break
    return b""


class ContentDecoder:
    """The identity decoding, and the base class of the others."""

    __slots__ = ("chunk_size",)

    def __init__(self, chunk_size: int = 65536) -> None:
        #: upper bound on the size of every yielded piece
        self.chunk_size = chunk_size

    def decode(self, data: bytes) -> Iterator[bytes]:
        # The hot path (no Content-Encoding): no generator frame for a piece that fits.
        if len(data) <= self.chunk_size:
            return iter((data,) if data else ())
        return _pieces(data, self.chunk_size)

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _GzipDecoder(ContentDecoder):
    """RFC 1952 gzip, including several members one after the other (RFC 1952 2.2)."""

    __slots__ = ("_members", "_obj")

    def __init__(self, chunk_size: int) -> None:
        super().__init__(chunk_size)
        self._obj: Any = None  # None between members (and before the first)
        self._members = 0  # members completed

    def decode(self, data: bytes) -> Iterator[bytes]:
        try:
            while data:
                if self._obj is None:
                    if self._members:
                        # Zero padding after a member is common (tape-era tools, some
                        # servers); the gzip module and browsers tolerate it too.
                        data = bytes(data).lstrip(b"\0")
                        if not data:
                            return
                    self._obj = zlib.decompressobj(_GZIP_WBITS)
                data = yield from _inflate(self._obj, data, self.chunk_size)
                if self._obj.eof:
                    self._obj = None
                    self._members += 1
        except zlib.error as exc:
            raise DecodingError(f"gzip: invalid compressed data: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        if self._obj is not None:
            raise DecodingError("gzip: the compressed data ended before the end of its stream")
        yield from ()


class _DeflateDecoder(ContentDecoder):
    """HTTP's "deflate": RFC 1950 zlib as specified, or the bare RFC 1951 deflate that
    some servers send instead. Like browsers, the first two bytes decide: a valid zlib
    header (method 8, window <= 32 KiB, header checksum divisible by 31) means zlib."""

    __slots__ = ("_head", "_obj")

    def __init__(self, chunk_size: int) -> None:
        super().__init__(chunk_size)
        self._obj: Any = None  # created once two bytes have arrived
        self._head = b""  # the first byte, while it is alone

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._obj is None:
            if self._head:
                data = self._head + bytes(data)
            if len(data) < 2:
                self._head = bytes(data)
                return
            self._head = b""
            cmf, flg = data[0], data[1]
            zlib_header = cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
            self._obj = zlib.decompressobj(_ZLIB_WBITS if zlib_header else _RAW_WBITS)
        if self._obj.eof:
            return  # bytes after the end of the stream are ignored, as zlib and httpx do
        try:
            yield from _inflate(self._obj, data, self.chunk_size)
        except zlib.error as exc:
            raise DecodingError(f"deflate: invalid compressed data: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        if self._head or (self._obj is not None and not self._obj.eof):
            raise DecodingError("deflate: the compressed data ended before the end of its stream")
        yield from ()


class _BrotliDecoder(ContentDecoder):
    """RFC 7932 brotli through ``process(data, output_buffer_limit=...)``: after a capped
    call, the decoder must be called with empty input until ``can_accept_more_data()``."""

    __slots__ = ("_limited", "_obj", "_started")

    def __init__(self, chunk_size: int) -> None:
        super().__init__(chunk_size)
        self._obj = brotli.Decompressor()
        self._started = False
        self._limited = _BROTLI_OUTPUT_LIMIT

    def _process(self, data: Union[bytes, memoryview]) -> bytes:
        if self._limited:
            # The cap only stops the output buffer from *growing* once it is reached, and
            # brotli grows it in blocks: one call returns up to 2-3 times chunk_size (1.5x
            # measured at 64 KiB), which _pieces re-cuts. Still O(chunk_size) per call.
            out: bytes = self._obj.process(data, output_buffer_limit=self.chunk_size)
        else:
            out = self._obj.process(data)
        return out

    def decode(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self._started = True
        size = self.chunk_size
        step = _INPUT_STEP if self._limited else _BROTLI_FALLBACK_STEP
        view = memoryview(data) if len(data) > step else data
        try:
            for start in range(0, len(data), step):
                yield from _pieces(self._process(view[start : start + step]), size)
                if not self._limited:
                    continue
                # Drain what this input made decodable now rather than at the next call;
                # the wrapper's can_accept_more_data() only covers input it still holds.
                while True:
                    out = self._process(b"")
                    if not out and self._obj.can_accept_more_data():
                        break
                    yield from _pieces(out, size)
        except brotli.error as exc:
            raise DecodingError(f"br: invalid compressed data: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        if not self._started:
            return
        try:
            while not self._obj.is_finished():
                out = self._process(b"")
                if not out:
                    raise DecodingError(
                        "br: the compressed data ended before the end of its stream"
                    )
                yield from _pieces(out, self.chunk_size)
        except brotli.error as exc:
            raise DecodingError(f"br: invalid compressed data: {exc}") from exc


class _ZstdDecoder(ContentDecoder):
    """RFC 8878 zstd, any number of frames (skippable ones included).

    zstandard's ``decompressobj().decompress(data)`` returns *all* the output of ``data``,
    with no cap. The cap comes from the format instead: a block regenerates at most
    128 KiB, so this class reads just enough of the frame layout (magic numbers, frame
    header size, 3-byte block headers) to cut the input right after each block, and
    zstd sees at most one block end per call. It never buffers a block body; only the
    few header bytes are gathered in ``_head``.
    """

    __slots__ = ("_checksum", "_cut", "_head", "_obj", "_skip", "_started", "_state")

    def __init__(self, chunk_size: int) -> None:
        super().__init__(chunk_size)
        dctx = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
        self._obj = dctx.decompressobj(read_across_frames=True)
        self._state = _Z_MAGIC
        self._head = bytearray()  # header bytes of the current state, being gathered
        self._skip = 0  # bytes still to pass to zstd before the next header
        self._cut = False  # a block ends where the skip ends: hand the input over there
        self._checksum = False  # the current frame ends with a 4-byte content checksum
        self._started = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self._started = True
        size = self.chunk_size
        try:
            for segment in self._segments(data):
                yield from _pieces(self._obj.decompress(segment), size)
        except zstandard.ZstdError as exc:
            raise DecodingError(f"zstd: invalid compressed data: {exc}") from exc

    def _segments(self, data: bytes) -> Iterator[memoryview]:
        """``data`` cut after every block end (the pieces are views, not copies)."""
        view = memoryview(data)
        end = len(view)
        pos = start = 0
        head = self._head
        while pos < end:
            if self._skip:
                step = min(self._skip, end - pos)
                pos += step
                self._skip -= step
                if not self._skip and self._cut:
                    self._cut = False
                    yield view[start:pos]
                    start = pos
                continue
            head.append(view[pos])
            pos += 1
            if len(head) == _Z_HEADER_SIZE[self._state]:
                self._header(head)
                head.clear()
        if start < end:
            yield view[start:end]

    def _header(self, head: bytearray) -> None:
        """Act on a complete header of the current state: set what to skip and what next."""
        state = self._state
        if state == _Z_BLOCK_HEADER:
            value = int.from_bytes(head, "little")
            kind = value >> 1 & 3  # 0 raw, 1 RLE (one byte repeated), 2 compressed
            size = value >> 3
            if kind == 3:
                raise DecodingError("zstd: invalid compressed data: reserved block type")
            if size > _ZSTD_BLOCK_MAX:
                raise DecodingError("zstd: invalid compressed data: block larger than 128 KiB")
            self._skip = 1 if kind == 1 else size
            if value & 1:  # the frame's last block, then perhaps its checksum
                self._skip += 4 if self._checksum else 0
                self._state = _Z_MAGIC
            self._cut = self._skip > 0
        elif state == _Z_MAGIC:
            magic = int.from_bytes(head, "little")
            if magic == _ZSTD_MAGIC:
                self._state = _Z_FRAME_HEADER
            elif magic & _ZSTD_SKIPPABLE_MASK == _ZSTD_SKIPPABLE_MAGIC:
                self._state = _Z_SKIPPABLE_SIZE
            else:
                raise DecodingError("zstd: invalid compressed data: not a zstd frame")
        elif state == _Z_FRAME_HEADER:
            descriptor = head[0]
            single_segment = descriptor >> 5 & 1
            self._checksum = bool(descriptor & 4)
            # The rest of the frame header: window descriptor, dictionary id, content size.
            self._skip = (
                (1 - single_segment)
                + (0, 1, 2, 4)[descriptor & 3]
                + (single_segment, 2, 4, 8)[descriptor >> 6]
            )
            self._cut = False
            self._state = _Z_BLOCK_HEADER
        else:  # _Z_SKIPPABLE_SIZE: user data that zstd passes over without output
            self._skip = int.from_bytes(head, "little")
            self._cut = False
            self._state = _Z_MAGIC

    def flush(self) -> Iterator[bytes]:
        if self._started and (self._state != _Z_MAGIC or self._head or self._skip):
            raise DecodingError("zstd: the compressed data ended before the end of its stream")
        yield from ()


def _through(
    decode: Callable[[bytes], Iterator[bytes]], pieces: Iterable[bytes]
) -> Iterator[bytes]:
    for piece in pieces:
        yield from decode(piece)


class _ChainDecoder(ContentDecoder):
    """Several codings undone one after the other, lazily, so each stage's pieces go
    through the next stage one at a time and the bound holds for the whole chain."""

    __slots__ = ("_stages",)

    def __init__(self, chunk_size: int, stages: List[ContentDecoder]) -> None:
        super().__init__(chunk_size)
        self._stages = stages  # in decoding order: the last coding applied comes first

    def decode(self, data: bytes) -> Iterator[bytes]:
        pieces: Iterator[bytes] = iter((data,))
        for stage in self._stages:
            pieces = _through(stage.decode, pieces)
        return pieces

    def flush(self) -> Iterator[bytes]:
        # Each stage is flushed after the output of the flushes before it went through it
        # (itertools.chain only starts a generator once the one before it is exhausted).
        pieces: Iterator[bytes] = iter(())
        for stage in self._stages:
            pieces = itertools.chain(_through(stage.decode, pieces), stage.flush())
        return pieces


_DECODERS: Dict[str, Callable[[int], ContentDecoder]] = {
    "gzip": _GzipDecoder,
    "x-gzip": _GzipDecoder,  # RFC 9110 8.4.1.3: recipients should treat it as gzip
    "deflate": _DeflateDecoder,
}
if brotli is not None:
    _DECODERS["br"] = _BrotliDecoder
if zstandard is not None:
    _DECODERS["zstd"] = _ZstdDecoder


def make_decoder(
    content_encodings: Sequence[Union[str, bytes]],
    *,
    chunk_size: int = 65536,
    max_codings: int = 5,
) -> ContentDecoder:
    """The decoder for a response whose Content-Encoding header values (all of them, each
    possibly a comma-separated list) are ``content_encodings``.

    Codings are listed in the order they were applied, so they are undone in reverse.
    "identity" and empty items are ignored. A coding this module cannot undo is left as it
    is, as httpx does, but still counts against ``max_codings``: a response claiming more
    codings than that is refused with DecodingError rather than decoded stage by stage.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, not {chunk_size}")
    if not content_encodings:
        return ContentDecoder(chunk_size)
    if isinstance(content_encodings, (str, bytes)):
        # One header value passed bare: do not read "gzip" as the codings g, z, i, p.
        content_encodings = [content_encodings]
    codings: List[str] = []
    for value in content_encodings:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        for item in text.split(","):
            coding = item.strip().lower()
            if coding and coding != "identity":
                codings.append(coding)
    if len(codings) > max_codings:
        raise DecodingError(
            f"too many content codings ({len(codings)}, at most {max_codings} allowed)"
        )
    stages = [_DECODERS[c](chunk_size) for c in reversed(codings) if c in _DECODERS]
    if not stages:
        return ContentDecoder(chunk_size)
    if len(stages) == 1:
        return stages[0]
    return _ChainDecoder(chunk_size, stages)
