"""Events shared by the HTTP/1.1 and HTTP/2 cores.

They are small ``__slots__`` classes built with positional arguments, because the parser
creates several per response on the hot path. Both twins of a parser build these same
classes, so the events of the compiled and the pure twin compare equal.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

HeaderList = List[Tuple[bytes, bytes]]

__all__ = ["Data", "EndOfMessage", "Event", "HeaderList", "ResponseHead", "Upgrade"]


class Event:
    __slots__ = ()
    # Slots computed from the others (left out of comparison and repr).
    _derived: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        slots: tuple[str, ...] = self.__slots__
        return all(getattr(self, s) == getattr(other, s) for s in slots if s not in self._derived)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        slots: tuple[str, ...] = self.__slots__
        fields = ", ".join(f"{s}={getattr(self, s)!r}" for s in slots if s not in self._derived)
        return f"{type(self).__name__}({fields})"


class ResponseHead(Event):
    """A final (non-1xx) response head. ``headers`` are raw (name, value) pairs in order,
    names as received (not lowercased); ``keys``, when the producer made them, are those
    names lowercased, in the same order (None otherwise); ``http_version`` is e.g.
    b"HTTP/1.1" or b"HTTP/2"."""

    __slots__ = ("status_code", "reason", "http_version", "headers", "keys")
    _derived = ("keys",)

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
        self.headers = headers
        self.keys = keys


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
