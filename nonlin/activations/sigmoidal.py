"""Sigmoidal and squashing functions: logistic, tanh, softsign, hard and tempered variants.

Also the other classic "link" CDFs used as activations (probit, complementary
log-log, log-log, Aranda-Ordaz) and unbounded squashers (arcsinh, symlog).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .. import _math
from ..elementwise import activation
from ..registry import ParameterError, P, ref

_SURVEY = ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for Neural "
              "Networks (as listed in the survey)", "2402.09092", 2024, authors="Kunc, Kléma")
_EFFICIENT_BACKPROP = ref("Efficient BackProp", None, 1998, authors="LeCun, Bottou, Orr, Müller",
                          venue="Neural Networks: Tricks of the Trade, LNCS 1524")
_GOMES_2008 = ref("Complementary Log-Log and Probit: Activation Functions Implemented in Artificial Neural "
                  "Networks", None, 2008, authors="Gomes, Ludermir", venue="8th Int. Conf. on Hybrid Intelligent "
                                                                          "Systems (HIS)")
_GOMES_2011 = ref("Comparison of New Activation Functions in Neural Network for Forecasting Financial Time "
                  "Series", None, 2011, authors="Gomes, Ludermir, Lima", venue="Neural Computing and Applications 20")

# Transcendental torch builtins that save their *input* (atan, erf, asinh) are
# not used as `builtin=`: writing their result back into the input
# (inplace=True) would corrupt what they saved.  The formula path saves a clone.


@activation(
    "sigmoid", aliases=("logistic",), family="sigmoidal", formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    reference=ref("Learning representations by back-propagating errors", None, 1986,
                  authors="Rumelhart, Hinton, Williams", venue="Nature 323"),
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
    builtin=torch.sigmoid,
)
def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid: f(x) = 1/(1 + e^{−x})."""
    return 0.5 * (1.0 + torch.tanh(0.5 * x))  # stable for both tails


@sigmoid.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 - s)


