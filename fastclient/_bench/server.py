"""The embedded server that ``fastclient bench`` starts when no URL is given.

It answers every request with a fixed ``200 Hello, world!`` and keeps connections alive,
so the command needs no network and no set-up. It must not be the bottleneck, so it is an
asyncio.Protocol on uvloop when installed, and frames requests with a byte search rather
than a full parser: find the end of the head, skip a Content-Length body, answer. Pipelined
requests are answered in one write.

It runs in its own process (this file run as a script), so that it does not
share a core or a GIL with the load generator. The process binds an ephemeral 127.0.0.1
port, prints ``PORT <n>`` on stdout once it is serving, and exits when its stdin reaches
end of file: the parent holds the other end, so even a killed parent leaves no server
behind.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from typing import Any, Callable, Optional, Sequence, cast

__all__ = ["EmbeddedServer", "HELLO_RESPONSE", "serve_forever"]

BODY = b"Hello, world!"
HELLO_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Server: fastclient-bench\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n"
    b"\r\n" + BODY
)
_CLOSE_RESPONSE = HELLO_RESPONSE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
# HEAD: the same head, no body (RFC 9110 section 9.3.2).
_HEAD_RESPONSE = HELLO_RESPONSE[: -len(BODY)]
_HEAD_CLOSE_RESPONSE = _CLOSE_RESPONSE[: -len(BODY)]
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]+)", re.IGNORECASE)
_CONN_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:", re.IGNORECASE)
# A head larger than this without its blank line is an abuse, not a benchmark.
_MAX_HEAD = 65536
# Whole requests already seen to be one body-less keep-alive request each, and their
# answers: a repeated request costs one dict lookup. Bounded, so a client sending endless
# variants cannot grow it.
_SIMPLE: dict[bytes, bytes] = {}


class _HelloProtocol(asyncio.Protocol):
    __slots__ = ("buf", "skip", "transport")

    def __init__(self) -> None:
        self.transport: Optional[asyncio.Transport] = None
        self.buf = b""
        self.skip = 0  # body bytes of the current request still to discard

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (uvloop's transports are not registered as asyncio.Transport subclasses)
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        assert transport is not None
        if self.skip:
            if len(data) <= self.skip:
                self.skip -= len(data)
                return
            data = data[self.skip :]
            self.skip = 0
        # The common case: the same simple request again (a benchmark repeats itself).
        if not self.buf:
            known = _SIMPLE.get(data)
            if known is not None:
                transport.write(known)
                return
        buf = self.buf + data if self.buf else data
        single = not self.buf
        out = []
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > _MAX_HEAD:
                    transport.write(_BAD_REQUEST)
                    transport.close()
                    return
                break
            head = buf[: end + 2]
            buf = buf[end + 4 :]
            if _CHUNKED.search(head):
                # The bench never sends chunked bodies; refuse rather than misframe.
                out.append(_BAD_REQUEST)
                transport.write(b"".join(out))
                transport.close()
                return
            m = _CONTENT_LENGTH.search(head)
            length = int(m.group(1)) if m else 0
            if length:
                if len(buf) < length:
                    self.skip = length - len(buf)
                    buf = b""
                else:
                    buf = buf[length:]
            is_head = head.startswith(b"HEAD ")
            if _CONN_CLOSE.search(head):
                out.append(_HEAD_CLOSE_RESPONSE if is_head else _CLOSE_RESPONSE)
                transport.write(b"".join(out))
                transport.close()
                return
            response = _HEAD_RESPONSE if is_head else HELLO_RESPONSE
            out.append(response)
            if single and not buf and not length and len(_SIMPLE) < 64:
                _SIMPLE[head + b"\r\n"] = response
            if self.skip:
                break
        self.buf = buf
        if out:
            transport.write(b"".join(out) if len(out) > 1 else out[0])


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def serve_forever(
    sock: socket.socket,
    stop_on_stdin_eof: bool = True,
    on_ready: Optional[Callable[[], None]] = None,
) -> None:
    """Serve on the bound, listening ``sock`` until SIGTERM/SIGINT or stdin's EOF.

    ``on_ready`` is called once the loop is accepting: not before, because the kernel
    completes handshakes on a listening socket by itself, and a client let in while this
    process is still importing its event loop (hundreds of ms from a cold disk) would
    count that start-up as response time.
    """
    loop = _new_loop()
    asyncio.set_event_loop(loop)
    stopped = loop.create_future()

    def stop(*_: Any) -> None:
        if not stopped.done():
            stopped.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):
            pass
    if stop_on_stdin_eof and sys.stdin is not None:
        try:
            fd = sys.stdin.fileno()

            def on_stdin() -> None:
                if not os.read(fd, 4096):
                    loop.remove_reader(fd)
                    stop()

            loop.add_reader(fd, on_stdin)
        except (OSError, ValueError, NotImplementedError):
            pass

    async def main() -> None:
        server = await loop.create_server(_HelloProtocol, sock=sock, backlog=4096)
        if on_ready is not None:
            on_ready()
        try:
            await stopped
        finally:
            server.close()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


class EmbeddedServer:
    """The server in a child process; ``url`` is ready once the constructor returns."""

    def __init__(self, cpu: Optional[int] = None, timeout: float = 20.0) -> None:
        # This file run as a script, isolated (-I: no script directory or user site on
        # sys.path), rather than "-m fastclient._bench.server": that would import the
        # fastclient package first, the whole client, which this server does not use,
        # and which takes most of a second to import on a cold start.
        cmd = [sys.executable, "-I", os.path.abspath(__file__)]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        # start_new_session: a Ctrl-C meant for the bench must not kill the server before
        # the bench has printed its report; the bench stops it itself.
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        line = _read_line(self._proc, timeout)
        if not line.startswith(b"PORT "):
            self.close()
            raise RuntimeError(f"the embedded server did not start ({line!r})")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()  # the server exits on stdin EOF
            except OSError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    import selectors

    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            return b""
        return proc.stdout.readline().strip()
    finally:
        sel.close()


def main(argv: Sequence[str]) -> int:
    cpu: Optional[int] = None
    if len(argv) == 2 and argv[0] == "--cpu":
        cpu = int(argv[1])
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass  # pinning is an optimisation only
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    sock.setblocking(False)
    port = sock.getsockname()[1]

    def announce() -> None:
        sys.stdout.write(f"PORT {port}\n")
        sys.stdout.flush()

    serve_forever(sock, on_ready=announce)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
