"""Transports: what sends a Request and returns a Response."""
