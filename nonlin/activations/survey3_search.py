"""Fixed activations discovered by automated (evolutionary / RL) search.

Each unit here is a function that an activation-function *search* reported as
a result; the search paper itself is the primary source.  The best-known
results of that line of work are registered elsewhere: Swish (``swish``,
``self_gated.py``) and the other top functions of Ramachandran, Zoph & Le,
"Searching for Activation Functions", arXiv 1710.05941 (``max_x_sigmoid``,
``max_x_tanh``, ``min_x_sin``, ``cos_minus_x``, ``atan_squared_minus_x``,
``sinc_plus_x``, ``x_asinh_squared``), squared ReLU from Primer (``relu_squared``)
and ELiSH / HardELiSH from Basirat & Roth, arXiv 1808.00783 (``elish``,
``hard_elish``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ref

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# min over x of σ(x)·erf(x): at x ≈ −0.855403, value ≈ −0.2307698 (scipy.optimize, float64)
_SIGMOID_ERF_MIN = -0.23076976959231013


@activation(
    "sigmoid_erf", family="sigmoidal", formula=r"\sigma(x)\,\operatorname{erf}(x)",
    reference=ref("Evolutionary Optimization of Deep Learning Activation Functions", "2002.07224", 2020,
                  authors="Bingham, Macke, Miikkulainen", venue="GECCO 2020"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=_SIGMOID_ERF_MIN,
                    bounded_above=1.0),
)
def sigmoid_erf(x: Tensor) -> Tensor:
    """f(x) = σ(x)·erf(x), an activation found by evolutionary search (Bingham, Macke & Miikkulainen, 2020).

    The search composes unary operators (σ, erf, tanh, arctan, ...) with
    binary ones (+, ·, min, max) into trees and trains a wide residual
    network on CIFAR-10 per candidate; σ(x)·erf(x) is one of the evolved
    functions the paper reports (its overview figure). No parameters.

    Shape: 0 at 0, → 1 as x → +∞, → 0⁻ as x → −∞, with a single dip to
    ≈ −0.23077 at x ≈ −0.8554 (hence not monotonic).
    """
    return torch.sigmoid(x) * torch.erf(x)


@sigmoid_erf.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    # σ' = σ(x)σ(−x) (no 1 − σ cancellation); e^{−x²} underflows to 0, never NaN (x² = inf gives e^{−inf} = 0)
    return s * torch.sigmoid(-x) * torch.erf(x) + s * _TWO_OVER_SQRT_PI * torch.exp(-x * x)
