"""Reflectional switch activation functions (FasterKAN): B_j(u) = 1 − tanh²((u − u_j)·s).

Centres u_j uniform on [grid_min, grid_max]; s is the inverse denominator.
Both may be trained (``train_grid``, ``train_inv_denominator``); then the
lean backward recomputes the basis to get their gradients.  Derivative in
closed form: B_j'(u) = −2·s·tanh(z)·(1 − tanh²(z)), z = (u − u_j)·s.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis
from .rbf import _uniform_centres

FASTERKAN_REF = ref("FasterKAN (AthanasiosDelis/faster-kan): KAN layers with reflectional switch activation "
                    "functions", None, 2024, authors="Athanasios Delis", venue="GitHub repository")


@register_basis
class RSWAFBasis(Basis):
    name = "rswaf"
    default_base = None
    default_layernorm = True

    def __init__(self, in_features: int, grid_min: float = -1.2, grid_max: float = 0.2, num_grids: int = 8,
                 inv_denominator: float = 0.5, train_grid: bool = False, train_inv_denominator: bool = False,
                 init_scale: float = 0.667):
        super().__init__(in_features)
        if not float(inv_denominator) > 0:
            raise ParameterError(f"kan_rswaf: inv_denominator must be > 0; got {inv_denominator!r}")
        self.centres = nn.Parameter(_uniform_centres(grid_min, grid_max, num_grids, "kan_rswaf"),
                                    requires_grad=bool(train_grid))
        self.inv_denominator = nn.Parameter(torch.tensor(float(inv_denominator)),
                                            requires_grad=bool(train_inv_denominator))
        self.init_scale = float(init_scale)

    @property
    def num_functions(self) -> int:
        return self.centres.numel()

    def forward(self, x: Tensor) -> Tensor:
        t = torch.tanh((x.unsqueeze(-1) - self.centres.to(x.dtype)) * self.inv_denominator.to(x.dtype))
        return 1 - t * t

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        s = self.inv_denominator.to(x.dtype)
        t = torch.tanh((x.unsqueeze(-1) - self.centres.to(x.dtype)) * s)
        b = 1 - t * t
        return b, -2 * s * t * b

    def init_coef(self, out_features: int, generator=None) -> Tensor:
        c = torch.randn(out_features, self.in_features, self.num_functions, generator=generator,
                        dtype=torch.float64)
        return c.clamp(-2, 2) * self.init_scale / (self.in_features * self.num_functions) ** 0.5

    def domain(self, i: int) -> tuple[float, float]:
        return float(self.centres.min()) - 2.0, float(self.centres.max()) + 2.0


@register(
    "kan_rswaf", aliases=("fasterkan",), kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=\sum_{j} c_{o,i,j}\big(1-\tanh^2((\mathrm{LN}(x)_i-u_j)\,s)\big)",
    reference=FASTERKAN_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, grid_min=P(doc="first centre"), grid_max=P(doc="last centre"),
                num_grids=P(2, None, doc="number of centres G", kind="int"),
                inv_denominator=P(0.0, None, open_low=True, doc="inverse width s"),
                train_grid=P(doc="learn the centres", kind="bool"),
                train_inv_denominator=P(doc="learn s", kind="bool"),
                init_scale=P(0.0, None, doc="initial coefficient scale (× 1/√(in·G))"),
                layernorm=P(doc="LayerNorm on the basis input", kind="any"),),
    positional=0,
)
class RSWAFKAN(KANLinear):
    """FasterKAN layer: RSWAF bumps 1 − tanh²((u − u_j)·s) on the layer-normalised input.

    Defaults (8 centres on [−1.2, 0.2], s = 0.5, no base branch) follow the
    faster-kan repository as recalled (unverified against its current code);
    coefficients ~ truncated N(0, 1)·init_scale/√(in·G).  Source:
    AthanasiosDelis/faster-kan (2024, no paper).
    """

    def __init__(self, in_features: int, out_features: int, grid_min: float = -1.2, grid_max: float = 0.2,
                 num_grids: int = 8, inv_denominator: float = 0.5, train_grid: bool = False,
                 train_inv_denominator: bool = False, init_scale: float = 0.667, layernorm: Any = "default",
                 base_activation: str = "default", bias: Any = False, lean: bool = True):
        super().__init__(in_features, out_features, basis="rswaf", base_activation=base_activation,
                         layernorm=layernorm, bias=bias, lean=lean, grid_min=grid_min, grid_max=grid_max,
                         num_grids=num_grids, inv_denominator=inv_denominator, train_grid=train_grid,
                         train_inv_denominator=train_inv_denominator, init_scale=init_scale)
