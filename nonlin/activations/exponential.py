"""Exponential-linear units: ELU and its relatives (SELU, CELU, PELU, ELiSH, ...).

Every unit here is the identity (or a scaled identity) for x >= 0 and a
saturating or decaying curve for x < 0.  Negative branches are evaluated on
``min(x, 0)`` so that the branch ``torch.where`` discards never overflows.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .._math import expm1_neg, softplus
from ..elementwise import activation
from ..registry import P, ref

_ELU_REF = ref("Fast and Accurate Deep Network Learning by Exponential Linear Units (ELUs)", "1511.07289", 2015,
               authors="Clevert, Unterthiner, Hochreiter", venue="ICLR 2016")

# SELU's constants, to the precision given in the paper's code (Klambauer et al. 2017)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@activation(
    "elu", family="exponential", formula=r"\begin{cases} x & x > 0\\ \alpha(e^{x} - 1) & x \le 0\end{cases}",
    reference=_ELU_REF,
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, None, doc="saturation value −α for x → −∞ (C¹ only for α = 1)")),
    builtin=F.elu,
)
def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: f(x) = x for x > 0, α(eˣ − 1) otherwise; α = 1."""
    return torch.where(x > 0, x, alpha * expm1_neg(x))


@elu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return torch.where(x > 0, 1.0, alpha * torch.exp(torch.clamp_max(x, 0)))


@activation(
    "selu", family="exponential",
    formula=r"\lambda\begin{cases} x & x > 0\\ \alpha(e^{x} - 1) & x \le 0\end{cases},\ "
            r"\alpha\approx 1.6733,\ \lambda\approx 1.0507",
    reference=ref("Self-Normalizing Neural Networks", "1706.02515", 2017,
                  authors="Klambauer, Unterthiner, Mayr, Hochreiter", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-SELU_SCALE * SELU_ALPHA, bounded_above=False,
                    zero_at_zero=True),
    builtin=F.selu,
)
def selu(x: Tensor) -> Tensor:
    """Scaled ELU: f(x) = λ·x for x > 0, λα(eˣ − 1) otherwise.

    α = 1.6732632423543772848170429916717 and λ = 1.0507009873554804934193349852946
    are the fixed point that makes activations self-normalising (zero mean,
    unit variance) under LeCun-normal initialisation.
    """
    return SELU_SCALE * torch.where(x > 0, x, SELU_ALPHA * expm1_neg(x))


@selu.derivative
def _(x: Tensor) -> Tensor:
    return SELU_SCALE * torch.where(x > 0, 1.0, SELU_ALPHA * torch.exp(torch.clamp_max(x, 0)))


