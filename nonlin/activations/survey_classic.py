"""Softplus, logarithm/exponential and hyperbolic-function units catalogued by the survey arXiv 2402.09092.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024 (its
sections on softplus variants, the logarithmic activation / symexp, and the
sinh/arcsinh-based units).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import softplus
from ..elementwise import activation
from ..registry import P, ref

_LN2 = math.log(2.0)


@activation(
    "symexp", family="sigmoidal", formula=r"\operatorname{sign}(x)\,(e^{|x|} - 1)",
    reference=ref("Mastering Diverse Domains through World Models", "2301.04104", 2023,
                  authors="Hafner, Pasukonis, Ba, Lillicrap"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def symexp(x: Tensor) -> Tensor:
    """Symmetric exponential: f(x) = sign(x)·(e^{|x|} − 1), the inverse of symlog (DreamerV3).

    Overflows to ±inf only where the true value exceeds the dtype's range.
    """
    return torch.sign(x) * torch.expm1(x.abs())


@symexp.derivative
def _(x: Tensor) -> Tensor:
    return torch.exp(x.abs())


@activation(
    "soft_plus_plus", aliases=("softpp",), family="smooth_rectifiers",
    formula=r"\ln(1 + e^{kx}) + \frac{x}{c} - \ln 2",
    reference=ref("Soft++, a multi-parametric non-saturating non-linearity that improves convergence in deep "
                  "neural architectures", None, 2020, authors="Ciuparu, Nagy-Dăbâcan, Mureșan",
                  venue="Neurocomputing 384"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(k=P(0.0, None, open_low=True, doc="input scale k of the softplus"),
                c=P(0.0, None, open_low=True, doc="the linear term is x/c")),
)
def soft_plus_plus(x: Tensor, k: float = 1.0, c: float = 2.0) -> Tensor:
    """Soft++: f(x) = ln(1 + e^{kx}) + x/c − ln 2, a softplus with a linear leak, shifted to f(0) = 0.

    k = 1, c = 2 are the values the authors found to work well (they
    recommend tuning them).
    """
    return softplus(k * x) + x / c - _LN2


@soft_plus_plus.derivative
def _(x: Tensor, k: float, c: float) -> Tensor:
    return k * torch.sigmoid(k * x) + 1.0 / c


@activation(
    "m_arcsinh", aliases=("modified_arcsinh",), family="sigmoidal",
    formula=r"\tfrac{1}{12}\,\operatorname{arsinh}(x)\sqrt{|x|}",
    reference=ref("m-arcsinh: An Efficient and Reliable Function for SVM and MLP in scikit-learn", "2009.07530",
                  2020, authors="Parisi"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def m_arcsinh(x: Tensor) -> Tensor:
    """Modified arcsinh: f(x) = (1/3)·arsinh(x)·(1/4)·√|x| = arsinh(x)·√|x| / 12 (Parisi 2020)."""
    return torch.asinh(x) * torch.sqrt(x.abs()) / 12.0


@m_arcsinh.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    r = torch.sqrt(a)
    # arsinh(x)·sign(x)/(2√|x|) = arsinh(|x|)/(2√|x|) → 0 as x → 0 (written to avoid 0/0)
    safe_r = torch.where(a > 0, r, torch.ones_like(r))
    tail = torch.where(a > 0, torch.asinh(a) / (2.0 * safe_r), torch.zeros_like(a))
    return (r * torch.rsqrt(1.0 + a * a) + tail) / 12.0


@activation(
    "hyper_sinh", aliases=("hypersinh",), family="misc",
    formula=r"\begin{cases} \tfrac13\sinh(x) & x > 0\\ \tfrac14 x^3 & x \le 0\end{cases}",
    reference=ref("hyper-sinh: An Accurate and Reliable Function from Shallow to Deep Learning in TensorFlow "
                  "and Keras", "2011.07661", 2020, authors="Parisi", venue="arXiv id as recalled, unverified"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def hyper_sinh(x: Tensor) -> Tensor:
    """hyper-sinh: sinh(x)/3 for x > 0, x³/4 for x <= 0 (Parisi 2020).

    Overflows to inf only where sinh(x)/3 exceeds the dtype's range.
    """
    # sinh(x)/3 = (2/3)·sinh(x/2)·cosh(x/2): sinh(x) alone overflows up to a factor 3 below where sinh(x)/3 does
    h = 0.5 * torch.clamp_min(x, 0)
    return torch.where(x > 0, (torch.sinh(h) * (2.0 / 3.0)) * torch.cosh(h), 0.25 * x * x * x)


@hyper_sinh.derivative
def _(x: Tensor) -> Tensor:
    # cosh(x)/3 = (2/3)·cosh²(x/2) − 1/3, halved so that it overflows only where cosh(x)/3 does
    c = torch.cosh(0.5 * torch.clamp_min(x, 0))
    return torch.where(x > 0, (c * (2.0 / 3.0)) * c - 1.0 / 3.0, 0.75 * x * x)


# ------------------------------------------------------------------ square-based units (no exp)

_SQUARE_REF = ref("Efficient activation functions for embedded inference engines", None, 2021,
                  authors="Wuraola, Patel, Nguang", venue="Neurocomputing 442")


@activation(
    "squish", aliases=("square_swish",), family="self_gated",
    formula=r"\begin{cases} x + x^2/32 & x > 0\\ x + x^2/2 & -2 \le x \le 0\\ 0 & x < -2\end{cases}",
    reference=_SQUARE_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.5, bounded_above=False),
)
def squish(x: Tensor) -> Tensor:
    """Square swish: a swish-like shape from squares only (no exponential); minimum −1/2 at x = −1."""
    # the x < −2 test comes first so that NaN falls through to a NaN-propagating branch
    # x·(x/32) rather than x²/32: x² overflows 32 times below where x²/32 does (x/32 is exact)
    return torch.where(x < -2, torch.zeros_like(x), torch.where(x > 0, x + x * (x / 32.0), x + 0.5 * x * x))


@squish.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x < -2, torch.zeros_like(x), torch.where(x > 0, 1.0 + x / 16.0, 1.0 + x))


@activation(
    "sqreu", aliases=("square_reu",), family="exponential",
    formula=r"\begin{cases} x & x > 0\\ x + x^2/2 & -2 \le x \le 0\\ 0 & x < -2\end{cases}",
    reference=_SQUARE_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.5, bounded_above=False),
)
def sqreu(x: Tensor) -> Tensor:
    """Square REU: identity for x > 0, the square bump x + x²/2 on [−2, 0] (minimum −1/2 at −1), 0 below."""
    return torch.where(x < -2, torch.zeros_like(x), torch.where(x > 0, x, x + 0.5 * x * x))


@sqreu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x < -2, torch.zeros_like(x), torch.where(x > 0, torch.ones_like(x), 1.0 + x))


@activation(
    "e_tanh", aliases=("etanh",), family="misc", formula=r"a\,e^{x}\tanh(x)",
    reference=ref("E-Tanh", None, None,
                  venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.30028310600077757,
                    bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="output scale a")),
)
def e_tanh(x: Tensor, a: float = 1.0) -> Tensor:
    """E-Tanh: f(x) = a·e^x·tanh(x); minimum ≈ −0.30028·a at x ≈ −0.7218.

    Overflows to inf only where e^x does (the true value is not representable).
    """
    return a * torch.exp(x) * torch.tanh(x)


@e_tanh.derivative
def _(x: Tensor, a: float) -> Tensor:
    t = torch.tanh(x)
    return a * torch.exp(x) * (t + 1.0 - t * t)


# ------------------------------------------------------------------ sigmoid variants

@activation(
    "ts_sigmoid", aliases=("triple_state_sigmoid",), family="sigmoidal",
    formula=r"\sigma(x) + \sigma(x - a) + \sigma(x - b)",
    reference=ref("Triple-state sigmoid (TS-sigmoid) (unit name)", None, 2021, authors="Koçak, Üstündağ Şiray",
                  venue="Expert Systems with Applications; as catalogued in 'Three Decades of Activations', "
                        "arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=3.0),
    params=dict(a=P(doc="shift a of the second step"), b=P(doc="shift b of the third step")),
)
def ts_sigmoid(x: Tensor, a: float = 20.0, b: float = 40.0) -> Tensor:
    """Triple-state sigmoid: three logistic steps at 0, a and b (a = 20, b = 40), a staircase from 0 to 3."""
    return torch.sigmoid(x) + torch.sigmoid(x - a) + torch.sigmoid(x - b)


@ts_sigmoid.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    def sp(t):
        return torch.sigmoid(t) * torch.sigmoid(-t)
    return sp(x) + sp(x - a) + sp(x - b)


@activation(
    "improved_logistic_sigmoid", aliases=("ils",), family="sigmoidal",
    formula=r"\begin{cases} a(x - b) + \sigma(b) & x \ge b\\ \sigma(x) & -b < x < b\\ "
            r"a(x + b) + \sigma(-b) & x \le -b\end{cases}",
    reference=ref("Improved logistic sigmoid (unit name)", None, None, authors="Qin, Wang, Zou",
                  venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=False, bounded_above=False),
    params=dict(a=P(0.0, None, doc="slope a of the linear tails"),
                b=P(0.0, None, open_low=True, doc="threshold b where the tails start")),
)
def improved_logistic_sigmoid(x: Tensor, a: float = 0.2, b: float = 2.0) -> Tensor:
    """Improved logistic sigmoid: σ on (−b, b), continued by lines of slope a (no saturation).

    The authors preset a and b from the network and data; a = 0.2, b = 2 here
    are nonlin's choice (a exceeds σ'(b) ≈ 0.105 as the authors require).
    """
    sb = 1.0 / (1.0 + math.exp(-b))
    return torch.where(x >= b, a * (x - b) + sb, torch.where(x <= -b, a * (x + b) + (1.0 - sb), torch.sigmoid(x)))


@improved_logistic_sigmoid.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    inner = torch.sigmoid(x) * torch.sigmoid(-x)
    return torch.where((x >= b) | (x <= -b), torch.full_like(x, a), inner)


_KOZKURT_REF = ref("SechSig / TanhSig (unit names; original paper not checked)", None, None, authors="Közkurt et al.",
                   venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (original not checked)")


def _sech(x: Tensor) -> Tensor:
    e = torch.exp(-x.abs())
    return 2.0 * e / (1.0 + e * e)


@activation(
    "sechsig", family="self_gated", formula=r"\bigl(x + \operatorname{sech}(x)\bigr)\,\sigma(x)",
    reference=_KOZKURT_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.20974290156872913,
                    bounded_above=False),
)
def sechsig(x: Tensor) -> Tensor:
    """SechSig: f(x) = (x + sech x)·σ(x); f(0) = 1/2, minimum ≈ −0.2097 at x ≈ −1.823."""
    return (x + _sech(x)) * torch.sigmoid(x)


@sechsig.derivative
def _(x: Tensor) -> Tensor:
    s = _sech(x)
    return (1.0 - s * torch.tanh(x)) * torch.sigmoid(x) + (x + s) * torch.sigmoid(x) * torch.sigmoid(-x)


@activation(
    "tanhsig", family="self_gated", formula=r"\bigl(x + \tanh(x)\bigr)\,\sigma(x)",
    reference=_KOZKURT_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.47491606735826625,
                    bounded_above=False),
)
def tanhsig(x: Tensor) -> Tensor:
    """TanhSig: f(x) = (x + tanh x)·σ(x); minimum ≈ −0.4749 at x ≈ −1.066."""
    return (x + torch.tanh(x)) * torch.sigmoid(x)


@tanhsig.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return (2.0 - t * t) * torch.sigmoid(x) + (x + t) * torch.sigmoid(x) * torch.sigmoid(-x)
