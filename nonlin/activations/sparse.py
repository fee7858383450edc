"""Sparsifying units: shrinkage, thresholds, clipped rectifiers and binarising steps.

Shrinkage operators (soft, hard, firm, garrote, SCAD, elastic net) are the
proximal/thresholding rules of sparse estimation; used as activations they
output exact zeros on a dead zone around 0.

Torch's ``hardshrink``/``softshrink``/``threshold`` builtins save their input;
``hardshrink``/``softshrink`` have no in-place form, so writing their result
back into the input (``inplace=True``) would corrupt what autograd saved.
They therefore run through nonlin's formula path (which saves a clone when
in place) rather than ``builtin=``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..elementwise import activation
from ..registry import ParameterError, P, ordered, ref

_DONOHO = ref("Ideal Spatial Adaptation by Wavelet Shrinkage", None, 1994, authors="Donoho, Johnstone",
              venue="Biometrika 81")
_PRICE = ref("Deep Neural Network Initialization with Sparsity Inducing Activations", "2402.16184", 2024,
             authors="Price, Daubechies, Tanner, Yap", venue="ICLR")


@activation(
    "hardshrink", aliases=("hard_shrink", "hard_threshold"), family="sparse",
    formula=r"\begin{cases} x & |x| > \lambda\\ 0 & |x| \le \lambda\end{cases}",
    reference=_DONOHO,
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True, odd=True),
    params=dict(lambd=P(0.0, None, doc="threshold λ of the dead zone")),
)
def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """Hard shrinkage (hard thresholding): keep x where |x| > λ, zero elsewhere; λ = 0.5.

    Discontinuous at ±λ (a jump of height λ); 'C0' is the weakest class
    the registry records.
    """
    return x * (x.abs() > lambd).to(x.dtype)  # a product (not where) so NaN propagates


@hardshrink.derivative
def _(x: Tensor, lambd: float) -> Tensor:
    return (x.abs() > lambd).to(x.dtype)


@activation(
    "softshrink", aliases=("soft_shrink", "soft_threshold"), family="sparse",
    formula=r"\mathrm{sign}(x)\max(|x| - \lambda, 0)",
    reference=_DONOHO,
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True, odd=True),
    params=dict(lambd=P(0.0, None, doc="threshold λ subtracted from |x|")),
)
def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """Soft shrinkage (soft thresholding): sign(x)·max(|x| − λ, 0), λ = 0.5 — the prox of λ|·|."""
    return x - torch.clamp(x, -lambd, lambd)  # clamp propagates NaN


@softshrink.derivative
def _(x: Tensor, lambd: float) -> Tensor:
    return (x.abs() > lambd).to(x.dtype)


@activation(
    "tanhshrink", aliases=("tanh_shrink",), family="sparse", formula=r"x - \tanh(x)",
    reference=ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for Neural "
                  "Networks (as listed in the survey)", "2402.09092", 2024, authors="Kunc, Kléma"),
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    # no builtin: F.tanhshrink computes x − tanh(x) in bfloat16/float16 themselves, where the
    # cancellation costs 2 % (and monotonicity); the formula runs in float32 for half inputs
)
def tanhshrink(x: Tensor) -> Tensor:
    """Tanh shrink: f(x) = x − tanh(x), flat (cubic, x³/3) near 0 and linear in the tails."""
    return x - torch.tanh(x)


@tanhshrink.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return t * t


@activation(
    "threshold", aliases=("thresholded_relu", "trec"), family="sparse",
    formula=r"\begin{cases} x & x > \theta\\ v & x \le \theta\end{cases},\ \theta = 1,\ v = 0",
    reference=ref("Zero-bias autoencoders and the benefits of co-adapting features", "1402.3337", 2014,
                  authors="Konda, Memisevic, Krueger", venue="ICLR 2015"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True),
    params=dict(threshold=P(None, None, doc="threshold θ"),
                value=P(None, None, doc="value v returned at or below θ")),
    builtin=F.threshold,
)
def threshold(x: Tensor, threshold: float = 1.0, value: float = 0.0) -> Tensor:
    """Thresholded ReLU (TRec; torch's Threshold): x if x > θ else v, with θ = 1, v = 0.

    Konda et al. use it (θ = 1) in zero-bias autoencoders so that small
    inputs are exactly zero without a negative bias.  Discontinuous at θ.
    """
    return torch.where(x > threshold, x, value)


@threshold.derivative
def _(x: Tensor, threshold: float, value: float) -> Tensor:
    return (x > threshold).to(x.dtype)


@activation(
    "crelu_tm", family="sparse", formula=r"\mathrm{CReLU}_{\tau,m}(x) = \min(\max(x - \tau, 0), m)",
    reference=_PRICE,
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True),
    params=dict(tau=P(None, None, doc="shift τ: the unit is zero for x <= τ"),
                m=P(0.0, None, open_low=True, doc="clip m: the maximum output")),
)
def crelu_tm(x: Tensor, tau: float = 0.5, m: float = 1.0) -> Tensor:
    """Clipped shifted ReLU CReLU_{τ,m}(x) = min(max(x − τ, 0), m).

    Price et al. show that sparsity-inducing shifts (τ > 0) make deep
    networks unstable at initialisation unless the output is also clipped
    at m.  The defaults τ = 0.5, m = 1 are nonlin's choice (the paper sets
    τ from a target sparsity and tunes m).
    """
    return torch.clamp(x - tau, 0.0, m)


@crelu_tm.derivative
def _(x: Tensor, tau: float, m: float) -> Tensor:
    return ((x > tau) & (x < tau + m)).to(x.dtype)


@activation(
    "cst_tm", family="sparse", formula=r"\mathrm{CST}_{\tau,m}(x) = \mathrm{sign}(x)\min(\max(|x| - \tau, 0), m)",
    reference=_PRICE,
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, odd=True),
    params=dict(tau=P(0.0, None, doc="soft threshold τ"),
                m=P(0.0, None, open_low=True, doc="clip m: the maximum |output|")),
)
def cst_tm(x: Tensor, tau: float = 0.5, m: float = 1.0) -> Tensor:
    """Clipped soft threshold CST_{τ,m}(x) = sign(x)·min(max(|x| − τ, 0), m).

    The odd counterpart of crelu_tm: soft thresholding at τ, clipped at
    ±m.  Defaults τ = 0.5, m = 1 are nonlin's choice.
    """
    return torch.where(x >= 0, torch.clamp(x - tau, 0.0, m), torch.clamp(x + tau, -m, 0.0))


@cst_tm.derivative
def _(x: Tensor, tau: float, m: float) -> Tensor:
    a = x.abs()
    return ((a > tau) & (a < tau + m)).to(x.dtype)


@activation(
    "hard_ash_fixed", family="sparse", formula=r"x\,H(x - t)",
    reference=ref("Stochastic Adaptive Activation Function", "2210.11672", 2022,
                  authors="Lee, Lee, Kim, Kim", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True),
    params=dict(t=P(0.0, None, doc="fixed threshold t (ASH uses μ_X + z_k σ_X)")),
)
def hard_ash_fixed(x: Tensor, t: float = 1.2816) -> Tensor:
    """Hard ASH with a fixed threshold: f(x) = x·H(x − t) — keep only inputs above t.

    ASH (adaptive swish) proper computes t = μ_X + z_k·σ_X from the mean
    and standard deviation of the feature map so that the top k percent of
    values pass; that depends on the whole map and is *not* elementwise.
    This unit freezes t; the default 1.2816 = z for the top 10 % of a
    standardised (zero mean, unit variance) input.  The Heaviside step keeps
    x = t (H(0) = 1), ASH's "x if x ≥ μ_X + z_k σ_X" and the same convention as the
    learnable ``ash`` in hard mode.  (arXiv id as recalled,
    unverified.)
    """
    return x * (x >= t).to(x.dtype)  # a product (not where) so NaN propagates; x = t is kept, as in ASH


@hard_ash_fixed.derivative
def _(x: Tensor, t: float) -> Tensor:
    return (x >= t).to(x.dtype)


@activation(
    "garrote", aliases=("nonnegative_garrote",), family="sparse",
    formula=r"\begin{cases} x - \lambda^2/x & |x| > \lambda\\ 0 & |x| \le \lambda\end{cases}",
    reference=ref("Wavelet Shrinkage Denoising Using the Non-Negative Garrote", None, 1998, authors="Gao",
                  venue="Journal of Computational and Graphical Statistics 7"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    params=dict(lambd=P(0.0, None, open_low=True, doc="threshold λ")),
)
def garrote(x: Tensor, lambd: float = 0.5) -> Tensor:
    """Non-negative garrote shrinkage: x − λ²/x outside [−λ, λ], 0 inside; λ = 0.5.

    Continuous, between soft (bias λ) and hard (bias 0) thresholding: the
    bias λ²/x vanishes for large |x|.
    """
    keep = x.abs() > lambd
    safe = torch.where(keep, x, 1.0)  # no division by ~0 in the discarded branch
    return (x - lambd * lambd / safe) * keep.to(x.dtype)  # a product (not where) so NaN propagates


@garrote.derivative
def _(x: Tensor, lambd: float) -> Tensor:
    keep = x.abs() > lambd
    safe = torch.where(keep, x, 1.0)
    return torch.where(keep, 1.0 + lambd * lambd / (safe * safe), 0.0)


@activation(
    "firm_shrink", aliases=("firm_threshold", "semisoft_shrink"), family="sparse",
    formula=r"\begin{cases} 0 & |x| \le \lambda_1\\ \mathrm{sign}(x)\frac{\lambda_2(|x| - \lambda_1)}"
            r"{\lambda_2 - \lambda_1} & \lambda_1 < |x| \le \lambda_2\\ x & |x| > \lambda_2\end{cases}",
    reference=ref("WaveShrink with Firm Shrinkage", None, 1997, authors="Gao, Bruce", venue="Statistica Sinica 7"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True, odd=True),
    params=dict(lambd1=P(0.0, None, doc="inner threshold λ₁ (zero below)"),
                lambd2=P(0.0, None, open_low=True, doc="outer threshold λ₂ > λ₁ (identity above)")),
    constraints=ordered("lambd1", "lambd2"),
)
def firm_shrink(x: Tensor, lambd1: float = 0.5, lambd2: float = 1.0) -> Tensor:
    """Firm (semisoft) shrinkage: zero below λ₁, identity above λ₂, linear in between.

    Interpolates hard (λ₂ → λ₁) and soft (λ₂ → ∞) thresholding.  It is
    also the MCP thresholding rule of Zhang (2010) with λ = λ₁, γ = λ₂/λ₁.
    """
    a = x.abs()
    mid = torch.sign(x) * (lambd2 * (a - lambd1) / (lambd2 - lambd1))
    return torch.where(a <= lambd1, 0.0, torch.where(a <= lambd2, mid, x))


@firm_shrink.derivative
def _(x: Tensor, lambd1: float, lambd2: float) -> Tensor:
    a = x.abs()
    return torch.where(a <= lambd1, 0.0, torch.where(a <= lambd2, lambd2 / (lambd2 - lambd1), 1.0)).to(x.dtype)


@activation(
    "scad_threshold", aliases=("scad",), family="sparse",
    formula=r"\begin{cases}\mathrm{sign}(x)(|x| - \lambda)_+ & |x| \le 2\lambda\\ "
            r"\frac{(a-1)x - \mathrm{sign}(x)a\lambda}{a - 2} & 2\lambda < |x| \le a\lambda\\ "
            r"x & |x| > a\lambda\end{cases}",
    reference=ref("Variable Selection via Nonconcave Penalized Likelihood and its Oracle Properties", None, 2001,
                  authors="Fan, Li", venue="Journal of the American Statistical Association 96"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True, odd=True),
    params=dict(lambd=P(0.0, None, open_low=True, doc="threshold λ"),
                a=P(2.0, None, open_low=True, doc="shape a > 2 (Fan & Li recommend 3.7)")),
)
def scad_threshold(x: Tensor, lambd: float = 0.5, a: float = 3.7) -> Tensor:
    """SCAD thresholding rule: soft thresholding near 0, identity for |x| > aλ, linear blend between.

    The minimiser of ½(z − x)² + SCAD penalty; a = 3.7 is Fan & Li's
    recommended value, λ = 0.5 is nonlin's default.
    """
    ax = x.abs()
    s = torch.sign(x)
    soft = s * torch.clamp_min(ax - lambd, 0.0)
    blend = ((a - 1.0) * x - s * a * lambd) / (a - 2.0)
    return torch.where(ax <= 2 * lambd, soft, torch.where(ax <= a * lambd, blend, x))


@scad_threshold.derivative
def _(x: Tensor, lambd: float, a: float) -> Tensor:
    ax = x.abs()
    return torch.where(ax <= lambd, 0.0,
                       torch.where(ax <= 2 * lambd, 1.0,
                                   torch.where(ax <= a * lambd, (a - 1.0) / (a - 2.0), 1.0))).to(x.dtype)


@activation(
    "elastic_net_shrink", family="sparse", formula=r"\frac{\mathrm{sign}(x)\max(|x| - \lambda_1, 0)}{1 + \lambda_2}",
    reference=ref("Regularization and Variable Selection via the Elastic Net", None, 2005, authors="Zou, Hastie",
                  venue="Journal of the Royal Statistical Society B 67"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True, odd=True),
    params=dict(lambd1=P(0.0, None, doc="ℓ1 weight λ₁ (the dead zone)"),
                lambd2=P(0.0, None, doc="ℓ2 weight λ₂ (the extra shrink factor 1/(1+λ₂))")),
)
def elastic_net_shrink(x: Tensor, lambd1: float = 0.5, lambd2: float = 1.0) -> Tensor:
    """Elastic-net shrinkage: soft thresholding at λ₁ then scaling by 1/(1 + λ₂).

    The proximal operator of λ₁|u| + (λ₂/2)u², i.e. the elastic-net
    estimate for one orthonormal coordinate.  Defaults λ₁ = 0.5, λ₂ = 1 are
    nonlin's choice.
    """
    return torch.sign(x) * torch.clamp_min(x.abs() - lambd1, 0.0) / (1.0 + lambd2)


@elastic_net_shrink.derivative
def _(x: Tensor, lambd1: float, lambd2: float) -> Tensor:
    return (x.abs() > lambd1).to(x.dtype) / (1.0 + lambd2)


@activation(
    "sign_ste", aliases=("binarize_ste",), family="sparse",
    formula=r"f(x) = \begin{cases}+1 & x \ge 0\\ -1 & x < 0\end{cases},\quad \tilde f'(x) = \mathbb{1}[|x| \le 1]",
    reference=ref("Binarized Neural Networks", "1602.02830", 2016,
                  authors="Hubara, Courbariaux, Soudry, El-Yaniv, Bengio", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True, surrogate_gradient=True),
)
def sign_ste(x: Tensor) -> Tensor:
    """Binarising sign with the straight-through estimator of BNNs.

    Forward: +1 for x >= 0, −1 otherwise (BNNs map 0 to +1).  Backward:
    the gradient of hardtanh, 1[|x| <= 1], which cancels the gradient when
    the input is saturated.
    """
    y = torch.where(x >= 0, 1.0, -1.0).to(x.dtype)
    return torch.where(torch.isnan(x), x, y)  # torch.sign and where would map NaN to a number


@sign_ste.derivative
def _(x: Tensor) -> Tensor:
    return (x.abs() <= 1).to(x.dtype)


@activation(
    "step_ste", aliases=("heaviside_ste",), family="sparse",
    formula=r"f(x) = \mathbb{1}[x > 0],\quad \tilde f'(x) = 1",
    reference=ref("Estimating or Propagating Gradients Through Stochastic Neurons for Conditional Computation",
                  "1308.3432", 2013, authors="Bengio, Léonard, Courville"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
)
def step_ste(x: Tensor) -> Tensor:
    """Heaviside step 1[x > 0] with the straight-through estimator (backward passes the gradient unchanged)."""
    y = (x > 0).to(x.dtype)
    return torch.where(torch.isnan(x), x, y)  # keep NaN


@step_ste.derivative
def _(x: Tensor) -> Tensor:
    return torch.ones_like(x)



@activation(
    "pact_fixed", aliases=("pact",), family="sparse",
    formula=r"\frac{\alpha}{2^k - 1}\,\mathrm{round}\Big(\frac{2^k - 1}{\alpha}\,\mathrm{clip}(x, 0, \alpha)\Big),"
            r"\quad \tilde f'(x) = \mathbb{1}[0 \le x \le \alpha]",
    reference=ref("PACT: Parameterized Clipping Activation for Quantized Neural Networks", "1805.06085", 2018,
                  authors="Choi, Wang, Venkataramani, Chuang, Srinivasan, Gopalakrishnan"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=10.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="clipping level α (learnable in PACT)"),
                bits=P(1, 16, kind="int", doc="bit width k: 2^k levels on [0, α]")),
)
def pact_fixed(x: Tensor, alpha: float = 10.0, bits: int = 4) -> Tensor:
    """PACT activation quantiser with a fixed clipping level: clip to [0, α], round to 2^k levels.

    Forward: the k-bit quantisation of clip(x, 0, α).  Backward: the
    straight-through estimator through the rounding, 1[0 <= x <= α]
    (PACT also learns α from the clipped part; here α is fixed).  Defaults
    α = 10 (PACT's initial value, as recalled) and k = 4 bits.
    """
    n = 2 ** bits - 1
    return torch.round(torch.clamp(x, 0.0, alpha) * (n / alpha)) * (alpha / n)


@pact_fixed.derivative
def _(x: Tensor, alpha: float, bits: int) -> Tensor:
    return ((x >= 0) & (x <= alpha)).to(x.dtype)


@activation(
    "dorefa_act", family="sparse",
    formula=r"\frac{1}{2^k - 1}\,\mathrm{round}\big((2^k - 1)\,\mathrm{clip}(x, 0, 1)\big),"
            r"\quad \tilde f'(x) = \mathbb{1}[0 \le x \le 1]",
    reference=ref("DoReFa-Net: Training Low Bitwidth Convolutional Neural Networks with Low Bitwidth Gradients",
                  "1606.06160", 2016, authors="Zhou, Wu, Ni, Zhou, Wen, Zou"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
    params=dict(bits=P(1, 16, kind="int", doc="activation bit width k")),
)
def dorefa_act(x: Tensor, bits: int = 2) -> Tensor:
    """DoReFa-Net activation quantiser: clip to [0, 1], round to 2^k levels; straight-through backward.

    The quantise_k(r) = round((2^k − 1) r)/(2^k − 1) of the paper applied to
    the clipped activation; the rounding passes the gradient unchanged so
    the backward rule is 1[0 <= x <= 1].  Default k = 2 bits.
    """
    n = 2 ** bits - 1
    return torch.round(torch.clamp(x, 0.0, 1.0) * n) / n


@dorefa_act.derivative
def _(x: Tensor, bits: int) -> Tensor:
    return ((x >= 0) & (x <= 1)).to(x.dtype)