@activation(
    "celu", family="exponential",
    formula=r"\max(0,x) + \min\big(0,\ \alpha(e^{x/\alpha} - 1)\big)",
    reference=ref("Continuously Differentiable Exponential Linear Units", "1704.07483", 2017, authors="Barron"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="saturation value −α; the slope at 0⁻ is 1 for every α")),
    builtin=F.celu,
)
def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Continuously differentiable ELU: f(x) = x for x > 0, α(e^{x/α} − 1) otherwise."""
    return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp_max(x, 0) / alpha))


@celu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return torch.where(x > 0, 1.0, torch.exp(torch.clamp_max(x, 0) / alpha))


@activation(
    "elu_plus_one", aliases=("elu1",), family="exponential", formula=r"\mathrm{ELU}(x) + 1",
    reference=ref("Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention", "2006.16236",
                  2020, authors="Katharopoulos, Vyas, Pappas, Fleuret", venue="ICML"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=0.0, bounded_above=False, zero_at_zero=False),
)
def elu_plus_one(x: Tensor) -> Tensor:
    """ELU + 1: f(x) = x + 1 for x > 0, eˣ otherwise — the positive feature map of linear attention."""
    return torch.where(x > 0, x + 1.0, torch.exp(torch.clamp_max(x, 0)))


@elu_plus_one.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x > 0, 1.0, torch.exp(torch.clamp_max(x, 0)))


@activation(
    "pdelu_fixed", aliases=("pdelu",), family="exponential",
    formula=r"\begin{cases} x & x > 0\\ \alpha\big([1 + (1-t)x]_+^{1/(1-t)} - 1\big) & x \le 0\end{cases}",
    reference=ref("Parametric Deformable Exponential Linear Units for Deep Neural Networks", None, 2020,
                  authors="Cheng, Gong, Chen, Li, Jiang", venue="Neural Networks 125"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, None, doc="saturation value −α (learnable in the paper, initialised to 1)"),
                t=P(0.0, 1.0, open_low=True, open_high=True,
                    doc="deformation t ∈ (0, 1); t → 1 recovers ELU")),
)
def pdelu_fixed(x: Tensor, alpha: float = 1.0, t: float = 0.9) -> Tensor:
    """Parametric deformable ELU (PDELU) at fixed α = 1, t = 0.9.

    The negative branch replaces eˣ by the deformed exponential
    [1 + (1 − t)x]₊^{1/(1−t)}, which reaches exactly −α at x = −1/(1 − t)
    (−10 for t = 0.9) instead of only asymptotically.  Dubey et al.'s
    benchmark uses t = 0.9 with α learnable from 1; this unit freezes α.
    """
    base = torch.clamp_min(1.0 + (1.0 - t) * torch.clamp_max(x, 0), 0.0)
    return torch.where(x > 0, x, alpha * (base ** (1.0 / (1.0 - t)) - 1.0))


@pdelu_fixed.derivative
def _(x: Tensor, alpha: float, t: float) -> Tensor:
    base = torch.clamp_min(1.0 + (1.0 - t) * torch.clamp_max(x, 0), 0.0)
    return torch.where(x > 0, 1.0, alpha * base ** (t / (1.0 - t)))


@activation(
    "pelu_fixed", aliases=("pelu",), family="exponential",
    formula=r"\begin{cases} \tfrac{a}{b}x & x \ge 0\\ a(e^{x/b} - 1) & x < 0\end{cases}",
    reference=ref("Parametric Exponential Linear Unit for Deep Convolutional Neural Networks", "1605.09332", 2016,
                  authors="Trottier, Giguère, Chaib-draa", venue="ICMLA 2017"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(a=P(0.0, None, open_low=True, doc="a > 0: saturation −a and (with b) the positive slope a/b"),
                b=P(0.0, None, open_low=True, doc="b > 0: scale of the exponential decay")),
)
def pelu_fixed(x: Tensor, a: float = 1.0, b: float = 1.0) -> Tensor:
    """Parametric ELU (PELU) with a, b frozen: (a/b)·x for x >= 0, a(e^{x/b} − 1) otherwise.

    PELU learns a, b > 0 per layer; the paper initialises a = b = 1, where
    it equals ELU.  Differentiable at 0 for every a, b.
    """
    return torch.where(x >= 0, (a / b) * x, a * torch.expm1(torch.clamp_max(x, 0) / b))


@pelu_fixed.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    return torch.where(x >= 0, a / b, (a / b) * torch.exp(torch.clamp_max(x, 0) / b))


@activation(
    "mpelu_fixed", aliases=("mpelu",), family="exponential",
    formula=r"\begin{cases} x & x > 0\\ \alpha(e^{\beta x} - 1) & x \le 0\end{cases}",
    reference=ref("Improving Deep Neural Network with Multiple Parametric Exponential Linear Units",
                  "1606.00305", 2016, authors="Li, Fan, Zhang", venue="Neurocomputing 2018"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-0.25, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, None, doc="saturation value −α"),
                beta=P(0.0, None, open_low=True, doc="rate β of the exponential")),
)
def mpelu_fixed(x: Tensor, alpha: float = 0.25, beta: float = 1.0) -> Tensor:
    """Multiple parametric ELU (MPELU) with α = 0.25, β = 1 frozen.

    MPELU learns α and β (per channel); α = 0.25 with β = 1 is one of the
    paper's initialisations (it then behaves like PReLU near 0).
    """
    return torch.where(x > 0, x, alpha * torch.expm1(beta * torch.clamp_max(x, 0)))


@mpelu_fixed.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    return torch.where(x > 0, 1.0, alpha * beta * torch.exp(beta * torch.clamp_max(x, 0)))


_GOLDEN_REF = ref("The Quest for the Golden Activation Function", "1808.00783", 2018,
                  authors="Basirat, Roth")


@activation(
    "elish", family="exponential",
    formula=r"\begin{cases} x\,\sigma(x) & x \ge 0\\ (e^{x} - 1)\,\sigma(x) & x < 0\end{cases}",
    reference=_GOLDEN_REF,
    properties=dict(monotonic=False, smooth="C1", bounded_below=2 * math.sqrt(2) - 3, bounded_above=False,
                    zero_at_zero=True),
)
def elish(x: Tensor) -> Tensor:
    """Exponential linear sigmoid squashing (ELiSH): Swish for x >= 0, (eˣ − 1)·σ(x) below.

    The minimum is 2√2 − 3 ≈ −0.1716 at x = −ln(1 + √2).
    """
    s = torch.sigmoid(x)
    return torch.where(x >= 0, x, expm1_neg(x)) * s


@elish.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    ds = s * (1 - s)
    return torch.where(x >= 0, s + x * ds, torch.exp(torch.clamp_max(x, 0)) * s + expm1_neg(x) * ds)


@activation(
    "hard_elish", family="exponential",
    formula=r"\begin{cases} x\,\max(0,\min(1,\tfrac{x+1}{2})) & x \ge 0\\ "
            r"(e^{x}-1)\max(0,\min(1,\tfrac{x+1}{2})) & x < 0\end{cases}",
    reference=_GOLDEN_REF,
    properties=dict(monotonic=False, smooth="C0", bounded_below=-0.09967315152874262, bounded_above=False,
                    zero_at_zero=True),
)
def hard_elish(x: Tensor) -> Tensor:
    """HardELiSH: ELiSH with σ replaced by the hard sigmoid max(0, min(1, (x+1)/2))."""
    h = torch.clamp((x + 1.0) * 0.5, 0.0, 1.0)
    return torch.where(x >= 0, x, expm1_neg(x)) * h


@hard_elish.derivative
def _(x: Tensor) -> Tensor:
    h = torch.clamp((x + 1.0) * 0.5, 0.0, 1.0)
    dh = ((x > -1) & (x < 1)).to(x.dtype) * 0.5
    return torch.where(x >= 0, h + x * dh, torch.exp(torch.clamp_max(x, 0)) * h + expm1_neg(x) * dh)


_ISRLU_REF = ref("Improving Deep Learning by Inverse Square Root Linear Units (ISRLUs)", "1710.09967", 2017,
                 authors="Carlile, Delamarter, Kinney, Marti, Whitney")


@activation(
    "isrlu", family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ \dfrac{x}{\sqrt{1 + \alpha x^2}} & x < 0\end{cases}",
    reference=_ISRLU_REF,
    properties=dict(monotonic=True, smooth="C2", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="α > 0: the negative branch saturates at −1/√α")),
)
def isrlu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Inverse square root linear unit: x for x >= 0, x/√(1 + αx²) below; α = 1.

    An ELU-shaped curve without an exponential; C² at 0.
    """
    xn = torch.clamp_max(x, 0)
    # √(1 + αx²) as hypot(1, √α·x): x² overflows float32 beyond |x| ≈ 1.8e19 (the result would be 0, not −1/√α)
    return torch.where(x >= 0, x, xn / torch.hypot(torch.ones_like(xn), math.sqrt(alpha) * xn))


