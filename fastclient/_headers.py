"""Headers: a case-insensitive multi-dict that keeps raw bytes, order and name casing.

Laziness is the point of this module. A transport hands every response a list of raw
``(name, value)`` byte pairs; most of those headers are never looked at by anybody. So
``Headers(list_of_pairs)`` only copies the list: the pairs are type-checked (and any
``str`` encoded) and the names lowercased in one pass the first time the headers are
read. Values are decoded to ``str`` only when asked for, and an ASCII value (nearly all
of them) skips the encoding detection that a non-ASCII one needs.
"""

from __future__ import annotations

from collections import abc
from typing import (
    Any,
    Dict,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    List,
    MutableMapping,
    Optional,
    Tuple,
    ValuesView,
)

from ._types import HeaderTypes

__all__ = ["Headers"]

_SECRET_NAMES = (b"authorization", b"proxy-authorization")
# The names body encoders add, encoded once: (as sent, lowercased).
_BODY_HEADER_NAMES = {
    name: (name.encode("ascii"), name.lower().encode("ascii"))
    for name in ("Content-Length", "Content-Type", "Transfer-Encoding")
}


def detect_encoding(parts: Iterable[bytes]) -> str:
    """How header bytes are decoded, chosen for all of a message's names and values
    (``parts``) together: ASCII when every part is, else UTF-8 when every part decodes as
    UTF-8, else ISO-8859-1 (which decodes anything)."""
    parts = list(parts)
    if all(part.isascii() for part in parts):
        return "ascii"
    try:
        for part in parts:
            part.decode("utf-8")
    except UnicodeDecodeError:
        return "iso-8859-1"
    return "utf-8"


