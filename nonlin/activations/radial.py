"""Radial and bump-shaped units: Gaussian, Cauchy, Elephant and relatives."""

from __future__ import annotations
