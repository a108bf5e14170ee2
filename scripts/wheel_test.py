"""Run the test suite against an *installed* fastclient (a wheel), not the source tree.

Usage: python scripts/wheel_test.py PROJECT_DIR [pytest args...]

The tests are copied to a temporary directory so that ``import fastclient`` cannot pick up
the uncompiled source tree; the run fails unless every compiled twin loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile


def main() -> int:
    project = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="fastclient-wheel-test-")
    # The tests and the benchmark harness (which some tests drive), but not the package.
    for folder in ("tests", "benchmarks"):
        src = os.path.join(project, folder)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(work, folder))
    shutil.copy(os.path.join(project, "pyproject.toml"), work)
    check = (
        "import fastclient, fastclient._impl as i, sys;"
        "d = i.describe(); print('fastclient', fastclient.__version__, d, fastclient.__file__);"
        "sys.exit(0 if d.startswith('compiled') or i.IMPLEMENTATION == 'py' else 1)"
    )
    if subprocess.call([sys.executable, "-c", check], cwd=work) != 0:
        print("compiled modules did not load from the installed wheel", file=sys.stderr)
        return 1
    return subprocess.call([sys.executable, "-m", "pytest", *sys.argv[2:]], cwd=work)


if __name__ == "__main__":
    sys.exit(main())
