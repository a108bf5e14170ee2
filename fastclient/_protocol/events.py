"""Events shared by the HTTP/1.1 and HTTP/2 cores.

They are small ``__slots__`` classes built with positional arguments, because the parser
creates several per response on the hot path. Both twins of a parser build these same
classes, so the events of the compiled and the pure twin compare equal.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

HeaderList = List[Tuple[bytes, bytes]]

__all__ = [
    "SEEN_CONTENT_ENCODING",
    "SEEN_SET_COOKIE",
    "Data",
    "EndOfMessage",
    "Event",
    "HeaderList",
    "ResponseHead",
    "Upgrade",
]

# Bits of ResponseHead._seen: fields the HTTP/1.1 parser noted while checking the lines,
# so that a client can ask for them without splitting the head (see has_field).
SEEN_SET_COOKIE = 1
SEEN_CONTENT_ENCODING = 2
_SEEN_BITS = {b"set-cookie": SEEN_SET_COOKIE, b"content-encoding": SEEN_CONTENT_ENCODING}


class Event:
    __slots__ = ()
    # What comparison and repr look at: the slots, unless a class says otherwise.
    _compared: tuple[str, ...] = ()

    def _fields(self) -> tuple[str, ...]:
        return self._compared or self.__slots__

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self._fields())

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{s}={getattr(self, s)!r}" for s in self._fields())
        return f"{type(self).__name__}({fields})"


class ResponseHead(Event):
    """A final (non-1xx) response head. ``headers`` are raw (name, value) pairs in order,
    names as received (not lowercased); ``keys``, when the producer made them, are those
    names lowercased, in the same order (None otherwise); ``http_version`` is e.g.
    b"HTTP/1.1" or b"HTTP/2".

    The HTTP/1.1 parser hands over the head's field lines unsplit (``_block``, already
    validated) with the function that splits them (``_split``), and the lists are made on
    first use. Why: an event loop delivers the responses of many connections in one pass
    before any waiting request runs, and every tuple and list made there counts towards
    the garbage collector's next young collection (six or so per head). With hundreds of
    requests in flight that was a collection every few hundred responses, each going
    through every waiting request's objects. Made on first use, by the request that
    reads them, they are freed again about as fast as they are made."""

    __slots__ = (
        "status_code",
        "reason",
        "http_version",
        "_headers",
        "_keys",
        "_block",
        "_split",
        "_seen",
    )
    _compared = ("status_code", "reason", "http_version", "headers")

    def __init__(
        self,
        status_code: int,
        reason: bytes,
        http_version: bytes,
        headers: HeaderList,
        keys: Optional[List[bytes]] = None,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.http_version = http_version
        self._headers = headers
        self._keys = keys
        # Set together by the HTTP/1.1 parser, which leaves _headers and _keys unset: its
        # heads make their lists from _block.
        self._block: Optional[bytes] = None
        self._split: Callable[..., Tuple[HeaderList, List[bytes]]]
        self._seen = 0  # SEEN_* bits, set with _block

    def fields(self) -> Tuple[HeaderList, Optional[List[bytes]]]:
        """``(headers, keys)`` in one call: what a transport reads of every head. Lists
        made from ``_block`` are new at each call and not kept: a connection may keep
        its last head a while (see the asyncio driver), and it should not keep the
        response's lists with it."""
        block = self._block
        if block is None:
            return self._headers, self._keys
        return self._split(block)

    def has_field(self, key: bytes) -> bool:
        """Whether a field named ``key`` (lowercase) is there. For the names the parser
        notes (_SEEN_BITS) an unsplit head answers without splitting its lines."""
        if self._block is not None:
            bit = _SEEN_BITS.get(key)
            if bit is not None:
                return self._seen & bit != 0
        return bool(self.values_of(key))

    def values_of(self, key: bytes) -> List[bytes]:
        """The values of the fields named ``key`` (lowercase letters, digits and "-"), in
        order; an unsplit head makes no pairs for the other lines."""
        block = self._block
        if block is not None:
            return [value for _, value in self._split(block, key)[0]]
        headers, keys = self.fields()
        if keys is None:
            keys = [name.lower() for name, _ in headers]
        return [value for (_, value), name in zip(headers, keys) if name == key]

    @property
    def headers(self) -> HeaderList:
        return self.fields()[0]

    @property
    def keys(self) -> Optional[List[bytes]]:
        return self.fields()[1]


class Data(Event):
    """A piece of the (transfer-decoded, still content-encoded) response body."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class EndOfMessage(Event):
    """The response body is complete; ``trailers`` as raw pairs (often empty)."""

    __slots__ = ("trailers",)

    def __init__(self, trailers: HeaderList) -> None:
        self.trailers = trailers


class Upgrade(Event):
    """The connection stops speaking HTTP/1.1 (101 Switching Protocols, or a 2xx answer to
    CONNECT). ``head`` is the response head, ``rest`` the bytes received after it, which
    belong to the new protocol."""

    __slots__ = ("head", "rest")

    def __init__(self, head: ResponseHead, rest: bytes) -> None:
        self.head = head
        self.rest = rest
