"""Large request bodies against servers that stop taking them: the write timeout holds for
the whole write on both clients, and an answer the server gives before it stops reading
(413 for a body too large) is what the caller gets."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import time
from typing import Any, Dict

import pytest

from fastclient import ReadTimeout, Timeout, WriteTimeout
from tests.servers.app import lifespan
from tests.servers.raw import read_request_head

pytestmark = pytest.mark.network

# Far more than the kernel's socket buffers on both sides take, so the write must block.
BODY = b"*" * (32 * 1024 * 1024)


def never_reads_the_body(sock: socket.socket) -> None:
    read_request_head(sock)
    time.sleep(3.0)


def answers_then_closes(sock: socket.socket) -> None:
    read_request_head(sock)
    sock.sendall(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 3\r\n\r\nbig")
    time.sleep(0.5)  # then closes with the body unread: the client sees a reset


def test_write_timeout_bounds_a_large_in_memory_body(raw_server: Any, make_client: Any) -> None:
    # The body goes out with the head in one write: the async client once left it all to
    # the transport's buffer and never applied the write timeout; the sync one applied it
    # to each send call, so a slowly drained write could last many timeouts.
    server = raw_server(never_reads_the_body)
    client = make_client(timeout=Timeout(5.0, write=0.3))
    start = time.monotonic()
    with pytest.raises(WriteTimeout, match="timed out while sending"):
        client.put(f"{server.url}/", content=BODY)
    assert 0.3 <= time.monotonic() - start < 2.5


def test_answer_before_the_body_was_taken_is_returned(raw_server: Any, make_client: Any) -> None:
    server = raw_server(answers_then_closes)
    client = make_client(timeout=Timeout(5.0, write=None))
    response = client.put(f"{server.url}/", content=BODY)
    assert response.status_code == 413 and response.content == b"big"
    # The half-written connection was not kept for another request.
    assert client.get(f"{server.url}/").status_code == 413
    assert server.accepted == 2


async def slow_digest(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    """Takes the request body slowly (the client's writes block and resume many times),
    then answers with its SHA-256."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    digest = hashlib.sha256()
    while True:
        message = await receive()
        digest.update(message.get("body", b""))
        await asyncio.sleep(0.001)
        if not message.get("more_body", False):
            break
    body = digest.hexdigest().encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_large_body_taken_slowly_arrives_whole(
    serve_asgi: Any, make_client: Any, ca_bundle: str, tls: bool
) -> None:
    server = serve_asgi(slow_digest, tls=tls, http2=False)
    body = bytes(range(256)) * (16 * 4096)  # 16 MiB, every byte value
    client = make_client(verify=ca_bundle, timeout=Timeout(10.0))
    response = client.put(f"{server.url}/", content=body)
    assert response.text == hashlib.sha256(body).hexdigest()
    # The connection is whole afterwards: a second request on it works.
    assert client.put(f"{server.url}/", content=b"x").text == hashlib.sha256(b"x").hexdigest()


def streamed(which: str) -> Any:
    """BODY as a request stream of one chunk, of the kind the client under test takes."""
    if which == "sync":
        return iter([BODY])

    async def chunks() -> Any:
        yield BODY

    return chunks()


@pytest.mark.parametrize("kind", ["in-memory", "streamed"])
def test_write_timeout_holds_over_tls(
    raw_server: Any, make_client: Any, tls_files: Any, which: str, kind: str
) -> None:
    # Through TLS neither of the plain socket's mechanisms applied: the sync client's
    # kernel timeouts never end a TLS read or write (CPython's ssl module retries them),
    # and asyncio's TLS transport takes any one write whole without pausing.
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.cert_path, tls_files.key_path)

    def handler(sock: socket.socket) -> None:
        with context.wrap_socket(sock, server_side=True) as tls:
            never_reads_the_body(tls)  # type: ignore[arg-type]

    server = raw_server(handler)
    client = make_client(verify=tls_files.ca_path, timeout=Timeout(5.0, write=0.3))
    start = time.monotonic()
    with pytest.raises(WriteTimeout):
        content = BODY if kind == "in-memory" else streamed(which)
        client.put(f"https://127.0.0.1:{server.port}/", content=content)
    assert 0.3 <= time.monotonic() - start < 2.5


def test_read_timeout_holds_over_tls(raw_server: Any, make_client: Any, tls_files: Any) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.cert_path, tls_files.key_path)

    def handler(sock: socket.socket) -> None:
        with context.wrap_socket(sock, server_side=True) as tls:
            read_request_head(tls)  # type: ignore[arg-type]
            time.sleep(3.0)

    server = raw_server(handler)
    client = make_client(verify=tls_files.ca_path, timeout=Timeout(5.0, read=0.3))
    start = time.monotonic()
    with pytest.raises(ReadTimeout):
        client.get(f"https://127.0.0.1:{server.port}/")
    assert 0.3 <= time.monotonic() - start < 2.5
