"""Blocking-socket drivers: HTTP connections and the pool shell around the sans-IO pool state."""
