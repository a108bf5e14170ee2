"""The side-by-side suite's plumbing: the pinned nginx, the row format and the table."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import discover, markdown, plot
from benchmarks._common import ROOT, Context, make_micro_row, make_row, make_skip_row
from benchmarks._nginx import Nginx, nginx_available


def test_rows_and_markdown_table() -> None:
    rows = [
        make_row("s1", "wrk (C)", 90_000, 3.0, 0.9),
        make_row("s1", "fastclient bench", 60_000, 3.0, 1.2),
        make_row("s2", "h2load (C)", 30_000, 2.0, None),
    ]
    assert rows[0] == {
        "scenario": "s1",
        "client": "wrk (C)",
        "requests": 90_000,
        "seconds": 3.0,
        "req_per_s": 30_000.0,
        "cpu_us_per_req": 10.0,
    }
    text = markdown(rows, "Measured today.", [("bench_x", "no run(ctx)")])
    assert text.startswith("Measured today.\n")
    assert "| wrk (C) | 30,000 | 100% | 10.0 | 90,000 | 3.00 |" in text
    assert "| fastclient bench | 20,000 | 67% | 20.0 | 60,000 | 3.00 |" in text
    assert "| h2load (C) | 15,000 | 100% | - |" in text
    assert "**s2**" in text and "- skipped `bench_x`: no run(ctx)" in text


def test_notes_rank_and_skipped_peers() -> None:
    rows = [
        make_row("sweep", "c, 16 in flight", 1_000, 1.0, 0.1, rank=0),
        make_row("sweep", "c, 64 in flight", 3_000, 1.0, 0.3, rank=1),
        make_skip_row("sweep", "peer", "not installed (pip install peer)", rank=2),
    ]
    assert "note" not in rows[0] and rows[2]["requests"] == 0
    text = markdown(rows, "h", [])
    lines = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    # the rank keeps the sweep in concurrency order, and the note column appears
    assert lines[0].endswith("| seconds | note |")
    assert lines[1].startswith("| c, 16 in flight | 1,000 | 33% |")
    assert lines[2].startswith("| c, 64 in flight | 3,000 | 100% |")
    assert lines[3] == "| peer | - | - | - | - | - | not installed (pip install peer) |"


def test_median_of_runs_with_their_range() -> None:
    from benchmarks.bench_transport import median_row

    runs = [
        make_row("s", "c", 3_000, 1.0, 0.3),
        make_row("s", "c", 9_000, 1.0, 0.45),
        make_row("s", "c", 5_000, 1.0, 0.4),
    ]
    row = median_row(runs)
    assert row["req_per_s"] == 5_000 and row["cpu_us_per_req"] == 80.0  # one run's pair
    assert row["range"] == "3,000 to 9,000"
    text = markdown([row], "h", [])
    assert "| seconds | runs' requests/s |" in text
    assert "| c | 5,000 | 100% | 80.0 | 5,000 | 1.00 | 3,000 to 9,000 |" in text
    # a failed run is left out, and said; all failed keeps the failure's row and note
    failed = make_skip_row("s", "c", "failed: boom")
    two = median_row([failed, runs[0], runs[1]])
    assert two["req_per_s"] == 3_000 and two["range"] == "3,000 to 9,000 (1 failed)"
    assert median_row([failed, failed])["note"] == "failed: boom"
    assert "range" not in median_row([runs[1]])


def test_micro_rows_get_their_own_columns() -> None:
    rows = [
        make_micro_row(
            "parse", "slow", 2000.0, "ns/response", higher_is_better=False, extra={"MB/s": 10.0}
        ),
        make_micro_row(
            "parse", "fast", 500.0, "ns/response", higher_is_better=False, extra={"MB/s": 40.0}
        ),
        make_micro_row(
            "parse", "absent", None, "ns/response", higher_is_better=False, note="not installed"
        ),
        make_micro_row("decode", "gzip", 250.0, "MB/s", higher_is_better=None),
    ]
    text = markdown(rows, "h", [])
    assert "| case | ns/response | MB/s | relative | note |" in text
    assert "| fast | 500 | 40.0 | 100% |  |" in text
    assert "| slow | 2,000 | 10.0 | 25% |  |" in text
    assert "| absent | - | - | - | not installed |" in text
    assert "| case | MB/s |\n| --- | ---: |\n| gzip | 250 |" in text


def test_discover_finds_the_scenario_modules() -> None:
    found = discover([])
    assert {"bench_bench", "bench_transport", "bench_http11_parser", "bench_decoders"} <= set(found)
    assert discover(["bench"]) == ["bench_bench"]
    for name in ("bench_transport", "bench_http11_parser", "bench_decoders"):
        module = importlib.import_module(f"benchmarks.{name}")
        assert callable(module.run), name


def test_a_missing_peer_keeps_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import _clients, bench_transport

    monkeypatch.setitem(_clients.CASES, "ghost/sync", (None, "", "no_such_module_fastclient"))
    ctx: Any = Context(
        None,
        duration=1.0,
        connections=4,
        client_core=None,  # type: ignore[arg-type]
        quick=True,
    )
    row = bench_transport._one(ctx, "s", "ghost/sync", "ghost", "ghost-pkg", 1)
    assert row["requests"] == 0 and row["note"] == "not installed (pip install ghost-pkg)"


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="no matplotlib")
def test_plot_writes_a_png(tmp_path: Path) -> None:
    rows = [make_row("s", "a", 10, 1.0, 0.1), make_row("s", "fastclient b", 20, 1.0, None)]
    path = tmp_path / "p.png"
    assert plot(rows, str(path), "title") is None
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.network
@pytest.mark.skipif(not nginx_available(), reason="nginx is not installed")
def test_nginx_serves_http11_and_h2c() -> None:
    with Nginx(core=None) as nginx:
        with socket.create_connection(("127.0.0.1", nginx.http_port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while not data.endswith(b"Hello, world!"):
                chunk = s.recv(4096)
                assert chunk
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(("127.0.0.1", nginx.h2c_port), timeout=5) as s:
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            frame = s.recv(9)
            assert frame[3] == 0x4  # the server's SETTINGS frame: it speaks h2c
        port = nginx.http_port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.skipif(not nginx_available(), reason="nginx is not installed")
def test_quick_suite_on_a_tiny_subset(tmp_path: Path) -> None:
    """The whole harness end to end: nginx, pinned subprocesses, the three output files."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks",
        "--quick",
        "--duration",
        "0.3",
        "--only",
        "transport,http11_parser,decoders",
        "--cases",
        "raw-socket/sync,fastclient-client/sync,fastclient-client/asyncio",
        "--connections",
        "4",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    data = json.loads((tmp_path / "results.json").read_text())
    by_client = {r["client"]: r for r in data["rows"]}
    for client in (
        "floor: raw socket loop",
        "fastclient Client.get",
        "fastclient AsyncClient.get (asyncio)",
    ):
        assert by_client[client]["requests"] > 0, by_client[client]
        assert by_client[client]["cpu_us_per_req"] > 0
    assert by_client["fastclient AsyncClient.get (asyncio)"]["inflight"] == 4
    assert by_client["fastclient (compiled)"]["unit"] == "ns/response"
    assert "gzip" in by_client
    text = (tmp_path / "results.md").read_text()
    assert "**HTTP/1.1 GET, 4 in flight (async)**" in text
    assert "| case | ns/response | MB/s | relative |" in text
    assert "skipped" not in text


