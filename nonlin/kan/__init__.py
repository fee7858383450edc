"""Kolmogorov-Arnold layers: one fast layer, one basis per file, pykan's tools on top.

>>> from nonlin.kan import KANLinear, KAN
>>> layer = KANLinear(4, 3, basis="bspline")          # or nonlin.create("kan_bspline", 4, 3)
>>> model = KAN([2, 5, 1], basis="bspline", grid_size=5)

Bases (registered units): kan_bspline, kan_chebyshev, kan_fourier, kan_rbf
(FastKAN), kan_rswaf (FasterKAN), kan_relu (ReLU-KAN), kan_af (AF-KAN),
kan_rational (GR-KAN).
"""

from .layer import BASES, Basis, KANLinear, basis_names, register_basis
from . import bspline, chebyshev, fourier, rbf, rswaf, relu, af, rational  # noqa: F401  (register bases)
from .bspline import BSplineKAN
from .chebyshev import ChebyshevKAN
from .fourier import FourierKAN
from .rbf import RBFKAN
from .rswaf import RSWAFKAN
from .relu import ReLUKAN
from .af import AFKAN
from .rational import RationalKAN
from .conv import KANConv1d, KANConv2d
from .model import KAN
from .symbolic import SYMBOLIC_LIB, add_symbolic, fit_params, suggest_symbolic

__all__ = [
    "KANLinear", "KAN", "KANConv1d", "KANConv2d", "Basis", "BASES", "basis_names", "register_basis",
    "BSplineKAN", "ChebyshevKAN", "FourierKAN", "RBFKAN", "RSWAFKAN", "ReLUKAN", "AFKAN", "RationalKAN",
    "SYMBOLIC_LIB", "add_symbolic", "fit_params", "suggest_symbolic",
]
