"""Auth schemes, driven through both clients over MockTransport.

Digest is checked against :class:`DigestServer`, a handler that verifies every
Authorization header the way a server must (RFC 7616 section 3.4): the response hash
recomputed from the password, the realm, nonce, uri and opaque echoed, and the nonce
count strictly increasing per nonce.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.request
from typing import Any, Callable, Dict, Generator, List, Optional, Set, Tuple

import httpx
import pytest

from fastclient._auth import Auth, BasicAuth, DigestAuth, FunctionAuth, NetRCAuth, _parse_challenge
from fastclient._exceptions import ProtocolError
from fastclient._models import Request, Response
from fastclient._transports.mock import MockTransport

USER, PASSWORD = "Mufasa", "Circle of Life"
HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256", "SHA": "sha1"}


class DigestServer:
    """A digest-protected resource, as a MockTransport handler."""

    def __init__(
        self,
        *,
        algorithm: str = "MD5",
        qop: Optional[str] = "auth",
        password: str = PASSWORD,
        opaque: Optional[str] = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
        nonce_uses: int = 1000,
        extra_challenges: Optional[List[str]] = None,
    ) -> None:
        self.algorithm = algorithm
        self.qop = qop
        self.password = password
        self.opaque = opaque
        self.nonce_uses = nonce_uses  # after this many accepted uses a nonce turns stale
        self.extra_challenges = extra_challenges or []
        self.nonce_serial = 0
        self.nonce = self._new_nonce()
        self.seen_nc: Set[Tuple[str, str]] = set()
        self.uses: Dict[str, int] = {}
        self.requests: List[Request] = []
        self.lock = threading.Lock()

    def _new_nonce(self) -> str:
        self.nonce_serial += 1
        return f"nonce-{self.nonce_serial}"

    def challenge(self, stale: bool = False) -> str:
        parts = ['realm="test@example.org"', f'nonce="{self.nonce}"']
        parts.append(f"algorithm={self.algorithm}")
        if self.qop is not None:
            parts.append(f'qop="{self.qop}"')
        if self.opaque is not None:
            parts.append(f'opaque="{self.opaque}"')
        if stale:
            parts.append("stale=TRUE")
        return "Digest " + ", ".join(parts)

    def _unauthorized(self, stale: bool = False) -> Response:
        headers = [("WWW-Authenticate", h) for h in self.extra_challenges]
        headers.append(("WWW-Authenticate", self.challenge(stale)))
        return Response(401, headers=headers, content=b"who are you?")

    def expected_response(self, fields: Dict[str, str], method: str) -> str:
        name = fields["algorithm"].upper()
        hash_name = HASHES[name.replace("-SESS", "")]

        def h(text: str) -> str:
            return hashlib.new(hash_name, text.encode()).hexdigest()

        ha1 = h(f"{fields['username']}:{fields['realm']}:{self.password}")
        if name.endswith("-SESS"):
            ha1 = h(f"{ha1}:{fields['nonce']}:{fields['cnonce']}")
        ha2 = h(f"{method}:{fields['uri']}")
        if "qop" in fields:
            return h(
                f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}"
            )
        return h(f"{ha1}:{fields['nonce']}:{ha2}")

    def __call__(self, request: Request) -> Response:
        with self.lock:
            return self._handle(request)

    def _handle(self, request: Request) -> Response:
        self.requests.append(request)
        header = request.headers.get("Authorization")
        if header is None:
            return self._unauthorized()
        scheme, _, params = header.partition(" ")
        assert scheme == "Digest"
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(params))
        assert fields["username"] == USER
        assert fields["realm"] == "test@example.org"
        assert fields["uri"] == request.url.raw_path.decode()
        assert fields["algorithm"] == self.algorithm
        assert fields.get("opaque") == self.opaque
        if self.qop is None:
            assert "nc" not in fields and "cnonce" not in fields and "qop" not in fields
        else:
            assert fields["qop"] == "auth"
            # Unquoted tokens, as RFC 7616 spells them.
            assert "qop=auth" in params and f"nc={fields['nc']}" in params
            assert len(fields["nc"]) == 8
            # A replayed (nonce, nc) pair is what a server must refuse.
            assert (fields["nonce"], fields["nc"]) not in self.seen_nc, "nonce count reused"
            self.seen_nc.add((fields["nonce"], fields["nc"]))
        if fields["response"] != self.expected_response(fields, request.method):
            return self._unauthorized()
        if fields["nonce"] != self.nonce:
            return self._unauthorized(stale=True)
        self.uses[self.nonce] = self.uses.get(self.nonce, 0) + 1
        if self.uses[self.nonce] >= self.nonce_uses:
            self.nonce = self._new_nonce()  # this nonce expires after this response
        return Response(200, json={"authenticated": True, "nc": fields.get("nc")})


# -- RFC 7616 section 3.9.1 test vectors -----------------------------------------------


class FixedCnonceDigest(DigestAuth):
    def _make_cnonce(self) -> bytes:
        return b"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_example(algorithm: str, expected: str) -> None:
    challenge = _parse_challenge(
        'realm="http-auth@example.org", qop="auth, auth-int", algorithm='
        + algorithm
        + ', nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",'
        ' opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    request = Request("GET", "http://www.example.org/dir/index.html")
    header = FixedCnonceDigest(USER, PASSWORD)._authorization(request, challenge)
    fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))
    assert header.startswith("Digest ")
    assert fields["response"] == expected
    assert fields["nc"] == "00000001"
    assert fields["uri"] == "/dir/index.html"
    assert fields["opaque"] == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"


# -- Digest through the clients ---------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm", ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA"]
)
def test_digest_algorithms(make_client: Callable[..., Any], algorithm: str) -> None:
    server = DigestServer(algorithm=algorithm)
    client = make_client(transport=MockTransport(server), auth=DigestAuth(USER, PASSWORD))
    response = client.get("http://example.org/dir/index.html?x=1")
    assert response.status_code == 200
    assert response.json()["authenticated"] is True
    assert [r.status_code for r in response.history] == [401]
    assert len(server.requests) == 2


def test_digest_without_qop_rfc2069(make_client: Callable[..., Any]) -> None:
    server = DigestServer(qop=None)
    client = make_client(transport=MockTransport(server), auth=DigestAuth(USER, PASSWORD))
    assert client.get("http://example.org/").status_code == 200


def test_digest_reuses_challenge_with_increasing_nonce_count(
    make_client: Callable[..., Any],
) -> None:
    server = DigestServer()
    client = make_client(transport=MockTransport(server), auth=DigestAuth(USER, PASSWORD))
    counts = [client.get(f"http://example.org/{i}").json()["nc"] for i in range(4)]
    assert counts == ["00000001", "00000002", "00000003", "00000004"]
    # One 401 in all: later requests answered the remembered challenge up front.
    assert len(server.requests) == 5


def test_digest_new_nonce_restarts_the_count(make_client: Callable[..., Any]) -> None:
    server = DigestServer(nonce_uses=2)  # the server rotates its nonce every 2 uses
    client = make_client(transport=MockTransport(server), auth=DigestAuth(USER, PASSWORD))
    counts = [client.get("http://example.org/").json()["nc"] for _ in range(5)]
    assert counts == ["00000001", "00000002", "00000001", "00000002", "00000001"]
    # The stale nonce costs one 401 (answered once more) per rotation, never a failure.
    assert len(server.requests) == 1 + 5 + 2


def test_digest_gives_up_after_repeated_401(make_client: Callable[..., Any]) -> None:
    server = DigestServer(password="something else")
    client = make_client(transport=MockTransport(server), auth=DigestAuth(USER, PASSWORD))
    response = client.get("http://example.org/")
    assert response.status_code == 401
    assert len(server.requests) == 2  # the challenge was answered once, not forever
    # A remembered challenge: one preemptive try, one answer to a fresh challenge, stop.
    server.requests.clear()
    assert client.get("http://example.org/").status_code == 401
    assert len(server.requests) == 2


def test_digest_prefers_the_strongest_challenge(make_client: Callable[..., Any]) -> None:
    server = DigestServer(
        algorithm="SHA-256",
        extra_challenges=[
            'Digest realm="test@example.org", nonce="nonce-1", algorithm=MD5, qop="auth"',
            'Basic realm="test@example.org"',
        ],
    )
    client = make_client(transport=MockTransport(server), auth=DigestAuth(USER, PASSWORD))
    assert client.get("http://example.org/").status_code == 200


def test_digest_sends_cookies_set_with_the_challenge(make_client: Callable[..., Any]) -> None:
    server = DigestServer()

    def handler(request: Request) -> Response:
        if "Authorization" not in request.headers:
            response = server(request)
            response.headers["Set-Cookie"] = "challenge=c1; Path=/"
            return response
        assert request.headers["Cookie"] == "session=s0; challenge=c1"
        return server(request)

    client = make_client(
        transport=MockTransport(handler), auth=DigestAuth(USER, PASSWORD), cookies={"session": "s0"}
    )
    assert client.get("http://example.org/").status_code == 200


def test_digest_passes_other_responses_through(make_client: Callable[..., Any]) -> None:
    seen: List[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        if request.url.path == "/basic":
            return Response(401, headers={"WWW-Authenticate": 'Basic realm="x"'})
        return Response(200)

    client = make_client(transport=MockTransport(handler), auth=DigestAuth(USER, PASSWORD))
    assert client.get("http://example.org/").status_code == 200
    assert client.get("http://example.org/basic").status_code == 401
    assert len(seen) == 2
    assert "Authorization" not in seen[0].headers


@pytest.mark.parametrize(
    ("challenge", "message"),
    [
        ('Digest realm="x"', "missing nonce"),
        ('Digest nonce="x"', "missing realm"),
        ("Digest realm", "expected name=value"),
        ('Digest realm="x", nonce="y", algorithm=ROT13', "unsupported algorithm"),
        ('Digest realm="x", nonce="y", qop="auth-conf"', "offers no qop=auth"),
    ],
)
def test_digest_malformed_challenge_is_a_clear_error(
    make_client: Callable[..., Any], challenge: str, message: str
) -> None:
    def handler(request: Request) -> Response:
        return Response(401, headers={"WWW-Authenticate": challenge})

    client = make_client(transport=MockTransport(handler), auth=DigestAuth(USER, PASSWORD))
    with pytest.raises(ProtocolError, match="Malformed Digest WWW-Authenticate") as info:
        client.get("http://example.org/")
    assert message in str(info.value)
    assert info.value.request.url == "http://example.org/"


def test_digest_auth_int_only_is_not_implemented_as_in_httpx(
    make_client: Callable[..., Any],
) -> None:
    auth_int = 'Digest realm="x", nonce="y", qop="auth-int"'
    answers = [
        [("WWW-Authenticate", auth_int)],
        [("WWW-Authenticate", auth_int), ("WWW-Authenticate", 'Digest realm="x"')],
    ]

    def handler(request: Request) -> Response:
        return Response(401, headers=answers[0])

    client = make_client(transport=MockTransport(handler), auth=DigestAuth(USER, PASSWORD))
    with pytest.raises(NotImplementedError, match="Digest auth-int support is not yet implemented"):
        client.get("http://example.org/")
    # With a malformed challenge beside it, the malformed one is what is reported.
    answers.pop(0)
    with pytest.raises(ProtocolError, match="missing nonce"):
        client.get("http://example.org/")


def test_digest_nonce_count_is_unique_across_threads() -> None:
    from fastclient._client import Client

    server = DigestServer()
    auth = DigestAuth(USER, PASSWORD)
    counts: List[str] = []
    with Client(transport=MockTransport(server), auth=auth) as client:
        client.get("http://example.org/")  # learn the challenge

        def work() -> None:
            for _ in range(25):
                response = client.get("http://example.org/")
                assert response.status_code == 200
                counts.append(response.json()["nc"])

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(counts) == 100
    assert len(set(counts)) == 100  # never the same nc twice for one nonce


# -- Basic, netrc, function and custom auth -----------------------------------------------


def echo_auth(request: Request) -> Response:
    return Response(200, json={"auth": request.headers.get("Authorization")})


def test_basic_auth_header_matches_httpx(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo_auth), auth=("user", "pässword"))
    got = client.get("http://example.org/").json()["auth"]
    want = httpx.BasicAuth("user", "pässword")._auth_header
    assert got == want


def test_auth_forms(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo_auth))
    assert client.get("http://example.org/").json()["auth"] is None
    assert client.get("http://example.org/", auth=BasicAuth("a", "b")).json()["auth"] == (
        "Basic YTpi"
    )

    def sign(request: Request) -> Request:
        request.headers["Authorization"] = "Token abc"
        return request

    assert client.get("http://example.org/", auth=sign).json()["auth"] == "Token abc"
    assert client.get("http://example.org/", auth=FunctionAuth(sign)).json()["auth"] == (
        "Token abc"
    )
    # Credentials in the URL become Basic auth when no auth is given.
    assert client.get("http://a:b@example.org/").json()["auth"] == "Basic YTpi"
    with pytest.raises(TypeError, match='Invalid "auth" argument'):
        client.get("http://example.org/", auth=123)


def test_per_request_auth_none_disables_client_auth(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(echo_auth), auth=("a", "b"))
    assert client.get("http://example.org/").json()["auth"] == "Basic YTpi"
    assert client.get("http://example.org/", auth=None).json()["auth"] is None
    assert client.auth is not None
    client.auth = None
    assert client.get("http://example.org/").json()["auth"] is None


def test_netrc_auth(make_client: Callable[..., Any], tmp_path: Any) -> None:
    netrc_file = tmp_path / ".netrc"
    netrc_file.write_text("machine example.org\nlogin alice\npassword s3cret\n")
    netrc_file.chmod(0o600)
    client = make_client(transport=MockTransport(echo_auth), auth=NetRCAuth(str(netrc_file)))
    assert (
        client.get("http://example.org/").json()["auth"]
        == httpx.BasicAuth("alice", "s3cret")._auth_header
    )
    assert client.get("http://other.org/").json()["auth"] is None


class TokenFromBody(Auth):
    """Reads a token from the 401 body: needs requires_response_body."""

    requires_response_body = True

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = "Bearer " + response.json()["token"]
            yield request


def token_server(request: Request) -> Response:
    if request.headers.get("Authorization") == "Bearer t0k3n":
        return Response(200, text="welcome")
    return Response(401, json={"token": "t0k3n"})


def test_custom_auth_reading_the_response_body(make_client: Callable[..., Any]) -> None:
    client = make_client(transport=MockTransport(token_server), auth=TokenFromBody())
    response = client.get("http://example.org/")
    assert response.text == "welcome"
    assert [r.status_code for r in response.history] == [401]
    assert response.history[0].json() == {"token": "t0k3n"}


class SignsBody(Auth):
    requires_request_body = True

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        request.headers["X-Body-Hash"] = hashlib.sha256(request.content).hexdigest()
        yield request


def test_custom_auth_reading_the_request_body(make_client: Callable[..., Any], which: str) -> None:
    def handler(request: Request) -> Response:
        return Response(200, text=request.headers["X-Body-Hash"])

    def body() -> Any:
        yield b"streamed "
        yield b"body"

    async def abody() -> Any:
        yield b"streamed "
        yield b"body"

    client = make_client(transport=MockTransport(handler), auth=SignsBody())
    # A streamed body is read before the flow runs, because the auth asks for it.
    content = body() if which == "sync" else abody()
    response = client.post("http://example.org/", content=content)
    assert response.text == hashlib.sha256(b"streamed body").hexdigest()


class OwnFlows(Auth):
    """Overrides the sync/async flows themselves (as a lock-holding token refresher does)."""

    def __init__(self) -> None:
        self.used: List[str] = []

    def sync_auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        self.used.append("sync")
        request.headers["Authorization"] = "sync"
        yield request

    async def async_auth_flow(self, request: Request) -> Any:
        self.used.append("async")
        request.headers["Authorization"] = "async"
        yield request


def test_overridden_sync_and_async_flows(make_client: Callable[..., Any], which: str) -> None:
    auth = OwnFlows()
    client = make_client(transport=MockTransport(echo_auth), auth=auth)
    assert client.get("http://example.org/").json()["auth"] == which
    assert auth.used == [which]


class Broken(Auth):
    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        response = yield request
        raise ValueError(f"broken after {response.status_code}")


def test_error_inside_auth_flow_closes_the_response(make_client: Callable[..., Any]) -> None:
    closed: List[bool] = []

    class Tracked(Response):
        def close(self) -> None:
            closed.append(True)
            super().close()

        async def aclose(self) -> None:
            closed.append(True)
            await super().aclose()

    def handler(request: Request) -> Response:
        return Tracked(401, content=b"no")

    client = make_client(transport=MockTransport(handler), auth=Broken())
    with pytest.raises(ValueError, match="broken after 401"):
        client.get("http://example.org/")
    assert closed
