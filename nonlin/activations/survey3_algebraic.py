"""SELU relatives, polynomial/algebraic, combination and piecewise-radial units of the survey arXiv 2402.09092.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024.  Section
numbers below are the survey's.  For every unit in this file the primary paper
could not be retrieved here; the formula is the one the survey prints, and each
docstring says so and says where a default is nonlin's choice because neither
the survey nor (as far as it reports) the original gives a value.

Left out on purpose: sSELU (λx, λα(e^{cx} − 1) is (λ/c)·ELU_{cα}(cx), an affine
reparametrisation of ``elu`` while no value of c is published), the survey's SqSoftplus and LinQ (the printed branches do
not join up), SSAF (= √(2a)·``signed_sqrt``), MEF (= ``isru`` + ½), Wave
(= ``mexican_hat`` up to scale), Triple (= ``cube`` at the authors' best a = 1),
SBAF and LAF (undefined on part of the real line), arctid
(= ``atan_squared_minus_x``), cosid (= ``cos_minus_x``), SinP (an input shift
of cos_minus_x at a = 1 and a member of ``snake_beta``'s family up to affine
maps), bfire (= ``eplaf`` at d = 2 for a = 1; its bounded variant bbfire is kept), the multi-output chaotic
units HCAF/FCAF/CCAF (not elementwise), and SPOCU (its published constants could
not be checked).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import expm1_neg
from ..elementwise import activation
from ..registry import P, ref

_SELU_SCALE = 1.0507009873554804934193349852946  # λ of SELU (Klambauer et al., arXiv 1706.02515)
_SELU_ALPHA = 1.6732632423543772848170429916717  # α of SELU


def _survey(name: str, section: str, authors: str | None = None, year: int | None = None):
    """Reference for a unit known here only through the survey's entry."""
    return ref(name, None, year, authors=authors,
               venue=f"formula as given in 'Three Decades of Activations', arXiv 2402.09092, Sec. {section} "
                     "(primary source not retrieved)")


# ---------------------------------------------------------------- SELU/ELU relatives (survey 3.7)

