"""Build script: compiles the pure-Python twins listed in TWINS with Cython.

Each twin is one source, ``fastclient/<path>_py.py``, that runs as plain Python and is
compiled, with the C types of ``src_c/fastclient/<path>_c.pxd``, into the extension
module ``fastclient.<path>_c``. ``fastclient/_impl.py`` chooses which of the two is used.

Environment:
  FASTCLIENT_NO_EXTENSIONS=1  build a pure-Python package (also on non-CPython interpreters)
  FASTCLIENT_DEBUG=1          line tracing, assertions, -O0 -g (for profilers and gdb)
  FASTCLIENT_ONLY=a,b         developers: compile only the twins whose names end so
"""

from __future__ import annotations

import os
import platform
import sys

from setuptools import setup

# Keep in step with fastclient/_impl.py:TWINS (tests/test_foundation.py checks it).
TWINS = [
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
]


def _want_extensions() -> bool:
    if os.environ.get("FASTCLIENT_NO_EXTENSIONS"):
        return False
    return platform.python_implementation() == "CPython"


def _extensions() -> list:
    from Cython.Build import cythonize
    from setuptools import Extension

    debug = bool(os.environ.get("FASTCLIENT_DEBUG"))
    macros = [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")] if debug else []
    if sys.platform == "win32":
        cflags = ["/Od", "/Zi"] if debug else ["/O2"]
    else:
        cflags = ["-O0", "-g"] if debug else ["-O3"]
    exts = []
    force = False
    only = [x for x in os.environ.get("FASTCLIENT_ONLY", "").split(",") if x]
    for name in TWINS:
        if only and not any(name.endswith(x) for x in only):
            continue
        path = name.replace(".", "/")
        source, pxd = f"{path}_py.py", f"src_c/{path}_c.pxd"
        generated = f"build/cython/{path}_py.c"
        # Cython does not notice when only an augmenting .pxd changed: rebuild then.
        if os.path.exists(generated) and os.path.getmtime(pxd) > os.path.getmtime(generated):
            force = True
        exts.append(
            Extension(f"{name}_c", [source], define_macros=macros, extra_compile_args=cflags)
        )
    directives = {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "cdivision": True,
        "initializedcheck": debug,
        "linetrace": debug,
        "profile": debug,
        "embedsignature": True,
        "binding": False,
    }
    return cythonize(
        exts,
        include_path=["src_c"],
        build_dir="build/cython",
        compiler_directives=directives,
        force=force,
        quiet=True,
    )


setup(ext_modules=_extensions() if _want_extensions() else [])
