"""The client cases behind bench_transport.py, one per process.

    python -m benchmarks._clients CASE URL --duration 3 --warmup 0.5 --inflight 64

runs one case against URL and prints one JSON line: ``{"case", "requests", "seconds",
"cpu"}``. The caller pins the process to the client core; running every client in a
process of its own keeps imports, event-loop policies and allocator state from one client
out of the next one's numbers.

How a case is measured: the client is created, its connections opened and its caches
warmed during ``--warmup`` seconds; then a window of ``--duration`` seconds is measured,
counting the requests that completed inside it and the process CPU time
(``time.process_time()``: user + system of every thread, so pyreqwest's runtime threads and
libcurl count too) spent inside it. Start-up (interpreter, imports, connecting) is thus
left out for every client alike, and the requests still in flight when the window closes
are finished afterwards and not counted.

Async cases run ``inflight`` workers that each loop ``await client.get(url)``; sync cases
loop ``client.get(url)`` on one connection. Every client is given a pool as large as the
concurrency (fastclient and httpx default to 20 keep-alive connections, which would turn a
64-in-flight run into a reconnect test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

__all__ = ["CASES", "Meter", "measure_case", "run_async"]

# How long the requests still in flight after the window may take to finish before the
# case counts as hung (the process is also killed by the caller's timeout).
DRAIN_SECONDS = 15.0
# Per-request timeouts, generous: nginx on 127.0.0.1 answers in well under a millisecond,
# and a timeout here means a broken client, which should fail the case rather than hang.
TIMEOUT = 10.0


class Meter:
    """Counts completed requests and snapshots (requests, wall, CPU) at the window edges."""

    def __init__(self, warmup: float, duration: float) -> None:
        self.done = 0
        self.stopped = False
        self._begin_at = time.monotonic() + warmup
        self._duration = duration
        self._start: Optional[Tuple[int, float, float]] = None
        self._end: Optional[Tuple[int, float, float]] = None

    def _snap(self) -> Tuple[int, float, float]:
        return self.done, time.monotonic(), time.process_time()

    def begin(self) -> None:
        self._start = self._snap()

    def end(self) -> None:
        self._end = self._snap()
        self.stopped = True

    def running(self) -> bool:
        """For loops that poll: opens and closes the window by the clock; False once over.

        Called once per request (or per batch); a clock read costs ~50 ns next to the
        microseconds of a request, so polling does not distort what it measures.
        """
        if self.stopped:
            return False
        now = time.monotonic()
        if self._start is None:
            if now >= self._begin_at:
                self.begin()
        elif now >= self._start[1] + self._duration:
            self.end()
            return False
        return True

    def result(self) -> Dict[str, Any]:
        if self._start is None or self._end is None:
            raise RuntimeError("the measured window never opened (the case ended early)")
        requests = self._end[0] - self._start[0]
        if requests <= 0:
            raise RuntimeError("no request completed inside the measured window")
        return {
            "requests": requests,
            "seconds": self._end[1] - self._start[1],
            "cpu": self._end[2] - self._start[2],
        }


# --------------------------------------------------------------------------- helpers


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
    return asyncio.new_event_loop()


def _split(url: str) -> Tuple[str, int]:
    hostport = url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    return host, int(port)


def _raw_request(url: str) -> bytes:
    host, port = _split(url)
    return b"GET / HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host.encode(), port)


def _response_size(url: str) -> int:
    """The byte length of nginx's fixed response, learned once so the floors can count
    responses by size instead of parsing them (the Date header has a fixed width)."""
    host, port = _split(url)
    with socket.create_connection((host, port), TIMEOUT) as s:
        s.sendall(_raw_request(url))
        data = b""
        for _ in range(1000):  # bounded: the response is ~160 bytes
            if data.endswith(b"Hello, world!"):
                return len(data)
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    raise RuntimeError(f"unexpected response from {url}: {data[:200]!r}")


def _ok(status: int) -> None:
    if status != 200:
        raise RuntimeError(f"HTTP {status}")


AsyncGet = Callable[[], Awaitable[None]]


async def _workers(get: AsyncGet, inflight: int, meter: Meter) -> None:
    """``inflight`` workers, each awaiting one request at a time until the window closes."""

    async def worker() -> None:
        while not meter.stopped:
            await get()
            meter.done += 1

    await asyncio.gather(*[worker() for _ in range(inflight)])


# --------------------------------------------------------------------------- async cases
# Each: async (url, inflight, meter) -> None, returning once meter.stopped and drained.


async def raw_protocol(url: str, inflight: int, meter: Meter) -> None:
    """The floor: an asyncio.Protocol that writes a request whenever a whole response (by
    byte count) has arrived. No parsing, no objects: what the event loop itself costs."""
    size = _response_size(url)
    request = _raw_request(url)
    host, port = _split(url)
    loop = asyncio.get_running_loop()
    closed: List[asyncio.Future[None]] = []

    class Floor(asyncio.Protocol):
        def __init__(self) -> None:
            self.pending = 0
            self.lost: asyncio.Future[None] = loop.create_future()
            closed.append(self.lost)

        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            transport.write(request)

        def data_received(self, data: bytes) -> None:
            self.pending += len(data)
            while self.pending >= size:
                self.pending -= size
                meter.done += 1
                if meter.stopped:
                    self.transport.close()
                    return
                self.transport.write(request)

        def connection_lost(self, exc: Optional[Exception]) -> None:
            if not self.lost.done():
                self.lost.set_result(None)

    for _ in range(inflight):
        await loop.create_connection(Floor, host, port)
    await asyncio.gather(*closed)


async def fastclient_pool(url: str, inflight: int, meter: Meter) -> None:
    """fastclient's asyncio pool without the models layer: acquire, send, parse, release."""
    from fastclient._async.pool import AsyncConnectionPool
    from fastclient._net.h1 import write_request_head

    host, port = _split(url)
    origin = (b"http", host.encode(), port)
    head = write_request_head(b"GET", b"/", [(b"Host", b"%s:%d" % (host.encode(), port))])
    timeouts = (TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT)
    pool = AsyncConnectionPool(max_connections=inflight, max_keepalive_connections=inflight)

    async def get() -> None:
        _, stream, _ = await pool.request(origin, b"GET", head, None, False, timeouts, {})
        async for _chunk in stream:
            pass

    try:
        await _workers(get, inflight, meter)
    finally:
        await pool.aclose()


