# cython: annotation_typing=False
# (the annotations are for mypy; the C types live in the augmenting .pxd)
"""HPACK (RFC 7541) for an HTTP/2 client: a bounded decoder and a small encoder.

This is the specification twin; Cython compiles this same source with the C types of
``src_c/fastclient/_protocol/_h2hpack_c.pxd`` into ``_h2hpack_c``.

Decoder
    Decodes a complete header block into raw ``(name, value)`` byte pairs. Everything an
    untrusted server controls is bounded: the dynamic table by the size we advertised,
    integers to 32 bits, string lengths by the block itself, and the *decoded* list by
    ``max_list_size`` (RFC 9113 accounting: name + value + 32 per field) and
    ``max_fields``. A list over a limit is still decoded to the end, because the dynamic
    table must stay in step with the server's, but nothing more is kept, and ``decode``
    returns None with the reason in ``limit_error``: the connection survives and only that
    stream fails. Any malformed block raises RemoteProtocolError: the connection cannot
    go on, since its table is out of step.

    Huffman strings are decoded four bits at a time through a table built at import from
    the code lengths the ``hpack`` package ships (the code table is data from RFC 7541
    Appendix B). Servers repeat the same few strings (Date within a second, Server,
    Content-Length), so decoded strings are memoised in a small bounded dict.

Encoder
    Requests repeat the same headers, so every field but the path and credentials is
    added to the dynamic table and the next request sends it as a one-byte index. Strings
    are sent raw (no Huffman): on the networks where HTTP/2 multiplexing pays, the CPU
    that Huffman coding costs is worth more than the bytes it saves.
"""

from __future__ import annotations

from collections import deque
from typing import Deque, Dict, List, Optional, Tuple

from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH
from hpack.table import HeaderTable

from .._exceptions import RemoteProtocolError

__all__ = ["Decoder", "Encoder", "huffman_decode"]

Header = Tuple[bytes, bytes]

# RFC 7541 Appendix A, indexed from 1.
STATIC: Tuple[Header, ...] = tuple(HeaderTable.STATIC_TABLE)
_N_STATIC = len(STATIC)

# Static lookups for the encoder: full matches, then the first index of each name.
_STATIC_FULL: Dict[Header, int] = {}
_STATIC_NAME: Dict[bytes, int] = {}
for _i, _pair in enumerate(STATIC, 1):
    _STATIC_FULL.setdefault(_pair, _i)
    _STATIC_NAME.setdefault(_pair[0], _i)

# Whole header blocks are memoised when their meaning cannot depend on the dynamic table
# (only static references and literals, no size update): servers such as nginx send each
# response's fields as literals "with incremental indexing", so the block for the same
# response is the same bytes every time, and decoding it again would only repeat work.
# Its effect on the table (the insertions) is replayed on a hit.
_BLOCK_CACHE_LEN = 512
_BLOCK_CACHE_MAX = 64

# A dynamic-table entry costs its octets plus 32 (RFC 7541 section 4.1).
ENTRY_OVERHEAD = 32

# Decoded strings are memoised up to this many (cleared, not evicted, when full: cheap
# and enough, since the set of repeated strings is small).
_HUFF_CACHE_MAX = 512
# Strings longer than this are not memoised (they are unlikely to repeat).
_HUFF_CACHE_LEN = 64


def _build_huffman_table() -> Tuple[List[int], List[bool]]:
    """The nibble-at-a-time decoding automaton.

    States are the internal nodes of the code tree (0 is the root). For each state and
    4-bit input the table gives ``next_state << 10 | flags << 8 | symbol`` where flag 1
    means "a symbol was completed" and flag 2 "invalid" (EOS decoded). No code is shorter
    than 5 bits, so four bits complete at most one symbol. ``accept[state]`` tells whether
    a string may end in that state: its path from the root is at most 7 one-bits, the
    padding RFC 7541 section 5.2 allows.
    """
    # children[node] = [zero_child, one_child]; a child >= 0 is an internal node, and a
    # child < 0 encodes a leaf as -(symbol + 1).
    children: List[List[int]] = [[0, 0]]
    depth = [0]
    all_ones = [True]
    for sym in range(257):
        code, length = REQUEST_CODES[sym], REQUEST_CODES_LENGTH[sym]
        node = 0
        for shift in range(length - 1, -1, -1):
            bit = (code >> shift) & 1
            if shift == 0:
                children[node][bit] = -(sym + 1)
            else:
                nxt = children[node][bit]
                if nxt <= 0:
                    # 0 is never a child (the root), so it marks an unset slot here.
                    nxt = len(children)
                    children.append([0, 0])
                    depth.append(depth[node] + 1)
                    all_ones.append(all_ones[node] and bit == 1)
                    children[node][bit] = nxt
                node = nxt
    table: List[int] = []
    for state in range(len(children)):
        for nibble in range(16):
            node, flags, symbol = state, 0, 0
            for shift in (3, 2, 1, 0):
                child = children[node][(nibble >> shift) & 1]
                if child < 0:
                    symbol = -child - 1
                    if symbol == 256:
                        flags |= 2
                        symbol = 0
                    else:
                        flags |= 1
                    node = 0
                else:
                    node = child
            table.append((node << 10) | (flags << 8) | symbol)
    accept = [all_ones[s] and depth[s] <= 7 for s in range(len(children))]
    return table, accept


