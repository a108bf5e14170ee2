"""HTTP/2 throughput against nginx's h2c port: one connection, 100 streams in flight.

    python benchmarks/bench_http2.py [--duration 3] [--inflight 100] [--only NAME,...]

nginx (worker_processes 1) runs pinned to core 0 and each client case runs in its own
process pinned to core 1 (taskset), GETting the 13-byte "Hello, world!" over ONE h2c
(prior knowledge) connection with ``--inflight`` requests in flight. Each case reports
requests/s and the client's CPU microseconds per request (user+system time of its process
divided by the requests completed). h2load (nghttp2, C) is the limit. Alongside, for the
"HTTP/2 at least 80% of HTTP/1.1" target, fastclient's HTTP/1.1 pool at 64 in flight (from
bench_transport) and its HTTP/2 connection at 64 in flight; and the same comparison through
the public API, ``fastclient.AsyncClient`` (HTTP/2 over one h2c connection, HTTP/1.1 over
64 keep-alive connections), which is what users and ``fastclient bench --http2`` run.
Clients that are not installed are skipped. ``python -m benchmarks`` runs this too (see
``run``; ``--cases`` takes this file's case names).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

BODY = b"Hello, world!"


def _loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()  # type: ignore[no-any-return]
    return asyncio.new_event_loop()


# ---------------------------------------------------------------- the cases (one process each)


def fastclient_h2(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """fastclient's HTTP/2 connection driver: one connection, ``inflight`` workers."""
    from fastclient._async.http2 import AsyncHTTP2Connection

    loop = _loop(loop_kind)
    done = 0

    async def main() -> None:
        nonlocal done
        _, conn = await loop.create_connection(
            lambda: AsyncHTTP2Connection(loop), "127.0.0.1", port
        )
        authority = b"127.0.0.1:%d" % port
        headers = [(b"user-agent", b"fastclient-bench"), (b"accept", b"*/*")]
        stop = time.monotonic() + duration

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < stop:
                head, stream = await conn.request(
                    b"GET", b"http", authority, b"/", headers, read_timeout=10.0
                )
                body = b""
                async for chunk in stream:
                    body += chunk
                await stream.aclose()
                assert head.status_code == 200 and body == BODY
                done += 1

        await asyncio.gather(*[worker() for _ in range(inflight)])
        await conn.aclose()

    loop.run_until_complete(main())
    loop.close()
    return done


def fastclient_h2_sync(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """The sync driver: one connection shared by ``inflight`` threads."""
    import socket
    import threading

    from fastclient._sync.http2 import SyncHTTP2Connection

    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = SyncHTTP2Connection(sock)
    authority = b"127.0.0.1:%d" % port
    counts = [0] * inflight
    stop = time.monotonic() + duration

    def worker(i: int) -> None:
        while time.monotonic() < stop:
            head, stream = conn.request(b"GET", b"http", authority, b"/", [], read_timeout=10.0)
            body = b"".join(stream)
            stream.close()
            assert head.status_code == 200 and body == BODY
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(inflight)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn.close()
    return sum(counts)


def fastclient_h1_pool(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """fastclient's HTTP/1.1 pool (from bench_transport), for the HTTP/2 : HTTP/1.1 ratio."""
    from benchmarks.bench_transport import fastclient_pool

    return int(fastclient_pool(port, duration, inflight, loop_kind))


def _fastclient_client(
    port: int, duration: float, inflight: int, loop_kind: str, http2: bool
) -> int:
    import fastclient

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        limits = fastclient.Limits(max_connections=inflight, max_keepalive_connections=inflight)
        async with fastclient.AsyncClient(
            http1=not http2, http2=http2, limits=limits, timeout=30
        ) as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    response = await client.get(url)
                    assert response.content == BODY
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])
            if http2:
                assert client._transport.pool.state.n_total == 1  # type: ignore[attr-defined]

    loop.run_until_complete(main())
    loop.close()
    return done


def fastclient_client_h2(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """fastclient.AsyncClient(http1=False, http2=True): the whole client, one h2c connection."""
    return _fastclient_client(port, duration, inflight, loop_kind, True)


def fastclient_client_h1(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """fastclient.AsyncClient over HTTP/1.1: ``inflight`` keep-alive connections."""
    return _fastclient_client(port, duration, inflight, loop_kind, False)


def httpx_h2(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    import httpx

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(http1=False, http2=True, limits=limits, timeout=30) as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    response = await client.get(url)
                    assert response.http_version == "HTTP/2" and response.content == BODY
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])

    loop.run_until_complete(main())
    loop.close()
    return done


def pyreqwest_h2(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    from pyreqwest.client import ClientBuilder

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        async with ClientBuilder().http2_prior_knowledge().build() as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    async with client.get(url).build_streamed() as response:
                        assert await response.bytes() == BODY
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])

    loop.run_until_complete(main())
    loop.close()
    return done


