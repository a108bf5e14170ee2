"""The side-by-side suite's plumbing: the pinned nginx, the row format and the table."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest

from benchmarks.__main__ import discover, markdown, plot
from benchmarks._common import make_row
from benchmarks._nginx import Nginx, nginx_available


def test_rows_and_markdown_table() -> None:
    rows = [
        make_row("s1", "wrk (C)", 90_000, 3.0, 0.9),
        make_row("s1", "fastclient bench", 60_000, 3.0, 1.2),
        make_row("s2", "h2load (C)", 30_000, 2.0, None),
    ]
    assert rows[0] == {"scenario": "s1", "client": "wrk (C)", "requests": 90_000,
                       "seconds": 3.0, "req_per_s": 30_000.0, "cpu_us_per_req": 10.0}
    text = markdown(rows, "Measured today.", [("bench_x", "no run(ctx)")])
    assert text.startswith("Measured today.\n")
    assert "| wrk (C) | 30,000 | 100% | 10.0 | 90,000 | 3.00 |" in text
    assert "| fastclient bench | 20,000 | 67% | 20.0 | 60,000 | 3.00 |" in text
    assert "| h2load (C) | 15,000 | 100% | - |" in text
    assert "**s2**" in text and "- skipped `bench_x`: no run(ctx)" in text


def test_discover_finds_the_scenario_modules() -> None:
    assert "bench_bench" in discover([])
    assert discover(["bench"]) == ["bench_bench"]


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
