"""Chebyshev basis (ChebyKAN): φ(x) = Σ_n c_n T_n(tanh x).

T_0 = 1, T_1 = u, T_{n+1} = 2u·T_n − T_{n−1} with u = tanh(x) ∈ (−1, 1)
(so T_n(u) = cos(n·arccos u)).  Derivative in closed form through the
Chebyshev polynomials of the second kind: dT_n/du = n·U_{n−1}(u),
U_0 = 1, U_1 = 2u, U_{n+1} = 2u·U_n − U_{n−1}; du/dx = 1 − u².
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..registry import P, ParameterError, ref, register
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis

CHEBY_REF = ref("Chebyshev Polynomial-Based Kolmogorov-Arnold Networks: An Efficient Architecture for "
                "Nonlinear Function Approximation", "2405.07200", 2024, authors="Sidharth SS, Keerthana AR, Gokul R, Anas KP",
                venue="arXiv (code: SynodicMonth/ChebyKAN)")


@register_basis
class ChebyshevBasis(Basis):
    name = "chebyshev"
    default_base = None  # ChebyKAN has no base branch

    def __init__(self, in_features: int, degree: int = 4):
        super().__init__(in_features)
        if isinstance(degree, bool) or not isinstance(degree, int) or degree < 0:
            raise ParameterError(f"kan_chebyshev: degree must be an integer ≥ 0; got {degree!r}")
        self.degree = degree

    @property
    def num_functions(self) -> int:
        return self.degree + 1

    def forward(self, x: Tensor) -> Tensor:
        u = torch.tanh(x)
        t = [torch.ones_like(u), u]
        for _ in range(2, self.degree + 1):
            t.append(2 * u * t[-1] - t[-2])
        return torch.stack(t[: self.degree + 1], dim=-1)

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        u = torch.tanh(x)
        du = 1 - u * u
        t = [torch.ones_like(u), u]
        uu = [torch.ones_like(u), 2 * u]
        for _ in range(2, self.degree + 1):
            t.append(2 * u * t[-1] - t[-2])
            uu.append(2 * u * uu[-1] - uu[-2])
        d = [torch.zeros_like(u)] + [n * uu[n - 1] * du for n in range(1, self.degree + 1)]
        return torch.stack(t[: self.degree + 1], -1), torch.stack(d, -1)

    def init_coef(self, out_features: int, generator=None) -> Tensor:
        # ChebyKAN (SynodicMonth/ChebyKAN, ChebyKANLayer): nn.init.normal_(std=1/(in·(degree+1)))
        std = 1.0 / (self.in_features * (self.degree + 1))
        return torch.randn(out_features, self.in_features, self.degree + 1, generator=generator,
                           dtype=torch.float64) * std

    def domain(self, i: int) -> tuple[float, float]:
        return (-3.0, 3.0)


@register(
    "kan_chebyshev", kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=\sum_{n=0}^{D} c_{o,i,n}\,T_n(\tanh x)",
    reference=CHEBY_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, degree=P(0, None, doc="highest Chebyshev degree D", kind="int"),),
    positional=0,
)
class ChebyshevKAN(KANLinear):
    """ChebyKAN layer: each edge is a Chebyshev series of tanh(x).

    φ(x) = Σ_{n=0}^{D} c_n T_n(tanh x), D = 4 by default (ChebyKAN's MNIST
    example); coefficients ~ N(0, σ²) with σ = 1/(in·(D+1)), as ChebyKAN's code.  Paper: "Chebyshev
    Polynomial-Based Kolmogorov-Arnold Networks", arXiv 2405.07200 (2024);
    code SynodicMonth/ChebyKAN.
    """

    def __init__(self, in_features: int, out_features: int, degree: int = 4,
                 base_activation: str = "default", bias: Any = False, lean: bool = True):
        super().__init__(in_features, out_features, basis="chebyshev", base_activation=base_activation,
                         bias=bias, lean=lean, degree=degree)
