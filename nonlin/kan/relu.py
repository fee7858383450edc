"""ReLU-KAN basis: R_j(x) = [r·ReLU(e_j − x)·ReLU(x − s_j)]², r = 4/(e_j − s_j)² at init.

With G intervals of [lo, hi] and order k: s_j = lo + (j − k)(hi − lo)/G,
e_j = s_j + (k + 1)(hi − lo)/G, j = 0 … G + k − 1, so each bump has support
[s_j, e_j] and peak 1.  r is the fixed constant 16G⁴/((k+1)⁴(hi − lo)⁴) under
the square, as in the paper; s_j and e_j are trainable (``train_ab``), so the
lean backward recomputes the basis to get their gradients.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ref, register
from .bspline import _check_int, _check_range
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis

RELUKAN_REF = ref("ReLU-KAN: New Kolmogorov-Arnold Networks that Only Need Matrix Addition, Dot "
                  "Multiplication, and ReLU", "2406.02075", 2024, authors="Qiu et al.")


def _windows(in_features: int, grid_size: int, order: int, lo: float, hi: float) -> tuple[Tensor, Tensor, float]:
    step = (hi - lo) / grid_size
    j = torch.arange(grid_size + order, dtype=torch.float64)
    s = lo + (j - order) * step
    e = s + (order + 1) * step
    r = 4.0 / ((order + 1) * step) ** 2
    dt = torch.get_default_dtype()
    return s.expand(in_features, -1).to(dt).clone(), e.expand(in_features, -1).to(dt).clone(), r


@register_basis
class ReLUBasis(Basis):
    name = "relu"
    default_base = None
    default_bias = True  # ReLU-KAN's Conv2d combination has a bias

    def __init__(self, in_features: int, grid_size: int = 5, spline_order: int = 3,
                 grid_range: tuple = (0.0, 1.0), train_ab: bool = True):
        super().__init__(in_features)
        self.grid_size = _check_int(grid_size, "grid_size", 1, "kan_relu")
        self.spline_order = _check_int(spline_order, "spline_order", 0, "kan_relu")
        lo, hi = _check_range(grid_range, "kan_relu")
        s, e, self.r = _windows(in_features, grid_size, spline_order, lo, hi)
        self.low = nn.Parameter(s, requires_grad=bool(train_ab))
        self.high = nn.Parameter(e, requires_grad=bool(train_ab))

    @property
    def num_functions(self) -> int:
        return self.grid_size + self.spline_order

    def forward(self, x: Tensor) -> Tensor:
        xe = x.unsqueeze(-1)
        v = self.r * F.relu(self.high.to(x.dtype) - xe) * F.relu(xe - self.low.to(x.dtype))
        return v * v

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        xe = x.unsqueeze(-1)
        a = F.relu(self.high.to(x.dtype) - xe)
        b = F.relu(xe - self.low.to(x.dtype))
        v = self.r * a * b
        # d/dx (r·a·b)² = 2·r·a·b · r·(a' b + a b'),  a' = −1[a>0], b' = 1[b>0]
        dv = self.r * (a - b) * ((a > 0) & (b > 0)).to(x.dtype)
        return v * v, 2 * v * dv

    def subset(self, idx: Tensor) -> "ReLUBasis":
        new = super().subset(idx)
        new.low = nn.Parameter(self.low.detach()[idx].clone(), requires_grad=self.low.requires_grad)
        new.high = nn.Parameter(self.high.detach()[idx].clone(), requires_grad=self.high.requires_grad)
        return new

    def domain(self, i: int) -> tuple[float, float]:
        k = self.spline_order
        return float(self.low[i, k]), float(self.high[i, -k - 1])


@register(
    "kan_relu", aliases=("relukan",), kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=\sum_{j} c_{o,i,j}\,\big[r\,\mathrm{ReLU}(e_{i,j}-x)\,\mathrm{ReLU}(x-s_{i,j})\big]^2",
    reference=RELUKAN_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, grid_size=P(1, None, doc="number of grid intervals G", kind="int"),
                spline_order=P(0, None, doc="order k: each bump spans k+1 intervals", kind="int"),
                grid_range=P(doc="(low, high) interval (paper: [0, 1])", kind="tuple"),
                train_ab=P(doc="learn the window ends s, e", kind="bool"),),
    positional=0,
)
class ReLUKAN(KANLinear):
    """ReLU-KAN layer: squared products of two ReLUs as a B-spline-like basis.

    G = 5, k = 3 on [0, 1]; window ends s, e per input and basis function,
    trainable; coefficients U(±1/√(in·(G+k))) as ReLU-KAN's Conv2d default
    init, with an output bias.  Paper: "ReLU-KAN: New Kolmogorov-Arnold
    Networks that Only Need Matrix Addition, Dot Multiplication, and ReLU",
    Qiu et al., arXiv 2406.02075 (2024).
    """

    def __init__(self, in_features: int, out_features: int, grid_size: int = 5, spline_order: int = 3,
                 grid_range: tuple = (0.0, 1.0), train_ab: bool = True, base_activation: str = "default",
                 bias: Any = "default", lean: bool = True):
        super().__init__(in_features, out_features, basis="relu", base_activation=base_activation,
                         bias=bias, lean=lean, grid_size=grid_size, spline_order=spline_order,
                         grid_range=grid_range, train_ab=train_ab)
