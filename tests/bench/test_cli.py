"""``fastclient bench`` as a user runs it: a separate process, its exit status, its report
and its JSON. Faults come from small scripted servers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

from fastclient._bench.histogram import Histogram
from tests.servers.app import lifespan, read_body
from tests.servers.raw import RawServer, read_request_head, recording, reset

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
RawFactory = Callable[[Callable[[socket.socket], None]], RawServer]


def bench(
    *args: str,
    timeout: float = 60,
    env: Optional[Dict[str, str]] = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastclient", "bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=dict(os.environ, **(env or {})),
    )


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def load(path: Path) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(path.read_text())
    return data


def check_histogram(data: Dict[str, Any]) -> Histogram:
    h = Histogram.from_dict(data["histogram"])  # raises unless the buckets add up
    assert h.total == data["responses"] == data["latency"]["count"]
    assert data["latency"]["min"] <= data["latency"]["p50"] <= data["latency"]["p99"]
    assert data["latency"]["p99"] <= data["latency"]["max"]
    return h


def test_embedded_server_run_with_json(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = bench("-n", "2000", "-c", "8", "--no-progress", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    data = load(out)
    assert data["embedded_server"] is True
    assert (data["requests"], data["responses"], data["errors"]) == (2000, 2000, {})
    assert data["status_codes"] == {"200": 2000}
    assert data["connections"] == 8 and data["req_per_s"] > 0 and data["cpu_us_per_req"] > 0
    check_histogram(data)
    text = proc.stdout
    for needle in (
        "embedded server",
        "Requests      2,000",
        "Status codes  200: 2,000",
        "Errors        none",
        "p50 ",
        "p99.9 ",
        "max ",
        "|",
    ):
        assert needle in text
    assert proc.stderr == ""  # --no-progress: nothing on stderr


def test_two_workers_merge_exactly(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = bench("-n", "2001", "-c", "8", "-w", "2", "--no-progress", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    data = load(out)
    assert data["workers"] == 2
    assert (data["requests"], data["responses"]) == (2001, 2001)
    assert check_histogram(data).total == 2001
    assert "2 workers" in proc.stdout


def test_rate_keeps_the_arrival_rate(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = bench("-n", "400", "-c", "4", "--rate", "800", "--no-progress", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    data = load(out)
    assert data["responses"] == 400 and data["requested"]["rate"] == 800
    # Never ahead of the schedule: the last of 400 starts is due 399/800 s = 0.49875 s in,
    # and may go out at most 1 ms early. (How closely the schedule is kept is checked on
    # a virtual clock in test_pacing.py: a wall-clock bound here would measure the host,
    # whose virtual CPUs were seen losing 1.6 s at a time to the hypervisor.)
    assert data["elapsed_s"] >= 0.49875 - 0.001
    assert "open model at 800 req/s" in proc.stdout and "intended start" in proc.stdout


def test_duration_and_plain_progress_when_not_a_tty(tmp_path: Path) -> None:
    proc = bench("-d", "1.3s", "-c", "4")
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert lines and all("requests" in x and "req/s" in x for x in lines)
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr


def test_resetting_server_is_counted_by_class(raw_server: RawFactory, tmp_path: Path) -> None:
    def handler(sock: socket.socket) -> None:
        read_request_head(sock)
        reset(sock)

    server = raw_server(handler)
    out = tmp_path / "out.json"
    proc = bench(
        server.url + "/", "-n", "30", "-c", "3", "-w", "1", "--no-progress", "--json", str(out)
    )
    assert proc.returncode == 1
    no_traceback(proc)
    data = load(out)
    assert data["requests"] == 30 and data["responses"] == 0
    assert "ReadError" in data["errors"] and sum(data["errors"].values()) == 30
    assert "ReadError" in proc.stdout


def test_garbage_is_counted_by_class(raw_server: RawFactory) -> None:
    def handler(sock: socket.socket) -> None:
        while read_request_head(sock):
            sock.sendall(b"\x16\x03\x01 this is not HTTP\r\n\r\n")

    proc = bench(raw_server(handler).url, "-n", "20", "-c", "2", "-w", "1", "--no-progress")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "RemoteProtocolError" in proc.stdout and "20" in proc.stdout


def test_refused_port_is_one_clear_message() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    try:
        proc = bench(f"http://127.0.0.1:{port}/", "-n", "10", "--no-progress")
    finally:
        sock.close()
    assert proc.returncode == 1
    no_traceback(proc)
    assert "ConnectError" in proc.stderr and "refused" in proc.stderr.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-a-url"], "invalid URL"),
        (["http://[::1/"], "invalid URL"),
        (["-c", "-3"], "--concurrency"),
        (["-d", "forever"], "invalid duration"),
        (["--rate", "-1"], "--rate"),
        (["-H", "broken"], "invalid header"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_options_exit_2_with_a_message(args: List[str], message: str) -> None:
    proc = bench(*args)
    assert proc.returncode == 2
    no_traceback(proc)
    assert message in proc.stderr and proc.stdout == ""


def test_help() -> None:
    proc = bench("--help")
    assert proc.returncode == 0 and "--concurrency" in proc.stdout and "Exit status" in proc.stdout


def _interrupt(args: List[str], wait_for: str) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastclient", "bench", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 30
        # Plain progress prints a line a second once the load runs: then interrupt.
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if wait_for in line:
                break
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigint_prints_the_report_of_what_ran(workers: str) -> None:
    proc = _interrupt(["-d", "60s", "-c", "4", "-w", workers], "req/s")
    assert proc.returncode == 130, proc.stderr
    no_traceback(proc)
    assert "interrupted" in proc.stdout and "Requests" in proc.stdout
    assert "Status codes  200:" in proc.stdout


def test_https_verification_and_insecure(https_server: Any, ca_bundle: str) -> None:
    url = https_server.url + "/"
    refused = bench(url, "-n", "5", "-c", "1", "--no-progress", env={"SSL_CERT_FILE": ""})
    assert refused.returncode == 1 and "not trusted" in refused.stderr
    no_traceback(refused)
    trusted = bench(
        url, "-n", "40", "-c", "2", "-w", "1", "--no-progress", env={"SSL_CERT_FILE": ca_bundle}
    )
    assert trusted.returncode == 0, trusted.stderr + trusted.stdout
    assert "Status codes  200: 40" in trusted.stdout
    insecure = bench(
        url,
        "-n",
        "10",
        "-c",
        "2",
        "-w",
        "1",
        "--no-progress",
        "--insecure",
        env={"SSL_CERT_FILE": ""},
    )
    assert insecure.returncode == 0 and "200: 10" in insecure.stdout


def test_post_with_body_and_headers(raw_server: RawFactory) -> None:
    seen: List[bytes] = []
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    server = raw_server(recording(seen, created, with_body=True))
    proc = bench(
        server.url + "/items?x=1",
        "-m",
        "POST",
        "--body",
        '{"a": 1}',
        "-H",
        "Content-Type: application/json",
        "-n",
        "5",
        "-c",
        "1",
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr
    assert "201: 5" in proc.stdout and len(seen) == 5
    first = seen[0]
    assert first.startswith(b"POST /items?x=1 HTTP/1.1\r\n")
    assert b"Content-Type: application/json\r\n" in first and b"Content-Length: 8\r\n" in first
    assert first.endswith(b'\r\n\r\n{"a": 1}')


def _recording_app(seen: List[Dict[str, Any]]) -> Any:
    """An ASGI app that records each request (version, method, target, headers, body)."""

    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        body = await read_body(receive)
        seen.append(
            {
                "version": scope["http_version"],
                "method": scope["method"],
                "target": scope["path"] + "?" + scope["query_string"].decode(),
                "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
                "body": body,
            }
        )
        await send(
            {"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"5")]}
        )
        await send({"type": "http.response.body", "body": b"made!"})

    return app


def test_http2_engine_over_h2c(serve_asgi: Callable[..., Any], tmp_path: Path) -> None:
    """--http2 drives fastclient's HTTP/2 pool: every request on HTTP/2, with the same
    headers the HTTP/1.1 engine sends, every response counted with its body."""
    seen: List[Dict[str, Any]] = []
    server = serve_asgi(_recording_app(seen))
    out = tmp_path / "h2.json"
    proc = bench(
        server.url + "/items?x=1",
        "--http2",
        "-m",
        "POST",
        "--body",
        "abc",
        "-H",
        "X-Test: yes",
        "-n",
        "300",
        "-c",
        "16",
        "-w",
        "1",
        "--no-progress",
        "--json",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    no_traceback(proc)
    data = load(out)
    assert (data["requests"], data["responses"], data["errors"]) == (300, 300, {})
    assert data["status_codes"] == {"201": 300}
    assert data["bytes_read"] == 300 * len(b"made!")
    check_histogram(data)
    assert "HTTP/2" in proc.stdout and "(response bodies)" in proc.stdout
    assert len(seen) == 300
    for request in seen:
        assert request["version"] == "2"
        assert (request["method"], request["target"], request["body"]) == (
            "POST",
            "/items?x=1",
            b"abc",
        )
        headers = request["headers"]
        assert headers["user-agent"].startswith("fastclient-bench/")
        assert headers["x-test"] == "yes" and headers["content-length"] == "3"
        assert "connection" not in headers  # no HTTP/1.1 connection header on HTTP/2


def test_http2_engine_over_tls_with_alpn(serve_asgi: Callable[..., Any], ca_bundle: str) -> None:
    seen: List[Dict[str, Any]] = []
    server = serve_asgi(_recording_app(seen), tls=True)
    proc = bench(
        server.url + "/",
        "--http2",
        "-n",
        "40",
        "-c",
        "4",
        "-w",
        "1",
        "--no-progress",
        env={"SSL_CERT_FILE": ca_bundle},
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "201: 40" in proc.stdout and "Errors        none" in proc.stdout
    assert [r["version"] for r in seen] == ["2"] * 40
    refused = bench(
        server.url + "/",
        "--http2",
        "-n",
        "5",
        "-c",
        "1",
        "--no-progress",
        env={"SSL_CERT_FILE": ""},
    )
    assert refused.returncode == 1 and "not trusted" in refused.stderr
    no_traceback(refused)
