"""Transport throughput against one nginx (worker_processes 1), side by side.

    python benchmarks/bench_transport.py [--duration 3] [--only NAME,...] [--inflight 64]
    python benchmarks/bench_transport.py --sweep      # fastclient at 16..512 in flight

nginx runs pinned to core 0 and every client case runs in its own process pinned to core 1
(taskset), so the numbers are one client core against one server core. Each case reports
requests/s and the client's CPU microseconds per request (user+system time of its process
divided by the requests it completed). The floors are a raw asyncio.Protocol that only
writes requests and counts responses, and a raw blocking-socket loop: the Python limit a
client can approach. Clients that are not installed are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

BODY = b"Hello, world!"
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp};
    proxy_temp_path {tmp};
    fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp};
    scgi_temp_path {tmp};
    keepalive_requests 100000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "Hello, world!"; }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_nginx(tmp: str) -> Tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen(["taskset", "-c", "0", nginx, "-c", conf, "-p", tmp])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nginx did not start")


# --------------------------------------------------------------------------- client cases
# Each case: f(port, duration, inflight) -> number of completed requests.


def _request_bytes(port: int) -> bytes:
    return b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port


def _response_size(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_request_bytes(port))
        data = b""
        while not data.endswith(BODY):
            data += s.recv(65536)
        return len(data)


def _loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def raw_protocol(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """The floor: write requests, count fixed-size responses, nothing else."""
    size = _response_size(port)
    request = _request_bytes(port)
    loop = _loop(loop_kind)
    per_conn = 1  # like HTTP/1.1 without pipelining: one request in flight per connection
    done = [0]
    stop = time.monotonic() + duration

    class Proto(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.t = transport
            self.pending = 0
            for _ in range(per_conn):
                transport.write(request)

        def data_received(self, data: bytes) -> None:
            self.pending += len(data)
            while self.pending >= size:
                self.pending -= size
                done[0] += 1
                if time.monotonic() < stop:
                    self.t.write(request)

    async def main() -> None:
        for _ in range(inflight):
            await loop.create_connection(Proto, "127.0.0.1", port)
        await asyncio.sleep(duration)

    loop.run_until_complete(main())
    loop.close()
    return done[0]


def fastclient_pool(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """fastclient's async pool (no models layer): acquire, send, parse, release."""
    from fastclient._async.pool import AsyncConnectionPool
    from fastclient._net.h1 import write_request_head

    loop = _loop(loop_kind)
    origin = (b"http", b"127.0.0.1", port)
    head = write_request_head(b"GET", b"/", [(b"Host", b"127.0.0.1:%d" % port)])
    timeouts = (5.0, 5.0, 5.0, 5.0, 60.0)
    done = 0

    async def worker(pool: Any, stop: float) -> None:
        nonlocal done
        ext: Dict[str, Any] = {}
        while time.monotonic() < stop:
            _, stream, _ = await pool.request(origin, b"GET", head, None, False, timeouts, ext)
            async for _chunk in stream:
                pass
            done += 1

    async def main() -> None:
        pool = AsyncConnectionPool(max_connections=inflight)
        stop = time.monotonic() + duration
        await asyncio.gather(*[worker(pool, stop) for _ in range(inflight)])
        await pool.aclose()

    loop.run_until_complete(main())
    loop.close()
    return done


def fastclient_transport(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """AsyncHTTPTransport with a Request built per call and the Response read."""
    from fastclient._config import Limits
    from fastclient._models import Request
    from fastclient._transports.default import AsyncHTTPTransport

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def worker(transport: Any, stop: float) -> None:
        nonlocal done
        while time.monotonic() < stop:
            response = await transport.handle_async_request(Request("GET", url))
            await response.aread()
            await response.aclose()
            done += 1

    async def main() -> None:
        transport = AsyncHTTPTransport(limits=Limits(max_connections=inflight))
        stop = time.monotonic() + duration
        await asyncio.gather(*[worker(transport, stop) for _ in range(inflight)])
        await transport.aclose()

    loop.run_until_complete(main())
    loop.close()
    return done


def aiohttp_case(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    import aiohttp

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        connector = aiohttp.TCPConnector(limit=inflight)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    async with session.get(url) as response:
                        await response.read()
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])

    loop.run_until_complete(main())
    loop.close()
    return done


def pyreqwest_case(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    from pyreqwest.client import ClientBuilder

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        async with ClientBuilder().build() as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    async with client.get(url).build_streamed() as response:
                        await response.bytes()
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])

    loop.run_until_complete(main())
    loop.close()
    return done


def httpx_case(
    port: int, duration: float, inflight: int, loop_kind: str, mod: str = "httpx"
) -> int:
    httpx = __import__(mod)
    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        limits = httpx.Limits(max_connections=inflight, max_keepalive_connections=inflight)
        async with httpx.AsyncClient(limits=limits) as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    await client.get(url)
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])

    loop.run_until_complete(main())
    loop.close()
    return done


def pycurl_multi(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    import pycurl

    url = f"http://127.0.0.1:{port}/"
    multi = pycurl.CurlMulti()
    handles = []
    for _ in range(inflight):
        c = pycurl.Curl()
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.WRITEFUNCTION, len)
        multi.add_handle(c)
        handles.append(c)
    done = 0
    stop = time.monotonic() + duration
    while True:
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        _, ok, failed = multi.info_read()
        for c in ok:
            done += 1
            multi.remove_handle(c)
            if time.monotonic() < stop:
                multi.add_handle(c)
        for c, _, _ in failed:
            multi.remove_handle(c)
        idle = not multi.info_read()[0] and done and len(ok) == 0
        if time.monotonic() >= stop and idle and multi.select(0.01) <= 0:
            break
        multi.select(1.0)
    return done


