"""Memory-lean training: exact forward, 1-4-bit backward (see docs/memory.md)."""
