"""Gaussian radial basis (FastKAN): B_j(u) = exp(−((u − u_j)/h)²).

Centres u_j uniform on [grid_min, grid_max] (G of them), h = (max − min)/(G − 1);
the basis sees the layer-normalised input (LayerNorm replaces grid updates)
and the base branch SiLU sees the raw input.  Derivative in closed form:
B_j'(u) = −2(u − u_j)/h² · B_j(u).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..registry import P, ParameterError, ref, register
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis

FASTKAN_REF = ref("Kolmogorov-Arnold Networks are Radial Basis Function Networks", "2405.06721", 2024,
                  authors="Ziyao Li")


def _uniform_centres(grid_min: float, grid_max: float, num_grids: int, who: str) -> Tensor:
    if isinstance(num_grids, bool) or not isinstance(num_grids, int) or num_grids < 2:
        raise ParameterError(f"{who}: num_grids must be an integer ≥ 2; got {num_grids!r}")
    if not float(grid_min) < float(grid_max):
        raise ParameterError(f"{who}: grid_min must be < grid_max; got {grid_min!r}, {grid_max!r}")
    return torch.linspace(float(grid_min), float(grid_max), num_grids, dtype=torch.get_default_dtype())


@register_basis
class RBFBasis(Basis):
    name = "rbf"
    default_base = "silu"
    default_layernorm = True
    default_bias = True  # FastKAN's base nn.Linear has a bias

    def __init__(self, in_features: int, grid_min: float = -2.0, grid_max: float = 2.0, num_grids: int = 8,
                 init_scale: float = 0.1):
        super().__init__(in_features)
        _uniform_centres(grid_min, grid_max, num_grids, "kan_rbf")  # validates
        # fixed centres are rebuilt in the input's dtype (exact in float64, no float32 rounding)
        self.grid_min, self.grid_max, self.num_grids = float(grid_min), float(grid_max), num_grids
        self.h = (self.grid_max - self.grid_min) / (num_grids - 1)
        self.init_scale = float(init_scale)

    @property
    def num_functions(self) -> int:
        return self.num_grids

    def _centres(self, x: Tensor) -> Tensor:
        return torch.linspace(self.grid_min, self.grid_max, self.num_grids, dtype=x.dtype, device=x.device)

    def forward(self, x: Tensor) -> Tensor:
        z = (x.unsqueeze(-1) - self._centres(x)) / self.h
        return torch.exp(-z * z)

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z = (x.unsqueeze(-1) - self._centres(x)) / self.h
        b = torch.exp(-z * z)
        return b, (-2.0 / self.h) * z * b

    def init_coef(self, out_features: int, generator=None) -> Tensor:
        # FastKAN SplineLinear: trunc_normal(std = spline_weight_init_scale = 0.1), cut at ±2 std
        c = torch.randn(out_features, self.in_features, self.num_functions, generator=generator,
                        dtype=torch.float64)
        return c.clamp(-2, 2) * self.init_scale

    def domain(self, i: int) -> tuple[float, float]:
        return self.grid_min - self.h, self.grid_max + self.h


@register(
    "kan_rbf", aliases=("fastkan",), kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=w_{o,i}\,\mathrm{silu}(x)+\sum_{j} c_{o,i,j}\exp\!\big(-((\mathrm{LN}(x)_i-u_j)/h)^2\big)",
    reference=FASTKAN_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, grid_min=P(doc="first RBF centre"), grid_max=P(doc="last RBF centre"),
                num_grids=P(2, None, doc="number of centres G", kind="int"),
                init_scale=P(0.0, None, doc="std of the initial RBF coefficients"),
                layernorm=P(doc="LayerNorm on the basis input", kind="any"),),
    positional=0,
)
class RBFKAN(KANLinear):
    """FastKAN layer: Gaussian RBFs on the layer-normalised input plus a SiLU base branch.

    8 centres on [−2, 2], h = 4/7; coefficients ~ truncated N(0, 0.1²).
    Paper: "Kolmogorov-Arnold Networks are Radial Basis Function Networks",
    Ziyao Li, arXiv 2405.06721 (2024).
    """

    def __init__(self, in_features: int, out_features: int, grid_min: float = -2.0, grid_max: float = 2.0,
                 num_grids: int = 8, init_scale: float = 0.1, layernorm: Any = "default",
                 base_activation: str = "default", bias: Any = "default", lean: bool = True):
        super().__init__(in_features, out_features, basis="rbf", base_activation=base_activation,
                         layernorm=layernorm, bias=bias, lean=lean, grid_min=grid_min, grid_max=grid_max,
                         num_grids=num_grids, init_scale=init_scale)
