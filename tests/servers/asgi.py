"""Run an ASGI app on hypercorn in a background thread, on an ephemeral 127.0.0.1 port.

Hypercorn serves HTTP/1.1, HTTP/2 with prior knowledge on the same plain port (h2c), and
over TLS chooses h2 or http/1.1 by ALPN, which covers every real-server scenario here.
The listening socket is made here (port 0) and handed over as ``fd://`` so there is no
race for a port number.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from typing import Any, Optional

from hypercorn.asyncio import serve
from hypercorn.config import Config


class ASGIServer:
    def __init__(
        self,
        app: Any,
        *,
        certfile: Optional[str] = None,
        keyfile: Optional[str] = None,
        http2: bool = True,
    ) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        self.port: int = sock.getsockname()[1]
        self.tls = certfile is not None
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        config = Config()
        config.bind = [f"fd://{os.dup(sock.fileno())}"]
        sock.close()
        config.accesslog = None
        # Hypercorn logs client disconnects that fault tests provoke on purpose.
        quiet = logging.getLogger("fastclient.tests.hypercorn")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False
        config.errorlog = quiet
        config.keep_alive_timeout = 30
        config.graceful_timeout = 0.5
        if certfile is not None:
            config.certfile = certfile
            config.keyfile = keyfile
            config.alpn_protocols = ["h2", "http/1.1"] if http2 else ["http/1.1"]
        self._config = config
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._stop: Optional[asyncio.Event] = None
        self._started = threading.Event()
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="asgi-server", daemon=True)
        self._thread.start()
        self._wait_ready()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._stop = asyncio.Event()
            self._started.set()
            await serve(self._app, self._config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]

        try:
            self._loop.run_until_complete(main())
        except BaseException as exc:  # reported by _wait_ready / close
            self._error = exc
        finally:
            self._loop.close()

    def _wait_ready(self) -> None:
        self._started.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._error is not None:
                raise RuntimeError("test server failed to start") from self._error
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("test server did not start listening")

    def close(self) -> None:
        if self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:
                pass
        self._thread.join(10)
