"""Step, sign and quantiser units with the published surrogate backward of their papers (issue 13).

Four groups: spikes of spiking networks (below), SpikeYOLO's integer-valued
and Guo et al.'s ternary spikes; binary sign units of binary neural networks
(SignSwish, EDE, RBNN, ReSTE, FDA); and the latent quantisers of LFQ, FSQ and
TAAE's symmetric FSQ.  Each forward is piecewise constant and each unit
declares ``surrogate_gradient=True`` with the paper's rule as its ``.derivative``.

Spike (Heaviside) units with the surrogate gradients of the spiking-network literature:

Every spike unit has the forward of ``heaviside_atan`` and its siblings in
``survey2_rect_step.py`` — the spike 1[x >= 0] of a neuron whose membrane
potential minus threshold is x — and differs from them only in the published
backward rule it declares (``surrogate_gradient=True``), as ``helu`` differs
from ``relu``.  Each rule is the derivative of a smooth primitive g(x) that
rises from 0 to 1, so the surrogate is a probability density of unit area
unless stated otherwise.  The parametrisations and default sharpness values
are those of SpikingJelly's documented surrogate functions (Fang et al.,
"SpikingJelly: An open-source machine learning infrastructure platform for
spike-based intelligence", Science Advances 2023), each citing the paper that
introduced the rule; that paper is the unit's reference.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref
from .survey2_rect_step import _STEP_PROPS, _heaviside

FAMILY = "sparse"


# ------------------------------------------------------------------ exponential (SLAYER)

@activation(
    "heaviside_exponential", aliases=("spike_exponential", "spike_piecewise_exp"), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \tfrac{\alpha}{2}\,e^{-\alpha|x|}",
    reference=ref("SLAYER: Spike Layer Error Reassignment in Time", "1810.08646", 2018,
                  authors="Shrestha, Orchard", venue="NeurIPS"),
    properties=_STEP_PROPS,
    params=dict(alpha=P(0.0, None, open_low=True, doc="decay rate α of the exponential (1: SpikingJelly's "
                                                     "default)")),
)
def heaviside_exponential(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Spike function with SLAYER's exponential spike-escape density (α/2)·e^{−α|x|}, α = 1.

    SLAYER (Shrestha & Orchard 2018) replaces the derivative of the spike
    function by the probability density ρ = α·exp(−β|u − ϑ|) of a spike being
    emitted; this is its unit-area form, the derivative of the primitive
    e^{αx}/2 (x < 0), 1 − e^{−αx}/2 (x >= 0) (SpikingJelly's ``PiecewiseExp``).
    """
    return _heaviside(x)


@heaviside_exponential.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return (0.5 * alpha) * torch.exp(-alpha * x.abs())


# ------------------------------------------------------------------ sigmoid derivative (STBP)

_STBP = ref("Spatio-Temporal Backpropagation for Training High-Performance Spiking Neural Networks",
            "1706.02609", 2018, authors="Wu, Deng, Li, Zhu, Shi", venue="Frontiers in Neuroscience 12")


def _sigmoid_density(x: Tensor, alpha: float) -> Tensor:
    """α·σ(αx)·(1 − σ(αx)) written as α·σ(αx)·σ(−αx): no cancellation in the tails."""
    u = alpha * x
    return alpha * torch.sigmoid(u) * torch.sigmoid(-u)


@activation(
    "heaviside_sigmoid", aliases=("spike_sigmoid",), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \alpha\,\sigma(\alpha x)\bigl(1 - \sigma(\alpha x)\bigr)",
    reference=_STBP,
    properties=_STEP_PROPS,
    params=dict(alpha=P(0.0, None, open_low=True, doc="steepness α of the sigmoid (4: SpikingJelly's default)")),
)
def heaviside_sigmoid(x: Tensor, alpha: float = 4.0) -> Tensor:
    """Spike function whose backward is the derivative of the logistic sigmoid σ(αx), α = 4.

    One of the four approximate spike derivatives of STBP (Wu et al. 2018), the
    sigmoid curve (1/a)·e^{−x/a}/(1 + e^{−x/a})² with a = 1/α; used since by
    many SNN papers (snntorch's ``sigmoid`` with slope 25, SpikingJelly's
    ``Sigmoid`` with α = 4, the default here).  Peak α/4 at x = 0.
    """
    return _heaviside(x)


