"""Networking helpers shared by the sync and async drivers: TLS contexts, error mapping,
tracing, proxy selection from the environment, and origin handling."""
