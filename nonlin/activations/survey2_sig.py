"""Sigmoid, tanh and other bounded squashing units: the rest of the survey's sigmoid family, and kin.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024 (its
section 3.2, the sigmoid family, and the square-based units of section 3.8),
plus bounded units with published constants from the literature it cites and
from later papers (tanh soft-capping of logits, hardware approximations).

Each unit cites the paper that proposed it.  Where the primary paper could not
be read here, the docstring says that the formula is the survey's rendering.
Units that only rescale an existing one (``arctan_pi`` is arctan/π) are kept
because their papers publish them as separate functions with those constants;
``nonlin.similar`` shows the relation.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math
from ..elementwise import activation
from ..registry import P, ref

_GOLDEN = (1.0 + math.sqrt(5.0)) / 2.0


def _sigmoid_prime(x: Tensor) -> Tensor:
    return torch.sigmoid(x) * torch.sigmoid(-x)


# ------------------------------------------------------------------ scaled / shifted logistic sigmoids

@activation(
    "scaled_sigmoid", family="sigmoidal", formula=r"4\,\sigma(x) - 2 = 2\tanh(x/2)",
    reference=ref("Revise Saturated Activation Functions", "1602.05980", 2016, authors="Xu, Huang, Li",
                  venue="ICLR workshop"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-2.0, bounded_above=2.0,
                    odd=True),
)
def scaled_sigmoid(x: Tensor) -> Tensor:
    """Scaled sigmoid: f(x) = 4σ(x) − 2, on (−2, 2) with slope 1 at 0.

    Xu et al. rescale the logistic sigmoid so that, like tanh and ReLU, it
    is zero-centred with unit slope at the origin (its linear regime then
    matches Glorot's normalised initialisation).  4σ(x) − 2 = 2·tanh(x/2).
    """
    return 2.0 * torch.tanh(0.5 * x)


@scaled_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(0.5 * x)
    return 1.0 - t * t


@activation(
    "siglin", family="sigmoidal", formula=r"\sigma(x) + a x",
    reference=ref("A new approach for the vanishing gradient problem on sigmoid activation", None, 2020,
                  authors="Roodschild, Gotay Sardiñas, Will", venue="Progress in Artificial Intelligence 9"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=False, bounded_above=False),
    params=dict(a=P(0.0, None, doc="slope a >= 0 of the added linear term (the paper tried 0, 0.05, 0.1, 0.15)")),
)
def siglin(x: Tensor, a: float = 0.1) -> Tensor:
    """SigLin: the logistic sigmoid plus a linear term, f(x) = σ(x) + a·x (a = 0.1).

    Roodschild et al. add the linear term so the gradient never vanishes;
    they tried a ∈ {0, 0.05, 0.1, 0.15} (with a modified training procedure);
    a = 0.1 is nonlin's choice among those.  The name SigLin is the survey's.
    """
    return torch.sigmoid(x) + a * x


@siglin.derivative
def _(x: Tensor, a: float) -> Tensor:
    return _sigmoid_prime(x) + a


@activation(
    "bimodal_sigmoid", aliases=("bimodal_derivative_sigmoid",), family="sigmoidal",
    formula=r"\tfrac12\bigl(\sigma(x) + \sigma(x + b)\bigr)",
    reference=ref("Bi-modal derivative activation function for sigmoidal feedforward networks", None, 2014,
                  authors="Sodhi, Chandra", venue="Neurocomputing 143"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(b=P(0.0, None, doc="shift b >= 0 between the two logistic steps; the derivative is bimodal "
                                   "for b > 2 ln(2 + √3) ≈ 2.634")),
)
def bimodal_sigmoid(x: Tensor, b: float = 4.0) -> Tensor:
    """Bi-modal derivative sigmoid: the mean of two shifted logistic sigmoids, ½(σ(x) + σ(x + b)).

    Its derivative has two equal maxima (at x = 0 and x = −b) once b exceeds
    2·ln(2 + √3) ≈ 2.634.  The paper treats b as a hyper-parameter; b = 4 is
    nonlin's choice.  Formula as rendered by the survey (section 3.2.3).
    """
    return 0.5 * (torch.sigmoid(x) + torch.sigmoid(x + b))


@bimodal_sigmoid.derivative
def _(x: Tensor, b: float) -> Tensor:
    return 0.5 * (_sigmoid_prime(x) + _sigmoid_prime(x + b))


# ------------------------------------------------------------------ arctangent variants

_ARCTAN_VARIANTS = ref("Multiclass Classification Using Arctangent Activation Function and Its Variations", None,
                       2022, authors="Sivri, Pervan Akman, Berkol",
                       venue="14th Int. Conf. on Electronics, Computers and Artificial Intelligence (ECAI)")


def _arctan_scaled(name: str, divisor: float, latex: str, symbol: str, what: str):
    bound = math.pi / (2.0 * divisor)

    def fn(x: Tensor) -> Tensor:
        return torch.atan(x) / divisor

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Arctangent divided by {what}: f(x) = arctan(x)/{symbol} = arctan(x)/{divisor:.6g}, "
                  f"on (−{bound:.4g}, {bound:.4g}).\n\n"
                  "One of the scaled arctangents Sivri et al. compare with tanh, ReLU and swish (the survey, "
                  "section 3.2.4, lists division by π, the golden ratio and e).")
    unit = activation(
        name, family="sigmoidal", formula=rf"\arctan(x)/{latex}", reference=_ARCTAN_VARIANTS,
        properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-bound,
                        bounded_above=bound, odd=True),
    )(fn)

    @unit.derivative
    def _(x: Tensor) -> Tensor:
        return 1.0 / (divisor * (1.0 + x * x))

    return unit


arctan_pi = _arctan_scaled("arctan_pi", math.pi, r"\pi", "π", "π")
arctan_golden = _arctan_scaled("arctan_golden", _GOLDEN, r"\varphi", "φ", "the golden ratio φ = (1 + √5)/2")
arctan_e = _arctan_scaled("arctan_e", math.e, r"e", "e", "Euler's number e")


# ------------------------------------------------------------------ sigmoid variants of section 3.2

@activation(
    "sinc_sigmoid", family="sigmoidal", formula=r"\operatorname{sinc}(\sigma(x)) = \frac{\sin \sigma(x)}{\sigma(x)}",
    reference=ref("New activation functions for single layer feedforward neural network", None, 2021,
                  authors="Koçak, Üstündağ Şiray", venue="Expert Systems with Applications 164"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=math.sin(1.0),
                    bounded_above=1.0),
)
def sinc_sigmoid(x: Tensor) -> Tensor:
    """Sinc-sigmoid: the unnormalised sinc of the logistic sigmoid, sin(σ(x))/σ(x).

    σ(x) ∈ (0, 1) where sinc decreases, so f falls from 1 (x → −∞) to
    sin 1 ≈ 0.841 (x → +∞).  The survey (section 3.2.16) reads the paper's
    derivative as the unnormalised sinc, as here.  Evaluated as
    torch.sinc(σ/π), which is exact at σ = 0 (no 0/0 for very negative x).
    """
    return torch.sinc(torch.sigmoid(x) / math.pi)


@sinc_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    # d/ds sinc(s) · σ' = ((s cos s − sin s)/s²) · s(1 − s) = (cos s − sinc s)(1 − s)
    return (torch.cos(s) - torch.sinc(s / math.pi)) * torch.sigmoid(-x)


@activation(
    "sigmoid_gumbel", family="sigmoidal", formula=r"\frac{1}{1 + e^{-x}\, e^{-e^{-x}}} = \sigma(x + e^{-x})",
    reference=ref("Sigmoid-Gumbel: Yeni Bir Hibrit Aktivasyon Fonksiyonu (Sigmoid-Gumbel: a new hybrid activation "
                  "function)", None, 2022, authors="Kaytan, Aydilek, Yeroğlu, Karcı",
                  venue="Bitlis Eren Üniversitesi Fen Bilimleri Dergisi"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=1.0 / (1.0 + math.exp(-1.0)),
                    bounded_above=1.0),
)
def sigmoid_gumbel(x: Tensor) -> Tensor:
    """Sigmoid-Gumbel: 1/(1 + e^{−x}·exp(−e^{−x})), the logistic sigmoid times the Gumbel CDF in the denominator.

    Equal to σ(x + e^{−x}); since x + e^{−x} >= 1 with equality at 0, the
    unit is 1 at both ends with its minimum σ(1) ≈ 0.731 at x = 0.  Formula as
    rendered by the survey (section 3.2.17).
    """
    return torch.sigmoid(_gumbel_argument(x))


def _gumbel_argument(x: Tensor) -> Tensor:
    """x + e^{−x}; below x = −40 it exceeds 2e17 and σ of it is 1, so the (clamped) e^{−x} alone stands in."""
    e = _math.safe_exp(-x)
    return torch.where(x < -40.0, e, x + e)


@sigmoid_gumbel.derivative
def _(x: Tensor) -> Tensor:
    u = _gumbel_argument(x)
    s = torch.sigmoid(u)
    # σ'(u)(1 − e^{−x}) = σ(u)σ(−u) − σ(u)·exp(log σ(−u) − x): the second form stays finite when e^{−x} is inf
    d = s * torch.sigmoid(-u) - s * torch.exp(-_math.softplus(u) - x)
    return torch.where(x < -40.0, torch.zeros_like(d), d)


@activation(
    "new_sigmoid", aliases=("newsigmoid",), family="sigmoidal",
    formula=r"\frac{e^{x} - e^{-x}}{\sqrt{2\,(e^{2x} + e^{-2x})}} = \frac{\tanh x}{\sqrt{1 + \tanh^2 x}}",
    reference=ref("NewSigmoid activation function (doi:10.3233/JIFS-212333)", None, 2022,
                  venue="Journal of Intelligent & Fuzzy Systems"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-math.sqrt(0.5),
                    bounded_above=math.sqrt(0.5), odd=True),
)
def new_sigmoid(x: Tensor) -> Tensor:
    """NewSigmoid: (eˣ − e⁻ˣ)/√(2(e²ˣ + e⁻²ˣ)) = sinh x/√(cosh 2x), a zero-centred sigmoid on (−1/√2, 1/√2).

    Evaluated as t/√(1 + t²) with t = tanh x (no overflow); slope 1 at 0.
    Formula as rendered by the survey (section 3.2.18).
    """
    t = torch.tanh(x)
    return t * torch.rsqrt(1.0 + t * t)


@new_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    r = torch.rsqrt(1.0 + t * t)
    return (1.0 - t * t) * r * r * r


# ------------------------------------------------------------------ square-based (no exp), section 3.8

@activation(
    "log_sqnl", aliases=("logsqnl", "square_logistic_sigmoid"), family="sigmoidal",
    formula=r"\begin{cases}1 & x > 2\\ \tfrac12 + \tfrac12\left(x - \tfrac{x^2}{4}\right) & 0 \le x \le 2\\ "
            r"\tfrac12 + \tfrac12\left(x + \tfrac{x^2}{4}\right) & -2 \le x < 0\\ 0 & x < -2\end{cases}",
    reference=ref("Efficient activation functions for embedded inference engines", None, 2021,
                  authors="Wuraola, Patel, Nguang", venue="Neurocomputing 442"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
)
def log_sqnl(x: Tensor) -> Tensor:
    """LogSQNL (square logistic sigmoid): the square-only replacement of σ, (SQNL(x) + 1)/2.

    Quadratic pieces on [−2, 2], exactly 0 and 1 outside, C¹ everywhere; no
    exponential is evaluated.  The survey (section 3.8.6) prints the pieces
    without the outer ½, which would jump at ±2; this is the continuous form.
    """
    t = torch.clamp(x, -2.0, 2.0)
    return 0.5 + 0.5 * (t - t * t.abs() * 0.25)


@log_sqnl.derivative
def _(x: Tensor) -> Tensor:
    return torch.clamp_min(0.5 - 0.25 * x.abs(), 0.0)
