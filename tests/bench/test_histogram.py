"""The bench's log-linear histogram: layout, precision, percentiles and exact merging."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastclient._bench.histogram import (
    MAX_VALUE,
    N_BUCKETS,
    Histogram,
    bucket_bounds,
    bucket_index,
)

values = st.integers(min_value=0, max_value=MAX_VALUE)


@given(values)
def test_a_value_lies_in_its_bucket(value: int) -> None:
    low, high = bucket_bounds(bucket_index(value))
    assert low <= value <= high
    # Three significant digits: a bucket is never wider than 1/1024 of its values.
    assert high - low <= low // 1024


def test_buckets_tile_the_range_without_gaps() -> None:
    previous_high = -1
    for index in range(N_BUCKETS):
        low, high = bucket_bounds(index)
        assert low == previous_high + 1
        assert bucket_index(low) == index and bucket_index(high) == index
        previous_high = high
    assert previous_high == MAX_VALUE


def test_small_values_are_exact() -> None:
    for v in (0, 1, 2, 1000, 2047):
        assert bucket_bounds(bucket_index(v)) == (v, v)


def test_out_of_range_values_are_clamped_and_counted() -> None:
    h = Histogram()
    h.record(-5)
    h.record(MAX_VALUE * 4)
    assert h.total == 2 and h.min == 0 and h.max == MAX_VALUE and h.clamped == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=300), st.floats(min_value=0.1, max_value=100.0))
def test_percentiles_match_a_sorted_list_within_precision(data: list, pct: float) -> None:
    h = Histogram()
    for v in data:
        h.record(v)
    ordered = sorted(data)
    exact = ordered[max(1, math.ceil(len(data) * pct / 100.0)) - 1]
    got = h.value_at(pct)
    assert exact <= got <= exact + exact // 1024 + 1
    assert h.min == ordered[0] and h.max == ordered[-1] and h.total == len(data)
    assert h.sum == sum(data)


def test_known_percentiles() -> None:
    h = Histogram()
    for v in range(1, 1001):  # 1..1000, all in exact buckets
        h.record(v)
    assert h.value_at(50) == 500
    assert h.value_at(90) == 900
    assert h.value_at(99.9) == 999
    assert h.value_at(100) == 1000
    assert h.mean() == pytest.approx(500.5)
    assert h.stdev() == pytest.approx(288.675, rel=1e-3)


@settings(max_examples=40, deadline=None)
@given(st.lists(values, max_size=200), st.lists(values, max_size=200))
def test_merging_equals_recording_everything_in_one(a: list, b: list) -> None:
    ha, hb, hall = Histogram(), Histogram(), Histogram()
    for v in a:
        ha.record(v)
        hall.record(v)
    for v in b:
        hb.record(v)
        hall.record(v)
    ha.merge(hb)
    assert ha.counts == hall.counts
    assert (ha.total, ha.sum, ha.max, ha.clamped) == (hall.total, hall.sum, hall.max, hall.clamped)
    if hall.total:
        assert ha.min == hall.min
        for p in (50, 90, 99, 99.9, 100):
            assert ha.value_at(p) == hall.value_at(p)


def test_dict_form_round_trips_exactly() -> None:
    rng = random.Random(7)
    h = Histogram()
    for _ in range(5000):
        h.record(int(rng.lognormvariate(12, 1.5)))
    back = Histogram.from_dict(h.to_dict())
    assert back.counts == h.counts
    assert (back.total, back.sum, back.min, back.max) == (h.total, h.sum, h.min, h.max)
    assert [list(b) for b in back.buckets()] == h.to_dict()["buckets"]


def test_dict_form_is_checked() -> None:
    h = Histogram()
    h.record(5)
    data = h.to_dict()
    data["total"] = 2
    with pytest.raises(ValueError, match="add up"):
        Histogram.from_dict(data)
    data = h.to_dict()
    data["sub_bucket_bits"] = 7
    with pytest.raises(ValueError, match="layout"):
        Histogram.from_dict(data)


def test_empty_histogram() -> None:
    h = Histogram()
    assert h.value_at(50) == 0 and h.mean() == 0.0 and h.stdev() == 0.0
    assert h.to_dict()["min"] == 0 and list(h.buckets()) == []
