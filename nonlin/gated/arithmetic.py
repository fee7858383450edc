r"""Neural arithmetic units: NAU (addition/subtraction) and NMU (multiplication).

"Neural Arithmetic Units", Andreas Madsen, Alexander Rosenberg Johansen,
ICLR 2020, arXiv 2001.05016.

    NAU:  z_j = Σ_i W_ij x_i,             W clamped to [−1, 1]
    NMU:  z_j = Π_i (W_ij x_i + 1 − W_ij),  W clamped to [0, 1]

Sparsity regulariser (both): mean over weights of min(|W|, 1 − |W|), pushing
weights to {−1, 0, 1} (NAU) or {0, 1} (NMU); add ``λ · unit.regularizer()`` to
the loss.  Initialisation: NAU W ~ U(−r, r), r = min(0.5, √3·√(2/(in+out)))
(Glorot variance); NMU W ~ U(1/4, 3/4) (E[W] = 1/2), as in the authors'
stable-nalu code.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..learnable._common import check_size, check_tensor
from ..registry import ref, register

NALU_REF = ref("Neural Arithmetic Units", "2001.05016", 2020, authors="Madsen, Johansen", venue="ICLR")


@register("nau", kind="gated", family="arithmetic", formula=r"z_j = \sum_i W_{ij} x_i,\ W \in [-1, 1]",
          reference=NALU_REF, properties=dict(elementwise=False, smooth="Cinf"), positional=2)
class NAU(nn.Module):
    """Neural Addition Unit: a linear map with weights clamped to [−1, 1] and a sparsity regulariser."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        check_size(in_features, "in_features", "nau")
        check_size(out_features, "out_features", "nau")
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        r = min(0.5, math.sqrt(3.0) * math.sqrt(2.0 / (in_features + out_features)))
        nn.init.uniform_(self.weight, -r, r)

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, "nau")
        return nn.functional.linear(x, self.weight.clamp(-1.0, 1.0))

    def regularizer(self) -> Tensor:
        w = self.weight.abs()
        return torch.minimum(w, 1 - w).mean()


@register("nmu", kind="gated", family="arithmetic", formula=r"z_j = \prod_i (W_{ij} x_i + 1 - W_{ij}),\ W \in [0, 1]",
          reference=NALU_REF, properties=dict(elementwise=False, smooth="Cinf"), positional=2)
class NMU(nn.Module):
    """Neural Multiplication Unit: product of the inputs selected by weights in [0, 1]."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        check_size(in_features, "in_features", "nmu")
        check_size(out_features, "out_features", "nmu")
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.uniform_(self.weight, 0.25, 0.75)

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, "nmu")
        w = self.weight.clamp(0.0, 1.0)
        return (w * x.unsqueeze(-2) + 1 - w).prod(-1)

    def regularizer(self) -> Tensor:
        w = self.weight.clamp(0.0, 1.0)
        return torch.minimum(w, 1 - w).mean()
