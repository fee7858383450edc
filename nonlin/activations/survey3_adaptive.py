"""Adaptive units of the survey arXiv 2402.09092, frozen at fixed parameter values (third pass).

Survey: Kunc & Kléma, "Three Decades of Activations", arXiv 2402.09092, 2024,
section 4 (adaptive activation functions).  As in ``survey_adaptive_fixed``, each unit is
the paper's function with its trainable parameters held at fixed values that
are exposed as parameters.  Neither the primary papers nor the survey's typeset
section-4 equations could be retrieved here: the formulas follow the survey's
entries as transcribed by the public torch_activation package
(github.com/hdmquan/torch_activation, read for the formulas only), and the RMAF
formula agrees with a second independent listing (PyPI ``nonlinear``).  Where
no published initial value was available the default is marked as nonlin's
choice.

Left out because at their initial values they are registered functions:
PSTanh and AHAF (swish), PSSiLU at b = ½ (LiSHT), ACON-C (swish), PGELU (GELU),
PFTS and SC-swish (``flatten_t_swish`` at T = −0.2 and 0), MAF (``multiquadric``), SSinH/SExp/AGumb (scalings of
sinh, eˣ and the logistic sigmoid), PSF at m = 2 (``apa``, to 1e-4), LAU at
a = b = 1 (``logish``), LiSA at equal slopes (``plu``), UAF at its neutral start
(identically zero), PFPLUS (= (a/b)·``polylu``(bx), an affine rescaling), ShELU/SvELU/
PSELU (ELU and SELU at their neutral values), PFPM at p = 0 (= ``sc_mish``),
p-swish at its initial values a = b = 1, c = 0 (= ``saturated_silu``) and EACU's
evaluation form at a = 1 (x for x >= 0, mish below; = ``saturated_mish``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import softplus
from ..elementwise import activation
from ..registry import P, ordered, ref
from .._math import sigmoid_prime as _sigmoid_prime

_LN4 = math.log(4.0)


def _survey4(name: str, authors: str | None = None, section: str = "4"):
    return ref(name, None, None, authors=authors,
               venue=f"formula as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. {section} "
                     "(read via the torch_activation transcription; primary source not retrieved)")




# ---------------------------------------------------------------- fractional ReLU (FAAF family)

@activation(
    "frac_relu", family="rectifiers",
    formula=r"D^{a}\mathrm{ReLU}(x) = \begin{cases} \dfrac{x^{1 - a}}{\Gamma(2 - a)} & x > 0\\ 0 & x \le 0\end{cases}",
    reference=_survey4("Fractional adaptive activation functions (FAAF): fractional ReLU",
                       "Zamora-Esquivel et al.", "4 (FAAF)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
    params=dict(a=P(0.0, 1.0, open_high=True, doc="fractional order a (a = 0: ReLU); trainable originally, "
                                                  "nonlin's choice ½")),
)
def frac_relu(x: Tensor, a: float = 0.5) -> Tensor:
    """Fractional ReLU: the Riemann-Liouville derivative of order a of ReLU, x^{1−a}/Γ(2−a) for x > 0.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4, FAAF); primary source
    (Zamora-Esquivel et al.) not retrieved here.  The order a is trainable in
    FAAF; a = ½ (halfway between ReLU and the unit step) is nonlin's choice,
    giving 2√(x/π).  For 0 < a < 1 the slope is infinite at 0⁺.
    """
    return torch.clamp_min(x, 0) ** (1.0 - a) / math.gamma(2.0 - a)


@frac_relu.derivative
def _(x: Tensor, a: float) -> Tensor:
    if a == 0.0:
        return (x > 0).to(x.dtype)
    xp = torch.clamp_min(x, 0)
    return torch.where(x > 0, (1.0 - a) / math.gamma(2.0 - a) * xp ** (-a), torch.zeros_like(x))


# ---------------------------------------------------------------- sigmoid-weighted units

@activation(
    "falu_fixed", family="self_gated",
    formula=r"g(x) + a\,\sigma(b x)\bigl(1 - g(x)\bigr),\quad g(x) = x\,\sigma(b x),\ a \in [0, 1]",
    reference=ref("Fractional Adaptive Linear Units", None, 2022, authors="Zamora, Rhodes, Nachman",
                  venue="AAAI 2022 (formula as given in the survey arXiv 2402.09092, Sec. 4, FALU, read via the "
                        "torch_activation transcription; primary source not retrieved)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.16637193771061,
                    bounded_above=False),
    params=dict(a=P(0.0, 1.0, doc="fractional order a in [0, 1] (0: swish; 1: its derivative at b = 1); ½ here"),
                b=P(0.0, None, open_low=True, doc="swish slope b (1 here)")),
)
def falu_fixed(x: Tensor, a: float = 0.5, b: float = 1.0) -> Tensor:
    """FALU for orders a in [0, 1]: the approximate fractional derivative of order a of swish x·σ(bx).

    Formula as given in the survey arXiv 2402.09092 (Sec. 4, FALU); the primary
    paper (Zamora, Rhodes & Nachman, AAAI 2022) was not retrieved here.  The
    approximation interpolates linearly in a from swish (a = 0) to, at b = 1,
    its exact derivative σ(x) + xσ(x)(1 − σ(x)) (a = 1) — which checks the
    transcription.  a and b are trainable in FALU; a = ½, b = 1 is nonlin's
    choice.  The a ∈ (1, 2] branch is not implemented (its transcription could
    not be checked).  Minimum ≈ −0.16637 at x ≈ −1.8327 at the defaults.
    """
    s = torch.sigmoid(b * x)
    g = x * s
    return g + a * s * (1.0 - g)


@falu_fixed.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    s = torch.sigmoid(b * x)
    ds = b * s * torch.sigmoid(-b * x)
    g = x * s
    dg = s + x * ds
    return dg + a * (ds * (1.0 - g) - s * dg)


@activation(
    "pats", family="self_gated", formula=r"x\arctan\bigl(a\pi\,\sigma(x)\bigr)",
    reference=_survey4("PATS", None, "4 (sigmoid-weighted adaptive units)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.5187590118044676,
                    bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="gate scale a (the authors' best fixed value 5/8; "
                                                  "their stochastic variant draws it from U(1/2, 3/4))")),
)
def pats(x: Tensor, a: float = 0.625) -> Tensor:
    """PATS: x·arctan(aπσ(x)) at a = 5/8.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4); primary source not
    retrieved here.  The survey reports that the authors tried fixed a ∈ {1/4,
    1/2, 5/8, 3/4}, that 5/8 gave the lowest CIFAR-10 error and is the value
    follow-up works use, and that the stochastic variant samples a from
    U(1/2, 3/4) (whose mean is also 5/8).  Minimum ≈ −0.51876 at x ≈ −1.3785.
    """
    return x * torch.atan(a * math.pi * torch.sigmoid(x))


@pats.derivative
def _(x: Tensor, a: float) -> Tensor:
    u = a * math.pi * torch.sigmoid(x)
    # σ'(x) first: x·aπ alone overflows at the float maximum, where σ'(x) = 0
    return torch.atan(u) + x * (_sigmoid_prime(x) * (a * math.pi) / (1.0 + u * u))


@activation(
    "rmaf", family="self_gated",
    formula=r"a\,x\left(\frac{1}{0.25(1 + e^{-x}) + 0.75}\right)^{c} = a\,x\,\sigma(x + \ln 4)^{c}",
    reference=ref("RMAF: ReLU-Memristor-Like Activation Function for Deep Learning", None, 2020,
                  authors="Yu, Adu, Tashi, Anokye, Wang, Ayidzoe",
                  venue="IEEE Access 8, 72727-72741, doi:10.1109/ACCESS.2020.2987829 (formula as given in the "
                        "survey arXiv 2402.09092, Sec. 4, and in a summary of the paper; its text was not retrieved)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.7178245124945950,
                    bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="output scale a (the survey's a·b; 1 here)"),
                c=P(0.0, None, open_low=True, doc="power c of the memristor-like gate (1 here)")),
)
def rmaf(x: Tensor, a: float = 1.0, c: float = 1.0) -> Tensor:
    """RMAF: a·x·(0.25(1 + e^{−x}) + 0.75)^{−c}, a swish with the gate shifted by ln 4 at c = 1.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4); the primary paper was
    not retrieved here.  The survey writes the scale as a product of two trainable
    factors; they are one parameter a here.  a = c = 1 is nonlin's choice.
    1/(0.25(1 + e^{−x}) + 0.75) = 1/(1 + e^{−(x + ln 4)}) = σ(x + ln 4), which is how
    it is computed (no overflow).  At a = c = 1 the minimum is ≈ −0.71782.
    """
    return a * x * torch.sigmoid(x + _LN4) ** c


@rmaf.derivative
def _(x: Tensor, a: float, c: float) -> Tensor:
    s = torch.sigmoid(x + _LN4)
    sc = s ** c
    # d/dx σ(u)^c = c·σ(u)^c·(1 − σ(u))
    return a * (sc + x * c * sc * torch.sigmoid(-(x + _LN4)))


@activation(
    "sc_mish", family="self_gated",
    formula=r"\max\bigl(0,\ x\tanh(\ln(1 + e^{a x}))\bigr)",
    reference=ref("Soft clipping mish (SC-mish)", None, None, authors="Mercioni, Holban",
                  venue="formula as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. 4.2 "
                        "(read via the torch_activation transcription; primary source not retrieved)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="input scale a of the softplus (Mercioni and Holban: 1; "
                                                  "their learnable SCL-mish starts at 0.25)")),
)
def sc_mish(x: Tensor, a: float = 1.0) -> Tensor:
    """Soft clipping mish: max(0, x·tanh(softplus(ax))) — mish-like above 0, zero below.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4.2); primary source
    (Mercioni & Holban) not retrieved here.  a = 1 is the fixed value Mercioni
    and Holban used.  This is also PFPM (parametric flatten-p mish) at p = 0.
    """
    return torch.where(x < 0, torch.zeros_like(x), x * torch.tanh(softplus(a * x)))  # NaN takes the formula


@sc_mish.derivative
def _(x: Tensor, a: float) -> Tensor:
    xp = torch.clamp_min(x, 0)
    t = torch.tanh(softplus(a * xp))
    return torch.where(x < 0, torch.zeros_like(x), t + xp * (1.0 - t * t) * a * torch.sigmoid(a * xp))


# ---------------------------------------------------------------- sigmoid / tanh with linear pieces

@activation(
    "psigramp", aliases=("p_sig_ramp",), family="sigmoidal",
    formula=r"a\,\sigma(x) + (1 - a)\max\bigl(0, \min(1, b x + \tfrac12)\bigr)",
    reference=ref("Regularized Flexible Activation Function Combinations for Deep Neural Networks", "2007.13101",
                  2020, authors="Jie, Gao, Vasnev, Tran",
                  venue="ICPR 2020 (P-SIG-RAMP; formula as given in the survey arXiv 2402.09092, Sec. 4; "
                        "the paper's text was not retrieved)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(a=P(0.0, 1.0, doc="weight a of the logistic sigmoid against the ramp (½ here)"),
                b=P(0.0, None, open_low=True, doc="slope b of the ramp (1 here)")),
)
def psigramp(x: Tensor, a: float = 0.5, b: float = 1.0) -> Tensor:
    """P-SIG-RAMP: a convex mix of the logistic sigmoid and the ramp clip(bx + ½, 0, 1).

    Proposed by Jie et al. (arXiv 2007.13101) for LSTM gates; formula as given in
    the survey arXiv 2402.09092 (Sec. 4); the paper's text was not retrieved here.  a ∈ [0, 1] and b are trainable originally; a = ½, b = 1 is
    nonlin's choice.
    """
    return a * torch.sigmoid(x) + (1.0 - a) * torch.clamp(b * x + 0.5, 0.0, 1.0)


@psigramp.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    u = b * x + 0.5
    ramp = torch.where((u > 0) & (u < 1), torch.full_like(x, b), torch.zeros_like(x))
    return a * _sigmoid_prime(x) + (1.0 - a) * ramp


@activation(
    "stac_tanh", family="sigmoidal",
    formula=r"\begin{cases} \tanh(-a) + b(x + a) & x < -a\\ \tanh x & |x| \le a\\ \tanh a + b(x - a) & x > a\end{cases}",
    reference=_survey4("Slope and threshold adaptive activation function (STAC-tanh)", None,
                       "4 (sigmoid-based adaptive units)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(a=P(0.0, None, open_low=True, doc="threshold a where tanh gives way to lines (1 here)"),
                b=P(0.0, None, doc="slope b of the outer lines (0.1 here)")),
)
def stac_tanh(x: Tensor, a: float = 1.0, b: float = 0.1) -> Tensor:
    """STAC-tanh: tanh on [−a, a], continued by lines of slope b (survey Sec. 4).

    Formula as given in the survey arXiv 2402.09092 (Sec. 4); primary source not
    retrieved here.  a and b are trainable originally; a = 1, b = 0.1 is
    nonlin's choice.  Continuous, with kinks at ±a unless b = 1 − tanh²(a).
    """
    xc = torch.clamp(x, -a, a)
    return torch.tanh(xc) + b * (x - xc)


@stac_tanh.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    t = torch.tanh(x)
    return torch.where(x.abs() <= a, 1.0 - t * t, torch.full_like(x, b))


# ---------------------------------------------------------------- piecewise units

@activation(
    "reblu", family="rectifiers",
    formula=r"\begin{cases} \beta\bigl(\sqrt{x^2 + 1} - 1\bigr) + x & x > 0\\ 0 & x \le 0\end{cases}",
    reference=ref("An Evaluation of Parametric Activation Functions for Deep Learning", None, 2019,
                  authors="Godfrey",
                  venue="IEEE SMC (formula as given in the survey arXiv 2402.09092, Sec. 4.2; "
                        "primary source not retrieved)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
    params=dict(beta=P(-1.0, 1.0, doc="bendability β of the bendable linear unit (½ here)")),
)
def reblu(x: Tensor, beta: float = 0.5) -> Tensor:
    """Rectified bendable linear unit: the BLU β(√(x² + 1) − 1) + x for x > 0, zero below.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4.2, BLU/ReBLU); primary
    source not retrieved here.  β ∈ [−1, 1] is trainable originally; β = ½ (the
    value at which the survey notes BLU is the bent identity) is nonlin's choice —
    β = 0 would be ReLU.
    """
    xp = torch.clamp_min(x, 0)
    # √(x² + 1) − 1 = x²/(√(x² + 1) + 1): no cancellation near 0, no overflow of x²
    h = torch.hypot(torch.ones_like(xp), xp)
    return torch.where(x <= 0, torch.zeros_like(x), beta * (xp / (h + 1.0)) * xp + xp)  # NaN takes the formula


@reblu.derivative
def _(x: Tensor, beta: float) -> Tensor:
    xp = torch.clamp_min(x, 0)
    h = torch.hypot(torch.ones_like(xp), xp)
    return torch.where(x > 0, beta * xp / h + 1.0, torch.zeros_like(x))


@activation(
    "n_activation", family="rectifiers",
    formula=r"\begin{cases} x - 2t_{\min} & x < t_{\min}\\ -x & t_{\min} \le x \le t_{\max}\\ "
            r"x - 2t_{\max} & x > t_{\max}\end{cases}",
    reference=_survey4("N-activation", None, "4 (adaptive piecewise linear units)"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    piecewise_linear=True, odd=True),
    params=dict(t_min=P(doc="lower turning point (min of the two trainable thresholds; −½ here)"),
                t_max=P(doc="upper turning point (max of the two trainable thresholds; ½ here)")),
    constraints=ordered("t_min", "t_max", strict=False),
)
def n_activation(x: Tensor, t_min: float = -0.5, t_max: float = 0.5) -> Tensor:
    """N-activation: slope 1 outside [t_min, t_max], slope −1 inside — an N-shaped, continuous line.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4); primary source not
    retrieved here.  The thresholds are trainable originally; t_min = −½,
    t_max = ½ is nonlin's choice (odd only when t_min = −t_max).
    """
    return torch.where(x < t_min, x - 2.0 * t_min, torch.where(x > t_max, x - 2.0 * t_max, -x))


@n_activation.derivative
def _(x: Tensor, t_min: float, t_max: float) -> Tensor:
    inside = (x >= t_min) & (x <= t_max)
    return torch.where(inside, -torch.ones_like(x), torch.ones_like(x))


@activation(
    "aqulu", family="rectifiers",
    formula=r"\begin{cases} x & x \ge \tfrac{1 - b}{a}\\ a x^2 + b x & -\tfrac{b}{a} \le x < \tfrac{1 - b}{a}\\ "
            r"0 & x < -\tfrac{b}{a}\end{cases}",
    reference=_survey4("Adaptive quadratic linear unit (AQuLU)", None, "4 (adaptive ReLU relatives)"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.0125, bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="curvature a of the quadratic piece (0.2 here)"),
                b=P(0.0, 1.0, doc="slope b of the quadratic piece at 0 (0.1 here)")),
)
def aqulu(x: Tensor, a: float = 0.2, b: float = 0.1) -> Tensor:
    """AQuLU: 0, then the parabola ax² + bx from its root −b/a, then the identity from (1 − b)/a.

    Formula as given in the survey arXiv 2402.09092 (Sec. 4); primary source not
    retrieved here.  a and b are trainable originally; a = 0.2, b = 0.1 is
    nonlin's choice.  The pieces meet continuously; the minimum is −b²/(4a)
    (−0.0125 at the defaults).
    """
    lo, hi = -b / a, (1.0 - b) / a
    xm = torch.clamp(x, lo, hi)
    return torch.where(x >= hi, x, torch.where(x < lo, torch.zeros_like(x), a * xm * xm + b * xm))


@aqulu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    lo, hi = -b / a, (1.0 - b) / a
    return torch.where(x >= hi, torch.ones_like(x), torch.where(x < lo, torch.zeros_like(x), 2.0 * a * x + b))
