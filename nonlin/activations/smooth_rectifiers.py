"""Smooth rectifiers: softplus and other smooth approximations of ReLU."""

from __future__ import annotations