def _fastclient_limits(inflight: int) -> Any:
    import fastclient

    return fastclient.Limits(max_connections=inflight, max_keepalive_connections=inflight)


async def fastclient_transport(url: str, inflight: int, meter: Meter) -> None:
    """AsyncHTTPTransport: a Request built per call, the Response read and closed."""
    import fastclient

    transport = fastclient.AsyncHTTPTransport(limits=_fastclient_limits(inflight))

    async def get() -> None:
        response = await transport.handle_async_request(fastclient.Request("GET", url))
        await response.aread()
        await response.aclose()
        _ok(response.status_code)

    try:
        await _workers(get, inflight, meter)
    finally:
        await transport.aclose()


async def fastclient_client(url: str, inflight: int, meter: Meter) -> None:
    import fastclient

    async with fastclient.AsyncClient(
        limits=_fastclient_limits(inflight), timeout=TIMEOUT
    ) as client:

        async def get() -> None:
            _ok((await client.get(url)).status_code)

        await _workers(get, inflight, meter)


async def _httpx_like(module: str, url: str, inflight: int, meter: Meter) -> None:
    httpx: Any = __import__(module)
    limits = httpx.Limits(max_connections=inflight, max_keepalive_connections=inflight)
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT) as client:

        async def get() -> None:
            _ok((await client.get(url)).status_code)

        await _workers(get, inflight, meter)


async def httpx_async(url: str, inflight: int, meter: Meter) -> None:
    await _httpx_like("httpx", url, inflight, meter)


async def httpx2_async(url: str, inflight: int, meter: Meter) -> None:
    await _httpx_like("httpx2", url, inflight, meter)


async def aiohttp_async(url: str, inflight: int, meter: Meter) -> None:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=inflight)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def get() -> None:
            async with session.get(url) as response:
                await response.read()
                _ok(response.status)

        await _workers(get, inflight, meter)