_HUFF_TABLE, _HUFF_ACCEPT = _build_huffman_table()


def huffman_decode(data: bytes) -> bytes:
    """Decode one Huffman-coded string; RemoteProtocolError when it is invalid."""
    p = data
    table = _HUFF_TABLE
    out = bytearray()
    state = 0
    for i in range(len(data)):
        byte = p[i]
        entry = table[(state << 4) | (byte >> 4)]
        if entry & 0x300:
            if entry & 0x200:
                raise RemoteProtocolError("Huffman string contains EOS")
            out.append(entry & 0xFF)
        state = entry >> 10
        entry = table[(state << 4) | (byte & 0x0F)]
        if entry & 0x300:
            if entry & 0x200:
                raise RemoteProtocolError("Huffman string contains EOS")
            out.append(entry & 0xFF)
        state = entry >> 10
    if not _HUFF_ACCEPT[state]:
        raise RemoteProtocolError("invalid Huffman padding")
    return bytes(out)


class Decoder:
    """Decodes header blocks of one connection (it holds the server's dynamic table)."""

    def __init__(
        self, max_table_size: int = 4096, max_list_size: int = 65536, max_fields: int = 512
    ) -> None:
        # The limit we advertised (SETTINGS_HEADER_TABLE_SIZE): updates may not exceed it.
        self.settings_table_size = max_table_size
        # The size the server chose with its last dynamic table size update.
        self.table_size_limit = max_table_size
        self.table_size = 0
        self.max_list_size = max_list_size
        self.max_fields = max_fields
        # Oldest entry first: HPACK's index 62 is the last item. (A list, not a deque:
        # the compiled twin indexes and appends to it without method calls, and eviction
        # from the front moves at most a hundred or so pointers.)
        self.table: List[Header] = []
        self._huff_cache: Dict[bytes, bytes] = {}
        # Why the last decode returned None.
        self.limit_error = ""
        # The read position in the block being decoded.
        self._pos = 0
        # Blocks that referenced no dynamic entry: bytes -> (fields, entries they add).
        self._block_cache: Dict[bytes, Tuple[List[Header], List[Header]]] = {}

    def _evict(self, limit: int) -> None:
        table = self.table
        n = 0
        size = self.table_size
        while size > limit:
            pair = table[n]
            name = pair[0]
            value = pair[1]
            size -= len(name) + len(value) + ENTRY_OVERHEAD
            n += 1
        if n:
            del table[:n]
            self.table_size = size

    def _add(self, pair: Header) -> None:
        size = len(pair[0]) + len(pair[1]) + ENTRY_OVERHEAD
        if size > self.table_size_limit:
            # RFC 7541 4.4: an entry larger than the table empties it and is not added.
            self._evict(0)
            return
        self._evict(self.table_size_limit - size)
        self.table.append(pair)
        self.table_size += size

    def _lookup(self, index: int) -> Header:
        if index <= 0:
            raise RemoteProtocolError("header index 0")
        if index <= _N_STATIC:
            return STATIC[index - 1]
        index -= _N_STATIC + 1
        n = len(self.table)
        if index >= n:
            raise RemoteProtocolError("header index out of range")
        return self.table[n - 1 - index]

    def _int(self, data: bytes, end: int, prefix: int) -> int:
        """Decode an HPACK integer with a ``prefix``-bit prefix at ``self._pos``."""
        p = data
        pos = self._pos
        mask = (1 << prefix) - 1
        value = p[pos] & mask
        pos += 1
        if value == mask:
            shift = 0
            while True:
                if pos >= end:
                    raise RemoteProtocolError("truncated integer")
                byte = p[pos]
                pos += 1
                value += (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
                shift += 7
                # Four continuation bytes already reach 2**28 plus the prefix: anything a
                # sane peer sends (lengths, indices, table sizes) fits; more is an attack.
                if shift > 21:
                    raise RemoteProtocolError("HPACK integer too large")
        self._pos = pos
        return value

    def _string(self, data: bytes, end: int) -> bytes:
        """Decode a string literal at ``self._pos``."""
        p = data
        pos = self._pos
        if pos >= end:
            raise RemoteProtocolError("truncated header block")
        huffman = p[pos] & 0x80
        length = self._int(data, end, 7)
        pos = self._pos
        stop = pos + length
        if stop > end:
            raise RemoteProtocolError("string runs past the header block")
        raw = p[pos:stop]
        self._pos = stop
        if not huffman:
            return raw
        cache = self._huff_cache
        text = cache.get(raw)
        if text is None:
            text = huffman_decode(raw)
            if length <= _HUFF_CACHE_LEN:
                if len(cache) >= _HUFF_CACHE_MAX:
                    cache.clear()
                cache[raw] = text
        return text

    def decode(self, data: bytes) -> Optional[List[Header]]:
        """Decode one complete header block; None when it is over the limits."""
        known = self._block_cache.get(data)
        if known is not None:
            # The same bytes as an earlier block that did not depend on the dynamic
            # table: same fields, same insertions (see _BLOCK_CACHE_LEN).
            for pair in known[1]:
                self._add(pair)
            return list(known[0])
        p = data
        headers: List[Header] = []
        added: List[Header] = []
        cacheable = len(data) <= _BLOCK_CACHE_LEN
        self._pos = 0
        end = len(data)
        list_size = 0
        n_fields = 0
        over = False
        allow_size_update = True
        while self._pos < end:
            byte = p[self._pos]
            if byte & 0x80:
                # Indexed field; most indices fit the first byte, so skip the call then.
                if byte != 0xFF:
                    self._pos += 1
                    index = byte & 0x7F
                else:
                    index = self._int(data, end, 7)
                if index > _N_STATIC:
                    cacheable = False
                pair = self._lookup(index)
                name = pair[0]
                value = pair[1]
            elif byte & 0xE0 == 0x20:
                # Dynamic table size update: only before the first field of a block.
                if not allow_size_update:
                    raise RemoteProtocolError("table size update after a header field")
                size = self._int(data, end, 5)
                if size > self.settings_table_size:
                    raise RemoteProtocolError("table size update above the advertised limit")
                self.table_size_limit = size
                self._evict(size)
                cacheable = False
                continue
            else:
                # Literal field: with incremental indexing (01), never indexed (0001) or
                # without indexing (0000); the name is an index or a string.
                index = self._int(data, end, 6 if byte & 0x40 else 4)
                if index > _N_STATIC:
                    cacheable = False
                name = self._lookup(index)[0] if index else self._string(data, end)
                value = self._string(data, end)
                pair = (name, value)
                if byte & 0x40:
                    self._add(pair)
                    if cacheable:
                        added.append(pair)
            allow_size_update = False
            n_fields += 1
            list_size += len(name) + len(value) + ENTRY_OVERHEAD
            if over or n_fields > self.max_fields or list_size > self.max_list_size:
                # Keep decoding so the dynamic table stays in step; keep nothing more.
                over = True
            else:
                # The same tuple the tables hold: decoding allocates no pair for a field
                # that is indexed, and only one for a literal.
                headers.append(pair)
        if over:
            self.limit_error = (
                f"response header list exceeds the limits ({n_fields} fields,"
                f" {list_size} bytes; at most {self.max_fields} fields,"
                f" {self.max_list_size} bytes)"
            )
            return None
        if cacheable:
            cache = self._block_cache
            if len(cache) >= _BLOCK_CACHE_MAX:
                cache.clear()
            cache[data] = (list(headers), added)
        return headers


def _put_integer(out: bytearray, first: int, value: int, prefix: int) -> None:
    """Append an HPACK integer; ``first`` holds the representation bits of byte one."""
    mask = (1 << prefix) - 1
    if value < mask:
        out.append(first | value)
        return
    out.append(first | mask)
    value -= mask
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _put_string(out: bytearray, data: bytes) -> None:
    _put_integer(out, 0, len(data), 7)
    out += data


# Fields that are never added to the table: credentials are sent "never indexed" so that
# no intermediary indexes them either (RFC 7541 section 7.1.3); paths rarely repeat and
# would only churn the table.
_NEVER_INDEXED = frozenset([b"authorization", b"proxy-authorization", b"cookie"])
_NOT_INDEXED = frozenset([b":path", b"content-length"])

# At most this many cached field encodings (unique paths would otherwise grow it).
_FIELD_CACHE_MAX = 256


class Encoder:
    """Encodes request header lists of one connection (it holds our dynamic table)."""

    def __init__(self) -> None:
        # The table size we use: at most the server's SETTINGS_HEADER_TABLE_SIZE and at
        # most 4096 (a larger table would only cost the server memory).
        self.max_size = 4096
        self.size = 0
        # Smallest size chosen since the last block, when a size update must be sent.
        self._pending_min: Optional[int] = None
        # (name, value) -> insertion number; entries are numbered from 0 as they are
        # added, so an entry's index is 62 + (inserted - 1 - number).
        self._index: Dict[Header, int] = {}
        self._fifo: Deque[Header] = deque()
        self.inserted = 0
        # The encoding of each field while the table does not change: in steady traffic
        # every request is the same fields again, and each is then one dict lookup.
        self._cache: Dict[Header, bytes] = {}
        self._cache_generation = 0

    def set_max_size(self, value: int) -> None:
        """Apply the server's SETTINGS_HEADER_TABLE_SIZE."""
        size = min(value, 4096)
        if size == self.max_size:
            return
        self.max_size = size
        self._evict(size)
        self._cache.clear()
        if self._pending_min is None or size < self._pending_min:
            self._pending_min = size

    def _evict(self, limit: int) -> None:
        fifo = self._fifo
        index = self._index
        while self.size > limit:
            pair = fifo.popleft()
            self.size -= len(pair[0]) + len(pair[1]) + ENTRY_OVERHEAD
            number = self.inserted - len(fifo) - 1
            if index.get(pair) == number:
                del index[pair]

    def encode(self, headers: List[Header]) -> bytes:
        """Encode a list of lowercase (name, value) pairs into one header block."""
        parts: List[bytes] = []
        if self._pending_min is not None:
            # RFC 7541 4.2: signal the smallest size since the last block, then the
            # current one.
            update = bytearray()
            _put_integer(update, 0x20, self._pending_min, 5)
            if self._pending_min != self.max_size:
                _put_integer(update, 0x20, self.max_size, 5)
            self._pending_min = None
            parts.append(bytes(update))
        cache = self._cache
        for pair in headers:
            known = cache.get(pair)
            if known is None:
                field = bytearray()
                self._encode_field(field, pair)
                known = bytes(field)
                if self._cache_generation != self.inserted:
                    # The table changed: cached encodings of dynamic indices are stale.
                    cache.clear()
                    self._cache_generation = self.inserted
                elif len(cache) < _FIELD_CACHE_MAX:
                    cache[pair] = known
            parts.append(known)
        # One allocation for the block, rather than growing a buffer field by field.
        return b"".join(parts)

    def _encode_field(self, out: bytearray, pair: Header) -> None:
        static_full = _STATIC_FULL
        index = self._index
        found = static_full.get(pair)
        if found is not None:
            _put_integer(out, 0x80, found, 7)
            return
        number = index.get(pair)
        if number is not None:
            _put_integer(out, 0x80, _N_STATIC + self.inserted - number, 7)
            return
        name = pair[0]
        value = pair[1]
        name_index = _STATIC_NAME.get(name, 0)
        size = len(name) + len(value) + ENTRY_OVERHEAD
        if name in _NEVER_INDEXED:
            _put_integer(out, 0x10, name_index, 4)
        elif name in _NOT_INDEXED or size > self.max_size // 2:
            _put_integer(out, 0x00, name_index, 4)
        else:
            _put_integer(out, 0x40, name_index, 6)
            self._evict(self.max_size - size)
            self._fifo.append(pair)
            index[pair] = self.inserted
            self.inserted += 1
            self.size += size
        if not name_index:
            _put_string(out, name)
        _put_string(out, value)
