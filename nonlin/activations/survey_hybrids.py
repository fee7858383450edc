"""ReLU/ELU/SiLU hybrids and smooth-|x| units catalogued by the survey arXiv 2402.09092.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024.  Where we
could not check the original paper, the reference names the authors as the survey
does and says so; defaults come from the survey's account of the original unless
marked as nonlin's choice.  Bounds are float64 minima (scipy, ~1e-12 in x).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import softplus
from ..elementwise import activation
from ..registry import P, ref
from .._math import sigmoid_prime as _sigmoid_prime

_LN2 = math.log(2.0)
# min_x x·σ(x) = −W(1/e) (Lambert W), attained at x = −1 − W(1/e)
_SILU_MIN = -0.2784645427610738


def _survey(title: str, authors: str | None, venue: str = "original not checked"):
    """A unit whose original we could not check: its name and authors as the survey gives them."""
    return ref(title, None, None, authors=authors,
               venue=f"{venue}; as catalogued in 'Three Decades of Activations', arXiv 2402.09092")




# ------------------------------------------------------------------ ReLU + SiLU hybrids

@activation(
    "oaf", aliases=("optimal_activation_function",), family="self_gated",
    formula=r"\mathrm{ReLU}(x) + x\,\sigma(x)",
    reference=_survey("Optimal activation function (OAF)", None),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=_SILU_MIN,
                    bounded_above=False),
)
def oaf(x: Tensor) -> Tensor:
    """OAF: f(x) = ReLU(x) + x·σ(x), the sum of ReLU and SiLU (slope 2 far right)."""
    return torch.clamp_min(x, 0) + x * torch.sigmoid(x)


@oaf.derivative
def _(x: Tensor) -> Tensor:
    return (x > 0).to(x.dtype) + torch.sigmoid(x) + x * _sigmoid_prime(x)


@activation(
    "sara", family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ \dfrac{x}{1 + a e^{-b x}} & x < 0\end{cases}",
    reference=_survey("Swish and ReLU activation (SaRa)", "Qureshi, Sarosh Umar",
                      "the survey reconstructs a malformed formula"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.6615078762364984,
                    bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="scale a of the exponential"),
                b=P(0.0, None, open_low=True, doc="rate b of the exponential")),
)
def sara(x: Tensor, a: float = 0.5, b: float = 0.7) -> Tensor:
    """SaRa: identity for x >= 0, x/(1 + a·e^{−bx}) below (a = 0.5, b = 0.7 as the authors recommend).

    The negative branch equals x·σ(bx − ln a), a shifted swish, which is how
    it is computed (no overflow of e^{−bx}).
    """
    return torch.where(x >= 0, x, x * torch.sigmoid(b * x - math.log(a)))


@sara.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    u = b * x - math.log(a)
    return torch.where(x >= 0, torch.ones_like(x), torch.sigmoid(u) + x * b * _sigmoid_prime(u))


@activation(
    "eanaf", family="self_gated",
    formula=r"x\tanh\!\left(\tfrac12\ln(1 + e^{x})\right) = \frac{x\,e^{x}}{e^{x} + 2}",
    reference=_survey("Efficient asymmetric nonlinear activation function (EANAF)", "Chai et al."),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.15718495148381403,
                    bounded_above=False),
)
def eanaf(x: Tensor) -> Tensor:
    """EANAF: f(x) = x·tanh(softplus(x)/2) = x·e^x/(e^x + 2) = x·σ(x − ln 2).

    Computed in the last form, which never overflows.
    """
    return x * torch.sigmoid(x - _LN2)


@eanaf.derivative
def _(x: Tensor) -> Tensor:
    u = x - _LN2
    return torch.sigmoid(u) + x * _sigmoid_prime(u)


@activation(
    "tsilu", aliases=("tanh_silu",), family="self_gated", formula=r"\tanh\bigl(x\,\sigma(x)\bigr)",
    reference=_survey("Hyperbolic tangent sigmoid-weighted linear unit (TSiLU)", None,
                      "the survey corrects the original's formula to this form"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=math.tanh(_SILU_MIN),
                    bounded_above=1.0),
)
def tsilu(x: Tensor) -> Tensor:
    """TSiLU: f(x) = tanh(x·σ(x)), SiLU squashed into (tanh(−0.27846), 1)."""
    return torch.tanh(x * torch.sigmoid(x))


@tsilu.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x * torch.sigmoid(x))
    return (1.0 - t * t) * (torch.sigmoid(x) + x * _sigmoid_prime(x))


@activation(
    "tbsrelu", aliases=("tangent_bipolar_sigmoid_relu",), family="self_gated",
    formula=r"x\tanh\!\left(\frac{1 - e^{-x}}{1 + e^{-x}}\right) = x\tanh(\tanh(x/2))",
    reference=_survey("Tangent-bipolar-sigmoid ReLU (TBSReLU)", None),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
)
def tbsrelu(x: Tensor) -> Tensor:
    """TBSReLU: x·tanh(b(x)) with the bipolar sigmoid b(x) = (1 − e^{−x})/(1 + e^{−x}) = tanh(x/2).

    The TSReLU variant with the bipolar sigmoid; as x·(odd function) it is even
    and non-negative, tending to tanh(1)·|x|.
    """
    return x * torch.tanh(torch.tanh(0.5 * x))


@tbsrelu.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(0.5 * x)
    tt = torch.tanh(t)
    return tt + x * (1.0 - tt * tt) * 0.5 * (1.0 - t * t)


@activation(
    "self_arctan", aliases=("x_arctan",), family="self_gated", formula=r"x\arctan(x)",
    reference=_survey("Self arctan", None),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
)
def self_arctan(x: Tensor) -> Tensor:
    """Self arctan: f(x) = x·arctan(x), even and non-negative, tending to (π/2)|x| − 1."""
    return x * torch.atan(x)


@self_arctan.derivative
def _(x: Tensor) -> Tensor:
    return torch.atan(x) + x / (1.0 + x * x)


# ------------------------------------------------------------------ softplus / smooth |x|

@activation(
    "resp", aliases=("rectified_softplus",), family="smooth_rectifiers",
    formula=r"\begin{cases} a x + \ln 2 & x \ge 0\\ \ln(1 + e^{x}) & x < 0\end{cases}",
    reference=_survey("Rectified softplus (ReSP)", None),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="slope a of the positive part")),
)
def resp(x: Tensor, a: float = 1.7) -> Tensor:
    """Rectified softplus: softplus for x < 0, the line ax + ln 2 for x >= 0 (continuous at 0).

    The survey reports slopes a between 1.4 and 2.0 working well; a = 1.7 (the
    middle of that range) is nonlin's choice.
    """
    return torch.where(x >= 0, a * x + _LN2, softplus(x))


@resp.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x >= 0, torch.full_like(x, a), torch.sigmoid(x))


@activation(
    "eplaf", aliases=("even_power_linear", "evenpowlin"), family="smooth_rectifiers",
    formula=r"\begin{cases} |x| - (1 - \tfrac1d) & |x| \ge 1\\ \tfrac1d |x|^{d} & |x| < 1\end{cases}",
    reference=_survey("Even power linear activation function (EPLAF, 'EvenPowLin')", "Nasiri, Ghiasi-Shirazi"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
    params=dict(d=P(1.0, None, open_low=True, doc="power d of the inner piece")),
)
def eplaf(x: Tensor, d: float = 2.0) -> Tensor:
    """EPLAF: |x|^d/d inside [−1, 1], |x| − (1 − 1/d) outside; a C¹ smoothing of |x|.

    d = 2 (the case the authors evaluate) is the Huber function.
    """
    a = x.abs()
    return torch.where(a < 1, torch.pow(a, d) / d, a - (1.0 - 1.0 / d))


@eplaf.derivative
def _(x: Tensor, d: float) -> Tensor:
    a = x.abs()
    return torch.sign(x) * torch.where(a < 1, torch.pow(a, d - 1.0), torch.ones_like(a))


@activation(
    "sqrt_act", aliases=("signed_sqrt",), family="sigmoidal",
    formula=r"\operatorname{sign}(x)\sqrt{|x|}",
    reference=_survey("Square-root-based activation function (SQRT)", None),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def sqrt_act(x: Tensor) -> Tensor:
    """SQRT: f(x) = √x for x >= 0, −√(−x) below; odd, unbounded, infinitely steep at 0.

    The derivative 1/(2√|x|) is +inf at exactly x = 0.
    """
    return torch.sign(x) * torch.sqrt(x.abs())


@sqrt_act.derivative
def _(x: Tensor) -> Tensor:
    return 0.5 * torch.rsqrt(x.abs())
