"""Self-gated units x·g(x): GELU, SiLU/Swish, Mish and their relatives.

Every unit here multiplies its input by a gate computed from the same input
(or, for a few, is a close relative such as SinLU, CoLU or StarReLU).
Bounds declared in ``properties`` are the exact infima/suprema at the default
parameters (closed forms where they exist, otherwise minimised numerically in
float64 to ~1e-15 and quoted in full).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .._math import SQRT_2_OVER_PI, normal_cdf, normal_pdf, softplus
from ..elementwise import activation
from ..registry import P, ref

FAMILY = "self_gated"
_SURVEY = "not on arXiv; see also the survey 'Three Decades of Activations', arXiv 2402.09092"
_INV_PI = 1.0 / math.pi
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# W(1/e) (Lambert W): min_x x·σ(x) = −W(1/e), attained at x = −1 − W(1/e).
_LAMBERT_W_INV_E = 0.2784645427610738


def _survey_ref(title: str, year: int, authors: str, venue: str):
    """Reference for a paper that is not on arXiv: the original, plus where it is catalogued."""
    return ref(title, None, year, authors=authors, venue=f"{venue}; {_SURVEY}")


def _with_inplace(fn, name: str):
    """A torch builtin given an ``inplace`` flag that is safe under autograd.

    Builtins such as ``F.gelu`` take no ``inplace`` argument and save their input
    for backward, so writing the result into that input afterwards breaks
    backward. When a gradient is needed the builtin runs on a clone (the one
    saved tensor) and the result is copied into ``x``.
    """

    def builtin(x: Tensor, inplace: bool = False, **kw):
        if not inplace:
            return fn(x, **kw)
        src = x.clone() if (torch.is_grad_enabled() and x.requires_grad) else x
        return x.copy_(fn(src, **kw))

    builtin.__name__ = name
    builtin.__qualname__ = name
    builtin.__module__ = "torch.nn.functional"  # for Spec.builtin: what it dispatches to
    return builtin


def _atan_gate(x: Tensor) -> Tensor:
    """arctan(x)/π + 1/2 without cancellation for x < 0 (there it equals −arctan(1/x)/π)."""
    neg = x < 0
    xs = torch.where(neg, x, -1.0)  # safe argument: 1/x is never evaluated at 0
    return torch.where(neg, -torch.atan(1.0 / xs) * _INV_PI, torch.atan(x) * _INV_PI + 0.5)


# ---------------------------------------------------------------- GELU family

_GELU_REF = ref("Gaussian Error Linear Units (GELUs)", "1606.08415", 2016, authors="Hendrycks, Gimpel")
_torch_gelu = _with_inplace(F.gelu, "gelu")
_torch_gelu_tanh = _with_inplace(lambda x: F.gelu(x, approximate="tanh"), "gelu(approximate='tanh')")
_GELU_MIN = -0.16997120747990366  # at x ≈ −0.75179


@activation(
    "gelu", aliases=("gelu_erf",), family=FAMILY, formula=r"x\,\Phi(x)", reference=_GELU_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=_GELU_MIN,
                    bounded_above=False, self_gated=True),
    builtin=_torch_gelu,
)
def gelu(x: Tensor) -> Tensor:
    """Gaussian error linear unit: f(x) = x·Φ(x), Φ the standard normal CDF (exact, erf form).

    Hendrycks & Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv 1606.08415, 2016.
    No parameters.
    """
    return x * normal_cdf(x)


@gelu.derivative
def _(x: Tensor) -> Tensor:
    return normal_cdf(x) + x * normal_pdf(x)


_GELU_TANH_C = 0.044715  # cubic coefficient of the tanh approximation


@activation(
    "gelu_tanh", aliases=("gelu_approx", "gelu_new"), family=FAMILY,
    formula=r"\tfrac12 x\left(1+\tanh\!\left(\sqrt{2/\pi}\,(x+0.044715x^3)\right)\right)",
    reference=_GELU_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.17004075057125406,
                    bounded_above=False, self_gated=True),
    builtin=_torch_gelu_tanh,
)
def gelu_tanh(x: Tensor) -> Tensor:
    """GELU, tanh approximation: f(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).

    The approximation given in the GELU paper (arXiv 1606.08415, 2016) and used by
    BERT/GPT-2; torch's ``F.gelu(x, approximate="tanh")``. No parameters.
    """
    return 0.5 * x * (1.0 + torch.tanh(SQRT_2_OVER_PI * (x + _GELU_TANH_C * x * x * x)))


@gelu_tanh.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(SQRT_2_OVER_PI * (x + _GELU_TANH_C * x * x * x))
    # 1 − t² is exactly 0 for |x| > 100; clamping x there keeps x² finite so the product is 0, not 0·inf
    xc = torch.clamp(x, -100.0, 100.0)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_C * xc * xc)


@activation(
    "quick_gelu", aliases=("gelu_sigmoid",), family=FAMILY, formula=r"x\,\sigma(1.702x)",
    reference=_GELU_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True,
                    bounded_below=-_LAMBERT_W_INV_E / 1.702, bounded_above=False, self_gated=True),
)
def quick_gelu(x: Tensor) -> Tensor:
    """QuickGELU: f(x) = x·σ(1.702x), the sigmoid approximation of GELU.

    Given in the GELU paper (Hendrycks & Gimpel, arXiv 1606.08415, 2016); used by
    CLIP. The constant 1.702 makes σ(1.702x) ≈ Φ(x). No parameters.
    """
    return x * torch.sigmoid(1.702 * x)


@quick_gelu.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(1.702 * x)
    return s + 1.702 * (x * (s * (1.0 - s)))  # x·σ(1−σ) first: 1.702x overflows near the float maximum


# ------------------------------------------------------------- SiLU / Swish

_SILU_REF = ref("Sigmoid-Weighted Linear Units for Neural Network Function Approximation in Reinforcement Learning",
                "1702.03118", 2017, authors="Elfwing, Uchibe, Doya", venue="Neural Networks 107 (2018)")
_SWISH_REF = ref("Searching for Activation Functions", "1710.05941", 2017,
                 authors="Ramachandran, Zoph, Le", venue="ICLR workshop 2018")


@activation(
    "silu", aliases=("swish_1", "sil"), family=FAMILY, formula=r"x\,\sigma(x)", reference=_SILU_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-_LAMBERT_W_INV_E,
                    bounded_above=False, self_gated=True),
    builtin=F.silu,
)
def silu(x: Tensor) -> Tensor:
    """Sigmoid linear unit (SiLU, Swish-1): f(x) = x·σ(x).

    Elfwing, Uchibe & Doya, arXiv 1702.03118, 2017. Its minimum is −W(1/e) ≈ −0.27846
    at x = −1 − W(1/e). No parameters.
    """
    return x * torch.sigmoid(x)


@silu.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


@activation(
    "swish", family=FAMILY, formula=r"x\,\sigma(\beta x)", reference=_SWISH_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-_LAMBERT_W_INV_E,
                    bounded_above=False, self_gated=True),
    params=dict(beta=P(0.0, None, doc="gate sharpness β (β=1: SiLU; β→∞: ReLU; β=0: x/2)")),
)
def swish(x: Tensor, beta: float = 1.0) -> Tensor:
    """Swish: f(x) = x·σ(βx).

    Ramachandran, Zoph & Le, "Searching for Activation Functions", arXiv 1710.05941,
    2017. β is trainable in the paper; here it is fixed (default 1, i.e. SiLU; the
    minimum is −W(1/e)/β). The learnable version belongs in ``nonlin.learnable``.
    """
    return x * torch.sigmoid(beta * x)


@swish.derivative
def _(x: Tensor, beta: float) -> Tensor:
    s = torch.sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)


@activation(
    "e_swish", aliases=("eswish",), family=FAMILY, formula=r"\beta\,x\,\sigma(x)",
    reference=ref("E-swish: Adjusting Activations to Different Network Depths", "1801.07145", 2018,
                  authors="Alcaide"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True,
                    bounded_below=-1.375 * _LAMBERT_W_INV_E, bounded_above=False, self_gated=True),
    params=dict(beta=P(0.0, None, open_low=True, doc="output scale β; the paper recommends 1 ≤ β ≤ 2")),
)
def e_swish(x: Tensor, beta: float = 1.375) -> Tensor:
    """E-swish: f(x) = β·x·σ(x).

    Alcaide, "E-swish: Adjusting Activations to Different Network Depths", arXiv
    1801.07145, 2018. Default β = 1.375, a value used in the paper's CIFAR
    experiments (the paper recommends 1 ≤ β ≤ 2).
    """
    return x * torch.sigmoid(x) * beta  # x·σ(x) first: β·x overflows at −max and −inf·0 is NaN


@e_swish.derivative
def _(x: Tensor, beta: float) -> Tensor:
    s = torch.sigmoid(x)
    return beta * s * (1.0 + x * (1.0 - s))


@activation(
    "flatten_t_swish", aliases=("fts",), family=FAMILY,
    formula=r"\begin{cases} x\,\sigma(x) + T & x \ge 0 \\ T & x < 0 \end{cases}",
    reference=ref("Flatten-T Swish: a thresholded ReLU-Swish-like activation function for deep learning",
                  "1812.06247", 2018, authors="Chieng, Wahid, Pauline, Perla"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=-0.2, bounded_above=False),
    params=dict(threshold=P(None, 0.0, doc="flat level T for x < 0 (the paper recommends T = −0.20)")),
)
def flatten_t_swish(x: Tensor, threshold: float = -0.20) -> Tensor:
    """Flatten-T Swish: f(x) = x·σ(x) + T for x ≥ 0, T otherwise.

    Chieng, Wahid, Pauline & Perla, arXiv 1812.06247, 2018. T = −0.20 is the
    paper's recommended threshold (a trainable T is also discussed).
    """
    return torch.where(x < 0, threshold, x * torch.sigmoid(x) + threshold)  # NaN takes the formula branch


@flatten_t_swish.derivative
def _(x: Tensor, threshold: float) -> Tensor:
    s = torch.sigmoid(x)
    return torch.where(x < 0, 0.0, s * (1.0 + x * (1.0 - s)))


# --------------------------------------------------------- hard (piecewise) gates

@activation(
    "hard_swish", aliases=("hardswish", "h_swish"), family=FAMILY,
    formula=r"x\,\frac{\mathrm{ReLU6}(x+3)}{6}",
    reference=ref("Searching for MobileNetV3", "1905.02244", 2019,
                  authors="Howard, Sandler, Chu, Chen, Chen, Tan, Wang, Zhu, Pang, Vasudevan, Le, Adam",
                  venue="ICCV"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.375, bounded_above=False,
                    self_gated=True),
    builtin=F.hardswish,
)
def hard_swish(x: Tensor) -> Tensor:
    """Hard swish: f(x) = x·ReLU6(x + 3)/6 (0 for x ≤ −3, x for x ≥ 3).

    Howard et al., "Searching for MobileNetV3", arXiv 1905.02244, 2019. Minimum
    −0.375 at x = −1.5. No parameters.
    """
    return x * torch.clamp(x + 3.0, 0.0, 6.0) / 6.0


@hard_swish.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x < -3.0, 0.0, torch.where(x > 3.0, 1.0, (2.0 * x + 3.0) / 6.0)).to(x.dtype)


@activation(
    "hard_mish", aliases=("hardmish",), family=FAMILY, formula=r"\tfrac12 x\,\mathrm{clamp}(x+2, 0, 2)",
    reference=ref("PyTorch Image Models (timm): hard_mish", None, 2020, authors="Wightman",
                  venue="github.com/huggingface/pytorch-image-models, timm/layers/activations.py "
                        "(a piecewise-quadratic Mish; no paper)"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.5, bounded_above=False,
                    self_gated=True),
)
def hard_mish(x: Tensor) -> Tensor:
    """Hard Mish: f(x) = ½·x·clamp(x + 2, 0, 2) (0 for x ≤ −2, x for x ≥ 0).

    A cheap piecewise-quadratic stand-in for Mish introduced in timm (marked
    experimental there; no paper). Minimum −0.5 at x = −1. No parameters.
    """
    return 0.5 * x * torch.clamp(x + 2.0, 0.0, 2.0)


@hard_mish.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x < -2.0, 0.0, torch.where(x > 0.0, 1.0, x + 1.0)).to(x.dtype)


# ------------------------------------------------------------ tanh / erf gates

@activation(
    "mish", family=FAMILY, formula=r"x\tanh(\mathrm{softplus}(x))",
    reference=ref("Mish: A Self Regularized Non-Monotonic Activation Function", "1908.08681", 2019,
                  authors="Misra", venue="BMVC 2020"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.30884341301725043,
                    bounded_above=False, self_gated=True),
    builtin=F.mish,
    prefer="compiled",  # F.mish (log1p of exp) runs at about half our fused kernel's speed on large tensors
)
def mish(x: Tensor) -> Tensor:
    """Mish: f(x) = x·tanh(softplus(x)).

    Misra, "Mish: A Self Regularized Non-Monotonic Activation Function", arXiv
    1908.08681, 2019. Minimum ≈ −0.30884 at x ≈ −1.1924. No parameters.
    """
    return x * torch.tanh(softplus(x))


@mish.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(softplus(x))
    return t + x * (1.0 - t * t) * torch.sigmoid(x)


@activation(
    "phish", family=FAMILY, formula=r"x\tanh(\mathrm{GELU}(x))",
    reference=ref("Phish: A Novel Hyper-Optimizable Activation Function", None, 2022, authors="Naveen",
                  venue="preprint, not on arXiv; proposed for PyTorch in pytorch issue #70500"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    self_gated=False),
    naive=lambda x: x * torch.tanh(F.gelu(x)),
    eager=lambda x: F.gelu(x).tanh_().mul_(x),
)
def phish(x: Tensor) -> Tensor:
    """Phish: f(x) = x·tanh(GELU(x)), GELU(x) = x·Φ(x).

    Naveen, "Phish: A Novel Hyper-Optimizable Activation Function", 2022. For x < 0
    both x and GELU(x) are negative, so f ≥ 0 everywhere (f(0) = 0 is the minimum).
    No parameters.  Computed as x·tanh(x·Φ(x)) rather than with ``F.gelu``, which forms
    x·(1 + erf) (overflowing near the float maximum) and loses relative precision
    in the left tail.
    """
    return x * torch.tanh(x * normal_cdf(x))


@phish.derivative
def _(x: Tensor) -> Tensor:
    cdf = normal_cdf(x)
    t = torch.tanh(x * cdf)
    return t + x * (1.0 - t * t) * (cdf + x * normal_pdf(x))


@activation(
    "telu", aliases=("tanhexp", "tanh_exp"), family=FAMILY, formula=r"x\tanh(e^{x})",
    reference=ref("TeLU Activation Function for Fast and Stable Deep Learning", "2412.20269", 2024,
                  authors="Fernandez, Mali"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.3532857778482113,
                    bounded_above=False, self_gated=True),
    naive=lambda x: x * torch.tanh(torch.exp(x)),
    eager=lambda x: torch.exp(x).tanh_().mul_(x),
    eager_grad=lambda x, g: _telu_grad_inplace(x, g),
)
def telu(x: Tensor) -> Tensor:
    """TeLU / TanhExp: f(x) = x·tanh(eˣ).

    Fernandez & Mali, "TeLU Activation Function for Fast and Stable Deep Learning",
    arXiv 2412.20269, 2024. The same function was proposed earlier as TanhExp by Liu &
    Di, "TanhExp: A Smooth Activation Function with High Convergence Speed for
    Lightweight Neural Networks", arXiv 2003.09855, 2020 (alias ``tanhexp``).
    The exponent is clamped at 20 (tanh(e²⁰) is 1 in float64), so large inputs never
    overflow. No parameters.
    """
    return x * torch.tanh(torch.exp(torch.clamp_max(x, 20.0)))


def _telu_grad_inplace(x: Tensor, g: Tensor) -> Tensor:
    """g·telu'(x) op for op as the derivative below, written into its own temporaries: the eager
    backward of large tensors (ATen's exp and tanh beat Inductor's here; see docs/perf.md)."""
    e = torch.clamp_max(x, 20.0).exp_()
    t = torch.tanh(e)
    d = torch.mul(t, t).neg_().add_(1.0).mul_(x).mul_(e)  # x·(1 − t²)·e, as in the derivative
    return d.add_(t).mul_(g)


@telu.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(torch.clamp_max(x, 20.0))
    t = torch.tanh(e)
    return t + x * (1.0 - t * t) * e  # x·(1−t²) first: it is 0 where x·e would overflow (x > ~1e30)


@activation(
    "lisht", family=FAMILY, formula=r"x\tanh(x)",
    reference=ref("LiSHT: Non-Parametric Linearly Scaled Hyperbolic Tangent Activation Function for Neural "
                  "Networks", "1901.05894", 2019, authors="Roy, Manna, Dubey, Chaudhuri"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
)
def lisht(x: Tensor) -> Tensor:
    """LiSHT: f(x) = x·tanh(x) (even, non-negative).

    Roy, Manna, Dubey & Chaudhuri, arXiv 1901.05894, 2019. No parameters.
    """
    return x * torch.tanh(x)


@lisht.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return t + x * (1.0 - t * t)


@activation(
    "serf", family=FAMILY, formula=r"x\,\mathrm{erf}(\ln(1+e^{x}))",
    reference=ref("SERF: Towards better training of deep neural networks using log-Softplus ERror activation "
                  "Function", "2108.09598", 2021, authors="Nag, Bhattacharyya", venue="WACV 2023"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.3484374587596063,
                    bounded_above=False, self_gated=True),
)
def serf(x: Tensor) -> Tensor:
    """Serf: f(x) = x·erf(softplus(x)).

    Nag & Bhattacharyya, arXiv 2108.09598, 2021. No parameters.
    """
    return x * torch.erf(softplus(x))


@serf.derivative
def _(x: Tensor) -> Tensor:
    sp = softplus(x)
    # x·σ(x) and e^{−sp²} are each 0 where x is huge on one side: multiply x by them before any constant
    return torch.erf(sp) + (x * torch.sigmoid(x)) * torch.exp(-sp * sp) * _TWO_OVER_SQRT_PI


@activation(
    "pserf", family=FAMILY, formula=r"x\,\mathrm{erf}(\gamma\ln(1+e^{\delta x}))",
    reference=ref("ErfAct and Pserf: Non-monotonic Smooth Trainable Activation Functions", "2109.04386", 2021,
                  authors="Biswas, Kumar, Banerjee, Pandey", venue="AAAI 2022"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.2787499670076851,
                    bounded_above=False, self_gated=True),
    params=dict(gamma=P(0.0, None, open_low=True, doc="scale γ of the softplus inside erf"),
                delta=P(0.0, None, open_low=True, doc="input scale δ of the softplus")),
)
def pserf(x: Tensor, gamma: float = 1.0, delta: float = 1.25) -> Tensor:
    """Pserf: f(x) = x·erf(γ·ln(1 + e^{δx})), a parametric Serf.

    Biswas, Kumar, Banerjee & Pandey, arXiv 2109.04386, 2021. γ and δ are trainable
    in the paper; fixed here at γ = 1, δ = 1.25 (values used by public
    re-implementations; not checked against the paper's tables — unverified).
    γ = δ = 1 gives Serf.
    """
    return x * torch.erf(gamma * softplus(delta * x))


@pserf.derivative
def _(x: Tensor, gamma: float, delta: float) -> Tensor:
    u = gamma * softplus(delta * x)
    return torch.erf(u) + (x * torch.sigmoid(delta * x)) * torch.exp(-u * u) * (_TWO_OVER_SQRT_PI * gamma * delta)


# ---------------------------------------------------- log / Gompertz gates

@activation(
    "logish", family=FAMILY, formula=r"x\ln(1+\sigma(x))",
    reference=_survey_ref("Logish: A new nonlinear nonmonotonic activation function for convolutional neural "
                          "network", 2021, "Zhu et al.", "Neurocomputing 458"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.25276881678944035,
                    bounded_above=False, self_gated=True),
)
def logish(x: Tensor) -> Tensor:
    """Logish: f(x) = x·ln(1 + σ(x)).

    Zhu et al., "Logish: A new nonlinear nonmonotonic activation function for
    convolutional neural network", Neurocomputing 458, 2021 (not on arXiv). The
    gate ln(1+σ(x)) runs from 0 to ln 2. No parameters.
    """
    return x * torch.log1p(torch.sigmoid(x))


@logish.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return torch.log1p(s) + x * s * torch.sigmoid(-x) / (1.0 + s)


@activation(
    "smish", family=FAMILY, formula=r"x\tanh(\ln(1+\sigma(x)))",
    reference=_survey_ref("Smish: A Novel Activation Function for Deep Learning Methods", 2022,
                          "Wang, Ren, Wang", "Electronics 11(4):540"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.24999366366012948,
                    bounded_above=False, self_gated=True),
)
def smish(x: Tensor) -> Tensor:
    """Smish: f(x) = x·tanh(ln(1 + σ(x))).

    Wang, Ren & Wang, "Smish: A Novel Activation Function for Deep Learning Methods",
    Electronics 11(4):540, 2022 (not on arXiv). No parameters.
    """
    return x * torch.tanh(torch.log1p(torch.sigmoid(x)))


@smish.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    t = torch.tanh(torch.log1p(s))
    return t + x * (1.0 - t * t) * s * torch.sigmoid(-x) / (1.0 + s)


@activation(
    "gish", family=FAMILY, formula=r"x\ln\!\left(2 - e^{-e^{x}}\right)",
    reference=_survey_ref("Gish: a novel activation function for image classification", 2023,
                          "Kaytan, Aydilek, Yeroğlu", "Neural Computing and Applications 35"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.278159460896387,
                    bounded_above=False, self_gated=True),
)
def gish(x: Tensor) -> Tensor:
    """Gish: f(x) = x·ln(2 − exp(−eˣ)).

    Kaytan, Aydilek & Yeroğlu, "Gish: a novel activation function for image
    classification", Neural Computing and Applications 35, 2023 (not on arXiv).
    Computed as x·log1p(−expm1(−eˣ)) with the exponent clamped at 80 (the gate is
    exactly ln 2 there), so nothing overflows. No parameters.
    """
    return x * torch.log1p(-torch.expm1(-torch.exp(torch.clamp_max(x, 80.0))))


@gish.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(torch.clamp_max(x, 80.0))
    gate = torch.log1p(-torch.expm1(-e))
    # d/dx ln(2 − exp(−eˣ)) = eˣ·exp(−eˣ) / (2 − exp(−eˣ)) = exp(x − eˣ) / (2 − exp(−eˣ))
    return gate + x * torch.exp(x - e) / (2.0 - torch.exp(-e))


@activation(
    "golu", family=FAMILY, formula=r"x\,e^{-e^{-x}}",
    reference=ref("Gompertz Linear Units: Leveraging Asymmetry for Enhanced Learning Dynamics", "2502.03654", 2025,
                  authors="Das et al.", venue="ICML"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.09726013122763941,
                    bounded_above=False, self_gated=True),
)
def golu(x: Tensor) -> Tensor:
    """Gompertz linear unit: f(x) = x·exp(−exp(−x)), the gate being the Gompertz function.

    Das et al., "Gompertz Linear Units: Leveraging Asymmetry for Enhanced Learning
    Dynamics", arXiv 2502.03654, 2025 (gate
    a·exp(−b·exp(−cx)) with a = b = c = 1). The inner exponent is clamped at 80: the
    gate is already 0 there. No parameters.
    """
    return x * torch.exp(-torch.exp(torch.clamp_max(-x, 80.0)))


@golu.derivative
def _(x: Tensor) -> Tensor:
    u = torch.exp(torch.clamp_max(-x, 80.0))
    g = torch.exp(-u)
    return g + x * (u * g)  # u*g first: it is 0, not inf*0, far left


# ----------------------------------------------------------- algebraic gates

@activation(
    "pflu", family=FAMILY, formula=r"x\cdot\tfrac12\left(1 + \frac{x}{\sqrt{1+x^2}}\right)",
    reference=_survey_ref("PFLU and FPFLU: Two novel non-monotonic activation functions in convolutional "
                          "neural networks", 2021, "Zhu et al.", "Neurocomputing 429"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.15014155300038878,
                    bounded_above=False, self_gated=True),
)
def pflu(x: Tensor) -> Tensor:
    """Power function linear unit: f(x) = x·½(1 + x/√(1 + x²)).

    Zhu et al., "PFLU and FPFLU: Two novel non-monotonic activation functions in
    convolutional neural networks", Neurocomputing 429, 2021 (not on arXiv). For
    x < 0 the gate is computed as 1/(2h(h − x)), h = √(1+x²), which avoids the
    cancellation in 1 + x/h. No parameters.
    """
    return x * _pflu_gate(x)


def _pflu_gate(x: Tensor) -> Tensor:
    h = torch.hypot(x, torch.ones_like(x))
    return torch.where(x >= 0, 0.5 * (1.0 + x / h), 0.5 / (h * (h - x)))


@pflu.derivative
def _(x: Tensor) -> Tensor:
    h = torch.hypot(x, torch.ones_like(x))
    return _pflu_gate(x) + 0.5 * x / (h * h * h)


@activation(
    "atlu", family=FAMILY, formula=r"x\left(\tfrac{1}{\pi}\arctan(x) + \tfrac12\right)",
    reference=ref("Expanded Gating Ranges Improve Activation Functions", "2405.20768", 2024, authors="Huang"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-_INV_PI,
                    bounded_above=False, self_gated=True),
)
def atlu(x: Tensor) -> Tensor:
    """ArcTan linear unit: f(x) = x·(arctan(x)/π + ½).

    Huang, "Expanded Gating Ranges Improve Activation Functions", arXiv 2405.20768,
    2024. Convex (its derivative increases monotonically from 0 to 1), hence
    monotonic, with infimum −1/π as x → −∞. No parameters.
    """
    return x * _atan_gate(x)


@atlu.derivative
def _(x: Tensor) -> Tensor:
    return _atan_gate(x) + x / (math.pi * (1.0 + x * x))


_XGATE_REF = ref("Expanded Gating Ranges Improve Activation Functions", "2405.20768", 2024, authors="Huang")
_ALPHA = P(-0.5, None, doc="gate-range expansion α: the gate spans (−α, 1+α); α = 0 gives the unexpanded unit")


@activation(
    "xatlu", family=FAMILY, formula=r"x\left((1+2\alpha)\bigl(\tfrac{1}{\pi}\arctan x + \tfrac12\bigr) - \alpha\right)",
    reference=_XGATE_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.20021974838256346,
                    bounded_above=False),
    params=dict(alpha=_ALPHA),
)
def xatlu(x: Tensor, alpha: float = 0.1) -> Tensor:
    """Expanded ArcTan linear unit: f(x) = x·((1 + 2α)·g(x) − α), g(x) = arctan(x)/π + ½.

    Huang, "Expanded Gating Ranges Improve Activation Functions", arXiv 2405.20768,
    2024. The paper trains one α per MLP block, initialised at 0 (where the unit
    reduces to its unexpanded form). This fixed version uses α = 0.1, an illustrative
    moderate expansion chosen for the catalogue (not a value from the paper); with
    α > 0 the unit grows like α|x| as x → −∞, so it is non-monotonic. The learnable
    version belongs in ``nonlin.learnable``.
    """
    return x * ((1.0 + 2.0 * alpha) * _atan_gate(x) - alpha)


@xatlu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    k = 1.0 + 2.0 * alpha
    return k * _atan_gate(x) - alpha + k * (x / (1.0 + x * x)) / math.pi  # x/(1+x²) first: k·x overflows


@activation(
    "xgelu", family=FAMILY, formula=r"x\left((1+2\alpha)\Phi(x) - \alpha\right)", reference=_XGATE_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.1375508315458438,
                    bounded_above=False),
    params=dict(alpha=_ALPHA),
)
def xgelu(x: Tensor, alpha: float = 0.1) -> Tensor:
    """Expanded GELU: f(x) = x·((1 + 2α)·Φ(x) − α).

    Huang, "Expanded Gating Ranges Improve Activation Functions", arXiv 2405.20768,
    2024. The paper trains one α per MLP block, initialised at 0 (where the unit
    reduces to its unexpanded form). This fixed version uses α = 0.1, an illustrative
    moderate expansion chosen for the catalogue (not a value from the paper); with
    α > 0 the unit grows like α|x| as x → −∞, so it is non-monotonic. The learnable
    version belongs in ``nonlin.learnable``.
    """
    return x * ((1.0 + 2.0 * alpha) * normal_cdf(x) - alpha)


@xgelu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    k = 1.0 + 2.0 * alpha
    return k * normal_cdf(x) - alpha + k * (x * normal_pdf(x))  # x·φ(x) first: k·x overflows


@activation(
    "xsilu", family=FAMILY, formula=r"x\left((1+2\alpha)\sigma(x) - \alpha\right)", reference=_XGATE_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.22296709309656354,
                    bounded_above=False),
    params=dict(alpha=_ALPHA),
)
def xsilu(x: Tensor, alpha: float = 0.1) -> Tensor:
    """Expanded SiLU: f(x) = x·((1 + 2α)·σ(x) − α).

    Huang, "Expanded Gating Ranges Improve Activation Functions", arXiv 2405.20768,
    2024. The paper trains one α per MLP block, initialised at 0 (where the unit
    reduces to its unexpanded form). This fixed version uses α = 0.1, an illustrative
    moderate expansion chosen for the catalogue (not a value from the paper); with
    α > 0 the unit grows like α|x| as x → −∞, so it is non-monotonic. The learnable
    version belongs in ``nonlin.learnable``.
    """
    return x * ((1.0 + 2.0 * alpha) * torch.sigmoid(x) - alpha)


@xsilu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    k = 1.0 + 2.0 * alpha
    s = torch.sigmoid(x)
    return k * s - alpha + k * (x * (s * (1.0 - s)))  # x·σ(1−σ) first: k·x overflows


@activation(
    "aptx", family=FAMILY, formula=r"(\alpha + \tanh(\beta x))\,\gamma x",
    reference=ref("APTx: better activation function than MISH, SWISH, and ReLU's variants used in deep learning",
                  "2209.06119", 2022, authors="Kumar"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-_LAMBERT_W_INV_E / 2,
                    bounded_above=False, self_gated=True),
    params=dict(alpha=P(None, None, doc="offset α of the tanh gate"),
                beta=P(None, None, doc="input scale β inside tanh"),
                gamma=P(None, None, doc="output scale γ")),
)
def aptx(x: Tensor, alpha: float = 1.0, beta: float = 1.0, gamma: float = 0.5) -> Tensor:
    """APTx: f(x) = (α + tanh(βx))·γx.

    Kumar, "APTx: better activation function than MISH, SWISH, and ReLU's variants
    used in deep learning", arXiv 2209.06119, 2022. Defaults α = 1, β = 1, γ = ½ as
    in the paper; then f(x) = x(1 + tanh x)/2 = x·σ(2x), whose minimum is −W(1/e)/2.
    """
    return (alpha + torch.tanh(beta * x)) * gamma * x


@aptx.derivative
def _(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
    t = torch.tanh(beta * x)
    return gamma * (alpha + t) + gamma * x * beta * (1.0 - t * t)


@activation(
    "colu", family=FAMILY, formula=r"\frac{x}{1 - x\,e^{-(x + e^{x})}}",
    reference=ref("Deeper Learning with CoLU Activation", "2112.12078", 2021, authors="Vagerwal"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.37715856839612916,
                    bounded_above=False),
)
def colu(x: Tensor) -> Tensor:
    """Collapsing linear unit: f(x) = x / (1 − x·exp(−(x + eˣ))).

    Vagerwal, "Deeper Learning with CoLU Activation", arXiv 2112.12078, 2021.
    With t = x + eˣ and u = exp(−|t|) the function is x/(1 − x·u) for t ≥ 0 and
    x·u/(u + |x|) for t < 0 (numerator and denominator multiplied by eᵗ): no
    exponential ever exceeds 1 and both denominators stay positive. No parameters.
    """
    t = x + torch.exp(torch.clamp_max(x, 80.0))
    u = torch.exp(-t.abs())
    return torch.where(t >= 0, x / (1.0 - x * u), x * u / (u + x.abs()))


@colu.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(torch.clamp_max(x, 80.0))
    t = x + e
    u = torch.exp(-t.abs())
    k = (1.0 + e) * u  # t'(x)·e^{-|t|}
    # f' = (1 − x²t'e^{−t}) / (1 − x e^{−t})²; for t < 0 multiply through by e^{2t} = u²
    # x·(x·k), not x²·k: k is 0 wherever x² would overflow, and 0·inf would be NaN
    pos = (1.0 - x * (x * k)) / (1.0 - x * u) ** 2
    neg = (u * u - x * (x * k)) / (u + x.abs()) ** 2
    return torch.where(t >= 0, pos, neg)


@activation(
    "sinlu", family=FAMILY, formula=r"(x + a\sin(bx))\,\sigma(x)",
    reference=_survey_ref("SinLU: Sinu-Sigmoidal Linear Unit", 2022,
                          "Paul et al.", "Mathematics 10(3):337"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.49737055418999104,
                    bounded_above=False),
    params=dict(a=P(None, None, doc="amplitude a of the sine term"),
                b=P(None, None, doc="frequency b of the sine term")),
)
def sinlu(x: Tensor, a: float = 1.0, b: float = 1.0) -> Tensor:
    """Sinu-sigmoidal linear unit: f(x) = (x + a·sin(bx))·σ(x).

    Paul et al., "SinLU: Sinu-Sigmoidal Linear Unit", Mathematics 10(3):337, 2022
    (not on arXiv). a and b are trainable in the paper, initialised at 1; fixed here
    at that initialisation.
    """
    return (x + a * torch.sin(b * x)) * torch.sigmoid(x)


@sinlu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    s = torch.sigmoid(x)
    return (1.0 + a * b * torch.cos(b * x)) * s + (x + a * torch.sin(b * x)) * s * (1.0 - s)


@activation(
    "star_relu", aliases=("starrelu",), family=FAMILY, formula=r"s\,\mathrm{ReLU}(x)^2 + b",
    reference=ref("MetaFormer Baselines for Vision", "2210.13452", 2022,
                  authors="Yu et al.", venue="TPAMI 2023"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=False, bounded_below=-0.4472, bounded_above=False),
    params=dict(scale=P(0.0, None, doc="scale s (learnable in the paper, init 1/√(5/4) ≈ 0.8944)"),
                bias=P(None, None, doc="bias b (learnable in the paper, init −0.4472)")),
)
def star_relu(x: Tensor, scale: float = 0.8944, bias: float = -0.4472) -> Tensor:
    """StarReLU: f(x) = s·ReLU(x)² + b.

    Yu et al., "MetaFormer Baselines for Vision", arXiv 2210.13452, 2022. The
    defaults s = 0.8944, b = −0.4472 (the paper's values) give zero mean and unit
    variance for x ~ N(0, 1): E[ReLU(x)²] = ½ and Var = 5/4, so s = (5/4)^(−½) and
    b = −s/2.
    """
    r = torch.clamp_min(x, 0.0)
    return scale * r * r + bias


@star_relu.derivative
def _(x: Tensor, scale: float, bias: float) -> Tensor:
    return 2.0 * scale * torch.clamp_min(x, 0.0)
