"""Rectifier, sigmoidal, radial and Richards-type units catalogued by the survey arXiv 2402.09092.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024.  Each unit
keeps the ``family`` of its nearest relatives in nonlin (rectifiers, sigmoidal,
radial, self_gated) so ``nonlin list`` groups it with them; this file only
collects the additions.  Primary papers are cited where we know them; otherwise
the reference says the attribution is the survey's.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import SQRT_2, log_sigmoid, softplus
from ..elementwise import activation
from ..registry import P, ref


def _survey(title: str, year: int | None, authors: str | None, venue: str):
    """A primary source that is not on arXiv (or that we could not check), plus where it is catalogued."""
    return ref(title, None, year, authors=authors,
               venue=f"{venue}; catalogued in 'Three Decades of Activations', arXiv 2402.09092")


# ------------------------------------------------------------------ rectifier relatives

@activation(
    "sine_relu", aliases=("sinerelu",), family="rectifiers",
    formula=r"\begin{cases} x & x > 0\\ \varepsilon(\sin x - \cos x) & x \le 0\end{cases}",
    reference=_survey("SineReLU -- An Alternative to the ReLU Activation Function", 2018, "Rodrigues",
                      "blog post (Medium) and keras-contrib's SineReLU layer"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=-0.003535533905932738,
                    bounded_above=False),
    params=dict(epsilon=P(0.0, None, doc="amplitude ε of the oscillation for x <= 0")),
)
def sine_relu(x: Tensor, epsilon: float = 0.0025) -> Tensor:
    """SineReLU: x for x > 0, ε(sin x − cos x) for x <= 0 (ε = 0.0025).

    ε = 0.0025 is the default of the author's keras-contrib layer.  Note the
    jump of size ε at 0 (f(0) = −ε): the function is not continuous there;
    the gradient is the derivative of each branch.
    """
    return torch.where(x > 0, x, epsilon * (torch.sin(x) - torch.cos(x)))


@sine_relu.derivative
def _(x: Tensor, epsilon: float) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), epsilon * (torch.cos(x) + torch.sin(x)))


@activation(
    "alrelu", aliases=("absolute_leaky_relu", "abslu"), family="rectifiers",
    formula=r"\begin{cases} x & x > 0\\ |\alpha x| & x \le 0\end{cases}",
    reference=ref("ALReLU: A different approach on Leaky ReLU activation function to improve Neural Networks "
                  "Performance", "2012.07564", 2020, authors="Mastromichalakis"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    piecewise_linear=True),
    params=dict(alpha=P(0.0, None, doc="slope magnitude α of the reflected negative part")),
)
def alrelu(x: Tensor, alpha: float = 0.01) -> Tensor:
    """Absolute leaky ReLU: x for x > 0, |αx| for x <= 0 (α = 0.01, as in leaky ReLU)."""
    return torch.where(x > 0, x, (alpha * x).abs())


@alrelu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return torch.where(x > 0, 1.0, -abs(alpha)).to(x.dtype)


@activation(
    "polu", aliases=("power_linear_unit", "polylu", "fplus", "dlu"), family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ (1 - x)^{-n} - 1 & x < 0\end{cases}",
    reference=ref("Training Neural Networks by Using Power Linear Units (PoLUs)", "1802.00212", 2018,
                  authors="Li, Ding, Li"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=-1.0, bounded_above=False),
    params=dict(n=P(0.0, None, open_low=True, doc="power n of the negative branch")),
)
def polu(x: Tensor, n: float = 1.0) -> Tensor:
    """Power linear unit: x for x >= 0, (1 − x)^{−n} − 1 below, saturating at −1 like ELU.

    Li, Ding & Li (arXiv 1802.00212) study several n; n = 1 (nonlin's default)
    makes the slope continuous at 0 (C¹) and the negative branch x/(1 − x).
    That n = 1 function was proposed again as PolyLU (Feng & Yang), FPLUS
    (Duan, Yang & Dai) and DLU (SignReLU with a = 1), hence the aliases.
    """
    xn = torch.clamp_max(x, 0)
    return torch.where(x >= 0, x, torch.pow(1.0 - xn, -n) - 1.0)


@polu.derivative
def _(x: Tensor, n: float) -> Tensor:
    xn = torch.clamp_max(x, 0)
    return torch.where(x >= 0, torch.ones_like(x), n * torch.pow(1.0 - xn, -n - 1.0))


@activation(
    "thlu", aliases=("tanh_linear_unit",), family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ \tanh(x/2) & x < 0\end{cases}",
    reference=_survey("ThLU (tanh-based linear unit)", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=-1.0, bounded_above=False),
)
def thlu(x: Tensor) -> Tensor:
    """ThLU: identity for x >= 0, tanh(x/2) below (slope 1/2 at 0⁻, saturating at −1)."""
    return torch.where(x >= 0, x, torch.tanh(0.5 * x))


@thlu.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(0.5 * x)
    return torch.where(x >= 0, torch.ones_like(x), 0.5 * (1.0 - t * t))


@activation(
    "soft_modulus_q", aliases=("softmodulusq",), family="rectifiers",
    formula=r"\begin{cases} x^2(2 - |x|) & |x| \le 1\\ |x| & |x| > 1\end{cases}",
    reference=_survey("SoftModulusQ", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
)
def soft_modulus_q(x: Tensor) -> Tensor:
    """SoftModulusQ: |x| with the kink replaced by the cubic x²(2 − |x|) on [−1, 1] (C¹)."""
    a = x.abs()
    return torch.where(a <= 1, x * x * (2.0 - a), a)


@soft_modulus_q.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    return torch.where(a <= 1, 4.0 * x - 3.0 * x * a, torch.sign(x))


# ------------------------------------------------------------------ sigmoidal

_MEGA_MU = math.sqrt(0.5)
_MEGA_SIGMA = math.sqrt(1.0 / (4.0 * math.pi))


@activation(
    "laplace_attention", aliases=("mega_laplace",), family="sigmoidal",
    formula=r"\tfrac12\left(1 + \mathrm{erf}\!\left(\frac{x - \mu}{\sigma\sqrt2}\right)\right),"
            r"\quad \mu = \sqrt{1/2},\ \sigma = \sqrt{1/(4\pi)}",
    reference=ref("Mega: Moving Average Equipped Gated Attention", "2209.10655", 2023,
                  authors="Ma, Zhou, Kong, He, Gui, Neubig, May, Zettlemoyer", venue="ICLR"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(mu=P(doc="centre μ"), sigma=P(0.0, None, open_low=True, doc="width σ")),
)
def laplace_attention(x: Tensor, mu: float = _MEGA_MU, sigma: float = _MEGA_SIGMA) -> Tensor:
    """Mega's Laplace attention function: Φ((x − μ)/σ), μ = √(1/2), σ = √(1/(4π)).

    Mega (arXiv 2209.10655) uses it instead of softmax or ReLU² on attention
    scores; μ and σ are chosen so it approximates ReLU²'s values near 0 while
    staying bounded in [0, 1].
    """
    return 0.5 * torch.erfc(-(x - mu) / (sigma * SQRT_2))


@laplace_attention.derivative
def _(x: Tensor, mu: float, sigma: float) -> Tensor:
    z = (x - mu) / sigma
    return torch.exp(-0.5 * z * z) / (sigma * math.sqrt(2.0 * math.pi))


# ------------------------------------------------------------------ radial

@activation(
    "sq_rbf", aliases=("sqrbf", "square_rbf"), family="radial",
    formula=r"\begin{cases} 1 - x^2/2 & |x| \le 1\\ (2 - |x|)^2/2 & 1 < |x| < 2\\ 0 & |x| \ge 2\end{cases}",
    reference=_survey("Computationally Efficient Radial Basis Function", 2018, "Wuraola, Patel",
                      "ICONIP 2018, LNCS 11302"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def sq_rbf(x: Tensor) -> Tensor:
    """SQ-RBF: a piecewise-quadratic bump approximating the Gaussian, exactly 0 for |x| >= 2."""
    a = x.abs()
    outer = torch.clamp_min(2.0 - a, 0)
    return torch.where(a <= 1, 1.0 - 0.5 * x * x, 0.5 * outer * outer)


@sq_rbf.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    return torch.where(a <= 1, -x, -torch.sign(x) * torch.clamp_min(2.0 - a, 0))


# ------------------------------------------------------------------ Richards / Mish relatives

@activation(
    "aria2", aliases=("aria_2",), family="self_gated", formula=r"x\,(1 + e^{-\beta x})^{-\alpha}",
    reference=ref("ARiA: Utilizing Richard's Curve for Controlling the Non-monotonicity of the Activation "
                  "Function in Deep Neural Nets", "1805.08878", 2018,
                  authors="Patwardhan, Ingalhalikar, Walambe"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.06997764131970143,
                    bounded_above=False),
    params=dict(alpha=P(0.0, None, open_low=True, doc="exponent α of the Richards curve"),
                beta=P(0.0, None, open_low=True, doc="rate β of the Richards curve")),
)
def aria2(x: Tensor, alpha: float = 1.5, beta: float = 2.0) -> Tensor:
    """ARiA2: f(x) = x·σ(βx)^α, x gated by a Richards curve.

    Patwardhan et al. (arXiv 1805.08878).  α = 1.5, β = 2 gave the authors'
    best MNIST accuracy (as the survey arXiv 2402.09092 reports; their best
    DenseNet setting was α = 1.75, β = 1).
    """
    return x * torch.exp(alpha * log_sigmoid(beta * x))


@aria2.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    g = torch.exp(alpha * log_sigmoid(beta * x))
    # g·(1 + αβ·x·σ(−βx)) = g + αβ·σ(−βx)·(x·g): x·g is the (finite) value, so no αβ·x overflow meets a 0
    return g + (alpha * beta) * (torch.sigmoid(-beta * x) * (x * g))


@activation(
    "beta_mish", aliases=("bmish",), family="self_gated", formula=r"x\tanh\bigl(\beta\ln(1 + e^{x})\bigr)",
    reference=_survey("β-Mish", 2019, "Misra", "Echo activation zoo (no paper)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.45110286360447205,
                    bounded_above=False),
    params=dict(beta=P(0.0, None, open_low=True, doc="power β inside the logarithm (β = 1 is Mish)")),
)
def beta_mish(x: Tensor, beta: float = 1.5) -> Tensor:
    """β-Mish: f(x) = x·tanh(ln((1 + e^x)^β)) = x·tanh(β·softplus(x)); β = 1 is Mish."""
    return x * torch.tanh(beta * softplus(x))


@beta_mish.derivative
def _(x: Tensor, beta: float) -> Tensor:
    t = torch.tanh(beta * softplus(x))
    # x·σ(x) first: it is finite (→ 0 as x → −∞), where β·x alone overflows and would meet σ(x) = 0
    return t + beta * (1.0 - t * t) * (x * torch.sigmoid(x))
