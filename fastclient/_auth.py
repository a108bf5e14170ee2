"""Authentication schemes, each an ``auth_flow`` generator (httpx's design).

An auth flow receives the request, yields it (perhaps with an ``Authorization`` header),
and is sent back the response; it may yield another request (a challenge answered) or
stop, and the last response is the one the caller sees. The client drives the flow through
``sync_auth_flow`` or ``async_auth_flow``, which read the request or response bodies when
the scheme says it needs them; a scheme that must do I/O of its own (refresh a token
under a lock) overrides those two instead of ``auth_flow``.

Digest (RFC 7616) keeps the last challenge so later requests answer it without a 401
round trip, and counts requests per nonce (``nc``) so that a server checking for replays
sees a strictly increasing count, also across concurrent requests.
"""

from __future__ import annotations

import hashlib
import itertools
import netrc
import os
import urllib.request
from base64 import b64encode
from typing import (
    TYPE_CHECKING,
    AsyncGenerator,
    Callable,
    Dict,
    Generator,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Union,
)

from ._exceptions import ProtocolError

if TYPE_CHECKING:
    from ._models import Request, Response

__all__ = ["Auth", "BasicAuth", "DigestAuth", "FunctionAuth", "NetRCAuth"]


class Auth:
    """Base class: subclasses override ``auth_flow`` (or the sync/async variants)."""

    #: Read the request body before ``auth_flow`` runs (to sign it, say).
    requires_request_body = False
    #: Read each response body before it is sent into ``auth_flow``.
    requires_response_body = False

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        yield request

    def sync_auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        if self.requires_request_body:
            request.read()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                response.read()
            try:
                request = flow.send(response)
            except StopIteration:
                return

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        if self.requires_request_body:
            await request.aread()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                await response.aread()
            try:
                request = flow.send(response)
            except StopIteration:
                return


class FunctionAuth(Auth):
    """Auth from a plain callable that takes the request and returns it (modified)."""

    def __init__(self, func: Callable[[Request], Request]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        yield self._func(request)


def _to_bytes(value: Union[str, bytes]) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _basic_header(username: Union[str, bytes], password: Union[str, bytes]) -> str:
    token = b64encode(_to_bytes(username) + b":" + _to_bytes(password)).decode("ascii")
    return "Basic " + token


class BasicAuth(Auth):
    """HTTP Basic authentication (RFC 7617); the header is built once."""

    def __init__(self, username: Union[str, bytes], password: Union[str, bytes]) -> None:
        self._auth_header = _basic_header(username, password)

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        request.headers["Authorization"] = self._auth_header
        yield request


class NetRCAuth(Auth):
    """Basic credentials looked up per host in a netrc file (``~/.netrc`` by default)."""

    def __init__(self, file: Optional[str] = None) -> None:
        self._netrc_info = netrc.netrc(file)

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        info = self._netrc_info.authenticators(request.url.host)
        if info is not None and info[2]:
            request.headers["Authorization"] = _basic_header(info[0], info[2])
        yield request


# Algorithm names as they appear in a challenge (upper-cased) -> hashlib constructor name.
# A "-sess" variant uses the same hash; the session key is derived per nonce/cnonce.
_DIGEST_HASHES: Dict[str, str] = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA-256": "sha256",
    "SHA-512": "sha512",
    "SHA-512-256": "sha512_256",
}
# When a server offers several challenges, answer the strongest we support (RFC 7616 §3.7).
_DIGEST_PREFERENCE = ["SHA-512-256", "SHA-512", "SHA-256", "SHA", "MD5"]
# Challenge parameters sent as tokens; every other parameter is a quoted string.
_UNQUOTED = frozenset({"algorithm", "qop", "nc"})
# Nonces whose counters are remembered; a server rotates nonces, old ones are never reused.
_NONCE_MEMORY = 8


class _Challenge(NamedTuple):
    realm: bytes
    nonce: bytes
    algorithm: str  # as the server spelled it (echoed back), e.g. "SHA-256-sess"
    opaque: Optional[bytes]
    qop: Optional[bytes]  # b"auth" when offered, None for an RFC 2069 server
    stale: bool


def _hash_for(algorithm: str) -> Optional[str]:
    name = algorithm.upper()
    if name.endswith("-SESS"):
        name = name[: -len("-SESS")]
    hash_name = _DIGEST_HASHES.get(name)
    if hash_name is None or hash_name not in hashlib.algorithms_available:
        return None
    return hash_name


def _preference(algorithm: str) -> int:
    name = algorithm.upper().replace("-SESS", "")
    return _DIGEST_PREFERENCE.index(name) if name in _DIGEST_PREFERENCE else len(_DIGEST_PREFERENCE)


def _quote(value: bytes) -> bytes:
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


