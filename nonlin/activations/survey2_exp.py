"""ELU-type, softplus-type and logarithmic units of the survey arXiv 2402.09092 (second pass).

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024, sections
3.6-3.7 (ELU relatives), 3.17-3.19 (softplus variants), 3.37 (HcLSH) and 4.2
(adaptive ELU relatives, here frozen at their published initial values), plus
LogLU (2024, after the survey).  Each unit cites the paper that proposed it; the
survey is the secondary source.  Where a paper gives no value for a parameter
the default is marked as nonlin's choice.

Left out on purpose: FELU (= ELU; its base-2 form is only a faster way to
compute eˣ), SigLU (= ``ptelu_fixed``), ShELU/SvELU/PSELU/P+FELU (shifts and
scales learned per neuron with no published fixed value; at their neutral
values they are ELU/SELU), the exponential eˣ (= ``soft_exponential`` at α = 1),
the survey's LAF (ln z + 1, undefined at 0) and TaLU (its primary equation and
threshold value could not be checked).

Negative branches are evaluated on ``min(x, 0)`` and positive ones on
``max(x, 0)`` so that the branch ``torch.where`` discards never overflows.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import expm1_neg, softplus
from ..elementwise import activation
from ..registry import P, ref

_LN2 = math.log(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

_FPFLU_REF = ref("PFLU and FPFLU: Two novel non-monotonic activation functions in convolutional neural networks",
                 None, 2021, authors="Zhu, Min et al.", venue="Neurocomputing 429")
_RSIGELU_REF = ref("RSigELU: A nonlinear activation function for deep neural networks", None, 2021,
                   authors="Kiliçarslan, Celik", venue="Expert Systems with Applications 174")
_ADA_REF = ref("Non-linear Neurons with Human-like Apical Dendrite Activations", "2003.03229", 2020,
               authors="Georgescu, Ionescu, Ristea, Sebe")


# ---------------------------------------------------------------- ELU relatives

def _fpflu_neg(x: Tensor) -> Tensor:
    """x + x²/√(1+x²) for x ≤ 0, as (x/h)/(h − x), h = √(1+x²): no cancellation, no overflow."""
    h = torch.hypot(torch.ones_like(x), x)
    return (x / h) / (h - x)


@activation(
    "fpflu", family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ x + \dfrac{x^2}{\sqrt{1 + x^2}} & x < 0\end{cases}",
    reference=_FPFLU_REF,
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=-0.3002831060007776,
                    bounded_above=False),
)
def fpflu(x: Tensor) -> Tensor:
    """Faster power function linear unit (FPFLU): x for x >= 0, x + x²/√(1 + x²) below.

    The ELU-shaped companion of PFLU (Zhu et al. 2021): the negative branch
    dips to ≈ −0.30028 near x ≈ −0.7862 and returns to 0 like 1/(2x).  It is
    computed as x/(√(1+x²)(√(1+x²) − x)), the same value without the
    cancellation of x + x²/√(1+x²).  No parameters.
    """
    return torch.where(x >= 0, x, _fpflu_neg(torch.clamp_max(x, 0)))


@fpflu.derivative
def _(x: Tensor) -> Tensor:
    t = -torch.clamp_max(x, 0)  # t = −x ≥ 0
    h = torch.hypot(torch.ones_like(t), t)
    r = 1.0 / h
    # 1 + x(2 + x²)/h³ = r²(r − t)/(h + t): exact rewriting that keeps its ~ −1/(2x²) tail
    return torch.where(x >= 0, torch.ones_like(x), r * r * (r - t) / (h + t))


@activation(
    "rsigelud", family="exponential",
    formula=r"\begin{cases} x\,\sigma(x)\,a + x & x > 1\\ x & 0 \le x \le 1\\ b(e^{x} - 1) & x < 0\end{cases}",
    reference=_RSIGELU_REF,
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=-1.0, bounded_above=False),
    params=dict(a=P(0.0, 1.0, doc="a ∈ [0, 1]: weight of the sigmoid term above 1"),
                b=P(0.0, 1.0, doc="b ∈ [0, 1]: saturation −b of the ELU part below 0")),
)
def rsigelud(x: Tensor, a: float = 0.5, b: float = 1.0) -> Tensor:
    """RSigELUD, the two-parameter RSigELU: ELU (scale b) below 0, identity on [0, 1], x + a·x·σ(x) above 1.

    Kiliçarslan & Celik (2021) search a, b ∈ (0, 1); a = 0.5, b = 1 (the
    vanilla ELU below 0) are nonlin's choice.  With a = b it is ``rsigelu``.
    As published the pieces do not meet at x = 1 (an upward jump of a·σ(1)).
    """
    above = x + a * x * torch.sigmoid(x)
    return torch.where(x > 1, above, torch.where(x >= 0, x, b * expm1_neg(x)))


@rsigelud.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    s = torch.sigmoid(x)
    above = 1.0 + a * (s + x * (s * (1 - s)))
    return torch.where(x > 1, above, torch.where(x >= 0, 1.0, b * torch.exp(torch.clamp_max(x, 0))))


@activation(
    "ada", family="exponential",
    formula=r"\begin{cases} x\,e^{-a x + b} & x > 0\\ 0 & x \le 0\end{cases}",
    reference=_ADA_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0,
                    bounded_above=1.0 / math.e),
    params=dict(a=P(0.0, None, open_low=True, doc="decay rate a > 0 of the positive branch (peak at x = 1/a)"),
                b=P(None, None, doc="log-amplitude b: the peak value is e^{b−1}/a")),
)
def ada(x: Tensor, a: float = 1.0, b: float = 0.0) -> Tensor:
    """Apical dendrite activation (ADA): ReLU(x)·e^{−ax+b}, a bump that peaks at x = 1/a and decays.

    Georgescu et al. (arXiv 2003.03229) model the apical-dendrite response of
    human pyramidal neurons; a and b are fixed hyper-parameters.  a = 1, b = 0
    (the authors' evaluation code; peak 1/e at x = 1) are the defaults.
    """
    xp = torch.clamp_min(x, 0)
    return xp * torch.exp(-a * xp + b)


@ada.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    xp = torch.clamp_min(x, 0)
    return torch.where(x > 0, (1.0 - a * xp) * torch.exp(-a * xp + b), 0.0)


@activation(
    "lada", aliases=("leaky_ada",), family="exponential",
    formula=r"\begin{cases} x\,e^{-a x + b} & x > 0\\ c\,x & x \le 0\end{cases}",
    reference=_ADA_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=False,
                    bounded_above=1.0 / math.e),
    params=dict(a=P(0.0, None, open_low=True, doc="decay rate a > 0 of the positive branch"),
                b=P(None, None, doc="log-amplitude b of the positive branch"),
                c=P(0.0, None, doc="leak slope c for x <= 0")),
)
def lada(x: Tensor, a: float = 1.0, b: float = 0.0, c: float = 0.01) -> Tensor:
    """Leaky apical dendrite activation (LADA): ADA plus a leaky line c·x for x <= 0.

    Georgescu et al. (arXiv 2003.03229) use the leak c = 0.01; a = 1, b = 0
    as for ``ada``.
    """
    xp = torch.clamp_min(x, 0)
    return xp * torch.exp(-a * xp + b) + c * torch.clamp_max(x, 0)


@lada.derivative
def _(x: Tensor, a: float, b: float, c: float) -> Tensor:
    xp = torch.clamp_min(x, 0)
    return torch.where(x > 0, (1.0 - a * xp) * torch.exp(-a * xp + b), c)


@activation(
    "erfrelu", family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ a\,\operatorname{erf}(x) & x < 0\end{cases}",
    reference=ref("ErfReLU: Adaptive Activation Function for Deep Neural Network", "2306.01822", 2023,
                  authors="Rajanand, Singh", venue="Pattern Analysis and Applications 27 (2024)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=-1.0, bounded_above=False),
    params=dict(a=P(0.0, None, doc="saturation value −a of the erf branch (trainable in the paper)")),
)
def erfrelu(x: Tensor, a: float = 1.0) -> Tensor:
    """ErfReLU: x for x >= 0, a·erf(x) below — an ELU-like unit that saturates at −a.

    Rajanand & Singh learn a per neuron; the fixed a = 1 is nonlin's choice.
    The slope at 0⁻ is 2a/√π (≈ 1.128 for a = 1), so the unit is C⁰ only.
    The piecewise equation is the one catalogued by the survey (§4.2, "similar
    to the ELU"); the paper's own typesetting was not available to check.
    """
    return torch.where(x >= 0, x, a * torch.erf(torch.clamp_max(x, 0)))


@erfrelu.derivative
def _(x: Tensor, a: float) -> Tensor:
    xn = torch.clamp_max(x, 0)
    return torch.where(x >= 0, 1.0, (a * _TWO_OVER_SQRT_PI) * torch.exp(-xn * xn))


@activation(
    "pe2relu", aliases=("p_e2_relu",), family="exponential",
    formula=r"a\,\max(0, x) + b\,\mathrm{ELU}(x) - (1 - a - b)\,\mathrm{ELU}(-x)",
    reference=ref("Regularized Flexible Activation Function Combinations for Deep Neural Networks", "2007.13101",
                  2020, authors="Jie, Gao, Vasnev, Tran", venue="ICPR 2020"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(a=P(0.0, 1.0, doc="weight a of the ReLU component (trainable in the paper, initialised to 0.4)"),
                b=P(0.0, 1.0, doc="weight b of the ELU component (trainable in the paper, initialised to 0.3)")),
)
def pe2relu(x: Tensor, a: float = 0.4, b: float = 0.3) -> Tensor:
    """P-E2-ReLU: a·ReLU(x) + b·ELU(x) + (1 − a − b)·(−ELU(−x)), a combination of a ReLU and two ELUs.

    Jie et al. (arXiv 2007.13101) learn a, b and initialise them at a = 0.4,
    b = 0.3 (as the survey reports), the values frozen here.  Piecewise:
    (a+b)x + (1−a−b)(1 − e^{−x}) for x >= 0 and b(eˣ − 1) + (1−a−b)x below;
    slope 1 at 0⁺ and 1 − a at 0⁻.
    """
    c = 1.0 - a - b
    xp, xn = torch.clamp_min(x, 0), torch.clamp_max(x, 0)
    pos = (a + b) * xp - c * torch.expm1(-xp)
    neg = b * torch.expm1(xn) + c * xn
    return torch.where(x >= 0, pos, neg)


@pe2relu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    c = 1.0 - a - b
    xp, xn = torch.clamp_min(x, 0), torch.clamp_max(x, 0)
    return torch.where(x >= 0, (a + b) + c * torch.exp(-xp), b * torch.exp(xn) + c)


@activation(
    "delu", family="exponential",
    formula=r"\begin{cases} x\,\sigma(x) & x \le 0\\ (n + \tfrac12)\,x + |e^{-x} - 1| & x > 0\end{cases}",
    reference=ref("Trainable Activations for Image Classification", None, 2023, authors="Pishchik",
                  venue="Preprints.org 2023010463, doi:10.20944/preprints202301.0463.v1"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.2784645427610738,
                    bounded_above=False),
    params=dict(n=P(None, None, doc="slope offset n of the positive branch (trainable, initialised to 0)")),
)
def delu(x: Tensor, n: float = 0.0) -> Tensor:
    """DELU: SiLU for x <= 0, (n + ½)·x + |e^{−x} − 1| = (n + ½)·x + 1 − e^{−x} for x > 0.

    Pishchik (2023) trains n per layer from n = 0 (the author's code), the
    value frozen here.  Slope ½ at 0⁻ and n + 3/2 at 0⁺; its minimum is
    SiLU's, ≈ −0.27846 at x ≈ −1.2785.
    """
    xn, xp = torch.clamp_max(x, 0), torch.clamp_min(x, 0)
    return torch.where(x > 0, (n + 0.5) * xp - torch.expm1(-xp), xn * torch.sigmoid(xn))


@delu.derivative
def _(x: Tensor, n: float) -> Tensor:
    xn, xp = torch.clamp_max(x, 0), torch.clamp_min(x, 0)
    s = torch.sigmoid(xn)
    return torch.where(x > 0, (n + 0.5) + torch.exp(-xp), s * (1.0 + xn * (1.0 - s)))


@activation(
    "diffelu", aliases=("difference_elu",), family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ a\,(x e^{x} - b\,e^{b x}) & x < 0\end{cases}",
    reference=ref("Improving Convolutional Neural Network Expression via Difference Exponentially Linear Units",
                  None, 2020, authors="Hu, Huang, Ran, Yuan",
                  venue="Journal of Physics: Conference Series 1651, 012163"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.13754188375505444,
                    bounded_above=False),
    params=dict(a=P(0.0, None, doc="scale a of the negative branch (the paper's α)"),
                b=P(0.0, None, doc="rate and weight b of the subtracted exponential (the paper's β)")),
)
def diffelu(x: Tensor, a: float = 0.3, b: float = 0.1) -> Tensor:
    """Difference exponentially linear unit (DiffELU; "DELU" in the paper): x for x >= 0, a(x·eˣ − b·e^{bx}) below.

    The negative branch is the difference of a SERLU/REU-like bump x·eˣ and
    an exponential b·e^{bx}; it returns to 0 as x → −∞ and has its minimum
    ≈ −0.13754 at x ≈ −0.9759.  Hu et al. (2020) fix a = 0.3, b = 0.1 after
    an ablation on CIFAR-10 (trainable a, b did worse).  As published the
    branches do not meet at 0 (f(0⁻) = −ab); the unit is implemented as written.
    """
    xn = torch.clamp_max(x, 0)
    return torch.where(x >= 0, x, a * (xn * torch.exp(xn) - b * torch.exp(b * xn)))


@diffelu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    xn = torch.clamp_max(x, 0)
    return torch.where(x >= 0, 1.0, a * ((1.0 + xn) * torch.exp(xn) - b * b * torch.exp(b * xn)))


def _edelu_threshold(a: float, b: float) -> float:
    """The continuity threshold c > 0 with b·c = e^{ac} − 1 (c = 0 when b <= a: then it is the only root)."""
    if b <= a:
        return 0.0
    g = lambda c: math.expm1(a * c) - b * c  # noqa: E731  g(0) = 0, g'(0) = a − b < 0, convex: one root > 0
    lo, hi = 0.0, 1.0 / a
    while g(hi) <= 0.0:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):  # bisection to the last bit
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if g(mid) <= 0.0 else (lo, mid)
    return hi


@activation(
    "edelu", aliases=("extended_elu",), family="exponential",
    formula=r"\begin{cases} x & x \ge c\\ \dfrac{e^{a x} - 1}{b} & x < c\end{cases},\quad b\,c = e^{a c} - 1",
    reference=ref("Deep learning with ExtendeD Exponential Linear Unit (DELU)", None, 2023,
                  authors="Çatalbaş, Morgül", venue="Neural Computing and Applications 35"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=-0.5, bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="rate a > 0 of the exponential branch"),
                b=P(0.0, None, open_low=True, doc="divisor b > 0: the unit saturates at −1/b; b > a moves the "
                                                   "threshold c above 0")),
)
def edelu(x: Tensor, a: float = 1.0, b: float = 2.0) -> Tensor:
    """Extended ELU (EDELU; "DELU" in the paper): (e^{ax} − 1)/b below a threshold c, the identity above.

    c is the positive root of b·c = e^{ac} − 1, which makes the unit
    continuous (c = 0 when b <= a).  With a = 1, b = 2, c ≈ 1.25643: below c
    the curve is an ELU flattened by ½ that saturates at −½, above it the
    identity, with a kink (slope e^{ac}·a/b ≈ 1.76 → 1) at c.  Çatalbaş &
    Morgül (2023) train a and b (a, b >= 0, the threshold tied to them as
    above, as the survey §4.2 describes); a = 1, b = 2 (c ≈ 1.2564) are the
    defaults here.
    """
    c = _edelu_threshold(a, b)
    return torch.where(x >= c, x, torch.expm1(a * torch.clamp_max(x, c)) / b)


@edelu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    c = _edelu_threshold(a, b)
    return torch.where(x >= c, 1.0, (a / b) * torch.exp(a * torch.clamp_max(x, c)))


# ------------------------------------------------------------ logarithmic units

def _log_cosh_plus_x_neg(x: Tensor) -> Tensor:
    """ln(cosh x) + x = ln((1 + e^{2x})/2) = log1p(expm1(2x)/2) for x <= 0 (exact near 0, → −ln 2)."""
    return torch.log1p(0.5 * torch.expm1(2.0 * x))


@activation(
    "hclsh", family="exponential",
    formula=r"\begin{cases} \ln\!\big(\cosh x + x\cosh\tfrac{x}{2}\big) & x \ge 0\\ \ln(\cosh x) + x & x < 0"
            r"\end{cases}",
    reference=ref("HcLSH: A Novel Non-Linear Monotonic Activation Function for Deep Learning Methods", None, 2023,
                  authors="Abdel-Nabi, Al-Naymat, Ali, Awajan", venue="IEEE Access 11"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=-_LN2, bounded_above=False),
)
def hclsh(x: Tensor) -> Tensor:
    """Hyperbolic-cosine linearised squashing (HcLSH): ln(cosh x + x·cosh(x/2)) for x >= 0, ln(cosh x) + x below.

    The negative branch equals ln((1 + e^{2x})/2) and saturates at −ln 2;
    the positive one grows like x − ln 2.  Below x = 10 the positive branch is
    log1p(2 sinh²(x/2) + x cosh(x/2)) (exact near 0); above, it is
    x − ln 2 + log1p(e^{−2x} + x e^{−x/2}(1 + e^{−x})), which never overflows.
    No parameters.
    """
    xs = torch.clamp(x, 0.0, 10.0)
    sh = torch.sinh(0.5 * xs)
    small = torch.log1p(2.0 * sh * sh + xs * torch.cosh(0.5 * xs))
    xl = torch.clamp_min(x, 10.0)
    eh = torch.exp(-0.5 * xl)
    large = xl - _LN2 + torch.log1p(torch.exp(-2.0 * xl) + xl * eh * (1.0 + eh * eh))
    return torch.where(x < 0, _log_cosh_plus_x_neg(torch.clamp_max(x, 0)), torch.where(x < 10.0, small, large))


@hclsh.derivative
def _(x: Tensor) -> Tensor:
    # x >= 0: (sinh x + cosh(x/2) + (x/2) sinh(x/2)) / (cosh x + x cosh(x/2)); x < 0: 1 + tanh x = 2σ(2x)
    xs = torch.clamp(x, 0.0, 10.0)
    num = torch.sinh(xs) + torch.cosh(0.5 * xs) + 0.5 * xs * torch.sinh(0.5 * xs)
    den = torch.cosh(xs) + xs * torch.cosh(0.5 * xs)
    xl = torch.clamp_min(x, 10.0)
    e1, e2 = torch.exp(-0.5 * xl), torch.exp(-1.5 * xl)  # the ratio, times 2e^{−x} above and below
    num_l = -torch.expm1(-2.0 * xl) + (e1 + e2) + 0.5 * xl * (e1 - e2)
    den_l = 1.0 + torch.exp(-2.0 * xl) + xl * (e1 + e2)
    pos = torch.where(x < 10.0, num / den, num_l / den_l)
    return torch.where(x < 0, 2.0 * torch.sigmoid(2.0 * torch.clamp_max(x, 0)), pos)

@activation(
    "loglu", family="exponential",
    formula=r"\begin{cases} x & x > 0\\ -\ln(1 - x) & x \le 0\end{cases}",
    reference=ref("Logarithmic Linear Units (LogLUs): A Novel Activation Function for Improved Convergence in Deep "
                  "Neural Networks", None, 2024, authors="Nalluri et al.",
                  venue="ICLR 2025 submission, OpenReview 1D3TjFidCS"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def loglu(x: Tensor) -> Tensor:
    """Logarithmic linear unit (LogLU): x for x > 0, −ln(1 − x) below.

    An ELU alternative whose negative branch keeps a non-zero gradient
    1/(1 − x) instead of saturating (it falls like −ln|x|).  C¹ at 0.
    The authors' package adds an ε guard to the logarithm; the exact formula
    with log1p needs none.  No parameters.
    """
    return torch.where(x > 0, x, -torch.log1p(-torch.clamp_max(x, 0)))


@loglu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x > 0, 1.0, 1.0 / (1.0 - torch.clamp_max(x, 0)))


# --------------------------------------------------------------- softplus family

@activation(
    "psoftplus", aliases=("parametric_softplus",), family="smooth_rectifiers",
    formula=r"a\,\big(\ln(1 + e^{x}) - b\big)",
    reference=ref("Improving deep neural networks using softplus units", None, 2015,
                  authors="Zheng, Yang, Liu, Liang, Li", venue="IJCNN 2015"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-1.5 * _LN2,
                    bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="output scale a (slope a for x → ∞)"),
                b=P(None, None, doc="shift b of the softplus; b = ln 2 makes f(0) = 0")),
)
def psoftplus(x: Tensor, a: float = 1.5, b: float = _LN2) -> Tensor:
    """Parametric softplus (PSoftplus): a·(ln(1 + eˣ) − b).

    Zheng et al. (IJCNN 2015) shift the softplus by b to move its mean output
    towards zero and scale it by a against vanishing/exploding gradients;
    the recommended a = 1.5, b = ln 2 (so f(0) = 0) are the defaults.  Below
    x = 15 it is computed as a·(log1p(expm1(x)/2) + ln 2 − b), exact near 0.
    """
    xs = torch.clamp_max(x, 15.0)
    shifted = torch.where(x < 15.0, torch.log1p(0.5 * torch.expm1(xs)), softplus(x) - _LN2)
    return a * shifted + a * (_LN2 - b)


@psoftplus.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    return a * torch.sigmoid(x)


@activation(
    "rand_softplus", aliases=("rsp",), family="smooth_rectifiers",
    formula=r"(1 - a)\max(0, x) + a\ln(1 + e^{x})",
    reference=ref("Improving the Antinoise Ability of DNNs via a Bio-Inspired Noise Adaptive Activation Function "
                  "Rand Softplus", None, 2019, authors="Chen, Mai, Xiao, Zhang", venue="Neural Computation 31(6)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
    params=dict(a=P(0.0, 1.0, doc="mixing weight a ∈ [0, 1] (the paper's noise factor η): 0 ReLU, 1 softplus")),
)
def rand_softplus(x: Tensor, a: float = 0.5) -> Tensor:
    """Rand softplus (RSP): (1 − a)·ReLU(x) + a·softplus(x).

    Chen et al. (2019) set a per layer from the noise level of its input;
    the fixed a = 0.5 is nonlin's choice.  Between ReLU (a = 0) and softplus
    (a = 1); kinked at 0 for a < 1.
    """
    return (1.0 - a) * torch.clamp_min(x, 0) + a * softplus(x)


@rand_softplus.derivative
def _(x: Tensor, a: float) -> Tensor:
    return (1.0 - a) * (x > 0).to(x.dtype) + a * torch.sigmoid(x)
