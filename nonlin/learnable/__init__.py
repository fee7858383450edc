"""Learnable (parametric) elementwise units: rational/Padé, PolyCom, APA/AGLU, SAU, Snake, ...

Importing this package registers every unit (kind ``learnable``); reach them
through ``nonlin.create(name, ...)``.  ``fit_rational`` is the PAU init fit.
"""

import importlib

MODULES = ("rational", "adaptive", "polycom", "siren", "paon", "ash")

for _m in MODULES:
    importlib.import_module(f"{__name__}.{_m}")

from .rational import fit_rational  # noqa: E402

__all__ = ["fit_rational"]