class DigestAuth(Auth):
    """HTTP Digest authentication (RFC 7616): MD5, SHA-256, SHA-512(-256), their -sess
    variants, qop=auth (and RFC 2069 servers that send no qop).

    A request is answered at most twice: once for its first challenge, and once more only
    if the server marks the nonce ``stale`` (it expired in between). Any other repeated 401
    means the credentials are wrong, and the 401 is returned rather than retried forever.
    """

    def __init__(self, username: Union[str, bytes], password: Union[str, bytes]) -> None:
        self._username = _to_bytes(username)
        self._password = _to_bytes(password)
        self._last_challenge: Optional[_Challenge] = None
        # nonce -> its request counter; itertools.count's next() is atomic under the GIL,
        # so concurrent requests through one DigestAuth never send the same nc twice.
        self._nonce_counts: Dict[bytes, Iterator[int]] = {}

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        challenge = self._last_challenge
        if challenge is not None:
            # Answer the last challenge up front: saves a 401 round trip per request.
            request.headers["Authorization"] = self._authorization(request, challenge)
        response = yield request
        for answered in range(2):
            if response.status_code != 401:
                return
            challenge = self._find_challenge(request, response)
            if challenge is None:
                return
            if answered and not challenge.stale:
                return  # fresh credentials refused again: give up, return the 401
            self._last_challenge = challenge
            request.headers["Authorization"] = self._authorization(request, challenge)
            if response.cookies:
                # A server may tie the challenge to a cookie set along with the 401. The
                # request was built before that cookie existed: add it to the header.
                _add_cookies(request, response)
            response = yield request

    # -- challenge parsing ------------------------------------------------------------

    def _find_challenge(self, request: Request, response: Response) -> Optional[_Challenge]:
        challenges: List[_Challenge] = []
        problems: List[ValueError] = []
        for header in response.headers.get_list("www-authenticate"):
            scheme, _, params = header.strip().partition(" ")
            if scheme.lower() != "digest":
                continue
            try:
                challenges.append(_parse_challenge(params))
            except ValueError as exc:
                problems.append(exc)
        if not challenges:
            if problems and all(type(p) is _AuthIntOnly for p in problems):
                # What httpx raises: a well-formed challenge this client cannot answer.
                raise NotImplementedError("Digest auth-int support is not yet implemented")
            if problems:
                raise ProtocolError(
                    "Malformed Digest WWW-Authenticate header: "
                    + "; ".join(str(p) for p in problems),
                    request=request,
                )
            return None
        return min(challenges, key=lambda c: _preference(c.algorithm))

    # -- response computation (RFC 7616 section 3.4) ---------------------------------------

    def _next_nonce_count(self, nonce: bytes) -> int:
        counter = self._nonce_counts.get(nonce)
        if counter is None:
            if len(self._nonce_counts) >= _NONCE_MEMORY:
                self._nonce_counts.pop(next(iter(self._nonce_counts)), None)
            counter = self._nonce_counts.setdefault(nonce, itertools.count(1))
        return next(counter)

    def _make_cnonce(self) -> bytes:
        # 64 random bits as hex: unpredictable, which is all RFC 7616 asks of a cnonce.
        return os.urandom(8).hex().encode("ascii")

    def _authorization(self, request: Request, challenge: _Challenge) -> str:
        hash_name = _hash_for(challenge.algorithm)
        if hash_name is None:  # _parse_challenge only accepts supported algorithms
            raise ProtocolError(
                f"Unsupported digest algorithm {challenge.algorithm!r}", request=request
            )

        def digest(data: bytes) -> bytes:
            return hashlib.new(hash_name, data).hexdigest().encode("ascii")

        uri = request.url.raw_path
        nonce_count = self._next_nonce_count(challenge.nonce)
        nc = b"%08x" % nonce_count
        cnonce = self._make_cnonce()
        ha1 = digest(b":".join((self._username, challenge.realm, self._password)))
        if challenge.algorithm.upper().endswith("-SESS"):
            ha1 = digest(b":".join((ha1, challenge.nonce, cnonce)))
        ha2 = digest(request.method.encode("ascii") + b":" + uri)
        if challenge.qop is None:  # RFC 2069 compatibility
            response = digest(b":".join((ha1, challenge.nonce, ha2)))
        else:
            response = digest(b":".join((ha1, challenge.nonce, nc, cnonce, challenge.qop, ha2)))

        fields = [
            (b"username", self._username),
            (b"realm", challenge.realm),
            (b"nonce", challenge.nonce),
            (b"uri", uri),
            (b"response", response),
            (b"algorithm", challenge.algorithm.encode("ascii")),
        ]
        if challenge.opaque is not None:
            fields.append((b"opaque", challenge.opaque))
        if challenge.qop is not None:
            fields += [(b"qop", challenge.qop), (b"nc", nc), (b"cnonce", cnonce)]
        parts = [
            name + b"=" + (value if name.decode() in _UNQUOTED else _quote(value))
            for name, value in fields
        ]
        return "Digest " + b", ".join(parts).decode("latin-1")


def _add_cookies(request: Request, response: Response) -> None:
    pairs: Dict[str, str] = {}
    for item in request.headers.get("Cookie", "").split(";"):
        name, sep, value = item.strip().partition("=")
        if sep:
            pairs[name] = value
    pairs.update(response.cookies.items())
    request.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in pairs.items())


class _AuthIntOnly(ValueError):
    """A challenge whose only quality of protection is auth-int (not implemented)."""


def _parse_challenge(params: str) -> _Challenge:
    """Parse the parameters after ``Digest``; ValueError says what is wrong."""
    fields: Dict[str, str] = {}
    for item in urllib.request.parse_http_list(params):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected name=value, got {item!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        fields[name.strip().lower()] = value
    missing = [name for name in ("realm", "nonce") if name not in fields]
    if missing:
        raise ValueError(f"missing {' and '.join(missing)} in {params!r}")
    algorithm = fields.get("algorithm", "MD5")
    if _hash_for(algorithm) is None:
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    qop: Optional[bytes] = None
    if "qop" in fields:
        offered = [q.strip().lower() for q in fields["qop"].split(",")]
        if "auth" not in offered:
            if "auth-int" in offered:
                raise _AuthIntOnly(f"qop {fields['qop']!r} offers only auth-int (unsupported)")
            raise ValueError(f"qop {fields['qop']!r} offers no qop=auth")
        qop = b"auth"
    opaque = fields.get("opaque")
    return _Challenge(
        realm=fields["realm"].encode("utf-8"),
        nonce=fields["nonce"].encode("utf-8"),
        algorithm=algorithm,
        opaque=None if opaque is None else opaque.encode("utf-8"),
        qop=qop,
        stale=fields.get("stale", "").lower() == "true",
    )
