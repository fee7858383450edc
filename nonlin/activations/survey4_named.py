"""Named fixed activations from single-unit papers (2015-2023) catalogued in the surveys.

Surveys: Kunc & Kléma, "Three Decades of Activations: A Comprehensive Survey of
400 Activation Functions for Neural Networks", arXiv 2402.09092, 2024, and Dubey,
Singh & Chaudhuri, "Activation Functions in Deep Learning: A Comprehensive Survey
and Benchmark", arXiv 2109.14545.  Each unit cites the paper that proposed it.
Where that paper's full text could not be retrieved here, the docstring says which
parts of the formula were checked against what (its abstract, an independent
transcription), and which constants are nonlin's choice.

Checked and left out as already registered (``nonlin similar`` distance ~0):
Suish max(x, x·e^{−|x|}) is ``reu``; Nipuna max(x·σ(x), x) is ``saturated_silu``;
MoLU x(1 + tanh x)/2 is swish at β = 2; m-QReLU (x, or −0.99x below 0) is
``alrelu`` at α = 0.99; Cone 1 − |x − 1| and Parabolic-Cone x(2 − x) are affine
maps of ``abs`` and ``square``; Minsin is ``min_x_sin``; parametric Logish
x·ln(1 + σ(bx)) is ``logish`` of bx rescaled; the exponential activation e^x is
``soft_exponential`` at its default.

Not registered because the equation could not be pinned down: TaLU (Hasan et al.,
arXiv 2305.04402; two public transcriptions disagree on the linear branch and
neither gives the paper's threshold), the symmetrical MSAF −1 + σ(x) + σ(x + a)
(Cai et al. 2015; with a large a it equals σ on [−5, 5], and no value of a was
retrieved), ULU (arXiv 2508.05073; the abstract gives the form x·(1 + tanh(α_i x))/2
on each side of 0 but not α_1, α_2), and Gong's STL (signed truncated logarithm) and
TSSR (truncated signed square root), 2023: their abstracts list properties (odd,
monotone, C¹, identity near 0) but the equations, in particular the truncation
point, were not retrievable, and a guessed form would carry the paper's name.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref
from .._math import sigmoid_prime as _sigmoid_prime




# ------------------------------------------------------------------ QReLU

@activation(
    "qrelu", aliases=("quantum_relu",), family="rectifiers",
    formula=r"\begin{cases} x & x > 0\\ 0.01\,x\,(x - 2) & x \le 0\end{cases}",
    reference=ref("QReLU and m-QReLU: Two novel quantum activation functions to aid medical diagnostics",
                  "2010.08031", 2020, authors="Parisi, Neagu, Ma, Campean",
                  venue="Expert Systems with Applications 2022"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
)
def qrelu(x: Tensor) -> Tensor:
    """QReLU (quantum ReLU): x for x > 0, 0.01·x·(x − 2) for x <= 0.

    Parisi et al. start from the leaky ReLU 0.01x and apply their "entanglement"
    step, which turns the negative branch into the parabola 0.01x(x − 2) = 0.01x² −
    0.02x: it is positive below 0, so QReLU is non-monotonic (slope −0.02 at 0⁻,
    1 at 0⁺) and grows like 0.01x² as x → −∞. The formula was taken from the
    abstract's description and checked against an independent transcription
    (ActTensor's documentation); the paper's full text was not retrieved here.
    Its companion m-QReLU (x, or 0.01x − x below 0) is ``alrelu`` at α = 0.99.
    """
    # (0.01·x)·(x − 2): scaling first keeps the product finite wherever the true value is
    return torch.where(x > 0, x, (0.01 * x) * (x - 2.0))


@qrelu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), 0.02 * x - 0.02)


# ------------------------------------------------------------------ PReNU

@activation(
    "prenu", aliases=("parametric_rectified_nonlinear_unit",), family="rectifiers",
    formula=r"\begin{cases} x - \alpha\ln(1 + x) & x \ge 0\\ 0 & x < 0\end{cases}",
    reference=ref("Parametric rectified nonlinear unit (PRenu) for convolution neural networks", None, 2021,
                  authors="El Jaafari, Ellahyani, Charfi", venue="Signal, Image and Video Processing 15"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
    params=dict(alpha=P(0.0, 1.0, open_low=True, open_high=True,
                        doc="weight α of the logarithmic damping, in (0, 1) as the paper requires; "
                            "0.25 is nonlin's choice")),
)
def prenu(x: Tensor, alpha: float = 0.25) -> Tensor:
    """PReNU: x − α·ln(1 + x) for x >= 0, zero below (0 < α < 1).

    El Jaafari et al. keep ReLU's zero branch but bend the positive one, so the
    gradient passed back is scaled by 1 − α/(1 + x) ∈ [1 − α, 1): small
    activations learn more slowly than large ones. α is a parameter of the paper
    in (0, 1) (formula and range as stated in its abstract; the full text, with
    the value it trains or fixes, was not retrieved here); 0.25 is nonlin's choice.
    Slope 0 at 0⁻ and 1 − α at 0⁺; f(x) − x → −∞ only logarithmically.
    """
    xp = torch.clamp_min(x, 0.0)  # the log branch never sees x < 0 (log1p(x) is NaN below −1)
    return torch.where(x < 0, torch.zeros_like(x), xp - alpha * torch.log1p(xp))  # NaN takes the log branch


@prenu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    xp = torch.clamp_min(x, 0.0)
    return torch.where(x < 0, torch.zeros_like(x), 1.0 - alpha / (1.0 + xp))


# ------------------------------------------------------------------ Triple-state swish

# min over x of x·σ(x)·(σ(x) + σ(x − 20) + σ(x − 40)): at x ≈ −0.7388350, value ≈ −0.07720556 (scipy, float64)
_TS_SWISH_MIN = -0.0772055599231716


@activation(
    "ts_swish", aliases=("triple_state_swish",), family="self_gated",
    formula=r"x\,\sigma(x)\bigl(\sigma(x) + \sigma(x - a) + \sigma(x - b)\bigr)",
    reference=ref("New activation functions for single layer feedforward neural network", None, 2021,
                  authors="Koçak, Üstündağ Şiray",
                  venue="Expert Systems with Applications 164; as catalogued in 'Three Decades of Activations', "
                        "arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=_TS_SWISH_MIN,
                    bounded_above=False),
    params=dict(a=P(doc="shift a of the second sigmoid step (20, as for the same paper's TS-sigmoid)"),
                b=P(doc="shift b of the third sigmoid step (40, as for the same paper's TS-sigmoid)")),
)
def ts_swish(x: Tensor, a: float = 20.0, b: float = 40.0) -> Tensor:
    """Triple-state swish: x·σ(x) gated once more by the triple-state sigmoid σ(x) + σ(x − a) + σ(x − b).

    Koçak & Üstündağ Şiray weight swish with their three-step sigmoid (``ts_sigmoid``),
    so the slope grows from 0 to 1, 2 and 3 as x passes 0, a and b. Near the origin
    (|x| << a) it is x·σ(x)², a swish with a shallower dip: minimum ≈ −0.077206 at
    x ≈ −0.73884 (swish: −0.278). Formula as the survey catalogues it, read here through
    torch-activation 1.0.0's transcription of the survey (neither the survey's page nor
    the paper was retrieved), with the shifts a = 20, b = 40 that ``ts_sigmoid`` uses.
    """
    s = torch.sigmoid(x)
    return (x * s) * (s + torch.sigmoid(x - a) + torch.sigmoid(x - b))


@ts_swish.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    s = torch.sigmoid(x)
    gate = s + torch.sigmoid(x - a) + torch.sigmoid(x - b)
    gate_slope = _sigmoid_prime(x) + _sigmoid_prime(x - a) + _sigmoid_prime(x - b)
    # d/dx [x·s·g] = s·g + x·(s'·g + s·g'); x·σ'(x) is tiny, never inf·0, for large |x|
    return s * gate + x * (_sigmoid_prime(x) * gate + s * gate_slope)


# ------------------------------------------------------------------ SPOCU

def _spocu_r(u: Tensor) -> Tensor:
    """SPOCU's generator r(u) = u³(u⁵ − 2u⁴ + 2), written u³(u⁴(u − 2) + 2) so that huge u gives inf, not inf − inf."""
    u2 = u * u
    return u * u2 * (u2 * u2 * (u - 2.0) + 2.0)


