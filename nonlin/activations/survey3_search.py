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

from .._math import normal_cdf, normal_pdf
from ..elementwise import activation
from ..registry import P, ref

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
    functions the paper reports (its overview figure; the formula was checked
    against a summary of the paper, its results tables were not available
    here). No parameters.

    Shape: 0 at 0, → 1 as x → +∞, → 0⁻ as x → −∞, with a single dip to
    ≈ −0.23077 at x ≈ −0.8554 (hence not monotonic).
    """
    return torch.sigmoid(x) * torch.erf(x)


@sigmoid_erf.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    # σ' = σ(x)σ(−x) (no 1 − σ cancellation); e^{−x²} underflows to 0, never NaN (x² = inf gives e^{−inf} = 0)
    return s * torch.sigmoid(-x) * torch.erf(x) + s * _TWO_OVER_SQRT_PI * torch.exp(-x * x)


@activation(
    "crrelu", aliases=("correction_regularized_relu",), family="rectifiers",
    formula=r"\max(0, x) + \varepsilon\, x\, e^{-x^2/2}",
    reference=ref("Entropy-based Activation Function Optimization: A Method on Searching Better Activation Functions",
                  "2405.12954", 2024, authors="Sun, Wu, Xia, Chang, Dong, Yuan, Chang, Wang", venue="ICLR 2025"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.01 * math.exp(-0.5),
                    bounded_above=False),
    params=dict(eps=P(doc="weight ε of the correction term x·e^{-x²/2} (trainable in the paper, initialised to 0.01)")),
)
def crrelu(x: Tensor, eps: float = 0.01) -> Tensor:
    """CRReLU (Correction Regularized ReLU): f(x) = max(0, x) + ε·x·e^{−x²/2}.

    Sun et al. search for activations by following the Taylor expansion of an
    information-entropy functional away from the worst activation function
    (their EAFO method); starting from ReLU it yields the correction ε·x·e^{−x²/2}
    (x times the unnormalised standard normal density). ε is a learnable scalar
    initialised to 0.01 in the paper and its released code; this unit is CRReLU
    at that initial value, exposed as ``eps``.

    Its minimum at the default is −ε/√e ≈ −0.0060653 at x = −1 (for ε > 0).
    """
    return torch.relu(x) + eps * x * torch.exp(-0.5 * x * x)


@crrelu.derivative
def _(x: Tensor, eps: float) -> Tensor:
    # d/dx x·e^{−x²/2} = e^{−x²/2} − (x·e^{−x²/4})²: no inf·0 where x² overflows (e^{−x²/4} is then 0)
    q = x * torch.exp(-0.25 * x * x)
    step = (x > 0).to(x.dtype)
    return step + eps * (torch.exp(-0.5 * x * x) - q * q)


# min over x of GELU(x) + 0.1·sin(x): at x ≈ −0.917342, value ≈ −0.2440450 (scipy.optimize, float64)
_GELU_SINE_MIN = -0.2440449811352342


@activation(
    "gelu_sine", aliases=("gelusine",), family="periodic", formula=r"x\,\Phi(x) + \alpha \sin x",
    reference=ref("Mining Generalizable Activation Functions", "2602.05688", 2026,
                  authors="Vitvitskyi, Boratko, Grcic, Pascanu, Shah, Veličković"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=_GELU_SINE_MIN,
                    bounded_above=False),
    params=dict(alpha=P(doc="amplitude α of the sine term (0.1 as discovered; α = 0 is GELU)")),
)
def gelu_sine(x: Tensor, alpha: float = 0.1) -> Tensor:
    """GELUSine: f(x) = GELU(x) + α·sin(x), α = 0.1, found by LLM-driven evolutionary search (AlphaEvolve).

    Vitvitskyi et al. search over Python functions with out-of-distribution loss
    on small synthetic regression tasks as the fitness; GELUSine (GELU plus a
    small periodic perturbation) is one of the two functions they carry to the
    downstream benchmarks. GELU is the exact x·Φ(x). The amplitude 0.1 is the
    discovered value (the formula as quoted by several independent summaries
    and re-implementations of the paper; the paper's own text was not available
    here). The companion "GELU-Sinc-Perturbation" is not registered: its
    published form (additive or multiplicative sinc term) could not be confirmed.

    Its minimum at the default is ≈ −0.244045 at x ≈ −0.91734; as x → −∞ it
    oscillates in [−α, α] (no limit).
    """
    return x * normal_cdf(x) + alpha * torch.sin(x)


@gelu_sine.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return normal_cdf(x) + x * normal_pdf(x) + alpha * torch.cos(x)
