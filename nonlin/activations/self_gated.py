"""Self-gated units x·g(x): GELU, SiLU/Swish, Mish and their relatives."""

from __future__ import annotations
