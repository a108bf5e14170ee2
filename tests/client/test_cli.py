"""The `get`/`request` command line, against the real local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fastclient._cli import main

pytestmark = pytest.mark.network


def test_get_prints_status_headers_and_body(
    http_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["get", http_server.url + "/"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("HTTP/1.1 200 OK\n")
    assert "content-type: text/plain\n" in out.lower()
    assert out.endswith("\n\nHello, world!\n")


def test_request_with_options(http_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "request",
            "post",
            http_server.url + "/echo",
            "-H",
            "X-Test: yes",
            "-p",
            "q=1",
            "-j",
            '{"a": 1}',
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    echoed = json.loads(out.split("\n\n", 1)[1])
    assert echoed["method"] == "POST"
    assert echoed["query"] == "q=1"
    assert ["x-test", "yes"] in echoed["headers"]
    assert json.loads(echoed["body"]) == {"a": 1}


def test_verbose_follow_redirects(http_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", http_server.url + "/redirect/1", "-L", "-v"]) == 0
    out = capsys.readouterr().out
    assert out.count("> GET ") == 3
    assert out.count("HTTP/1.1 302 Found") == 2
    assert out.endswith("Hello, world!\n")


def test_error_status_exit_code(http_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", http_server.url + "/status/404"]) == 1
    assert "404 Not Found" in capsys.readouterr().out


def test_binary_download(
    http_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.bin"
    assert main(["get", http_server.url + "/bytes/100", "-o", str(target)]) == 0
    assert target.read_bytes() == b"x" * 100
    assert "100 bytes saved" in capsys.readouterr().out
    assert main(["get", http_server.url + "/bytes/5"]) == 0
    assert "[5 bytes of binary data]" in capsys.readouterr().out


def test_request_error_and_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "http://127.0.0.1:1/"]) == 1
    assert "ConnectError" in capsys.readouterr().err
    assert main(["get"]) == 2
    assert main(["get", "http://127.0.0.1:1/", "-H", "no-colon"]) == 2
    assert "NAME:VALUE" in capsys.readouterr().err
