"""Sigmoidal and squashing functions: logistic, tanh, softsign, hard and tempered variants."""

from __future__ import annotations
