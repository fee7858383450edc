"""Gated and multiplicative units: GLU-family blocks, bilinear MLP, quadratic neurons,
polynomial (Π-net) blocks and neural arithmetic units (kind ``gated``).

Importing this package registers every unit; reach them through
``nonlin.create(name, in_features, hidden_features, ...)``.
"""

import importlib

MODULES = ("glu", "bilinear_mlp", "quadratic", "polynomial", "arithmetic")

for _m in MODULES:
    importlib.import_module(f"{__name__}.{_m}")

from .glu import glu_product  # noqa: E402

__all__ = ["glu_product"]