async def pyreqwest_async(url: str, inflight: int, meter: Meter) -> None:
    from datetime import timedelta

    from pyreqwest.client import ClientBuilder

    builder = ClientBuilder().max_connections(inflight).timeout(timedelta(seconds=TIMEOUT))
    async with builder.build() as client:

        async def get() -> None:
            response = await client.get(url).build().send()
            await response.bytes()
            _ok(response.status)

        await _workers(get, inflight, meter)


# --------------------------------------------------------------------------- polling cases
# Each: (url, inflight, meter) -> None, looping while meter.running().


def pycurl_multi(url: str, inflight: int, meter: Meter) -> None:
    """libcurl's multi interface: ``inflight`` easy handles, each re-added as it finishes
    (libcurl keeps its connections in the multi handle's cache)."""
    import pycurl

    multi = pycurl.CurlMulti()
    handles = []
    for _ in range(inflight):
        easy = pycurl.Curl()
        easy.setopt(pycurl.URL, url)
        easy.setopt(pycurl.WRITEFUNCTION, len)  # discard the body without copying it
        easy.setopt(pycurl.TIMEOUT, int(TIMEOUT))
        multi.add_handle(easy)
        handles.append(easy)
    active = inflight
    go = True
    drain_until = float("inf")
    while active and time.monotonic() < drain_until:
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        for _ in range(inflight + 1):  # at most one message per handle is queued
            queued, ok, failed = multi.info_read()
            for easy in ok:
                meter.done += 1
                multi.remove_handle(easy)
                if go:
                    multi.add_handle(easy)
                else:
                    active -= 1
            if failed:
                raise RuntimeError(f"pycurl: {failed[0][2]}")
            if not queued:
                break
        if go and not meter.running():
            go = False
            drain_until = time.monotonic() + DRAIN_SECONDS
        if active:
            multi.select(0.05)
    for easy in handles:
        easy.close()
    multi.close()


