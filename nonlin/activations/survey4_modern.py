"""Elementwise units of recent deep-learning practice (2016-2025): NeRF, detection, diffusion,
normalising flows, GANs, audio synthesis, memory networks, monotonic networks (issue 13).

Each one is the fixed function its paper (or, where the paper leaves a constant to the code,
the authors' released code) defines, under the name practitioners look it up by.  Several are
a registered function with a published constant (an output scale, an input shift); they are
listed because that constant is the unit's identity in its field (``mp_silu``'s 0.596 is what
makes EDM2's layers magnitude preserving), and each docstring names the registered relative.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref
from .self_gated import _LAMBERT_W_INV_E

# ------------------------------------------------------------------ NeRF: Instant-NGP's truncated exponential


@activation(
    "trunc_exp", family="exponential",
    formula=r"f(x) = e^{x},\quad \tilde f'(x) = e^{\min(x,\,c)},\ c = 15",
    reference=ref("Instant Neural Graphics Primitives with a Multiresolution Hash Encoding", "2201.05989", 2022,
                  authors="Müller, Evans, Schied, Keller", venue="SIGGRAPH (ACM TOG 41(4))"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=False,
                    surrogate_gradient=True),
    params=dict(max_exponent=P(None, None, doc="c: the backward uses e^{min(x, c)} (torch-ngp/nerfstudio: 15)")),
)
def trunc_exp(x: Tensor, max_exponent: float = 15.0) -> Tensor:
    """Truncated exponential: e^x forward, a gradient that stops growing at x = c = 15.

    Instant-NGP (Müller et al., arXiv 2201.05989) maps the density output of its
    hash-grid NeRF through an exponential; the PyTorch ports of it (torch-ngp,
    nerfstudio, NeMo) made the density activation ``trunc_exp``: forward exp(x),
    backward e^{min(x, 15)}, so one large pre-activation cannot blow up the
    update (torch-ngp's first version clamped the backward's exponent to
    [−15, 15]; the original CUDA code clamps the exponent itself).
    The backward is therefore a surrogate, not the derivative, above c.  The
    forward alone is an affine rescaling of ``soft_exponential``; the
    truncated gradient is what makes this unit.
    """
    return torch.exp(x)


@trunc_exp.derivative
def _(x: Tensor, max_exponent: float) -> Tensor:
    return torch.exp(torch.clamp_max(x, max_exponent))


# ------------------------------------------------------------------ NeRF: Ref-NeRF's output tone mapping

_SRGB_KNEE = 0.0031308  # IEC 61966-2-1 linear segment end


@activation(
    "srgb_tonemap", aliases=("refnerf_tonemap", "linear_to_srgb"), family="sigmoidal",
    formula=r"\begin{cases} 12.92\,c & c \le 0.0031308\\ 1.055\,c^{1/2.4} - 0.055 & c > 0.0031308\end{cases},"
            r"\quad c = \min(\max(x, 0), 1)",
    reference=ref("Ref-NeRF: Structured View-Dependent Appearance for Neural Radiance Fields", "2112.03907", 2022,
                  authors="Verbin, Hedman, Mildenhall, Zickler, Barron, Srinivasan", venue="CVPR"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=1.0),
)
def srgb_tonemap(x: Tensor) -> Tensor:
    """Ref-NeRF's fixed tone mapping γ: linear radiance to sRGB, clipped to [0, 1].

    Ref-NeRF (Verbin et al., arXiv 2112.03907) outputs colour c = γ(c_d + s⊙L_s),
    where γ is a fixed tone mapping that converts linear radiance to sRGB and
    clips the result to [0, 1] (also the output nonlinearity of the multinerf
    code base).  The curve is the sRGB transfer function of IEC 61966-2-1: 12.92·c up
    to c = 0.0031308, 1.055·c^{1/2.4} − 0.055 above (written 323/25 and
    (211·c^{5/12} − 11)/200 in the authors' code).  Monotonic, 0 for x <= 0 and
    1 for x >= 1.  The standard's two pieces miss each other by 2.5e-6 at the
    knee (a tiny upward step), so the unit is continuous only up to that step.
    """
    c = torch.clamp(x, 0.0, 1.0)
    curve = (211.0 * torch.clamp_min(c, _SRGB_KNEE) ** (5.0 / 12.0) - 11.0) / 200.0
    return torch.where(c <= _SRGB_KNEE, (323.0 / 25.0) * c, curve)


@srgb_tonemap.derivative
def _(x: Tensor) -> Tensor:
    power = (211.0 / 200.0) * (5.0 / 12.0) * torch.clamp(x, _SRGB_KNEE, 1.0) ** (-7.0 / 12.0)
    slope = torch.where(x <= _SRGB_KNEE, 323.0 / 25.0, power)
    return torch.where((x > 0.0) & (x < 1.0), slope, 0.0).to(x.dtype)


# ------------------------------------------------------------------ detection: DETR-family inverse sigmoid


@activation(
    "inverse_sigmoid", aliases=("detr_inverse_sigmoid",), family="misc",
    formula=r"\ln\frac{\max(c, \varepsilon)}{\max(1 - c, \varepsilon)},\quad c = \min(\max(x, 0), 1),"
            r"\ \varepsilon = 10^{-5}",
    reference=ref("Deformable DETR: Deformable Transformers for End-to-End Object Detection", "2010.04159", 2021,
                  authors="Zhu, Su, Lu, Li, Wang, Dai", venue="ICLR"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False,
                    bounded_below=math.log(1e-5), bounded_above=-math.log(1e-5)),
    params=dict(eps=P(0.0, 0.5, open_low=True, open_high=True,
                      doc="ε: both ratio terms are clamped to >= ε (authors' code: 1e-5)")),
)
def inverse_sigmoid(x: Tensor, eps: float = 1e-5) -> Tensor:
    """Clamped logit σ^{-1} of Deformable DETR's iterative box refinement.

    Each decoder layer refines a reference box b in logit space,
    b' = σ(Δb + σ^{-1}(b)) (Zhu et al., arXiv 2010.04159); the released code's
    ``inverse_sigmoid`` clamps its input to [0, 1] and both the numerator and the
    denominator of the odds to >= ε = 1e-5, so the output is finite, within
    ±ln(1/ε) ≈ ±11.51, and equal to the logit on [ε, 1 − ε].  DAB-DETR, DN-DETR,
    DINO and their descendants reuse it.  Monotonic, antisymmetric about 1/2.
    """
    c = torch.clamp(x, 0.0, 1.0)
    return torch.log(torch.clamp_min(c, eps) / torch.clamp_min(1.0 - c, eps))


@inverse_sigmoid.derivative
def _(x: Tensor, eps: float) -> Tensor:
    # d/dx ln(num) where the numerator is x itself, plus -d/dx ln(den) where the denominator is 1 - x
    num = torch.where((x > eps) & (x < 1.0), 1.0 / torch.clamp_min(x, eps), 0.0)
    den = torch.where((x > 0.0) & (1.0 - x > eps), 1.0 / torch.clamp_min(1.0 - x, eps), 0.0)
    return (num + den).to(x.dtype)


# ------------------------------------------------------------------ audio synthesis: DDSP's exp_sigmoid

_DDSP_EXPONENT, _DDSP_MAX, _DDSP_THRESHOLD = 10.0, 2.0, 1e-7


@activation(
    "exp_sigmoid", aliases=("ddsp_exp_sigmoid",), family="sigmoidal",
    formula=r"m\,\sigma(x)^{\ln k} + t,\quad k = 10,\ m = 2,\ t = 10^{-7}",
    reference=ref("DDSP: Differentiable Digital Signal Processing", "2001.04643", 2020,
                  authors="Engel, Hantrakul, Gu, Roberts", venue="ICLR"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False,
                    bounded_below=_DDSP_THRESHOLD, bounded_above=_DDSP_MAX + _DDSP_THRESHOLD),
    params=dict(exponent=P(1.0, None, open_low=True, doc="k: σ is raised to ln k (DDSP: 10; k > 1 keeps f increasing)"),
                max_value=P(0.0, None, open_low=True, doc="m: the output range is (t, m + t) (DDSP: 2)"),
                threshold=P(0.0, None, doc="t: the output floor (DDSP: 1e-7)")),
)
def exp_sigmoid(x: Tensor, exponent: float = _DDSP_EXPONENT, max_value: float = _DDSP_MAX,
                threshold: float = _DDSP_THRESHOLD) -> Tensor:
    """DDSP's scaled sigmoid for synthesiser amplitudes: 2·σ(x)^{ln 10} + 1e-7.

    Engel et al. (arXiv 2001.04643) pass every amplitude and filter magnitude
    the decoder predicts through this: the power ln 10 ≈ 2.30 makes the output
    grow like a power of 10 (roughly linear in decibels) over the useful range,
    the maximum 2 leaves headroom, and the floor 1e-7 keeps logarithms finite.
    Constants are the defaults of ``ddsp.core.exp_sigmoid``.  An affine image of
    ``gla_forget_gate``'s σ(x)^{1/τ} at τ = 1/ln 10.  σ^p is computed as
    exp(p·ln σ(x)), exact in both tails.
    """
    return max_value * torch.exp(math.log(exponent) * F.logsigmoid(x)) + threshold


@exp_sigmoid.derivative
def _(x: Tensor, exponent: float, max_value: float, threshold: float) -> Tensor:
    p = math.log(exponent)
    return max_value * p * torch.exp(p * F.logsigmoid(x)) * torch.sigmoid(-x)


# ------------------------------------------------------------------ monotonic networks: saturated ELU


@activation(
    "saturated_elu", aliases=("cmnn_saturated_elu",), family="sigmoidal",
    formula=r"\begin{cases} \mathrm{ELU}(x + 1) - \mathrm{ELU}(1) & x < 0\\ "
            r"-\mathrm{ELU}(1 - x) + \mathrm{ELU}(1) & x \ge 0\end{cases}"
            r" = \begin{cases} x & |x| \le 1\\ \operatorname{sign}(x)\,(2 - e^{1 - |x|}) & |x| > 1\end{cases}",
    reference=ref("Constrained Monotonic Neural Networks", "2205.11775", 2023,
                  authors="Runje, Shankaranarayana", venue="ICML"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=-2.0, bounded_above=2.0,
                    odd=True),
)
def saturated_elu(x: Tensor) -> Tensor:
    """The saturated activation ρ̃ of constrained monotonic networks, built from ELU.

    Runje & Shankaranarayana (arXiv 2205.11775) make a sign-constrained MLP
    approximate any monotone function by giving some neurons the convex ρ̌, some
    the concave ρ̂(x) = −ρ̌(−x) and some the saturated
    ρ̃(x) = ρ̌(x + 1) − ρ̌(1) for x < 0, ρ̂(x − 1) + ρ̌(1) otherwise.  With ρ̌ = ReLU,
    ρ̃ is ``hardtanh``; with ρ̌ = ELU (one of the paper's activations) it is the
    identity on [−1, 1] with exponential saturation to ±2 beyond: odd, monotonic,
    C¹ (the curvature jumps at |x| = 1).
    """
    a = x.abs()
    tail = 1.0 - torch.expm1(1.0 - torch.clamp_min(a, 1.0))  # 2 - e^{1-|x|}
    return torch.where(a <= 1.0, x, torch.copysign(tail, x))


@saturated_elu.derivative
def _(x: Tensor) -> Tensor:
    return torch.exp(torch.clamp_max(1.0 - x.abs(), 0.0))


# ------------------------------------------------------------------ memory networks: DNC's oneplus


@activation(
    "oneplus", aliases=("dnc_oneplus",), family="smooth_rectifiers",
    formula=r"1 + \ln(1 + e^{x})",
    reference=ref("Hybrid computing using a neural network with dynamic external memory", None, 2016,
                  authors="Graves, Wayne, Reynolds, Harley, Danihelka, et al.", venue="Nature 538, 471-476"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=1.0, bounded_above=False),
)
def oneplus(x: Tensor) -> Tensor:
    """The Differentiable Neural Computer's ``oneplus``: 1 + softplus(x), onto [1, ∞).

    Graves et al. (Nature 2016, Methods) constrain the read/write key strengths
    β ∈ [1, ∞) of content-based addressing with oneplus(x) = 1 + log(1 + e^x),
    so a key's softmax temperature is never above 1 (implementations of the
    Neural Turing Machine form its sharpening exponent γ >= 1 the same way).
    ``softplus`` + 1.
    """
    return 1.0 + F.softplus(x)


@oneplus.derivative
def _(x: Tensor) -> Tensor:
    return torch.sigmoid(x)


# ------------------------------------------------------------------ NeRF: Mip-NeRF's density softplus


@activation(
    "mipnerf_softplus", aliases=("mipnerf_density",), family="smooth_rectifiers",
    formula=r"\ln(1 + e^{x - 1})",
    reference=ref("Mip-NeRF: A Multiscale Representation for Anti-Aliasing Neural Radiance Fields", "2103.13415",
                  2021, authors="Barron, Mildenhall, Tancik, Hedman, Martin-Brualla, Srinivasan", venue="ICCV"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
)
def mipnerf_softplus(x: Tensor) -> Tensor:
    """Mip-NeRF's density activation: the shifted softplus log(1 + e^{x − 1}).

    Barron et al. (arXiv 2103.13415) replace NeRF's ReLU on the volume density
    with this softplus, shifted by −1 so that a zero pre-activation gives a
    small density (0.31) and no unit starts dead; mip-NeRF 360 and Ref-NeRF keep
    it.  (The same paper's colour activation is ``widened_sigmoid``.)
    ``softplus`` of x − 1.
    """
    return F.softplus(x - 1.0)


@mipnerf_softplus.derivative
def _(x: Tensor) -> Tensor:
    return torch.sigmoid(x - 1.0)


# ------------------------------------------------------------------ grokking: StableMax's s(x)


@activation(
    "stablemax_s", aliases=("stablemax",), family="exponential",
    formula=r"s(x) = \begin{cases} x + 1 & x \ge 0\\ \frac{1}{1 - x} & x < 0\end{cases}",
    reference=ref("Grokking at the Edge of Numerical Stability", "2501.04697", 2025,
                  authors="Prieto, Barsbey, Mediano, Birdal", venue="ICLR"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
)
def stablemax_s(x: Tensor) -> Tensor:
    """StableMax's elementwise map s, the replacement of exp in its softmax.

    Prieto et al. (arXiv 2501.04697) trace grokking's delay to "softmax
    collapse" (float round-off once one logit dominates) and define
    StableMax(x)_i = s(x_i)/Σ_j s(x_j) with s(x) = x + 1 for x >= 0 and 1/(1 − x)
    below: positive, increasing, C¹ at 0 (slope 1 from both sides), growing only
    linearly so that logits cannot run away.  ``polu`` (n = 1) + 1.
    """
    return torch.where(x >= 0, x + 1.0, 1.0 / (1.0 - torch.clamp_max(x, 0.0)))


@stablemax_s.derivative
def _(x: Tensor) -> Tensor:
    r = 1.0 / (1.0 - torch.clamp_max(x, 0.0))
    return torch.where(x >= 0, 1.0, r * r).to(x.dtype)


# ------------------------------------------------------------------ diffusion: EDM2's magnitude-preserving SiLU

_MP_SILU_STD = 0.596  # E[silu(z)^2]^{1/2} for z ~ N(0, 1), to three digits, as in the paper


@activation(
    "mp_silu", aliases=("edm2_mp_silu",), family="self_gated",
    formula=r"\frac{x\,\sigma(x)}{0.596}",
    reference=ref("Analyzing and Improving the Training Dynamics of Diffusion Models", "2312.02696", 2024,
                  authors="Karras, Aittala, Lehtinen, Hellsten, Aila, Laine", venue="CVPR"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-_LAMBERT_W_INV_E / _MP_SILU_STD,
                    bounded_above=False, self_gated=True),
)
def mp_silu(x: Tensor) -> Tensor:
    """EDM2's magnitude-preserving SiLU: silu(x)/0.596.

    Karras et al. (arXiv 2312.02696, the magnitude-preserving layers of EDM2)
    divide SiLU by its root-mean-square value under unit-variance Gaussian
    input, 0.596, so that activations keep unit second moment through the
    normalisation-free EDM2 U-Net (``mp_silu`` in the authors' code).  An output
    rescaling of ``silu``.
    """
    return F.silu(x) / _MP_SILU_STD


@mp_silu.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1.0 + x * (1.0 - s)) / _MP_SILU_STD


# ------------------------------------------------------------------ normalising flows: Residual Flows' LipSwish

_LIPSWISH_BETA = math.log1p(math.exp(0.5))  # softplus(0.5): the authors' initial β' = 0.5


@activation(
    "lipswish", family="self_gated",
    formula=r"\frac{x\,\sigma(\beta x)}{1.1},\quad \beta = \mathrm{softplus}(0.5)",
    reference=ref("Residual Flows for Invertible Generative Modeling", "1906.02735", 2019,
                  authors="Chen, Behrmann, Duvenaud, Jacobsen", venue="NeurIPS"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True,
                    bounded_below=-_LAMBERT_W_INV_E / (1.1 * _LIPSWISH_BETA), bounded_above=False, self_gated=True),
    params=dict(beta=P(0.0, None, open_low=True,
                       doc="gate sharpness β (authors: β = softplus(β'), β' learned from 0.5, so 0.97408)")),
)
def lipswish(x: Tensor, beta: float = _LIPSWISH_BETA) -> Tensor:
    """LipSwish: Swish divided by 1.1, a smooth 1-Lipschitz activation for invertible residual blocks.

    Chen et al. (arXiv 1906.02735, Sec. 4) need an activation with Lipschitz
    constant <= 1 whose derivative does not saturate at 1: Swish
    x·σ(βx) has |f'| <= 1.0998 for every β, so LipSwish(x) = x·σ(βx)/1.1.  β is
    kept positive as softplus(β') with β' initialised to 0.5 in the authors'
    code; the default here is that initial β = softplus(0.5) ≈ 0.97408.  A
    rescaling of ``swish``.
    """
    return x * torch.sigmoid(beta * x) / 1.1


@lipswish.derivative
def _(x: Tensor, beta: float) -> Tensor:
    s = torch.sigmoid(beta * x)
    return s * (1.0 + beta * x * (1.0 - s)) / 1.1


# ------------------------------------------------------------------ GANs: StyleGAN2's gain-corrected leaky ReLU


@activation(
    "stylegan2_lrelu", aliases=("fused_leaky_relu",), family="rectifiers",
    formula=r"g\,(\max(0, x) + a\min(0, x)),\quad a = 0.2,\ g = \sqrt2",
    reference=ref("Analyzing and Improving the Image Quality of StyleGAN", "1912.04958", 2020,
                  authors="Karras, Laine, Aittala, Hellsten, Lehtinen, Aila", venue="CVPR"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    piecewise_linear=True),
    params=dict(negative_slope=P(0.0, 1.0, doc="slope a for x < 0 (StyleGAN: 0.2)"),
                gain=P(0.0, None, open_low=True, doc="output gain g (StyleGAN2 code: √2)")),
)
def stylegan2_lrelu(x: Tensor, negative_slope: float = 0.2, gain: float = math.sqrt(2.0)) -> Tensor:
    """StyleGAN2's leaky ReLU: slope 0.2 below zero, the output multiplied by √2.

    StyleGAN (1812.04948) and StyleGAN2 (Karras et al., arXiv 1912.04958) use
    leaky ReLU with a = 0.2.  With the equalised learning rate (weights scaled
    at run time rather than at initialisation) nothing else restores the
    activations' magnitude, so the authors' fused ``bias_act`` op multiplies
    the activation by the He gain √2 ('lrelu': alpha 0.2, gain √2); the
    PyTorch ports call it ``fused_leaky_relu``.  ``dcgan_leaky_relu`` times √2.
    """
    return gain * torch.where(x >= 0, x, negative_slope * x)


@stylegan2_lrelu.derivative
def _(x: Tensor, negative_slope: float, gain: float) -> Tensor:
    return torch.where(x >= 0, gain, gain * negative_slope).to(x.dtype)


# ------------------------------------------------------------------ learned compression: rounding


@activation(
    "round_ste", aliases=("ste_round", "round_st"), family="sparse",
    formula=r"f(x) = \operatorname{round}(x),\quad \tilde f'(x) = 1",
    reference=ref("Lossy Image Compression with Compressive Autoencoders", "1703.00395", 2017,
                  authors="Theis, Shi, Cunningham, Huszár", venue="ICLR"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    surrogate_gradient=True),
)
def round_ste(x: Tensor) -> Tensor:
    """Rounding to the nearest integer with the identity as its backward (straight-through).

    Theis et al. (arXiv 1703.00395, Sec. 2.1) quantise an autoencoder's code by
    rounding and, to train through it, use the derivative of a smooth stand-in
    r in the backward pass only, choosing r(y) = y: d/dy round(y) := 1, with the
    forward exact.  The same
    rule is tensorflow-compression's ``round_st`` and the rounding inside LSQ,
    FSQ and VQ-style tokenisers.  Ties round to even (torch.round).
    """
    return torch.round(x)


@round_ste.derivative
def _(x: Tensor) -> Tensor:
    return torch.ones_like(x)


@activation(
    "soft_round", family="sparse",
    formula=r"\lfloor x\rfloor + \tfrac12 + \frac{\tanh(\alpha r)}{2\tanh(\alpha/2)},"
            r"\quad r = x - \lfloor x\rfloor - \tfrac12",
    reference=ref("Universally Quantized Neural Compression", "2006.09952", 2020,
                  authors="Agustsson, Theis", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(alpha=P(0.0, None, open_low=True,
                        doc="sharpness α (α → 0: identity, α → ∞: round); the paper anneals it, 5 is our choice")),
)
def soft_round(x: Tensor, alpha: float = 5.0) -> Tensor:
    """Soft rounding s_α: a smooth, monotone staircase between the identity and round().

    Agustsson & Theis (arXiv 2006.09952, Sec. 4.1) train learned codecs through
    s_α(y) = ⌊y⌋ + 1/2 + tanh(α r)/(2 tanh(α/2)), r = y − ⌊y⌋ − 1/2: every
    integer is a fixed point, the slope is α(1 − tanh²(α/2))/(2 tanh(α/2)) at
    the integers (flat for large α) and α/(2 tanh(α/2)) at the half-integers
    (steep), and α → ∞ approaches rounding.  α is a
    temperature the paper anneals during training; no single value is
    published, so the default 5 is the library's choice.  Odd and C¹: the
    slope is continuous, the curvature jumps (changes sign) at every integer.
    """
    # Evaluated about the nearest integer n = round(x), a = |x − n| <= 1/2 (exact).  With the paper's
    # tanh terms rewritten in exponentials, s_α(x) = n ± q/(1 + q),
    #   q = sinh(αa)/sinh(α(1 − a)) = e^{α(2a − 1)}·expm1(−2αa)/expm1(−2α(1 − a)),
    # which never overflows, keeps relative accuracy next to every integer (s_α(1e-30) = 2.5e-30)
    # and stays exact for large α, where tanh(α/2) rounds to 1 and the textbook form gives 0/0.
    n = torch.round(x)
    d = x - n
    a = d.abs()
    q = torch.exp(alpha * (2.0 * a - 1.0)) * torch.expm1(-2.0 * alpha * a) / torch.expm1(-2.0 * alpha * (1.0 - a))
    return n + torch.copysign(q / (1.0 + q), d)


@soft_round.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    # α/(2 tanh(α/2))·sech²(α(1/2 − |x − n|)); cosh overflowing to inf gives the (tiny) slope 0
    c = torch.cosh(alpha * (0.5 - (x - torch.round(x)).abs()))
    return (alpha / (2.0 * math.tanh(0.5 * alpha))) / (c * c)


@activation(
    "soft_round_inverse", family="sparse",
    formula=r"\lfloor x\rfloor + \tfrac12 + \frac{1}{\alpha}\,\operatorname{artanh}\!\bigl(2\tanh(\alpha/2)\,"
            r"(x - \lfloor x\rfloor - \tfrac12)\bigr)",
    reference=ref("Universally Quantized Neural Compression", "2006.09952", 2020,
                  authors="Agustsson, Theis", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(alpha=P(0.0, None, open_low=True, doc="sharpness α of the soft rounding it inverts (our choice: 5)")),
)
def soft_round_inverse(x: Tensor, alpha: float = 5.0) -> Tensor:
    """The inverse s_α^{-1} of ``soft_round``: steep through the integers, flat between them.

    Agustsson & Theis (arXiv 2006.09952, Sec. 4.1) use s_α^{-1} next to s_α
    (tensorflow-compression's ``soft_round_inverse``): with m = ⌊x⌋ + 1/2 it is
    m + artanh(2 tanh(α/2)(x − m))/α, mapping each interval [n, n + 1] onto
    itself, with slope 2 tanh(α/2)/(α(1 − tanh²(α/2))) at the integers and
    2 tanh(α/2)/α at the half-integers.  Same α as ``soft_round`` (default 5,
    the library's choice); odd, increasing, C¹.  Computed in closed form about
    the nearest integer (no artanh of an argument that rounds to ±1), so it is
    accurate and finite for every finite input and every α > 0.
    """
    n, v, a = _soft_round_inverse_offset(x, alpha)
    return n + torch.copysign(a, v)


def _soft_round_inverse_offset(x: Tensor, alpha: float) -> tuple[Tensor, Tensor, Tensor]:
    """(n, v, |s_α^{-1}(x) − n|) for the nearest integer n of x and v = x − n.

    Solving |v| = q/(1 + q) (see soft_round) for the offset a gives
    a = [ln(1 + |v|·expm1(α)) − ln(1 + |v|·expm1(−α))]/(2α): both logarithms are accurate for
    small |v| and of opposite sign (no cancellation), and a = 1/2 at |v| = 1/2."""
    n = torch.round(x)
    v = x - n
    g = v.abs()
    if alpha <= 80.0:  # g·expm1(α) stays below float32's maximum
        up = torch.log1p(g * math.expm1(alpha))
    else:  # ln((1 − g) + g·e^α) in log space
        up = torch.logaddexp(torch.log1p(-g), torch.log(g) + alpha)
    down = torch.log1p(g * math.expm1(-alpha))
    return n, v, torch.clamp((up - down) / (2.0 * alpha), 0.0, 0.5)  # the clamp only absorbs rounding


@soft_round_inverse.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    # 1/s_α'(s_α^{-1}(x)) = (2 tanh(α/2)/α)·cosh²(α(1/2 − a))
    _, _, a = _soft_round_inverse_offset(x, alpha)
    c = torch.cosh(alpha * (0.5 - a))
    return (2.0 * math.tanh(0.5 * alpha) / alpha) * (c * c)
