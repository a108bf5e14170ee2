"""The one place that decides whether compiled or pure-Python twins are used.

Every hot module exists twice: ``<name>_py`` (the specification, plain Python) and
``<name>_c`` (the same source compiled by Cython). The choice is made once, at import:

* ``FASTCLIENT_NO_EXTENSIONS`` set to a non-empty value other than ``0``: pure Python.
* a non-CPython interpreter (PyPy, GraalPy): pure Python, Cython output would be slower.
* otherwise the compiled twins. If one fails to import, fastclient still works on the pure
  twin but says so loudly with a RuntimeWarning and records it in :data:`FAILED`; the test
  suite fails on any entry there, so a broken build is never a silent slowdown.
"""

from __future__ import annotations

import importlib
import os
import platform
import warnings
from types import ModuleType

__all__ = ["FAILED", "IMPLEMENTATION", "TWINS", "describe", "load", "twin"]

# Keep in step with setup.py:TWINS (tests/test_foundation.py checks it).
TWINS = (
    "fastclient._protocol._http11",
    "fastclient._protocol._h11fields",
    "fastclient._protocol._h11write",
    "fastclient._protocol._jsonenc",
    "fastclient._protocol._pool",
    "fastclient._protocol._poolrecords",
    "fastclient._protocol._h2core",
    "fastclient._protocol._h2fields",
    "fastclient._protocol._h2frames",
    "fastclient._protocol._h2hpack",
)


def _env_no_extensions() -> bool:
    value = os.environ.get("FASTCLIENT_NO_EXTENSIONS", "")
    return value not in ("", "0")


#: "c" when compiled twins are wanted, "py" when the pure ones are.
IMPLEMENTATION = (
    "py" if _env_no_extensions() or platform.python_implementation() != "CPython" else "c"
)

#: twin base name -> the import error that forced the pure twin (empty when all is well).
FAILED: dict[str, str] = {}

_loaded: dict[str, ModuleType] = {}


def twin(base: str, which: str) -> ModuleType:
    """Import one named twin of ``base`` (``which`` is "c" or "py"); no fallback."""
    if which not in ("c", "py"):
        raise ValueError(f"which must be 'c' or 'py', not {which!r}")
    return importlib.import_module(f"{base}_{which}")


def load(base: str) -> ModuleType:
    """Return the active twin of ``base``, e.g. ``load("fastclient._protocol._http11")``."""
    module = _loaded.get(base)
    if module is not None:
        return module
    if IMPLEMENTATION == "c":
        try:
            module = twin(base, "c")
        except ImportError as exc:
            FAILED[base] = repr(exc)
            warnings.warn(
                f"fastclient: compiled module {base}_c failed to import ({exc}); using the"
                " slow pure-Python twin. Reinstall fastclient with a C compiler, or set"
                " FASTCLIENT_NO_EXTENSIONS=1 to choose pure Python deliberately.",
                RuntimeWarning,
                stacklevel=2,
            )
            module = twin(base, "py")
    else:
        module = twin(base, "py")
    _loaded[base] = module
    return module


def describe() -> str:
    """One line for bug reports and ``fastclient --version``."""
    for base in TWINS:
        load(base)
    compiled = sum(1 for m in _loaded.values() if m.__name__.endswith("_c"))
    state = "compiled" if compiled == len(TWINS) else ("partly compiled" if compiled else "pure")
    text = f"{state} ({compiled}/{len(TWINS)} Cython modules; {platform.python_implementation()}"
    text += f" {platform.python_version()})"
    if FAILED:
        text += " failed: " + ", ".join(sorted(FAILED))
    return text
