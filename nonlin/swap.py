"""Backward-compatible home of ``swap``; the implementation lives in :mod:`nonlin.surgery`."""

from __future__ import annotations

from torch import nn

from .surgery import identify, swap
from .surgery.torch_nn import MODULE_UNITS as _MODULE_UNITS

__all__ = ["swap", "unit_name_of"]


def unit_name_of(module: nn.Module) -> str | None:
    """The registered unit a module implements, or None (see :func:`nonlin.surgery.identify`)."""
    ident = identify(module)
    return ident.name if ident is not None else None