def pycurl_h2(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    """libcurl's multi interface (C loop), all transfers multiplexed on one connection."""
    import pycurl

    url = f"http://127.0.0.1:{port}/"
    multi = pycurl.CurlMulti()
    multi.setopt(pycurl.M_PIPELINING, pycurl.PIPE_MULTIPLEX)
    multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, 1)
    handles = []
    for _ in range(inflight):
        c = pycurl.Curl()
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
        c.setopt(pycurl.PIPEWAIT, 1)
        c.setopt(pycurl.WRITEFUNCTION, len)
        multi.add_handle(c)
        handles.append(c)
    done = 0
    stop = time.monotonic() + duration
    active = inflight
    while active:
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        while True:
            queued, ok, failed = multi.info_read()
            for c in ok:
                done += 1
                multi.remove_handle(c)
                if time.monotonic() < stop:
                    multi.add_handle(c)
                else:
                    active -= 1
            for _c, _, msg in failed:
                raise RuntimeError(f"pycurl transfer failed: {msg}")
            if not queued:
                break
        if active:
            multi.select(1.0)
    return done


def curl_cffi_h2(port: int, duration: float, inflight: int, loop_kind: str) -> int:
    from curl_cffi import CurlHttpVersion
    from curl_cffi.requests import AsyncSession

    loop = _loop(loop_kind)
    url = f"http://127.0.0.1:{port}/"
    done = 0

    async def main() -> None:
        nonlocal done
        stop = time.monotonic() + duration
        async with AsyncSession(max_clients=inflight) as session:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    response = await session.get(
                        url, http_version=CurlHttpVersion.V2_PRIOR_KNOWLEDGE
                    )
                    assert response.content == BODY
                    done += 1

            await asyncio.gather(*[worker() for _ in range(inflight)])

    loop.run_until_complete(main())
    loop.close()
    return done


# name: (function, loop, module needed, which nginx port: "h2c" or "http", in-flight override)
CASES: Dict[str, Tuple[Callable[..., int], str, str, str, Optional[int]]] = {
    "fastclient-h2/asyncio": (fastclient_h2, "asyncio", "fastclient", "h2c", None),
    "fastclient-h2/uvloop": (fastclient_h2, "uvloop", "uvloop", "h2c", None),
    "fastclient-h2-sync/threads": (fastclient_h2_sync, "", "fastclient", "h2c", 16),
    "fastclient-h2@64/uvloop": (fastclient_h2, "uvloop", "uvloop", "h2c", 64),
    "fastclient-h1-pool@64/uvloop": (fastclient_h1_pool, "uvloop", "uvloop", "http", 64),
    "fastclient-client-h2/asyncio": (fastclient_client_h2, "asyncio", "fastclient", "h2c", None),
    "fastclient-client-h2/uvloop": (fastclient_client_h2, "uvloop", "uvloop", "h2c", None),
    "fastclient-client-h2@64/uvloop": (fastclient_client_h2, "uvloop", "uvloop", "h2c", 64),
    "fastclient-client-h1@64/uvloop": (fastclient_client_h1, "uvloop", "uvloop", "http", 64),
    "httpx-h2/asyncio": (httpx_h2, "asyncio", "h2", "h2c", None),
    "pyreqwest-h2/asyncio": (pyreqwest_h2, "asyncio", "pyreqwest", "h2c", None),
    "curl_cffi-h2/asyncio": (curl_cffi_h2, "asyncio", "curl_cffi", "h2c", None),
    "pycurl-multi-h2": (pycurl_h2, "", "pycurl", "h2c", None),
}


def run_case(name: str, port: int, duration: float, inflight: int) -> Dict[str, Any]:
    fn, loop_kind, _, _, override = CASES[name]
    n = override or inflight
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    done = fn(port, duration, n, loop_kind)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"case": name, "requests": done, "seconds": elapsed, "cpu": cpu, "inflight": n}


# ---------------------------------------------------------------- driving the cases


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _pinned(cmd: List[str], core: Optional[int]) -> List[str]:
    if core is None or shutil.which("taskset") is None:
        return cmd
    return ["taskset", "-c", str(core), *cmd]


