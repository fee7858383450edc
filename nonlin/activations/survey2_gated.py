"""More self-gated units x·g(x) and swish-like hybrids (issue 13: complete the catalogue).

Each unit cites the paper that proposed it; the survey "Three Decades of
Activations" (Kunc & Kléma, arXiv 2402.09092) is where most of them are
catalogued.  Defaults are the primary paper's values; where the paper trains a
parameter or gives none, the docstring says that the default is nonlin's choice.

Bounds in ``properties`` are the exact infima at the default parameters,
found as roots of f' in mpmath (30 digits) and quoted to float64 precision.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .._math import normal_cdf, normal_pdf, softplus
from ..elementwise import activation
from ..registry import P, ref
from .._math import sigmoid_prime as _sigmoid_prime

FAMILY = "self_gated"

_SATURATED_REF = ref("Saturated Non-Monotonic Activation Functions", "2305.07537", 2023, authors="Chen, Pan")
_TANHSOFT_REF = ref("TanhSoft -- a family of activation functions combining Tanh and Softplus", "2009.03863", 2020,
                    authors="Biswas, Kumar, Banerjee, Pandey")
_NFNET_REF = ref("High-Performance Large-Scale Image Recognition Without Normalization", "2102.06171", 2021,
                 authors="Brock, De, Smith, Simonyan", venue="ICML")

# NFNets' variance-preserving gain γ = 1/std(g(z)), z ~ N(0, 1), as published in the
# authors' code (deepmind-research nfnets/base.py, `nonlinearities`) and used by timm's nfnet.
_NF_GAMMA_GELU = 1.7015043497085571

# minima (value) of the negative parts, at the default parameters
_GELU_MIN = -0.16997120747990366   # at x ≈ −0.7517915
_SILU_MIN = -0.2784645427610738    # at x ≈ −1.2784645
_MISH_MIN = -0.3088434130172504    # at x ≈ −1.1924312




def _sech2(x: Tensor) -> Tensor:
    """sech²(x) = 4e^{−2|x|}/(1 + e^{−2|x|})²: no cancellation of 1 − tanh² in the tails."""
    e = torch.exp(-2.0 * x.abs())
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


# ------------------------------------------------------------------ saturated non-monotonic units

@activation(
    "saturated_gelu", family=FAMILY,
    formula=r"\begin{cases} x & x \ge 0\\ x\,\Phi(x) & x < 0\end{cases}",
    reference=_SATURATED_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=_GELU_MIN, bounded_above=False),
)
def saturated_gelu(x: Tensor) -> Tensor:
    """Saturated GELU (the paper's "SGELU"): ReLU's positive part, GELU's negative part.

    Chen & Pan (arXiv 2305.07537) keep the identity for x ≥ 0 and x·Φ(x) below,
    so the non-monotonic dip (minimum −0.16997 at x ≈ −0.7518) stays while the
    positive inputs pass unchanged.  The slope jumps from 1/2 to 1 at 0 (C⁰).
    Registered as ``saturated_gelu`` because ``sgelu`` is the earlier Symmetrical GELU.
    """
    return torch.where(x >= 0, x, x * normal_cdf(x))


@saturated_gelu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x >= 0, torch.ones_like(x), normal_cdf(x) + x * normal_pdf(x))


@activation(
    "saturated_silu", aliases=("ssilu",), family=FAMILY,
    formula=r"\begin{cases} x & x \ge 0\\ x\,\sigma(x) & x < 0\end{cases}",
    reference=_SATURATED_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=_SILU_MIN, bounded_above=False),
)
def saturated_silu(x: Tensor) -> Tensor:
    """Saturated SiLU (SSiLU): identity for x ≥ 0, x·σ(x) below (minimum −0.27846 at x ≈ −1.2785).

    Chen & Pan, arXiv 2305.07537.  The slope jumps from 1/2 to 1 at 0 (C⁰).
    """
    return torch.where(x >= 0, x, x * torch.sigmoid(x))


@saturated_silu.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x >= 0, torch.ones_like(x), torch.sigmoid(x) + x * _sigmoid_prime(x))


@activation(
    "saturated_mish", family=FAMILY,
    formula=r"\begin{cases} x & x \ge 0\\ x\tanh(\ln(1 + e^{x})) & x < 0\end{cases}",
    reference=_SATURATED_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=_MISH_MIN, bounded_above=False),
)
def saturated_mish(x: Tensor) -> Tensor:
    """Saturated Mish (the paper's "SMish"): identity for x ≥ 0, Mish below (minimum −0.30884).

    Chen & Pan, arXiv 2305.07537.  Mish'(0) = tanh(ln 2) = 0.6, so the slope jumps
    to 1 at 0 (C⁰).  Registered as ``saturated_mish`` because ``smish`` is Wang et al.'s Smish.
    """
    return torch.where(x >= 0, x, x * torch.tanh(softplus(x)))


@saturated_mish.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(softplus(x))
    return torch.where(x >= 0, torch.ones_like(x), t + x * (1.0 - t * t) * torch.sigmoid(x))


# ------------------------------------------------------------------ Swish-T

@activation(
    "swish_t", family=FAMILY, formula=r"x\,\sigma(\beta x) + \alpha\tanh(x)",
    reference=ref("Swish-T: Enhancing Swish Activation with Tanh Bias for Improved Neural Network Performance",
                  "2407.01012", 2024, authors="Seo, Kim, Park"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.36549441963340256,
                    bounded_above=False),
    params=dict(alpha=P(0.0, None, doc="weight α of the tanh bias"),
                beta=P(0.0, None, open_low=True, doc="slope β of the sigmoid gate (trainable in the paper)")),
)
def swish_t(x: Tensor, alpha: float = 0.1, beta: float = 1.0) -> Tensor:
    """Swish-T: f(x) = x·σ(βx) + α·tanh(x), Swish with a tanh bias.

    Seo, Kim & Park (arXiv 2407.01012) add α·tanh(x) so that the unit accepts
    more negative values early in training; it tends to −α as x → −∞.  β is
    trainable in the paper; the fixed β = 1 (Swish-1) and α = 0.1 here are
    nonlin's choice.  Minimum −0.365494 at x ≈ −1.38779.
    """
    return x * torch.sigmoid(beta * x) + alpha * torch.tanh(x)


@swish_t.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    return torch.sigmoid(beta * x) + beta * (x * _sigmoid_prime(beta * x)) + alpha * _sech2(x)


# ------------------------------------------------------------------ TanhSoft-3

@activation(
    "tanhsoft3", aliases=("tanhsoft_3",), family=FAMILY, formula=r"\ln\bigl(1 + e^{x}\tanh(\delta x)\bigr)",
    reference=_TANHSOFT_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.35707946288945997,
                    bounded_above=False),
    params=dict(delta=P(0.0, None, open_low=True, doc="input scale δ of the tanh factor")),
)
def tanhsoft3(x: Tensor, delta: float = 1.0) -> Tensor:
    """TanhSoft-3: f(x) = ln(1 + eˣ·tanh(δx)), the third member of Biswas et al.'s TanhSoft family.

    Biswas, Kumar, Banerjee & Pandey (arXiv 2009.03863) treat δ as a
    hyper-parameter (trainable in the journal version); δ = 1 is nonlin's
    choice.  1 + eˣ·tanh(δx) > 0 for every x (for x < 0 it exceeds 1 − eˣ), and
    f ≈ x for large x.  Minimum −0.357079 at x ≈ −0.72182 (δ = 1).
    Evaluated as x + ln(e^{−x} + tanh(δx)) for x > 0 so that eˣ never overflows.
    """
    a = x.abs()
    e = torch.exp(-a)
    t = torch.tanh(delta * x)
    pos = a + torch.log(e + torch.tanh(delta * a))  # the x > 0 form, evaluated at |x| (finite everywhere)
    return torch.where(x > 0, pos, torch.log1p(e * t))


@tanhsoft3.derivative
def _(x: Tensor, delta: float) -> Tensor:
    a = x.abs()
    e = torch.exp(-a)
    t = torch.tanh(delta * x)
    num = t + delta * _sech2(delta * x)
    pos = num / (e + torch.tanh(delta * a))  # e^x·num/(1 + e^x·t) with e^x divided out (x > 0)
    return torch.where(x > 0, pos, e * num / (1.0 + e * t))


# ------------------------------------------------------------------ Stan

@activation(
    "stan", aliases=("self_scalable_tanh",), family=FAMILY, formula=r"\tanh(x) + \beta\,x\tanh(x)",
    reference=ref("Self-scalable Tanh (Stan): Faster Convergence and Better Generalization in Physics-informed "
                  "Neural Networks", "2204.12589", 2022, authors="Gnanasambandam et al."),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.23227055549788714,
                    bounded_above=False),
    params=dict(beta=P(0.0, None, doc="scale β of the self-gated term x·tanh(x) (trainable in the paper)")),
)
def stan(x: Tensor, beta: float = 1.0) -> Tensor:
    """Self-scalable tanh (Stan): f(x) = tanh(x) + β·x·tanh(x) = (1 + βx)·tanh(x).

    Gnanasambandam et al. (arXiv 2204.12589) train one β per neuron for PINNs,
    initialised to 1; this is the unit at that initial value.  It grows like
    |x| on both sides (like LiSHT) with a dip to −0.232271 at x ≈ −0.465005.
    """
    return torch.tanh(x) * (1.0 + beta * x)


@stan.derivative
def _(x: Tensor, beta: float) -> Tensor:
    return _sech2(x) * (1.0 + beta * x) + beta * torch.tanh(x)


# ------------------------------------------------------------------ NFNets' gamma-scaled gates

@activation(
    "nf_gelu", family=FAMILY, formula=r"\gamma\,x\,\Phi(x),\ \gamma = 1.7015043497085571",
    reference=_NFNET_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True,
                    bounded_below=_NF_GAMMA_GELU * _GELU_MIN, bounded_above=False),
)
def nf_gelu(x: Tensor) -> Tensor:
    """NFNet's scaled GELU: f(x) = γ·GELU(x), γ = 1.7015043497085571.

    Normalizer-free networks (Brock et al., arXiv 2102.06171) multiply every
    activation by γ = 1/std(g(z)), z ~ N(0, 1), so that a unit-variance input
    keeps unit variance; γ for GELU is the authors' published constant (their
    code and timm's nfnet checkpoints use it).  Minimum γ·(−0.169971).
    """
    return _NF_GAMMA_GELU * (x * normal_cdf(x))


@nf_gelu.derivative
def _(x: Tensor) -> Tensor:
    return _NF_GAMMA_GELU * (normal_cdf(x) + x * normal_pdf(x))


# ------------------------------------------------------------------ I-BERT's integer-friendly GELU

_IBERT_A = -0.2888  # I-BERT's fitted coefficients of L(x) ≈ erf(x) (Kim et al. 2021, Algorithm 2)
_IBERT_B = -1.769
_INV_SQRT_2 = 0.7071067811865476


def _ibert_erf(u: Tensor) -> Tensor:
    """I-BERT's L(u) = sgn(u)·[a·(min(|u|, −b) + b)² + 1]: erf by a clipped quadratic (±1 beyond |u| = 1.769)."""
    c = torch.clamp_max(u.abs(), -_IBERT_B) + _IBERT_B
    return torch.sign(u) * (_IBERT_A * c * c + 1.0)


@activation(
    "i_gelu", aliases=("ibert_gelu",), family=FAMILY,
    formula=r"\tfrac12 x\left(1 + L\!\left(\tfrac{x}{\sqrt2}\right)\right),\ "
            r"L(u) = \operatorname{sgn}(u)\left[a\left(\min(|u|, -b) + b\right)^2 + 1\right],\ a = -0.2888,\ b = -1.769",
    reference=ref("I-BERT: Integer-only BERT Quantization", "2101.01321", 2021,
                  authors="Kim, Gholami, Yao, Mahoney, Keutzer", venue="ICML"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=-0.16747960076772502,
                    bounded_above=False),
)
def i_gelu(x: Tensor) -> Tensor:
    """I-BERT's i-GELU: GELU with erf replaced by the clipped quadratic L (a = −0.2888, b = −1.769).

    Kim et al. (arXiv 2101.01321, Algorithm 2) fit L(u) = sgn(u)[a(min(|u|, −b) + b)² + 1]
    to erf so that GELU needs only integer multiplications; i-GELU(x) = x·½(1 + L(x/√2)).
    It is exactly ReLU for |x| ≥ 1.769·√2 ≈ 2.5017.  L jumps by 2(ab² + 1) ≈ 0.19 at 0,
    so the slope jumps from 0.45188 to 0.54812 there (C⁰).  Minimum −0.167480 at x ≈ −0.83391.
    """
    return 0.5 * x * (1.0 + _ibert_erf(_INV_SQRT_2 * x))


@i_gelu.derivative
def _(x: Tensor) -> Tensor:
    u = _INV_SQRT_2 * x
    inside = u.abs() < -_IBERT_B
    dl = torch.where(inside, 2.0 * _IBERT_A * (u.abs() + _IBERT_B), 0.0 * x)  # L'(u) (sgn² = 1)
    return 0.5 * (1.0 + _ibert_erf(u)) + (0.5 * _INV_SQRT_2) * x * dl


# ------------------------------------------------------------------ PUMA's piecewise-polynomial GELU

# PUMA (Dong et al. 2023): F0 on [−4, −1.95), F1 on [−1.95, 3] (coefficients of x⁰, x¹, ...)
_PUMA_F0 = (-0.5054031199708174, -0.42226581151983866, -0.11807612951181953, -0.011034134030615728)
_PUMA_F1 = (0.008526321541038084, 0.5, 0.3603292692789629, 0.0, -0.037688200365904236, 0.0, 0.0018067462606141187)


def _puma_pieces(x: Tensor, seg0: Tensor, seg1: Tensor, right: Tensor,
                 knots: tuple[float, float, float] = (-4.0, -1.95, 3.0)) -> Tensor:
    """0 below knots[0], seg0 on [knots[0], knots[1]), seg1 on [knots[1], knots[2]], the right branch above."""
    k0, k1, k2 = knots
    return torch.where(x > k2, right, torch.where(x >= k1, seg1, torch.where(x >= k0, seg0, 0.0 * x)))


@activation(
    "puma_gelu", family=FAMILY,
    formula=r"\begin{cases} 0 & x < -4\\ F_0(x) & -4 \le x < -1.95\\ F_1(x) & -1.95 \le x \le 3\\ x & x > 3"
            r"\end{cases},\ F_0\ \text{cubic},\ F_1\ \text{even sextic} + \tfrac12 x",
    reference=ref("PUMA: Secure Inference of LLaMA-7B in Five Minutes", "2307.12533", 2023,
                  authors="Dong, Lu et al."),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=-0.1758356121780631,
                    bounded_above=False),
)
def puma_gelu(x: Tensor) -> Tensor:
    """PUMA's GELU for secure inference: 0, a cubic F0, a sextic F1 and x on four segments.

    Dong et al. (arXiv 2307.12533) fit F0(x) = −0.50540 − 0.42227x − 0.11808x² − 0.011034x³
    on [−4, −1.95) and F1(x) = 0.0085263 + 0.5x + 0.36033x² − 0.037688x⁴ + 0.0018067x⁶
    on [−1.95, 3] (full-precision coefficients below), with 0 below and x above, so that
    MPC needs three comparisons and polynomial evaluations only.  The pieces do not
    meet exactly: the function jumps by 6.3e−4 at −4, 7.2e−3 at −1.95 and 0.016 at 3
    (declared C0, as nonlin does for its other discontinuous units); f(0) = 0.0085.
    Minimum −0.175836 at x ≈ −0.79365.
    """
    x2 = x * x
    a0, a1, a2, a3 = _PUMA_F0
    b0, b1, b2, _, b4, _, b6 = _PUMA_F1
    seg0 = a0 + x * (a1 + x * (a2 + x * a3))
    seg1 = b0 + b1 * x + x2 * (b2 + x2 * (b4 + x2 * b6))
    return _puma_pieces(x, seg0, seg1, x)


@puma_gelu.derivative
def _(x: Tensor) -> Tensor:
    x2 = x * x
    _, a1, a2, a3 = _PUMA_F0
    _, b1, b2, _, b4, _, b6 = _PUMA_F1
    d0 = a1 + x * (2.0 * a2 + 3.0 * a3 * x)
    d1 = b1 + x * (2.0 * b2 + x2 * (4.0 * b4 + 6.0 * b6 * x2))
    return _puma_pieces(x, d0, d1, torch.ones_like(x))


# PUMA's SiLU (for LLaMA's SwiGLU): G0 on [−8, −4), G1 on [−4, 4]
_PUMA_G0 = (-0.3067541139982155, -0.0819767021525476, -0.0055465625580307)
_PUMA_G1 = (0.0085064025895951, 0.5, 0.2281430841728270, 0.0, -0.011113046708173, 0.0, 0.0002743776353465)
_PUMA_SILU_KNOTS = (-8.0, -4.0, 4.0)


@activation(
    "puma_silu", family=FAMILY,
    formula=r"\begin{cases} 0 & x < -8\\ G_0(x) & -8 \le x < -4\\ G_1(x) & -4 \le x \le 4\\ x & x > 4"
            r"\end{cases},\ G_0\ \text{quadratic},\ G_1\ \text{even sextic} + \tfrac12 x",
    reference=ref("PUMA: Secure Inference of LLaMA-7B in Five Minutes", "2307.12533", 2023,
                  authors="Dong, Lu et al.",
                  venue="SiLU coefficients from the authors' SecretFlow-SPU LLaMA example"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=-0.2863525545055345,
                    bounded_above=False),
)
def puma_silu(x: Tensor) -> Tensor:
    """PUMA's SiLU for secure LLaMA inference: 0, a quadratic G0, a sextic G1 and x on four segments.

    The SiLU counterpart of ``puma_gelu`` (Dong et al., arXiv 2307.12533), with the
    coefficients of the authors' released LLaMA-7B example in SecretFlow-SPU:
    G0(x) = −0.30675 − 0.081977x − 0.0055466x² on [−8, −4) and
    G1(x) = 0.0085064 + 0.5x + 0.22814x² − 0.011113x⁴ + 0.00027438x⁶ on [−4, 4],
    0 below −8 and x above 4.  The pieces do not meet exactly (jumps of 5.9e−3 at −8,
    5.3e−3 at −4 and 0.062 at 4; declared C0 like nonlin's other discontinuous units).
    Minimum −0.286353 at x ≈ −1.29364; f(0) = 0.0085.
    """
    x2 = x * x
    a0, a1, a2 = _PUMA_G0
    b0, b1, b2, _, b4, _, b6 = _PUMA_G1
    seg0 = a0 + x * (a1 + x * a2)
    seg1 = b0 + b1 * x + x2 * (b2 + x2 * (b4 + x2 * b6))
    return _puma_pieces(x, seg0, seg1, x, _PUMA_SILU_KNOTS)


@puma_silu.derivative
def _(x: Tensor) -> Tensor:
    x2 = x * x
    _, a1, a2 = _PUMA_G0
    _, b1, b2, _, b4, _, b6 = _PUMA_G1
    d0 = a1 + 2.0 * a2 * x
    d1 = b1 + x * (2.0 * b2 + x2 * (4.0 * b4 + 6.0 * b6 * x2))
    return _puma_pieces(x, d0, d1, torch.ones_like(x), _PUMA_SILU_KNOTS)


# ------------------------------------------------------------------ GELU10

_GELU10_CLIP = 10.0


@activation(
    "gelu10", aliases=("gelu_10", "clipped_gelu"), family=FAMILY,
    formula=r"\mathrm{clip}\bigl(x\,\Phi(x),\ -10,\ 10\bigr)",
    reference=ref("Integer Quantization for Deep Learning Inference: Principles and Empirical Evaluation",
                  "2004.09602", 2020, authors="Wu, Judd, Zhang, Isaev, Micikevicius"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=_GELU_MIN, bounded_above=10.0),
)
def gelu10(x: Tensor) -> Tensor:
    """GELU10: GELU with its output clipped to [−10, 10] (only the upper clip ever acts).

    Wu et al. (NVIDIA, arXiv 2004.09602) clip BERT's GELU at 10 so that int8
    calibration of the following layer is not dominated by rare large outputs
    (the form Hugging Face ships as ``gelu_10`` / ``ClippedGELUActivation(-10, 10)``).
    Identical to GELU below x = 10 (where GELU(x) = 10 to float precision), 10 above (C⁰).
    """
    return torch.clamp_max(x * normal_cdf(x), _GELU10_CLIP)


@gelu10.derivative
def _(x: Tensor) -> Tensor:
    g = normal_cdf(x) + x * normal_pdf(x)
    return torch.where(x * normal_cdf(x) < _GELU10_CLIP, g, 0.0 * x)