def raw_socket(url: str, inflight: int, meter: Meter) -> None:
    """The sync floor: send, recv_into a reusable buffer until a whole response arrived."""
    size = _response_size(url)
    request = _raw_request(url)
    sock = socket.create_connection(_split(url), TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = bytearray(65536)
    try:
        while meter.running():
            sock.sendall(request)
            got = 0
            while got < size:
                n = sock.recv_into(buf)
                if not n:
                    raise RuntimeError("server closed the connection")
                got += n
            meter.done += 1
    finally:
        sock.close()


def fastclient_pool_sync(url: str, inflight: int, meter: Meter) -> None:
    from fastclient._net.h1 import write_request_head
    from fastclient._sync.pool import ConnectionPool

    host, port = _split(url)
    origin = (b"http", host.encode(), port)
    head = write_request_head(b"GET", b"/", [(b"Host", b"%s:%d" % (host.encode(), port))])
    timeouts = (TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT)
    pool = ConnectionPool()
    try:
        while meter.running():
            _, stream, _ = pool.request(origin, b"GET", head, None, False, timeouts, {})
            for _chunk in stream:
                pass
            meter.done += 1
    finally:
        pool.close()


def fastclient_transport_sync(url: str, inflight: int, meter: Meter) -> None:
    import fastclient

    with fastclient.HTTPTransport() as transport:
        while meter.running():
            response = transport.handle_request(fastclient.Request("GET", url))
            response.read()
            response.close()
            _ok(response.status_code)
            meter.done += 1


def _sync_client(module: str, url: str, meter: Meter) -> None:
    mod: Any = __import__(module)
    with mod.Client(timeout=TIMEOUT) as client:
        while meter.running():
            _ok(client.get(url).status_code)
            meter.done += 1


def fastclient_client_sync(url: str, inflight: int, meter: Meter) -> None:
    _sync_client("fastclient", url, meter)


def httpx_sync(url: str, inflight: int, meter: Meter) -> None:
    _sync_client("httpx", url, meter)


def httpx2_sync(url: str, inflight: int, meter: Meter) -> None:
    _sync_client("httpx2", url, meter)


def pycurl_easy(url: str, inflight: int, meter: Meter) -> None:
    import pycurl

    easy = pycurl.Curl()
    easy.setopt(pycurl.URL, url)
    easy.setopt(pycurl.WRITEFUNCTION, len)
    easy.setopt(pycurl.TIMEOUT, int(TIMEOUT))
    try:
        while meter.running():
            easy.perform()
            _ok(easy.getinfo(pycurl.RESPONSE_CODE))
            meter.done += 1
    finally:
        easy.close()


def pyreqwest_sync(url: str, inflight: int, meter: Meter) -> None:
    from datetime import timedelta

    from pyreqwest.client import SyncClientBuilder

    with SyncClientBuilder().timeout(timedelta(seconds=TIMEOUT)).build() as client:
        while meter.running():
            response = client.get(url).build().send()
            response.bytes()
            _ok(response.status)
            meter.done += 1


# --------------------------------------------------------------------------- the registry

AsyncCase = Callable[[str, int, Meter], Awaitable[None]]
PollCase = Callable[[str, int, Meter], None]

#: case id -> (function, event loop ("asyncio"/"uvloop") or "" for a polling case,
#: the module it needs). The ids are what ``--cases`` and the subprocess use.
CASES: Dict[str, Tuple[Any, str, str]] = {
    "raw-protocol/asyncio": (raw_protocol, "asyncio", "asyncio"),
    "raw-protocol/uvloop": (raw_protocol, "uvloop", "uvloop"),
    "fastclient-pool/asyncio": (fastclient_pool, "asyncio", "fastclient"),
    "fastclient-pool/uvloop": (fastclient_pool, "uvloop", "uvloop"),
    "fastclient-transport/asyncio": (fastclient_transport, "asyncio", "fastclient"),
    "fastclient-transport/uvloop": (fastclient_transport, "uvloop", "uvloop"),
    "fastclient-client/asyncio": (fastclient_client, "asyncio", "fastclient"),
    "fastclient-client/uvloop": (fastclient_client, "uvloop", "uvloop"),
    "httpx/asyncio": (httpx_async, "asyncio", "httpx"),
    "httpx2/asyncio": (httpx2_async, "asyncio", "httpx2"),
    "aiohttp/uvloop": (aiohttp_async, "uvloop", "aiohttp"),
    "pyreqwest/asyncio": (pyreqwest_async, "asyncio", "pyreqwest"),
    "pycurl-multi": (pycurl_multi, "", "pycurl"),
    "raw-socket/sync": (raw_socket, "", "socket"),
    "fastclient-pool/sync": (fastclient_pool_sync, "", "fastclient"),
    "fastclient-transport/sync": (fastclient_transport_sync, "", "fastclient"),
    "fastclient-client/sync": (fastclient_client_sync, "", "fastclient"),
    "httpx/sync": (httpx_sync, "", "httpx"),
    "httpx2/sync": (httpx2_sync, "", "httpx2"),
    "pycurl-easy/sync": (pycurl_easy, "", "pycurl"),
    "pyreqwest/sync": (pyreqwest_sync, "", "pyreqwest"),
}


def run_async(
    case: AsyncCase,
    loop_kind: str,
    url: str,
    inflight: int,
    meter: Meter,
    warmup: float,
    duration: float,
) -> None:
    """Drive an async case: warm up, measure a window by the loop's own timers, drain."""

    async def phase(task: asyncio.Future[None], seconds: float) -> None:
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if done:  # a case never finishes on its own while the window is open
            task.result()
            raise RuntimeError("the case returned before the window closed")

    async def main() -> None:
        task = asyncio.ensure_future(case(url, inflight, meter))
        await phase(task, warmup)
        meter.begin()
        await phase(task, duration)
        meter.end()
        await asyncio.wait_for(task, DRAIN_SECONDS)

    loop = _new_loop(loop_kind)
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def measure_case(
    name: str, url: str, duration: float, inflight: int, warmup: float
) -> Dict[str, Any]:
    fn, loop_kind, _ = CASES[name]
    meter = Meter(warmup, duration)
    if loop_kind:
        run_async(fn, loop_kind, url, inflight, meter, warmup, duration)
    else:
        fn(url, inflight, meter)
    return {"case": name, "inflight": inflight, **meter.result()}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--inflight", type=int, default=64)
    args = parser.parse_args(argv)
    print(
        json.dumps(measure_case(args.case, args.url, args.duration, args.inflight, args.warmup)),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