def _h2load(port: int, duration: float, inflight: int, core: Optional[int]) -> Dict[str, Any]:
    # h2load runs a request count, not a duration: size it from a short probe.
    url = f"http://127.0.0.1:{port}/"
    total = 20000
    for _ in range(2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            _pinned(["h2load", "-n", str(total), "-c", "1", "-m", str(inflight), url], core),
            capture_output=True,
            check=True,
            timeout=300,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = proc.stdout.decode()
        match = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
        ok = re.search(r"(\d+) succeeded", out)
        if match is None or ok is None:
            raise RuntimeError(f"unexpected h2load output: {out[-300:]}")
        seconds = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
        rps = float(match.group(3))
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if seconds >= duration * 0.5:
            break
        total = int(rps * duration)
    return {
        "case": "h2load (C)",
        "requests": int(ok.group(1)),
        "seconds": seconds,
        "cpu": cpu,
        "inflight": inflight,
    }


def _failed(name: str, why: str, inflight: int) -> Dict[str, Any]:
    return {"case": name, "failed": why, "inflight": inflight}


def measure(
    ports: Dict[str, int], duration: float, inflight: int, only: List[str], core: Optional[int]
) -> List[Dict[str, Any]]:
    results: List[Dict[str, Any]] = []
    for name, (_, _, module, which, _) in CASES.items():
        if only and not any(o in name for o in only):
            continue
        n = CASES[name][4] or inflight
        if not _installed(module):
            print(f"# skipped {name}: {module} not installed", file=sys.stderr)
            results.append(_failed(name, f"not installed (pip install {module})", n))
            continue
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "--case",
            name,
            "--port",
            str(ports[which]),
            "--duration",
            str(duration),
            "--inflight",
            str(inflight),
        ]
        proc = subprocess.run(
            _pinned(cmd, core), capture_output=True, timeout=duration * 10 + 60, check=False
        )
        # The figures are the last JSON line, whatever the exit status: a peer that
        # aborts while its interpreter shuts down (pyreqwest was seen to) has measured
        # already. With no such line, the row stays in its table with the reason.
        out = proc.stdout.decode(errors="replace").strip().splitlines()
        lines = [line for line in out if line.startswith("{")]
        if not lines:
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            why = err[-1] if err else f"exit status {proc.returncode}"
            print(f"# {name} failed: {why}", file=sys.stderr)
            results.append(_failed(name, f"failed: {why[:120]}", n))
            continue
        results.append(json.loads(lines[-1]))
    if (not only or any("h2load" in o for o in only)) and shutil.which("h2load"):
        results.append(_h2load(ports["h2c"], duration, inflight, core))
    return results


def run(ctx: Any) -> List[Dict[str, Any]]:
    """The ``python -m benchmarks`` entry point (see benchmarks/_common.py)."""
    from benchmarks._common import make_row, make_skip_row

    ports = {"h2c": ctx.nginx.h2c_port, "http": ctx.nginx.http_port}
    inflight = 100
    rows = []
    # --cases names cases exactly (e.g. fastclient-client-h2/uvloop, or h2load).
    only = [c for c in ctx.cases if c in CASES or c == "h2load"]
    if ctx.cases and not only:
        return rows
    for r in measure(ports, ctx.duration, inflight, only, ctx.client_core):
        which = CASES[r["case"]][3] if r["case"] in CASES else "h2c"
        if which == "h2c":
            scenario = f"h2c 1 conn {r['inflight']} in flight"
        else:
            scenario = f"http/1.1 pool {r['inflight']} in flight"
        if "failed" in r:
            rows.append(make_skip_row(scenario, r["case"], r["failed"]))
        else:
            rows.append(make_row(scenario, r["case"], r["requests"], r["seconds"], r["cpu"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--inflight", type=int, default=100)
    parser.add_argument("--only", default="", help="comma-separated substrings of case names")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.port, args.duration, args.inflight)))
        return
    from benchmarks._nginx import Nginx

    only = [x for x in args.only.split(",") if x]
    with Nginx(core=0) as server:
        ports = {"h2c": server.h2c_port, "http": server.http_port}
        results = measure(ports, args.duration, args.inflight, only, core=1)
    print(f"{'client':32} {'in flight':>9} {'req/s':>10} {'CPU us/req':>11}")
    for r in results:
        if "failed" in r:
            print(f"{r['case']:32} {r['inflight']:>9} {r['failed']}")
            continue
        rps = r["requests"] / r["seconds"]
        cpu = r["cpu"] / r["requests"] * 1e6 if r["requests"] else float("nan")
        print(f"{r['case']:32} {r['inflight']:>9} {rps:>10.0f} {cpu:>11.1f}")


if __name__ == "__main__":
    main()
