"""Step, sign and thresholding units of the survey arXiv 2402.09092 and the papers it cites (rectifier part 2).

Survey: Kunc & Kléma, "Three Decades of Activations", arXiv 2402.09092, 2024
(§3.1 binary/sign units).  Units whose derivative is zero almost everywhere
declare ``surrogate_gradient=True`` and give the published surrogate rule as
their ``.derivative``, as ``sign_ste``/``step_ste`` do; their forward values
coincide with ``step_ste``/``sign_ste`` (up to the value at 0), so they differ
from those units, and from each other, only in the backward rule each paper
prescribes — like ``helu`` against ``relu``.  ``gxnor_ternary`` and
``half_threshold`` have forwards of their own.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref
from .survey2_rect import _EPS_DOC, _MSRF, _hyp


def _keep_nan(x: Tensor, y: Tensor) -> Tensor:
    """Comparisons map NaN to a number; put the NaN back."""
    return torch.where(torch.isnan(x), x, y)


# ---------------------------------------------------------------------------
# Spike and sign units with published surrogate gradients
# ---------------------------------------------------------------------------

_STEP_PROPS = dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False,
                   piecewise_linear=True, surrogate_gradient=True)


def _heaviside(x: Tensor) -> Tensor:
    return _keep_nan(x, (x >= 0).to(x.dtype))


@activation(
    "heaviside_atan", aliases=("spike_atan",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \frac{\alpha/2}{1 + (\tfrac{\pi}{2}\alpha x)^2}",
    reference=ref("Incorporating Learnable Membrane Time Constant to Enhance Learning of Spiking Neural Networks",
                  "2007.05785", 2021, authors="Fang, Yu, Chen, Masquelier, Huang, Tian", venue="ICCV"),
    properties=_STEP_PROPS,
    params=dict(alpha=P(0.0, None, open_low=True, doc="sharpness α of the arctan surrogate (paper: 2)")),
)
def heaviside_atan(x: Tensor, alpha: float = 2.0) -> Tensor:
    """Spike (Heaviside) function with the arctan surrogate gradient of the PLIF paper.

    Forward 1[x >= 0]; backward the derivative of g(x) = arctan(π/2·αx)/π + 1/2,
    α = 2.  (x is the membrane potential minus the threshold.)
    """
    return _heaviside(x)


@heaviside_atan.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    u = (0.5 * math.pi * alpha) * x
    return (0.5 * alpha) / (1.0 + u * u)


@activation(
    "heaviside_triangle", aliases=("spike_triangle",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \gamma\max(0, 1 - |x|)",
    reference=ref("Long short-term memory and learning-to-learn in networks of spiking neurons", "1803.09574",
                  2018, authors="Bellec, Salaj, Subramoney, Legenstein, Maass", venue="NeurIPS"),
    properties=_STEP_PROPS,
    params=dict(gamma=P(0.0, None, doc="dampening factor γ of the pseudo-derivative (paper: 0.3)")),
)
def heaviside_triangle(x: Tensor, gamma: float = 0.3) -> Tensor:
    """Spike function with the triangular pseudo-derivative of LSNNs, γ·max(0, 1 − |x|), γ = 0.3.

    x is the threshold-normalised membrane potential (v − A)/A of the paper.
    """
    return _heaviside(x)


@heaviside_triangle.derivative
def _(x: Tensor, gamma: float) -> Tensor:
    return gamma * torch.clamp_min(1.0 - x.abs(), 0.0)


@activation(
    "heaviside_rectangular", aliases=("spike_rectangular",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \tfrac1a\,\mathbb{1}[|x| < a/2]",
    reference=ref("Spatio-Temporal Backpropagation for Training High-Performance Spiking Neural Networks",
                  "1706.02609", 2018, authors="Wu, Deng, Li, Zhu, Shi", venue="Frontiers in Neuroscience 12"),
    properties=_STEP_PROPS,
    params=dict(a=P(0.0, None, open_low=True, doc="width a of the rectangular window (1: unit area, as in STBP)")),
)
def heaviside_rectangular(x: Tensor, a: float = 1.0) -> Tensor:
    """Spike function with STBP's rectangular surrogate (1/a)·1[|x| < a/2], a = 1 (unit area)."""
    return _heaviside(x)


