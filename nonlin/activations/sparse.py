"""Sparsifying units: shrinkage, thresholds and clipped rectifiers."""

from __future__ import annotations
