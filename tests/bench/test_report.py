"""The report (text and JSON) and the live progress line, from hand-made outcomes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from fastclient._bench.histogram import Histogram
from fastclient._bench.plan import Outcome
from fastclient._bench.progress import Progress
from fastclient._bench.report import RunInfo, draw_histogram, format_ns, to_json, write_json
from fastclient._bench.report import render as render_report
from fastclient._bench.workers import split_plan
from fastclient._exceptions import ReadError, RemoteProtocolError
from tests.bench.plans import loopback_plan


def info(**kw: object) -> RunInfo:
    base = dict(
        url="http://127.0.0.1:1/",
        embedded=False,
        connections=8,
        workers=1,
        requests=100,
        duration=None,
        rate=None,
        method="GET",
        http2=False,
        loop="uvloop",
        implementation="compiled core",
    )
    base.update(kw)
    return RunInfo(**base)  # type: ignore[arg-type]


def outcome() -> Outcome:
    out = Outcome()
    for v in [50_000] * 90 + [2_000_000] * 9 + [40_000_000]:
        out.histogram.record(v)
    out.responses = 100
    out.statuses = {200: 95, 503: 5}
    out.add_error(ReadError("[Errno 104] Connection reset by peer"))
    out.add_error(ReadError("again"))
    out.add_error(RemoteProtocolError("bad status line"))
    out.requests += 100
    out.bytes_read = 12_345
    out.elapsed = 2.0
    out.cpu = 0.5
    return out


def test_format_ns_keeps_three_digits() -> None:
    assert format_ns(1_234) == "1.23 µs"
    assert format_ns(45_600) == "45.6 µs"
    assert format_ns(999_000) == "999 µs"
    assert format_ns(2_500_000) == "2.50 ms"
    assert format_ns(3_210_000_000) == "3.21 s"


def test_text_report_has_every_section() -> None:
    text = render_report(outcome(), info())
    assert "Requests      103 in 2.00 s = 52 req/s" in text
    assert "Status codes  200: 95, 503: 5" in text
    assert "Errors        3" in text
    assert "ReadError" in text and "Connection reset by peer" in text
    assert "RemoteProtocolError" in text and "bad status line" in text
    assert "p50 50.0 µs" in text and "p90 50.0 µs" in text and "p99 2.00 ms" in text
    assert "max 40.0 ms" in text
    assert "CPU           0.50 s" in text
    assert text.count("|") >= 2 * 10  # the histogram rows


def test_interrupted_and_open_model_are_said() -> None:
    out = outcome()
    out.interrupted = True
    text = render_report(out, info(rate=500.0, requests=None, duration=10.0))
    assert "interrupted" in text and "open model at 500 req/s" in text
    assert "from intended start times" in text


def test_histogram_drawing() -> None:
    h = Histogram()
    for v in range(1_000, 101_000, 100):
        h.record(v)
    rows = draw_histogram(h, rows=10, width=20)
    assert 10 <= len(rows) <= 11
    shares = [float(r.rsplit("|", 1)[1].strip().rstrip("%")) for r in rows]
    assert abs(sum(shares) - 100.0) < 1.0
    assert all(r.count("|") == 2 for r in rows)
    assert draw_histogram(Histogram()) == []


def test_json_holds_the_full_histogram(tmp_path: Path) -> None:
    out = outcome()
    path = tmp_path / "r.json"
    write_json(str(path), out, info())
    data = json.loads(path.read_text())
    assert data == json.loads(json.dumps(to_json(out, info())))
    assert data["errors"] == {"ReadError": 2, "RemoteProtocolError": 1}
    assert data["status_codes"] == {"200": 95, "503": 5}
    assert 40_000_000 <= data["latency"]["p99.9"] <= data["latency"]["max"] == 40_000_000
    back = Histogram.from_dict(data["histogram"])
    assert back.counts == out.histogram.counts
    assert data["cpu_us_per_req"] == 0.5 / 103 * 1e6


def test_outcomes_cross_the_wire_and_merge() -> None:
    a, b = outcome(), outcome()
    b.elapsed = 3.0
    merged = Outcome.from_wire(json.loads(json.dumps(a.to_wire())))
    merged.merge(b)
    assert merged.requests == 206 and merged.responses == 200
    assert merged.errors == {"ReadError": 4, "RemoteProtocolError": 2}
    assert merged.statuses == {200: 190, 503: 10}
    assert merged.elapsed == 3.0 and merged.cpu == 1.0
    assert merged.histogram.total == 200 and merged.histogram.max == 40_000_000


def test_split_plan_shares_everything_out() -> None:
    plan = loopback_plan(80, connections=10, requests=1001, rate=300.0)
    shares = split_plan(plan, 3)
    assert [s.connections for s in shares] == [4, 3, 3]
    assert sum(s.requests or 0 for s in shares) == 1001
    assert abs(sum(s.rate or 0 for s in shares) - 300.0) < 1e-9
    assert len(split_plan(plan, 50)) == 10  # never more workers than connections


def test_progress_on_a_terminal_redraws_one_line() -> None:
    stream = io.StringIO()
    p = Progress(stream, enabled=True, total_requests=1000, duration=None, tty=True)
    p.update(250, 1, 100)
    p.update(500, 2, 200)
    p.finish()
    text = stream.getvalue()
    assert text.count("\r\x1b[2K") == 3 and "\n" not in text
    assert "[######..................]  25%" in text and " 50% " in text
    assert "2 errors" in text


def test_progress_without_a_terminal_prints_plain_lines() -> None:
    stream = io.StringIO()
    p = Progress(stream, enabled=True, total_requests=None, duration=5.0, tty=False)
    p.update(100, 0, 10)
    p.update(200, 0, 20)  # within the same second: not printed
    p.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "100 requests" in lines[0] and "\x1b" not in lines[0]
    quiet = io.StringIO()
    off = Progress(quiet, enabled=False, total_requests=10, duration=None, tty=True)
    off.update(5, 0, 0)
    off.finish()
    assert quiet.getvalue() == ""
