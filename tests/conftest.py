"""Fixtures shared by the whole suite.

* ``impl``: "py" or "c"; twin-sensitive tests take it and run once per implementation.
* real servers on 127.0.0.1 (see tests/servers/): HTTP/1.1, h2c and TLS with ALPN.
* ``raw_server``: a socket server that runs a scripted handler per connection.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
from hypothesis import HealthCheck, settings

from fastclient import _impl

pytest_plugins = ["tests.servers.fixtures"]

# The `impl` fixture is function-scoped but holds no state (it names a twin), so reusing it
# across hypothesis examples is correct; CI runs fewer examples than a developer's "dev" run.
settings.register_profile(
    "default",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile(os.environ.get("FASTCLIENT_HYPOTHESIS_PROFILE", "default"))

IMPLS = ["py"] if _impl.IMPLEMENTATION == "py" else ["py", "c"]


@pytest.fixture(params=IMPLS)
def impl(request: pytest.FixtureRequest) -> str:
    """Which twin to test: both in one run on CPython, only "py" in a pure run."""
    return str(request.param)


def pytest_sessionstart(session: pytest.Session) -> None:
    # A compiled twin that fails to import must fail the run, never slow it down silently.
    if _impl.IMPLEMENTATION == "c":
        for base in _impl.TWINS:
            # (test_foundation asserts separately that every twin exists in both forms)
            if importlib.util.find_spec(base + "_py") is not None:
                _impl.load(base)
        if _impl.FAILED:
            raise pytest.UsageError(
                "compiled fastclient modules failed to import: "
                + "; ".join(f"{k}: {v}" for k, v in _impl.FAILED.items())
                + " (build them with `python setup.py build_ext --inplace` or `pip install .`;"
                " set FASTCLIENT_NO_EXTENSIONS=1 to test the pure twins only)"
            )


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"fastclient implementation: {_impl.IMPLEMENTATION}"
        f" (FASTCLIENT_NO_EXTENSIONS={os.environ.get('FASTCLIENT_NO_EXTENSIONS', '')!r})"
    )