@activation(
    "tanh", family="sigmoidal", formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    reference=_EFFICIENT_BACKPROP,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    builtin=torch.tanh,
)
def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent: f(x) = tanh(x)."""
    return torch.tanh(x)


@tanh.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return 1 - t * t


@activation(
    "hard_sigmoid", aliases=("hardsigmoid",), family="sigmoidal",
    formula=r"\min(\max(0, x/6 + 1/2), 1) = \mathrm{ReLU6}(x + 3)/6",
    reference=ref("Searching for MobileNetV3", "1905.02244", 2019,
                  authors="Howard, Sandler, Chu, Chen, Chen, Tan, Wang, Zhu, Pang, Vasudevan, Le, Adam",
                  venue="ICCV"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True),
    builtin=F.hardsigmoid,
)
def hard_sigmoid(x: Tensor) -> Tensor:
    """Hard sigmoid (MobileNetV3 / torch): f(x) = clip(x/6 + 1/2, 0, 1)."""
    return torch.clamp(x / 6.0 + 0.5, 0.0, 1.0)


@hard_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    return ((x > -3) & (x < 3)).to(x.dtype) / 6.0


@activation(
    "hard_sigmoid_bc", aliases=("binaryconnect_hard_sigmoid",), family="sigmoidal",
    formula=r"\min(\max(0, (x + 1)/2), 1)",
    reference=ref("BinaryConnect: Training Deep Neural Networks with binary weights during propagations",
                  "1511.00363", 2015, authors="Courbariaux, Bengio, David", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True),
)
def hard_sigmoid_bc(x: Tensor) -> Tensor:
    """Hard sigmoid of BinaryConnect: f(x) = clip((x + 1)/2, 0, 1) (slope 1/2 on [−1, 1])."""
    return torch.clamp((x + 1.0) * 0.5, 0.0, 1.0)


@hard_sigmoid_bc.derivative
def _(x: Tensor) -> Tensor:
    return ((x > -1) & (x < 1)).to(x.dtype) * 0.5


@activation(
    "softsign", family="sigmoidal", formula=r"\frac{x}{1 + |x|}",
    reference=ref("Quadratic Features and Deep Architectures for Chunking", None, 2009,
                  authors="Turian, Bergstra, Bengio", venue="NAACL-HLT"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    # not builtin=F.softsign: it is a composite that saves two input-sized tensors
)
def softsign(x: Tensor) -> Tensor:
    """Softsign: f(x) = x/(1 + |x|), a sigmoid with polynomial (not exponential) tails."""
    return x / (1.0 + x.abs())


@softsign.derivative
def _(x: Tensor) -> Tensor:
    d = 1.0 + x.abs()
    return 1.0 / (d * d)


@activation(
    "elliott", family="sigmoidal", formula=r"\frac{0.5\,x}{1 + |x|} + 0.5",
    reference=ref("A Better Activation Function for Artificial Neural Networks", None, 1993, authors="Elliott",
                  venue="Technical Report ISR TR 93-8, University of Maryland"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
)
def elliott(x: Tensor) -> Tensor:
    """Elliott sigmoid: f(x) = 0.5·x/(1 + |x|) + 0.5, a cheap logistic-shaped squasher.

    This is the (0, 1) form benchmarked by Dubey et al. (arXiv 2109.14545);
    its odd (−1, 1) counterpart is softsign.
    """
    return 0.5 * x / (1.0 + x.abs()) + 0.5


@elliott.derivative
def _(x: Tensor) -> Tensor:
    d = 1.0 + x.abs()
    return 0.5 / (d * d)


def _srs_constraint(alpha: float, beta: float) -> None:
    if beta >= math.e * alpha:
        raise ParameterError(f"'srs' parameters 'alpha' and 'beta' must satisfy beta < e*alpha (the denominator "
                             f"vanishes otherwise); got alpha={alpha!r}, beta={beta!r}")


@activation(
    "srs", aliases=("soft_root_sign",), family="sigmoidal",
    formula=r"\frac{x}{x/\alpha + e^{-x/\beta}}",
    reference=ref("Soft-Root-Sign Activation Function", "2003.00547", 2020,
                  authors="Zhou, Li, Du, Cheng"),
    properties=dict(monotonic=False, smooth="Cinf", bounded_below=6.0 / (3.0 - 2.0 * math.e), bounded_above=2.0,
                    zero_at_zero=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="α > 0: the limit of f as x → +∞"),
                beta=P(0.0, None, open_low=True, doc="β > 0: decay scale; must satisfy β < e·α")),
    constraints=lambda p: _srs_constraint(p["alpha"], p["beta"]),
)
def srs(x: Tensor, alpha: float = 2.0, beta: float = 3.0) -> Tensor:
    """Soft-Root-Sign: f(x) = x/(x/α + e^{−x/β}), α = 2, β = 3.

    Bounded on both sides: it rises to α as x → +∞ and returns to 0 as
    x → −∞, with its minimum αβ/(β − αe) ≈ −2.462 at x = −β.  For x < 0 the
    formula is evaluated as x·e^{x/β}/(x·e^{x/β}/α + 1) so nothing
    overflows.  The denominator stays positive only if β < e·α.
    """
    u = torch.exp(-x.abs() / beta)  # e^{-x/β} for x >= 0, e^{x/β} for x < 0; always <= 1
    xu = x * u
    return torch.where(x >= 0, x / (x / alpha + u), xu / (xu / alpha + 1.0))


@srs.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    u = torch.exp(-x.abs() / beta)
    den = torch.where(x >= 0, x / alpha + u, x * u / alpha + 1.0)
    return u * (1.0 + x / beta) / (den * den)


@activation(
    "tempered_sigmoid", family="sigmoidal", formula=r"s\,\sigma(T x) - o",
    reference=ref("Tempered Sigmoid Activations for Deep Learning with Differential Privacy", "2007.14191", 2020,
                  authors="Papernot, Thakurta, Song, Chien, Erlingsson", venue="AAAI 2021"),
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    params=dict(scale=P(0.0, None, open_low=True, doc="output scale s"),
                inverse_temp=P(0.0, None, open_low=True, doc="inverse temperature T"),
                offset=P(None, None, doc="output offset o")),
)
def tempered_sigmoid(x: Tensor, scale: float = 2.0, inverse_temp: float = 2.0, offset: float = 1.0) -> Tensor:
    """Tempered sigmoid: f(x) = s·σ(T·x) − o; the defaults s = 2, T = 2, o = 1 give tanh.

    The family bounds the activations (and so the gradient norms clipped in
    DP-SGD); the paper found s = 2, T = 2, o = 1 (= tanh) the best choice.
    """
    return scale * torch.sigmoid(inverse_temp * x) - offset


@tempered_sigmoid.derivative
def _(x: Tensor, scale: float, inverse_temp: float, offset: float) -> Tensor:
    s = torch.sigmoid(inverse_temp * x)
    return scale * inverse_temp * s * (1 - s)


@activation(
    "log_sigmoid", aliases=("logsigmoid",), family="sigmoidal", formula=r"\ln\sigma(x) = -\ln(1 + e^{-x})",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=0.0, zero_at_zero=False),
    # not builtin=F.logsigmoid: on CPU it saves an input-sized buffer beside the input
)
def log_sigmoid(x: Tensor) -> Tensor:
    """Log-sigmoid: f(x) = ln σ(x) = −softplus(−x), computed stably."""
    return _math.log_sigmoid(x)


@log_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    return torch.sigmoid(-x)


@activation(
    "lecun_tanh", aliases=("scaled_tanh",), family="sigmoidal", formula=r"1.7159\,\tanh(2x/3)",
    reference=_EFFICIENT_BACKPROP,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.7159, bounded_above=1.7159, zero_at_zero=True,
                    odd=True),
)
def lecun_tanh(x: Tensor) -> Tensor:
    """LeCun's scaled tanh: f(x) = 1.7159·tanh(2x/3), so that f(±1) = ±1."""
    return 1.7159 * torch.tanh(x * (2.0 / 3.0))


