"""Small helpers shared by the models: value coercion, header-value parsing, file lengths."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import quote_plus

__all__ = [
    "ByteChunker",
    "form_urlencode",
    "LineDecoder",
    "TextChunker",
    "is_known_encoding",
    "parse_content_type_charset",
    "parse_header_links",
    "peek_filelike_length",
    "primitive_value_to_str",
    "to_bytes",
    "to_str",
]


def primitive_value_to_str(value: Any) -> str:
    """How a query-string or form value is spelled: JSON's ``true``/``false``, ``""`` for
    None (a key with an empty value), and ``str()`` of anything else."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


# What quote_plus() leaves as it is: RFC 3986's unreserved characters.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _form_quote(value: Any) -> str:
    if type(value) is str:
        return value if _UNRESERVED(value) else quote_plus(value)
    return quote_plus(value if isinstance(value, bytes) else str(value))


def form_urlencode(pairs: Iterable[Tuple[Any, Any]]) -> str:
    """``urllib.parse.urlencode(pairs)`` for pairs of str (or bytes) keys and str values,
    as query strings and forms are spelled; the usual key or value, which needs no
    quoting, costs one match instead of a trip through quote_plus."""
    return "&".join([_form_quote(key) + "=" + _form_quote(value) for key, value in pairs])


def to_bytes(value: str | bytes, encoding: str = "utf-8") -> bytes:
    return value.encode(encoding) if isinstance(value, str) else value


def to_str(value: str | bytes, encoding: str = "utf-8") -> str:
    return value if isinstance(value, str) else value.decode(encoding)


_known_encodings: Dict[str, bool] = {}


def is_known_encoding(encoding: str) -> bool:
    """Whether Python has a codec for ``encoding`` (cached: a server sends the same few)."""
    known = _known_encodings.get(encoding)
    if known is None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            known = False
        else:
            known = True
        if len(_known_encodings) < 256:  # a hostile server must not grow this forever
            _known_encodings[encoding] = known
    return known


def _split_params(value: str) -> List[str]:
    """Split ``value`` on the semicolons that are not inside a quoted string."""
    parts: List[str] = []
    current: List[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote_param(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_content_type_charset(content_type: str) -> Optional[str]:
    """The ``charset`` parameter of a Content-Type value, lowercased, or None.

    ``text/html; charset="UTF-8"`` gives ``utf-8``. Quoted parameters may contain ``;``.
    """
    if "charset" not in content_type.lower():  # the usual case, decided without parsing
        return None
    for param in _split_params(content_type)[1:]:
        name, sep, value = param.partition("=")
        if sep and name.strip().lower() == "charset":
            charset = _unquote_param(value)
            return charset.lower() if charset else None
    return None


def parse_header_links(value: str) -> List[Dict[str, str]]:
    """Parse an RFC 8288 ``Link`` header into one dict per link: ``url`` plus the link's
    parameters (``rel``, ``type``...), with quotes removed.

    ``<http://a/>; rel="next", <http://b/>; rel=last`` gives
    ``[{"url": "http://a/", "rel": "next"}, {"url": "http://b/", "rel": "last"}]``.
    """
    links: List[Dict[str, str]] = []
    # Each link starts with "<"; a comma followed by "<" starts the next one (a URL may
    # itself hold commas, and a quoted title too, so split only before a "<").
    for chunk in re.split(r",\s*(?=<)", value.strip()):
        chunk = chunk.strip(" ,'\"")
        if not chunk:
            continue
        target, _, params = chunk.partition(";")
        link = {"url": target.strip().strip("<> '\"")}
        for param in _split_params(params):
            name, sep, param_value = param.partition("=")
            if not sep:
                continue
            link[name.strip().lower()] = _unquote_param(param_value).strip("'\"")
        links.append(link)
    return links


def peek_filelike_length(stream: Any, *, from_start: bool = False) -> Optional[int]:
    """The number of bytes a file-like object will give, or None when that cannot be told
    without reading (a pipe, a socket, a generator).

    Counted from the current position, or from the start when ``from_start`` is true (for
    a caller that rewinds the file before reading it, as multipart uploads do).
    """
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        # A regular file: fstat knows its size even for an unbuffered raw file.
        if from_start:
            return info.st_size
        try:
            return max(info.st_size - int(stream.tell()), 0)
        except (AttributeError, OSError, ValueError):
            return None
    if info is not None:
        return None  # a pipe or a socket: its st_size says nothing about what will come
    try:
        offset = int(stream.tell())
        end = int(stream.seek(0, os.SEEK_END))
        stream.seek(offset)
    except (AttributeError, OSError, ValueError, TypeError):
        return None
    return end if from_start else max(end - offset, 0)


# -- re-cutting streamed bodies -----------------------------------------------------------


class ByteChunker:
    """Re-cut a stream of bytes into pieces of exactly ``size`` bytes (the last one may
    be shorter); with ``size`` None, pass non-empty pieces through as they are."""

    __slots__ = ("_buffer", "size")

    def __init__(self, size: Optional[int] = None) -> None:
        self.size = size
        self._buffer = bytearray()

    def decode(self, data: bytes) -> List[bytes]:
        size = self.size
        if size is None:
            return [data] if data else []
        buffer = self._buffer
        if not buffer and len(data) == size:
            return [data]  # already the right size: no copy
        buffer += data
        if len(buffer) < size:
            return []
        end = len(buffer) - len(buffer) % size
        pieces = [bytes(buffer[start : start + size]) for start in range(0, end, size)]
        del buffer[:end]
        return pieces

    def flush(self) -> List[bytes]:
        if not self._buffer:
            return []
        rest = bytes(self._buffer)
        self._buffer.clear()
        return [rest]


class TextChunker:
    """ByteChunker for text: pieces of ``size`` characters."""

    __slots__ = ("_pending", "size")

    def __init__(self, size: Optional[int] = None) -> None:
        self.size = size
        self._pending = ""

    def decode(self, text: str) -> List[str]:
        size = self.size
        if size is None:
            return [text] if text else []
        text = self._pending + text
        if len(text) < size:
            self._pending = text
            return []
        end = len(text) - len(text) % size
        self._pending = text[end:]
        return [text[start : start + size] for start in range(0, end, size)]

    def flush(self) -> List[str]:
        rest, self._pending = self._pending, ""
        return [rest] if rest else []


_NEWLINE = re.compile(r"\r\n|\r|\n")


class LineDecoder:
    """Split streamed text into lines ending in ``\\n``, ``\\r\\n`` or ``\\r``
    (the endings removed). Only these three: Unicode's other line separators (U+2028,
    form feed...) can occur inside a JSON string of an NDJSON or SSE stream.

    A ``\\r`` at the end of a piece is held back until the next piece shows whether a
    ``\\n`` follows; a line split over many pieces is joined once, not piece by piece.
    """

    __slots__ = ("_cr", "_parts")

    def __init__(self) -> None:
        self._parts: List[str] = []
        self._cr = False

    def decode(self, text: str) -> List[str]:
        if self._cr:
            text = "\r" + text
            self._cr = False
        if text.endswith("\r"):
            self._cr = True
            text = text[:-1]
        if "\n" not in text and "\r" not in text:
            if text:
                self._parts.append(text)
            return []
        if self._parts:
            self._parts.append(text)
            text = "".join(self._parts)
            self._parts = []
        lines = _NEWLINE.split(text)
        last = lines.pop()
        if last:
            self._parts.append(last)
        return lines

    def flush(self) -> List[str]:
        rest = "".join(self._parts)
        self._parts = []
        if self._cr:
            self._cr = False
            return [rest]
        return [rest] if rest else []
