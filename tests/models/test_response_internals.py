"""The client-facing internals of Response: the elapsed timer, and what stays lazy."""

from __future__ import annotations

import asyncio
import pickle
import time
from datetime import timedelta
from typing import AsyncIterator, Iterator, List

import pytest

from fastclient._models import Response
from fastclient._streams import AsyncByteStream, ByteStream, SyncByteStream


class Recording(SyncByteStream):
    def __init__(self, events: List[str]) -> None:
        self.events = events

    def __iter__(self) -> Iterator[bytes]:
        yield b"body"

    def close(self) -> None:
        self.events.append("stream closed")


class AsyncRecording(AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"body"


def test_elapsed_timer_is_stopped_by_reading_to_the_end() -> None:
    events: List[str] = []
    response = Response(200, stream=Recording(events))
    started = time.perf_counter() - 0.25
    response._start_elapsed_timer(started)
    with pytest.raises(RuntimeError):
        _ = response.elapsed  # not before the response closes
    assert response.read() == b"body"
    assert events == ["stream closed"]
    assert 0.25 <= response.elapsed.total_seconds() < 60
    first = response.elapsed
    response.close()
    assert response.elapsed == first  # set once


def test_elapsed_timer_is_stopped_by_close_and_aclose() -> None:
    response = Response(200, stream=Recording([]))
    response._start_elapsed_timer(time.perf_counter())
    response.close()
    assert response.elapsed.total_seconds() >= 0

    async def main() -> None:
        async_response = Response(200, stream=AsyncRecording())
        async_response._start_elapsed_timer(time.perf_counter())
        await async_response.aclose()
        assert async_response.elapsed.total_seconds() >= 0

    asyncio.run(main())


def test_no_timer_no_elapsed() -> None:
    response = Response(200, stream=Recording([]))
    response.close()
    with pytest.raises(RuntimeError):
        _ = response.elapsed


def test_transport_response_stays_unprocessed() -> None:
    stream = ByteStream(b"hello, world!")
    response = Response(200, headers=[(b"content-length", b"13")], stream=stream)
    assert response.headers._keys is None  # headers not looked at
    assert response.stream is stream and not response.is_stream_consumed
    for name in ("_cookies", "_num_bytes_downloaded"):
        assert not hasattr(response, name)  # lazily created state
    # Set, not left unset: every response's close reads the timer's, most reads of text
    # the text's (a getattr that misses raises and discards an AttributeError, which
    # costs more than the assignment).
    for name in ("_elapsed", "_elapsed_start", "_text", "_encoding"):
        assert getattr(response, name) is None
    assert response.num_bytes_downloaded == 0
    assert response.read() == b"hello, world!"
    assert response.num_bytes_downloaded == 13


def test_in_memory_response_is_read_without_streaming() -> None:
    response = Response(200, content=b"abc")
    assert response.is_closed and response.is_stream_consumed
    assert response.content == b"abc"
    assert response.num_bytes_downloaded == 0  # as in httpx: nothing was downloaded


def test_elapsed_is_kept_as_seconds_until_read() -> None:
    response = Response(200, stream=Recording([]))
    response._start_elapsed_timer(time.perf_counter() - 0.5)
    response.close()
    # The timer leaves a float: the timedelta costs a microsecond, and most go unread.
    raw = response._elapsed
    assert isinstance(raw, float) and 0.5 <= raw < 60
    elapsed = response.elapsed
    assert isinstance(elapsed, timedelta)
    assert elapsed == timedelta(seconds=raw)
    assert response.elapsed is elapsed  # built once, then kept


def test_assigned_elapsed_is_returned_as_given_and_survives_pickling() -> None:
    response = Response(200, stream=Recording([]))
    response._start_elapsed_timer(time.perf_counter())
    given = timedelta(seconds=2.25)
    response.elapsed = given
    response.close()  # the timer does not overwrite an assigned value
    assert response.elapsed is given

    timed = Response(200, content=b"x")
    timed._start_elapsed_timer(time.perf_counter() - 0.25)
    timed._stop_elapsed_timer()
    assert isinstance(timed._elapsed, float)  # pickled before anyone read it
    copy = pickle.loads(pickle.dumps(timed))
    assert copy.elapsed == timed.elapsed and copy.elapsed >= timedelta(seconds=0.25)
