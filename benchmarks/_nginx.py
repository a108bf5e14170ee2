"""nginx from Debian's package as the benchmark server: one worker, pinned to one core.

    with Nginx(core=0) as server:
        server.http_url    # HTTP/1.1, "Hello, world!" with keep-alive
        server.h2c_url     # HTTP/2 with prior knowledge (h2c) on a second port

Why nginx: it is the server the C peers (wrk, h2load) are usually quoted against, it is
far faster than any Python client, and with ``worker_processes 1`` pinned to one core and
each client pinned to another, a row of the table is one client core against one server
core. The configuration lives in a temporary directory that is removed on exit; nothing
is written outside it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from types import TracebackType
from typing import List, Optional, Type

__all__ = ["NGINX", "Nginx", "free_port", "nginx_available"]

NGINX = "/usr/sbin/nginx"

# keepalive_requests: nginx closes a keep-alive connection after 1000 requests by default,
# which would turn a throughput test into a reconnect test. http2_max_concurrent_streams
# is raised so one h2c connection can carry a whole run's concurrency.
_CONF = """\
worker_processes 1;
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log error;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
    http2_max_concurrent_streams 1024;
    server {{
        listen 127.0.0.1:{http_port};
        location / {{ return 200 "Hello, world!"; }}
    }}
    server {{
        listen 127.0.0.1:{h2c_port} http2;
        location / {{ return 200 "Hello, world!"; }}
    }}
}}
"""


def nginx_available() -> bool:
    return os.access(NGINX, os.X_OK) or shutil.which("nginx") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: List[str], core: Optional[int]) -> List[str]:
    """``cmd`` under ``taskset -c core`` when taskset exists (Linux), else as is."""
    if core is None or shutil.which("taskset") is None:
        return cmd
    return ["taskset", "-c", str(core), *cmd]


class Nginx:
    def __init__(self, core: Optional[int] = 0) -> None:
        self.core = core
        self._tmp = tempfile.TemporaryDirectory(prefix="fastclient-nginx-")
        self.http_port = free_port()
        self.h2c_port = free_port()
        self.http_url = f"http://127.0.0.1:{self.http_port}/"
        self.h2c_url = f"http://127.0.0.1:{self.h2c_port}/"
        self._proc: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> Nginx:
        tmp = self._tmp.name
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(_CONF.format(tmp=tmp, http_port=self.http_port, h2c_port=self.h2c_port))
        binary = NGINX if os.access(NGINX, os.X_OK) else (shutil.which("nginx") or NGINX)
        # -e: the error log before the config is read (nginx's default path may not be
        # writable); -p: the prefix for relative paths.
        self._proc = subprocess.Popen(
            pinned(
                [binary, "-c", conf, "-p", tmp, "-e", os.path.join(tmp, "error.log")], self.core
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise RuntimeError(f"nginx exited at start: {err.strip()}")
            if _accepts(self.http_port) and _accepts(self.h2c_port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start listening within 10 s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        if self._proc is not None and self._proc.stderr is not None:
            self._proc.stderr.close()
        self._tmp.cleanup()

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        return False
    return True
