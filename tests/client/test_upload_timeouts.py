"""Large request bodies against servers that stop taking them: the write timeout holds for
the whole write on both clients, and an answer the server gives before it stops reading
(413 for a body too large) is what the caller gets."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from fastclient import Timeout, WriteTimeout
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
