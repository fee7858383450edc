"""Periodic and oscillating units: sine, Snake and relatives."""

from __future__ import annotations
