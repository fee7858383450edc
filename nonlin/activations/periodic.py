"""Periodic and oscillating units: Snake, SIREN's sine, GCU, sinc-based units, ...

``properties["periodic"]`` is the period P (f(x + P) = f(x)) for the units that
are truly periodic; the others oscillate around a trend (Snake, GCU, ASU, ...).
Bounds are exact at the default parameters (closed forms, or the sinc minimum
−0.217233628211222 at x ≈ ±4.4934, the root of tan x = x).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref

FAMILY = "periodic"
_SURVEY_REF = ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for Neural "
                  "Networks", "2402.09092", 2024, authors="Kunc, Kléma", venue="survey reference: no single original source")
_SWISH_SEARCH_REF = ref("Searching for Activation Functions", "1710.05941", 2017,
                        authors="Ramachandran, Zoph, Le", venue="ICLR workshop 2018")
_OSC_REF = ref("Biologically Inspired Oscillating Activation Functions Can Bridge the Performance Gap between "
               "Biological and Artificial Neurons", "2111.04020", 2021, authors="Noel, Bharadwaj, Muthiah-Nakarajan, "
               "Dutta, Amali")
_SINC_MIN = -0.21723362821122166  # min of sin(x)/x, at x ≈ ±4.493409 (tan x = x)


def _sinc(z: Tensor) -> Tensor:
    """sin(z)/z with the removable singularity filled in (1 at 0)."""
    zero = z == 0
    zs = torch.where(zero, 1.0, z)
    return torch.where(zero, 1.0, torch.sin(zs) / zs)


def _dsinc(z: Tensor) -> Tensor:
    """d/dz sin(z)/z = (z cos z − sin z)/z²; a Taylor series below |z| = 0.1 avoids the cancellation."""
    small = z.abs() < 0.1
    zs = torch.where(small, 1.0, z)
    z2 = z * z
    series = z * (-1.0 / 3.0 + z2 * (1.0 / 30.0 + z2 * (-1.0 / 840.0 + z2 / 45360.0)))
    return torch.where(small, series, (zs * torch.cos(zs) - torch.sin(zs)) / (zs * zs))


# ------------------------------------------------------------------ Snake

@activation(
    "snake", family=FAMILY, formula=r"x + \frac{1}{a}\sin^2(a x)",
    reference=ref("Neural Networks Fail to Learn Periodic Functions and How to Fix It", "2006.08195", 2020,
                  authors="Liu Ziyin, Hartwig, Ueda", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="frequency a > 0 (period π/a of the wiggle)")),
)
def snake(x: Tensor, a: float = 1.0) -> Tensor:
    """Snake: f(x) = x + sin²(a·x)/a.

    Liu Ziyin, Hartwig & Ueda, "Neural Networks Fail to Learn Periodic Functions
    and How to Fix It", arXiv 2006.08195, 2020. The slope 1 + sin(2ax) never goes
    below 0, so Snake is monotonic. a is fixed here (default 1); the learnable Snake
    lives in ``nonlin.learnable``.
    """
    s = torch.sin(_phase(a, x))
    return x + s * s / a


@snake.derivative
def _(x: Tensor, a: float) -> Tensor:
    return 1.0 + torch.sin(_phase(2.0 * a, x))


@activation(
    "snake_beta", aliases=("snakebeta",), family=FAMILY, formula=r"x + \frac{1}{\beta}\sin^2(\alpha x)",
    reference=ref("BigVGAN: A Universal Neural Vocoder with Large-Scale Training", "2206.04658", 2022,
                  authors="Lee, Ping, Ginsburg, Catanzaro, Yoon", venue="ICLR 2023"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(alpha=P(0.0, None, open_low=True, doc="frequency α > 0"),
                beta=P(0.0, None, open_low=True, doc="inverse magnitude β > 0 of the periodic term")),
)
def snake_beta(x: Tensor, alpha: float = 1.0, beta: float = 1.0) -> Tensor:
    """SnakeBeta: f(x) = x + sin²(αx)/β, Snake with the frequency and magnitude decoupled.

    Lee et al., "BigVGAN", arXiv 2206.04658, 2022 (per-channel α, β learned on a log
    scale, initialised at 1, which is the default here and equals Snake with a = 1).
    The unit is monotonic when α ≤ β (slope 1 + (α/β)·sin(2αx)).
    """
    s = torch.sin(_phase(alpha, x))
    return x + s * s / beta


@snake_beta.derivative
def _(x: Tensor, alpha: float, beta: float) -> Tensor:
    return 1.0 + (alpha / beta) * torch.sin(_phase(2.0 * alpha, x))


# ------------------------------------------------------ sines and cosines

@activation(
    "sine", family=FAMILY, formula=r"\sin(\omega_0 x)",
    reference=ref("Implicit Neural Representations with Periodic Activation Functions", "2006.09661", 2020,
                  authors="Sitzmann, Martel, Bergman, Lindell, Wetzstein", venue="NeurIPS"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-1.0, bounded_above=1.0,
                    odd=True, periodic=2.0 * math.pi / 30.0),
    params=dict(w0=P(0.0, None, open_low=True, doc="frequency ω₀ (SIREN uses 30)")),
)
def sine(x: Tensor, w0: float = 30.0) -> Tensor:
    """SIREN sine: f(x) = sin(ω₀·x), ω₀ = 30.

    Sitzmann et al., "Implicit Neural Representations with Periodic Activation
    Functions", arXiv 2006.09661, 2020. SIREN applies sin(ω₀(Wx + b)) with ω₀ = 30
    and a matching weight initialisation (first layer U(−1/n, 1/n), later layers
    U(−√(6/n)/ω₀, √(6/n)/ω₀)); this unit is the elementwise part only, so the
    initialisation is the model's job. Period 2π/ω₀.
    """
    return torch.sin(_phase(w0, x))


def _phase(w0: float, x: Tensor) -> Tensor:
    """ω₀·x kept finite: it overflows near the float maximum, where sin would give NaN.

    There the value depends on the last bit of x anyway; clamping keeps it finite and in [−1, 1]
    (±inf inputs get NaN from the elementwise layer: sin has no limit there)."""
    big = torch.finfo(x.dtype).max
    return torch.clamp(w0 * x, -big, big)


@sine.derivative
def _(x: Tensor, w0: float) -> Tensor:
    return w0 * torch.cos(_phase(w0, x))


@activation(
    "cosine", aliases=("cos",), family=FAMILY, formula=r"\cos(x)", reference=_SURVEY_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-1.0, bounded_above=1.0,
                    even=True, periodic=2.0 * math.pi),
)
def cosine(x: Tensor) -> Tensor:
    """Cosine: f(x) = cos(x), period 2π.

    A classical periodic activation with no single original paper; referenced to
    the survey by Kunc & Kléma (arXiv 2402.09092, 2024). No parameters.
    """
    return torch.cos(x)


@cosine.derivative
def _(x: Tensor) -> Tensor:
    return -torch.sin(x)


@activation(
    "finer", family=FAMILY, formula=r"\sin\bigl(\omega_0 (|x| + 1)\,x\bigr)",
    reference=ref("FINER: Flexible spectral-bias tuning in Implicit NEural Representation by Variable-periodic "
                  "Activation Functions", "2312.02434", 2023, authors="Liu, Zhu, et al.",
                  venue="CVPR 2024"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=-1.0, bounded_above=1.0, odd=True),
    params=dict(w0=P(0.0, None, open_low=True, doc="base frequency ω₀ (30, as in SIREN)")),
)
def finer(x: Tensor, w0: float = 30.0) -> Tensor:
    """FINER variable-periodic sine: f(x) = sin(ω₀·(|x| + 1)·x).

    Liu et al., "FINER", arXiv 2312.02434, 2023. The local frequency grows with |x|,
    so the bias of the preceding layer selects the frequency band. ω₀ = 30 as in the
    paper. C¹ only: the second derivative of (|x|+1)x jumps at 0.

    The phase ω₀(|x|+1)x grows quadratically, so in float32 it loses every digit of
    the angle beyond |x| ≈ 10³; it is therefore formed in float64 and only the
    sine/cosine is cast back.
    """
    return torch.sin(_finer_phase(x, w0)).to(x.dtype)


def _finer_phase(x: Tensor, w0: float) -> Tensor:
    xd = x.double()
    big = torch.finfo(xd.dtype).max
    return _phase(w0, torch.clamp((xd.abs() + 1.0) * xd, -big, big))


@finer.derivative
def _(x: Tensor, w0: float) -> Tensor:
    return (w0 * (2.0 * x.abs() + 1.0) * torch.cos(_finer_phase(x, w0)).to(x.dtype))


@activation(
    "hosc", family=FAMILY, formula=r"\tanh(\beta\sin x)",
    reference=ref("HOSC: A Periodic Activation Function for Preserving Sharp Features in Implicit Neural "
                  "Representations", "2401.10967", 2024, authors="Serrano, Szymkowiak, Musialski"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-math.tanh(1.0),
                    bounded_above=math.tanh(1.0), odd=True, periodic=2.0 * math.pi),
    params=dict(beta=P(0.0, None, open_low=True, doc="sharpness β (β → ∞: a square wave)")),
)
def hosc(x: Tensor, beta: float = 1.0) -> Tensor:
    """Hyperbolic oscillator (HOSC): f(x) = tanh(β·sin x), period 2π.

    Serrano et al., "HOSC", arXiv 2401.10967, 2024. β controls the sharpness (the
    paper tunes or learns it); the default β = 1 is our choice. Bounded by ±tanh β.
    """
    return torch.tanh(beta * torch.sin(x))


@hosc.derivative
def _(x: Tensor, beta: float) -> Tensor:
    t = torch.tanh(beta * torch.sin(x))
    return beta * torch.cos(x) * (1.0 - t * t)


@activation(
    "expsin", aliases=("exp_sin",), family=FAMILY, formula=r"e^{-\sin x}",
    reference=ref("Beyond Periodicity: Towards a Unifying Framework for Activations in Coordinate-MLPs",
                  "2111.15135", 2021, authors="Ramasinghe, Lucey", venue="ECCV 2022"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=math.exp(-1.0),
                    bounded_above=math.e, periodic=2.0 * math.pi),
)
def expsin(x: Tensor) -> Tensor:
    """ExpSin: f(x) = exp(−sin x), period 2π.

    Ramasinghe & Lucey, "Beyond Periodicity", arXiv 2111.15135, 2021 (written there as
    exp(−sin(a·x)); a = 1 here — scale the preceding layer instead). No parameters.
    """
    return torch.exp(-torch.sin(x))


@expsin.derivative
def _(x: Tensor) -> Tensor:
    return -torch.cos(x) * torch.exp(-torch.sin(x))


# --------------------------------------------------- growing oscillations

@activation(
    "gcu", aliases=("growing_cosine_unit",), family=FAMILY, formula=r"x\cos x",
    reference=ref("Growing Cosine Unit: A Novel Oscillatory Activation Function That Can Speedup Training and "
                  "Reduce Parameters in Convolutional Neural Networks", "2108.12943", 2021,
                  authors="Noel, Arunkumar, Trivedi, Dutta"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def gcu(x: Tensor) -> Tensor:
    """Growing cosine unit: f(x) = x·cos x.

    Noel et al., arXiv 2108.12943, 2021. Its many zeros let a single neuron solve
    XOR. No parameters.
    """
    return x * torch.cos(x)


@gcu.derivative
def _(x: Tensor) -> Tensor:
    return torch.cos(x) - x * torch.sin(x)


@activation(
    "asu", aliases=("amplifying_sine_unit",), family=FAMILY, formula=r"x\sin x",
    reference=ref("Amplifying Sine Unit: An Oscillatory Activation Function for Deep Neural Networks to Recover "
                  "Nonlinear Oscillations Efficiently", "2304.09759", 2023, authors="Rahman et al."),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    even=True),
)
def asu(x: Tensor) -> Tensor:
    """Amplifying sine unit: f(x) = x·sin x.

    Rahman et al., arXiv 2304.09759, 2023. No parameters.
    """
    return x * torch.sin(x)


@asu.derivative
def _(x: Tensor) -> Tensor:
    return torch.sin(x) + x * torch.cos(x)


# ---------------------------------------------------------------- sinc

@activation(
    "sinc", family=FAMILY, formula=r"\frac{\sin x}{x}",
    reference=ref("A Sampling Theory Perspective on Activations for Implicit Neural Representations", "2402.05427",
                  2024, authors="Saratchandran, Chng, Ramasinghe, MacDonald, Lucey"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=_SINC_MIN,
                    bounded_above=1.0, even=True),
)
def sinc(x: Tensor) -> Tensor:
    """Sinc (unnormalised): f(x) = sin(x)/x, f(0) = 1.

    Saratchandran et al., arXiv 2402.05427, 2024 (sinc as an INR activation, with a
    bandwidth scale folded into the preceding layer). Minimum ≈ −0.21723 at
    x ≈ ±4.4934. No parameters.
    """
    return _sinc(x)


@sinc.derivative
def _(x: Tensor) -> Tensor:
    return _dsinc(x)


@activation(
    "ssu", aliases=("shifted_sinc_unit",), family=FAMILY, formula=r"\pi\,\frac{\sin(x-\pi)}{x-\pi}",
    reference=_OSC_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=math.pi * _SINC_MIN,
                    bounded_above=math.pi),
)
def ssu(x: Tensor) -> Tensor:
    """Shifted sinc unit: f(x) = π·sinc(x − π), sinc(z) = sin(z)/z.

    Noel et al., "Biologically Inspired Oscillating Activation Functions Can Bridge
    the Performance Gap between Biological and Artificial Neurons", arXiv
    2111.04020, 2021. f(0) = 0, peak π at x = π. No parameters.
    """
    return math.pi * _sinc(x - math.pi)


@ssu.derivative
def _(x: Tensor) -> Tensor:
    return math.pi * _dsinc(x - math.pi)


@activation(
    "dsu", aliases=("decaying_sine_unit",), family=FAMILY,
    formula=r"\frac{\pi}{2}\left(\mathrm{sinc}(x-\pi) - \mathrm{sinc}(x+\pi)\right)", reference=_OSC_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-1.636408136824882,
                    bounded_above=1.636408136824882, odd=True),
)
def dsu(x: Tensor) -> Tensor:
    """Decaying sine unit: f(x) = (π/2)·(sinc(x − π) − sinc(x + π)), sinc(z) = sin(z)/z.

    Noel et al., arXiv 2111.04020, 2021. Odd, extrema ±1.63641 at x ≈ ±2.631.
    No parameters.
    """
    return 0.5 * math.pi * (_sinc(x - math.pi) - _sinc(x + math.pi))


@dsu.derivative
def _(x: Tensor) -> Tensor:
    return 0.5 * math.pi * (_dsinc(x - math.pi) - _dsinc(x + math.pi))


# ------------------------- periodic members of the Swish search (Ramachandran et al.)

@activation(
    "cos_minus_x", family=FAMILY, formula=r"\cos(x) - x", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=False, bounded_above=False),
)
def cos_minus_x(x: Tensor) -> Tensor:
    """f(x) = cos(x) − x, one of the novel functions found by the search of Ramachandran et al.

    "Searching for Activation Functions", arXiv 1710.05941, 2017 (Figure 3). Its
    slope −sin x − 1 is never positive: the unit is non-increasing. No parameters.
    """
    return torch.cos(x) - x


@cos_minus_x.derivative
def _(x: Tensor) -> Tensor:
    return -torch.sin(x) - 1.0


@activation(
    "min_x_sin", family=FAMILY, formula=r"\min(x, \sin x)", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=True, bounded_below=False, bounded_above=1.0),
)
def min_x_sin(x: Tensor) -> Tensor:
    """f(x) = min(x, sin x): x for x < 0, sin x for x ≥ 0 (from the Swish search).

    Ramachandran, Zoph & Le, arXiv 1710.05941, 2017 (Figure 3). The two pieces agree
    to second order at 0, so the unit is C². No parameters.
    """
    return torch.minimum(x, torch.sin(x))


@min_x_sin.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x < 0, 1.0, torch.cos(x)).to(x.dtype)


@activation(
    "sinc_plus_x", family=FAMILY, formula=r"\frac{\sin x}{x} + x", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=False, bounded_above=False),
)
def sinc_plus_x(x: Tensor) -> Tensor:
    """f(x) = sinc(x) + x, sinc(x) = sin(x)/x (from the Swish search).

    Ramachandran, Zoph & Le, arXiv 1710.05941, 2017 (Figure 3). |sinc'| < 0.44, so
    the unit is monotonic. No parameters.
    """
    return _sinc(x) + x


@sinc_plus_x.derivative
def _(x: Tensor) -> Tensor:
    return _dsinc(x) + 1.0