@activation(
    "lselu", family="exponential",
    formula=r"\begin{cases} \lambda x & x \ge 0\\ \lambda\alpha(e^x - 1) + \lambda c\,x & x < 0\end{cases}",
    reference=_survey("Leaky scaled exponential linear unit (LSELU)", "3.7.12"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(lam=P(0.0, None, open_low=True, doc="scale λ (SELU's λ ≈ 1.0507)"),
                alpha=P(0.0, None, doc="negative saturation α (SELU's α ≈ 1.6733)"),
                c=P(0.0, None, doc="leak c of the negative branch (no published value: nonlin's choice 0.1)")),
)
def lselu(x: Tensor, lam: float = _SELU_SCALE, alpha: float = _SELU_ALPHA, c: float = 0.1) -> Tensor:
    """Leaky SELU: λx for x >= 0, λα(eˣ − 1) + λcx below (survey Sec. 3.7.12, Eq. 173).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.7.12); primary source
    not retrieved here.  λ and α are SELU's constants, as the survey prescribes;
    the survey gives no value for the leak c, so c = 0.1 is nonlin's choice
    (c = 0 is SELU).
    """
    return torch.where(x >= 0, lam * x, lam * alpha * expm1_neg(x) + lam * c * torch.clamp_max(x, 0))


@lselu.derivative
def _(x: Tensor, lam: float, alpha: float, c: float) -> Tensor:
    return torch.where(x >= 0, torch.full_like(x, lam), lam * alpha * torch.exp(torch.clamp_max(x, 0)) + lam * c)


def _hard_sigmoid(x: Tensor) -> Tensor:
    return torch.clamp(0.5 * (x + 1.0), 0.0, 1.0)


@activation(
    "hardsrelue", family="exponential",
    formula=r"\begin{cases} a x\,\max\bigl(0, \min(1, \tfrac{x + 1}{2})\bigr) + x & x \ge 0\\ a(e^x - 1) & x < 0\end{cases}",
    reference=_survey("HardSReLUE", "3.7.16", authors="Kiliçarslan"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=-0.5, bounded_above=False),
    params=dict(a=P(0.0, None, doc="fixed slope a (no published value: nonlin's choice 0.5)")),
)
def hardsrelue(x: Tensor, a: float = 0.5) -> Tensor:
    """HardSReLUE: x + a·x·hardsigmoid(x) for x >= 0, a(eˣ − 1) below (survey Sec. 3.7.16, Eq. 177).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.7.16); primary source
    (Kiliçarslan) not retrieved here.  The survey calls a a fixed slope parameter
    without a value; a = 0.5 (inside the 0 < a < 1 range Kiliçarslan used for
    RSigELU) is nonlin's choice.  Slope 1 + a for x >= 1, −a is the lower bound.
    """
    return torch.where(x >= 0, a * x * _hard_sigmoid(x) + x, a * expm1_neg(x))


@hardsrelue.derivative
def _(x: Tensor, a: float) -> Tensor:
    hs_slope = torch.where((x > -1) & (x < 1), torch.full_like(x, 0.5), torch.zeros_like(x))
    pos = 1.0 + a * _hard_sigmoid(x) + a * x * hs_slope
    return torch.where(x >= 0, pos, a * torch.exp(torch.clamp_max(x, 0)))


# ---------------------------------------------------------------- polynomial universal AF (survey 3.16)

def _puaf_gate(x: Tensor, b: int, c: float) -> Tensor:
    """(c+x)^b / ((c+x)^b + (c−x)^b) on [−c, c], 1 above, 0 below; computed on p = (c+x)/2c ∈ [0, 1]."""
    p = (torch.clamp(x, -c, c) + c) / (2.0 * c)
    q = 1.0 - p
    pb, qb = p ** b, q ** b
    return pb / (pb + qb)


def _puaf_gate_slope(x: Tensor, b: int, c: float) -> Tensor:
    p = (torch.clamp(x, -c, c) + c) / (2.0 * c)
    q = 1.0 - p
    pb, qb = p ** b, q ** b
    s = b * p ** (b - 1) * q ** (b - 1) / (2.0 * c * (pb + qb) ** 2)
    return torch.where(x.abs() < c, s, torch.zeros_like(x))


def _puaf(x: Tensor, a: int, b: int, c: float) -> Tensor:
    g = _puaf_gate(x, b, c)
    return x * g if a == 1 else g


def _puaf_derivative(x: Tensor, a: int, b: int, c: float) -> Tensor:
    s = _puaf_gate_slope(x, b, c)
    return _puaf_gate(x, b, c) + x * s if a == 1 else s


_PUAF_REF = _survey("Polynomial universal activation function (PUAF)", "3.16", authors="Hwang, Kim")
_PUAF_FORMULA = (r"x^a\,g(x),\ g(x) = \begin{cases} 1 & x > c\\ \dfrac{(c + x)^b}{(c + x)^b + (c - x)^b} & |x| \le c\\ "
                 r"0 & x < -c\end{cases}")


@activation(
    "puaf_swish", family="self_gated", formula=_PUAF_FORMULA + r",\ a = 1", reference=_PUAF_REF,
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=True, bounded_below=-0.27696975778538,
                    bounded_above=False),
    params=dict(b=P(1, None, kind="int", doc="exponent b of the polynomial gate"),
                c=P(0.0, None, open_low=True, doc="half-width c of the polynomial transition")),
)
def puaf_swish(x: Tensor, b: int = 5, c: float = 10.0) -> Tensor:
    """PUAF at the survey's swish-approximating constants a = 1, b = 5, c = 10 (survey Sec. 3.16).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.16); primary source
    (Hwang & Kim) not retrieved here.  The survey reports that a = 1, b = 5,
    c = 10 approximates swish and a = 0 with the same b, c the logistic sigmoid
    (``puaf_sigmoid``).  The gate is a polynomial, so the unit needs no exp;
    it is C⁴ at x = ±c.  Minimum ≈ −0.27697 at x ≈ −1.2611.
    """
    return _puaf(x, 1, b, c)


@puaf_swish.derivative
def _(x: Tensor, b: int, c: float) -> Tensor:
    return _puaf_derivative(x, 1, b, c)


