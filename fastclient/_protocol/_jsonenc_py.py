"""Which Unicode encoding a JSON body uses, judged from its first four bytes.

RFC 8259 8.1 requires UTF-8 for JSON exchanged between systems, but older peers send
UTF-16 or UTF-32 (RFC 4627 3 allowed them), sometimes behind a byte order mark. Both
RFCs rely on one fact: the first character of a JSON text is ASCII (whitespace or the
start of a value), and a JSON text never contains U+0000. So:

* a BOM names the encoding outright; the names returned for BOMs ("utf-8-sig",
  "utf-16", "utf-32") are the Python codecs that read the BOM and drop it;
* otherwise the zero bytes decide. UTF-8 JSON has none. UTF-32 puts the ASCII first
  character in one byte of four (``00 00 00 xx`` big-endian, ``xx 00 00 00`` little-endian),
  UTF-16 in one byte of two (``00 xx`` / ``xx 00``).

RFC 4627 looked at two characters because its texts were objects or arrays. RFC 8259
allows any value, so a top-level string such as U+4E00 in quotes gives ``22 00 00 4e`` in
UTF-16LE, a pattern RFC 4627 left undecided. This module therefore decides UTF-16 from
the first two bytes alone; every pattern of RFC 4627 still gets RFC 4627's answer.

Four bytes or more are read as the start of a longer text; fewer are the whole body, so
UTF-32 is then impossible and UTF-16 needs exactly two bytes. Anything else (an empty
body, zero bytes where no encoding puts them) is undecidable: the result is None and
the caller falls back to UTF-8.

This is the specification of the compiled twin ``_jsonenc_c`` (same source, C types
from ``src_c/fastclient/_protocol/_jsonenc_c.pxd``): keep it plain Python.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["guess_json_utf"]


def guess_json_utf(data: bytes) -> Optional[str]:
    """The codec name for the JSON text ``data`` (only its first 4 bytes are read), or
    None when they do not decide it."""
    # Exactly bytes, as the compiled twin's typed argument demands (Cython rejects
    # subclasses of builtin types): both twins must accept and refuse the same inputs.
    if type(data) is not bytes:
        raise TypeError(f"guess_json_utf() needs bytes, not {type(data).__name__}")
    n = len(data)
    if n == 0:
        return None
    # A byte past the end reads as -1, which equals no byte value: no pattern below has
    # to check the length again.
    b0 = data[0]
    b1 = data[1] if n > 1 else -1
    b2 = data[2] if n > 2 else -1
    b3 = data[3] if n > 3 else -1

    if b0 == 0xEF and b1 == 0xBB and b2 == 0xBF:
        return "utf-8-sig"
    # The UTF-32LE BOM begins with the UTF-16LE one, so UTF-32 is tested first; a UTF-16
    # BOM followed by U+0000 is not JSON anyway.
    if (b0 == 0xFF and b1 == 0xFE and b2 == 0 and b3 == 0) or (
        b0 == 0 and b1 == 0 and b2 == 0xFE and b3 == 0xFF
    ):
        return "utf-32"
    if (b0 == 0xFF and b1 == 0xFE) or (b0 == 0xFE and b1 == 0xFF):
        return "utf-16"

    if n < 4:
        # The whole body, then: too short for UTF-32, and UTF-16 needs an even length.
        # (-1 is true, so this asks "no zero byte among those present".)
        if b0 and b1 and b2:
            return "utf-8"
        if n == 2:
            if b0 == 0:
                return "utf-16-be" if b1 else None
            return "utf-16-le" if b1 == 0 else None
        return None

    if b0 == 0:
        if b1 == 0:
            return "utf-32-be" if b2 == 0 and b3 else None  # 00 00 00 xx
        # 00 xx: big-endian UTF-16 of an ASCII character; a second unit 00 00 would be
        # U+0000, which no JSON text contains.
        return "utf-16-be" if b2 or b3 else None
    if b1 == 0:
        if b2 == 0 and b3 == 0:
            return "utf-32-le"  # xx 00 00 00
        # xx 00: little-endian UTF-16 of an ASCII character (xx 00 00 yy too: U+yy00).
        return "utf-16-le"
    if b2 == 0 or b3 == 0:
        return None  # zero bytes where neither UTF-8 nor UTF-16/32 of JSON has them
    return "utf-8"