@heaviside_sigmoid.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return _sigmoid_density(x, alpha)


# ------------------------------------------------------------------ Gaussian / erf (STBP)

@activation(
    "heaviside_gaussian", aliases=("spike_erf", "heaviside_erf"), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \frac{\alpha}{\sqrt\pi}\,e^{-\alpha^2 x^2}",
    reference=_STBP,
    properties=_STEP_PROPS,
    params=dict(alpha=P(0.0, None, open_low=True, doc="inverse width α of the Gaussian (2: SpikingJelly's "
                                                     "default)")),
)
def heaviside_gaussian(x: Tensor, alpha: float = 2.0) -> Tensor:
    """Spike function with a Gaussian surrogate (α/√π)·e^{−α²x²}, the derivative of erfc(−αx)/2; α = 2.

    STBP's Gaussian curve (1/√(2πa))·e^{−x²/(2a)} with a = 1/(2α²), in the
    parametrisation of SpikingJelly's ``Erf`` surrogate (default α = 2).
    Unit area, peak α/√π.
    """
    return _heaviside(x)


@heaviside_gaussian.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    u = alpha * x
    return (alpha / math.sqrt(math.pi)) * torch.exp(-u * u)


# ------------------------------------------------------------------ piecewise quadratic (Esser et al.)

