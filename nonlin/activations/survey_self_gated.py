"""Self-gated units x·g(x) catalogued in the survey arXiv 2402.09092 and not elsewhere in nonlin.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024.  Each unit
cites its primary paper where we know it; where the original is not on arXiv or
we could not check it, the reference says so and points to the survey.

Bounds in ``properties`` are the exact infima/suprema at the default parameters,
minimised numerically in float64 (scipy, ~1e-14) and quoted in full.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import SQRT_2, softplus
from ..elementwise import activation
from ..registry import P, ref
from .._math import sigmoid_prime as _sigmoid_prime

FAMILY = "self_gated"
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_HALF_PI = 0.5 * math.pi
# exp() arguments are clamped here: beyond it the gates below are exactly saturated in float64
_EXP_CAP = 80.0


def _survey(title: str, year: int | None, authors: str | None, venue: str):
    """A primary source that is not on arXiv (or that we could not check), plus where it is catalogued."""
    return ref(title, None, year, authors=authors,
               venue=f"{venue}; catalogued in 'Three Decades of Activations', arXiv 2402.09092")




_TANHSOFT_REF = ref("TanhSoft -- a family of activation functions combining Tanh and Softplus", "2009.03863", 2020,
                    authors="Biswas, Kumar, Banerjee, Pandey")
_ERFACT_REF = ref("ErfAct and Pserf: Non-monotonic Smooth Trainable Activation Functions", "2109.04386", 2022,
                  authors="Biswas, Kumar, Banerjee, Pandey", venue="AAAI")


# ------------------------------------------------------------------ dSiLU

@activation(
    "dsilu", aliases=("derivative_silu",), family=FAMILY,
    formula=r"\sigma(x)\bigl(1 + x(1 - \sigma(x))\bigr) = \tfrac{d}{dx}\,x\sigma(x)",
    reference=ref("Sigmoid-Weighted Linear Units for Neural Network Function Approximation in Reinforcement "
                  "Learning", "1702.03118", 2018, authors="Elfwing, Uchibe, Doya", venue="Neural Networks 107"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.09983932012886695,
                    bounded_above=1.099839320128867),
)
def dsilu(x: Tensor) -> Tensor:
    """dSiLU: the derivative of SiLU, f(x) = σ(x)(1 + x(1 − σ(x))).

    Elfwing, Uchibe & Doya (arXiv 1702.03118) propose it beside SiLU as a
    sigmoid-like unit; its extrema ≈ −0.0998 and ≈ 1.0998 sit at x ≈ ∓2.3994.
    """
    return torch.sigmoid(x) + x * _sigmoid_prime(x)


@dsilu.derivative
def _(x: Tensor) -> Tensor:
    # d/dx [σ + xσσ(−x)] = σ'(2 + x(1 − 2σ))
    return _sigmoid_prime(x) * (2.0 + x * torch.tanh(-0.5 * x))


# ------------------------------------------------------------------ TanhSoft

@activation(
    "tanhsoft1", aliases=("tanhsoft_1",), family=FAMILY, formula=r"\tanh(\alpha x)\ln(1 + e^{x})",
    reference=_TANHSOFT_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.2237848745964216,
                    bounded_above=False),
    params=dict(alpha=P(0.0, None, open_low=True, doc="input scale α of the tanh gate")),
)
def tanhsoft1(x: Tensor, alpha: float = 0.87) -> Tensor:
    """TanhSoft-1: f(x) = tanh(αx)·ln(1 + e^x), α = 0.87.

    The TanhSoft family tanh(αx + βe^{γx})·ln(δ + e^x) (Biswas et al., arXiv
    2009.03863) with β = 0, δ = 1.  α = 0.87 is the paper's headline value
    (CIFAR-100, DenseNet-169 and SimpleNet).
    """
    return torch.tanh(alpha * x) * softplus(x)


@tanhsoft1.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    t = torch.tanh(alpha * x)
    return alpha * (1.0 - t * t) * softplus(x) + t * torch.sigmoid(x)


@activation(
    "tanhsoft2", aliases=("tanhsoft_2",), family=FAMILY, formula=r"x\tanh(\beta e^{\gamma x})",
    reference=_TANHSOFT_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.21731675261639502,
                    bounded_above=False),
    params=dict(beta=P(0.0, None, open_low=True, doc="scale β of the exponential inside tanh"),
                gamma=P(0.0, None, open_low=True, doc="rate γ of the exponential inside tanh")),
)
def tanhsoft2(x: Tensor, beta: float = 0.6, gamma: float = 1.0) -> Tensor:
    """TanhSoft-2: f(x) = x·tanh(β·e^{γx}), β = 0.6, γ = 1.

    The TanhSoft family (arXiv 2009.03863) with α = 0, δ = 0 written as a
    self-gate; x·tanh(0.6·e^x) is the paper's headline CIFAR-10 unit.
    """
    return x * torch.tanh(beta * torch.exp(torch.clamp_max(gamma * x, _EXP_CAP)))


@tanhsoft2.derivative
def _(x: Tensor, beta: float, gamma: float) -> Tensor:
    u = beta * torch.exp(torch.clamp_max(gamma * x, _EXP_CAP))
    t = torch.tanh(u)
    return t + x * gamma * (u * (1.0 - t * t))  # u·sech²u first: u alone can overflow x·u


# ------------------------------------------------------------------ erf gates

@activation(
    "erfact", family=FAMILY, formula=r"x\,\mathrm{erf}(\alpha e^{\beta x})", reference=_ERFACT_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.4052808451734581,
                    bounded_above=False),
    params=dict(alpha=P(0.0, None, open_low=True, doc="scale α of the exponential inside erf"),
                beta=P(0.0, None, open_low=True, doc="rate β of the exponential inside erf")),
)
def erfact(x: Tensor, alpha: float = 0.75, beta: float = 0.75) -> Tensor:
    """ErfAct: f(x) = x·erf(α·e^{βx}).

    Biswas et al., arXiv 2109.04386 (the companion of Pserf).  α and β are
    trainable in the paper; the fixed values α = β = 0.75 here are nonlin's
    choice (not checked against the paper's tables).
    """
    return x * torch.erf(alpha * torch.exp(torch.clamp_max(beta * x, _EXP_CAP)))


@erfact.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    u = alpha * torch.exp(torch.clamp_max(beta * x, _EXP_CAP))
    return torch.erf(u) + x * (_TWO_OVER_SQRT_PI * beta) * (u * torch.exp(-u * u))


@activation(
    "sgelu", family=FAMILY, formula=r"\alpha\,x\,\mathrm{erf}(x/\sqrt2)",
    reference=ref("Symmetrical Gaussian Error Linear Units (SGELUs)", "1911.03925", 2019, authors="Yu, Su"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="output scale α")),
)
def sgelu(x: Tensor, alpha: float = 0.1) -> Tensor:
    """Symmetrical GELU: f(x) = α·x·erf(x/√2), an even function (a two-to-one map).

    Yu & Su, arXiv 1911.03925; the default α = 0.1 is the value of their MNIST
    experiments.  Listed among the GELU relatives of the Dubey et al. survey
    (arXiv 2109.14545).
    """
    return alpha * x * torch.erf(x / SQRT_2)


@sgelu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return alpha * (torch.erf(x / SQRT_2) + x * _SQRT_2_OVER_PI * torch.exp(-0.5 * x * x))


@activation(
    "lalu", aliases=("laplace_linear_unit",), family=FAMILY,
    formula=r"x\,F_{\mathrm{Laplace}}(x) = \begin{cases} x\,(1 - \tfrac12 e^{-x}) & x \ge 0\\ "
            r"\tfrac12\,x e^{x} & x < 0\end{cases}",
    reference=_survey("Laplace linear unit (LaLU), Section on GELU relatives", 2024, "Kunc, Kléma",
                      "primary source as cited by the survey; also in Dubey et al., arXiv 2109.14545"),
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=True, bounded_below=-0.5 / math.e,
                    bounded_above=False),
)
def lalu(x: Tensor) -> Tensor:
    """Laplace linear unit: f(x) = x·F(x), F the CDF of the standard Laplace distribution.

    The GELU/SiLU construction with the Laplace CDF; its minimum −1/(2e) is at
    x = −1.  C² at 0 (the third derivative jumps).
    """
    e = torch.exp(-x.abs())
    return x * torch.where(x >= 0, 1.0 - 0.5 * e, 0.5 * e)


@lalu.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1.0 - 0.5 * e + 0.5 * x * e, 0.5 * e * (1.0 + x))


# ------------------------------------------------------------------ other gates

@activation(
    "resech", aliases=("rectified_hyperbolic_secant", "x_sech"), family=FAMILY,
    formula=r"x\,\operatorname{sech}(x)",
    reference=_survey("A novel activation function for multilayer feed-forward neural networks", 2016,
                      "Njikam, Zhao", "Applied Intelligence 45"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.6627434193491816,
                    bounded_above=0.6627434193491816, odd=True),
)
def resech(x: Tensor) -> Tensor:
    """Rectified hyperbolic secant: f(x) = x·sech(x), odd, extrema ±0.66274 at x = ±1.19968.

    Attribution (Njikam & Zhao 2016) follows the survey arXiv 2402.09092.
    """
    return x * _sech(x)


def _sech(x: Tensor) -> Tensor:
    e = torch.exp(-x.abs())
    return 2.0 * e / (1.0 + e * e)


@resech.derivative
def _(x: Tensor) -> Tensor:
    return _sech(x) * (1.0 - x * torch.tanh(x))


@activation(
    "tsrelu", aliases=("tangent_sigmoid_relu",), family=FAMILY, formula=r"x\tanh(\sigma(x))",
    reference=_survey("Tangent-sigmoid ReLU (TSReLU)", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.2742428781668622,
                    bounded_above=False),
)
def tsrelu(x: Tensor) -> Tensor:
    """Tangent-sigmoid ReLU: f(x) = x·tanh(σ(x)); tends to tanh(1)·x for large x."""
    return x * torch.tanh(torch.sigmoid(x))


@tsrelu.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(torch.sigmoid(x))
    return t + x * (1.0 - t * t) * _sigmoid_prime(x)


@activation(
    "asilu", aliases=("arctan_silu",), family=FAMILY, formula=r"\arctan(x\,\sigma(x))",
    reference=_survey("Arctan SiLU (ASiLU)", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.2715843071406489,
                    bounded_above=_HALF_PI),
)
def asilu(x: Tensor) -> Tensor:
    """ASiLU: f(x) = arctan(x·σ(x)), SiLU squashed into (−0.2716, π/2)."""
    return torch.atan(x * torch.sigmoid(x))


@asilu.derivative
def _(x: Tensor) -> Tensor:
    s = x * torch.sigmoid(x)
    return (torch.sigmoid(x) + x * _sigmoid_prime(x)) / (1.0 + s * s)


@activation(
    "loglogish", family=FAMILY, formula=r"x\,(1 - e^{-e^{x}})",
    reference=_survey("LogLogish", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.3121825160865163,
                    bounded_above=False),
)
def loglogish(x: Tensor) -> Tensor:
    """LogLogish: f(x) = x·(1 − e^{−e^x}), x gated by the complementary log-log CDF."""
    return -x * torch.expm1(-torch.exp(torch.clamp_max(x, _EXP_CAP)))


@loglogish.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(torch.clamp_max(x, _EXP_CAP))
    # x·e^x·e^{−e^x} = x·exp(x − e^x): one exponential, no inf·0
    return -torch.expm1(-e) + x * torch.exp(torch.clamp_max(x, _EXP_CAP) - e)


@activation(
    "sinsig", family=FAMILY, formula=r"x\sin\!\left(\tfrac{\pi}{2}\sigma(x)\right)",
    reference=_survey("SinSig", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.42917763205054665,
                    bounded_above=False),
)
def sinsig(x: Tensor) -> Tensor:
    """SinSig: f(x) = x·sin(π/2·σ(x)); the gate runs from 0 to 1 like a sigmoid."""
    return x * torch.sin(_HALF_PI * torch.sigmoid(x))


@sinsig.derivative
def _(x: Tensor) -> Tensor:
    a = _HALF_PI * torch.sigmoid(x)
    # x·σ'(x) first: finite (→ 0 as |x| → ∞), where x·π/2 alone overflows and would meet σ'(x) = 0
    return torch.sin(a) + _HALF_PI * torch.cos(a) * (x * _sigmoid_prime(x))


@activation(
    "double_silu", aliases=("silu_of_silu_gate",), family=FAMILY, formula=r"x\,\sigma\bigl(x\,\sigma(x)\bigr)",
    reference=_survey("Double SiLU", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def double_silu(x: Tensor) -> Tensor:
    """Double SiLU: f(x) = x·σ(x·σ(x)); slope 1/2 far left, 1 far right, monotonic."""
    return x * torch.sigmoid(x * torch.sigmoid(x))


@double_silu.derivative
def _(x: Tensor) -> Tensor:
    s = x * torch.sigmoid(x)
    ds = torch.sigmoid(x) + x * _sigmoid_prime(x)
    return torch.sigmoid(s) + x * _sigmoid_prime(s) * ds


@activation(
    "generalized_swish", family=FAMILY, formula=r"x\,\sigma(e^{-x})",
    reference=_survey("Generalized Swish", None, None, "primary source as cited by the survey"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def generalized_swish(x: Tensor) -> Tensor:
    """Generalized Swish: f(x) = x·σ(e^{−x}); slope 1 far left, 1/2 far right, monotonic."""
    return x * torch.sigmoid(torch.exp(torch.clamp_max(-x, _EXP_CAP)))


@generalized_swish.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(torch.clamp_max(-x, _EXP_CAP))
    return torch.sigmoid(e) - x * (e * _sigmoid_prime(e))  # e·σ'(e) first: x·e can overflow
