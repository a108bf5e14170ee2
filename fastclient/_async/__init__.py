"""asyncio drivers: a Protocol per connection feeding the sans-IO core, and the pool shell."""
