"""``python -m fastclient``: the same command as the ``fastclient`` script."""

import sys

from ._main import main

if __name__ == "__main__":
    sys.exit(main())
