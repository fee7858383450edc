"""Fourier basis (FourierKAN): φ(x) = Σ_{k=1}^{G} a_k cos(kx) + b_k sin(kx).

Basis layout: [cos(x), …, cos(Gx), sin(x), …, sin(Gx)]; derivative in closed
form: d cos(kx)/dx = −k sin(kx), d sin(kx)/dx = k cos(kx).  The naive
FourierKAN builds (B, out, in, G); here it is basis-then-matmul.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..registry import P, ParameterError, ref, register
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, register_basis

FOURIER_REF = ref("FourierKAN (GistNoesis/FourierKAN): Fourier-series edge functions for KAN layers",
                  None, 2024, authors="GistNoesis", venue="GitHub repository")


@register_basis
class FourierBasis(Basis):
    name = "fourier"
    default_base = None
    default_bias = True  # FourierKAN: addbias=True

    def __init__(self, in_features: int, grid_size: int = 5, smooth_init: bool = False):
        super().__init__(in_features)
        if isinstance(grid_size, bool) or not isinstance(grid_size, int) or grid_size < 1:
            raise ParameterError(f"kan_fourier: grid_size must be an integer ≥ 1; got {grid_size!r}")
        self.grid_size = grid_size
        self.smooth_init = bool(smooth_init)
        self.register_buffer("freqs", torch.arange(1, grid_size + 1, dtype=torch.get_default_dtype()))

    @property
    def num_functions(self) -> int:
        return 2 * self.grid_size

    def forward(self, x: Tensor) -> Tensor:
        kx = x.unsqueeze(-1) * self.freqs.to(x.dtype)
        return torch.cat([torch.cos(kx), torch.sin(kx)], dim=-1)

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        k = self.freqs.to(x.dtype)
        kx = x.unsqueeze(-1) * k
        c, s = torch.cos(kx), torch.sin(kx)
        return torch.cat([c, s], -1), torch.cat([-k * s, k * c], -1)

    def init_coef(self, out_features: int, generator=None) -> Tensor:
        # FourierKAN (GistNoesis/FourierKAN): N(0, 1)/(√in·√G); smooth_initialization
        # replaces √G by k² (frequency k), it does not divide by both
        g = self.grid_size
        if self.smooth_init:
            scale = 1.0 / torch.arange(1, g + 1, dtype=torch.float64) ** 2
        else:
            scale = torch.full((g,), 1.0 / g ** 0.5, dtype=torch.float64)
        c = torch.randn(out_features, self.in_features, 2 * g, generator=generator, dtype=torch.float64)
        return c * torch.cat([scale, scale]) / self.in_features ** 0.5

    def domain(self, i: int) -> tuple[float, float]:
        return (-3.14159, 3.14159)


@register(
    "kan_fourier", kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=\sum_{k=1}^{G} a_{o,i,k}\cos(kx)+b_{o,i,k}\sin(kx)",
    reference=FOURIER_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, grid_size=P(1, None, doc="number of frequencies G", kind="int"),
                smooth_init=P(doc="divide initial coefficients by k² (smooth start)", kind="bool"),),
    positional=0,
)
class FourierKAN(KANLinear):
    """FourierKAN layer: each edge is a truncated Fourier series with G frequencies.

    Coefficients ~ N(0, 1)/(√in·√G), or N(0, 1)/(√in·k²) with smooth_init; output bias on by
    default (FourierKAN's addbias).  Source: GistNoesis/FourierKAN (2024, no
    paper).
    """

    def __init__(self, in_features: int, out_features: int, grid_size: int = 5, smooth_init: bool = False,
                 base_activation: str = "default", bias: Any = "default", lean: bool = True):
        super().__init__(in_features, out_features, basis="fourier", base_activation=base_activation,
                         bias=bias, lean=lean, grid_size=grid_size, smooth_init=smooth_init)
