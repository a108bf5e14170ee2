"""A load plan for a loopback port, as the bench tests build them: GET / with every
option at a plain default unless a test says otherwise."""

from __future__ import annotations

from typing import Any

from fastclient._bench.plan import Plan
from fastclient._bench.request import build_request


def loopback_plan(port: int, **options: Any) -> Plan:
    settings: dict[str, Any] = dict(
        url=f"http://127.0.0.1:{port}/",
        host="127.0.0.1",
        port=port,
        tls=False,
        insecure=False,
        request=build_request("GET", "/", f"127.0.0.1:{port}", [], None),
        method=b"GET",
        connections=4,
        requests=100,
        duration=None,
        rate=None,
        timeout=5.0,
    )
    settings.update(options)
    return Plan(**settings)