# sync, sequential on one connection


def raw_socket(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    size = _response_size(port)
    request = _request_bytes(port)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = 0
    stop = time.monotonic() + duration
    buf = bytearray(65536)
    while time.monotonic() < stop:
        sock.sendall(request)
        got = 0
        while got < size:
            got += sock.recv_into(buf)
        done += 1
    sock.close()
    return done


def fastclient_sync_pool(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    from fastclient._net.h1 import write_request_head
    from fastclient._sync.pool import ConnectionPool

    pool = ConnectionPool()
    origin = (b"http", b"127.0.0.1", port)
    head = write_request_head(b"GET", b"/", [(b"Host", b"127.0.0.1:%d" % port)])
    timeouts = (5.0, 5.0, 5.0, 5.0, 60.0)
    ext: Dict[str, Any] = {}
    done = 0
    stop = time.monotonic() + duration
    while time.monotonic() < stop:
        _, stream, _ = pool.request(origin, b"GET", head, None, False, timeouts, ext)
        for _chunk in stream:
            pass
        done += 1
    pool.close()
    return done


def fastclient_sync_transport(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    from fastclient._models import Request
    from fastclient._transports.default import HTTPTransport

    transport = HTTPTransport()
    url = f"http://127.0.0.1:{port}/"
    done = 0
    stop = time.monotonic() + duration
    while time.monotonic() < stop:
        response = transport.handle_request(Request("GET", url))
        response.read()
        response.close()
        done += 1
    transport.close()
    return done


def pycurl_easy(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    import pycurl

    c = pycurl.Curl()
    c.setopt(pycurl.URL, f"http://127.0.0.1:{port}/")
    c.setopt(pycurl.WRITEFUNCTION, len)
    done = 0
    stop = time.monotonic() + duration
    while time.monotonic() < stop:
        c.perform()
        done += 1
    return done


def httpx_sync(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    import httpx

    done = 0
    stop = time.monotonic() + duration
    with httpx.Client() as client:
        while time.monotonic() < stop:
            client.get(f"http://127.0.0.1:{port}/")
            done += 1
    return done


CASES: Dict[str, Tuple[str, Callable[..., int], str]] = {
    # name: (group, function, loop)
    "raw-protocol/asyncio": ("async", raw_protocol, "asyncio"),
    "raw-protocol/uvloop": ("async", raw_protocol, "uvloop"),
    "fastclient-pool/asyncio": ("async", fastclient_pool, "asyncio"),
    "fastclient-pool/uvloop": ("async", fastclient_pool, "uvloop"),
    "fastclient-transport/asyncio": ("async", fastclient_transport, "asyncio"),
    "fastclient-transport/uvloop": ("async", fastclient_transport, "uvloop"),
    "aiohttp/uvloop": ("async", aiohttp_case, "uvloop"),
    "pyreqwest/asyncio": ("async", pyreqwest_case, "asyncio"),
    "pycurl-multi": ("async", pycurl_multi, ""),
    "httpx/asyncio": ("async", httpx_case, "asyncio"),
    "httpx2/asyncio": ("async", lambda *a: httpx_case(*a, mod="httpx2"), "asyncio"),
    "raw-socket/sync": ("sync", raw_socket, ""),
    "fastclient-pool/sync": ("sync", fastclient_sync_pool, ""),
    "fastclient-transport/sync": ("sync", fastclient_sync_transport, ""),
    "pycurl-easy/sync": ("sync", pycurl_easy, ""),
    "httpx/sync": ("sync", httpx_sync, ""),
}


def run_case(name: str, port: int, duration: float, inflight: int) -> Dict[str, Any]:
    _, fn, loop_kind = CASES[name]
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    done = fn(port, duration, inflight, loop_kind)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "case": name,
        "requests": done,
        "rps": done / elapsed,
        "cpu_us": cpu / done * 1e6 if done else None,
    }


def spawn(name: str, port: int, duration: float, inflight: int) -> Optional[Dict[str, Any]]:
    cmd = [
        "taskset",
        "-c",
        "1",
        sys.executable,
        __file__,
        "--case",
        name,
        "--port",
        str(port),
        "--duration",
        str(duration),
        "--inflight",
        str(inflight),
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=duration * 4 + 30, check=False)
    except subprocess.TimeoutExpired:
        return {"case": name, "error": "timed out"}
    if out.returncode != 0:
        err = out.stderr.decode(errors="replace").strip().splitlines()
        return {"case": name, "error": err[-1] if err else f"exit {out.returncode}"}
    result: Dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case")
    parser.add_argument("--port", type=int)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--inflight", type=int, default=64)
    parser.add_argument("--only", default="")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.port, args.duration, args.inflight)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_nginx(tmp)
        try:
            rows: List[Dict[str, Any]] = []
            if args.sweep:
                for name in ("fastclient-pool/uvloop", "fastclient-pool/asyncio"):
                    for n in (16, 64, 256, 512):
                        r = spawn(name, port, args.duration, n)
                        assert r is not None
                        r["case"] = f"{name} @{n}"
                        rows.append(r)
                        _print(r)
                return
            names = [n for n in CASES if not args.only or n in args.only.split(",")]
            for name in names:
                r = spawn(name, port, args.duration, args.inflight)
                assert r is not None
                rows.append(r)
                _print(r)
        finally:
            proc.terminate()
            proc.wait(10)


def _print(r: Dict[str, Any]) -> None:
    if "error" in r:
        print(f"{r['case']:34s} skipped: {r['error'][:90]}", flush=True)
    else:
        print(
            f"{r['case']:34s} {r['rps']:>10,.0f} req/s  {r['cpu_us']:>8.1f} CPU us/req", flush=True
        )


if __name__ == "__main__":
    main()
