"""Smooth rectifiers: softplus and other smooth (or C¹) stand-ins for ReLU.

Each unit here approaches 0 (or a constant) on the left and the identity (or a
line) on the right, with a smooth transition. Bounds in ``properties`` are
exact at the default parameters.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .._math import softplus as _softplus
from ..elementwise import activation
from ..registry import P, ParameterError, ref

FAMILY = "smooth_rectifiers"
_SURVEY = "not on arXiv; see also the survey 'Three Decades of Activations', arXiv 2402.09092"
_LN2 = math.log(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _with_inplace(fn, name: str):
    """A torch builtin given an autograd-safe ``inplace`` flag (it runs on a clone when a gradient is needed)."""

    def builtin(x: Tensor, inplace: bool = False, **kw):
        if not inplace:
            return fn(x, **kw)
        src = x.clone() if (torch.is_grad_enabled() and x.requires_grad) else x
        return x.copy_(fn(src, **kw))

    builtin.__name__ = builtin.__qualname__ = name
    builtin.__module__ = "torch.nn.functional"  # for Spec.builtin: what it dispatches to
    return builtin


@activation(
    "softplus", aliases=("soft_relu",), family=FAMILY,
    formula=r"\tfrac{1}{\beta}\ln(1 + e^{\beta x})",
    reference=ref("Incorporating Second-Order Functional Knowledge for Better Option Pricing", None, 2000,
                  authors="Dugas, Bengio, Bélisle, Nadeau, Garcia", venue=f"NeurIPS 13; {_SURVEY}"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
    params=dict(beta=P(0.0, None, open_low=True, doc="sharpness β (β→∞: ReLU)"),
                threshold=P(0.0, None, doc="return x where βx > threshold (torch's linear cut-over)")),
    builtin=_with_inplace(F.softplus, "softplus"),
)
def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Softplus: f(x) = (1/β)·ln(1 + e^{βx}), and x where βx > threshold (torch semantics).

    Dugas, Bengio, Bélisle, Nadeau & Garcia, "Incorporating Second-Order Functional
    Knowledge for Better Option Pricing", NeurIPS 2000 (not on arXiv). β = 1 and
    threshold = 20 are torch's defaults; past the threshold ln(1 + e^{βx})/β differs
    from x by less than e^{−20}/β. The formula uses max(z,0) + log1p(e^{−|z|}), which
    never overflows.
    """
    z = beta * x
    return torch.where(z > threshold, x, _softplus(z) / beta)


@softplus.derivative
def _(x: Tensor, beta: float, threshold: float) -> Tensor:
    z = beta * x
    return torch.where(z > threshold, 1.0, torch.sigmoid(z)).to(x.dtype)


