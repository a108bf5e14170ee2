"""Mount keys: matching, priority, the per-origin cache, and proxies from the environment."""

from __future__ import annotations

from typing import Dict, Optional

import httpx
import pytest

from fastclient._urlpatterns import MountTable, URLPattern, environment_mounts
from fastclient._urls import URL


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        ("all://", "http://example.com", True),
        ("all://", "https://example.com:123", True),
        ("http://", "http://example.com", True),
        ("http://", "https://example.com", False),
        ("https://", "https://example.com", True),
        ("https://example.com", "https://example.com/path", True),
        ("https://example.com", "https://www.example.com", False),
        ("https://example.com", "http://example.com", False),
        ("all://example.com", "http://EXAMPLE.com", True),
        ("all://*.example.com", "http://www.example.com", True),
        ("all://*.example.com", "http://a.b.example.com", True),
        ("all://*.example.com", "http://example.com", False),
        ("all://*.example.com", "http://notexample.com", False),
        ("all://*example.com", "http://example.com", True),
        ("all://*example.com", "http://www.example.com", True),
        ("all://*example.com", "http://wwwexample.com", False),
        ("all://example.com:1234", "http://example.com:1234", True),
        ("all://example.com:1234", "http://example.com", False),
        ("all://example.com:1234", "http://example.com:4321", False),
        ("all://*:1234", "http://anything.org:1234", True),
        ("all://127.0.0.1", "http://127.0.0.1:8080", True),
        ("all://[::1]", "http://[::1]:8080", True),
        ("all://[::1]:8080", "http://[::1]:8080", True),
        ("all://[::1]:8080", "http://[::1]:8081", False),
    ],
)
def test_pattern_matching(pattern: str, url: str, expected: bool) -> None:
    assert URLPattern(pattern).matches(URL(url)) is expected
    # httpx agrees on every case (its matching is the specification we follow here).
    assert httpx._utils.URLPattern(pattern).matches(httpx.URL(url)) is expected


def test_explicit_default_port_matches_the_implicit_one() -> None:
    # A deliberate improvement over httpx, which compares with URL.port (None here).
    assert URLPattern("all://example.com:443").matches(URL("https://example.com"))
    assert URLPattern("all://example.com:80").matches(URL("http://example.com/"))
    assert not URLPattern("all://example.com:80").matches(URL("https://example.com/"))


def test_pattern_needs_a_scheme_separator() -> None:
    with pytest.raises(ValueError, match="http://"):
        URLPattern("http")
    with pytest.raises(ValueError, match="port"):
        URLPattern("all://example.com:abc")


def test_priority_order_is_httpx_order() -> None:
    keys = [
        "all://",
        "https://",
        "all://example.com",
        "all://*.example.com",
        "https://example.com",
        "all://example.com:1234",
        "http://",
        "all://*example.com",
    ]
    ours = [p.pattern for p in sorted(URLPattern(k) for k in keys)]
    theirs = [p.pattern for p in sorted(httpx._utils.URLPattern(k) for k in keys)]
    assert ours[0] == "all://example.com:1234"  # an explicit port beats everything
    assert ours[-1] == "all://"  # the catch-all comes last
    # Ties (equal priority) may differ in order; the priority classes may not.
    assert [URLPattern(k).priority for k in ours] == [URLPattern(k).priority for k in theirs]


def test_mount_table_picks_the_most_specific() -> None:
    mounts: Dict[URLPattern, Optional[str]] = {
        URLPattern("all://"): "proxy",
        URLPattern("all://*.internal"): None,  # None: the default transport
        URLPattern("https://api.internal"): "api",
        URLPattern("all://api.internal:8443"): "api-8443",
    }
    table = MountTable("default", mounts)
    assert table.lookup(URL("http://example.com")) == "proxy"
    assert table.lookup(URL("http://db.internal")) == "default"
    assert table.lookup(URL("https://api.internal/v1")) == "api"
    assert table.lookup(URL("http://api.internal")) == "default"
    assert table.lookup(URL("https://api.internal:8443")) == "api-8443"
    # Answers are cached per origin; a second lookup must give the same answer.
    assert table.lookup(URL("https://api.internal/v2")) == "api"
    assert table.transports() == ["default", "api-8443", "api", "proxy"]  # by priority


def test_mount_table_without_mounts_is_the_default() -> None:
    table: MountTable[str] = MountTable("default", {})
    assert table.lookup(URL("https://example.com")) == "default"
    assert table.transports() == ["default"]


def test_mount_table_cache_is_bounded() -> None:
    table = MountTable("default", {URLPattern("all://*.a.com"): "a"})
    for i in range(2000):
        assert table.lookup(URL(f"http://h{i}.a.com")) == "a"
    assert len(table._cache) <= 512


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {}),
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, {"http://": "http://127.0.0.1:3128"}),
        ({"https_proxy": "127.0.0.1:3128"}, {"https://": "http://127.0.0.1:3128"}),
        ({"ALL_PROXY": "socks5://127.0.0.1:1080"}, {"all://": "socks5://127.0.0.1:1080"}),
        (
            {"HTTP_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1, localhost,.example.com,::1"},
            {
                "http://": "http://p:1",
                "all://127.0.0.1": None,
                "all://localhost": None,
                "all://*example.com": None,
                "all://[::1]": None,
            },
        ),
        ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "*"}, {}),
        (
            {"HTTP_PROXY": "http://p:1", "NO_PROXY": "http://a.com"},
            {
                "http://": "http://p:1",
                "http://a.com": None,
            },
        ),
    ],
)
def test_environment_mounts(
    monkeypatch: pytest.MonkeyPatch, env: Dict[str, str], expected: Dict[str, Optional[str]]
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert environment_mounts() == expected