@isrlu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    xn = torch.clamp_max(x, 0)
    r = 1.0 / torch.hypot(torch.ones_like(xn), math.sqrt(alpha) * xn)
    return torch.where(x >= 0, 1.0, r * r * r)


# SERLU constants from the paper (λ, α chosen for self-normalisation);
# recalled to the 6 digits the paper prints, not re-derived here.
SERLU_LAMBDA = 1.07862
SERLU_ALPHA = 2.90427


@activation(
    "serlu", family="exponential",
    formula=r"\lambda\begin{cases} x & x \ge 0\\ \alpha\,x e^{x} & x < 0\end{cases},\ "
            r"\lambda = 1.07862,\ \alpha = 2.90427",
    reference=ref("Effectiveness of Scaled Exponentially-Regularized Linear Units (SERLUs)", "1807.10117", 2018,
                  authors="Zhang, Li"),
    properties=dict(monotonic=False, smooth="C0", bounded_below=-SERLU_LAMBDA * SERLU_ALPHA / math.e,
                    bounded_above=False, zero_at_zero=True),
    params=dict(lambd=P(0.0, None, open_low=True, doc="overall scale λ"),
                alpha=P(0.0, None, doc="scale α of the bump x·eˣ for x < 0")),
)
def serlu(x: Tensor, lambd: float = SERLU_LAMBDA, alpha: float = SERLU_ALPHA) -> Tensor:
    """Scaled exponentially-regularised linear unit: λx for x >= 0, λα·x·eˣ below.

    The negative branch is a bump that returns to 0 as x → −∞ (minimum
    −λα/e at x = −1); λ = 1.07862, α = 2.90427 make it self-normalising.
    """
    xn = torch.clamp_max(x, 0)
    return lambd * torch.where(x >= 0, x, xn * torch.exp(xn) * alpha)  # x·eˣ first: λα·x overflows at −max


