"""HTTP/2 through the clients and their pools, end to end.

Real servers (hypercorn: h2 over TLS by ALPN, h2c with prior knowledge, HTTP/1.1-only TLS)
check negotiation and sharing; scripted h2 peers (h2's server side over raw sockets, see
peers.py) make the server lower its stream limit mid-flight, send GOAWAY with streams it
did not process, and reset one stream. Both clients; the async one on asyncio and uvloop.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import pytest

import fastclient
from fastclient import ConnectError, RemoteProtocolError
from tests.servers.app import lifespan

from .peers import server_connection

pytestmark = pytest.mark.network

LOOPS = ["asyncio", "uvloop"]
ROOT = Path(__file__).resolve().parents[2]
Scope = Dict[str, Any]


def run(main: Callable[[], Awaitable[Any]], loop_kind: str = "asyncio") -> Any:
    if loop_kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(main(), 30))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def pool_of(client: Any) -> Any:
    return client._transport.pool


class PortRecorder:
    """An ASGI app that records the client port of every request (one port per TCP
    connection) and holds each response briefly, so that concurrent requests overlap."""

    def __init__(self) -> None:
        self.ports: List[int] = []
        self.versions: List[str] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        with self._lock:
            self.ports.append(scope["client"][1])
            self.versions.append(scope["http_version"])
        await asyncio.sleep(0.05)
        body = b"ok"
        headers = [(b"content-length", b"2"), (b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# ------------------------------------------------------------------ negotiation


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_client_negotiates_h2_by_alpn(
    https_server: Any, ca_bundle: str, loop_kind: str
) -> None:
    async def main() -> None:
        async with fastclient.AsyncClient(http2=True, verify=ca_bundle) as client:
            first = await client.get(https_server.url + "/json")
            second = await client.post(https_server.url + "/echo", content=b"abc")
        assert first.http_version == "HTTP/2" and first.json()["hello"] == "world"
        assert first.extensions["http_version"] == b"HTTP/2"
        echo = second.json()
        assert echo["http_version"] == "2" and echo["body"] == "abc"
        # Both on one connection, on consecutive client streams.
        assert first.extensions["conn_id"] == second.extensions["conn_id"]
        assert (first.extensions["stream_id"], second.extensions["stream_id"]) == (1, 3)

    run(main, loop_kind)


def test_sync_client_negotiates_h2_by_alpn(https_server: Any, ca_bundle: str) -> None:
    with fastclient.Client(http2=True, verify=ca_bundle) as client:
        first = client.get(https_server.url + "/json")
        second = client.post(https_server.url + "/echo", content=b"abc")
        streamed = client.get(https_server.url + "/stream/100")
    assert first.http_version == "HTTP/2" and first.json()["hello"] == "world"
    assert second.json()["http_version"] == "2" and second.json()["body"] == "abc"
    assert len(streamed.content) == 100 * 1024
    assert first.extensions["conn_id"] == streamed.extensions["conn_id"]
    assert [r.extensions["stream_id"] for r in (first, second, streamed)] == [1, 3, 5]


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_falls_back_to_http11_when_h2_is_not_offered(
    serve_asgi: Callable[..., Any], ca_bundle: str, loop_kind: str
) -> None:
    recorder = PortRecorder()
    server = serve_asgi(recorder, tls=True, http2=False)

    async def main() -> None:
        async with fastclient.AsyncClient(http2=True, verify=ca_bundle) as client:
            # Concurrent first requests wait for the first connection in case it speaks
            # HTTP/2; once it turns out HTTP/1.1 they open connections of their own.
            responses = await asyncio.gather(*[client.get(server.url) for _ in range(10)])
        assert {r.http_version for r in responses} == {"HTTP/1.1"}
        assert all(r.text == "ok" and "stream_id" not in r.extensions for r in responses)

    run(main, loop_kind)
    assert set(recorder.versions) == {"1.1"} and len(set(recorder.ports)) > 1


def test_sync_falls_back_to_http11_when_h2_is_not_offered(
    serve_asgi: Callable[..., Any], ca_bundle: str
) -> None:
    server = serve_asgi(PortRecorder(), tls=True, http2=False)
    with fastclient.Client(http2=True, verify=ca_bundle) as client, ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: client.get(server.url), range(8)))
    assert {(r.http_version, r.text) for r in responses} == {("HTTP/1.1", "ok")}


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_h2c_with_prior_knowledge(http_server: Any, loop_kind: str) -> None:
    async def main() -> None:
        async with fastclient.AsyncClient(http1=False, http2=True) as client:
            r = await client.post(http_server.url + "/echo", content=b"x" * 200_000)
        assert r.http_version == "HTTP/2" and r.json()["http_version"] == "2"
        assert len(r.json()["body"]) == 200_000
        # HTTP/1.1 still on: plain http stays HTTP/1.1 (no h2c upgrade).
        async with fastclient.AsyncClient(http2=True) as client:
            r = await client.get(http_server.url + "/echo")
        assert r.http_version == "HTTP/1.1" and r.json()["http_version"] == "1.1"

    run(main, loop_kind)


# A small body arrives with its head and is taken in one step (no iteration); one larger
# than the client's 16 MiB stream window cannot have arrived with its head and is read from
# the live stream.
LARGE = (1 << 24) + (1 << 20)


def check_read_and_freed(client: Any, r: Any, size: int) -> None:
    """Either way the response ends closed, with the bytes counted, and its stream is free
    again on the one connection."""
    assert r.http_version == "HTTP/2" and r.is_closed and r.is_stream_consumed
    assert r.content == b"x" * size and r.num_bytes_downloaded == size
    pool = pool_of(client)
    assert pool.state.n_total == 1
    proto = pool.get_connection(r.extensions["conn_id"]).handle
    assert proto._streams == {} and proto.core.is_available()


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_h2_bodies_whole_and_streamed_are_read_and_free_their_stream(
    http_server: Any, loop_kind: str
) -> None:
    async def main() -> None:
        async with fastclient.AsyncClient(http1=False, http2=True) as client:
            for size in (13, LARGE) * 2:
                r = await client.get(f"{http_server.url}/bytes/{size}")
                check_read_and_freed(client, r, size)
            # Taken whole, the stream cannot be read a second time.
            r = await client.get(http_server.url + "/bytes/13")
            with pytest.raises(fastclient.StreamConsumed):
                async for _ in r.stream:
                    pass

    run(main, loop_kind)


def test_sync_h2_bodies_whole_and_streamed_are_read_and_free_their_stream(
    http_server: Any,
) -> None:
    with fastclient.Client(http1=False, http2=True) as client:
        for size in (13, LARGE) * 2:
            r = client.get(f"{http_server.url}/bytes/{size}")
            check_read_and_freed(client, r, size)


def test_sync_h2c_with_prior_knowledge(http_server: Any) -> None:
    with fastclient.Client(http1=False, http2=True) as client:
        r = client.post(http_server.url + "/echo", content=b"y" * 200_000)
        streamed = client.get(http_server.url + "/stream/50")
    assert r.http_version == "HTTP/2" and r.json()["http_version"] == "2"
    assert len(r.json()["body"]) == 200_000 and len(streamed.content) == 50 * 1024


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_head_timeout_over_http2(http_server: Any, loop_kind: str) -> None:
    # Timeout(head=...) holds over HTTP/2 as over HTTP/1.1, with reads unlimited.
    async def main() -> None:
        timeout = fastclient.Timeout(None, head=0.3)
        async with fastclient.AsyncClient(http1=False, http2=True, timeout=timeout) as client:
            with pytest.raises(fastclient.ReadTimeout, match="whole response head"):
                await client.get(http_server.url + "/slow?delay=2")
            r = await client.get(http_server.url + "/")
        assert r.http_version == "HTTP/2" and r.status_code == 200

    run(main, loop_kind)


def test_sync_head_timeout_over_http2(http_server: Any) -> None:
    timeout = fastclient.Timeout(None, head=0.3)
    with fastclient.Client(http1=False, http2=True, timeout=timeout) as client:
        with pytest.raises(fastclient.ReadTimeout, match="whole response head"):
            client.get(http_server.url + "/slow?delay=2")
        r = client.get(http_server.url + "/")
    assert r.http_version == "HTTP/2" and r.status_code == 200


# ------------------------------------------------------------------ one connection per origin


@pytest.mark.parametrize("tls", [True, False], ids=["h2", "h2c"])
@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_100_concurrent_first_requests_share_one_connection(
    serve_asgi: Callable[..., Any], ca_bundle: str, loop_kind: str, tls: bool
) -> None:
    recorder = PortRecorder()
    server = serve_asgi(recorder, tls=tls)

    async def main() -> None:
        kwargs: Dict[str, Any] = {"verify": ca_bundle} if tls else {"http1": False}
        async with fastclient.AsyncClient(http2=True, **kwargs) as client:
            responses = await asyncio.gather(*[client.get(server.url) for _ in range(100)])
            assert pool_of(client).state.n_total == 1
        assert [(r.status_code, r.text, r.http_version) for r in responses] == [
            (200, "ok", "HTTP/2")
        ] * 100
        assert len({r.extensions["stream_id"] for r in responses}) == 100

    run(main, loop_kind)
    assert len(recorder.ports) == 100 and len(set(recorder.ports)) == 1
    assert set(recorder.versions) == {"2"}


def test_sync_100_concurrent_first_requests_share_one_connection(
    serve_asgi: Callable[..., Any], ca_bundle: str
) -> None:
    recorder = PortRecorder()
    server = serve_asgi(recorder, tls=True)
    start = threading.Barrier(100)

    with fastclient.Client(http2=True, verify=ca_bundle) as client:

        def fetch(_: int) -> Tuple[int, str, str]:
            start.wait(10)
            r = client.get(server.url)
            return r.status_code, r.text, r.http_version

        with ThreadPoolExecutor(100) as pool:
            results = list(pool.map(fetch, range(100)))
        assert pool_of(client).state.n_total == 1
    assert results == [(200, "ok", "HTTP/2")] * 100
    assert len(recorder.ports) == 100 and len(set(recorder.ports)) == 1


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_first_connect_failure_fails_the_requests_waiting_for_it(loop_kind: str) -> None:
    # A port nobody listens on: every request that waited for the one connection being
    # opened fails with its error at once, instead of each trying in turn.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    async def main() -> None:
        async with fastclient.AsyncClient(http2=True) as client:
            url = f"https://127.0.0.1:{port}/"
            started = time.monotonic()
            results = await asyncio.gather(
                *[client.get(url) for _ in range(20)], return_exceptions=True
            )
            assert time.monotonic() - started < 5
            assert all(isinstance(r, ConnectError) for r in results), results
            assert pool_of(client).state.n_total == 0

    run(main, loop_kind)


# ------------------------------------------------------------------ scripted peers


def _respond(server: Any, sid: int, body: bytes) -> None:
    headers = [(b":status", b"200"), (b"content-length", b"%d" % len(body))]
    server.send_headers(sid, headers)
    server.send_data(sid, body, end_stream=True)


class ShrinkingPeer:
    """Lowers MAX_CONCURRENT_STREAMS to 2 once the first request has arrived and the
    client has acknowledged the preface's SETTINGS, holds every response for 0.3 s, then
    answers one stream every 20 ms. Records how many streams were open at once among
    requests that arrived after the client acknowledged the lowered limit."""

    def __init__(self) -> None:
        self.after_ack = 0
        self.max_open_after_ack = 0
        self.failures: List[BaseException] = []
        self.acked = threading.Event()  # the client acknowledged the lowered limit

    def __call__(self, sock: socket.socket) -> None:
        try:
            self._serve(sock)
        except (h2.exceptions.H2Error, AssertionError) as exc:
            self.failures.append(exc)

    def _serve(self, sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        sock.settimeout(0.02)
        opened: List[int] = []
        # h2 applies every pending SETTINGS change on the next ACK, whichever SETTINGS
        # frame that ACK answers. So the limit is lowered only after the preface's ACK:
        # lowered before it, h2 would take the client's ACK of the preface (sent before
        # the client saw the new limit) for an ACK of the limit, and then call the
        # client's in-flight streams a violation.
        preface_acked = False
        lowered = False
        acked = False
        first_at: Optional[float] = None
        last_answer = 0.0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                data: Optional[bytes] = sock.recv(65536)
            except socket.timeout:
                data = None
            if data == b"":
                return
            for event in server.receive_data(data) if data else []:
                if isinstance(event, h2.events.RequestReceived):
                    opened.append(event.stream_id)
                    if first_at is None:
                        first_at = time.monotonic()
                    if acked:
                        self.after_ack += 1
                        self.max_open_after_ack = max(self.max_open_after_ack, len(opened))
                elif isinstance(event, h2.events.SettingsAcknowledged):
                    if not preface_acked:
                        preface_acked = True
                    else:
                        codes = h2.settings.SettingCodes
                        assert codes.MAX_CONCURRENT_STREAMS in event.changed_settings
                        acked = True
                        self.acked.set()
            if first_at is not None and preface_acked and not lowered:
                server.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 2})
                lowered = True
            now = time.monotonic()
            holding = first_at is None or now - first_at <= 0.3
            if opened and not holding and now - last_answer >= 0.02:
                _respond(server, opened.pop(0), b"done")
                last_answer = now
            out = server.data_to_send()
            if out:
                sock.sendall(out)


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_peer_lowering_max_concurrent_streams_makes_requests_wait(
    raw_server: Callable[..., Any], loop_kind: str
) -> None:
    peer = ShrinkingPeer()
    server = raw_server(peer)
    limits = fastclient.Limits(max_connections=1)

    async def main() -> None:
        async with fastclient.AsyncClient(http1=False, http2=True, limits=limits) as client:
            first = [asyncio.ensure_future(client.get(server.url)) for _ in range(4)]
            for _ in range(500):  # until the client has taken in the lowered limit
                if peer.acked.is_set():
                    break
                await asyncio.sleep(0.01)
            rest = [asyncio.ensure_future(client.get(server.url)) for _ in range(6)]
            responses = await asyncio.gather(*first, *rest)
        assert [(r.status_code, r.text) for r in responses] == [(200, "done")] * 10

    run(main, loop_kind)
    assert peer.failures == []
    assert server.accepted == 1
    # The six late requests (and any of the first four sent after the client took in
    # the new limit) all went out under the lowered limit, never above it.
    assert peer.after_ack >= 6 and peer.max_open_after_ack <= 2


def test_sync_peer_lowering_max_concurrent_streams_makes_requests_wait(
    raw_server: Callable[..., Any],
) -> None:
    peer = ShrinkingPeer()
    server = raw_server(peer)
    limits = fastclient.Limits(max_connections=1)
    client = fastclient.Client(http1=False, http2=True, limits=limits)
    with client, ThreadPoolExecutor(10) as pool:
        first = [pool.submit(client.get, server.url) for _ in range(4)]
        assert peer.acked.wait(10)
        rest = [pool.submit(client.get, server.url) for _ in range(6)]
        responses = [f.result(timeout=20) for f in first + rest]
    assert [(r.status_code, r.text) for r in responses] == [(200, "done")] * 10
    assert peer.failures == []
    assert server.accepted == 1
    assert peer.after_ack >= 6 and peer.max_open_after_ack <= 2


class GoawayPeer:
    """On its first connection: answers the first stream, then GOAWAY with that stream as
    the last processed one (every other request there is unprocessed), and reads on
    until the client closes. Later connections answer everything. Bodies name the
    connection."""

    def __init__(self) -> None:
        self.streams: List[List[int]] = []
        self._lock = threading.Lock()

    def __call__(self, sock: socket.socket) -> None:
        with self._lock:
            index = len(self.streams)
            self.streams.append([])
        server = server_connection()
        sock.sendall(server.data_to_send())
        draining = False
        for _ in range(10_000):
            data = sock.recv(65536)
            if not data:
                return
            if draining:
                continue  # the connection is over for the server; wait for the close
            for event in server.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    self.streams[index].append(event.stream_id)
                    if index > 0:
                        _respond(server, event.stream_id, b"conn%d" % index)
            if index == 0 and self.streams[0]:
                first = self.streams[0][0]
                _respond(server, first, b"conn0")
                server.close_connection(last_stream_id=first)
                draining = True
            out = server.data_to_send()
            if out:
                sock.sendall(out)


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_goaway_unprocessed_requests_retried_on_a_new_connection(
    raw_server: Callable[..., Any], loop_kind: str
) -> None:
    peer = GoawayPeer()
    server = raw_server(peer)

    async def main() -> None:
        async with fastclient.AsyncClient(http1=False, http2=True) as client:
            requests = [client.get(f"{server.url}/{i}") for i in range(4)]
            requests += [client.post(f"{server.url}/p{i}", content=b"body") for i in range(2)]
            responses = await asyncio.gather(*requests)
            bodies = sorted(r.text for r in responses)
            assert bodies == ["conn0"] + ["conn1"] * 5
            assert len({r.extensions["conn_id"] for r in responses}) == 2
            # The first connection closed once its last request ended.
            assert pool_of(client).state.n_total == 1

    run(main, loop_kind)
    assert server.accepted == 2 and len(peer.streams[0]) >= 1


def test_sync_goaway_unprocessed_requests_retried_on_a_new_connection(
    raw_server: Callable[..., Any],
) -> None:
    peer = GoawayPeer()
    server = raw_server(peer)
    start = threading.Barrier(6)
    with fastclient.Client(http1=False, http2=True) as client:

        def fetch(i: int) -> str:
            start.wait(10)
            return client.get(f"{server.url}/{i}").text

        with ThreadPoolExecutor(6) as pool:
            bodies = sorted(pool.map(fetch, range(6)))
    assert bodies[0] == "conn0" and set(bodies[1:]) == {"conn1"}
    assert server.accepted == 2


class ResettingPeer:
    """Answers every request on one connection, except: /reset gets RST_STREAM
    (INTERNAL_ERROR), and /refused gets REFUSED_STREAM the first time only."""

    def __init__(self) -> None:
        self.paths: List[bytes] = []

    def __call__(self, sock: socket.socket) -> None:
        server = server_connection()
        sock.sendall(server.data_to_send())
        for _ in range(10_000):
            data = sock.recv(65536)
            if not data:
                return
            for event in server.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    path = dict(event.headers)[b":path"]
                    self.paths.append(path)
                    if path == b"/reset":
                        server.reset_stream(event.stream_id, h2.errors.ErrorCodes.INTERNAL_ERROR)
                    elif path == b"/refused" and self.paths.count(path) == 1:
                        server.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                    else:
                        _respond(server, event.stream_id, path)
            out = server.data_to_send()
            if out:
                sock.sendall(out)


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_rst_stream_fails_only_that_request(
    raw_server: Callable[..., Any], loop_kind: str
) -> None:
    peer = ResettingPeer()
    server = raw_server(peer)

    async def main() -> None:
        async with fastclient.AsyncClient(http1=False, http2=True) as client:
            paths = ["/a", "/reset", "/b", "/refused", "/c"]
            results = await asyncio.gather(
                *[client.get(server.url + p) for p in paths], return_exceptions=True
            )
            failed = results[1]
            assert isinstance(failed, RemoteProtocolError), failed
            assert "INTERNAL_ERROR" in str(failed)
            others = [results[i] for i in (0, 2, 3, 4)]
            assert [r.text for r in others] == ["/a", "/b", "/refused", "/c"]  # type: ignore[union-attr]
            # The connection goes on.
            again = await client.get(server.url + "/d")
            assert again.text == "/d"
            assert again.extensions["conn_id"] == others[0].extensions["conn_id"]  # type: ignore[union-attr]

    run(main, loop_kind)
    assert server.accepted == 1
    assert peer.paths.count(b"/refused") == 2  # refused once, then sent again


def test_sync_rst_stream_fails_only_that_request(raw_server: Callable[..., Any]) -> None:
    peer = ResettingPeer()
    server = raw_server(peer)
    with fastclient.Client(http1=False, http2=True) as client:
        assert client.get(server.url + "/a").text == "/a"
        with pytest.raises(RemoteProtocolError, match="INTERNAL_ERROR"):
            client.get(server.url + "/reset")
        assert client.get(server.url + "/refused").text == "/refused"
        assert client.get(server.url + "/b").text == "/b"
    assert server.accepted == 1
    assert peer.paths == [b"/a", b"/reset", b"/refused", b"/refused", b"/b"]


# ------------------------------------------------------------------ what reaches the user

EXPECTED_TRACE = [
    "http2.send_connection_init.started",
    "http2.send_connection_init.complete",
    "http2.send_request_headers.started",
    "http2.send_request_headers.complete",
    "http2.send_request_body.started",
    "http2.send_request_body.complete",
    "http2.receive_response_headers.started",
    "http2.receive_response_headers.complete",
    "http2.receive_response_body.started",
    "http2.receive_response_body.complete",
    "http2.response_closed.started",
    "http2.response_closed.complete",
]


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_async_trace_events_and_stream_id(
    https_server: Any, ca_bundle: str, loop_kind: str
) -> None:
    names: List[str] = []

    async def trace(name: str, info: Dict[str, Any]) -> None:
        names.append(name)

    async def main() -> None:
        async with fastclient.AsyncClient(http2=True, verify=ca_bundle) as client:
            r = await client.post(
                https_server.url + "/echo", content=b"hi", extensions={"trace": trace}
            )
        assert r.extensions["stream_id"] == 1 and json.loads(r.content)["body"] == "hi"

    run(main, loop_kind)
    http2_names = [n for n in names if n.startswith("http2.")]
    assert http2_names == EXPECTED_TRACE
    assert names.index("connection.start_tls.complete") < names.index(EXPECTED_TRACE[0])


def test_sync_trace_events_and_stream_id(https_server: Any, ca_bundle: str) -> None:
    names: List[str] = []
    with fastclient.Client(http2=True, verify=ca_bundle) as client:
        r = client.post(
            https_server.url + "/echo",
            content=b"hi",
            extensions={"trace": lambda name, info: names.append(name)},
        )
    assert r.extensions["stream_id"] == 1 and r.json()["body"] == "hi"
    assert [n for n in names if n.startswith("http2.")] == EXPECTED_TRACE


# ------------------------------------------------------------------ fastclient bench --http2


@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "h2"])
def test_bench_http2(http_server: Any, https_server: Any, tls: bool, tmp_path: Path) -> None:
    # (Below hypercorn's 1000 requests per connection, after which it sends GOAWAY and
    # leaves the streams it had accepted unanswered.)
    server = https_server if tls else http_server
    out = tmp_path / "out.json"
    args = [server.url + "/", "--http2", "-n", "600", "-c", "16", "-w", "1"]
    args += ["--no-progress", "--json", str(out)] + (["--insecure"] if tls else [])
    proc = subprocess.run(
        [sys.executable, "-m", "fastclient", "bench", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["http2"] is True
    assert (data["requests"], data["responses"], data["errors"]) == (600, 600, {})
    assert data["status_codes"] == {"200": 600}
    # The bodies' bytes, however each arrived (whole with its head, or streamed).
    assert data["bytes_read"] == 600 * len(b"Hello, world!")
