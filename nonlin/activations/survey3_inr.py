"""Continuous activations of implicit-neural-representation and spiking-network papers (issue 13).

InfLoR-SNN's membrane potential rectifier (end of file) is the one spiking-network unit here.

FINER++ (Zhu, Liu et al., arXiv 2407.19434) extends FINER's variable-periodic
sine sin(ω(|x| + 1)x) (``finer``) to other INR activations by composing them with
it: the Gaussian of Ramasinghe & Lucey and WIRE's Gabor wavelet.  Formulas and
defaults are those of the authors' released ``models.py`` (``gauss_finer_activation``,
``wire_finer_activation``); the phase is formed in float64 as ``finer`` does, so
the angle keeps its digits for large |x|.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref
from .periodic import _finer_phase

FAMILY = "periodic"

_FINERPP = ref("FINER++: Building a Family of Variable-periodic Functions for Activating Implicit Neural "
               "Representation", "2407.19434", 2024,
               authors="Zhu, Liu, Zhang, Fu, Deng, Ma, Guo, Cao")


def _finer_u_du(x: Tensor, w0: float) -> tuple[Tensor, Tensor]:
    """u = sin(ω₀(|x| + 1)x) and du/dx = ω₀(2|x| + 1)·cos(ω₀(|x| + 1)x), both in float64."""
    phase = _finer_phase(x, w0)
    xd = x.double()
    return torch.sin(phase), w0 * (2.0 * xd.abs() + 1.0) * torch.cos(phase)


@activation(
    "gauss_finer", aliases=("finerpp_gauss", "gf_finer"), family=FAMILY,
    formula=r"\exp\!\Bigl(-\bigl(s\,\sin(\omega_0(|x| + 1)\,x)\bigr)^2\Bigr)",
    reference=_FINERPP,
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
    params=dict(s=P(0.0, None, doc="Gaussian scale s (authors' code: 3)"),
                w0=P(0.0, None, open_low=True, doc="FINER frequency ω₀ (authors' code: 1)")),
)
def gauss_finer(x: Tensor, s: float = 3.0, w0: float = 1.0) -> Tensor:
    """FINER++'s Gauss-FINER ("GF"): the Gaussian exp(−(s·u)²) of FINER's u = sin(ω₀(|x| + 1)x).

    s = 3, ω₀ = 1 as in the authors' ``GFLayer``.  Even, between e^{−s²} and 1,
    equal to 1 at 0 and wherever FINER's sine crosses 0; its local frequency
    grows with |x|, so a layer's bias selects the band.  C¹ (like ``finer``).
    (The authors' code treats the factor |x| + 1 as a constant in the backward
    pass; this unit's backward is the true derivative.)
    """
    u, _ = _finer_u_du(x, w0)
    su = s * u
    return torch.exp(-su * su).to(x.dtype)


@gauss_finer.derivative
def _(x: Tensor, s: float, w0: float) -> Tensor:
    u, du = _finer_u_du(x, w0)
    su = s * u
    return (-2.0 * s * su * du * torch.exp(-su * su)).to(x.dtype)


@activation(
    "wire_finer", aliases=("finerpp_wire", "wf_finer"), family=FAMILY,
    formula=r"\cos(\omega_w u)\,e^{-(s u)^2},\quad u = \sin\bigl(\omega_0(|x| + 1)\,x\bigr)",
    reference=_FINERPP,
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=False, bounded_below=-1.0, bounded_above=1.0,
                    even=True),
    params=dict(s=P(0.0, None, doc="Gabor envelope scale s (authors' code: 10)"),
                omega_w=P(0.0, None, doc="Gabor frequency ω_w (authors' code: 20)"),
                w0=P(0.0, None, open_low=True, doc="FINER frequency ω₀ (authors' code: 1)")),
)
def wire_finer(x: Tensor, s: float = 10.0, omega_w: float = 20.0, w0: float = 1.0) -> Tensor:
    """FINER++'s Wire-FINER ("WF") on a real input, real part: WIRE's Gabor wavelet of FINER's output.

    WF computes exp(iω_w·u − (s·u)²) with u = sin(ω₀(|x| + 1)x); for a real
    pre-activation (WF's first layer) its real part is the real Gabor wavelet
    cos(ω_w u)·e^{−(su)²} of u, as ``gabor`` is WIRE's real variant.  Defaults
    s = 10, ω_w = 20, ω₀ = 1 from the authors' ``WFLayer``.  Even, in [−1, 1],
    1 at 0.
    """
    u, _ = _finer_u_du(x, w0)
    su = s * u
    return (torch.cos(omega_w * u) * torch.exp(-su * su)).to(x.dtype)


@wire_finer.derivative
def _(x: Tensor, s: float, omega_w: float, w0: float) -> Tensor:
    u, du = _finer_u_du(x, w0)
    su = s * u
    dg = (-omega_w * torch.sin(omega_w * u) - 2.0 * s * su * torch.cos(omega_w * u)) * torch.exp(-su * su)
    return (dg * du).to(x.dtype)


# ------------------------------------------------------------------ spiking networks: InfLoR-SNN's MPR

_MPR_K = 3.0  # steepness of the tanh on [0, 1] in the paper and the authors' code


@activation(
    "membrane_potential_rectifier", aliases=("mpr", "inflor_mpr"), family="misc",
    formula=r"\begin{cases} 1 - (1 - u)^{1/3} & u < 0\\ \frac{\tanh(3(u - 1/2))}{2\tanh(3/2)} + \frac12 & 0 \le u "
            r"\le 1\\ u^{1/3} & u > 1\end{cases}",
    reference=ref("InfLoR-SNN: Reducing Information Loss for Spiking Neural Networks", "2307.04356", 2022,
                  authors="Guo, Chen, Zhang, Liu, Tong, Ou, Huang, Ma", venue="ECCV"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def membrane_potential_rectifier(x: Tensor) -> Tensor:
    """InfLoR-SNN's Membrane Potential Rectifier: pushes a threshold-normalised membrane potential towards 0 or 1.

    Applied to u = membrane potential / threshold before the spike, it maps
    [0, 1] through a steep tanh centred on 1/2 (so values near the threshold
    move towards the spike values 0 and 1, reducing quantisation error) and
    compresses the tails by cube roots; continuous, 0 at 0 and 1 at 1, with
    slope jumps at 0 and 1 (C0).  Constants (3, 1/2) as in the paper and the
    authors' code.
    """
    mid = torch.tanh(_MPR_K * (torch.clamp(x, 0.0, 1.0) - 0.5)) / (2.0 * math.tanh(0.5 * _MPR_K)) + 0.5
    above = torch.pow(torch.clamp_min(x, 1.0), 1.0 / 3.0)
    below = 1.0 - torch.pow(1.0 - torch.clamp_max(x, 0.0), 1.0 / 3.0)
    return torch.where(x > 1.0, above, torch.where(x < 0.0, below, mid))


@membrane_potential_rectifier.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(_MPR_K * (torch.clamp(x, 0.0, 1.0) - 0.5))
    mid = (0.5 * _MPR_K / math.tanh(0.5 * _MPR_K)) * (1.0 - t * t)
    above = torch.pow(torch.clamp_min(x, 1.0), -2.0 / 3.0) / 3.0
    below = torch.pow(1.0 - torch.clamp_max(x, 0.0), -2.0 / 3.0) / 3.0
    return torch.where(x > 1.0, above, torch.where(x < 0.0, below, mid))