@activation(
    "heaviside_piecewise_quadratic", aliases=("spike_piecewise_quadratic",), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \max\bigl(0,\ \alpha - \alpha^2|x|\bigr)",
    reference=ref("Convolutional networks for fast, energy-efficient neuromorphic computing", "1603.08270", 2016,
                  authors="Esser, Merolla, Arthur, Cassidy, Appuswamy, Andreopoulos, Berg, McKinstry, Melano, "
                          "Barch, di Nolfo, Datta, Amir, Taba, Flickner, Modha", venue="PNAS 113(41)"),
    properties=_STEP_PROPS,
    params=dict(alpha=P(0.0, None, open_low=True, doc="height α (support [−1/α, 1/α]; 1: SpikingJelly's "
                                                     "default)")),
)
def heaviside_piecewise_quadratic(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Spike function with the unit-area triangular surrogate max(0, α − α²|x|), α = 1.

    The derivative of the piecewise-quadratic primitive −α²x|x|/2 + αx + 1/2 on
    |x| <= 1/α (SpikingJelly's ``PiecewiseQuadratic``, citing Esser et al. 2016
    among others).  Unlike ``heaviside_triangle`` (LSNN: height γ, fixed
    width 1) one parameter sets both the height and the width so that the
    area stays 1.
    """
    return _heaviside(x)


@heaviside_piecewise_quadratic.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return torch.clamp_min(alpha - (alpha * alpha) * x.abs(), 0.0)


# ------------------------------------------------------------------ q-PseudoSpike

@activation(
    "heaviside_q_pseudospike", aliases=("q_pseudospike", "spike_q_pseudospike"), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \Bigl(1 + \frac{2|x|}{q - 1}\Bigr)^{-q}",
    reference=ref("Surrogate Gradients Design", "2202.00282", 2022, authors="Herranz-Celotti, Rouat"),
    properties=_STEP_PROPS,
    params=dict(q=P(1.0, None, open_low=True, doc="tail fatness q > 1 (small q: heavy power-law tails; "
                                                 "2: SpikingJelly's default)")),
)
def heaviside_q_pseudospike(x: Tensor, q: float = 2.0) -> Tensor:
    """Spike function with the q-PseudoSpike surrogate (1 + 2|x|/(q − 1))^{−q}, q = 2.

    Herranz-Celotti & Rouat's heavy-tailed surrogate: a power law whose tail
    fatness q interpolates from very fat tails (q → 1) to the Laplace-like
    e^{−2|x|} (q → ∞).  Unit area, peak 1 at x = 0.
    """
    return _heaviside(x)


@heaviside_q_pseudospike.derivative
def _(x: Tensor, q: float) -> Tensor:
    return torch.pow(1.0 + (2.0 / (q - 1.0)) * x.abs(), -q)


# ------------------------------------------------------------------ S2NN

@activation(
    "heaviside_s2nn", aliases=("spike_s2nn", "s2nn"), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \begin{cases}\alpha\,\sigma(\alpha x)"
            r"\bigl(1 - \sigma(\alpha x)\bigr) & x < 0\\ \beta/(x + 1) & x \ge 0\end{cases}",
    reference=ref("S2NN: Time Step Reduction of Spiking Surrogate Gradients for Training Energy Efficient "
                  "Single-Step Neural Networks", "2201.10879", 2022,
                  authors="Suetake, Ikegawa, Saiin, Sawada", venue="Neural Networks (v2 on arXiv: S3NN)"),
    properties=_STEP_PROPS,
    params=dict(alpha=P(0.0, None, open_low=True, doc="steepness α of the sigmoid side (x < 0; paper: 4)"),
                beta=P(0.0, None, doc="scale β of the logarithmic side (x >= 0; paper: 1)")),
)
def heaviside_s2nn(x: Tensor, alpha: float = 4.0, beta: float = 1.0) -> Tensor:
    """Spike function with S2NN's asymmetric surrogate: a sigmoid density below threshold, β/(x + 1) above.

    Suetake et al.'s single-step SNN rule: the derivative of σ(αx) for x < 0
    and of β·ln(x + 1) (+ const) for x >= 0, so the gradient decays only like
    1/x above threshold (neurons that fire strongly keep learning); α = 4, β = 1.
    """
    return _heaviside(x)


@heaviside_s2nn.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    above = beta / (torch.clamp_min(x, 0.0) + 1.0)  # clamped: the x < 0 lanes never divide by ~0
    return torch.where(x < 0, _sigmoid_density(x, alpha), above)


# ------------------------------------------------------------------ sparse fast sigmoid

@activation(
    "heaviside_sparse_fast_sigmoid", aliases=("spike_sparse_fast_sigmoid",), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \frac{\mathbb{1}[|x| < B]}{(1 + k|x|)^2}",
    reference=ref("Sparse Spiking Gradient Descent", "2105.08810", 2021, authors="Perez-Nieves, Goodman",
                  venue="NeurIPS"),
    properties=_STEP_PROPS,
    params=dict(k=P(0.0, None, open_low=True, doc="steepness k of the fast sigmoid (25: snntorch's default)"),
                B=P(0.0, None, open_low=True, doc="half-width B of the band of 'active' neurons that get a "
                                                  "gradient (1: snntorch's default)")),
)
def heaviside_sparse_fast_sigmoid(x: Tensor, k: float = 25.0, B: float = 1.0) -> Tensor:
    """Spike function with the sparse SuperSpike surrogate: (1 + k|x|)⁻² inside |x| < B, exactly 0 outside.

    Perez-Nieves & Goodman back-propagate only through "active" neurons, those
    whose membrane potential lies within B of the threshold, which makes the
    backward pass sparse; the surrogate itself is SuperSpike's fast-sigmoid
    derivative.  k = 25 and B = 1 are snntorch's defaults (``surrogate.SFS``).
    """
    return _heaviside(x)


@heaviside_sparse_fast_sigmoid.derivative
def _(x: Tensor, k: float, B: float) -> Tensor:
    a = x.abs()
    d = 1.0 + k * a
    return torch.where(a < B, 1.0 / (d * d), torch.zeros_like(x))


# ------------------------------------------------------------------ integer-valued spikes (SpikeYOLO's I-LIF)

@activation(
    "ilif_spike", aliases=("integer_spike", "multispike"), family=FAMILY,
    formula=r"f(x) = \operatorname{round}\bigl(\operatorname{clip}(x, 0, D)\bigr),\quad "
            r"\tilde f'(x) = \mathbb{1}[0 \le x \le D]",
    reference=ref("Integer-Valued Training and Spike-Driven Inference Spiking Neural Network for High-performance "
                  "and Energy-efficient Object Detection", "2407.20708", 2024,
                  authors="Luo, Yao, Chou, Xu, Li", venue="ECCV"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=4.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
    params=dict(D=P(1, 1024, kind="int", doc="largest integer spike count D (authors' code: 4)")),
)
def ilif_spike(x: Tensor, D: int = 4) -> Tensor:
    """SpikeYOLO's integer LIF firing: emit round(clip(u, 0, D)) spikes at once, trained straight through.

    The I-LIF neuron (Luo et al. 2024) fires an integer 0..D during training
    (D = 4 in the authors' code), which inference unrolls into up to D binary
    spikes over virtual timesteps; the backward passes the gradient unchanged
    inside [0, D] and cancels it outside, as the authors' ``Quant`` function
    does.  (Rounding is half-to-even, as ``torch.round``.)
    """
    return torch.round(torch.clamp(x, 0.0, float(D)))


@ilif_spike.derivative
def _(x: Tensor, D: int) -> Tensor:
    return ((x >= 0) & (x <= D)).to(x.dtype)


@activation(
    "ternary_spike", aliases=("spike_ternary",), family=FAMILY,
    formula=r"f(x) = \begin{cases} +1 & x \ge \tfrac12\\ 0 & |x| < \tfrac12\\ -1 & x \le -\tfrac12\end{cases},"
            r"\quad \tilde f'(x) = \mathbb{1}[|x| \le 1]",
    reference=ref("Ternary Spike: Learning Ternary Spikes for Spiking Neural Networks", "2312.06372", 2024,
                  authors="Guo, Chen, Liu, Peng, Zhang, Huang, Ma", venue="AAAI"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    odd=True, piecewise_linear=True, surrogate_gradient=True),
)
def ternary_spike(x: Tensor) -> Tensor:
    """Ternary spike of Guo et al.: −1, 0 or +1 with firing thresholds ±1/2 (x = membrane potential / V_th).

    The neuron fires a positive or a negative spike, doubling the information a
    binary spike carries while staying multiplication-free; the backward is the
    derivative of clamp(x, −1, 1), as in the authors' ``spike_activation``.
    (The paper's learnable variant scales the spikes by a trainable factor,
    initialised to 1 — this unit.)  Compared with ``gxnor_ternary`` (thresholds
    ±1, backward on 1/2 < |x| < 3/2) both the thresholds and the rule differ.
    """
    y = torch.where(x.abs() < 0.5, torch.zeros_like(x), torch.sign(x))
    return torch.where(torch.isnan(x), x, y)


@ternary_spike.derivative
def _(x: Tensor) -> Tensor:
    return (x.abs() <= 1.0).to(x.dtype)


# ------------------------------------------------------------------ Dspike

@activation(
    "heaviside_dspike", aliases=("dspike", "spike_dspike"), family=FAMILY,
    formula=r"f(x) = \mathbb{1}[x \ge 0],\quad \tilde f'(x) = \frac{b\,\operatorname{sech}^2(b x)}{2\tanh(b/2)}"
            r"\,\mathbb{1}[|x| \le \tfrac12]",
    reference=ref("Differentiable Spike: Rethinking Gradient-Descent for Training Spiking Neural Networks", None, 2021,
                  authors="Li, Guo, Zhang, Deng, Hai, Gu", venue="NeurIPS"),
    properties=_STEP_PROPS,
    params=dict(b=P(0.0, None, open_low=True, doc="temperature b of the tanh (b → 0: a box, b → ∞: the "
                                                  "Dirac delta; 3 is nonlin's choice)")),
)
def heaviside_dspike(x: Tensor, b: float = 3.0) -> Tensor:
    """Spike function with the Dspike surrogate: the derivative of tanh(bx)/(2 tanh(b/2)) + 1/2 on |x| <= 1/2.

    Li et al.'s Differentiable Spike family interpolates with one temperature b
    between the straight-through box (b → 0) and the true step (b → ∞); the
    primitive rises from 0 to 1 exactly on [−1/2, 1/2], so the surrogate has
    unit area.  The paper tunes b during training from a finite-difference
    estimate; this unit is the rule at one fixed b (3 is nonlin's choice).
    """
    return _heaviside(x)


@heaviside_dspike.derivative
def _(x: Tensor, b: float) -> Tensor:
    e = torch.exp(-2.0 * (b * x).abs())
    sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))  # sech²(bx) without cosh overflow
    return torch.where(x.abs() <= 0.5, (b / (2.0 * math.tanh(0.5 * b))) * sech2, torch.zeros_like(x))


# ------------------------------------------------------------------ binary (sign) units of BNNs

_SIGN_PROPS = dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=False,
                   piecewise_linear=True, surrogate_gradient=True)


def _sign_nonzero(x: Tensor) -> Tensor:
    """sign with 0 ↦ +1 (binary networks never output 0); NaN stays NaN."""
    return torch.where(torch.isnan(x), x, torch.where(x >= 0, 1.0, -1.0).to(x.dtype))


@activation(
    "sign_swish", aliases=("swish_sign", "signswish"), family=FAMILY,
    formula=r"f(x) = \operatorname{sign}(x),\quad \tilde f'(x) = \frac{\beta\bigl(2 - \beta x\tanh(\beta x/2)\bigr)}"
            r"{1 + \cosh(\beta x)}",
    reference=ref("BNN+: Improved Binary Network Training", "1812.11800", 2018,
                  authors="Darabi, Belbahri, Courbariaux, Nia"),
    properties=_SIGN_PROPS,
    params=dict(beta=P(0.0, None, open_low=True, doc="sharpness β of SignSwish (5 is nonlin's choice)")),
)
def sign_swish(x: Tensor, beta: float = 5.0) -> Tensor:
    """Binary sign trained through BNN+'s SignSwish, the derivative of SS_β = 2σ(βx)(1 + βx(1 − σ(βx))) − 1.

    SS_β is the swish-like smooth sign 2·(d/dx)[x·σ(βx)] − 1 shifted to [−1, 1]
    (with small overshoots); its derivative, used as the backward, is
    β(2 − βx·tanh(βx/2))/(1 + cosh βx), positive near 0 and slightly negative
    in the tails.  Forward sign with 0 ↦ +1.  β is a hyperparameter of the
    paper; β = 5 is nonlin's choice.
    """
    return _sign_nonzero(x)


@sign_swish.derivative
def _(x: Tensor, beta: float) -> Tensor:
    u = torch.clamp(beta * x, -1.0e4, 1.0e4)  # beyond, the rule is 0 to every precision; the clamp avoids inf·0
    e = torch.exp(-u.abs())
    # 1/(1 + cosh u) = 2e/(1 + e)² with e = exp(−|u|): no overflow of cosh
    return beta * (2.0 - u * torch.tanh(0.5 * u)) * (2.0 * e / ((1.0 + e) * (1.0 + e)))


@activation(
    "sign_ede", aliases=("irnet_ede", "ede_sign"), family=FAMILY,
    formula=r"f(x) = \operatorname{sign}(x),\quad \tilde f'(x) = k\,t\,\bigl(1 - \tanh^2(t x)\bigr),\ "
            r"k = \max(1/t,\ 1)",
    reference=ref("Forward and Backward Information Retention for Accurate Binary Neural Networks", "1909.10788",
                  2020, authors="Qin, Gong, Liu, Shen, Wei, Yu, Song", venue="CVPR"),
    properties=dict(_SIGN_PROPS, zero_at_zero=True, odd=True),
    params=dict(t=P(0.0, None, open_low=True, doc="sharpness t of the tanh (IR-Net anneals it from 0.1 to 10; "
                                                  "1, the geometric midpoint, is nonlin's choice)")),
)
def sign_ede(x: Tensor, t: float = 1.0) -> Tensor:
    """Binary sign with IR-Net's Error Decay Estimator (EDE): the derivative of k·tanh(tx), k = max(1/t, 1).

    IR-Net anneals t from T_min = 0.1 (a nearly identity STE, k = 1/t keeps its
    slope at 1) to T_max = 10 (close to the true sign) during training; this
    unit is the rule at one fixed t.  Forward ``torch.sign`` (0 ↦ 0), as in the
    authors' BinaryQuantize.
    """
    return torch.where(torch.isnan(x), x, torch.sign(x))  # torch.sign maps NaN to 0


@sign_ede.derivative
def _(x: Tensor, t: float) -> Tensor:
    e = torch.exp(-2.0 * (t * x).abs())
    # 1 − tanh²(v) = sech²(v) = 4e/(1 + e)², e = exp(−2|v|): exact in the tails
    return (max(1.0 / t, 1.0) * t) * (4.0 * e / ((1.0 + e) * (1.0 + e)))


@activation(
    "sign_rbnn", aliases=("rbnn_sign",), family=FAMILY,
    formula=r"f(x) = \operatorname{sign}(x),\quad \tilde f'(x) = k\max\bigl(0,\ \sqrt2\,t - t^2|x|\bigr),\ "
            r"k = \max(1/t,\ 1)",
    reference=ref("Rotated Binary Neural Network", "2009.13055", 2020,
                  authors="Lin, Ji, Xu, Zhang, Wang, Wu, Huang, Lin", venue="NeurIPS"),
    properties=dict(_SIGN_PROPS, zero_at_zero=True, odd=True),
    params=dict(t=P(0.0, None, open_low=True, doc="sharpness t (RBNN anneals it from 0.01 to 10; 1 is "
                                                  "nonlin's choice)")),
)
def sign_rbnn(x: Tensor, t: float = 1.0) -> Tensor:
    """Binary sign with RBNN's training-aware approximation: a triangle k·max(0, √2t − t²|x|), k = max(1/t, 1).

    The derivative of the piecewise-quadratic sign k·(√2·t·x − t²x|x|/2) on
    |x| < √2/t (±k beyond), which has area 2k.  RBNN anneals t geometrically
    from 10⁻² to 10 over training (the authors' ``Log_UP``) while k = max(1/t, 1)
    keeps the peak gradient √2·k·t >= √2; this unit is the rule at one fixed t.
    Forward ``torch.sign`` (0 ↦ 0), as in the authors' BinaryQuantize.
    """
    return torch.where(torch.isnan(x), x, torch.sign(x))


@sign_rbnn.derivative
def _(x: Tensor, t: float) -> Tensor:
    k = max(1.0 / t, 1.0)
    return k * torch.clamp_min(math.sqrt(2.0) * t - (t * t) * x.abs(), 0.0)


_RESTE_INTERVAL = 0.1  # the authors' linear patch near 0, where |x|^{1/o} has an infinite slope


@activation(
    "sign_reste", aliases=("reste_sign",), family=FAMILY,
    formula=r"f(x) = \operatorname{sign}(x),\quad \tilde f'(x) = \begin{cases} 0.1^{1/o - 1} & |x| \le 0.1\\ "
            r"\tfrac1o|x|^{1/o - 1} & 0.1 < |x| \le t\\ 0 & |x| > t\end{cases}",
    reference=ref("Estimator Meets Equilibrium Perspective: A Rectified Straight Through Estimator for Binary "
                  "Neural Networks Training", "2308.06689", 2023, authors="Wu, Zheng, Liu, Zheng", venue="ICCV"),
    properties=dict(_SIGN_PROPS, zero_at_zero=True, odd=True),
    params=dict(t=P(0.0, None, open_low=True, doc="clipping threshold t of the estimator (authors' code: 1.5)"),
                o=P(1.0, None, doc="power o >= 1 of the root sign(x)|x|^{1/o} (o = 1: the clipped STE; the "
                                   "authors raise o during training; 3 is nonlin's choice)")),
)
def sign_reste(x: Tensor, t: float = 1.5, o: float = 3.0) -> Tensor:
    """Binary sign with the Rectified STE: the derivative of the power function sign(x)|x|^{1/o}, clipped at t.

    ReSTE (Wu et al. 2023) back-propagates through sign(x)|x|^{1/o}, which moves
    from the identity (o = 1, the STE) towards the sign as o grows, trading
    estimating error against gradient stability.  As in the authors' code the
    infinite slope at 0 is replaced on |x| <= 0.1 by the secant slope
    0.1^{1/o}/0.1, and the gradient is 0 beyond |x| = t = 1.5.  Forward
    ``torch.sign`` (0 ↦ 0).
    """
    return torch.where(torch.isnan(x), x, torch.sign(x))


@sign_reste.derivative
def _(x: Tensor, t: float, o: float) -> Tensor:
    a = x.abs()
    power = (1.0 / o) * torch.pow(torch.clamp(a, _RESTE_INTERVAL, max(t, _RESTE_INTERVAL)), (1.0 - o) / o)
    near = _RESTE_INTERVAL ** (1.0 / o) / _RESTE_INTERVAL
    return torch.where(a <= _RESTE_INTERVAL, torch.full_like(x, near),
                       torch.where(a <= t, power, torch.zeros_like(x)))


@activation(
    "sign_fda", aliases=("fda_sign",), family=FAMILY,
    formula=r"f(x) = \operatorname{sign}(x),\quad \tilde f'(x) = \mathbb{1}[|x| \le 1]\,\frac{4\omega}{\pi}"
            r"\sum_{i=0}^{n}\cos\bigl((2i + 1)\,\omega x\bigr)",
    reference=ref("Learning Frequency Domain Approximation for Binary Neural Networks", "2103.00841", 2021,
                  authors="Xu, Han, Xu, Tang, Xu, Wang", venue="NeurIPS"),
    properties=dict(_SIGN_PROPS, zero_at_zero=True, odd=True),
    params=dict(omega=P(0.0, None, open_low=True, doc="base frequency ω = 2π/T of the square wave (0.1 in the "
                                                      "released code)"),
                n=P(0, 1000, kind="int", doc="index of the last odd harmonic kept (n + 1 terms; 9 is nonlin's "
                                             "choice)")),
)
def sign_fda(x: Tensor, omega: float = 0.1, n: int = 9) -> Tensor:
    """Binary sign with FDA's backward: the derivative of the truncated Fourier series of a square wave.

    FDA (Xu et al. 2021) writes sign(x) on one period as the square wave
    (4/π)Σ sin((2i + 1)ωx)/(2i + 1) and back-propagates through the first
    n + 1 terms, (4ω/π)Σ cos((2i + 1)ωx), keeping the low-frequency content of
    the sign's gradient; as in the released code the rule is 0 for |x| > 1
    and ω = 0.1.  (FDA also adds a learnable noise-adaptation branch, a
    separate module not part of this elementwise unit.)  Forward ``torch.sign``.
    """
    return torch.where(torch.isnan(x), x, torch.sign(x))


@sign_fda.derivative
def _(x: Tensor, omega: float, n: int) -> Tensor:
    total = torch.zeros_like(x)
    for i in range(n + 1):
        total = total + torch.cos(((2 * i + 1) * omega) * x)
    return torch.where(x.abs() <= 1.0, (4.0 * omega / math.pi) * total, torch.zeros_like(x))


@activation(
    "lfq_sign", aliases=("lookup_free_quantization",), family=FAMILY,
    formula=r"f(x) = \begin{cases} +1 & x > 0\\ -1 & x \le 0\end{cases},\quad \tilde f'(x) = 1",
    reference=ref("Language Model Beats Diffusion -- Tokenizer is Key to Visual Generation", "2310.05737", 2023,
                  authors="Yu, Lezama, et al.", venue="ICLR 2024"),
    properties=dict(_SIGN_PROPS, zero_at_zero=False),
)
def lfq_sign(x: Tensor) -> Tensor:
    """MAGVIT-v2's lookup-free quantiser of one latent channel: sign (0 ↦ −1), identity straight-through.

    LFQ (Yu et al. 2023, Eq. 3) quantises each latent dimension independently
    to −1{z <= 0} + 1{z > 0}, so a d-dimensional latent indexes a 2^d codebook
    without a lookup; training passes the gradient straight through
    (z + sg(q − z)), a backward of 1 everywhere — unlike ``sign_ste``, which
    cancels it beyond |x| = 1.
    """
    return torch.where(torch.isnan(x), x, torch.where(x > 0, 1.0, -1.0).to(x.dtype))


@lfq_sign.derivative
def _(x: Tensor) -> Tensor:
    return torch.ones_like(x)


# ------------------------------------------------------------------ quantisers with a straight-through backward

_FSQ_EPS = 1e-3  # the paper's margin that keeps tanh's range just beyond the outer levels


def _fsq_consts(levels: int) -> tuple[float, float, float, int]:
    half_l = (levels - 1) * (1.0 + _FSQ_EPS) / 2.0
    offset = 0.5 if levels % 2 == 0 else 0.0
    return half_l, offset, math.atanh(offset / half_l), levels // 2


@activation(
    "fsq", aliases=("finite_scalar_quantization",), family=FAMILY,
    formula=r"f(z) = \frac{\operatorname{round}\bigl(h\tanh(z + s) - o\bigr)}{\lfloor L/2\rfloor},\ "
            r"h = \tfrac{(L - 1)(1 + 10^{-3})}{2},\ o = \tfrac12\mathbb{1}[L\ \text{even}],\ "
            r"s = \operatorname{artanh}(o/h)",
    reference=ref("Finite Scalar Quantization: VQ-VAE Made Simple", "2309.15505", 2023,
                  authors="Mentzer, Minnen, Agustsson, Tschannen", venue="ICLR 2024"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
    params=dict(levels=P(2, 1024, kind="int", doc="number of levels L of the channel (5: a level of every "
                                                  "recommended FSQ set, e.g. [8, 5, 5, 5])")),
)
def fsq(x: Tensor, levels: int = 5) -> Tensor:
    """Finite scalar quantisation of one channel: bound with tanh to L levels, round, rescale to [−1, 1].

    FSQ (Mentzer et al. 2023) replaces a VQ-VAE codebook by rounding each
    latent channel to one of L values; the bound h·tanh(z + s) − o (with the
    half-step offset o and shift s for even L) makes round() produce exactly L
    integers, divided by ⌊L/2⌋.  The backward is the straight-through estimator
    through round(): the derivative of the bound, (h/⌊L/2⌋)·sech²(z + s).
    """
    half_l, offset, shift, half_width = _fsq_consts(levels)
    bounded = torch.tanh(x + shift) * half_l - offset
    return torch.round(bounded) / half_width


@fsq.derivative
def _(x: Tensor, levels: int) -> Tensor:
    half_l, _, shift, half_width = _fsq_consts(levels)
    e = torch.exp(-2.0 * (x + shift).abs())
    return (half_l / half_width) * (4.0 * e / ((1.0 + e) * (1.0 + e)))  # sech² without cosh overflow


@activation(
    "fsq_symmetric", aliases=("taae_fsq",), family=FAMILY,
    formula=r"f(x) = \frac{2}{L - 1}\Bigl\lfloor \frac{(L - 1)(\tanh x + 1)}{2} + \frac12 \Bigr\rfloor - 1,\quad "
            r"\tilde f'(x) = \operatorname{sech}^2 x",
    reference=ref("Scaling Transformers for Low-Bitrate High-Quality Speech Coding", "2411.19842", 2024,
                  authors="Parker, Smirnov, Pons, Carr, Zukowski, Evans, Liu"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0, zero_at_zero=True,
                    piecewise_linear=True, surrogate_gradient=True),
    params=dict(levels=P(2, 1024, kind="int", doc="number of levels L, spread evenly over [−1, 1] including "
                                                  "±1 (5 is nonlin's choice)")),
)
def fsq_symmetric(x: Tensor, levels: int = 5) -> Tensor:
    """TAAE's symmetry-preserving FSQ: L levels evenly spaced on [−1, 1], reached through tanh and a floor.

    Parker et al. (§3.2) replace FSQ's bound-and-round (``fsq``) by
    (2/(L − 1))·⌊(L − 1)(tanh x + 1)/2 + 1/2⌋ − 1, whose levels are symmetric
    about 0 for every L (FSQ's are not for even L), and pass the gradient
    straight through the floor: the backward is tanh' = sech² x.  (Their
    training alternative that adds uniform noise instead of quantising is a
    stochastic relaxation, not part of this unit.)
    """
    n = levels - 1
    return (2.0 / n) * torch.floor(n * (torch.tanh(x) + 1.0) / 2.0 + 0.5) - 1.0


@fsq_symmetric.derivative
def _(x: Tensor, levels: int) -> Tensor:
    e = torch.exp(-2.0 * x.abs())
    return 4.0 * e / ((1.0 + e) * (1.0 + e))  # sech² x without cosh overflow
