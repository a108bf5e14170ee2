"""``fastclient bench``: parse the options, start the embedded server if there is no URL,
check that the target answers a connection, run the workers, print the report.

Output: live progress on stderr, the report on stdout, JSON to --json FILE. Exit status:
0 all requests got responses; 1 some failed (counted by exception class in the report),
or the target could not be reached at all; 2 bad options; 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import socket
import ssl
import sys
from typing import List, Optional, Set

from .options import (
    BenchOptions,
    UsageError,
    apply_url,
    default_workers,
    parse_args,
    usable_cores,
)
from .plan import Outcome, Plan
from .progress import Progress
from .report import RunInfo, render, write_json

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _say(message: str) -> None:
    sys.stderr.write(f"fastclient bench: {message}\n")
    sys.stderr.flush()


def _loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def _implementation() -> str:
    from .. import _impl

    return "compiled core" if _impl.IMPLEMENTATION == "c" and not _impl.FAILED else "pure core"


def _preflight(opts: BenchOptions) -> Optional[str]:
    """Open one connection (and TLS handshake) so that a wrong host or port is one clear
    message instead of a report full of ConnectErrors. Returns the problem, or None."""
    try:
        sock = socket.create_connection((opts.host, opts.port), timeout=opts.timeout)
    except socket.timeout:
        return f"ConnectTimeout: no connection to {opts.host}:{opts.port} in {opts.timeout:g} s"
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"ConnectError: cannot connect to {opts.host}:{opts.port}: {reason}"
    try:
        if opts.scheme == "https":
            from .._config import create_ssl_context

            ctx = create_ssl_context(verify=not opts.insecure)
            if opts.http2:
                ctx.set_alpn_protocols(["h2", "http/1.1"])
            try:
                tls = ctx.wrap_socket(sock, server_hostname=opts.host)
            except ssl.SSLCertVerificationError as exc:
                return (
                    f"ConnectError: TLS certificate of {opts.host} not trusted:"
                    f" {exc.verify_message} (--insecure skips verification)"
                )
            except (OSError, ssl.SSLError) as exc:
                return f"ConnectError: TLS handshake with {opts.host}:{opts.port} failed: {exc}"
            tls.close()
    finally:
        sock.close()
    return None


def _make_plan(opts: BenchOptions, request: bytes) -> Plan:
    assert opts.url is not None
    return Plan(
        url=opts.url,
        host=opts.host,
        port=opts.port,
        tls=opts.scheme == "https",
        insecure=opts.insecure,
        request=request,
        method=opts.method.encode("ascii"),
        # (no more connections than requests: the others would only open and close)
        connections=min(opts.concurrency, opts.requests or opts.concurrency),
        requests=opts.requests,
        duration=opts.duration,
        rate=opts.rate,
        timeout=opts.timeout,
        http2=opts.http2,
        headers=[[n, v] for n, v in opts.headers],
        body=opts.body or b"",
        replay=opts.replay,
    )


def main(argv: List[str]) -> int:
    try:
        opts = parse_args(argv)
    except UsageError as exc:
        _say(f"error: {exc}\n  (fastclient bench --help lists the options)")
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)

    embedded = opts.url is None
    workers = opts.workers if opts.workers is not None else default_workers(embedded)
    # With the embedded server on a machine of several cores, the server takes the last
    # core and the load generator keeps off it (see default_workers).
    pin = embedded and usable_cores() > 1
    server = None
    try:
        if embedded:
            from .server import EmbeddedServer

            try:
                server = EmbeddedServer(cpu=_last_core() if pin else None)
            except (OSError, RuntimeError) as exc:
                _say(f"cannot start the embedded server: {exc}")
                return EXIT_ERRORS
            apply_url(opts, server.url)
        problem = _preflight(opts)
        if problem is not None:
            _say(problem)
            return EXIT_ERRORS
        return _run(opts, workers, embedded, pin)
    except KeyboardInterrupt:
        _say("interrupted before the run started")
        return EXIT_INTERRUPTED
    finally:
        if server is not None:
            server.close()


def _last_core() -> int:
    import os

    if hasattr(os, "sched_getaffinity"):
        return max(os.sched_getaffinity(0))
    return (os.cpu_count() or 1) - 1


def _pin_away_from_server() -> Optional[Set[int]]:
    """Keep this process (and the workers it spawns, which inherit it) off the server's
    core, so that the two do not fight over one core's time slices. Returns the previous
    affinity, to be restored afterwards (main() may be called inside a longer process)."""
    import os

    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = os.sched_getaffinity(0)
    if len(cores) < 2:
        return None
    try:
        os.sched_setaffinity(0, cores - {max(cores)})
    except OSError:
        return None
    return cores


def _restore_affinity(cores: Optional[Set[int]]) -> None:
    import os

    if cores is not None:
        try:
            os.sched_setaffinity(0, cores)
        except OSError:
            pass


# For a terminal that cannot show them (a legacy Windows code page, a C locale without
# UTF-8 mode): the report in ASCII rather than a UnicodeEncodeError.
_ASCII = str.maketrans({"µ": "u", "█": "#", "…": "...", **{c: "" for c in "▏▎▍▌▋▊▉"}})


def _write_report(text: str) -> None:
    encoding = sys.stdout.encoding or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        # (an error message quoted in the report may hold anything: replace what is left)
        text = text.translate(_ASCII).encode("ascii", "replace").decode("ascii")
    sys.stdout.write(text)
    sys.stdout.flush()


def _run(opts: BenchOptions, workers: int, embedded: bool, pin: bool) -> int:
    from .request import build_request
    from .workers import run_in_process, run_workers, split_plan

    request = build_request(opts.method, opts.target, opts.host_header, opts.headers, opts.body)
    plan = _make_plan(opts, request)
    plans = split_plan(plan, workers)
    progress = Progress(
        sys.stderr,
        enabled=opts.progress,
        total_requests=opts.requests,
        duration=opts.duration,
    )
    previous_affinity = _pin_away_from_server() if pin else None
    failures: List[str] = []
    try:
        if len(plans) == 1:
            outcome = run_in_process(plans[0], progress.update)
            outcome.workers = 1
        else:
            outcome, failures = run_workers(plans, progress.update)
    except KeyboardInterrupt:
        # Ctrl-C outside the engine's handler (e.g. off the main thread): nothing measured.
        outcome = Outcome()
        outcome.interrupted = True
    finally:
        progress.finish()
        _restore_affinity(previous_affinity)
    for failure in failures:
        _say(failure.splitlines()[0])
    assert opts.url is not None
    info = RunInfo(
        url=opts.url,
        embedded=embedded,
        connections=plan.connections,
        workers=len(plans),
        requests=opts.requests,
        duration=opts.duration,
        rate=opts.rate,
        method=opts.method,
        http2=opts.http2,
        loop=_loop_name(),
        implementation=_implementation(),
    )
    _write_report(render(outcome, info))
    if opts.json_path:
        try:
            write_json(opts.json_path, outcome, info)
        except OSError as exc:
            _say(f"cannot write --json {opts.json_path!r}: {exc.strerror or exc}")
            return EXIT_ERRORS
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    if outcome.errors or failures or not outcome.responses:
        return EXIT_ERRORS
    return EXIT_OK
