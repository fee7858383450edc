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
                  "and Keras", "2011.07661", 2020, authors="Parisi"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def hyper_sinh(x: Tensor) -> Tensor:
    """hyper-sinh: sinh(x)/3 for x > 0, x³/4 for x <= 0 (Parisi 2020).

    Overflows to inf only where sinh(x)/3 exceeds the dtype's range.
    """
    return torch.where(x > 0, torch.sinh(torch.clamp_min(x, 0)) / 3.0, 0.25 * x * x * x)


@hyper_sinh.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x > 0, torch.cosh(torch.clamp_min(x, 0)) / 3.0, 0.75 * x * x)
