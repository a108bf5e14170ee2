"""multipart/form-data bodies (RFC 7578): form fields and file uploads.

Each part is ``--boundary CRLF``, its headers, a blank line, its data, CRLF; the body ends
with ``--boundary--`` CRLF. Field names and filenames go into quoted parameters of the
Content-Disposition header with ``"`` written ``%22`` and ``\\`` doubled, as browsers
do. A CR or LF anywhere in a part's headers (a name, a filename, a content type, an extra
header) is refused with ValueError: escaping it would hide a header-injection attempt
that the caller should hear about, and no legitimate name contains one.

When every part's size is known (bytes, regular or seekable files) the body gets a
Content-Length; a pipe or socket among the files makes it chunked.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections import abc
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Union

from ._streams import AsyncByteStream, SyncByteStream
from ._types import FileTypes, RequestData, RequestFiles
from ._utils import peek_filelike_length, primitive_value_to_str

__all__ = ["MultipartStream", "get_multipart_boundary_from_content_type"]

_CHUNK_SIZE = 65536
_CONTROL = re.compile(r'[\x00-\x1f"\\]')
_FORBIDDEN = ("\r", "\n", "\x00")


def get_multipart_boundary_from_content_type(content_type: Optional[bytes]) -> Optional[bytes]:
    """The ``boundary`` a caller put in a ``multipart/form-data`` Content-Type, if any."""
    if not content_type or not content_type.lower().startswith(b"multipart/form-data"):
        return None
    for param in content_type.split(b";")[1:]:
        name, _, value = param.strip().partition(b"=")
        if name.strip().lower() == b"boundary":
            return value.strip().strip(b'"')
    return None


def _check_header_text(text: str, what: str) -> None:
    if any(char in text for char in _FORBIDDEN):
        raise ValueError(f"multipart {what} must not contain CR, LF or NUL: {text!r}")


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    if char == '"':
        return "%22"
    if char == "\\":
        return "\\\\"
    return f"%{ord(char):02X}"


def _form_param(name: str, value: str) -> bytes:
    """``name="value"`` for a Content-Disposition header, value escaped."""
    _check_header_text(value, f"field {name}")
    return f'{name}="{_CONTROL.sub(_escape_control, value)}"'.encode()


class _DataField:
    """A plain form field."""

    __slots__ = ("_data", "_headers", "name")

    def __init__(self, name: str, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Invalid type for name. Expected str, got {type(name)}: {name!r}")
        if value is not None and not isinstance(value, (str, bytes, int, float)):
            raise TypeError(
                f"Invalid type for value. Expected primitive type, got {type(value)}: {value!r}"
            )
        self.name = name
        self._headers = (
            b"Content-Disposition: form-data; " + _form_param("name", name) + b"\r\n\r\n"
        )
        self._data = value if isinstance(value, bytes) else primitive_value_to_str(value).encode()

    def get_length(self) -> Optional[int]:
        return len(self._headers) + len(self._data)

    def render(self) -> Iterator[bytes]:
        yield self._headers
        yield self._data


class _FileField:
    """A file upload: bytes, text (sent as UTF-8) or a binary file object."""

    __slots__ = ("_headers", "file", "filename", "name")

    def __init__(self, name: str, value: FileTypes) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Invalid type for name. Expected str, got {type(name)}: {name!r}")
        headers: Mapping[str, str] = {}
        content_type: Optional[str] = None
        fileobj: Any  # checked at run time below: callers pass all sorts of things
        if isinstance(value, tuple):
            if len(value) == 2:
                filename, fileobj = value
            elif len(value) == 3:
                filename, fileobj, content_type = value
            elif len(value) == 4:
                filename, fileobj, content_type, extra = value
                headers = extra or {}
            else:
                raise TypeError(
                    "A file must be given as content or as a tuple (filename, content"
                    f"[, content_type[, headers]]), not a {len(value)}-tuple"
                )
        else:
            filename = Path(str(getattr(value, "name", "upload"))).name
            fileobj = value
        if isinstance(fileobj, io.StringIO):
            raise TypeError("Multipart file uploads require 'io.BytesIO', not 'io.StringIO'.")
        if isinstance(fileobj, io.TextIOBase):
            raise TypeError("Multipart file uploads must be opened in binary mode, not text mode.")
        if not isinstance(fileobj, (bytes, str)) and not hasattr(fileobj, "read"):
            raise TypeError(
                f"Expected file content as bytes, str or a binary file object, got {type(fileobj)}"
            )
        if content_type is None and filename:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.name = name
        self.filename = filename
        self.file = fileobj

        parts = [b"Content-Disposition: form-data; ", _form_param("name", name)]
        if filename:
            parts += [b"; ", _form_param("filename", filename)]
        has_content_type = False
        for header_name, header_value in headers.items():
            if not isinstance(header_name, str) or not isinstance(header_value, str):
                raise TypeError(
                    f"multipart part headers must be str, got {header_name!r}: {header_value!r}"
                )
            _check_header_text(header_name, "header name")
            _check_header_text(header_value, "header value")
            has_content_type = has_content_type or header_name.lower() == "content-type"
            parts.append(f"\r\n{header_name}: {header_value}".encode())
        if content_type is not None and not has_content_type:
            _check_header_text(content_type, "content type")
            parts.append(f"\r\nContent-Type: {content_type}".encode())
        parts.append(b"\r\n\r\n")
        self._headers = b"".join(parts)

    def get_length(self) -> Optional[int]:
        file = self.file
        if isinstance(file, str):
            size: Optional[int] = len(file.encode())
        elif isinstance(file, bytes):
            size = len(file)
        else:
            size = peek_filelike_length(file, from_start=True)
        return None if size is None else len(self._headers) + size

    def render(self) -> Iterator[bytes]:
        yield self._headers
        file: Any = self.file
        if isinstance(file, str):
            yield file.encode()
            return
        if isinstance(file, bytes):
            yield file
            return
        # Rewind, so that the body can be sent again (a redirect, a retry).
        if hasattr(file, "seek"):
            try:
                file.seek(0)
            except (io.UnsupportedOperation, OSError):
                pass
        chunk = file.read(_CHUNK_SIZE)
        while chunk:
            yield chunk
            chunk = file.read(_CHUNK_SIZE)


class MultipartStream(SyncByteStream, AsyncByteStream):
    """A multipart/form-data body, usable from sync and async code."""

    def __init__(
        self, data: RequestData, files: RequestFiles, boundary: Optional[bytes] = None
    ) -> None:
        if boundary is None:
            boundary = os.urandom(16).hex().encode("ascii")
        elif any(byte in boundary for byte in b"\r\n\x00"):
            raise ValueError(f"multipart boundary must not contain CR, LF or NUL: {boundary!r}")
        self.boundary = boundary
        self.content_type = "multipart/form-data; boundary=" + boundary.decode("latin-1")
        self.fields: List[Union[_DataField, _FileField]] = []
        for name, value in data.items():
            if isinstance(value, (tuple, list)):
                self.fields.extend(_DataField(name, item) for item in value)
            else:
                self.fields.append(_DataField(name, value))
        file_items = files.items() if isinstance(files, abc.Mapping) else files
        self.fields.extend(_FileField(name, value) for name, value in file_items)

    def iter_chunks(self) -> Iterator[bytes]:
        delimiter = b"--" + self.boundary + b"\r\n"
        for field in self.fields:
            yield delimiter
            yield from field.render()
            yield b"\r\n"
        yield b"--" + self.boundary + b"--\r\n"

    def get_content_length(self) -> Optional[int]:
        """The body's size, or None when a file's size cannot be known in advance."""
        per_part = len(self.boundary) + 6  # "--" boundary CRLF ... CRLF
        total = len(self.boundary) + 6  # "--" boundary "--" CRLF
        for field in self.fields:
            length = field.get_length()
            if length is None:
                return None
            total += per_part + length
        return total

    def get_headers(self) -> Dict[str, str]:
        length = self.get_content_length()
        if length is None:
            return {"Transfer-Encoding": "chunked", "Content-Type": self.content_type}
        return {"Content-Length": str(length), "Content-Type": self.content_type}

    def __iter__(self) -> Iterator[bytes]:
        yield from self.iter_chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.iter_chunks():
            yield chunk
