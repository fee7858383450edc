"""Probes: what a nonlinearity does to a signal and to a network.

One file per probe family; every network probe has the shape
``result = probes.<name>(model, data, **options)`` and returns a small dataclass
with the value(s), per-layer detail, a 95 % confidence interval where batches,
samples or seeds allow, and ``.plot()``.  See docs/probes.md.

* unit-level (``unit``): second_moment, init_gain, chi, sparsity, linearity, lipschitz,
  correlation_map, profile — what ``nonlin probe UNIT`` prints (:data:`COLUMNS` explains them)
* ``activity``:  density, dead_units, dormant (+ DormantCallback), saturation, activation_stats
* ``sparsity``:  cett, cats (+ cats_curve)
* ``geometry``:  cka, rsa, layer_cka, alignment
* ``linear``:    linear_map (LinearScope), jacobian_spectrum
* ``ntk``:       ntk, NTKTracker
* ``spectral``:  spectral_bias
* ``bounds``:    relaxation, ibp, crown, lipschitz_bound, verified_accuracy
"""

from __future__ import annotations

from . import activity, bounds, unit
from .activity import (ActivityResult, DormantCallback, UnitStats, activation_stats, dead_units, density,
                       dormant, saturation)
from .bounds import crown, ibp, relaxation, verified_accuracy
from .bounds import lipschitz as lipschitz_bound
from .unit import (COLUMNS, chi, columns_help, correlation_map, init_gain, linearity, lipschitz, profile,
                   second_moment, sparsity)

__all__ = [
    "COLUMNS", "columns_help", "second_moment", "init_gain", "chi", "sparsity", "linearity", "lipschitz",
    "correlation_map", "profile",
    "ActivityResult", "DormantCallback", "UnitStats", "activation_stats", "dead_units", "density", "dormant",
    "saturation",
    "relaxation", "ibp", "crown", "lipschitz_bound", "verified_accuracy",
]
