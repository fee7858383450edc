"""Bounded and squashing units with published constants from outside the survey's sigmoid section.

Tanh soft-caps of language models (Gemma 2, xLSTM 7B) and the pointer network's
logit clipping, fast approximations of σ and tanh with their published
constants (Theano, Anguita et al.), normaliser-free scaled activations (NFNets),
gates that reach exactly 0 and 1 (entmoid, saturating sigmoid) or that are
tempered (GLA, RWKV-7), the capsule squash, hybrids (S3/S4, |tanh|) and the
value-function rescaling of deep RL.  Companion of ``survey2_sig.py`` (the
survey's section 3.2); several units here are affine rescalings of registered
ones with different published constants, and their docstrings say so.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math
from ..elementwise import activation
from ..registry import P, ref
from .._math import sigmoid_prime as _sigmoid_prime




# ------------------------------------------------------------------ fast approximations with published constants

_THEANO = ref("Theano: A Python framework for fast computation of mathematical expressions", "1605.02688", 2016,
              authors="Theano Development Team")


@activation(
    "hard_sigmoid_theano", aliases=("hard_sigmoid_keras",), family="sigmoidal",
    formula=r"\min(\max(0,\ 0.2x + 0.5),\ 1)",
    reference=_THEANO,
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    piecewise_linear=True),
)
def hard_sigmoid_theano(x: Tensor) -> Tensor:
    """Theano's (and Keras 2's) hard sigmoid: clip(0.2·x + 0.5, 0, 1), linear on [−2.5, 2.5].

    Slope 0.2 and shift 0.5 are the constants of ``theano.tensor.nnet.hard_sigmoid``
    (kept by Aesara and by Keras before 3.0); compare hard_sigmoid (slope 1/6),
    hard_sigmoid_taylor (1/4) and hard_sigmoid_bc (1/2).
    """
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


@hard_sigmoid_theano.derivative
def _(x: Tensor) -> Tensor:
    return ((x > -2.5) & (x < 2.5)).to(x.dtype) * 0.2


@activation(
    "hard_sigmoid_secureml", family="sigmoidal", formula=r"\min(\max(0,\ x + 1/2),\ 1)",
    reference=ref("SecureML: A System for Scalable Privacy-Preserving Machine Learning", None, 2017,
                  authors="Mohassel, Zhang", venue="IEEE Symposium on Security and Privacy (S&P)"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    piecewise_linear=True),
)
def hard_sigmoid_secureml(x: Tensor) -> Tensor:
    """SecureML's MPC-friendly sigmoid: 0 below −1/2, x + 1/2 in between, 1 above 1/2 (slope 1).

    Two comparisons and an addition replace the exponential under secret
    sharing; the steepest of the published hard sigmoids (slope 1, against
    1/2, 1/4, 0.2 and 1/6 for hard_sigmoid_bc, hard_sigmoid_taylor,
    hard_sigmoid_theano and hard_sigmoid).
    """
    return torch.clamp(x + 0.5, 0.0, 1.0)


@hard_sigmoid_secureml.derivative
def _(x: Tensor) -> Tensor:
    return ((x > -0.5) & (x < 0.5)).to(x.dtype)


_UFS_A, _UFS_B, _UFS_TOP = 0.935409070603099, 0.0458812946797165, 0.99505475368673


@activation(
    "ultra_fast_sigmoid", family="sigmoidal",
    formula=r"\tfrac12\bigl(1 + \operatorname{sign}(x)\, z(|x|/2)\bigr),\ "
            r"z(a) = \begin{cases}\frac{1.5a}{1 + a} & a < 1.7\\ 0.935409 + 0.045881(a - 1.7) & a < 3\\ "
            r"0.995055 & a \ge 3\end{cases}",
    reference=_THEANO,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=0.5 * (1.0 - _UFS_TOP),
                    bounded_above=0.5 * (1.0 + _UFS_TOP)),
)
def ultra_fast_sigmoid(x: Tensor) -> Tensor:
    """Theano's ultra_fast_sigmoid: σ(x) = (1 + tanh(x/2))/2 with a rational-then-linear tanh approximation.

    Constants from ``theano.tensor.nnet.ultra_fast_sigmoid`` (kept by Aesara):
    z(a) = 1.5a/(1 + a) below a = 1.7, then a line to 0.99505475368673 at
    a = 3.  The pieces do not meet at a = 1.7 (z drops from 0.9444 to 0.9354),
    so the unit has small jumps at x = ±3.4 and is not monotonic; it is kept
    as published.  Its largest error against σ is 0.028 (at |x| ≈ 0.54).
    """
    h = 0.5 * x
    a = h.abs()
    z = torch.where(a < 1.7, 1.5 * a / (1.0 + a), torch.where(a < 3.0, _UFS_A + _UFS_B * (a - 1.7), _UFS_TOP))
    y = 0.5 * (1.0 + torch.sign(h) * z)
    return torch.where(torch.isnan(x), x, y)  # torch.sign(NaN) is 0: keep NaN explicitly


@ultra_fast_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    a = 0.5 * x.abs()
    d = 1.0 + torch.clamp_max(a, 1.7)  # the clamp keeps the discarded branch finite
    return 0.25 * torch.where(a < 1.7, 1.5 / (d * d), torch.where(a < 3.0, _UFS_B, 0.0))


# Published constants 1.92033, 0.96016 and 0.26037: the curvature is the rounded 0.96016/1.92033², which
# makes each parabola pass through the origin.  The rounding leaves a 4e-6 jump at 0 (f(0±) = ±2.1e-6)
# that no published figure depends on, so the exact ratio is used: the unit is then odd, C¹ and f(0) = 0.
_ANG_X, _ANG_Y = 1.92033, 0.96016
_ANG_C = _ANG_Y / _ANG_X ** 2  # 0.2603706 (published rounded: 0.26037)


@activation(
    "anguita_tanh", family="sigmoidal",
    formula=r"\operatorname{sign}(x)\left(0.96016 - 0.26037\,\bigl(\min(|x|, 1.92033) - 1.92033\bigr)^2\right)",
    reference=ref("Speed improvement of the back-propagation on current generation workstations", None, 1993,
                  authors="Anguita, Parodi, Zunino", venue="World Congress on Neural Networks (WCNN'93)"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=-_ANG_Y, bounded_above=_ANG_Y,
                    odd=True),
)
def anguita_tanh(x: Tensor) -> Tensor:
    """Anguita et al.'s quadratic tanh: two parabolas that saturate at ±0.96016 beyond |x| = 1.92033.

    A multiplication-only tanh for back-propagation on 1990s workstations
    (PLearn's former ``ultrafasttanh``): 0.96016 − c·(x − 1.92033)² for
    0 < x <= 1.92033, mirrored for x < 0.  The paper's c = 0.26037 is
    0.96016/1.92033² rounded; the exact ratio is used so that the parabolas
    meet at the origin (the rounded value leaves a 4e-6 jump there).  The
    shape is SQNL's (Wuraola & Patel 2018) with other constants:
    anguita_tanh(x) = 0.96016·sqnl(2x/1.92033).
    """
    t = torch.clamp(x.abs(), max=_ANG_X) - _ANG_X
    return torch.copysign(_ANG_Y - _ANG_C * t * t, x)


@anguita_tanh.derivative
def _(x: Tensor) -> Tensor:
    return 2.0 * _ANG_C * (_ANG_X - torch.clamp(x.abs(), max=_ANG_X))


# ------------------------------------------------------------------ tanh soft-capping with published caps

_GEMMA2 = ref("Gemma 2: Improving Open Language Models at a Practical Size", "2408.00118", 2024, authors="Gemma Team")


def _softcap(name: str, cap: float, where: str, reference, aliases: tuple[str, ...] = ()):
    def fn(x: Tensor, cap: float = cap) -> Tensor:
        return cap * torch.tanh(x / cap)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Tanh soft-capping, f(x) = c·tanh(x/c) with c = {cap:g} ({where}).\n\n"
                  "Identity near 0 (slope 1) and smoothly bounded by ±c, so logits cannot grow without "
                  "limit; c is the published value.")
    unit = activation(
        name, aliases=aliases, family="sigmoidal", formula=rf"c\,\tanh(x / c),\ c = {cap:g}", reference=reference,
        properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-cap, bounded_above=cap,
                        odd=True),
        params=dict(cap=P(0.0, None, open_low=True, doc="the cap c > 0 (the output range is (−c, c))")),
    )(fn)

    @unit.derivative
    def _(x: Tensor, cap: float) -> Tensor:
        t = torch.tanh(x / cap)
        return 1.0 - t * t

    return unit


gemma2_attn_softcap = _softcap("gemma2_attn_softcap", 50.0, "Gemma 2's cap on the attention logits", _GEMMA2)
gemma2_logit_softcap = _softcap("gemma2_logit_softcap", 30.0, "Gemma 2's cap on the final output logits", _GEMMA2)
xlstm_gate_softcap = _softcap(
    "xlstm_gate_softcap", 15.0, "xLSTM 7B's cap on the input- and forget-gate pre-activations",
    ref("xLSTM 7B: A Recurrent LLM for Fast and Efficient Inference", "2503.13427", 2025,
        authors="Beck, Pöppel, Lippe, Kurle, Blies, Klambauer, Böck, Hochreiter", venue="ICML"))


@activation(
    "tanh_logit_clip", family="sigmoidal", formula=r"C\tanh(x),\ C = 10",
    reference=ref("Neural Combinatorial Optimization with Reinforcement Learning", "1611.09940", 2016,
                  authors="Bello, Pham, Le, Norouzi, Bengio", venue="ICLR workshop 2017"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-10.0, bounded_above=10.0,
                    odd=True),
    params=dict(C=P(0.0, None, open_low=True, doc="the range C > 0 of the clipped logits")),
)
def tanh_logit_clip(x: Tensor, C: float = 10.0) -> Tensor:
    """Logit clipping of the pointer network: f(x) = C·tanh(x) with C = 10.

    Bello et al. clip the attention logits of their pointer network to
    (−C, C) with C·tanh(·) (C = 10 in their experiments) to keep the policy
    from becoming over-confident.  Unlike the soft-caps it has slope C at 0.
    """
    return C * torch.tanh(x)


@tanh_logit_clip.derivative
def _(x: Tensor, C: float) -> Tensor:
    t = torch.tanh(x)
    return C * (1.0 - t * t)


# ------------------------------------------------------------------ algebraic squashers

@activation(
    "capsule_squash", aliases=("squash",), family="sigmoidal", formula=r"\frac{x\,|x|}{1 + x^2}",
    reference=ref("Dynamic Routing Between Capsules", "1710.09829", 2017, authors="Sabour, Frosst, Hinton",
                  venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=-1.0, bounded_above=1.0,
                    odd=True),
)
def capsule_squash(x: Tensor) -> Tensor:
    """The capsule 'squash' on one component: v = (‖s‖²/(1 + ‖s‖²))·s/‖s‖ with s = x, i.e. x|x|/(1 + x²).

    Quadratic (not linear) near 0, saturating at ±1.  Capsule networks apply
    it to whole vectors; this is its elementwise (one-dimensional capsule)
    form.  Evaluated as sign(x)/(1 + 1/x²) for |x| >= 1 (x² overflows).
    """
    big = x.abs() >= 1.0
    r = 1.0 / torch.where(big, x, torch.ones_like(x))
    return torch.where(big, torch.sign(x) / (1.0 + r * r), x * x.abs() / (1.0 + x * x))


@capsule_squash.derivative
def _(x: Tensor) -> Tensor:
    big = x.abs() >= 1.0
    r = 1.0 / torch.where(big, x, torch.ones_like(x))
    d_small = 1.0 + x * x
    d_big = 1.0 + r * r
    return torch.where(big, 2.0 * (r * r * r).abs() / (d_big * d_big), 2.0 * x.abs() / (d_small * d_small))


# ------------------------------------------------------------------ normaliser-free scaled activations

_NFNETS = ref("Characterizing signal propagation to close the performance gap in unnormalized ResNets",
              "2101.08692", 2021, authors="Brock, De, Smith", venue="ICLR")


def _nf_scaled(name: str, base: str, gamma: float, exact: float, latex: str, fn_of_x, d_of_x, props: dict):
    def fn(x: Tensor) -> Tensor:
        return gamma * fn_of_x(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Normaliser-free scaled {base}: f(x) = γ·{base}(x), γ = {gamma!r}.\n\n"
                  f"γ makes the output variance 1 for x ~ N(0, 1) (γ = 1/std[{base}(z)]); the value is the "
                  f"authors' released constant (DeepMind nfnets, ``nonlinearities``), a Monte-Carlo estimate "
                  f"of the exact {exact:.6g}.  NF-ResNets/NFNets use γ·g in place of g so that signals keep "
                  "unit scale without batch normalisation.")
    unit = activation(
        name, family="sigmoidal", formula=rf"\gamma\,{latex},\ \gamma = {gamma:.10g}", reference=_NFNETS,
        properties=props,
    )(fn)

    @unit.derivative
    def _(x: Tensor) -> Tensor:
        return gamma * d_of_x(x)

    return unit


def _tanh_prime(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return 1.0 - t * t


_G_TANH, _G_SIGMOID, _G_SOFTSIGN, _G_LOGSIGMOID = 1.5939117670059204, 4.803835391998291, 2.338853120803833, \
    1.9193484783172607

nf_tanh = _nf_scaled(
    "nf_tanh", "tanh", _G_TANH, 1.5925374, r"\tanh(x)", torch.tanh, _tanh_prime,
    dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=-_G_TANH, bounded_above=_G_TANH, odd=True))
nf_sigmoid = _nf_scaled(
    "nf_sigmoid", "sigmoid", _G_SIGMOID, 4.8013134, r"\sigma(x)", torch.sigmoid, _sigmoid_prime,
    dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=_G_SIGMOID))
nf_softsign = _nf_scaled(
    "nf_softsign", "softsign", _G_SOFTSIGN, 2.3375334, r"\frac{x}{1 + |x|}", lambda x: x / (1.0 + x.abs()),
    lambda x: 1.0 / (1.0 + x.abs()) ** 2,
    dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=-_G_SOFTSIGN, bounded_above=_G_SOFTSIGN,
         odd=True))
nf_log_sigmoid = _nf_scaled(
    "nf_log_sigmoid", "log_sigmoid", _G_LOGSIGMOID, 1.9191260, r"\ln\sigma(x)", _math.log_sigmoid,
    lambda x: torch.sigmoid(-x),
    dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=False, bounded_above=0.0))


# ------------------------------------------------------------------ sigmoid / softsign hybrids

_S3_S4 = ref("Hybrid activation functions for deep neural networks: S3 and S4 -- a novel approach to gradient flow "
             "optimization", "2507.22090", 2025, authors="Kavun")


@activation(
    "s3_sigmoid_softsign", family="sigmoidal",
    formula=r"\begin{cases}\sigma(x) & x < 0\\ \frac{x}{1 + |x|} & x \ge 0\end{cases}",
    reference=_S3_S4,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=1.0),
)
def s3_sigmoid_softsign(x: Tensor) -> Tensor:
    """S3: the logistic sigmoid for negative inputs, softsign for non-negative ones.

    As defined (the hard switch of S4), the unit jumps from σ(0⁻) = 1/2 down
    to 0 at the origin, so it is neither continuous nor monotonic ('C0' is
    the weakest smoothness class nonlin declares); S4 is its smooth version.
    """
    return torch.where(x < 0, torch.sigmoid(x), x / (1.0 + x.abs()))


@s3_sigmoid_softsign.derivative
def _(x: Tensor) -> Tensor:
    d = 1.0 + x.abs()
    return torch.where(x < 0, _sigmoid_prime(x), 1.0 / (d * d))


@activation(
    "s4_sigmoid_softsign", family="sigmoidal",
    formula=r"\sigma(kx)\,\frac{x}{1 + |x|} + \bigl(1 - \sigma(kx)\bigr)\,\sigma(x),\ k = 5",
    reference=_S3_S4,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(k=P(0.0, None, open_low=True, doc="steepness k > 0 of the sigmoid blend (k → ∞ gives S3)")),
)
def s4_sigmoid_softsign(x: Tensor, k: float = 5.0) -> Tensor:
    """S4: a smooth blend of softsign (x > 0) and the logistic sigmoid (x < 0), weights σ(kx) and σ(−kx).

    k = 5 is the default of the author's released implementation.  f(0) = 1/4;
    at k = 5 the unit rises from 0 (x → −∞) to a local maximum near
    x ≈ −0.4, dips back to 1/4 at 0, then rises towards 1.
    """
    a = torch.sigmoid(k * x)
    return a * (x / (1.0 + x.abs())) + torch.sigmoid(-k * x) * torch.sigmoid(x)


@s4_sigmoid_softsign.derivative
def _(x: Tensor, k: float) -> Tensor:
    a, b = torch.sigmoid(k * x), torch.sigmoid(-k * x)
    d = 1.0 + x.abs()
    return k * a * b * (x / d - torch.sigmoid(x)) + a / (d * d) + b * _sigmoid_prime(x)


@activation(
    "abs_tanh", aliases=("rectified_abs_tanh",), family="sigmoidal", formula=r"|\tanh(x)|",
    reference=ref("What is the Best Multi-Stage Architecture for Object Recognition?", None, 2009,
                  authors="Jarrett, Kavukcuoglu, Ranzato, LeCun", venue="ICCV"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def abs_tanh(x: Tensor) -> Tensor:
    """Absolute-value rectified tanh, |tanh(x)|: the 'F_tanh' stage followed by 'R_abs' of Jarrett et al.

    Jarrett et al. found that rectifying the tanh non-linearity with an
    absolute value was the single most important ingredient of their
    multi-stage recognition systems (their tanh carries a trainable gain,
    1 here).
    """
    return torch.tanh(x).abs()


@abs_tanh.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return torch.sign(x) * (1.0 - t * t)


@activation(
    "hopfield_tank_sigmoid", family="sigmoidal", formula=r"\tfrac12\bigl(1 + \tanh(x/u_0)\bigr),\ u_0 = 0.02",
    reference=ref("\"Neural\" computation of decisions in optimization problems", None, 1985, authors="Hopfield, Tank",
                  venue="Biological Cybernetics 52"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(u0=P(0.0, None, open_low=True, doc="gain width u₀ > 0 (the slope at 0 is 1/(2u₀))")),
    # one torch.sigmoid: autograd's backward reuses the saved output (y(1−y)), while recomputing σ′
    # from the input meets exp's slow subnormal range for most inputs at gain 100 (measured 0.5x)
    prefer="eager",
)
def hopfield_tank_sigmoid(x: Tensor, u0: float = 0.02) -> Tensor:
    """The Hopfield-Tank neuron: g(u) = ½(1 + tanh(u/u₀)) with u₀ = 0.02, a steep sigmoid on (0, 1).

    The output function of the analog neurons Hopfield & Tank used for the
    travelling-salesman network (u₀ = 0.02 in their simulations); equal to
    σ(2u/u₀), i.e. a logistic sigmoid with gain 100.
    """
    return torch.sigmoid(x * (2.0 / u0))  # = ½(1 + tanh(x/u₀)) without the cancellation in the lower tail


@hopfield_tank_sigmoid.derivative
def _(x: Tensor, u0: float) -> Tensor:
    return (2.0 / u0) * _sigmoid_prime(x * (2.0 / u0))


# ------------------------------------------------------------------ sparse / stretched sigmoids that reach 0 and 1

@activation(
    "entmoid15", aliases=("entmoid",), family="sigmoidal",
    formula=r"\operatorname{entmax}_{1.5}([x, 0])_1 = \begin{cases}0 & x \le -2\\ "
            r"\tfrac1{16}\bigl(\sqrt{8 - x^2} - |x|\bigr)^2 & -2 < x < 0\\ "
            r"1 - \tfrac1{16}\bigl(\sqrt{8 - x^2} - x\bigr)^2 & 0 \le x < 2\\ 1 & x \ge 2\end{cases}",
    reference=ref("Neural Oblivious Decision Ensembles for Deep Learning on Tabular Data", "1909.06312", 2019,
                  authors="Popov, Morozov, Babenko", venue="ICLR 2020"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
)
def entmoid15(x: Tensor) -> Tensor:
    """Entmoid: the two-class 1.5-entmax, NODE's sparse replacement for σ in soft decision trees.

    entmoid15(x) = entmax₁.₅([x, 0])₁ (Peters et al., arXiv 1905.05702): a C¹
    sigmoid that is exactly 0 below x = −2 and exactly 1 above x = 2, with
    f(x) + f(−x) = 1.  Evaluated with √(8 − a²) − a = 2(4 − a²)/(√(8 − a²) + a)
    (no cancellation near |x| = 2).
    """
    a = torch.clamp(x.abs(), max=2.0)
    r = torch.sqrt(8.0 - a * a)
    d = 2.0 * (2.0 - a) * (2.0 + a) / (r + a)  # √(8 − a²) − a
    small = d * d / 16.0  # the mass on the smaller class
    return torch.where(x >= 0, 1.0 - small, small)


@entmoid15.derivative
def _(x: Tensor) -> Tensor:
    a = torch.clamp(x.abs(), max=2.0)
    return (4.0 - a * a) / (4.0 * torch.sqrt(8.0 - a * a))


_SAT_SCALE, _SAT_SHIFT = 1.2, -0.1  # (ζ − γ, γ) = (1.1 − (−0.1), −0.1) in the hard-concrete notation


@activation(
    "saturating_sigmoid", aliases=("hard_concrete_gate", "stretched_hard_sigmoid"), family="sigmoidal",
    formula=r"\max\bigl(0, \min(1,\ 1.2\,\sigma(x) - 0.1)\bigr)",
    reference=ref("Neural GPUs Learn Algorithms", "1511.08228", 2015, authors="Kaiser, Sutskever", venue="ICLR 2016"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
)
def saturating_sigmoid(x: Tensor) -> Tensor:
    """Saturating sigmoid: the logistic sigmoid stretched by 1.2 and clipped, max(0, min(1, 1.2σ(x) − 0.1)).

    Introduced for the gates of the Neural GPU so that they can be exactly 0
    or 1: the value is 0 for x <= −ln 11 and 1 for x >= ln 11.  The same
    function is the test-time hard-concrete gate of Louizos, Welling & Kingma
    (arXiv 1712.01312): min(1, max(0, σ(log α)(ζ − γ) + γ)) with ζ = 1.1, γ = −0.1.
    """
    return torch.clamp(torch.sigmoid(x) * _SAT_SCALE + _SAT_SHIFT, 0.0, 1.0)


@saturating_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    inside = x.abs() < math.log(11.0)  # 1.2σ(x) − 0.1 ∈ (0, 1)  ⇔  |x| < ln 11
    return torch.where(inside, _SAT_SCALE * _sigmoid_prime(x), torch.zeros_like(x))


@activation(
    "gla_forget_gate", family="sigmoidal", formula=r"\sigma(x)^{1/\tau},\ \tau = 16",
    reference=ref("Gated Linear Attention Transformers with Hardware-Efficient Training", "2312.06635", 2023,
                  authors="Yang, Wang, Shen, Panda, Kim", venue="ICML 2024"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(tau=P(0.0, None, open_low=True, doc="temperature τ > 0 of the gate (larger: slower forgetting)")),
)
def gla_forget_gate(x: Tensor, tau: float = 16.0) -> Tensor:
    """GLA's forget gate: α = σ(x)^{1/τ} with τ = 16, a sigmoid pushed towards 1.

    The temperature makes the gated linear attention forget slowly (α(0) =
    2^{−1/16} ≈ 0.958).  Evaluated as exp(log σ(x)/τ); the same curve as the
    generalized logistic (1 + e^{−x})^{−m} with m = 1/16.
    """
    return torch.exp(_math.log_sigmoid(x) / tau)


@gla_forget_gate.derivative
def _(x: Tensor, tau: float) -> Tensor:
    return torch.exp(_math.log_sigmoid(x) / tau) * torch.sigmoid(-x) / tau


@activation(
    "gsa_forget_gate", family="sigmoidal", formula=r"\sigma(x)^{1/\tau},\ \tau = 8",
    reference=ref("Gated Slot Attention for Efficient Linear-Time Sequence Modeling", "2409.07146", 2024,
                  authors="Zhang, Yang, Zhu, et al.", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
    params=dict(tau=P(0.0, None, open_low=True, doc="temperature τ > 0 of the gate (larger: slower forgetting)")),
)
def gsa_forget_gate(x: Tensor, tau: float = 8.0) -> Tensor:
    """Gated Slot Attention's forget gate: σ(x)^{1/τ} with τ = 8 (GLA's gate with half its temperature).

    α(0) = 2^{−1/8} ≈ 0.917; evaluated as exp(log σ(x)/τ).
    """
    return torch.exp(_math.log_sigmoid(x) / tau)


@gsa_forget_gate.derivative
def _(x: Tensor, tau: float) -> Tensor:
    return torch.exp(_math.log_sigmoid(x) / tau) * torch.sigmoid(-x) / tau


@activation(
    "rwkv7_decay", family="sigmoidal", formula=r"\exp\bigl(-e^{-1/2}\,\sigma(x)\bigr)",
    reference=ref("RWKV-7 \"Goose\" with Expressive Dynamic State Evolution", "2503.14456", 2025,
                  authors="Peng, Zhang, Goldstein, et al."),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False,
                    bounded_below=math.exp(-math.exp(-0.5)), bounded_above=1.0),
)
def rwkv7_decay(x: Tensor) -> Tensor:
    """RWKV-7's per-channel decay: w = exp(−e^{−1/2}·σ(x)), a decreasing squash onto (e^{−e^{−1/2}}, 1) ≈ (0.545, 1).

    The constant e^{−1/2} = 0.606531 keeps every decay above 0.545 so the
    state cannot be wiped in one step.  The unit is decreasing in x (nonlin's
    'monotonic' means non-decreasing, hence monotonic=False).
    """
    return torch.exp(-math.exp(-0.5) * torch.sigmoid(x))


@rwkv7_decay.derivative
def _(x: Tensor) -> Tensor:
    c = math.exp(-0.5)
    return -c * _sigmoid_prime(x) * torch.exp(-c * torch.sigmoid(x))


@activation(
    "rwkv6_decay", family="sigmoidal", formula=r"\exp\bigl(-e^{x}\bigr)",
    reference=ref("Eagle and Finch: RWKV with Matrix-Valued States and Dynamic Recurrence", "2404.05892", 2024,
                  authors="Peng, Goldstein, Anthony, et al."),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
)
def rwkv6_decay(x: Tensor) -> Tensor:
    """RWKV-6's data-dependent decay: w = exp(−eˣ), a decreasing squash onto (0, 1) (w(0) = 1/e).

    The complement of the complementary log-log (1 − cloglog(x)) and the
    mirror image of the Gumbel CDF (loglog(−x)); RWKV-7 (rwkv7_decay)
    replaced it by a form bounded away from 0.
    """
    return torch.exp(-_math.safe_exp(x, 60.0))


@rwkv6_decay.derivative
def _(x: Tensor) -> Tensor:
    return -torch.exp(x - _math.safe_exp(x, 60.0))


@activation(
    "widened_sigmoid", aliases=("mipnerf_sigmoid",), family="sigmoidal",
    formula=r"(1 + 2\varepsilon)\,\sigma(x) - \varepsilon,\ \varepsilon = 0.001",
    reference=ref("Mip-NeRF: A Multiscale Representation for Anti-Aliasing Neural Radiance Fields", "2103.13415",
                  2021, authors="Barron, Mildenhall, Tancik, Hedman, Martin-Brualla, Srinivasan", venue="ICCV"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=-0.001, bounded_above=1.001),
    params=dict(eps=P(0.0, None, doc="padding ε >= 0 of the output range (−ε, 1 + ε)")),
)
def widened_sigmoid(x: Tensor, eps: float = 0.001) -> Tensor:
    """Mip-NeRF's 'widened' sigmoid for colours: (1 + 2ε)σ(x) − ε with ε = 0.001.

    Stretching the range to (−ε, 1 + ε) lets the network reach exactly 0 and 1
    (pure black and white) with finite pre-activations, where σ saturates.
    """
    return (1.0 + 2.0 * eps) * torch.sigmoid(x) - eps


@widened_sigmoid.derivative
def _(x: Tensor, eps: float) -> Tensor:
    return (1.0 + 2.0 * eps) * _sigmoid_prime(x)


@activation(
    "mu_law", aliases=("mu_law_companding",), family="sigmoidal",
    formula=r"\operatorname{sign}(x)\,\frac{\ln(1 + \mu|x|)}{\ln(1 + \mu)},\ \mu = 255",
    reference=ref("WaveNet: A Generative Model for Raw Audio", "1609.03499", 2016,
                  authors="van den Oord, Dieleman, Zen, Simonyan, Vinyals, Graves, Kalchbrenner, Senior, "
                          "Kavukcuoglu"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(mu=P(0.0, None, open_low=True, doc="compression μ > 0 (255 for 8-bit audio)")),
)
def mu_law(x: Tensor, mu: float = 255.0) -> Tensor:
    """μ-law companding, sign(x)·ln(1 + μ|x|)/ln(1 + μ) with μ = 255: maps [−1, 1] onto [−1, 1] logarithmically.

    WaveNet applies it (the ITU-T G.711 μ-law) to audio before quantising to
    256 levels; outside [−1, 1] it keeps growing logarithmically.  A rescaled
    symlog: mu_law(x) = symlog(μx)/ln(1 + μ).
    """
    a = x.abs()
    big = torch.clamp_min(a, 1.0)  # ln(1 + μa) = ln μ + ln a + ln(1 + 1/(μa)): μa overflows for huge a
    log_big = math.log(mu) + torch.log(big) + torch.log1p(1.0 / (mu * big))
    return torch.sign(x) * torch.where(a > 1.0, log_big, torch.log1p(mu * a)) / math.log1p(mu)


@mu_law.derivative
def _(x: Tensor, mu: float) -> Tensor:
    return mu / ((1.0 + mu * x.abs()) * math.log1p(mu))


_SCALED_YOLOV4 = ref("Scaled-YOLOv4: Scaling Cross Stage Partial Network", "2011.08036", 2020,
                     authors="Wang, Bochkovskiy, Liao", venue="CVPR 2021")


@activation(
    "yolo_xy_sigmoid", family="sigmoidal", formula=r"2\,\sigma(x) - 0.5",
    reference=_SCALED_YOLOV4,
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=-0.5, bounded_above=1.5),
)
def yolo_xy_sigmoid(x: Tensor) -> Tensor:
    """The box-centre squash of Scaled-YOLOv4/YOLOv5: 2σ(x) − 0.5, on (−0.5, 1.5) instead of (0, 1).

    The offset of a box centre within its grid cell, b = 2σ(t) − 0.5 + c:
    stretching σ lets the centre reach the cell borders (0 and 1) with finite
    pre-activations ('eliminating grid sensitivity').
    """
    return 2.0 * torch.sigmoid(x) - 0.5


@yolo_xy_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    return 2.0 * _sigmoid_prime(x)


@activation(
    "yolo_wh_sigmoid", family="sigmoidal", formula=r"\bigl(2\,\sigma(x)\bigr)^2",
    reference=_SCALED_YOLOV4,
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=4.0),
)
def yolo_wh_sigmoid(x: Tensor) -> Tensor:
    """The box-size squash of Scaled-YOLOv4/YOLOv5: (2σ(x))², a bounded (0, 4) replacement for exp.

    The width/height relative to the anchor, b = p·(2σ(t))²: unlike YOLOv3's
    p·eᵗ it cannot explode; it equals 1 (the anchor size) at t = 0.
    """
    s = torch.sigmoid(x)
    return 4.0 * s * s


@yolo_wh_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return 8.0 * s * s * torch.sigmoid(-x)


# ------------------------------------------------------------------ the value-function rescaling of deep RL

def _value_rescale(name: str, eps: float, reference, what: str):
    def fn(x: Tensor, eps: float = eps) -> Tensor:
        a = x.abs()
        # √(|x| + 1) − 1 = |x|/(√(|x| + 1) + 1): no cancellation near 0
        return torch.sign(x) * (a / (torch.sqrt(a + 1.0) + 1.0)) + eps * x

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Invertible value rescaling h(x) = sign(x)(√(|x| + 1) − 1) + εx with ε = {eps:g} ({what}).\n\n"
                  "A square-root squashing of returns (sub-linear, odd, slope 1/2 + ε at 0) that keeps "
                  "h invertible and Lipschitz; its εx term keeps h⁻¹ Lipschitz too.  Listed here with "
                  "symlog as a squashing unit.")
    unit = activation(
        name, family="sigmoidal", formula=rf"\operatorname{{sign}}(x)\bigl(\sqrt{{|x| + 1}} - 1\bigr) + \varepsilon x,"
                                          rf"\ \varepsilon = {eps:g}",
        reference=reference,
        properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                        odd=True),
        params=dict(eps=P(0.0, None, doc="weight ε >= 0 of the linear term")),
    )(fn)

    @unit.derivative
    def _(x: Tensor, eps: float) -> Tensor:
        return 0.5 * torch.rsqrt(x.abs() + 1.0) + eps

    return unit


value_rescale = _value_rescale(
    "value_rescale", 1e-2, ref("Observe and Look Further: Achieving Consistent Performance on Atari", "1805.11593",
                               2018, authors="Pohlen, Piot, Hester, Azar, Horgan, Budden, Barth-Maron, van Hasselt, "
                                             "Quan, Večerík, Hessel, Munos, Pietquin"),
    "Pohlen et al.'s transformed Bellman operator")
r2d2_value_rescale = _value_rescale(
    "r2d2_value_rescale", 1e-3, ref("Recurrent Experience Replay in Distributed Reinforcement Learning", None, 2019,
                                    authors="Kapturowski, Ostrovski, Quan, Munos, Dabney", venue="ICLR"),
    "R2D2's choice, reused by MuZero")
