"""The ``fastclient`` command: ``--version``, ``get URL``, ``request``, ``bench``."""

from __future__ import annotations

import sys
from typing import List, Optional


def version_text() -> str:
    from . import _impl
    from ._version import __version__

    return f"fastclient {__version__} [{_impl.describe()}]"


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        print(version_text())
        return 0
    if args[:1] == ["bench"]:
        from ._bench.cli import main as bench_main

        return bench_main(args[1:])
    from ._cli import main as cli_main

    return cli_main(args)