@pytest.mark.network
@pytest.mark.skipif(not nginx_available(), reason="nginx is not installed")
def test_fastclient_pool_entry_used_by_bench_http2() -> None:
    from benchmarks.bench_transport import fastclient_pool

    with Nginx(core=None) as nginx:
        assert fastclient_pool(nginx.http_port, 0.2, 4, "asyncio") > 0


def test_a_failed_or_missing_http2_peer_keeps_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from benchmarks import bench_http2

    # "ghost-h2" is unknown to the measuring subprocess, which then fails with no figures;
    # "missing-h2" needs a module that is not installed. Neither reaches a server.
    monkeypatch.setitem(bench_http2.CASES, "ghost-h2", (None, "", "fastclient", "h2c", None))
    monkeypatch.setitem(
        bench_http2.CASES, "missing-h2", (None, "", "no_such_module_fastclient", "h2c", None)
    )
    ctx = SimpleNamespace(
        nginx=SimpleNamespace(h2c_port=1, http_port=1),
        cases=["ghost-h2", "missing-h2"],
        duration=0.1,
        client_core=None,
    )
    rows = {row["client"]: row for row in bench_http2.run(ctx)}
    assert rows["ghost-h2"]["requests"] == 0
    assert rows["ghost-h2"]["note"].startswith("failed: KeyError")
    assert rows["missing-h2"]["requests"] == 0
    assert rows["missing-h2"]["note"] == "not installed (pip install no_such_module_fastclient)"
