"""Exponential-linear units: ELU and its relatives (SELU, CELU, ...)."""

from __future__ import annotations
