"""Sigmoid-family units of the survey's section 3.2 (and 3.8) that nonlin lacked, from their primary papers.

Survey: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024 (section
3.2, the sigmoid family; section 3.8, square-based units; section 3.3.8, the
sigmoid's derivative).  Bounded units from outside the survey (soft-caps,
approximations, gates) are in ``survey2_sig_bounded.py``.

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
from .._math import sigmoid_prime as _sigmoid_prime

_GOLDEN = (1.0 + math.sqrt(5.0)) / 2.0




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
                  authors="Koçak, Üstündağ Şiray",
                  venue="Expert Systems with Applications 164 (title as recalled; the survey cites this paper)"),
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
                  "function)", None, 2022,
                  venue="Bitlis Eren Üniversitesi Fen Bilimleri Dergisi 11(1), doi:10.17798/bitlisfen.990508"),
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


# ------------------------------------------------------------------ parametric SechSig / TanhSig

_ALPHA_SECHSIG_TANHSIG = ref("αSechSig and αTanhSig: two novel non-monotonic activation functions", None, 2023,
                             authors="Közkurt, Kılıçarslan, Baş, Elen",
                             venue="Soft Computing (doi:10.1007/s00500-023-09279-2)")


def _sech(x: Tensor) -> Tensor:
    e = torch.exp(-x.abs())  # 2e^{−|x|}/(1 + e^{−2|x|}): no overflow
    return 2.0 * e / (1.0 + e * e)


@activation(
    "alpha_sechsig", aliases=("psechsig",), family="self_gated",
    formula=r"\bigl(x + \alpha\,\operatorname{sech}(x + \alpha)\bigr)\,\sigma(x)",
    reference=_ALPHA_SECHSIG_TANHSIG,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.1643759786689,
                    bounded_above=False),
    params=dict(alpha=P(0.0, None, doc="α >= 0: weight and shift of the sech term (α = 0 gives SiLU)")),
)
def alpha_sechsig(x: Tensor, alpha: float = 1.0) -> Tensor:
    """αSechSig: f(x) = (x + α·sech(x + α))·σ(x), the parametric SechSig of Közkurt et al.

    α = 1 is nonlin's choice (the paper studies α as a hyper-parameter); the
    minimum at α = 1 is ≈ −0.16438 at x ≈ −2.186.  Formula as rendered by the
    survey (section 3.2.23, 'pSechSig').
    """
    return (x + alpha * _sech(x + alpha)) * torch.sigmoid(x)


@alpha_sechsig.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    u = x + alpha
    s = _sech(u)
    return (1.0 - alpha * s * torch.tanh(u)) * torch.sigmoid(x) + (x + alpha * s) * _sigmoid_prime(x)


@activation(
    "alpha_tanhsig", aliases=("ptanhsig",), family="self_gated",
    formula=r"\bigl(x + \alpha\tanh(x + \alpha)\bigr)\,\sigma(x)",
    reference=_ALPHA_SECHSIG_TANHSIG,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.3591353614397,
                    bounded_above=False),
    params=dict(alpha=P(0.0, None, doc="α >= 0: weight and shift of the tanh term (α = 0 gives SiLU)")),
)
def alpha_tanhsig(x: Tensor, alpha: float = 1.0) -> Tensor:
    """αTanhSig: f(x) = (x + α·tanh(x + α))·σ(x), the parametric TanhSig of Közkurt et al.

    α = 1 is nonlin's choice; the minimum at α = 1 is ≈ −0.35914 at
    x ≈ −1.573.  Formula as rendered by the survey (section 3.2.24, 'pTanhSig').
    """
    return (x + alpha * torch.tanh(x + alpha)) * torch.sigmoid(x)


@alpha_tanhsig.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    t = torch.tanh(x + alpha)
    return (1.0 + alpha * (1.0 - t * t)) * torch.sigmoid(x) + (x + alpha * t) * _sigmoid_prime(x)


# ------------------------------------------------------------------ the logistic sigmoid's derivative and flat spot

@activation(
    "sigmoid_derivative", aliases=("dsigmoid",), family="radial",
    formula=r"\sigma'(x) = \sigma(x)\bigl(1 - \sigma(x)\bigr) = \tfrac14\operatorname{sech}^2(x/2)",
    reference=ref("New activation functions for single layer feedforward neural network", None, 2021,
                  authors="Koçak, Üstündağ Şiray",
                  venue="Expert Systems with Applications 164 (title as recalled; the survey cites this paper)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=0.25,
                    even=True),
)
def sigmoid_derivative(x: Tensor) -> Tensor:
    """Derivative of the logistic sigmoid used as an activation: σ(x)(1 − σ(x)), a bump of height 1/4.

    Computed as σ(x)·σ(−x), which has no cancellation in either tail
    (1 − σ(x) would round to 0 for large x).  Listed by the survey in
    section 3.3.8.
    """
    return _sigmoid_prime(x)


@sigmoid_derivative.derivative
def _(x: Tensor) -> Tensor:
    return _sigmoid_prime(x) * torch.tanh(-0.5 * x)  # σ'' = σ'(1 − 2σ) = −σ' tanh(x/2)


@activation(
    "sigmoid_flat_spot", aliases=("fahlman_sigmoid",), family="sigmoidal",
    formula=r"f(x) = \sigma(x),\quad \tilde f'(x) = \sigma'(x) + c,\ c = 0.1",
    reference=ref("An Empirical Study of Learning Speed in Back-Propagation Networks", None, 1988,
                  authors="Fahlman", venue="Technical Report CMU-CS-88-162, Carnegie Mellon University"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    surrogate_gradient=True),
    params=dict(offset=P(0.0, None, doc="constant c >= 0 added to σ' in the backward pass (training only)")),
)
def sigmoid_flat_spot(x: Tensor, offset: float = 0.1) -> Tensor:
    """Fahlman's flat-spot fix: forward logistic sigmoid, backward σ'(x) + 0.1.

    Adding 0.1 to the sigmoid-prime keeps saturated units learning (the
    'flat spot' where σ' ≈ 0); the forward value is the plain sigmoid.
    c = 0.1 is Fahlman's constant (also Encog's default).
    """
    return torch.sigmoid(x)


@sigmoid_flat_spot.derivative
def _(x: Tensor, offset: float) -> Tensor:
    return _sigmoid_prime(x) + offset
