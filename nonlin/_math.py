"""Numerically stable building blocks shared by unit formulas.

Every helper is finite for every finite float32 input (no exp overflow), so
formulas built from them inherit that.  Where torch has a builtin that is
already stable (``F.softplus``, ``F.logsigmoid``) the helper calls it: a unit's
formula is also the "naive" speed baseline of ``nonlin perf``, which is what a
user would write with torch's own functions (one vectorised kernel, not four
eager passes).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

SQRT_2 = math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x) by ``F.softplus``: log1p(exp(x)) up to x = 20, x above (absolute error
    < 2.1e-9 there, below float32 rounding of x); never overflows."""
    return F.softplus(x)


def log_sigmoid(x: Tensor) -> Tensor:
    """log σ(x) = -softplus(-x) by ``F.logsigmoid`` (stable, exact in both tails)."""
    return F.logsigmoid(x)


_kernel_trace = False  # set by ElementwiseUnit.traced_ops: trace what a compiled kernel would run


def in_kernel() -> bool:
    """True while torch.compile traces (a nonlin kernel or the user's own region)."""
    return _kernel_trace or torch.compiler.is_compiling()


def sigmoid_prime(x: Tensor) -> Tensor:
    """σ'(x) = e^{−|x|}/(1 + e^{−|x|})²: one exp (σ(x)·σ(−x) costs two sigmoids in a compiled
    backward), relatively exact in both tails (σ(1 − σ) cancels to 0 for x > 17 in float32)."""
    e = torch.exp(-x.abs())
    return e / ((1.0 + e) * (1.0 + e))


def normal_cdf(x: Tensor) -> Tensor:
    """Φ(x), the standard normal CDF: ½·erfc(−x/√2) eagerly (relatively exact in the left tail).

    Compiled, it is ½(1 + erf(x/√2)), as torch's own ``special.ndtr`` decomposes:
    Inductor's CPU erfc is Sleef's (6.5x a copy of the tensor, erf 1.5x), and its
    vectorised float32 erf is itself a 1.5e-7-absolute approximation, so the
    compiled path is float32-accurate in absolute, not relative, terms there."""
    if in_kernel():
        return 0.5 * (1.0 + torch.erf(x * (1.0 / SQRT_2)))
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
