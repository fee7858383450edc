"""Numerically stable building blocks shared by unit formulas.

Every helper is finite for every finite float32 input (no exp overflow), so
formulas built from them inherit that.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

SQRT_2 = math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x) as max(x, 0) + log1p(exp(-|x|)): never overflows."""
    return torch.clamp_min(x, 0) + torch.log1p(torch.exp(-x.abs()))


def log_sigmoid(x: Tensor) -> Tensor:
    """log σ(x) = -softplus(-x), stable."""
    return torch.clamp_max(x, 0) - torch.log1p(torch.exp(-x.abs()))


def normal_cdf(x: Tensor) -> Tensor:
    """Φ(x), the standard normal CDF."""
    return 0.5 * torch.erfc(-x / SQRT_2)


def normal_pdf(x: Tensor) -> Tensor:
    """φ(x), the standard normal density."""
    return INV_SQRT_2PI * torch.exp(-0.5 * x * x)


def safe_exp(x: Tensor, limit: float = 80.0) -> Tensor:
    """exp(x) with the argument clamped above, for branches that `where` discards."""
    return torch.exp(torch.clamp_max(x, limit))


def expm1_neg(x: Tensor) -> Tensor:
    """exp(min(x,0)) - 1: the negative branch of ELU-type units without overflow."""
    return torch.expm1(torch.clamp_max(x, 0))
