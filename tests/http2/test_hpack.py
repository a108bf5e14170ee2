"""HPACK: both twins against the ``hpack`` package as the reference, and against each other."""

from __future__ import annotations

from typing import List, Tuple

import hpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient._exceptions import RemoteProtocolError
from tests.conftest import IMPLS
from tests.helpers import twin

BASE = "fastclient._protocol._h2hpack"
Header = Tuple[bytes, bytes]

names = st.sampled_from(
    [b"content-type", b"date", b"server", b"x-a", b"set-cookie", b"etag", b"x-long-name"]
) | st.binary(min_size=1, max_size=20).map(lambda b: b.lower())
values = st.binary(max_size=300)
header_lists = st.lists(st.tuples(names, values), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_huffman_matches_the_reference_both_twins(data: bytes) -> None:
    coded = hpack.huffman.HuffmanEncoder(
        hpack.huffman_constants.REQUEST_CODES, hpack.huffman_constants.REQUEST_CODES_LENGTH
    ).encode(data)
    for impl in IMPLS:
        assert twin(BASE, impl).huffman_decode(coded) == data


@pytest.mark.parametrize(
    "coded",
    [
        b"\xff\xff\xff\xff",  # contains EOS (30 one-bits)
        b"\x00",  # padding of zero bits
        b"\x1f\xff",  # more than 7 bits of padding
    ],
)
def test_invalid_huffman_is_rejected(impl: str, coded: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        twin(BASE, impl).huffman_decode(coded)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(header_lists, min_size=1, max_size=6), st.booleans(), st.sampled_from([0, 256, 4096])
)
def test_decoder_follows_the_reference_encoder(
    blocks: List[List[Header]], huffman: bool, table: int
) -> None:
    decoders = [twin(BASE, impl).Decoder(4096, 1 << 20, 10_000) for impl in IMPLS]
    encoder = hpack.Encoder()
    encoder.header_table_size = table
    for block in blocks:
        data = encoder.encode(block, huffman=huffman)
        for decoder in decoders:
            assert decoder.decode(data) == block
    assert {decoder.table_size for decoder in decoders} == {decoders[0].table_size}
    assert decoders[0].table_size <= table


@settings(max_examples=60, deadline=None)
@given(st.lists(header_lists, min_size=1, max_size=6), st.sampled_from([0, 100, 4096]))
def test_encoder_is_understood_by_the_reference_decoder(
    blocks: List[List[Header]], table: int
) -> None:
    encoders = [twin(BASE, impl).Encoder() for impl in IMPLS]
    for encoder in encoders:
        encoder.set_max_size(table)
    reference = hpack.Decoder()
    for block in blocks:
        outputs = [encoder.encode(block) for encoder in encoders]
        assert outputs == [outputs[0]] * len(outputs)  # the twins agree byte for byte
        assert reference.decode(outputs[0], raw=True) == block


def test_repeated_requests_become_one_byte_per_field(impl: str) -> None:
    encoder = twin(BASE, impl).Encoder()
    block = [(b":method", b"GET"), (b":authority", b"example.test"), (b"user-agent", b"x/1")]
    first = encoder.encode(block)
    assert len(encoder.encode(block)) == 3 < len(first)
    # Credentials are never indexed, paths are not indexed either.
    secret = [(b"authorization", b"Bearer t"), (b":path", b"/a")]
    assert encoder.encode(secret) == encoder.encode(secret)
    assert hpack.Decoder().decode(encoder.encode(secret), raw=True) == secret


def test_limits_fail_the_list_but_keep_the_table_in_step(impl: str) -> None:
    decoder = twin(BASE, impl).Decoder(4096, 200, 5)
    encoder = hpack.Encoder()
    too_big = [(b"x-%d" % i, b"v" * 40) for i in range(6)]
    assert decoder.decode(encoder.encode(too_big)) is None
    assert "6 fields" in decoder.limit_error
    # The next block indexes entries the refused block added: they must be there.
    assert decoder.decode(encoder.encode(too_big[:2])) == too_big[:2]


@pytest.mark.parametrize(
    "data",
    [
        b"\x80",  # index 0
        b"\xff\x80",  # index beyond the tables
        b"\x40\x05ab",  # string longer than the block
        b"\x40",  # truncated literal
        b"\xff\xff\xff\xff\xff\x0f",  # integer too large
        b"\x3f\xe1\x7f",  # table size update above the advertised 4096
        b"\x82\x20",  # table size update after a field
        b"\x7f",  # truncated integer
    ],
)
def test_malformed_blocks(impl: str, data: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        twin(BASE, impl).Decoder().decode(data)


def test_table_size_update_evicts(impl: str) -> None:
    decoder = twin(BASE, impl).Decoder()
    encoder = hpack.Encoder()
    assert decoder.decode(encoder.encode([(b"x-a", b"1")])) == [(b"x-a", b"1")]
    assert decoder.table_size == 36
    assert decoder.decode(b"\x20") == []
    assert decoder.table_size == 0
    with pytest.raises(RemoteProtocolError):
        decoder.decode(b"\xbe")  # the evicted entry


def test_entry_larger_than_the_table_empties_it(impl: str) -> None:
    decoder = twin(BASE, impl).Decoder(100, 65536, 100)
    decoder.decode(b"\x40\x01a\x01b")
    assert len(decoder.table) == 1
    big = b"\x40\x01c\x7f\x00" + b"d" * 127
    assert decoder.decode(big) == [(b"c", b"d" * 127)]
    assert len(decoder.table) == 0 and decoder.table_size == 0


def test_repeated_blocks_replay_their_insertions(impl: str) -> None:
    """nginx's pattern: the same literal-with-indexing block for every response. A
    memoised block must still add its entries, or later references would be wrong."""
    decoder = twin(BASE, impl).Decoder()
    block = b"\x88" + b"\x40\x03x-a\x01" + b"1"  # :status 200, then x-a: 1 (indexed)
    for n in range(1, 4):
        assert decoder.decode(block) == [(b":status", b"200"), (b"x-a", b"1")]
        assert len(decoder.table) == n and decoder.table_size == 36 * n
    # A block that references the dynamic table is decoded, not memoised.
    assert decoder.decode(b"\xbe\xc0") == [(b"x-a", b"1"), (b"x-a", b"1")]
    decoder.decode(b"\x20")  # size update to 0 empties the table ...
    assert decoder.decode(block) == [(b":status", b"200"), (b"x-a", b"1")]
    assert len(decoder.table) == 0  # ... and the replayed insertion respects the new size
