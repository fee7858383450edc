"""Group-rational basis (GR-KAN, Kolmogorov-Arnold Transformer).

F_g(x) = P(x)/Q_g(x) = (a_0 + a_1 x + … + a_5 x⁵) / (1 + |b_{g,1}||x| + … + |b_{g,4}||x|⁴),

a "safe" Padé P5/Q4 (Q ≥ 1, no poles).  Inputs are split into ``groups``
contiguous groups; the numerator is shared by all groups and each group has
its own denominator (the released KAT_Group).  The layer is then
y_o = Σ_i w_{o,i} F_{g(i)}(x_i) + bias_o: one basis function per input, so
the KAN layer is "grouped rational activation, then Linear".
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis

KAT_REF = ref("Kolmogorov-Arnold Transformer", "2409.10594", 2024, authors="Xingyi Yang, Xinchao Wang",
              venue="ICLR 2025")

_FIT_CACHE: dict[str, tuple[list[float], list[float]]] = {}


def _fit_rational(target: str) -> tuple[list[float], list[float]]:
    """Least-squares P5/Q4 safe-rational fit of GELU or SiLU on [−3, 3] (float64, cached)."""
    if target in _FIT_CACHE:
        return _FIT_CACHE[target]
    x = torch.linspace(-3, 3, 241, dtype=torch.float64)
    y = torch.nn.functional.gelu(x) if target == "gelu" else torch.nn.functional.silu(x)
    a = torch.tensor([0.0, 0.5, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64, requires_grad=True)
    b = torch.full((4,), 1e-2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, b], lr=1, max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((_rational(x, a, b) - y) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    _FIT_CACHE[target] = (a.detach().tolist(), b.detach().tolist())
    return _FIT_CACHE[target]


def _rational(x: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """P(x)/Q(x) with P = Σ a_j x^j (Horner) and Q = 1 + Σ_{j≥1} |b_j| |x|^j; b broadcasts over x."""
    p = a[..., 5]
    for j in range(4, -1, -1):
        p = p * x + a[..., j]
    ax = x.abs()
    q = b[..., 3].abs()
    for j in range(2, -1, -1):
        q = q * ax + b[..., j].abs()
    return p / (1 + q * ax)


@register_basis
class RationalBasis(Basis):
    name = "rational"
    default_base = None
    default_bias = True

    def __init__(self, in_features: int, groups: int = 8, init: str = "identity"):
        super().__init__(in_features)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ParameterError(f"kan_rational: groups must be a positive integer; got {groups!r}")
        # groups must divide in_features; otherwise use the largest common divisor (documented)
        groups = math.gcd(in_features, groups)
        if init not in ("identity", "gelu", "silu"):
            raise ParameterError(f"kan_rational: init must be one of 'identity', 'gelu', 'silu'; got {init!r}")
        if init == "identity":
            num, den = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0] * 4
        else:
            num, den = _fit_rational(init)
        dt = torch.get_default_dtype()
        self.groups = groups
        self.numerator = nn.Parameter(torch.tensor(num, dtype=dt))
        self.denominator = nn.Parameter(torch.tensor(den, dtype=dt).repeat(groups, 1))
        self.register_buffer("group_index", torch.arange(in_features) // (in_features // groups))

    num_functions = 1

    def forward(self, x: Tensor) -> Tensor:
        b = self.denominator.to(x.dtype)[self.group_index]      # (in, 4)
        return _rational(x, self.numerator.to(x.dtype), b).unsqueeze(-1)

    def subset(self, idx: Tensor) -> "RationalBasis":
        new = super().subset(idx)
        new.group_index = self.group_index[idx].clone()
        return new

    def domain(self, i: int) -> tuple[float, float]:
        return (-3.0, 3.0)


@register(
    "kan_rational", aliases=("grkan", "gr_kan"), kind="kan", family="kan",
    formula=r"y_o=\sum_i w_{o,i}\,\frac{\sum_{j=0}^{5}a_j x_i^j}{1+\sum_{j=1}^{4}|b_{g(i),j}|\,|x_i|^j}+\beta_o",
    reference=KAT_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, groups=P(1, None, doc="number of input groups with their own denominator", kind="int"),
                init=P(choices=("identity", "gelu", "silu"), doc="initial rational function"),),
    positional=0,
)
class RationalKAN(KANLinear):
    """GR-KAN layer: grouped safe rational P5/Q4 on every input, then a linear map.

    8 groups (gcd(in_features, groups) when 8 does not divide in_features); shared numerator, per-group denominator; rational initialised to
    the identity (exact: a_1 = 1, all else 0) or to a least-squares fit of GELU
    / SiLU on [−3, 3] computed at first use; weights U(±1/√in), bias 0.
    Paper: "Kolmogorov-Arnold Transformer", Yang & Wang, arXiv 2409.10594
    (2024).
    """

    def __init__(self, in_features: int, out_features: int, groups: int = 8, init: str = "identity",
                 base_activation: str = "default", bias: Any = "default", lean: bool = True):
        super().__init__(in_features, out_features, basis="rational", base_activation=base_activation,
                         bias=bias, lean=lean, groups=groups, init=init)
