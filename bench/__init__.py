"""Benchmark of the Communiqué service against a bare asyncpg floor (see README.md)."""
