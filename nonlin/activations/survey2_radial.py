"""More radial (bell-shaped, compactly supported) units (issue 13: complete the catalogue).

Wendland's compactly supported radial functions of minimal degree (the C² member
is ``wendland`` in ``radial.py``) and the quadratic cardinal B-spline, KAN's basis
at spline order 2 (order 1 is ``hat``, order 3 ``cubic_bspline``).  All are even
and vanish for |x| ≥ their support radius; written in r = |x| as the papers do.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ref

FAMILY = "radial"

_WENDLAND_REF = ref("Piecewise polynomial, positive definite and compactly supported radial functions of minimal "
                    "degree", None, 1995, authors="Wendland", venue="Advances in Computational Mathematics 4:389-396")
_KAN_REF = ref("KAN: Kolmogorov-Arnold Networks", "2404.19756", 2024, authors="Liu et al.")


def _one_minus_r(x: Tensor) -> Tensor:
    """(1 − |x|)₊, the factor that gives every Wendland function its support [−1, 1]."""
    return torch.clamp_min(1.0 - x.abs(), 0.0)


def _r(x: Tensor) -> Tensor:
    """min(|x|, 1): the polynomial factors only matter on the support; clamping keeps r² finite
    where (1 − r)₊ is 0 (inf·0 would be NaN at |x| ~ 1e308 or ±inf)."""
    return torch.clamp_max(x.abs(), 1.0)


# ------------------------------------------------------------------ Wendland functions φ_{3,k}

@activation(
    "wendland_c0", family=FAMILY, formula=r"(1 - |x|)_+^2",
    reference=_WENDLAND_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def wendland_c0(x: Tensor) -> Tensor:
    """Wendland's φ₃,₀(r) = (1 − r)₊², r = |x|: positive definite in up to 3 dimensions, C⁰ (a cusp at 0).

    Wendland 1995 (Adv. Comput. Math. 4), the k = 0 member of the family whose
    k = 1 member (C²) is ``wendland``.  Peak 1 at 0, support [−1, 1].
    """
    t = _one_minus_r(x)
    return t * t


@wendland_c0.derivative
def _(x: Tensor) -> Tensor:
    return -2.0 * torch.sign(x) * _one_minus_r(x)


@activation(
    "wendland_c4", family=FAMILY, formula=r"(1 - |x|)_+^6\,(35x^2 + 18|x| + 3)",
    reference=_WENDLAND_REF,
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=False, bounded_below=0.0, bounded_above=3.0,
                    even=True),
)
def wendland_c4(x: Tensor) -> Tensor:
    """Wendland's φ₃,₂(r) = (1 − r)₊⁶·(35r² + 18r + 3), r = |x|: C⁴, support [−1, 1], peak 3 at 0.

    Wendland 1995, unnormalised as there (φ(0) = 3).  Declared C2 (the strongest
    class nonlin's property vocabulary names below C∞); it is in fact C⁴.
    """
    r = _r(x)
    t = _one_minus_r(x)
    t2 = t * t
    return t2 * t2 * t2 * (35.0 * r * r + 18.0 * r + 3.0)


@wendland_c4.derivative
def _(x: Tensor) -> Tensor:
    r = _r(x)
    t = _one_minus_r(x)
    t2 = t * t
    return -56.0 * torch.sign(x) * r * (t2 * t2 * t) * (5.0 * r + 1.0)  # φ'(r) = −56r(5r + 1)(1 − r)⁵, times sign(x)


@activation(
    "wendland_c6", family=FAMILY, formula=r"(1 - |x|)_+^8\,(32|x|^3 + 25x^2 + 8|x| + 1)",
    reference=_WENDLAND_REF,
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def wendland_c6(x: Tensor) -> Tensor:
    """Wendland's φ₃,₃(r) = (1 − r)₊⁸·(32r³ + 25r² + 8r + 1), r = |x|: C⁶, support [−1, 1], peak 1.

    Wendland 1995.  Declared C2 (nonlin's vocabulary); it is in fact C⁶.
    """
    r = _r(x)
    t = _one_minus_r(x)
    t2 = t * t
    t4 = t2 * t2
    return t4 * t4 * (((32.0 * r + 25.0) * r + 8.0) * r + 1.0)


@wendland_c6.derivative
def _(x: Tensor) -> Tensor:
    r = _r(x)
    t = _one_minus_r(x)
    t2 = t * t
    return -22.0 * torch.sign(x) * r * (t2 * t2 * t2 * t) * ((16.0 * r + 7.0) * r + 1.0)  # φ' = −22r(16r² + 7r + 1)(1 − r)⁷


# ------------------------------------------------------------------ quadratic B-spline

@activation(
    "quadratic_bspline", family=FAMILY,
    formula=r"\begin{cases} \tfrac34 - x^2 & |x| \le \tfrac12 \\ \tfrac12\left(\tfrac32 - |x|\right)^2 & "
            r"\tfrac12 < |x| < \tfrac32 \\ 0 & |x| \ge \tfrac32 \end{cases}",
    reference=_KAN_REF,
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=0.75,
                    even=True),
)
def quadratic_bspline(x: Tensor) -> Tensor:
    """Centred uniform quadratic B-spline: support [−3/2, 3/2], peak 3/4 at 0, C¹.

    The basis function of a KAN spline of order k = 2 (Liu et al., arXiv
    2404.19756, which allows any order; its default k = 3 is ``cubic_bspline``),
    on unit knot spacing.  No parameters.
    """
    a = x.abs()
    t = torch.clamp_min(1.5 - a, 0.0)
    return torch.where(a <= 0.5, 0.75 - x * x, 0.5 * t * t)


@quadratic_bspline.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    t = torch.clamp_min(1.5 - a, 0.0)
    return torch.where(a <= 0.5, -2.0 * x, -torch.sign(x) * t)


# ------------------------------------------------------------------ Wav-KAN's compact wavelets

_WAVKAN_REF = ref("Wav-KAN: Wavelet Kolmogorov-Arnold Networks", "2405.12832", 2024, authors="Bozorgasl, Chen")


def _meyer_nu(t: Tensor) -> Tensor:
    """Meyer's auxiliary polynomial ν(t) = t⁴(35 − 84t + 70t² − 20t³): 0 at t = 0, 1 at t = 1, C³ at both ends."""
    t2 = t * t
    return t2 * t2 * (35.0 + t * (-84.0 + t * (70.0 - 20.0 * t)))


def _meyer_nu_prime(t: Tensor) -> Tensor:
    """ν'(t) = 140t³(1 − t)³."""
    u = t * (1.0 - t)
    return 140.0 * u * u * u


@activation(
    "meyer_wavelet", family=FAMILY,
    formula=r"\sin(\pi|x|)\,\begin{cases} 1 & |x| \le \tfrac12\\ \cos\!\bigl(\tfrac\pi2\,\nu(2|x| - 1)\bigr) & "
            r"\tfrac12 < |x| < 1\\ 0 & |x| \ge 1\end{cases},\ \nu(t) = t^4(35 - 84t + 70t^2 - 20t^3)",
    reference=_WAVKAN_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def meyer_wavelet(x: Tensor) -> Tensor:
    """Wav-KAN's Meyer-type wavelet: sin(π|x|) under Meyer's smooth cut-off, supported on [−1, 1].

    Bozorgasl & Chen (arXiv 2405.12832) list the Meyer wavelet among Wav-KAN's
    mother wavelets; this is the closed form of their released code
    (``wavelet_type='meyer'``): sin(π|x|) times 1 on |x| ≤ 1/2, cos(π/2·ν(2|x| − 1))
    on 1/2 < |x| < 1 and 0 beyond, ν Meyer's auxiliary polynomial.  (The classical
    Meyer wavelet is defined through its Fourier transform; this is not it.)
    Even, in [0, 1], peak 1 at |x| = 1/2, a kink at 0 (C⁰).
    """
    v = torch.clamp_max(x.abs(), 1.0)  # |x| ≥ 1 gives sin(π) · cos(π/2) = 0 (up to rounding): forced to 0 below
    t = torch.clamp(2.0 * v - 1.0, 0.0, 1.0)
    y = torch.sin(torch.pi * v) * torch.cos(0.5 * torch.pi * _meyer_nu(t))
    return torch.where(x.abs() < 1.0, y, 0.0 * x)


@meyer_wavelet.derivative
def _(x: Tensor) -> Tensor:
    v = torch.clamp_max(x.abs(), 1.0)
    t = torch.clamp(2.0 * v - 1.0, 0.0, 1.0)
    a = 0.5 * torch.pi * _meyer_nu(t)
    dv = torch.pi * torch.cos(torch.pi * v) * torch.cos(a) \
        - torch.sin(torch.pi * v) * torch.sin(a) * (torch.pi * _meyer_nu_prime(t))  # d/d|x|, with dt/d|x| = 2
    return torch.where(x.abs() < 1.0, torch.sign(x) * dv, 0.0 * x)


@activation(
    "bump_wavelet", family=FAMILY,
    formula=r"\begin{cases} e^{-1/(1 - x^2)} & |x| < 1\\ 0 & |x| \ge 1\end{cases}",
    reference=_WAVKAN_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0,
                    bounded_above=0.36787944117144233, even=True),
)
def bump_wavelet(x: Tensor) -> Tensor:
    """The bump function e^{−1/(1 − x²)} on (−1, 1), 0 outside: C∞ with compact support, peak 1/e at 0.

    One of the mother functions of Wav-KAN's released code (Bozorgasl & Chen,
    arXiv 2405.12832, ``wavelet_type='bump'``).  All derivatives vanish at ±1.
    """
    inside = x.abs() < 1.0
    d = torch.where(inside, 1.0 - x * x, 1.0)
    return torch.where(inside, torch.exp(-1.0 / d), 0.0 * x)


@bump_wavelet.derivative
def _(x: Tensor) -> Tensor:
    inside = x.abs() < 1.0
    d = torch.where(inside, 1.0 - x * x, 1.0)
    u = 1.0 / d
    # −2x·u²·e^{−u} as one exponential: u² alone overflows near |x| = 1 where e^{−u} is already 0
    return torch.where(inside, -2.0 * x * torch.exp(2.0 * torch.log(u) - u), 0.0 * x)
