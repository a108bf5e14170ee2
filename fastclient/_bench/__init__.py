"""``fastclient bench``: the load generator and its embedded server (see cli.py)."""