def _spocu_r_prime(u: Tensor) -> Tensor:
    """r'(u) = 8u⁷ − 14u⁶ + 6u² = 2u²(u⁴(4u − 7) + 3)."""
    u2 = u * u
    return 2.0 * u2 * (u2 * u2 * (4.0 * u - 7.0) + 3.0)


# defaults: c = γ = 1 (the erratum's suggestion), β = 1/2, α = 1/r'(1/2) = 32/43 so that s'(0) = 1
_SPOCU_ALPHA = 32.0 / 43.0
_SPOCU_R_HALF = 0.23828125  # r(1/2) = (1/8)(1/32 − 1/8 + 2), exact in binary


@activation(
    "spocu", aliases=("scaled_polynomial_constant_unit",), family="sigmoidal",
    formula=r"\alpha\,h\!\left(\tfrac{x}{\gamma} + \beta\right) - \alpha\,h(\beta),\quad "
            r"h(u) = \begin{cases} r(c) & u \ge c\\ r(u) & 0 \le u < c\\ 0 & u < 0\end{cases},\quad "
            r"r(u) = u^3(u^5 - 2u^4 + 2)",
    reference=ref("SPOCU: scaled polynomial constant unit activation function", None, 2021,
                  authors="Kiseľák, Lu, Švihra, Szépe, Stehlík",
                  venue="Neural Computing and Applications 33:3385-3401; formula as restated in the authors' "
                        "correction, doi:10.1007/s00521-020-05412-6"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True,
                    bounded_below=-_SPOCU_ALPHA * _SPOCU_R_HALF, bounded_above=_SPOCU_ALPHA * (1.0 - _SPOCU_R_HALF)),
    params=dict(alpha=P(0.0, None, open_low=True, doc="output scale α > 0 (32/43 makes s'(0) = 1 at β = 1/2)"),
                beta=P(0.0, 1.0, open_low=True, open_high=True, doc="shift β ∈ (0, 1) of the generator's argument"),
                gamma=P(0.0, None, open_low=True, doc="input scale γ > 0"),
                c=P(1.0, None, doc="cap c >= 1 where the generator saturates at r(c) (the paper's uncapped "
                                   "c = ∞ is not offered: its limit at +inf would be declared NaN; use a large c)")),
)
def spocu(x: Tensor, alpha: float = _SPOCU_ALPHA, beta: float = 0.5, gamma: float = 1.0,
          c: float = 1.0) -> Tensor:
    """SPOCU: s(x) = α·h(x/γ + β) − α·h(β), with h the polynomial r(u) = u³(u⁵ − 2u⁴ + 2) clipped to [0, c].

    Kiseľák et al. build the unit from a tissue-growth model; h is 0 below 0,
    r(u) on [0, c) and the constant r(c) above, and the shift by α·h(β) puts
    s(0) = 0. Formula as restated in the authors' published correction (which
    fixes h to 0 for u < 0), with parameter space α, γ > 0, β ∈ (0, 1), c ∈ [1, ∞]
    (finite c here).
    The paper fits (α, β, γ, c) to a data distribution; the defaults here follow
    the correction's suggestion c = γ = 1 with its extra condition s'(0) = 1, at
    β = 1/2 (nonlin's choice), which gives α = 1/r'(1/2) = 32/43. At these values
    SPOCU is a monotone polynomial step from −α·r(1/2) ≈ −0.17733 (x <= −1/2)
    to α(1 − r(1/2)) ≈ 0.56686 (x >= 1/2), C¹ at both ends (r'(0) = r'(1) = 0).
    For c > 1 the generator overshoots after u = 1 and SPOCU is not monotone.
    """
    u = torch.clamp(x / gamma + beta, 0.0, c)  # h(u) = r(clip(u, 0, c)), since r(0) = 0
    h_beta = beta ** 3 * (beta ** 5 - 2.0 * beta ** 4 + 2.0)  # r(β), a Python float (0 < β < 1 <= c)
    return alpha * _spocu_r(u) - alpha * h_beta


@spocu.derivative
def _(x: Tensor, alpha: float, beta: float, gamma: float, c: float) -> Tensor:
    u = x / gamma + beta
    inside = (u > 0) & (u < c)
    return torch.where(inside, (alpha / gamma) * _spocu_r_prime(torch.clamp(u, 0.0, c)), torch.zeros_like(x))
