"""The sans-IO protocol core: bytes in, events out.

Nothing in this package imports socket, ssl, asyncio, threading or time, so one core
serves the sync and the async drivers alike, and every piece can be tested by feeding it
bytes. Hot modules come as twins (``_x_py.py`` and its compiled ``_x_c``); the public
names are re-exported by the plain modules here, which ask ``fastclient._impl`` for the
active twin.
"""