@serlu.derivative
def _(x: Tensor, lambd: float, alpha: float) -> Tensor:
    xn = torch.clamp_max(x, 0)
    return lambd * torch.where(x >= 0, 1.0, (1.0 + xn) * torch.exp(xn) * alpha)  # (1+x)eˣ first


@activation(
    "reu", aliases=("preu",), family="exponential",
    formula=r"\begin{cases} x & x > 0\\ \alpha\,x e^{\beta x} & x \le 0\end{cases}",
    reference=ref("Rectified Exponential Units for Convolutional Neural Networks", None, 2019,
                  authors="Ying, Su, Lin, Shi, Wang, Zhou", venue="IEEE Access 7"),
    properties=dict(monotonic=False, smooth="C1", bounded_below=-1.0 / math.e, bounded_above=False,
                    zero_at_zero=True),
    params=dict(alpha=P(0.0, None, doc="scale α of the negative bump (PREU; REU has α = 1)"),
                beta=P(0.0, None, open_low=True, doc="rate β of the negative bump (PREU; REU has β = 1)")),
)
def reu(x: Tensor, alpha: float = 1.0, beta: float = 1.0) -> Tensor:
    """Rectified exponential unit: x for x > 0, α·x·e^{βx} below (REU: α = β = 1).

    The parametric PREU learns α, β; with α = β = 1 it is REU, whose
    negative part has its minimum −1/e at x = −1.
    """
    xn = torch.clamp_max(x, 0)
    return torch.where(x > 0, x, alpha * xn * torch.exp(beta * xn))


@reu.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    xn = torch.clamp_max(x, 0)
    return torch.where(x > 0, 1.0, alpha * (1.0 + beta * xn) * torch.exp(beta * xn))


_LN2 = math.log(2.0)


@activation(
    "slu", aliases=("softplus_linear_unit",), family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ 2\ln(1 + e^{x}) - 2\ln 2 & x < 0\end{cases}",
    reference=ref("Novel Softplus Linear Unit for Deep Convolutional Neural Networks", None, 2018,
                  authors="Zhao, Liu, Liu, Chen, Kong", venue="Applied Intelligence 48"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-2 * _LN2, bounded_above=False, zero_at_zero=True),
)
def slu(x: Tensor) -> Tensor:
    """Softplus linear unit (SLU): x for x >= 0, 2·softplus(x) − 2 ln 2 below.

    The constants (α = 1, β = 2, γ = 2 ln 2) make it continuous with slope
    1 at 0; it saturates at −2 ln 2 ≈ −1.386.
    """
    return torch.where(x >= 0, x, 2.0 * softplus(torch.clamp_max(x, 0)) - 2 * _LN2)


@slu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x >= 0, 1.0, 2.0 * torch.sigmoid(torch.clamp_max(x, 0)))


@activation(
    "ptelu_fixed", aliases=("ptelu",), family="exponential",
    formula=r"\begin{cases} x & x \ge 0\\ \alpha\tanh(\beta x) & x < 0\end{cases}",
    reference=ref("P-TELU: Parametric Tan Hyperbolic Linear Unit Activation for Deep Neural Networks", None,
                  2017, authors="Duggal, Gupta", venue="ICCV Workshops"),
    properties=dict(monotonic=True, smooth="C2", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, None, doc="saturation value −α"),
                beta=P(0.0, None, doc="rate β of the tanh")),
)
def ptelu_fixed(x: Tensor, alpha: float = 1.0, beta: float = 1.0) -> Tensor:
    """Parametric tanh linear unit (P-TELU) with α = β = 1 frozen: x for x >= 0, α·tanh(βx) below.

    With αβ = 1 the slope is continuous at 0, and since tanh'' (0) = 0 the
    function is C² there.
    """
    return torch.where(x >= 0, x, alpha * torch.tanh(beta * torch.clamp_max(x, 0)))


