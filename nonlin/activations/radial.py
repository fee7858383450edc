"""Radial and bump units: Gaussian, Cauchy, Elephant, RBF kernels and wavelets.

Each unit is a function of x that peaks (or dips) at the origin and decays or
grows with |x|: the classic radial basis functions φ(r) of RBF networks applied
elementwise (r = x, so most are even), and the wavelets used by wavelet networks
and Wav-KAN. Bounds are exact at the default parameters.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import softplus
from ..elementwise import activation
from ..registry import P, ParameterError, ordered, ref

FAMILY = "radial"
_RBF_REF = ref("Multivariable functional interpolation and adaptive networks", None, 1988,
               authors="Broomhead, Lowe", venue="Complex Systems 2:321-355")
_COORD_MLP_REF = ref("Beyond Periodicity: Towards a Unifying Framework for Activations in Coordinate-MLPs",
                     "2111.15135", 2021, authors="Ramasinghe, Lucey", venue="ECCV 2022")
_WAVKAN_REF = ref("Wav-KAN: Wavelet Kolmogorov-Arnold Networks", "2405.12832", 2024, authors="Bozorgasl, Chen")


def _one(x: Tensor) -> Tensor:
    return torch.ones_like(x)


# ---------------------------------------------------------- RBF kernels

@activation(
    "gaussian", aliases=("gaussian_rbf",), family=FAMILY, formula=r"e^{-x^2}", reference=_RBF_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def gaussian(x: Tensor) -> Tensor:
    """Gaussian bump: f(x) = exp(−x²).

    The Gaussian radial basis function of RBF networks (Broomhead & Lowe,
    "Multivariable functional interpolation and adaptive networks", Complex Systems
    2, 1988); also the Gaussian activation of coordinate-MLPs (Ramasinghe & Lucey,
    arXiv 2111.15135, 2021, with a width a folded into the preceding layer).
    No parameters.
    """
    return torch.exp(-x * x)


@gaussian.derivative
def _(x: Tensor) -> Tensor:
    return -2.0 * (x * torch.exp(-x * x))  # x·e^{−x²} first: 2x overflows near the float maximum


@activation(
    "laplacian", aliases=("laplace_rbf",), family=FAMILY, formula=r"e^{-|x|}", reference=_COORD_MLP_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def laplacian(x: Tensor) -> Tensor:
    """Laplacian bump: f(x) = exp(−|x|).

    Ramasinghe & Lucey, "Beyond Periodicity", arXiv 2111.15135, 2021 (written
    exp(−|x|/a); a = 1 here). A kink at 0. No parameters.
    """
    return torch.exp(-x.abs())


@laplacian.derivative
def _(x: Tensor) -> Tensor:
    return -torch.sign(x) * torch.exp(-x.abs())


@activation(
    "inverse_quadratic", aliases=("inverse_quadric",), family=FAMILY, formula=r"\frac{1}{1 + x^2}",
    reference=_COORD_MLP_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def inverse_quadratic(x: Tensor) -> Tensor:
    """Inverse quadratic (Cauchy kernel): f(x) = 1/(1 + x²).

    A standard RBF kernel; the "quadratic" activation of Ramasinghe & Lucey,
    arXiv 2111.15135, 2021 (1/(1 + (ax)²), a = 1 here). No parameters.
    """
    return 1.0 / (1.0 + x * x)


@inverse_quadratic.derivative
def _(x: Tensor) -> Tensor:
    f = 1.0 / (1.0 + x * x)
    return -2.0 * ((x * f) * f)  # x·f first: 2x overflows near the float maximum


@activation(
    "multiquadric", family=FAMILY, formula=r"\sqrt{1 + x^2}",
    reference=ref("Multiquadric equations of topography and other irregular surfaces", None, 1971,
                  authors="Hardy", venue="Journal of Geophysical Research 76(8); used as an RBF by Broomhead & "
                                         "Lowe 1988"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=1.0, bounded_above=False,
                    even=True),
)
def multiquadric(x: Tensor) -> Tensor:
    """Multiquadric: f(x) = √(1 + x²).

    Hardy, "Multiquadric equations of topography and other irregular surfaces",
    J. Geophys. Res. 76, 1971; one of the RBFs of Broomhead & Lowe (1988).
    Computed with hypot, which never overflows. No parameters.
    """
    return torch.hypot(x, _one(x))


@multiquadric.derivative
def _(x: Tensor) -> Tensor:
    return x / torch.hypot(x, _one(x))


@activation(
    "inverse_multiquadric", family=FAMILY, formula=r"\frac{1}{\sqrt{1 + x^2}}", reference=_COORD_MLP_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def inverse_multiquadric(x: Tensor) -> Tensor:
    """Inverse multiquadric: f(x) = 1/√(1 + x²).

    An RBF of Broomhead & Lowe (1988); the "multi-quadratic" activation of
    Ramasinghe & Lucey, arXiv 2111.15135, 2021 (a = 1 here). No parameters.
    """
    return 1.0 / torch.hypot(x, _one(x))


@inverse_multiquadric.derivative
def _(x: Tensor) -> Tensor:
    f = 1.0 / torch.hypot(x, _one(x))
    return -x * f * f * f


@activation(
    "thin_plate_spline", aliases=("thin_plate",), family=FAMILY, formula=r"x^2 \ln|x|", reference=_RBF_REF,
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=-0.5 / math.e,
                    bounded_above=False, even=True),
)
def thin_plate_spline(x: Tensor) -> Tensor:
    """Thin-plate spline: f(x) = x²·ln|x| (0 at x = 0).

    One of the RBFs of Broomhead & Lowe (Complex Systems 2, 1988). Minimum −1/(2e)
    at |x| = e^(−1/2); C¹ at the origin (the second derivative 2 ln|x| + 3 diverges).
    No parameters.
    """
    xs = torch.where(x == 0, 1.0, x)  # ln|x| is never evaluated at 0
    return x * x * torch.log(xs.abs())


@thin_plate_spline.derivative
def _(x: Tensor) -> Tensor:
    xs = torch.where(x == 0, 1.0, x)
    return x * (2.0 * torch.log(xs.abs()) + 1.0)


@activation(
    "cubic_rbf", family=FAMILY, formula=r"|x|^3", reference=_RBF_REF,
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
)
def cubic_rbf(x: Tensor) -> Tensor:
    """Cubic RBF: f(x) = |x|³.

    The cubic radial basis function of Broomhead & Lowe (1988). C² (the third
    derivative jumps at 0). No parameters.
    """
    a = x.abs()
    return a * a * a


@cubic_rbf.derivative
def _(x: Tensor) -> Tensor:
    return 3.0 * x * x.abs()


@activation(
    "wendland", aliases=("wendland_c2",), family=FAMILY, formula=r"(1 - |x|)_+^4\,(4|x| + 1)",
    reference=ref("Piecewise polynomial, positive definite and compactly supported radial functions of minimal "
                  "degree", None, 1995, authors="Wendland", venue="Advances in Computational Mathematics 4:389-396"),
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def wendland(x: Tensor) -> Tensor:
    """Wendland's compactly supported C² function φ₃,₁: f(x) = (1 − |x|)₊⁴·(4|x| + 1).

    Wendland, Adv. Comput. Math. 4, 1995. Exactly 0 for |x| ≥ 1 (sparse
    activations and sparse gradients) and C² everywhere. No parameters.
    """
    a = x.abs()
    t = torch.clamp_min(1.0 - a, 0.0)
    t2 = t * t
    return t2 * t2 * (4.0 * torch.clamp_max(a, 1.0) + 1.0)  # clamp: 0·(4|x| + 1) is NaN once 4|x| overflows


@wendland.derivative
def _(x: Tensor) -> Tensor:
    t = torch.clamp_min(1.0 - x.abs(), 0.0)
    return -20.0 * (x * (t * t * t))  # x·t³ first: 20x overflows where t = 0


@activation(
    "sech", aliases=("hyperbolic_secant",), family=FAMILY, formula=r"\operatorname{sech}(x) = \frac{2}{e^x + e^{-x}}",
    reference=ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for Neural "
                  "Networks", "2402.09092", 2024, authors="Kunc, Kléma", venue="survey reference: no single original source"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def sech(x: Tensor) -> Tensor:
    """Hyperbolic secant: f(x) = 1/cosh(x) = 2e^{−|x|}/(1 + e^{−2|x|}).

    No single original paper; referenced to the survey by Kunc & Kléma (arXiv
    2402.09092, 2024). The
    e^{−|x|} form never overflows. No parameters.
    """
    e = torch.exp(-x.abs())
    return 2.0 * e / (1.0 + e * e)


@sech.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(-x.abs())
    return -2.0 * e / (1.0 + e * e) * torch.tanh(x)


# ------------------------------------------------------------- Cauchy, Elephant

@activation(
    "cauchy", family=FAMILY, formula=r"\frac{\lambda_1 x + \lambda_2}{x^2 + d^2}",
    reference=ref("Cauchy activation function and XNet", "2409.19221", 2024, authors="Li, Xia, Zhang"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=(1.0 - math.sqrt(2.0)) / 2.0,
                    bounded_above=(1.0 + math.sqrt(2.0)) / 2.0),
    params=dict(lambda1=P(None, None, doc="weight λ₁ of the odd part x/(x²+d²)"),
                lambda2=P(None, None, doc="weight λ₂ of the even part 1/(x²+d²)"),
                d=P(0.0, None, open_low=True, doc="width d > 0")),
)
def cauchy(x: Tensor, lambda1: float = 1.0, lambda2: float = 1.0, d: float = 1.0) -> Tensor:
    """Cauchy activation (fixed): f(x) = λ₁·x/(x² + d²) + λ₂/(x² + d²).

    Li, Xia & Zhang, "Cauchy activation function and XNet", arXiv 2409.19221, 2024:
    the real and imaginary parts of the Cauchy kernel 1/(x + i·d), with λ₁, λ₂, d
    trained per neuron (the trainable version is ``cauchy_xnet``). The second term
    is λ₂/(x² + d²), as the Cauchy-kernel derivation gives. Defaults λ₁ = λ₂ = d = 1
    (our choice); then the extrema are (1 ± √2)/2 at x = −1 ± √2.
    """
    q = 1.0 / (x * x + d * d)
    return (lambda1 * x + lambda2) * q


@cauchy.derivative
def _(x: Tensor, lambda1: float, lambda2: float, d: float) -> Tensor:
    q = 1.0 / (x * x + d * d)
    r = x * q  # finite for every x (x/inf = 0)
    # d/dx [(λ₁x + λ₂)/(x² + d²)] = λ₁(d² − x²)/(x²+d²)² − 2λ₂x/(x²+d²)²
    return lambda1 * (d * d * q * q - r * r) - 2.0 * lambda2 * r * q


@activation(
    "elephant", family=FAMILY, formula=r"\frac{1}{1 + |x/a|^{d}}",
    reference=ref("Elephant Neural Networks: Born to Be a Continual Learner", "2310.01365", 2023,
                  authors="Lan, Mahmood"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
    params=dict(a=P(0.0, None, open_low=True, doc="half-width a > 0 (f(±a) = 1/2)"),
                d=P(1.0, None, open_low=True, doc="steepness d > 1 of the flanks")),
)
def elephant(x: Tensor, a: float = 2.0, d: float = 8.0) -> Tensor:
    """Elephant function: f(x) = 1/(1 + |x/a|^d).

    Lan & Mahmood, "Elephant Neural Networks: Born to Be a Continual Learner", arXiv
    2310.01365, 2023: a flat-topped bump whose outputs and gradients are both
    sparse, which reduces forgetting. a sets the width, d the steepness; the paper
    tunes them per task. Defaults a = 2, d = 8 follow public re-implementations
    (unverified against the paper's tables). Computed as σ(−d·ln|x/a|), which is
    exact, finite for every input and 1 at x = 0. C^∞ for even integer d (the
    default); only C^⌊d⌋ at 0 otherwise.
    """
    return torch.sigmoid(-d * torch.log(x.abs() / a))


@elephant.derivative
def _(x: Tensor, a: float, d: float) -> Tensor:
    # f' = −(d/a)·sign(x)·|u|^{d−1}/(1 + |u|^d)², u = x/a, in log space so nothing overflows
    lu = torch.log(x.abs() / a)
    return -(d / a) * torch.sign(x) * torch.exp((d - 1.0) * lu - 2.0 * softplus(d * lu))


# ------------------------------------------------------------------ wavelets

@activation(
    "mexican_hat", aliases=("ricker",), family=FAMILY, formula=r"(1 - x^2)\,e^{-x^2/2}",
    reference=ref("Wavelet networks", None, 1992, authors="Zhang, Benveniste",
                  venue="IEEE Transactions on Neural Networks 3(6):889-898"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-2.0 * math.exp(-1.5),
                    bounded_above=1.0, even=True),
)
def mexican_hat(x: Tensor) -> Tensor:
    """Mexican hat (Ricker) wavelet, unnormalised: f(x) = (1 − x²)·exp(−x²/2).

    The mother wavelet of Zhang & Benveniste's wavelet networks (IEEE TNN 3(6),
    1992); Wav-KAN (arXiv 2405.12832) uses the same shape with the normalisation
    2/(√3·π^{1/4}) and the opposite sign. Minimum −2e^{−3/2} at |x| = √3.
    x² is capped at 10⁴ (where the value is already 0 in float64) so that
    (1 − x²)·0 never becomes inf·0. No parameters.
    """
    x2 = torch.clamp_max(x * x, 1e4)
    return (1.0 - x2) * torch.exp(-0.5 * x2)


@mexican_hat.derivative
def _(x: Tensor) -> Tensor:
    x2 = torch.clamp_max(x * x, 1e4)
    return (x * torch.exp(-0.5 * x2)) * (x2 - 3.0)  # x·e^{−x²/2} first: it is 0 wherever the product would overflow


@activation(
    "morlet", family=FAMILY, formula=r"\cos(\omega_0 x)\,e^{-x^2/2}", reference=_WAVKAN_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.8271098596647777,
                    bounded_above=1.0, even=True),
    params=dict(w0=P(0.0, None, open_low=True, doc="central frequency ω₀ (5 in Wav-KAN)")),
)
def morlet(x: Tensor, w0: float = 5.0) -> Tensor:
    """Real Morlet wavelet: f(x) = cos(ω₀x)·exp(−x²/2), ω₀ = 5.

    The Morlet wavelet of Wav-KAN (Bozorgasl & Chen, arXiv 2405.12832, 2024),
    with the central frequency ω₀ = 5 used there. Minimum ≈ −0.82711 at |x| ≈ 0.6043
    for ω₀ = 5.
    """
    return torch.cos(_finite_phase(w0, x)) * torch.exp(-0.5 * x * x)


@morlet.derivative
def _(x: Tensor, w0: float) -> Tensor:
    e = torch.exp(-0.5 * x * x)
    p = _finite_phase(w0, x)
    return torch.where(e == 0, 0.0, -(w0 * torch.sin(p) + x * torch.cos(p)) * e)

def _finite_phase(w0: float, x: Tensor) -> Tensor:
    """ω₀·x clamped to the finite range: beyond it the window is 0 and cos(inf) would make 0·NaN."""
    big = torch.finfo(x.dtype).max
    return torch.clamp(w0 * x, -big, big)



@activation(
    "dog", aliases=("derivative_of_gaussian",), family=FAMILY, formula=r"x\,e^{-x^2/2}", reference=_WAVKAN_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-math.exp(-0.5),
                    bounded_above=math.exp(-0.5), odd=True),
)
def dog(x: Tensor) -> Tensor:
    """Derivative-of-Gaussian wavelet: f(x) = −d/dx e^{−x²/2} = x·exp(−x²/2).

    The DoG wavelet of Wav-KAN (Bozorgasl & Chen, arXiv 2405.12832, 2024). Odd,
    extrema ±e^{−1/2} at x = ±1. No parameters.
    """
    return x * torch.exp(-0.5 * x * x)


@dog.derivative
def _(x: Tensor) -> Tensor:
    x2 = torch.clamp_max(x * x, 1e4)
    return (1.0 - x2) * torch.exp(-0.5 * x2)


# ------------------------------------------------------- KAN basis bumps

_KAN_REF = ref("KAN: Kolmogorov-Arnold Networks", "2404.19756", 2024,
               authors="Liu, Wang, Vaidya, Ruehle, Halverson, Soljačić, Hou, Tegmark", venue="ICLR 2025")


@activation(
    "hat", aliases=("linear_bspline", "tent"), family=FAMILY, formula=r"\max(0, 1 - |x|)", reference=_KAN_REF,
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True, piecewise_linear=True),
)
def hat(x: Tensor) -> Tensor:
    """Hat (tent) function: f(x) = max(0, 1 − |x|), the centred linear cardinal B-spline.

    The order-1 member of the B-spline bases of KAN (Liu et al., arXiv 2404.19756,
    2024; KAN's default is order 3, see ``cubic_bspline``). No parameters.
    """
    return torch.clamp_min(1.0 - x.abs(), 0.0)


@hat.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x.abs() < 1.0, -torch.sign(x), 0.0)


@activation(
    "cubic_bspline", family=FAMILY,
    formula=r"\begin{cases} \tfrac23 - x^2 + \tfrac12|x|^3 & |x| \le 1 \\ \tfrac16(2 - |x|)^3 & 1 < |x| < 2 "
            r"\\ 0 & |x| \ge 2 \end{cases}",
    reference=_KAN_REF,
    properties=dict(monotonic=False, smooth="C2", zero_at_zero=False, bounded_below=0.0, bounded_above=2.0 / 3.0,
                    even=True),
)
def cubic_bspline(x: Tensor) -> Tensor:
    """Centred uniform cubic B-spline: support [−2, 2], peak 2/3 at 0, C².

    The basis function of KAN's splines at its default order k = 3 (Liu et al.,
    "KAN: Kolmogorov-Arnold Networks", arXiv 2404.19756, 2024), on unit knot
    spacing. No parameters.
    """
    a = x.abs()
    inner = 2.0 / 3.0 - a * a + 0.5 * a * a * a
    t = torch.clamp_min(2.0 - a, 0.0)
    return torch.where(a <= 1.0, inner, t * t * t / 6.0)


@cubic_bspline.derivative
def _(x: Tensor) -> Tensor:
    a = x.abs()
    t = torch.clamp_min(2.0 - a, 0.0)
    return torch.where(a <= 1.0, -2.0 * x + 1.5 * x * a, -0.5 * torch.sign(x) * t * t)


@activation(
    "relu_kan_bump", family=FAMILY,
    formula=r"\frac{16}{(e-s)^4}\left[\mathrm{ReLU}(e - x)\,\mathrm{ReLU}(x - s)\right]^2",
    reference=ref("ReLU-KAN: New Kolmogorov-Arnold Networks that Only Need Matrix Addition, Dot Multiplication, "
                  "and ReLU", "2406.02075", 2024, authors="Qiu et al."),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
    params=dict(s=P(None, None, doc="left end s of the support"), e=P(None, None, doc="right end e > s of the support")),
    constraints=ordered("s", "e"),
)
def relu_kan_bump(x: Tensor, s: float = -1.0, e: float = 1.0) -> Tensor:
    """ReLU-KAN basis function: f(x) = [ReLU(e − x)·ReLU(x − s)]²·16/(e − s)⁴.

    Qiu et al., "ReLU-KAN", arXiv 2406.02075, 2024: a bump on [s, e] with peak 1 at
    the midpoint, built only from ReLU and products. s and e are per-basis (and
    optionally trainable) in the paper; the fixed default support is [−1, 1], where
    f(x) = (1 − x²)² inside. Requires e > s.
    """
    p = torch.clamp_min(e - x, 0.0) * torch.clamp_min(x - s, 0.0)
    return p * p * (16.0 / (e - s) ** 4)


@relu_kan_bump.derivative
def _(x: Tensor, s: float, e: float) -> Tensor:
    r_e, r_s = torch.clamp_min(e - x, 0.0), torch.clamp_min(x - s, 0.0)
    return 2.0 * (r_e * r_s) * (r_e - r_s) * (16.0 / (e - s) ** 4)


@activation(
    "rswaf", aliases=("sech_squared",), family=FAMILY, formula=r"1 - \tanh^2(x) = \operatorname{sech}^2(x)",
    reference=ref("FasterKAN: reflectional switch activation functions (RSWAF)", None, 2024, authors="Delis",
                  venue="github.com/AthanasiosDelis/faster-kan (no paper)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def rswaf(x: Tensor) -> Tensor:
    """Reflectional switch activation function: f(x) = 1 − tanh²(x) = sech²(x).

    The basis bump of FasterKAN (Delis, 2024, GitHub only), applied there to
    (u − uᵢ)/h. Computed as 4e^{−2|x|}/(1 + e^{−2|x|})², which never overflows and
    keeps full relative precision in the tails. No parameters.
    """
    e = torch.exp(-2.0 * x.abs())
    d = 1.0 + e
    return 4.0 * e / (d * d)


@rswaf.derivative
def _(x: Tensor) -> Tensor:
    e = torch.exp(-2.0 * x.abs())
    d = 1.0 + e
    return -2.0 * torch.tanh(x) * (4.0 * e / (d * d))


@activation(
    "gabor", aliases=("real_gabor", "wire_real"), family=FAMILY, formula=r"\cos(\omega_0 x)\,e^{-(s_0 x)^2}",
    reference=ref("WIRE: Wavelet Implicit Neural Representations", "2301.05187", 2023,
                  authors="Saragadam, LeJeune, Tan, Balakrishnan, Veeraraghavan, Baraniuk", venue="CVPR"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.1775717977427983,
                    bounded_above=1.0, even=True),
    params=dict(w0=P(0.0, None, open_low=True, doc="carrier frequency ω₀"),
                s0=P(0.0, None, open_low=True, doc="inverse width s₀ of the Gaussian window")),
)
def gabor(x: Tensor, w0: float = 20.0, s0: float = 10.0) -> Tensor:
    """Real Gabor wavelet (WIRE, real variant): f(x) = cos(ω₀x)·exp(−(s₀x)²).

    Saragadam et al., "WIRE: Wavelet Implicit Neural Representations", arXiv
    2301.05187, 2023. WIRE's main activation is the complex Gabor wavelet
    e^{iω₀x}·e^{−|s₀x|²}; its real-valued variant (this unit) keeps the real part.
    ω₀ = 20, s₀ = 10 are one of the settings used in WIRE's experiments (the
    repository's defaults vary by task; unverified against the paper's tables).
    The minimum ≈ −0.17757 at |x| ≈ 0.1144 is for these defaults.
    """
    return torch.cos(_finite_phase(w0, x)) * torch.exp(-(s0 * x) ** 2)


@gabor.derivative
def _(x: Tensor, w0: float, s0: float) -> Tensor:
    e = torch.exp(-(s0 * x) ** 2)
    p = _finite_phase(w0, x)
    return torch.where(e == 0, 0.0, -(w0 * torch.sin(p) + 2.0 * s0 * s0 * x * torch.cos(p)) * e)
