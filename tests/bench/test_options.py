"""Option parsing: good values become a BenchOptions, bad ones a one-line UsageError."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastclient._bench.options import (
    UsageError,
    default_workers,
    parse_args,
    parse_duration,
    usable_cores,
)
from fastclient._bench.request import build_request, request_headers


def test_defaults_use_the_embedded_server_for_five_seconds() -> None:
    opts = parse_args([])
    assert opts.url is None
    assert (opts.concurrency, opts.duration, opts.requests) == (64, 5.0, None)
    assert opts.method == "GET" and opts.progress and opts.rate is None


def test_url_and_options() -> None:
    opts = parse_args(
        [
            "https://example.test:8443/a?q=1",
            "-c",
            "3",
            "-n",
            "10",
            "-m",
            "post",
            "-H",
            "X-A: 1",
            "-H",
            "x-b:two",
            "--body",
            "hi",
            "--rate",
            "50",
            "-w",
            "2",
            "--timeout",
            "1.5",
            "--insecure",
            "--no-progress",
            "--json",
            "out.json",
        ]
    )
    assert (opts.scheme, opts.host, opts.port, opts.target) == (
        "https",
        "example.test",
        8443,
        "/a?q=1",
    )
    assert opts.host_header == "example.test:8443"
    assert (opts.concurrency, opts.requests, opts.duration) == (3, 10, None)
    assert opts.method == "POST" and opts.body == b"hi"
    assert opts.headers == [("X-A", "1"), ("x-b", "two")]
    assert (opts.rate, opts.workers, opts.timeout) == (50.0, 2, 1.5)
    assert opts.insecure and not opts.progress and opts.json_path == "out.json"


def test_body_file(tmp_path: Path) -> None:
    path = tmp_path / "body.bin"
    path.write_bytes(b"\x00\x01data")
    assert parse_args(["--body-file", str(path)]).body == b"\x00\x01data"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ftp://x/"], "scheme must be http or https"),
        (["http://"], "no host"),
        (["http://x:99999/"], "invalid URL"),
        (["http://x/a b"], "whitespace"),
        (["not a url"], "scheme"),
        (["-c", "0"], "--concurrency must be between 1"),
        (["-c", "many"], "--concurrency must be a whole number"),
        (["-n", "-5"], "--requests must be between 1"),
        (["-n", "5", "-d", "1s"], "not both"),
        (["-d", "5x"], "invalid duration"),
        (["-d", "0"], "duration must be positive"),
        (["--rate", "0"], "--rate must be a positive number"),
        (["--rate", "inf"], "--rate must be a positive number"),
        (["--rate", "fast"], "--rate must be a number"),
        (["--timeout", "-1"], "--timeout must be a positive number"),
        (["-w", "0"], "--workers must be between 1"),
        (["-m", "GE T"], "invalid method"),
        (["-H", "no colon"], "invalid header"),
        (["-H", "Bad Name: v"], "invalid header"),
        (["-H", "X: \u2603"], "not latin-1"),
        (["--body", "a", "--body-file", "b"], "not allowed with argument"),
        (["--body-file", "/nonexistent/file"], "cannot read --body-file"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_values_are_usage_errors(argv: list, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("-", r"\-").replace(".", r"\.")):
        parse_args(argv)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5", 5.0), ("5s", 5.0), ("250ms", 0.25), ("1.5m", 90.0), ("2h", 7200.0), (".5", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_default_workers_leave_a_core_for_the_embedded_server() -> None:
    cores = usable_cores()
    assert default_workers(embedded=False) == cores
    assert default_workers(embedded=True) == max(1, cores - 1)


def test_request_is_serialised_once_with_defaults_overridable() -> None:
    headers = request_headers("h:1", "POST", [("user-agent", "me")], b"abc")
    names = [n.lower() for n, _ in headers]
    assert names.count("user-agent") == 1 and ("user-agent", "me") in headers
    assert ("Content-Length", "3") in headers and ("Host", "h:1") in headers
    raw = build_request("POST", "/p?x=1", "h:1", [("X-T", "v")], b"abc")
    assert raw.startswith(b"POST /p?x=1 HTTP/1.1\r\nHost: h:1\r\n")
    assert raw.endswith(b"X-T: v\r\n\r\nabc")
    get = build_request("GET", "/", "h", [], None)
    assert b"Content-Length" not in get and get.endswith(b"\r\n\r\n")