@activation(
    "puaf_sigmoid", family="sigmoidal", formula=_PUAF_FORMULA + r",\ a = 0", reference=_PUAF_REF,
    properties=dict(monotonic=True, smooth="C2", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(b=P(1, None, kind="int", doc="exponent b of the polynomial gate"),
                c=P(0.0, None, open_low=True, doc="half-width c of the polynomial transition")),
)
def puaf_sigmoid(x: Tensor, b: int = 5, c: float = 10.0) -> Tensor:
    """PUAF at the survey's sigmoid-approximating constants a = 0, b = 5, c = 10 (survey Sec. 3.16).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.16); primary source
    (Hwang & Kim) not retrieved here.  A polynomial sigmoid: exactly 0 below −c,
    1 above c, ½ at 0.
    """
    return _puaf(x, 0, b, c)


@puaf_sigmoid.derivative
def _(x: Tensor, b: int, c: float) -> Tensor:
    return _puaf_derivative(x, 0, b, c)


# ---------------------------------------------------------------- sum of two standard functions (3.25)

@activation(
    "comb_h_sine", family="misc", formula=r"\sinh(a x) + \sinh^{-1}(a x)",
    reference=_survey("Comb-H-sine", "3.25"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(a=P(0.0, None, open_low=True, doc="input scale a (no published value: nonlin's choice 1)")),
)
def comb_h_sine(x: Tensor, a: float = 1.0) -> Tensor:
    """Comb-H-sine: sinh(ax) + arsinh(ax), found by an evolutionary search for LSTMs (survey Sec. 3.25).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.25); primary source
    not retrieved here.  a is a predefined hyperparameter without a value in the
    survey; a = 1 is nonlin's choice.  Overflows to ±inf only where sinh(ax) does.
    """
    u = a * x
    h = 0.5 * u
    # sinh(u) = 2·sinh(u/2)·cosh(u/2): torch.sinh overflows up to ~e^0.7 below where the value does
    return (2.0 * torch.sinh(h)) * torch.cosh(h) + torch.asinh(u)


@comb_h_sine.derivative
def _(x: Tensor, a: float) -> Tensor:
    u = a * x
    c = torch.cosh(0.5 * u)
    return a * ((2.0 * c) * c - 1.0) + a / torch.hypot(torch.ones_like(u), u)


@activation(
    "evolved_tanh_relu", family="misc", formula=r"\tanh(x^2) + \max(0, x)",
    reference=_survey("Evolved combination of tanh and ReLU", "3.40.1", authors="Vijayaprabakaran, Sathiyamurthy"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
)
def evolved_tanh_relu(x: Tensor) -> Tensor:
    """tanh(x²) + ReLU(x): the best recurrent AF found by neuroevolution for LSTMs on HAR (survey Sec. 3.40.1).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.40.1, Eq. 232);
    primary source (Vijayaprabakaran & Sathiyamurthy) not retrieved here.  Tends
    to 1 as x → −∞, has its minimum 0 at x = 0 and grows like x + 1 above.
    """
    xx = x * x  # x² may overflow to inf: tanh(inf) = 1 is the right limit
    return torch.tanh(xx) + torch.clamp_min(x, 0)


@evolved_tanh_relu.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x * x)
    # 2x·sech²(x²): sech² first, it vanishes long before 2x overflows
    return (1.0 - t * t) * x * 2.0 + (x > 0).to(x.dtype)


# ---------------------------------------------------------------- bi-firing (3.21, 3.22)

_BFIRE_FORMULA = r"\begin{cases} x - \tfrac a2 & x > a\\ \tfrac{x^2}{2a} & |x| \le a\\ -x - \tfrac a2 & x < -a\end{cases}"


def _bfire(x: Tensor, a: float) -> Tensor:
    ax = x.abs()
    return torch.where(ax > a, ax - 0.5 * a, x * (x / (2.0 * a)))


@activation(
    "bbfire", aliases=("bounded_bi_firing",), family="rectifiers",
    formula=r"\min\bigl(\mathrm{bfire}_a(x),\ b\bigr)",
    reference=_survey("Bounded bi-firing activation function (bbfire)", "3.22"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=3.0,
                    even=True),
    params=dict(a=P(0.0, None, open_low=True, doc="smoothing width a of bfire; nonlin's choice 1"),
                b=P(0.0, None, open_low=True, doc="upper bound b; nonlin's choice 3")),
)
def bbfire(x: Tensor, a: float = 1.0, b: float = 3.0) -> Tensor:
    """Bounded bi-firing: bfire clipped at b, a near inverse-bell shape (survey Sec. 3.22).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.22); primary source
    not retrieved here.  The survey gives no values; a = 1, b = 3 are nonlin's choice.
    """
    return torch.clamp_max(_bfire(x, a), b)


@bbfire.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    return torch.where(_bfire(x, a) < b, torch.clamp(x / a, -1.0, 1.0), torch.zeros_like(x))


# ---------------------------------------------------------------- piecewise radial units (3.23, 3.24)

_MEXICAN_HAT_COEF = 2.0 / math.sqrt(3.0) * math.pi ** -0.25
_PMAF_TAIL = 30.0  # beyond |t| = 30 the wavelet is below 1e-190: clamping t keeps (1 − t²) from overflowing


def _pmaf_shift(x: Tensor, a: float) -> Tensor:
    return torch.clamp(torch.where(x < 0, x + a, x - a), -_PMAF_TAIL, _PMAF_TAIL)


@activation(
    "pmaf", family="radial",
    formula=r"\begin{cases} \tfrac{2}{\sqrt3}\pi^{-1/4}\bigl(1 - (x + a)^2\bigr)e^{-(x + a)^2/2} & x < 0\\ "
            r"\tfrac{2}{\sqrt3}\pi^{-1/4}\bigl(1 - (x - a)^2\bigr)e^{-(x - a)^2/2} & x \ge 0\end{cases}",
    reference=_survey("Piecewise Mexican-hat activation function (PMAF)", "3.23", authors="Liu, Zeng, Wang"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False,
                    bounded_below=-2.0 * _MEXICAN_HAT_COEF * math.exp(-1.5), bounded_above=_MEXICAN_HAT_COEF,
                    even=True),
    params=dict(a=P(0.0, None, doc="distance a of the two hat centres from 0 (Liu, Zeng and Wang: 4)")),
)
def pmaf(x: Tensor, a: float = 4.0) -> Tensor:
    """Piecewise Mexican hat: a Ricker wavelet centred at −a for x < 0 and at +a for x >= 0 (survey Sec. 3.23).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.23); primary source
    (Liu, Zeng & Wang) not retrieved here; a = 4 is the value they used.
    Even; peaks 2/√3·π^{−1/4} ≈ 0.8673 at x = ±a.
    """
    t = _pmaf_shift(x, a)
    t2 = t * t
    return _MEXICAN_HAT_COEF * (1.0 - t2) * torch.exp(-0.5 * t2)


@pmaf.derivative
def _(x: Tensor, a: float) -> Tensor:
    t = _pmaf_shift(x, a)
    t2 = t * t
    return _MEXICAN_HAT_COEF * t * (t2 - 3.0) * torch.exp(-0.5 * t2)


def _prbf_centre(x: Tensor, a: float) -> Tensor:
    return torch.where(x >= a, torch.full_like(x, 2.0 * a), torch.where(x <= -a, torch.full_like(x, -2.0 * a),
                                                                       torch.zeros_like(x)))


@activation(
    "prbf", family="radial",
    formula=r"\begin{cases} e^{-(x - 2a)^2/b^2} & x \ge a\\ e^{-x^2/b^2} & |x| < a\\ e^{-(x + 2a)^2/b^2} & x \le -a\end{cases}",
    reference=_survey("Piecewise radial basis function (PRBF)", "3.24", authors="Liu, Zeng, Wang"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
    params=dict(a=P(0.0, None, open_low=True, doc="half-width a of the central bump (Liu, Zeng and Wang: 3)"),
                b=P(0.0, None, open_low=True, doc="width b of each Gaussian (Liu, Zeng and Wang: 1)")),
)
def prbf(x: Tensor, a: float = 3.0, b: float = 1.0) -> Tensor:
    """Piecewise RBF: Gaussians centred at 0 on (−a, a) and at ±2a outside (survey Sec. 3.24).

    Formula as given in the survey arXiv 2402.09092 (Sec. 3.24); primary source
    (Liu, Zeng & Wang) not retrieved here; a = 3, b = 1 are the values they used.
    Continuous (the pieces meet at ±a with value e^{−a²/b²}), with kinks there.
    """
    u = (x - _prbf_centre(x, a)) / b
    return torch.exp(-u * u)


@prbf.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    u = (x - _prbf_centre(x, a)) / b
    return (u * torch.exp(-u * u)) * (-2.0 / b)  # u·e^{−u²} first: −2u alone overflows at the float maximum