@lecun_tanh.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x * (2.0 / 3.0))
    return 1.7159 * (2.0 / 3.0) * (1 - t * t)


@activation(
    "penalized_tanh", family="sigmoidal",
    formula=r"\begin{cases}\tanh(x) & x > 0\\ a\tanh(x) & x \le 0\end{cases},\ a = 0.25",
    reference=ref("Revise Saturated Activation Functions", "1602.05980", 2016, authors="Xu, Huang, Li",
                  venue="ICLR workshop"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-0.25, bounded_above=1.0, zero_at_zero=True),
    params=dict(a=P(0.0, 1.0, doc="penalty factor a on the negative side")),
)
def penalized_tanh(x: Tensor, a: float = 0.25) -> Tensor:
    """Penalized tanh: tanh(x) for x > 0, a·tanh(x) otherwise (a = 0.25), a 'leaky' tanh."""
    t = torch.tanh(x)
    return torch.where(x > 0, t, a * t)


@penalized_tanh.derivative
def _(x: Tensor, a: float) -> Tensor:
    t = torch.tanh(x)
    return torch.where(x > 0, 1.0, a) * (1 - t * t)


@activation(
    "arctan", aliases=("atan",), family="sigmoidal", formula=r"\arctan(x)",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-math.pi / 2, bounded_above=math.pi / 2,
                    zero_at_zero=True, odd=True),
)
def arctan(x: Tensor) -> Tensor:
    """Arctangent: f(x) = arctan(x), a sigmoid with 1/x² tails."""
    return torch.atan(x)


@arctan.derivative
def _(x: Tensor) -> Tensor:
    return 1.0 / (1.0 + x * x)


