"""JSON encoding detection (see ``_jsonenc_py`` for the rules).

Re-exports the active twin: compiled ``_jsonenc_c`` or pure ``_jsonenc_py``, chosen once
by ``fastclient._impl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _impl

if TYPE_CHECKING:
    from ._jsonenc_py import guess_json_utf
else:
    guess_json_utf = _impl.load("fastclient._protocol._jsonenc").guess_json_utf

__all__ = ["guess_json_utf"]