def _encode(value: Any, encoding: Optional[str], what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(encoding or "ascii")
    raise TypeError(f"Header {what} must be str or bytes, not {type(value)}")


class Headers(MutableMapping[str, str]):
    """HTTP headers::

        >>> h = Headers([(b"Content-Type", b"text/plain"), (b"Set-Cookie", b"a=1")])
        >>> h["content-type"], h.raw[0]
        ('text/plain', (b'Content-Type', b'text/plain'))

    Built from a mapping, a list of pairs (str or bytes), or another Headers. Lookups are
    case-insensitive; ``h[name]`` joins repeated headers with ``", "``; ``get_list`` and
    ``multi_items`` give each one. ``raw`` is the list of byte pairs as given, names in
    their original case. ``str`` names and values are encoded with ``encoding`` (default
    ASCII); ``encoding`` when read is the one set, else ASCII, UTF-8 or ISO-8859-1,
    whichever first decodes every header.
    """

    __slots__ = ("_detected", "_encoding", "_keys", "_raw", "_wire")

    # _raw: (name, value) pairs. Until _keys is built they may still hold str or any
    #   sequence of two items; _ensure() turns them into (bytes, bytes) tuples.
    # _keys: lowercased names parallel to _raw, or None while nobody has looked.
    # _encoding: set by the user; _detected: the detected one, cached until a change.
    # _wire: these headers as HTTP/1.1 header lines (write_fields), or None; whoever sets
    #   it vouches that it matches _raw, and every change drops it (_changed). A client
    #   sets it on the requests it builds from a cached template (see BaseClient._build).
    _raw: List[Tuple[bytes, bytes]]
    _keys: Optional[List[bytes]]
    _wire: Optional[bytes]

    def __init__(self, headers: HeaderTypes | None = None, encoding: str | None = None) -> None:
        self._encoding = encoding
        self._wire = None
        self._detected: Optional[str] = None
        if headers is None:
            self._raw = []
            self._keys = []
        elif type(headers) is list or type(headers) is tuple:
            self._raw = list(headers)
            self._keys = None
        elif type(headers) is Headers or (
            type(headers) is not dict and isinstance(headers, Headers)
        ):
            # (``type(...) is`` first: an isinstance() against this ABC-derived class
            # costs half a microsecond when it fails, as it does for every dict.)
            self._raw = list(headers._raw)
            self._keys = None if headers._keys is None else list(headers._keys)
        elif isinstance(headers, abc.Mapping):
            # A mapping comes from user code, not a transport: check it now, so that a
            # mistake is reported where it was made.
            self._raw = raw = []
            self._keys = keys = []
            for name, value in headers.items():
                if type(name) is str and type(value) is str and encoding is None:
                    data = (name.encode("ascii"), value.encode("ascii"))
                else:
                    data = (_encode(name, encoding, "name"), _encode(value, encoding, "value"))
                raw.append(data)
                keys.append(data[0].lower())
        else:
            self._raw = list(headers)  # type: ignore[arg-type]
            self._keys = None

    @classmethod
    def _from_checked(cls, raw: List[Tuple[bytes, bytes]], keys: Optional[List[bytes]]) -> Headers:
        """Adopt ``raw`` (bytes pairs) and ``keys`` (their lowercased names) as they are:
        for callers that built both themselves, such as a request's Host header. With
        ``keys`` None the names are lowercased when first needed (_ensure)."""
        headers = cls.__new__(cls)
        headers._raw = raw
        headers._keys = keys
        headers._encoding = None
        headers._detected = None
        headers._wire = None
        return headers

    def _ensure(self) -> List[bytes]:
        """Normalise the pairs and build the lowercased names (once)."""
        keys = self._keys
        if keys is None:
            raw = self._raw
            keys = []
            for index, pair in enumerate(raw):
                name, value = pair
                if type(name) is not bytes or type(value) is not bytes or type(pair) is not tuple:
                    name = _encode(name, self._encoding, "name")
                    value = _encode(value, self._encoding, "value")
                    raw[index] = (name, value)
                keys.append(name.lower())
            self._keys = keys
        return keys

    # -- encoding ------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self._encoding or self._detected
        if encoding is None:
            encoding = self._detected = self._detect()
        return encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value

    def _detect(self) -> str:
        self._ensure()
        return detect_encoding([part for pair in self._raw for part in pair])

    def _decode(self, data: bytes) -> str:
        # ASCII decodes the same under every encoding detection can choose.
        if self._encoding is None and data.isascii():
            return data.decode("ascii")
        return data.decode(self.encoding)

    def _lookup_key(self, key: Any) -> bytes:
        if isinstance(key, str):
            if key.isascii():
                return key.lower().encode("ascii")
            return key.lower().encode(self.encoding)
        if isinstance(key, bytes):
            return key.lower()
        raise TypeError(f"Header name must be str or bytes, not {type(key)}")

    def _changed(self) -> None:
        self._detected = None
        self._wire = None

    # -- reading -------------------------------------------------------------------------

    @property
    def raw(self) -> List[Tuple[bytes, bytes]]:
        """The headers as (name, value) byte pairs, in order, names as given."""
        self._ensure()
        return list(self._raw)

    def keys(self) -> KeysView[str]:
        """Lowercased names, each once."""
        decode = self._decode
        return {decode(key): None for key in self._ensure()}.keys()

    def values(self) -> ValuesView[str]:
        """One value per name, repeated headers joined with ", "."""
        return self._merged().values()

    def items(self) -> ItemsView[str, str]:
        """(lowercased name, value) per name, repeated headers joined with ", "."""
        return self._merged().items()

    def _merged(self) -> Dict[str, str]:
        merged: Dict[str, str] = {}
        decode = self._decode
        for key, (_, value) in zip(self._ensure(), self._raw):
            name = decode(key)
            text = decode(value)
            merged[name] = f"{merged[name]}, {text}" if name in merged else text
        return merged

    def multi_items(self) -> List[Tuple[str, str]]:
        """Every (lowercased name, value) pair, repeated headers separately."""
        decode = self._decode
        return [(decode(key), decode(value)) for key, (_, value) in zip(self._ensure(), self._raw)]

    def _values_of(self, key: bytes) -> List[str]:
        keys = self._ensure()
        raw = self._raw
        return [self._decode(raw[i][1]) for i, k in enumerate(keys) if k == key]

    def _get(self, key: bytes) -> Optional[str]:
        keys = self._ensure()
        try:
            index = keys.index(key)
        except ValueError:
            return None
        if keys.count(key) == 1:  # the common case, without building a list
            return self._decode(self._raw[index][1])
        return ", ".join(self._values_of(key))

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of ``key`` (repeats joined with ", "), or ``default``."""
        value = self._get(self._lookup_key(key))
        return default if value is None else value

    def get_list(self, key: str, split_commas: bool = False) -> List[str]:
        """Every value of ``key``; with ``split_commas``, each also split on commas."""
        values = self._values_of(self._lookup_key(key))
        if not split_commas:
            return values
        return [item.strip() for value in values for item in value.split(",")]

    def __getitem__(self, key: Any) -> str:
        value = self._get(self._lookup_key(key))
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: Any) -> bool:
        if not isinstance(key, (str, bytes)):
            return False
        return self._lookup_key(key) in self._ensure()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._raw)

    # -- writing -------------------------------------------------------------------------

    def __setitem__(self, key: str, value: str) -> None:
        """Set ``key`` to the single ``value``: the first existing header of that name
        takes the new name and value in its place, the others are removed."""
        encoding = self._encoding or "utf-8"
        name = _encode(key, encoding, "name")
        data = _encode(value, encoding, "value")
        lowered = name.lower()
        keys = self._ensure()
        raw = self._raw
        indexes = [i for i, k in enumerate(keys) if k == lowered]
        for i in reversed(indexes[1:]):
            del raw[i]
            del keys[i]
        if indexes:
            raw[indexes[0]] = (name, data)
            keys[indexes[0]] = lowered
        else:
            raw.append((name, data))
            keys.append(lowered)
        self._changed()

    def __delitem__(self, key: str) -> None:
        lowered = self._lookup_key(key)
        keys = self._ensure()
        raw = self._raw
        indexes = [i for i, k in enumerate(keys) if k == lowered]
        if not indexes:
            raise KeyError(key)
        for i in reversed(indexes):
            del raw[i]
            del keys[i]
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = self._get(self._lookup_key(key))
        if value is None:
            self[key] = default
            return default
        return value

    def update(self, headers: HeaderTypes | None = None) -> None:  # type: ignore[override]
        """Replace every header named in ``headers`` by the ones given there."""
        # (A copy of self, when updating with itself.)
        other = headers if type(headers) is Headers and headers is not self else Headers(headers)
        other_keys = other._ensure()
        if not other_keys:
            return
        replaced = set(other_keys)
        keys = self._ensure()
        if replaced.intersection(keys):
            kept = [i for i, k in enumerate(keys) if k not in replaced]
            self._raw = [self._raw[i] for i in kept]
            self._keys = keys = [keys[i] for i in kept]
        self._raw.extend(other._raw)
        keys.extend(other_keys)
        self._changed()

    def _add_defaults(self, defaults: Dict[str, str]) -> None:
        """Append each of ``defaults`` (ASCII names and values) whose name is absent; a
        Transfer-Encoding is not added next to an existing Content-Length."""
        keys = self._ensure()
        raw = self._raw
        for name, value in defaults.items():
            names = _BODY_HEADER_NAMES.get(name)
            if names is None:
                names = (name.encode("ascii"), name.lower().encode("ascii"))
            if names[1] in keys:
                continue
            if names[1] == b"transfer-encoding" and b"content-length" in keys:
                continue
            raw.append((names[0], value.encode("ascii")))
            keys.append(names[1])
        self._changed()

    def copy(self) -> Headers:
        return Headers(self, encoding=self._encoding)

    def _updated(self, headers: HeaderTypes) -> Headers:
        """``copy()`` then ``update(headers)`` in one pass, for a client merging its
        headers with a request's: no intermediate Headers, and for the usual handful of
        names, loops rather than sets and comprehensions (each of those costs more than
        the merge itself at this size)."""
        keys = self._ensure()
        raw = self._raw
        if type(headers) is dict or type(headers) is list or type(headers) is tuple:
            # What Headers(headers)._ensure() gives, without the object: str encoded as
            # ASCII, anything but str and bytes refused by _encode with its message.
            add_raw: List[Tuple[bytes, bytes]] = []
            added: List[bytes] = []
            for name, value in headers.items() if type(headers) is dict else headers:
                if type(name) is not bytes:
                    name = (
                        name.encode("ascii") if type(name) is str else _encode(name, None, "name")
                    )
                if type(value) is not bytes:
                    value = (
                        value.encode("ascii")
                        if type(value) is str
                        else _encode(value, None, "value")
                    )
                add_raw.append((name, value))
                added.append(name.lower())
        else:
            other = headers if type(headers) is Headers else Headers(headers)
            added = other._ensure()
            add_raw = other._raw
        for key in added:
            if key in keys:
                break
        else:  # nothing replaced: the usual case
            merged = Headers._from_checked(raw + add_raw, keys + added)
            merged._encoding = self._encoding
            return merged
        new_raw: List[Tuple[bytes, bytes]] = []
        new_keys: List[bytes] = []
        for pair, key in zip(raw, keys):
            if key not in added:
                new_raw.append(pair)
                new_keys.append(key)
        merged = Headers._from_checked(new_raw + add_raw, new_keys + added)
        merged._encoding = self._encoding
        return merged

    # -- comparison and display ----------------------------------------------------------

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Headers):
            try:
                other = Headers(other)
                other._ensure()
            except (TypeError, ValueError):
                return False
        mine = sorted(zip(self._ensure(), (value for _, value in self._raw)))
        theirs = sorted(zip(other._ensure(), (value for _, value in other._raw)))
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        encoding = self.encoding
        suffix = "" if encoding == "ascii" else f", encoding={encoding!r}"
        pairs = [
            (self._decode(key), "[secure]" if key in _SECRET_NAMES else self._decode(value))
            for key, (_, value) in zip(self._ensure(), self._raw)
        ]
        as_dict = dict(pairs)
        shown: Any = as_dict if len(as_dict) == len(pairs) else pairs
        return f"{self.__class__.__name__}({shown!r}{suffix})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (self.__class__, (self.raw, self._encoding))