@ptelu_fixed.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    t = torch.tanh(beta * torch.clamp_max(x, 0))
    return torch.where(x >= 0, 1.0, alpha * beta * (1.0 - t * t))


@activation(
    "hexpo", family="exponential",
    formula=r"\begin{cases} -a(e^{-x/b} - 1) & x \ge 0\\ c(e^{x/d} - 1) & x < 0\end{cases}",
    reference=ref("Hexpo: A vanishing-proof activation function", None, 2017,
                  authors="Kong, Takatsuka", venue="IJCNN"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    params=dict(a=P(0.0, None, open_low=True, doc="upper saturation a"),
                b=P(0.0, None, open_low=True, doc="decay scale b for x >= 0"),
                c=P(0.0, None, open_low=True, doc="lower saturation −c"),
                d=P(0.0, None, open_low=True, doc="decay scale d for x < 0")),
)
def hexpo(x: Tensor, a: float = 1.0, b: float = 1.0, c: float = 1.0, d: float = 1.0) -> Tensor:
    """Hexpo: an ELU-like negative branch mirrored on the positive side, saturating at a and −c.

    The defaults a = b = c = d = 1 (an odd function with unit slope at 0)
    are nonlin's choice; the paper tunes them per task.
    """
    return torch.where(x >= 0, -a * torch.expm1(-torch.clamp_min(x, 0) / b),
                       c * torch.expm1(torch.clamp_max(x, 0) / d))


@hexpo.derivative
def _(x: Tensor, a: float, b: float, c: float, d: float) -> Tensor:
    return torch.where(x >= 0, (a / b) * torch.exp(-torch.clamp_min(x, 0) / b),
                       (c / d) * torch.exp(torch.clamp_max(x, 0) / d))


@activation(
    "sqlu", aliases=("square_linear_unit",), family="exponential",
    formula=r"\begin{cases} x & x > 0\\ x + x^2/4 & -2 \le x \le 0\\ -1 & x < -2\end{cases}",
    reference=ref("Efficient activation functions for embedded inference engines", None, 2021,
                  authors="Wuraola, Patel, Nguang", venue="Neurocomputing 442"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
)
def sqlu(x: Tensor) -> Tensor:
    """Square linear unit (SQLU): an ELU shape from a quadratic, x for x > 0, x + x²/4 on [−2, 0], −1 below.

    No exponential, C¹ at 0 and −2.  (Formula recalled from the paper,
    the square-nonlinearity family of the SQNL authors; unverified.)
    """
    t = torch.clamp(x, -2.0, 0.0)
    return torch.where(x > 0, x, t + 0.25 * t * t)


@sqlu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x > 0, 1.0, torch.clamp_min(1.0 + 0.5 * x, 0.0))


@activation(
    "rsigelu", aliases=("rsigelus",), family="exponential",
    formula=r"\begin{cases} x\,\sigma(x)\,\alpha + x & x > 1\\ x & 0 \le x \le 1\\ "
            r"\alpha(e^{x} - 1) & x < 0\end{cases}",
    reference=ref("RSigELU: A nonlinear activation function for deep neural networks", None, 2021,
                  authors="Kiliçarslan, Celik", venue="Expert Systems with Applications 174"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-0.5, bounded_above=False, zero_at_zero=True),
    params=dict(alpha=P(0.0, 1.0, doc="α ∈ [0, 1]: weight of the sigmoid term above 1 and of the ELU part")),
)
def rsigelu(x: Tensor, alpha: float = 0.5) -> Tensor:
    """RSigELU (single-parameter form): ELU below 0, identity on [0, 1], x + α·x·σ(x) above 1.

    As published the pieces do not meet at x = 1 (an upward jump of
    α·σ(1)); the unit is implemented as written.  The paper searches
    α ∈ (0, 1); α = 0.5 is nonlin's default.  (Formula recalled from the
    paper, not re-verified here.)
    """
    above = x + alpha * x * torch.sigmoid(x)
    return torch.where(x > 1, above, torch.where(x >= 0, x, alpha * expm1_neg(x)))


@rsigelu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    s = torch.sigmoid(x)
    above = 1.0 + alpha * (s + x * s * (1 - s))
    return torch.where(x > 1, above, torch.where(x >= 0, 1.0, alpha * torch.exp(torch.clamp_max(x, 0))))
