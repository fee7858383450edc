"""AF-KAN basis: ReLU-KAN's windows with any activation and combination.

B_j(x) = g(r·act(x − s_j), act(e_j − x)) with the windows s_j, e_j of
ReLU-KAN (G intervals, order k) and

* ``quad1``: g(a, b) = (a·b)²   (the paper's best, with SiLU),
* ``prod``:  g(a, b) = a·b,
* ``sum``:   g(a, b) = a + b.

act ∈ {silu, relu, gelu, elu, selu, softplus, sigmoid, leaky_relu}.  The
input goes through a LayerNorm first and a SiLU base branch is added, as in
AF-KAN's layer (unverified against the current All-KAN code).  AF-KAN's other
combinations (quad2, sum_prod, cubic1/2) and its attention-based parameter
reduction are not implemented.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..registry import P, ParameterError, ref, register
from .bspline import _check_int, _check_range
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis
from .relu import _windows

AFKAN_REF = ref("AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks for Efficient Representation "
                "Learning", "2503.06112", 2025, authors="Hoang-Thang Ta, Anh Tran")

AF_ACTIVATIONS = {
    "silu": F.silu, "relu": F.relu, "gelu": F.gelu, "elu": F.elu, "selu": F.selu,
    "softplus": F.softplus, "sigmoid": torch.sigmoid, "leaky_relu": F.leaky_relu,
}
AF_FUNCTIONS = ("quad1", "prod", "sum")


@register_basis
class AFBasis(Basis):
    name = "af"
    default_base = "silu"
    default_layernorm = True

    def __init__(self, in_features: int, grid_size: int = 3, spline_order: int = 3,
                 grid_range: tuple = (-1.0, 1.0), activation: str = "silu", function: str = "quad1"):
        super().__init__(in_features)
        self.grid_size = _check_int(grid_size, "grid_size", 1, "kan_af")
        self.spline_order = _check_int(spline_order, "spline_order", 0, "kan_af")
        lo, hi = _check_range(grid_range, "kan_af")
        if activation not in AF_ACTIVATIONS:
            raise ParameterError(f"kan_af: activation must be one of {', '.join(AF_ACTIVATIONS)}; got {activation!r}")
        if function not in AF_FUNCTIONS:
            raise ParameterError(f"kan_af: function must be one of {', '.join(AF_FUNCTIONS)}; got {function!r}")
        self.activation, self.function = activation, function
        s, e, self.r = _windows(in_features, grid_size, spline_order, lo, hi)
        self.register_buffer("low", s)
        self.register_buffer("high", e)

    @property
    def num_functions(self) -> int:
        return self.grid_size + self.spline_order

    def forward(self, x: Tensor) -> Tensor:
        act = AF_ACTIVATIONS[self.activation]
        xe = x.unsqueeze(-1)
        a = act(xe - self.low.to(x.dtype))
        b = act(self.high.to(x.dtype) - xe)
        if self.function == "quad1":
            v = self.r * a * b
            return v * v
        if self.function == "prod":
            return self.r * a * b
        return a + b

    def subset(self, idx: Tensor) -> "AFBasis":
        new = super().subset(idx)
        new.low, new.high = self.low[idx].clone(), self.high[idx].clone()
        return new


@register(
    "kan_af", aliases=("afkan",), kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=w_{o,i}\,\mathrm{silu}(x)+\sum_j c_{o,i,j}\big[r\,\mathrm{act}(u-s_j)\,\mathrm{act}(e_j-u)\big]^2,\ u=\mathrm{LN}(x)_i",
    reference=AFKAN_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, grid_size=P(1, None, doc="number of grid intervals G", kind="int"),
                spline_order=P(0, None, doc="order k: each window spans k+1 intervals", kind="int"),
                grid_range=P(doc="(low, high) interval", kind="tuple"),
                activation=P(choices=tuple(AF_ACTIVATIONS), doc="activation inside the basis"),
                function=P(choices=AF_FUNCTIONS, doc="how the two activations combine"),
                layernorm=P(doc="LayerNorm on the basis input", kind="any"),),
    positional=0,
)
class AFKAN(KANLinear):
    """AF-KAN layer: activation-function windows (default SiLU, quad1, G = 3, k = 3).

    Coefficients U(±1/√(in·(G+k))); base weights U(±1/√in).  Paper:
    "AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks for
    Efficient Representation Learning", Ta & Tran, arXiv 2503.06112 (2025).
    """

    def __init__(self, in_features: int, out_features: int, grid_size: int = 3, spline_order: int = 3,
                 grid_range: tuple = (-1.0, 1.0), activation: str = "silu", function: str = "quad1",
                 layernorm: Any = "default", base_activation: str = "default", bias: Any = False,
                 lean: bool = True):
        super().__init__(in_features, out_features, basis="af", base_activation=base_activation,
                         layernorm=layernorm, bias=bias, lean=lean, grid_size=grid_size,
                         spline_order=spline_order, grid_range=grid_range, activation=activation,
                         function=function)
