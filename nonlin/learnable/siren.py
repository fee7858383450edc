r"""SIREN layer: a linear map followed by sin(ω₀ ·).

"Implicit Neural Representations with Periodic Activation Functions",
Sitzmann, Martel, Bergman, Lindell, Wetzstein, NeurIPS 2020, arXiv 2006.09661.

    φ(x) = sin(ω₀ (W x + b)),   ω₀ = 30

Initialisation (n = fan-in): first layer W ~ U(−1/n, 1/n); hidden layers
W ~ U(−√(6/n)/ω₀, √(6/n)/ω₀), so that ω₀ W x has the variance the paper's
analysis needs.  Biases keep the ``nn.Linear`` default U(−1/√n, 1/√n).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import check_tensor


@register(
    "siren", kind="learnable", family="periodic",
    formula=r"\sin\!\big(\omega_0 (W x + b)\big)",
    reference=ref("Implicit Neural Representations with Periodic Activation Functions", "2006.09661", 2020,
                  authors="Sitzmann, Martel, Bergman, Lindell, Wetzstein", venue="NeurIPS"),
    properties=dict(elementwise=False, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0),
    params=dict(bias=P(kind="bool", doc="learn a bias b"),
                is_first=P(kind="bool", doc="first layer: W ~ U(-1/n, 1/n) instead of the hidden-layer scheme"),
                omega_0=P(0.0, None, open_low=True, doc="frequency factor ω₀ (30 in the paper)")),
    positional=2,
)
class Siren(nn.Module):
    """SIREN layer (in_features → out_features): sin(ω₀ (W x + b)) with the paper's initialisation."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, is_first: bool = False,
                 omega_0: float = 30.0, dtype: torch.dtype | None = None, device=None):
        super().__init__()
        for nm, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"'{nm}' of 'siren' must be a positive integer; got {v!r}")
        if isinstance(omega_0, bool) or not isinstance(omega_0, (int, float)) or omega_0 <= 0:
            raise ParameterError(f"parameter 'omega_0' of 'siren' must be > 0; got {omega_0!r}")
        self.in_features, self.out_features = in_features, out_features
        self.is_first, self.omega_0 = is_first, float(omega_0)
        self.linear = nn.Linear(in_features, out_features, bias=bias, dtype=dtype, device=device)
        with torch.no_grad():
            bound = 1.0 / in_features if is_first else math.sqrt(6.0 / in_features) / self.omega_0
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, "siren")
        return torch.sin(self.omega_0 * self.linear(x))

    def extra_repr(self) -> str:
        return f"is_first={self.is_first}, omega_0={self.omega_0}"
