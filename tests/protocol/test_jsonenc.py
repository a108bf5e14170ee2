"""JSON encoding detection (fastclient._protocol._jsonenc), both twins.

The expected answers come from an oracle written differently from the implementation:
it lists which encodings the zero-byte *mask* of the sample is consistent with and
answers only when exactly one is. Each twin is checked against the oracle and against
the pure twin, exhaustively over an alphabet of the bytes that matter, and by hypothesis
on random prefixes.
"""

from __future__ import annotations

import codecs
import itertools
import json
from types import ModuleType
from typing import Any, Callable, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastclient._protocol import jsonenc
from tests.helpers import twin

BASE = "fastclient._protocol._jsonenc"

BOMS: List[Tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

# Zero-byte masks (True = zero byte) of the first four bytes of a JSON text: its first
# character is ASCII and no character is U+0000.
_PREFIX_MASKS: List[Tuple[str, Callable[[Tuple[bool, ...]], bool]]] = [
    ("utf-8", lambda m: not any(m)),
    ("utf-32-be", lambda m: m == (True, True, True, False)),
    ("utf-32-le", lambda m: m == (False, True, True, True)),
    ("utf-16-be", lambda m: m[:2] == (True, False) and m[2:] != (True, True)),
    ("utf-16-le", lambda m: m[:2] == (False, True) and m[2:] != (True, True)),
]


def oracle(data: bytes) -> Optional[str]:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4]
    mask = tuple(b == 0 for b in sample)
    if not sample:
        return None
    if len(sample) < 4:
        # A body this short is complete: UTF-32 cannot fit, UTF-16 needs two bytes.
        candidates = []
        if not any(mask):
            candidates.append("utf-8")
        if mask == (True, False):
            candidates.append("utf-16-be")
        if mask == (False, True):
            candidates.append("utf-16-le")
    else:
        candidates = [name for name, fits in _PREFIX_MASKS if fits(mask)]
    assert len(candidates) <= 1, (data, candidates)
    return candidates[0] if candidates else None


@pytest.fixture
def mod(impl: str) -> ModuleType:
    return twin(BASE, impl)


@pytest.fixture
def pure() -> ModuleType:
    return twin(BASE, "py")


# Every byte value the rules distinguish, plus ordinary ASCII and non-ASCII bytes.
ALPHABET = [0x00, 0x22, 0x31, 0x4E, 0x7B, 0x80, 0xBB, 0xBF, 0xEF, 0xFE, 0xFF]


def all_samples() -> List[bytes]:
    out = []
    for length in range(5):
        out.extend(bytes(t) for t in itertools.product(ALPHABET, repeat=length))
    return out


SAMPLES = all_samples()

# `impl` is function-scoped but only names a module: sharing it across examples is safe.
FIXTURE_OK = [HealthCheck.function_scoped_fixture]


def test_exhaustive_against_oracle_and_pure_twin(mod: ModuleType, pure: ModuleType) -> None:
    assert len(SAMPLES) == sum(len(ALPHABET) ** k for k in range(5))
    for data in SAMPLES:
        got = mod.guess_json_utf(data)
        assert got == oracle(data), data
        assert got == pure.guess_json_utf(data), data
        if len(data) == 4:
            # Only the first four bytes count.
            assert mod.guess_json_utf(data + b"\x00") == got
            assert mod.guess_json_utf(data + b"\xff{") == got


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", None),
        (b"{", "utf-8"),
        (b'{"a": 1}', "utf-8"),
        (b"\xef\xbb\xbf{}", "utf-8-sig"),
        (b"\xff\xfe{\x00}\x00", "utf-16"),
        (b"\xfe\xff\x00{\x00}", "utf-16"),
        (b"\xff\xfe\x00\x00{\x00\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff\x00\x00\x00{", "utf-32"),
        (b"\x00{\x00}", "utf-16-be"),
        (b"{\x00}\x00", "utf-16-le"),
        (b'"\x00\x00N"\x00', "utf-16-le"),  # "U+4E00": RFC 4627's table has no answer
        (b'\x00"N\x00\x00"', "utf-16-be"),
        (b"\x00\x00\x00{", "utf-32-be"),
        (b"{\x00\x00\x00", "utf-32-le"),
        (b"1\x00", "utf-16-le"),
        (b"\x001", "utf-16-be"),
        (b"1\x00\x00", None),
        (b"\x00", None),
        (b"\x00\x00\x00\x00", None),
        (b"{\x00\x00", None),
        (b"ab\x00c", None),
    ],
)
def test_known_answers(mod: ModuleType, data: bytes, expected: Optional[str]) -> None:
    assert mod.guess_json_utf(data) == expected


@given(st.binary(max_size=8))
@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
def test_random_prefixes(impl: str, data: bytes) -> None:
    got = twin(BASE, impl).guess_json_utf(data)
    assert got == twin(BASE, "py").guess_json_utf(data)
    assert got == oracle(data)


# Random bytes rarely hit zero or BOM bytes; these prefixes are drawn from ALPHABET.
@given(st.lists(st.sampled_from(ALPHABET), max_size=7).map(bytes))
@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
def test_random_interesting_prefixes(impl: str, data: bytes) -> None:
    got = twin(BASE, impl).guess_json_utf(data)
    assert got == twin(BASE, "py").guess_json_utf(data)
    assert got == oracle(data)


@pytest.mark.parametrize("bad", [bytearray(b"{}"), memoryview(b"{}"), "{}", None, 7])
def test_non_bytes_is_type_error(mod: ModuleType, bad: Any) -> None:
    with pytest.raises(TypeError):
        mod.guess_json_utf(bad)


def test_bytes_subclass_is_type_error_in_both(mod: ModuleType) -> None:
    # The compiled twin's typed argument takes exactly bytes; the pure one must agree.
    class Sub(bytes):
        pass

    with pytest.raises(TypeError):
        mod.guess_json_utf(Sub(b"{}"))


ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(obj=json_values, ensure_ascii=st.booleans(), indent=st.sampled_from([None, 1]))
@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_OK)
def test_round_trip(
    impl: str, encoding: str, obj: Any, ensure_ascii: bool, indent: Optional[int]
) -> None:
    text = json.dumps(obj, ensure_ascii=ensure_ascii, indent=indent)
    # Leading whitespace is allowed and must not confuse the detection either.
    for prefix in ("", " ", "\n\t"):
        body = (prefix + text).encode(encoding)
        detected = twin(BASE, impl).guess_json_utf(body)
        assert detected is not None, body
        assert json.loads(body.decode(detected)) == obj


def test_public_module_uses_the_active_twin() -> None:
    from fastclient import _impl

    assert jsonenc.guess_json_utf is _impl.load(BASE).guess_json_utf
    assert jsonenc.guess_json_utf(b"\x00{\x00}") == "utf-16-be"


def test_compiled_twin_is_a_c_function(impl: str) -> None:
    function = twin(BASE, impl).guess_json_utf
    if impl == "c":
        assert type(function).__name__ == "builtin_function_or_method"
    else:
        assert type(function).__name__ == "function"
