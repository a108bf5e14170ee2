"""Runs httpx's own tests against fastclient: ``httpx`` and ``httpx.<sub>`` are fastclient's
modules. Loaded before httpx's tests/conftest.py (this file sits one folder up)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import ipaddress
import socket
import sys
from typing import Any

# The suite must only talk to loopback: httpx's network tests are deselected, and this
# refuses any other name or address should one slip through.


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]")
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _is_loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"only loopback here, not {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise OSError(101, f"only loopback here, not {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _connect_ex(self, address)


socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]

# httpx's CI runs uvicorn on h11 and asyncio; httptools changes header case and logging.
sys.modules["httptools"] = None  # type: ignore[assignment]
sys.modules["uvloop"] = None  # type: ignore[assignment]

import fastclient  # noqa: E402
import fastclient._client_base  # noqa: E402

assert "httpx" not in sys.modules, "httpx was imported before the alias"
sys.modules["httpx"] = fastclient
# httpx's default User-Agent, so that the tests that print it compare the rest.
fastclient._client_base.USER_AGENT = f"python-httpx/{fastclient.__version__}"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``httpx.<sub>`` is ``fastclient.<sub>`` (the same module object), where it exists."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not fullname.startswith("httpx."):
            return None
        if importlib.util.find_spec("fastclient." + fullname[6:]) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module("fastclient." + spec.name[6:])

    def exec_module(self, module: Any) -> None:
        pass


sys.meta_path.insert(0, _Alias())