@activation(
    "squareplus", family=FAMILY, formula=r"\tfrac12\left(x + \sqrt{x^2 + b}\right)",
    reference=ref("Squareplus: A Softplus-Like Algebraic Rectifier", "2112.11687", 2021, authors="Barron"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
    params=dict(b=P(0.0, None, open_low=True, doc="curvature b > 0 at the origin (b → 0: ReLU)")),
)
def squareplus(x: Tensor, b: float = 4.0) -> Tensor:
    """Squareplus: f(x) = (x + √(x² + b))/2.

    Barron, "Squareplus: A Softplus-Like Algebraic Rectifier", arXiv 2112.11687, 2021.
    b = 4 (the paper's choice) makes f(0) = 1 and matches softplus's curvature
    scale. For x < 0 the equivalent b/(2(√(x²+b) − x)) avoids cancellation;
    √(x²+b) is computed with hypot so it never overflows.
    """
    h = torch.hypot(x, torch.full_like(x, math.sqrt(b)))
    return torch.where(x >= 0, 0.5 * x + 0.5 * h, 0.5 * b / (h - x))  # halves first: x + h overflows near max


@squareplus.derivative
def _(x: Tensor, b: float) -> Tensor:
    h = torch.hypot(x, torch.full_like(x, math.sqrt(b)))
    # (1 + x/h)/2, and b/(2h(h − x)) for x < 0 (same value, no cancellation)
    return torch.where(x >= 0, 0.5 * (1.0 + x / h), 0.5 * b / (h * (h - x)))


@activation(
    "smelu", aliases=("smooth_relu",), family=FAMILY,
    formula=r"\begin{cases} 0 & x \le -\beta \\ \frac{(x+\beta)^2}{4\beta} & |x| < \beta \\ x & x \ge \beta \end{cases}",
    reference=ref("Smooth activations and reproducibility in deep networks", "2010.09931", 2020,
                  authors="Shamir, Lin, Coviello"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
    params=dict(beta=P(0.0, None, open_low=True, doc="half-width β of the quadratic transition")),
)
def smelu(x: Tensor, beta: float = 1.0) -> Tensor:
    """Smooth ReLU (SmeLU): 0 for x ≤ −β, (x + β)²/(4β) for |x| < β, x for x ≥ β.

    Shamir, Lin & Coviello, "Smooth activations and reproducibility in deep
    networks", arXiv 2010.09931, 2020 (also used in "Real World Large Scale
    Recommendation Systems Reproducibility and Smooth Activations", arXiv
    2202.06499). β is a free hyper-parameter in the paper; the default 1 here is our
    choice. SmeLU is ReLU convolved with a box of width 2β.
    """
    q = (x + beta) ** 2 / (4.0 * beta)
    return torch.where(x >= beta, x, torch.where(x <= -beta, 0.0, q))


@smelu.derivative
def _(x: Tensor, beta: float) -> Tensor:
    return torch.where(x >= beta, 1.0, torch.where(x <= -beta, 0.0, (x + beta) / (2.0 * beta))).to(x.dtype)


@activation(
    "shifted_softplus", aliases=("ssp",), family=FAMILY, formula=r"\ln(1 + e^{x}) - \ln 2",
    reference=ref("SchNet: A continuous-filter convolutional neural network for modeling quantum interactions",
                  "1706.08566", 2017, authors="Schütt, Kindermans, Sauceda, Chmiela, Tkatchenko, Müller",
                  venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-_LN2, bounded_above=False),
)
def shifted_softplus(x: Tensor) -> Tensor:
    """Shifted softplus: f(x) = ln(1 + eˣ) − ln 2, so that f(0) = 0.

    Schütt et al., "SchNet", arXiv 1706.08566, 2017. Computed as ln(1 + (eˣ − 1)/2)
    = log1p(expm1(x)/2) below x = 15, which keeps full relative precision near 0,
    and as softplus(x) − ln 2 above. No parameters.
    """
    xs = torch.clamp_max(x, 15.0)
    return torch.where(x < 15.0, torch.log1p(0.5 * torch.expm1(xs)), _softplus(x) - _LN2)


@shifted_softplus.derivative
def _(x: Tensor) -> Tensor:
    return torch.sigmoid(x)


@activation(
    "bent_identity", family=FAMILY, formula=r"\frac{\sqrt{x^2+1} - 1}{2} + x",
    reference=ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for Neural "
                  "Networks", "2402.09092", 2024, authors="Kunc, Kléma",
                  venue="survey reference: the original source is not known"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def bent_identity(x: Tensor) -> Tensor:
    """Bent identity: f(x) = (√(x² + 1) − 1)/2 + x.

    A classical activation of unknown origin; referenced to the survey by Kunc &
    Kléma (arXiv 2402.09092, 2024). Slope 1/2 on the far left, 3/2 on the far right.
    (√(x²+1) − 1) is computed as x·(x/(√(x²+1) + 1)) to avoid cancellation and
    overflow. No parameters.
    """
    h = torch.hypot(x, torch.ones_like(x))
    return x + 0.5 * x * (x / (h + 1.0))


@bent_identity.derivative
def _(x: Tensor) -> Tensor:
    return 1.0 + 0.5 * x / torch.hypot(x, torch.ones_like(x))


@activation(
    "soft_exponential", family=FAMILY,
    formula=r"-\frac{\ln(1 - \alpha(x + \alpha))}{\alpha}\ (\alpha < 0),\quad x\ (\alpha = 0),\quad "
            r"\frac{e^{\alpha x} - 1}{\alpha} + \alpha\ (\alpha > 0)",
    reference=ref("A continuum among logarithmic, linear, and exponential functions, and its potential to "
                  "improve generalization in neural networks", "1602.01321", 2016, authors="Godfrey, Gashler",
                  venue="KDIR 2015"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.5 - 1.0 / 0.5,
                    bounded_above=False),
    params=dict(alpha=P(None, None, doc="α < 0 logarithmic, 0 the identity, α > 0 exponential (the paper's continuum)")),
)
def soft_exponential(x: Tensor, alpha: float = 0.5) -> Tensor:
    """Soft exponential: −ln(1 − α(x + α))/α for α < 0, x for α = 0, (e^{αx} − 1)/α + α for α > 0.

    Godfrey & Gashler, arXiv 1602.01321, 2016. α is trainable in the paper and
    spans logarithmic (α < 0), linear (α = 0) and exponential (α > 0) units. The
    logarithmic branch is defined on the half line x > |α| − 1/|α| only and falls to
    −inf at its left end; below it this unit returns that limit, −inf (documented
    exception to "finite in, finite out"). The default α = 0.5 is our choice; for
    α > 0 the infimum is α − 1/α.
    """
    if alpha == 0.0:
        return x.clone()
    if alpha < 0.0:  # log1p(−α(x + α)) = ln(1 − α(x + α)); clamped at the domain edge, where it is −inf
        return -torch.log1p(torch.clamp_min(-alpha * (x + alpha), -1.0)) / alpha
    # e^{αx}/α as e^{αx − ln α} where e^{αx} alone would overflow although the quotient does not
    ax = alpha * x
    big = ax > 60.0
    return torch.where(big, torch.exp(torch.where(big, ax, 0.0) - math.log(alpha)) + (alpha - 1.0 / alpha),
                       torch.expm1(ax) / alpha + alpha)


@soft_exponential.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    if alpha < 0.0:
        arg = 1.0 - alpha * (x + alpha)
        return torch.where(arg > 0, 1.0 / arg, 0.0).to(x.dtype)  # 0 on the constant −inf part
    return torch.exp(alpha * x)


_SMU_REF = ref("SMU: smooth activation function for deep networks using smoothing maximum technique",
               "2111.04682", 2021, authors="Biswas, Kumar, Banerjee, Pandey")


@activation(
    "smu", family=FAMILY,
    formula=r"\tfrac12\left((1+\alpha)x + (1-\alpha)x\,\mathrm{erf}(\mu(1-\alpha)x)\right)",
    reference=_SMU_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(alpha=P(0.0, 1.0, doc="slope α of the leaky-ReLU being smoothed"),
                mu=P(0.0, None, open_low=True, doc="smoothing μ (μ → ∞: leaky ReLU)")),
)
def smu(x: Tensor, alpha: float = 0.01, mu: float = 2.5) -> Tensor:
    """Smooth maximum unit (erf form): f(x) = ((1+α)x + (1−α)x·erf(μ(1−α)x))/2.

    Biswas, Kumar, Banerjee & Pandey, arXiv 2111.04682, 2021: a smooth
    approximation of max(x, αx) = leaky ReLU. μ is trainable in the paper (the
    authors' code initialises it at 10⁶ with α = 0.25, which is leaky ReLU to
    machine precision); the fixed defaults α = 0.01, μ = 2.5 here are a visibly
    smooth setting used by public re-implementations (unverified against the paper's
    tables). With these values the slope dips slightly below 0 near x ≈ −0.4, so
    the unit is not monotonic.
    """
    k = 1.0 - alpha
    # x times a gate in [α, 1]: the paper's sum (1+α)x + ... overflows near the float maximum
    return x * (0.5 * (1.0 + alpha) + 0.5 * k * torch.erf(mu * k * x))


@smu.derivative
def _(x: Tensor, alpha: float, mu: float) -> Tensor:
    k = 1.0 - alpha
    z = mu * k * x
    return 0.5 * ((1.0 + alpha) + k * torch.erf(z) + (x * torch.exp(-z * z)) * (_TWO_OVER_SQRT_PI * mu * k * k))


@activation(
    "smu1", aliases=("smu_1",), family=FAMILY,
    formula=r"\tfrac12\left((1+\alpha)x + \sqrt{(1-\alpha)^2x^2 + \mu^2}\right)",
    reference=_SMU_REF,
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=False, bounded_above=False),
    params=dict(alpha=P(0.0, 1.0, doc="slope α of the leaky-ReLU being smoothed"),
                mu=P(0.0, None, open_low=True, doc="smoothing μ > 0 (μ → 0: leaky ReLU)")),
)
def smu1(x: Tensor, alpha: float = 0.25, mu: float = 4.352665993287951e-9) -> Tensor:
    """Smooth maximum unit, SMU-1 (square-root form): f(x) = ((1+α)x + √((1−α)²x² + μ²))/2.

    Biswas, Kumar, Banerjee & Pandey, arXiv 2111.04682, 2021. μ is trainable in the
    paper; the defaults α = 0.25 and μ = 4.352665993287951e-9 are the initial values
    in the authors' public implementation, where SMU-1 is leaky ReLU (slope 0.25)
    rounded off in a band of width ~μ around 0, and f(0) = μ/2. The slope is always
    in [α, 1], so the unit is monotonic.
    """
    # each half formed separately: (1+α)x overflows near the float maximum, their sum does not
    return (0.5 * (1.0 + alpha)) * x + 0.5 * torch.hypot((1.0 - alpha) * x, torch.full_like(x, mu))


@smu1.derivative
def _(x: Tensor, alpha: float, mu: float) -> Tensor:
    kx = (1.0 - alpha) * x
    return 0.5 * ((1.0 + alpha) + (1.0 - alpha) * kx / torch.hypot(kx, torch.full_like(x, mu)))


@activation(
    "xielu", family=FAMILY,
    formula=r"\begin{cases} \alpha_p x^2 + \beta x & x > 0 \\ "
            r"\alpha_n(e^{x} - 1 - x) + \beta x & x \le 0 \end{cases}",
    reference=ref("Deriving Activation Functions Using Integration", "2411.13010", 2024, authors="Huang"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=-0.2057512240964821,
                    bounded_above=False),
    params=dict(alpha_p=P(0.0, None, doc="curvature α_p of the positive (ReLU²-like) branch"),
                alpha_n=P(0.0, None, doc="weight α_n of the negative ELU-integral branch (the paper keeps α_n > β)"),
                beta=P(None, None, doc="linear slope β shared by both branches")),
)
def xielu(x: Tensor, alpha_p: float = 0.8, alpha_n: float = 0.8, beta: float = 0.5) -> Tensor:
    """Expanded integral of ELU (xIELU): α_p x² + βx for x > 0, α_n(eˣ − 1 − x) + βx for x ≤ 0.

    Huang, "Deriving Activation Functions Using Integration", arXiv 2411.13010, 2024.
    Obtained by integrating trainable affine maps of ELU: the gradient grows
    linearly for x > 0 (like ReLU²) and tends to β − α_n < 0 for x → −∞ (negative
    gradient flow, like xSiLU). α_p, α_n, β are trainable in the paper (α_p, α_n
    passed through softplus, α_n offset by β) and initialised at α_p = α_n = 0.8,
    β = 0.5; the fixed unit uses those values. The reference implementation clamps
    the exponent at ε = −10⁻⁶ for numerical reasons; this unit evaluates the exact
    formula with expm1, which needs no clamp.
    """
    xn = torch.clamp_max(x, 0.0)
    neg = alpha_n * (torch.expm1(xn) - xn) + beta * x
    return torch.where(x > 0, alpha_p * x * x + beta * x, neg)


@xielu.derivative
def _(x: Tensor, alpha_p: float, alpha_n: float, beta: float) -> Tensor:
    return torch.where(x > 0, 2.0 * alpha_p * x + beta, alpha_n * torch.expm1(torch.clamp_max(x, 0.0)) + beta)


def _eis_constraint(p: dict) -> None:
    if p["beta"] == 0 and p["gamma"] == 0 and p["delta"] == 0:
        raise ParameterError("'eis' parameters 'beta', 'gamma' and 'delta' must not all be 0 (the denominator "
                             "would vanish everywhere)")


@activation(
    "eis", family=FAMILY,
    formula=r"\frac{x\,\ln(1+e^{x})^{\alpha}}{\sqrt{\beta + \gamma x^2} + \delta e^{-\theta x}}",
    reference=ref("EIS -- a family of activation functions combining Exponential, ISRU, and Softplus",
                  "2009.13501", 2020, authors="Biswas, Kumar, Banerjee, Pandey"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.2321552368094599,
                    bounded_above=False),
    params=dict(alpha=P(1.0, None, doc="power α ≥ 1 of the softplus factor"),
                beta=P(0.0, None, doc="constant β ≥ 0 under the square root (β = 0 is allowed by the paper; then f(0) = 0)"),
                gamma=P(0.0, None, doc="weight γ of x² under the square root"),
                delta=P(0.0, None, doc="weight δ of the exponential term (0 drops it)"),
                theta=P(0.0, None, doc="rate θ of the exponential term")),
    constraints=lambda p: _eis_constraint(p),
)
def eis(x: Tensor, alpha: float = 1.0, beta: float = 1.0, gamma: float = 1.0, delta: float = 0.0,
        theta: float = 1.0) -> Tensor:
    """EIS family: f(x) = x·ln(1 + eˣ)^α / (√(β + γx²) + δ·e^{−θx}).

    Biswas, Kumar, Banerjee & Pandey, "EIS - a family of activation functions
    combining Exponential, ISRU, and Softplus", arXiv 2009.13501, 2020. The default
    (α, β, γ, δ) = (1, 1, 1, 0) is the paper's highlighted member
    x·ln(1 + eˣ)/√(1 + x²). β = 0 is allowed (as in the paper); the denominator then
    vanishes at x = 0 when δ = 0, and f(0) is taken as 0 (the numerator's zero); β, γ, δ
    must not all be 0. The exponent of e^{−θx} is clamped at 80 (there the quotient is
    already 0 to float precision).
    """
    # x/denominator first (bounded by 1/√γ): x·ln(1+eˣ)^α overflows long before the result does
    den = _eis_denominator(x, beta, gamma, delta, theta)
    ratio = x / den if beta > 0 else torch.where(den == 0, 0.0, x / den)  # β = 0: x/den is 0/0 at x = 0
    return ratio * _softplus(x) ** alpha


def _eis_denominator(x: Tensor, beta: float, gamma: float, delta: float, theta: float) -> Tensor:
    d = torch.hypot(torch.full_like(x, math.sqrt(beta)), math.sqrt(gamma) * x)  # √(β + γx²) without overflow
    if delta != 0.0:
        d = d + delta * torch.exp(torch.clamp_max(-theta * x, 80.0))
    return d


@eis.derivative
def _(x: Tensor, alpha: float, beta: float, gamma: float, delta: float, theta: float) -> Tensor:
    s = _softplus(x)
    r = torch.hypot(torch.full_like(x, math.sqrt(beta)), math.sqrt(gamma) * x)
    den = _eis_denominator(x, beta, gamma, delta, theta)
    dden = gamma * x / r if beta > 0 else torch.where(r == 0, 0.0, gamma * x / r)
    if delta != 0.0:
        dden = dden - theta * delta * torch.exp(torch.clamp_max(-theta * x, 80.0))
    # f' = (s^α + x·α·s^{α−1}·σ(x))/den − f·dden/den, with every product formed from the bounded
    # quotients q = s^α/den and x/den: s^α·x overflows near the float maximum while f' is ~2
    q = s ** alpha / den
    ratio = x / den
    d = q + ratio * alpha * s ** (alpha - 1.0) * torch.sigmoid(x) - q * ratio * dden
    if beta == 0:  # den = 0 at x = 0 (δ = 0): the quotient form is 0·inf there; the original is ±inf
        dnum = s ** alpha + x * alpha * s ** (alpha - 1.0) * torch.sigmoid(x)
        d = torch.where(den == 0, dnum / den, d)
    return d

