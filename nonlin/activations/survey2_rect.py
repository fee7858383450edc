"""Rectifier and piecewise-linear units of the survey arXiv 2402.09092 and the papers it cites (part 1).

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024, §3.6
(the ReLU family), §4.2 (adaptive rectifiers, here frozen at their published
initial values) and §4.55 (MSRF-smoothed piecewise-linear units).  Each unit
cites the paper that proposed it; where only the survey's account of a
function could be checked, the reference says so.

Step, sign and thresholding units are in ``survey2_rect_step.py``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ordered, ref


def _survey(title: str, authors: str | None, venue: str = "original not checked"):
    """A unit whose original we could not check: its name and authors as the survey gives them."""
    return ref(title, None, None, authors=authors,
               venue=f"{venue}; as catalogued in 'Three Decades of Activations', arXiv 2402.09092")


def _hyp(u: Tensor, eps: float) -> Tensor:
    """The mollified absolute value |u|_ε = √(u² + ε), without overflowing u²."""
    return torch.hypot(u, torch.full_like(u, math.sqrt(eps)))


def _ratio(x: Tensor, c: float, eps: float) -> Tensor:
    """x / ((|x − c|_ε + |x + c|_ε)/2), which tends to sign(x): finite at ±inf and near the dtype's maximum.

    The MSRF units are written with it because a difference of two mollified absolute
    values, |x − c|_ε − |x + c|_ε = −4cx/(|x − c|_ε + |x + c|_ε), cancels when
    evaluated as written.
    """
    xf = torch.nan_to_num(x, nan=math.nan)  # ±inf -> ±max: the ratio is then ±1, its limit
    return xf / (0.5 * _hyp(xf - c, eps) + 0.5 * _hyp(xf + c, eps))


# ---------------------------------------------------------------------------
# Leaky rectifiers with published slopes
# ---------------------------------------------------------------------------

_XU = ref("Empirical Evaluation of Rectified Activations in Convolutional Network", "1505.00853", 2015,
          authors="Xu, Wang, Chen, Li", venue="ICML Deep Learning workshop")


@activation(
    "xu_leaky_relu", family="rectifiers",
    formula=r"\begin{cases} x & x \ge 0\\ x / a & x < 0\end{cases},\quad a = 5.5",
    reference=_XU,
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(a=P(1.0, None, doc="divisor a of the negative part (Xu et al. compare a = 100, Maas' leaky ReLU, "
                                   "with a = 5.5; the survey's 'very leaky ReLU' is a = 3)")),
)
def xu_leaky_relu(x: Tensor, a: float = 5.5) -> Tensor:
    """Leaky ReLU in Xu et al.'s form x/a with their much leakier a = 5.5 (slope ≈ 0.1818).

    Xu et al. write the leaky ReLU as y = x/a and compare a = 100 (the 0.01
    slope of Maas et al., registered as ``leaky_relu``) with a = 5.5, which
    is also the test-time slope of their RReLU with a ~ U(3, 8):
    y = x/((3 + 8)/2).  The survey's very leaky ReLU (VLReLU) is the same
    form with a = 3.
    """
    return torch.where(x >= 0, x, x / a)


@xu_leaky_relu.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x >= 0, 1.0, 1.0 / a).to(x.dtype)


@activation(
    "very_leaky_relu", aliases=("vlrelu",), family="rectifiers",
    formula=r"\begin{cases} x & x \ge 0\\ x / a & x < 0\end{cases},\quad a = 3",
    reference=_survey("Very leaky ReLU (VLReLU)", None),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(a=P(1.0, None, doc="divisor a of the negative part (the survey's VLReLU: a = 3)")),
)
def very_leaky_relu(x: Tensor, a: float = 3.0) -> Tensor:
    """Very leaky ReLU (VLReLU): x for x >= 0, x/3 otherwise, the leaky ReLU with a much larger leak.

    The survey lists it as the leaky ReLU with a = 3 in the x/a form (slope 1/3)
    and notes that some authors treat it as a unit of its own; its original
    source was not checked.
    """
    return torch.where(x >= 0, x, x / a)


@very_leaky_relu.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x >= 0, 1.0, 1.0 / a).to(x.dtype)


@activation(
    "dcgan_leaky_relu", aliases=("lrelu_0_2",), family="rectifiers",
    formula=r"\max(0,x) + 0.2\min(0,x)",
    reference=ref("Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks",
                  "1511.06434", 2015, authors="Radford, Metz, Chintala", venue="ICLR 2016"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(negative_slope=P(0.0, 1.0, doc="slope for x < 0 (DCGAN: 0.2)")),
    builtin=F.leaky_relu,
)
def dcgan_leaky_relu(x: Tensor, negative_slope: float = 0.2) -> Tensor:
    """Leaky ReLU with the DCGAN slope 0.2 ("the slope of the leak was set to 0.2 in all models")."""
    return torch.where(x >= 0, x, negative_slope * x)


@dcgan_leaky_relu.derivative
def _(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x >= 0, 1.0, negative_slope).to(x.dtype)


@activation(
    "arelu_fixed", family="rectifiers",
    formula=r"\begin{cases} (1 + \sigma(\beta))\,x & x \ge 0\\ C(\alpha)\,x & x < 0\end{cases},"
            r"\quad C(\alpha) = \operatorname{clip}(\alpha, 0.01, 0.99)",
    reference=ref("AReLU: Attention-based Rectified Linear Unit", "2006.13858", 2020,
                  authors="Chen, Li, Xu", venue="formula and initial values as in the authors' code "
                                                "(densechen/AReLU, activations/arelu.py)"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(alpha=P(0.01, 0.99, doc="negative slope α (learned per layer; initialised to 0.9)"),
                beta=P(doc="β of the positive amplification 1 + σ(β) (learned; initialised to 2.0)")),
)
def arelu_fixed(x: Tensor, alpha: float = 0.9, beta: float = 2.0) -> Tensor:
    """Attention-based ReLU (AReLU) frozen at its recommended initialisation α = 0.9, β = 2.0.

    AReLU multiplies negative inputs by the clipped attention weight
    C(α) ∈ [0.01, 0.99] and amplifies positive ones by 1 + σ(β); α and β
    are learned per layer.  At the initial values the slopes are 0.9 and
    1 + σ(2) ≈ 1.8808.
    """
    pos = 1.0 + 1.0 / (1.0 + math.exp(-beta))
    return torch.where(x >= 0, pos * x, alpha * x)


@arelu_fixed.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    pos = 1.0 + 1.0 / (1.0 + math.exp(-beta))
    return torch.where(x >= 0, pos, alpha).to(x.dtype)


@activation(
    "soft_modulus_t", aliases=("softmodulust",), family="rectifiers",
    formula=r"x\tanh(x / a)",
    reference=ref("Empirical study of the modulus as activation function in computer vision applications",
                  "2301.05993", 2023, authors="Vallés-Pérez, Soria-Olivas, Martínez-Sober, Serrano-López, "
                                              "Vila-Francés, Gómez-Sanchís",
                  venue="Engineering Applications of Artificial Intelligence 120"),
    properties=dict(monotonic=False, smooth="Cinf", bounded_below=0.0, bounded_above=False, zero_at_zero=True,
                    even=True),
    params=dict(a=P(0.0, None, open_low=True, doc="width a of the rounded tip (a = 1 is LiSHT)")),
)
def soft_modulus_t(x: Tensor, a: float = 0.01) -> Tensor:
    """SoftModulusT: x·tanh(x/a), a tanh-smoothed modulus |x| (a = 0.01 as in the paper's experiments).

    Its quadratic sibling is ``soft_modulus_q``; a = 1 gives LiSHT.
    """
    return x * torch.tanh(x / a)


@soft_modulus_t.derivative
def _(x: Tensor, a: float) -> Tensor:
    u = x / a
    t = torch.tanh(u)
    s2 = 1.0 - t * t
    # u·sech²(u) → 0; written so that an overflowing u (fp16) meets sech² = 0 as 0, not inf·0
    return t + torch.where(s2 == 0, torch.zeros_like(u), u * s2)


# ---------------------------------------------------------------------------
# Piecewise-linear approximations and clipped units
# ---------------------------------------------------------------------------

@activation(
    "plan_sigmoid", aliases=("plan",), family="sigmoidal",
    formula=r"y(|x|) = \begin{cases} 1 & |x| \ge 5\\ 0.03125|x| + 0.84375 & 2.375 \le |x| < 5\\ "
            r"0.125|x| + 0.625 & 1 \le |x| < 2.375\\ 0.25|x| + 0.5 & |x| < 1\end{cases},"
            r"\quad f(x) = y(|x|)\ (x \ge 0),\ 1 - y(|x|)\ (x < 0)",
    reference=ref("Piecewise linear approximation applied to nonlinear function of a neural network", None, 1997,
                  authors="Amin, Curtis, Hayes-Gill",
                  venue="IEE Proceedings - Circuits, Devices and Systems 144(6)"),
    properties=dict(monotonic=False, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True),
)
def plan_sigmoid(x: Tensor) -> Tensor:
    """PLAN: the hardware piecewise-linear approximation of the logistic sigmoid (slopes 1/4, 1/8, 1/32).

    All slopes and offsets are powers of two, so it needs only shifts and
    adds.  The published breakpoint 2.375 is not where the two adjacent
    lines meet (7/3), so PLAN steps down by 2⁻⁸ there and is, strictly,
    not monotonic; this unit reproduces the published table exactly.
    """
    a = x.abs()
    y = torch.where(a >= 5, torch.ones_like(a),
                    torch.where(a >= 2.375, 0.03125 * a + 0.84375,
                                torch.where(a >= 1, 0.125 * a + 0.625, 0.25 * a + 0.5)))
    return torch.where(x >= 0, y, 1.0 - y)


@plan_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    return torch.where(a >= 5, 0.0, torch.where(a >= 2.375, 0.03125, torch.where(a >= 1, 0.125, 0.25))).to(x.dtype)


@activation(
    "pan_function", aliases=("frying_pan",), family="sparse",
    formula=r"\begin{cases} x - a & x \ge a\\ 0 & |x| < a\\ -x - a & x \le -a\end{cases} = \max(0, |x| - a)",
    reference=_survey("Pan (frying pan) function", None),
    properties=dict(monotonic=False, smooth="C0", bounded_below=0.0, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True, even=True),
    params=dict(a=P(0.0, None, doc="half-width a of the dead zone")),
)
def pan_function(x: Tensor, a: float = 1.0) -> Tensor:
    """Pan function: max(0, |x| − a), a V with a flat dead zone of half-width a (the magnitude of softshrink).

    The survey gives a as a fixed boundary parameter without a value;
    a = 1 is nonlin's choice.
    """
    return torch.clamp_min(x.abs() - a, 0.0)


@pan_function.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x.abs() > a, torch.sign(x), torch.zeros_like(x))


# ---------------------------------------------------------------------------
# MSRF: piecewise-linear units smoothed by the mollified absolute value |u|_ε = √(u² + ε)
# ---------------------------------------------------------------------------

_MSRF = ref("Mollified square root function (MSRF) smoothing of piecewise linear activation functions "
            "[descriptive title: the exact title was not retrieved]",
            None, None, authors="Pan et al.",
            venue="OpenReview forum ZPtQ83t7ob (exact title not retrieved; the abstract lists the smoothed "
                  "ReLU, LReLU, vReLU, Step, Bipolar, BReLU, HardTanh, Pan, STF, HTF, SReLU, MReLU and TSF); "
                  "formulas as catalogued in 'Three Decades of Activations', arXiv 2402.09092, §4.55")
_EPS_DOC = "mollifier ε > 0 of |u|_ε = √(u² + ε) (ε → 0: the piecewise-linear original); 0.1 is nonlin's choice"


@activation(
    "hardtanh_plus", family="sigmoidal",
    formula=r"\tfrac12\left(|x + 1|_\varepsilon - |x - 1|_\varepsilon\right),\quad |u|_\varepsilon = \sqrt{u^2 + \varepsilon}",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    params=dict(eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def hardtanh_plus(x: Tensor, eps: float = 0.1) -> Tensor:
    """HardTanhPlus: hardtanh = (|x + 1| − |x − 1|)/2 with each |·| mollified to √(·² + ε).

    Computed as 2x/(|x + 1|_ε + |x − 1|_ε) (the same value) so that the
    difference of two large square roots does not cancel.
    """
    return _ratio(x, 1.0, eps)


@hardtanh_plus.derivative
def _(x: Tensor, eps: float) -> Tensor:
    return 0.5 * ((x + 1.0) / _hyp(x + 1.0, eps) - (x - 1.0) / _hyp(x - 1.0, eps))


@activation(
    "brelu_plus", family="rectifiers",
    formula=r"\tfrac12\left(1 + |x|_\varepsilon - |x - 1|_\varepsilon\right)",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
    params=dict(eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def brelu_plus(x: Tensor, eps: float = 0.1) -> Tensor:
    """BReLUPlus: the bounded ReLU min(max(0, x), 1) = (1 + |x| − |x − 1|)/2, mollified.

    |x|_ε − |x − 1|_ε is evaluated as (2x − 1)/(|x|_ε + |x − 1|_ε) (see ``_ratio``) to avoid cancellation.
    """
    # |x|_ε − |x − 1|_ε with x = y + 1/2 is the ratio of y about ±1/2, halved
    return 0.5 + 0.5 * _ratio(x - 0.5, 0.5, eps)


@brelu_plus.derivative
def _(x: Tensor, eps: float) -> Tensor:
    return 0.5 * (x / _hyp(x, eps) - (x - 1.0) / _hyp(x - 1.0, eps))


@activation(
    "pan_plus", family="sparse",
    formula=r"-a + \tfrac12\left(|x - a|_\varepsilon + |x + a|_\varepsilon\right)",
    reference=_MSRF,
    properties=dict(monotonic=False, smooth="Cinf", bounded_below=0.0, bounded_above=False, zero_at_zero=False,
                    even=True),
    params=dict(a=P(0.0, None, doc="half-width a of the pan's flat bottom (1 is nonlin's choice)"),
                eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def pan_plus(x: Tensor, a: float = 1.0, eps: float = 0.1) -> Tensor:
    """PanPlus: the pan function max(0, |x| − a) = −a + (|x − a| + |x + a|)/2, mollified; f(0) = √(a² + ε) − a."""
    return (0.5 * _hyp(x - a, eps) + 0.5 * _hyp(x + a, eps)) - a  # halves first: the sum overflows near max


@pan_plus.derivative
def _(x: Tensor, a: float, eps: float) -> Tensor:
    return 0.5 * ((x - a) / _hyp(x - a, eps) + (x + a) / _hyp(x + a, eps))


@activation(
    "softshrink_plus", aliases=("stf_plus",), family="sparse",
    formula=r"x + \tfrac12\left(|x - a|_\varepsilon - |x + a|_\varepsilon\right)",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    params=dict(a=P(0.0, None, doc="threshold a of the soft shrinkage (0.5 as in torch's softshrink)"),
                eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def softshrink_plus(x: Tensor, a: float = 0.5, eps: float = 0.1) -> Tensor:
    """SoftshrinkPlus (STFPlus): soft thresholding x + (|x − a| − |x + a|)/2, mollified.

    The difference of square roots is evaluated as −2ax/(|x − a|_ε + |x + a|_ε).
    """
    return x - a * _ratio(x, a, eps)


@softshrink_plus.derivative
def _(x: Tensor, a: float, eps: float) -> Tensor:
    return 1.0 + 0.5 * ((x - a) / _hyp(x - a, eps) - (x + a) / _hyp(x + a, eps))


@activation(
    "hardshrink_plus", aliases=("htf_plus",), family="sparse",
    formula=r"x\left(1 + \tfrac12\left(\frac{x - a}{|x - a|_\varepsilon} - \frac{x + a}{|x + a|_\varepsilon}\right)\right)",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    params=dict(a=P(0.0, None, doc="threshold a of the hard shrinkage (0.5 as in torch's hardshrink)"),
                eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def hardshrink_plus(x: Tensor, a: float = 0.5, eps: float = 0.1) -> Tensor:
    """HardshrinkPlus (HTFPlus): hard thresholding x·1[|x| > a] with the step mollified."""
    xf = torch.nan_to_num(x, nan=math.nan)  # ±inf -> ±max in the gate, whose limit is then 1
    return x * (1.0 + 0.5 * ((xf - a) / _hyp(xf - a, eps) - (xf + a) / _hyp(xf + a, eps)))


@hardshrink_plus.derivative
def _(x: Tensor, a: float, eps: float) -> Tensor:
    hm, hp = _hyp(x - a, eps), _hyp(x + a, eps)
    gate = 1.0 + 0.5 * ((x - a) / hm - (x + a) / hp)
    # d/du u/√(u² + ε) = ε/(u² + ε)^{3/2}; x times it vanishes far out (written as (x/h)·(ε/h²), each bounded)
    return gate + 0.5 * eps * ((x / hm) / (hm * hm) - (x / hp) / (hp * hp))


@activation(
    "srelu_plus", family="rectifiers",
    formula=r"a x + \tfrac12 (a - 1)\left(|x - t|_\varepsilon - |x + t|_\varepsilon\right)",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    params=dict(a=P(0.0, 1.0, doc="slope a outside the knees ±t (nonlin's choice 0.5)"),
                t=P(0.0, None, doc="knee position t of the symmetric SReLU (nonlin's choice 1)"),
                eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def srelu_plus(x: Tensor, a: float = 0.5, t: float = 1.0, eps: float = 0.1) -> Tensor:
    """SReLUPlus: the symmetric S-shaped ReLU (identity on [−t, t], slope a outside), mollified.

    (a − 1)(|x − t|_ε − |x + t|_ε)/2 is evaluated as −2(a − 1)tx/(|x − t|_ε + |x + t|_ε).
    """
    return a * x - (a - 1.0) * t * _ratio(x, t, eps)


@srelu_plus.derivative
def _(x: Tensor, a: float, t: float, eps: float) -> Tensor:
    return a + 0.5 * (a - 1.0) * ((x - t) / _hyp(x - t, eps) - (x + t) / _hyp(x + t, eps))


@activation(
    "sign_relu_plus", aliases=("dlu_plus",), family="rectifiers",
    formula=r"\tfrac12\left(x + |x|_\varepsilon\right) + \frac{x - |x|_\varepsilon}{2\,|1 - x|_\varepsilon}",
    reference=_MSRF,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=False, zero_at_zero=False),
    params=dict(eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def sign_relu_plus(x: Tensor, eps: float = 0.1) -> Tensor:
    """SignReLUPlus: SignReLU/DLU, written (x + |x|)/2 + (x − |x|)/(2|1 − x|), with every |·| mollified.

    The unsmoothed form is x for x >= 0 and x/(1 − x) (a softsign) below,
    the function registered as ``polu`` (alias ``dlu``).  The two halves are
    evaluated without cancellation: (x ± |x|_ε)/2 = ±(ε/2)/(|x|_ε ∓ x) on the
    side where they are small.
    """
    h = _hyp(x, eps)
    xf = torch.nan_to_num(x, nan=math.nan)  # ±inf -> ±max so that the ratios below stay finite
    hf = _hyp(xf, eps)
    h1 = _hyp(1.0 - xf, eps)
    pos = torch.where(x >= 0, 0.5 * x + 0.5 * h, (0.5 * eps) / (h - x))  # (x + |x|_ε)/2
    # (x − |x|_ε)/(2|1 − x|_ε): small for x >= 0, the softsign branch for x < 0
    neg = torch.where(xf >= 0, -(0.5 * eps) / (hf + xf) / h1, 0.5 * (xf / h1 - hf / h1))
    return pos + neg


@sign_relu_plus.derivative
def _(x: Tensor, eps: float) -> Tensor:
    h = _hyp(x, eps)
    h1 = _hyp(1.0 - x, eps)
    # d/dx (x + h)/2 + d/dx (x − h)/(2 h1), with dh/dx = x/h and dh1/dx = (x − 1)/h1
    return 0.5 * (1.0 + x / h) + 0.5 * (1.0 - x / h) / h1 - 0.5 * ((x / h1 - h / h1) * ((x - 1.0) / h1)) / h1


# ---------------------------------------------------------------------------
# More ReLU-family units of the survey (§3.6, §4.2)
# ---------------------------------------------------------------------------

@activation(
    "olrelu", aliases=("optimized_leaky_relu",), family="rectifiers",
    formula=r"\begin{cases} x & x \ge 0\\ x\,e^{-a} & x < 0\end{cases},\quad a = \frac{u + l}{u - l}",
    reference=_survey("Optimized leaky ReLU (OLReLU)", None),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    piecewise_linear=True),
    params=dict(lower=P(0.0, None, open_low=True, doc="lower bound l of the RReLU range the slope derives from"),
                upper=P(0.0, None, open_low=True, doc="upper bound u > l of that range")),
    constraints=ordered("lower", "upper"),
)
def olrelu(x: Tensor, lower: float = 3.0, upper: float = 8.0) -> Tensor:
    """Optimized leaky ReLU: a leaky ReLU whose slope e^{−(u+l)/(u−l)} is derived from RReLU's bounds.

    With Xu et al.'s RReLU range a ~ U(3, 8) (the survey's reference point),
    (u + l)/(u − l) = 2.2 and the slope is e^{−2.2} ≈ 0.1108; torch's
    U(1/8, 1/3) gives the same ratio.
    """
    return torch.where(x >= 0, x, math.exp(-(upper + lower) / (upper - lower)) * x)


@olrelu.derivative
def _(x: Tensor, lower: float, upper: float) -> Tensor:
    return torch.where(x >= 0, 1.0, math.exp(-(upper + lower) / (upper - lower))).to(x.dtype)


_KIM_HARDTANH = _survey("Shifted HardTanh (SvHardTanh, ShHardTanh)", "Kim et al.")


@activation(
    "sv_hardtanh", aliases=("vertically_shifted_hardtanh",), family="rectifiers",
    formula=r"\min(\max(x, -1), 1) + a",
    reference=_KIM_HARDTANH,
    properties=dict(monotonic=True, smooth="C0", bounded_below=-0.5, bounded_above=1.5, zero_at_zero=False,
                    piecewise_linear=True),
    params=dict(a=P(doc="vertical shift a (0.5 is nonlin's choice; the survey gives no value)")),
)
def sv_hardtanh(x: Tensor, a: float = 0.5) -> Tensor:
    """SvHardTanh: hardtanh moved up by a, clip(x, −1, 1) + a (range [a − 1, a + 1])."""
    return torch.clamp(x, -1.0, 1.0) + a


@sv_hardtanh.derivative
def _(x: Tensor, a: float) -> Tensor:
    return (x.abs() < 1).to(x.dtype)


@activation(
    "sh_hardtanh", aliases=("horizontally_shifted_hardtanh",), family="rectifiers",
    formula=r"\min(\max(x + a, -1), 1)",
    reference=_KIM_HARDTANH,
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True),
    params=dict(a=P(doc="horizontal shift a (0.5 is nonlin's choice; the survey gives no value)")),
)
def sh_hardtanh(x: Tensor, a: float = 0.5) -> Tensor:
    """ShHardTanh: hardtanh moved left by a, clip(x + a, −1, 1) (linear on [−1 − a, 1 − a])."""
    return torch.clamp(x + a, -1.0, 1.0)


@sh_hardtanh.derivative
def _(x: Tensor, a: float) -> Tensor:
    return ((x + a).abs() < 1).to(x.dtype)


@activation(
    "lsptlu", aliases=("lrtlu", "leaky_single_peaked_triangle_linear_unit"), family="rectifiers",
    formula=r"\begin{cases} 0.2x & x < 0\\ x & 0 \le x \le a\\ 2a - x & a < x \le 2a\\ 0 & x > 2a\end{cases}",
    reference=_survey("Leaky single-peaked triangle linear unit (LSPTLU); identical to the leaky rectified "
                      "triangle linear unit (LRTLU)", None),
    properties=dict(monotonic=False, smooth="C0", bounded_below=False, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True),
    params=dict(a=P(0.0, None, open_low=True, doc="peak position a (1 is nonlin's choice)")),
)
def lsptlu(x: Tensor, a: float = 1.0) -> Tensor:
    """LSPTLU: a triangle of height a on [0, 2a], zero beyond, with a 0.2 leak for negative inputs."""
    return torch.where(x < 0, 0.2 * x, torch.where(x <= a, x, torch.clamp_min(2.0 * a - x, 0.0)))


@lsptlu.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x < 0, 0.2, torch.where(x <= a, 1.0, torch.where(x <= 2.0 * a, -1.0, 0.0))).to(x.dtype)


@activation(
    "hat_relu", family="rectifiers",
    formula=r"\begin{cases} x & 0 \le x \le a/2\\ a - x & a/2 < x \le a\\ 0 & \text{otherwise}\end{cases},"
            r"\quad a = 2",
    reference=_survey("Hat activation function (one-sided hat; fixed variant a = 2)", "Wang, Xu, Zhu"),
    properties=dict(monotonic=False, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True),
    params=dict(a=P(0.0, None, open_low=True, doc="width a of the hat (the fixed variant uses a = 2)")),
)
def hat_relu(x: Tensor, a: float = 2.0) -> Tensor:
    """Hat: a triangle rising like ReLU on [0, a/2] and falling back to 0 at a; zero elsewhere (a = 2).

    Unlike the centred ``hat``/``tent`` (max(0, 1 − |x|)), it is positive only
    for positive inputs.  The survey reports a = 2 for the fixed variant.
    """
    return torch.where(x < 0, torch.zeros_like(x), torch.where(x <= 0.5 * a, x, torch.clamp_min(a - x, 0.0)))


@hat_relu.derivative
def _(x: Tensor, a: float) -> Tensor:
    return torch.where(x < 0, 0.0, torch.where(x <= 0.5 * a, 1.0, torch.where(x <= a, -1.0, 0.0))).to(x.dtype)


@activation(
    "ls_relu", family="rectifiers",
    formula=r"\begin{cases} \dfrac{x}{1 + |x|} & x \le 0\\ x & 0 < x \le b\\ "
            r"\ln(a x + 1) + |\ln(a b + 1) - b| & x > b\end{cases}",
    reference=_survey("LS-ReLU", "Wang et al."),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=False, zero_at_zero=True),
    params=dict(a=P(0.0, None, open_low=True, doc="scale a inside the logarithm (1 is nonlin's choice)"),
                b=P(0.0, None, open_low=True, doc="knee b where the logarithmic branch starts (1 is nonlin's "
                                                  "choice)")),
)
def ls_relu(x: Tensor, a: float = 1.0, b: float = 1.0) -> Tensor:
    """LS-ReLU: softsign for x <= 0, identity up to b, then a logarithm lifted to meet it at b.

    The lift |ln(ab + 1) − b| makes the unit continuous whenever ln(ab + 1) <= b
    (true at the defaults a = b = 1, nonlin's choice; the survey gives no values).
    """
    lift = abs(math.log1p(a * b) - b)
    neg = torch.clamp_max(x, 0.0)
    return torch.where(x <= 0, neg / (1.0 - neg), torch.where(x <= b, x, torch.log1p(a * torch.clamp_min(x, b)) + lift))


@ls_relu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    d = 1.0 - torch.clamp_max(x, 0.0)
    return torch.where(x <= 0, 1.0 / (d * d),
                       torch.where(x <= b, torch.ones_like(x), a / (1.0 + a * torch.clamp_min(x, b))))


@activation(
    "mrelu_plus", aliases=("mexican_hat_relu_plus",), family="rectifiers",
    formula=r"\tfrac12\left(u + |u|_\varepsilon\right),\quad u = c - |x - b|_\varepsilon",
    reference=_MSRF,
    properties=dict(monotonic=False, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False,
                    even=True),
    params=dict(b=P(doc="centre b of the hat (0 is nonlin's choice)"),
                c=P(0.0, None, open_low=True, doc="half-width and height c of the hat (1 is nonlin's choice)"),
                eps=P(0.0, None, open_low=True, doc=_EPS_DOC)),
)
def mrelu_plus(x: Tensor, b: float = 0.0, c: float = 1.0, eps: float = 0.1) -> Tensor:
    """MReLUPlus: the Mexican-hat component max(0, c − |x − b|) of MeLU, both kinks mollified.

    The outer max(0, u) = (u + |u|)/2 is evaluated as ε/(2(|u|_ε − u)) for u < 0,
    which does not cancel when u is large and negative.
    """
    u = c - _hyp(x - b, eps)
    hu = _hyp(u, eps)
    return torch.where(u >= 0, 0.5 * (u + hu), (0.5 * eps) / (hu - u))


@mrelu_plus.derivative
def _(x: Tensor, b: float, c: float, eps: float) -> Tensor:
    u = c - _hyp(x - b, eps)
    return -0.5 * (1.0 + u / _hyp(u, eps)) * ((x - b) / _hyp(x - b, eps))


# ---------------------------------------------------------------------------
# Rectifiers from the papers the survey cites
# ---------------------------------------------------------------------------

@activation(
    "yolo_leaky_relu", aliases=("lrelu_0_1",), family="rectifiers",
    formula=r"\max(0,x) + 0.1\min(0,x)",
    reference=ref("You Only Look Once: Unified, Real-Time Object Detection", "1506.02640", 2016,
                  authors="Redmon, Divvala, Girshick, Farhadi", venue="CVPR"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(negative_slope=P(0.0, 1.0, doc="slope for x < 0 (YOLO: 0.1)")),
    builtin=F.leaky_relu,
)
def yolo_leaky_relu(x: Tensor, negative_slope: float = 0.1) -> Tensor:
    """Leaky ReLU with the YOLO slope 0.1: φ(x) = x for x > 0, 0.1x otherwise (every layer but the last)."""
    return torch.where(x >= 0, x, negative_slope * x)


@yolo_leaky_relu.derivative
def _(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x >= 0, 1.0, negative_slope).to(x.dtype)


@activation(
    "log_tailed_relu", aliases=("lt_relu",), family="rectifiers",
    formula=r"\begin{cases} 0 & x \le 0\\ x & 0 < x \le q\\ q + \ln(x - q + 1) & x > q\end{cases}",
    reference=ref("Deep Learning with Low Precision by Half-wave Gaussian Quantization", "1702.00953", 2017,
                  authors="Cai, He, Sun, Vasconcelos", venue="CVPR"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False, zero_at_zero=True),
    params=dict(q=P(0.0, None, open_low=True, doc="largest quantisation level q_m where the log tail starts "
                                                  "(1 is nonlin's choice)")),
)
def log_tailed_relu(x: Tensor, q: float = 1.0) -> Tensor:
    """Log-tailed ReLU: ReLU up to q, then q + ln(x − q + 1), which meets it with slope 1 (C¹ at q).

    HWGQ uses it as the backward approximation of its half-wave quantiser
    (τ = q_m − 1 in the paper's notation): outliers above the top level q_m
    still get a gradient, damped logarithmically.  As an activation it is a
    rectifier with a compressive tail.
    """
    return torch.where(x <= 0, torch.zeros_like(x),
                       torch.where(x <= q, x, q + torch.log1p(torch.clamp_min(x, q) - q)))


@log_tailed_relu.derivative
def _(x: Tensor, q: float) -> Tensor:
    return torch.where(x <= 0, torch.zeros_like(x),
                       torch.where(x <= q, torch.ones_like(x), 1.0 / (1.0 + (torch.clamp_min(x, q) - q))))


@activation(
    "epanechnikov_relu", aliases=("s_relu_mollified",), family="rectifiers",
    formula=r"\begin{cases} 0 & x \le -h\\ h\left(\tfrac{3}{16} + \tfrac{s}{2} + \tfrac{3s^2}{8} - \tfrac{s^4}{16}\right)"
            r" & |x| < h\\ x & x \ge h\end{cases},\quad s = x/h",
    reference=ref("Reshaping Activation Functions: A Framework for Activation Function Optimization Based on "
                  "Mollification Theory", None, 2025,
                  venue="OpenReview forum BaYELDYvC1 (ICLR 2026 submission); the closed form here is derived "
                        "from its definition, ReLU convolved with the Epanechnikov kernel"),
    properties=dict(monotonic=True, smooth="C2", bounded_below=0.0, bounded_above=False, zero_at_zero=False),
    params=dict(h=P(0.0, None, open_low=True, doc="half-width h of the Epanechnikov kernel (1 is nonlin's choice)")),
)
def epanechnikov_relu(x: Tensor, h: float = 1.0) -> Tensor:
    """S-ReLU of the mollification framework: ReLU convolved with the Epanechnikov kernel K(u) = ¾(1 − u²)/h.

    Exactly ReLU outside [−h, h] and a quartic inside, so it is C² (the
    kernel is continuous); f(0) = 3h/16 and f'(x) is the kernel's CDF
    1/2 + 3s/4 − s³/4.  Derived here from that definition; the width h is
    nonlin's choice.
    """
    s = torch.clamp(x / h, -1.0, 1.0)
    s2 = s * s
    inner = h * (0.1875 + 0.5 * s + s2 * (0.375 - 0.0625 * s2))
    return torch.where(x >= h, x, torch.where(x <= -h, torch.zeros_like(x), inner))


@epanechnikov_relu.derivative
def _(x: Tensor, h: float) -> Tensor:
    s = torch.clamp(x / h, -1.0, 1.0)
    return 0.5 + s * (0.75 - 0.25 * s * s)