@activation(
    "isru", aliases=("inverse_square_root_unit",), family="sigmoidal", formula=r"\frac{x}{\sqrt{1 + \alpha x^2}}",
    reference=ref("Improving Deep Learning by Inverse Square Root Linear Units (ISRLUs)", "1710.09967", 2017,
                  authors="Carlile, Delamarter, Kinney, Marti, Whitney"),
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="α > 0: saturation at ±1/√α")),
)
def isru(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Inverse square root unit: f(x) = x/√(1 + αx²), α = 1 — a tanh substitute without exp."""
    # √(1 + αx²) as hypot(1, √α·x): x² overflows float32 beyond |x| ≈ 1.8e19 (the result would be 0, not ±1/√α)
    return x / torch.hypot(torch.ones_like(x), math.sqrt(alpha) * x)


@isru.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    r = 1.0 / torch.hypot(torch.ones_like(x), math.sqrt(alpha) * x)
    return r * r * r


@activation(
    "erf", family="sigmoidal", formula=r"\mathrm{erf}(x) = \frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
)
def erf(x: Tensor) -> Tensor:
    """Error function used as a sigmoid: f(x) = erf(x)."""
    return torch.erf(x)


@erf.derivative
def _(x: Tensor) -> Tensor:
    return (2.0 / math.sqrt(math.pi)) * torch.exp(-x * x)


@activation(
    "gudermannian", aliases=("gd",), family="sigmoidal", formula=r"\mathrm{gd}(x) = 2\arctan(\tanh(x/2))",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-math.pi / 2, bounded_above=math.pi / 2,
                    zero_at_zero=True, odd=True),
)
def gudermannian(x: Tensor) -> Tensor:
    """Gudermannian function: gd(x) = 2·arctan(tanh(x/2)); its derivative is sech(x)."""
    return 2.0 * torch.atan(torch.tanh(0.5 * x))


@gudermannian.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(-x.abs())  # sech(x) = 2e^{-|x|}/(1 + e^{-2|x|}), no overflow
    return 2.0 * e / (1.0 + e * e)


@activation(
    "bipolar_sigmoid", family="sigmoidal", formula=r"\frac{1 - e^{-x}}{1 + e^{-x}} = \tanh(x/2)",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
)
def bipolar_sigmoid(x: Tensor) -> Tensor:
    """Bipolar sigmoid: f(x) = (1 − e^{−x})/(1 + e^{−x}) = 2σ(x) − 1 = tanh(x/2)."""
    return torch.tanh(0.5 * x)


@bipolar_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(0.5 * x)
    return 0.5 * (1 - t * t)


@activation(
    "probit", aliases=("normal_cdf",), family="sigmoidal", formula=r"\Phi(x) = \tfrac12\,\mathrm{erfc}(-x/\sqrt2)",
    reference=_GOMES_2008,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
)
def probit(x: Tensor) -> Tensor:
    """Probit (standard normal CDF) activation: f(x) = Φ(x)."""
    return _math.normal_cdf(x)


@probit.derivative
def _(x: Tensor) -> Tensor:
    return _math.normal_pdf(x)


@activation(
    "cloglog", aliases=("complementary_log_log",), family="sigmoidal", formula=r"1 - e^{-e^{x}}",
    reference=_GOMES_2008,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
)
def cloglog(x: Tensor) -> Tensor:
    """Complementary log-log: f(x) = 1 − exp(−eˣ), an asymmetric sigmoid (fast approach to 1)."""
    return -torch.expm1(-_math.safe_exp(x, 60.0))


@cloglog.derivative
def _(x: Tensor) -> Tensor:
    # e^{x − e^x}; the clamp keeps e^x finite and the exponent still tends to −∞
    return torch.exp(x - _math.safe_exp(x, 60.0))


@activation(
    "loglog", aliases=("gumbel_cdf",), family="sigmoidal", formula=r"e^{-e^{-x}}",
    reference=_GOMES_2011,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
)
def loglog(x: Tensor) -> Tensor:
    """Log-log (Gumbel CDF): f(x) = exp(−e^{−x}), an asymmetric sigmoid (fast approach to 0)."""
    return torch.exp(-_math.safe_exp(-x, 60.0))


@loglog.derivative
def _(x: Tensor) -> Tensor:
    return torch.exp(-x - _math.safe_exp(-x, 60.0))


@activation(
    "aranda_ordaz", family="sigmoidal", formula=r"1 - (1 + \lambda e^{x})^{-1/\lambda}",
    reference=_GOMES_2011,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
    params=dict(lambd=P(0.0, None, open_low=True, doc="asymmetry λ > 0 (λ = 1: logistic; → 0: cloglog)")),
)
def aranda_ordaz(x: Tensor, lambd: float = 2.0) -> Tensor:
    """Aranda-Ordaz asymmetric sigmoid: f(x) = 1 − (1 + λeˣ)^{−1/λ}, λ = 2.

    Computed as −expm1(−softplus(x + ln λ)/λ), since ln(1 + λeˣ) =
    softplus(x + ln λ).
    """
    return -torch.expm1(-_math.softplus(x + math.log(lambd)) / lambd)


@aranda_ordaz.derivative
def _(x: Tensor, lambd: float) -> Tensor:
    u = x + math.log(lambd)
    return torch.exp(-_math.softplus(u) / lambd) * torch.sigmoid(u) / lambd


@activation(
    "smoothstep", family="sigmoidal",
    formula=r"\begin{cases}0 & x \le -\gamma/2\\ -\frac{2}{\gamma^3}x^3 + \frac{3}{2\gamma}x + \frac12 & "
            r"|x| < \gamma/2\\ 1 & x \ge \gamma/2\end{cases}",
    reference=ref("The Tree Ensemble Layer: Differentiability meets Conditional Computation", "2002.07772", 2020,
                  authors="Hazimeh, Ponomareva, Mol, Tan, Mazumder", venue="ICML"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
    params=dict(gamma=P(0.0, None, open_low=True, doc="width γ of the transition region")),
)
def smoothstep(x: Tensor, gamma: float = 1.0) -> Tensor:
    """Smooth-step: a cubic from 0 to 1 on [−γ/2, γ/2], exactly 0 and 1 outside (γ = 1).

    A C¹ sigmoid that reaches its bounds, so it can output exact zeros
    and ones (used for conditional computation in tree ensembles).
    """
    t = torch.clamp(x, -0.5 * gamma, 0.5 * gamma)
    return -2.0 / gamma ** 3 * t ** 3 + 1.5 / gamma * t + 0.5


@smoothstep.derivative
def _(x: Tensor, gamma: float) -> Tensor:
    inside = x.abs() < 0.5 * gamma
    return torch.where(inside, -6.0 / gamma ** 3 * x * x + 1.5 / gamma, 0.0).to(x.dtype)  # x² overflows outside


@activation(
    "soft_clipping", aliases=("softclip",), family="sigmoidal",
    formula=r"\frac{1}{\alpha}\ln\frac{1 + e^{\alpha x}}{1 + e^{\alpha(x - 1)}}",
    reference=ref("Neural Network-Based Approach to Phase Space Integration", "1810.11509", 2018,
                  authors="Klimek, Perelstein", venue="SciPost Physics 2020"),
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False),
    params=dict(alpha=P(0.0, None, open_low=True, doc="sharpness α (α → ∞ gives clip(x, 0, 1))")),
)
def soft_clipping(x: Tensor, alpha: float = 10.0) -> Tensor:
    """Soft clipping: a smooth clip(x, 0, 1), (softplus(αx) − softplus(α(x − 1)))/α.

    Nearly linear on (0, 1), saturating at 0 and 1.  α is a
    hyper-parameter in the paper; α = 10 is nonlin's default.
    """
    # For x > 1/2 both softplus terms are large and their difference cancels (0.8 instead of 1 at
    # x = 5e6 in float32); there softplus(u) = u + softplus(−u) gives 1 + (softplus(−αx) − softplus(α − αx))/α,
    # a difference of small terms.  α(x − 1) is formed as αx − α so no intermediate overflows before αx does.
    ax = alpha * x
    upper = 1.0 + (_math.softplus(-ax) - _math.softplus(alpha - ax)) / alpha
    lower = (_math.softplus(ax) - _math.softplus(ax - alpha)) / alpha
    return torch.where(x > 0.5, upper, lower)


@soft_clipping.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    ax = alpha * x
    return torch.sigmoid(ax) - torch.sigmoid(ax - alpha)


@activation(
    "rootsig", family="sigmoidal", formula=r"\frac{x}{1 + \sqrt{1 + x^2}}",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
)
def rootsig(x: Tensor) -> Tensor:
    """Rootsig: f(x) = x/(1 + √(1 + x²)), an algebraic sigmoid saturating at ±1."""
    return x / (1.0 + torch.hypot(x, torch.ones_like(x)))


@rootsig.derivative
def _(x: Tensor) -> Tensor:
    r = torch.hypot(x, torch.ones_like(x))
    return 1.0 / (r * (1.0 + r))


@activation(
    "symlog", aliases=("signed_log",), family="sigmoidal", formula=r"\mathrm{sign}(x)\ln(1 + |x|)",
    reference=ref("Mastering Diverse Domains through World Models", "2301.04104", 2023,
                  authors="Hafner, Pasukonis, Ba, Lillicrap"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
)
def symlog(x: Tensor) -> Tensor:
    """Symmetric logarithm: f(x) = sign(x)·ln(1 + |x|), identity-like near 0, logarithmic tails."""
    return torch.sign(x) * torch.log1p(x.abs())


@symlog.derivative
def _(x: Tensor) -> Tensor:
    return 1.0 / (1.0 + x.abs())


@activation(
    "sqnl", aliases=("square_nonlinearity",), family="sigmoidal",
    formula=r"\begin{cases}1 & x > 2\\ x - x^2/4 & 0 \le x \le 2\\ x + x^2/4 & -2 \le x < 0\\ -1 & x < -2\end{cases}",
    reference=ref("SQNL: A New Computationally Efficient Activation Function", None, 2018,
                  authors="Wuraola, Patel", venue="IJCNN"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True),
)
def sqnl(x: Tensor) -> Tensor:
    """Square nonlinearity (SQNL): a quadratic tanh substitute, x − x·|x|/4 on [−2, 2], ±1 outside."""
    t = torch.clamp(x, -2.0, 2.0)
    return t - t * t.abs() * 0.25


@sqnl.derivative
def _(x: Tensor) -> Tensor:
    return torch.clamp_min(1.0 - 0.5 * x.abs(), 0.0)


@activation(
    "arcsinh", aliases=("asinh",), family="sigmoidal", formula=r"\operatorname{arsinh}(x) = \ln(x + \sqrt{x^2 + 1})",
    reference=_SURVEY,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
)
def arcsinh(x: Tensor) -> Tensor:
    """Inverse hyperbolic sine: f(x) = arsinh(x), linear near 0 with logarithmic tails."""
    return torch.asinh(x)


@arcsinh.derivative
def _(x: Tensor) -> Tensor:
    return 1.0 / torch.hypot(x, torch.ones_like(x))



@activation(
    "hard_sigmoid_taylor", aliases=("hard_sigmoid_gulcehre",), family="sigmoidal",
    formula=r"\min(\max(0, 0.25x + 0.5), 1)",
    reference=ref("Noisy Activation Functions", "1603.00391", 2016,
                  authors="Gulcehre, Moczulski, Denil, Bengio", venue="ICML"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=1.0, zero_at_zero=False,
                    piecewise_linear=True),
)
def hard_sigmoid_taylor(x: Tensor) -> Tensor:
    """Hard sigmoid from the first-order Taylor expansion of σ at 0: clip(x/4 + 1/2, 0, 1).

    The deterministic hard sigmoid that Gulcehre et al. make noisy; its
    slope 1/4 matches σ'(0) (torch's hard_sigmoid uses 1/6, BinaryConnect 1/2).
    """
    return torch.clamp(0.25 * x + 0.5, 0.0, 1.0)


@hard_sigmoid_taylor.derivative
def _(x: Tensor) -> Tensor:
    return ((x > -2) & (x < 2)).to(x.dtype) * 0.25


@activation(
    "tanh_plus_linear", family="sigmoidal", formula=r"\tanh(x) + a x",
    reference=_EFFICIENT_BACKPROP,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False, zero_at_zero=True,
                    odd=True),
    params=dict(a=P(0.0, None, doc="slope a of the added linear term")),
)
def tanh_plus_linear(x: Tensor, a: float = 0.1) -> Tensor:
    """tanh with a small linear term, f(x) = tanh(x) + a·x, LeCun's remedy for flat spots.

    Efficient BackProp suggests adding a small linear term so the gradient
    never vanishes in the tails; a = 0.1 is nonlin's default.
    """
    return torch.tanh(x) + a * x


@tanh_plus_linear.derivative
def _(x: Tensor, a: float) -> Tensor:
    t = torch.tanh(x)
    return 1.0 - t * t + a



@activation(
    "cloglogm", aliases=("modified_cloglog",), family="sigmoidal", formula=r"1 - 2e^{-0.7 e^{x}}",
    reference=_GOMES_2011,
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=False),
)
def cloglogm(x: Tensor) -> Tensor:
    """Modified complementary log-log: f(x) = 1 − 2·exp(−0.7·eˣ), an asymmetric sigmoid on (−1, 1).

    (Constants 2 and 0.7 as listed by Gomes et al. and in the 2024 survey;
    recalled, not re-verified here.)
    """
    return 1.0 - 2.0 * torch.exp(-0.7 * _math.safe_exp(x, 60.0))


@cloglogm.derivative
def _(x: Tensor) -> Tensor:
    return 1.4 * torch.exp(x - 0.7 * _math.safe_exp(x, 60.0))
