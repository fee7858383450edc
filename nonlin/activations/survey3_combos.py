"""Units of the survey arXiv 2402.09092 that join or compose two standard functions.

Survey: Kunc & Kléma, "Three Decades of Activations", arXiv 2402.09092, 2024:
the sigmoid/tanh/linear pairs of Guevraa et al. (Sec. 3.2.26, "Sigmoid and tanh
combinations": g(x) for x >= 0, h(x) below, with σ₂(x) = 2σ(x) − 1 the bipolar
sigmoid), SwAT (Sec. 3.3.26) and the global-local neuron GLN (Sec. 4, a
convex mix of sin and tanh) at an even mix, and the blending units ABU and APAF
(Sec. 4.48) at their equal-weight starting points over their authors' pools.  The primary papers were not retrieved here; the
formulas are the survey's, each docstring says so, and the slope a of the linear
pieces, which the survey calls a fixed a > 0 without a value, is nonlin's choice.

Left out: the pairs {σ₂, 0} and {σ₂, ax}, which are ``rectified_tanh`` and
``tanh_linear_pair`` (with 2a) of x/2, since σ₂(x) = tanh(x/2); the pair
{σ₂, tanh} is listed twice by the survey (the second is
probably a different pair, which cannot be recovered), Guevraa et al.'s SigLU is
``ptelu_fixed``; MSiLU (Sec. 3.3.23) because two transcriptions of the survey's
formula disagree (exp(−x²/4) against exp(−x² − 1)/4).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref

_GUEVRAA = ref("Sigmoid and tanh combinations", None, None, authors="Guevraa et al.",
               venue="formula as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. 3.2.26 "
                     "(primary source not retrieved)")


def _bipolar(x: Tensor) -> Tensor:
    """σ₂(x) = 2σ(x) − 1, computed as tanh(x/2) (no cancellation near 0)."""
    return torch.tanh(0.5 * x)


def _bipolar_slope(x: Tensor) -> Tensor:
    t = torch.tanh(0.5 * x)
    return 0.5 * (1.0 - t * t)


def _tanh_slope(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return 1.0 - t * t


@activation(
    "bipolar_sigmoid_tanh", family="sigmoidal",
    formula=r"\begin{cases} 2\sigma(x) - 1 & x \ge 0\\ \tanh x & x < 0\end{cases}",
    reference=_GUEVRAA,
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=-1.0, bounded_above=1.0),
)
def bipolar_sigmoid_tanh(x: Tensor) -> Tensor:
    """The pair {σ₂, tanh}: the bipolar sigmoid 2σ(x) − 1 for x >= 0, tanh(x) below (survey Sec. 3.2.26).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.2.26); primary source
    (Guevraa et al.) not retrieved here.  Slope ½ at 0⁺ and 1 at 0⁻.
    """
    return torch.where(x >= 0, _bipolar(x), torch.tanh(x))


@bipolar_sigmoid_tanh.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x >= 0, _bipolar_slope(x), _tanh_slope(x))


@activation(
    "rectified_tanh", family="sigmoidal",
    formula=r"\begin{cases} \tanh x & x \ge 0\\ 0 & x < 0\end{cases}",
    reference=_GUEVRAA,
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=1.0),
)
def rectified_tanh(x: Tensor) -> Tensor:
    """The pair {tanh, 0}: tanh(x) for x >= 0, zero below (survey Sec. 3.2.26).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.2.26); primary source
    (Guevraa et al.) not retrieved here.
    """
    return torch.where(x < 0, torch.zeros_like(x), torch.tanh(x))  # NaN takes the formula


@rectified_tanh.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x < 0, torch.zeros_like(x), _tanh_slope(x))


_SLOPE = P(0.0, None, open_low=True, doc="slope a > 0 of the linear piece for x < 0 (no value in the survey: "
                                         "nonlin's choice 0.1)")


@activation(
    "tanh_linear_pair", family="sigmoidal",
    formula=r"\begin{cases} \tanh x & x \ge 0\\ a x & x < 0\end{cases}",
    reference=_GUEVRAA,
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=1.0),
    params=dict(a=_SLOPE),
)
def tanh_linear_pair(x: Tensor, a: float = 0.1) -> Tensor:
    """The pair {tanh, ax}: tanh(x) for x >= 0, the line ax below (survey Sec. 3.2.26).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.2.26); primary source
    (Guevraa et al.) not retrieved here.  a > 0 is fixed but not given; a = 0.1
    is nonlin's choice (a = 1 makes it C¹).
    """
    return torch.where(x >= 0, torch.tanh(x), a * x)


@tanh_linear_pair.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x >= 0, _tanh_slope(x), torch.full_like(x, a))


@activation(
    "swat", family="self_gated", formula=r"x\,\sigma\bigl(\arctan x\bigr)",
    reference=ref("SwAT", None, None,
                  venue="formula as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. 3.3.26 "
                        "(primary source not retrieved)"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def swat(x: Tensor) -> Tensor:
    """SwAT: x·σ(arctan x), a sigmoid-weighted unit whose gate stays in (σ(−π/2), σ(π/2)) ≈ (0.172, 0.828).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.3.26); primary source
    not retrieved here.  The bounded gate makes it asymptotically linear on both
    sides, with slopes ≈ 0.172 and 0.828.
    """
    return x * torch.sigmoid(torch.atan(x))


@swat.derivative
def _(x: Tensor) -> Tensor:
    u = torch.atan(x)
    s = torch.sigmoid(u)
    r = 1.0 / torch.hypot(torch.ones_like(x), x)  # 1/√(1 + x²): x/(1 + x²) = (x·r)·r without overflow
    return s + (x * r) * r * s * torch.sigmoid(-u)


@activation(
    "gln_fixed", family="periodic",
    formula=r"\sigma(a)\sin x + \bigl(1 - \sigma(a)\bigr)\tanh x - b",
    reference=ref("Global-local neuron (GLN)", None, None,
                  venue="formula as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. 4 "
                        "(global = sin and local = tanh as its authors chose; primary source not retrieved)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-1.0, bounded_above=1.0,
                    odd=True),
    params=dict(a=P(doc="logit a of the convex weight σ(a) of the global part (trainable per layer; 0 here)"),
                b=P(doc="offset b (trainable per layer; 0 here)")),
)
def gln_fixed(x: Tensor, a: float = 0.0, b: float = 0.0) -> Tensor:
    """Global-local neuron: σ(a)·sin(x) + (1 − σ(a))·tanh(x) − b, a convex mix of a periodic and a sigmoid unit.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4, GLN), with the global
    and local functions sin and tanh that its authors used; primary source not
    retrieved here.  a and b are trained per layer; a = b = 0 (an even mix, no
    offset) is nonlin's choice.  The declared bounds, oddness and f(0) = 0 hold
    for b = 0.
    """
    w = 1.0 / (1.0 + math.exp(-a))
    return w * torch.sin(x) + (1.0 - w) * torch.tanh(x) - b


@gln_fixed.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    w = 1.0 / (1.0 + math.exp(-a))
    t = torch.tanh(x)
    return w * torch.cos(x) + (1.0 - w) * (1.0 - t * t)


# ---------------------------------------------------------------- blends of a pool of activations (survey 4.48)

def _elu(x: Tensor) -> Tensor:
    return torch.where(x > 0, x, torch.expm1(torch.clamp_max(x, 0)))


@activation(
    "abu_fixed", family="misc",
    formula=r"\tfrac15\bigl(\tanh x + \mathrm{ELU}(x) + \mathrm{ReLU}(x) + x\,\sigma(x) + x\bigr)",
    reference=ref("Adaptive Blending Units: Trainable Activation Functions for Deep Neural Networks", "1806.10064",
                  2018, authors="Sütfeld, Brieger, Finger, Füllhase, Pipa",
                  venue="SAI Intelligent Computing 2020 (pool and initial weights as given in the survey arXiv "
                        "2402.09092, Sec. 4.48; the paper's text was not retrieved)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def abu_fixed(x: Tensor) -> Tensor:
    """Adaptive blending unit at initialisation: the mean of tanh, ELU, ReLU, swish and the identity.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4.48, ABU); primary source
    (Sütfeld et al.) not retrieved here.  The ABU is Σⱼ aⱼ·gⱼ(x) with the blending
    weights trained per layer and initialised to 1/n; Sütfeld et al.'s pool is
    tanh, ELU, ReLU, swish and the identity, so the unit starts as this mean.  ELU
    with α = 1 and swish with β = 1 (SiLU) are assumed for the pool members.
    """
    # each term scaled before the sum: the unscaled sum overflows near the float maximum
    return 0.2 * torch.tanh(x) + 0.2 * _elu(x) + 0.2 * torch.clamp_min(x, 0) + (0.2 * x) * torch.sigmoid(x) + 0.2 * x


@abu_fixed.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    s = torch.sigmoid(x)
    elu_slope = torch.where(x > 0, torch.ones_like(x), torch.exp(torch.clamp_max(x, 0)))
    relu_slope = (x > 0).to(x.dtype)
    return 0.2 * ((1.0 - t * t) + elu_slope + relu_slope + s + x * s * torch.sigmoid(-x) + 1.0)


@activation(
    "apaf_fixed", family="misc",
    formula=r"\tfrac14\bigl(\mathrm{ReLU}(x) + \sigma(x) + \tanh x + x\bigr)",
    reference=ref("Average of a pool of activation functions (APAF)", None, None, authors="Liao",
                  venue="formula and pool as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. 4.48 "
                        "(primary source not retrieved)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=False, bounded_above=False),
)
def apaf_fixed(x: Tensor) -> Tensor:
    """APAF with equal weights: the plain average of ReLU, the logistic sigmoid, tanh and the identity.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4.48, APAF); primary source
    (Liao) not retrieved here.  APAF is Σⱼ aⱼhⱼ(x)/Σⱼ aⱼ with trainable aⱼ over Liao's
    pool ReLU, σ, tanh and the identity; equal weights (the average the name
    describes) are nonlin's choice of fixed point.  f(0) = 1/8.
    """
    # each term scaled before the sum: the unscaled sum overflows near the float maximum
    return 0.25 * torch.clamp_min(x, 0) + 0.25 * torch.sigmoid(x) + 0.25 * torch.tanh(x) + 0.25 * x


@apaf_fixed.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return 0.25 * ((x > 0).to(x.dtype) + torch.sigmoid(x) * torch.sigmoid(-x) + (1.0 - t * t) + 1.0)