@heaviside_rectangular.derivative
def _(x: Tensor, a: float) -> Tensor:
    return (x.abs() < 0.5 * a).to(x.dtype) / a


@activation(
    "heaviside_fast_sigmoid", aliases=("superspike",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = (1 + \beta|x|)^{-2}",
    reference=ref("SuperSpike: Supervised learning in multi-layer spiking neural networks", "1705.11146", 2018,
                  authors="Zenke, Ganguli", venue="Neural Computation 30(6)"),
    properties=_STEP_PROPS,
    params=dict(beta=P(0.0, None, open_low=True, doc="steepness β of the fast-sigmoid surrogate "
                                                     "(10 is nonlin's choice)")),
)
def heaviside_fast_sigmoid(x: Tensor, beta: float = 10.0) -> Tensor:
    """Spike function with SuperSpike's fast-sigmoid surrogate (1 + β|x|)⁻², the derivative of x/(1 + β|x|) up to β.

    The steepness β depends on the voltage scale of the model; β = 10 is
    nonlin's choice for a threshold-normalised input.
    """
    return _heaviside(x)


@heaviside_fast_sigmoid.derivative
def _(x: Tensor, beta: float) -> Tensor:
    d = 1.0 + beta * x.abs()
    return 1.0 / (d * d)


@activation(
    "heaviside_crelu_ste", aliases=("binary_crelu_ste",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x > 0],\quad \tilde f'(x) = \mathbb{1}[0 < x < 1]",
    reference=ref("Understanding Straight-Through Estimator in Training Activation Quantized Neural Nets",
                  "1903.05662", 2019, authors="Yin, Lyu, Zhang, Osher, Qi, Xin", venue="ICLR"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
)
def heaviside_crelu_ste(x: Tensor) -> Tensor:
    """Binary activation 1[x > 0] trained with the clipped-ReLU straight-through estimator.

    Yin et al. compare the identity, ReLU and clipped-ReLU STEs for this
    binary activation and show that the clipped ReLU's derivative 1[0 < x < 1]
    gives a descent direction (the identity STE can make training unstable).
    """
    return _keep_nan(x, (x > 0).to(x.dtype))


@heaviside_crelu_ste.derivative
def _(x: Tensor) -> Tensor:
    return ((x > 0) & (x < 1)).to(x.dtype)


@activation(
    "sign_approx", aliases=("bireal_sign", "approx_sign"), family="sparse",
    formula=r"f(x) = \begin{cases}+1 & x \ge 0\\ -1 & x < 0\end{cases},\quad "
            r"\tilde f'(x) = \max(0,\ 2 - 2|x|)",
    reference=ref("Bi-Real Net: Enhancing the Performance of 1-bit CNNs With Improved Representational Capability "
                  "and Advanced Training Algorithm", "1808.00278", 2018,
                  authors="Liu, Wu, Luo, Yang, Liu, Cheng", venue="ECCV"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True, surrogate_gradient=True),
)
def sign_approx(x: Tensor) -> Tensor:
    """Binary sign with Bi-Real Net's ApproxSign backward: the derivative of a piecewise-quadratic sign.

    Forward sign (0 ↦ +1); backward 2 + 2x on [−1, 0), 2 − 2x on [0, 1), 0
    outside — a triangle closer to the Dirac delta than the STE's box.
    """
    return _keep_nan(x, torch.where(x >= 0, 1.0, -1.0).to(x.dtype))


@sign_approx.derivative
def _(x: Tensor) -> Tensor:
    return torch.clamp_min(2.0 - 2.0 * x.abs(), 0.0)




@activation(
    "heaviside_multi_gaussian", aliases=("spike_multi_gaussian",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = (1 + h)\,\mathcal N(x; 0, \sigma^2) "
            r"- h\,\mathcal N(x; \sigma, s^2\sigma^2) - h\,\mathcal N(x; -\sigma, s^2\sigma^2)",
    reference=ref("Accurate and efficient time-domain classification with adaptive spiking recurrent neural "
                  "networks", "2103.12593", 2021, authors="Yin, Corradi, Bohté",
                  venue="Nature Machine Intelligence 3; h, s, σ as in the authors' code"),
    properties=_STEP_PROPS,
    params=dict(h=P(0.0, None, doc="weight h of the two negative side lobes (paper: 0.15)"),
                s=P(0.0, None, open_low=True, doc="width ratio s of the side lobes (paper: 6)"),
                sigma=P(0.0, None, open_low=True, doc="width σ of the central Gaussian (paper: 0.5)")),
)
def heaviside_multi_gaussian(x: Tensor, h: float = 0.15, s: float = 6.0, sigma: float = 0.5) -> Tensor:
    """Spike function with the multi-Gaussian surrogate of adaptive spiking RNNs (h = 0.15, s = 6, σ = 0.5).

    A central Gaussian with two wide negative side lobes, so that inputs far
    from the threshold are pushed away from it.  (The authors' code also
    multiplies the surrogate by 0.5; that factor is a learning-rate choice
    and is not part of this unit.)
    """
    return _heaviside(x)


def _gauss(x: Tensor, mu: float, sd: float) -> Tensor:
    z = (x - mu) / sd
    return torch.exp(-0.5 * z * z) / (math.sqrt(2.0 * math.pi) * sd)


@heaviside_multi_gaussian.derivative
def _(x: Tensor, h: float, s: float, sigma: float) -> Tensor:
    return ((1.0 + h) * _gauss(x, 0.0, sigma) - h * _gauss(x, sigma, s * sigma)
            - h * _gauss(x, -sigma, s * sigma))


@activation(
    "half_threshold", aliases=("l_half_threshold",), family="sparse",
    formula=r"\begin{cases} \tfrac23 x\left(1 + \cos\left(\tfrac{2\pi}{3} - \tfrac23\varphi_\lambda(x)\right)\right)"
            r" & |x| > \tfrac{\sqrt[3]{54}}{4}\lambda^{2/3}\\ 0 & \text{otherwise}\end{cases},"
            r"\quad \varphi_\lambda(x) = \arccos\left(\tfrac{\lambda}{8}\left(\tfrac{|x|}{3}\right)^{-3/2}\right)",
    reference=ref("L1/2 Regularization: A Thresholding Representation Theory and a Fast Solver", None, 2012,
                  authors="Xu, Chang, Xu, Zhang",
                  venue="IEEE Transactions on Neural Networks and Learning Systems 23(7)"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    params=dict(lambd=P(0.0, None, open_low=True, doc="regularisation weight λ (threshold ∛54/4·λ^{2/3}; "
                                                      "1 is nonlin's choice)")),
)
def half_threshold(x: Tensor, lambd: float = 1.0) -> Tensor:
    """Half thresholding: the proximal map of the L1/2 penalty, a shrinkage between hard and soft thresholding.

    Zero up to |x| = (∛54/4)·λ^{2/3} ≈ 0.945·λ^{2/3}, where it jumps to 2/3 of
    the input, then approaches the identity (like hard thresholding, unlike
    soft, it is asymptotically unbiased).
    """
    t = (54.0 ** (1.0 / 3.0) / 4.0) * lambd ** (2.0 / 3.0)
    r = torch.clamp_min(x.abs(), t)  # the cosine branch is only used beyond t; clamping keeps it finite
    phi = torch.arccos((lambd / 8.0) * torch.pow(r / 3.0, -1.5))
    y = (2.0 / 3.0) * x * (1.0 + torch.cos(2.0 * math.pi / 3.0 - (2.0 / 3.0) * phi))
    return _keep_nan(x, torch.where(x.abs() > t, y, torch.zeros_like(x)))


@half_threshold.derivative
def _(x: Tensor, lambd: float) -> Tensor:
    t = (54.0 ** (1.0 / 3.0) / 4.0) * lambd ** (2.0 / 3.0)
    r = torch.clamp_min(x.abs(), t)
    phi = torch.arccos((lambd / 8.0) * torch.pow(r / 3.0, -1.5))
    theta = 2.0 * math.pi / 3.0 - (2.0 / 3.0) * phi
    # d/dx of (2/3)x(1 + cos θ): the x·dθ/dx term simplifies to sin θ·cot φ (φ ∈ [π/4, π/2) beyond t)
    d = (2.0 / 3.0) * (1.0 + torch.cos(theta) + torch.sin(theta) / torch.tan(phi))
    return torch.where(x.abs() > t, d, torch.zeros_like(x))


# ---------------------------------------------------------------------------
# Multi-level step units and thresholding
# ---------------------------------------------------------------------------

@activation(
    "gxnor_ternary", aliases=("ternary_activation",), family="sparse",
    formula=r"f(x) = \begin{cases} 1 & x \ge 1\\ 0 & |x| < 1\\ -1 & x \le -1\end{cases},\quad "
            r"\tilde f'(x) = \mathbb{1}[\tfrac12 < |x| < \tfrac32]",
    reference=ref("Gated XNOR Networks: Deep Neural Networks with Ternary Weights and Activations under a Unified "
                  "Discretization Framework", "1705.09283", 2018, authors="Deng, Jiao, Pei, Wu, Li",
                  venue="Neural Networks 100; constants from the authors' code (AcrossV/Gated-XNOR, "
                        "discrete_neuron_3states)"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True, odd=True),
)
def gxnor_ternary(x: Tensor) -> Tensor:
    """Ternary activation of GXNOR-Nets: −1, 0 or +1 with a dead zone |x| < 1, trained through a ramp.

    The authors compute it as round(h(x)) with h(x) = hs(2(x − 1)) + hs(2(x + 1)) − 1,
    hs(u) = clip((u + 1)/2, 0, 1), and let the gradient pass the rounding:
    forward ±1 beyond |x| = 1, backward h'(x) = 1 on 1/2 < |x| < 3/2 (the
    two ramps of h), 0 elsewhere.
    """
    return _keep_nan(x, torch.where(x >= 1, 1.0, torch.where(x <= -1, -1.0, 0.0)).to(x.dtype))


@gxnor_ternary.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    return ((a > 0.5) & (a < 1.5)).to(x.dtype)


# ---------------------------------------------------------------------------
# MSRF-smoothed step and sign (|x|_ε = √(x² + ε) in place of |x|)
# ---------------------------------------------------------------------------

def _bipolar_plus(x: Tensor, eps: float) -> Tensor:
    xf = torch.nan_to_num(x, nan=math.nan)  # ±inf -> ±max, where the ratio is ±1, its limit
    return xf / _hyp(xf, eps)


@activation(
    "bipolar_plus", family="sigmoidal",
    formula=r"\frac{x}{|x|_\varepsilon} = \frac{x}{\sqrt{x^2 + \varepsilon}}",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    params=dict(eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def bipolar_plus(x: Tensor, eps: float = 0.1) -> Tensor:
    """BipolarPlus: the sign function x/|x| with |x| mollified, a smooth bipolar step of width ~√ε.

    (An input rescaling of ISRU: bipolar_plus(x) = isru(x/√ε) for ISRU's α = 1.)
    """
    return _bipolar_plus(x, eps)


@bipolar_plus.derivative
def _(x: Tensor, eps: float) -> Tensor:
    h = _hyp(x, eps)
    return (eps / h) / (h * h)  # ε/(x² + ε)^{3/2}, each factor finite


@activation(
    "step_plus", family="sigmoidal",
    formula=r"\tfrac12\left(1 + \frac{x}{|x|_\varepsilon}\right)",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
    params=dict(eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def step_plus(x: Tensor, eps: float = 0.1) -> Tensor:
    """StepPlus: the Heaviside step (1 + x/|x|)/2 with |x| mollified; f(0) = 1/2."""
    return 0.5 + 0.5 * _bipolar_plus(x, eps)


@step_plus.derivative
def _(x: Tensor, eps: float) -> Tensor:
    h = _hyp(x, eps)
    return (0.5 * eps / h) / (h * h)
