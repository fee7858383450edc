"""Probes: what a nonlinearity does to a signal and to a network.

One file per probe family; every network probe has the shape
``result = probes.<name>(model, data, **options)`` and returns a small dataclass
with the value(s), per-layer detail, a 95 % confidence interval where batches,
samples or seeds allow, and ``.plot()``.  See docs/probes.md.

* unit-level (``unit``): second_moment, init_gain, chi, sparsity, linearity, lipschitz,
  correlation_map, profile — what ``nonlin probe UNIT`` prints (:data:`COLUMNS` explains them)
* ``activity``:  density, dead_units, dormant (+ DormantCallback), saturation, activation_stats
* ``exploitable``: cett, cett_trend, cats (+ cats_curve) — exploitable activation sparsity (``probes.sparsity``
  stays the unit-level P(f(z) = 0))
* ``geometry``:  cka, rsa, layer_cka, alignment
* ``universality``: universality.universality (the module keeps the name) — universal neurons across
  seeds (arXiv 2401.12181)
* ``nonlinear_advantage``: nonlinear_advantage.nonlinear_advantage (the module keeps the name) —
  linearising unit layers from a depth on (arXiv 2211.17180)
* ``linear``:    linear_map (LinearScope), jacobian_spectrum
* ``ntk``:       ntk.ntk (the module keeps the name), NTKTracker
* ``spectral``:  spectral_bias, compare (spectral slope of several units vs relu)
* ``card``:      probe_card, fill_store — the benchmark report's per-unit probe card
* ``bounds``:    relaxation, ibp, crown, lipschitz_bound, verified_accuracy
* ``nac``:       nac (NAC-UE), max_softmax, energy, ood_scores
* ``cli``:       run_probe / cli_main — ``nonlin probe NAME --unit U --task T``
"""

from __future__ import annotations

from . import activity, bounds, card, exploitable, geometry, linear, nac, ntk, spectral, unit
from .cli import NETWORK_PROBES, cli_main, run_probe
from .exploitable import cats, cats_curve, cett, cett_trend
from .geometry import alignment, cka, layer_cka, rsa
from . import nonlinear_advantage, universality   # modules keep the name (as ntk): call X.X(...)
from .nonlinear_advantage import NonlinearAdvantageResult
from .universality import UniversalityResult
from .linear import jacobian_spectrum, linear_map
from .ntk import NTKTracker
from .spectral import spectral_bias
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
    "cett", "cett_trend", "cats", "cats_curve", "cka", "rsa", "layer_cka", "alignment", "linear_map", "jacobian_spectrum",
    "NTKTracker", "spectral_bias", "NETWORK_PROBES", "cli_main", "run_probe",
    "universality", "UniversalityResult", "nonlinear_advantage", "NonlinearAdvantageResult",
    "activity", "bounds", "card", "exploitable", "geometry", "linear", "nac", "spectral", "unit",
]
