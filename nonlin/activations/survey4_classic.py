"""Transfer functions of computational neuroscience and classic networks, and HE-friendly polynomials (issue 13).

Three groups, each unit with the constants its primary source publishes:

* neural response functions: the Naka–Rushton (Hill) contrast response, the
  leaky integrate-and-fire rate and its smoothed "soft LIF" of Hunsberger &
  Eliasmith, and the Abbott–Chance input–output function with Wong & Wang's
  constants;
* the cosine squasher of Gallant & White, the squashing function of the early
  universal-approximation papers;
* polynomials that homomorphic encryption evaluates with additions and
  multiplications only: Kim et al.'s least-squares sigmoids of degree 3, 5 and
  7 for logistic regression on encrypted data, and Cheon et al.'s sign
  polynomials f_n for homomorphic comparison.  Polynomials diverge: every
  bound here is declared ``False`` and each docstring gives the interval the
  approximation was fitted on.

Left out as duplicates (``nonlin similar`` distance ~0 after affine maps of
input and output): the Wilson–Cowan sigmoid (an affine map of ``sigmoid``),
Hahnloser's threshold-linear units (``relu``, ``hardtanh``), Elliott's
"elliot2sig" x|x|/(1+x²) (= ``capsule_squash``), the type-I √(x − θ) rate
(= ``frac_relu``), the wavelet-network mother wavelet −x e^{−x²/2} (= ``dog``),
the stabilised-supralinear k[x]₊ⁿ (= ``repu``) and every quadratic
ReLU/GELU replacement (an affine map of ``square``; AESPA, CryptoDL, Delphi).
Cubic approximations of the sigmoid are all affine maps of one another, so only
Kim et al.'s is kept.  Hodgkin–Huxley's rate α(V) = a(V − V₀)/(1 − e^{−(V−V₀)/k})
is the Abbott–Chance form (``wong_wang_rate``) up to affine maps.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._math import softplus
from ..elementwise import activation
from ..registry import P, ref

# ---------------------------------------------------------------- neural response functions


@activation(
    "naka_rushton", family="sigmoidal",
    formula=r"\begin{cases} \dfrac{x^n}{x^n + c_{50}^n} & x > 0\\ 0 & x \le 0\end{cases}",
    reference=ref("S-potentials from colour units in the retina of fish (Cyprinidae)", None, 1966,
                  authors="Naka, Rushton", venue="Journal of Physiology 185(3):536-555"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=0.0, bounded_above=1.0),
    params=dict(n=P(1.0, None, doc="exponent n (2: Heeger's normalisation model; >= 1 keeps the slope at 0 finite)"),
                c50=P(0.0, None, open_low=True, doc="semi-saturation input c50 (f(c50) = 1/2; nonlin's unit 1)")),
)
def naka_rushton(x: Tensor, n: float = 2.0, c50: float = 1.0) -> Tensor:
    """Naka–Rushton (Hill) response xⁿ/(xⁿ + c50ⁿ) of a half-rectified input; 0 for x <= 0.

    Naka & Rushton (J. Physiol. 1966) fitted the S-potentials of fish retina by
    R = R_max·I/(I + σ) (n = 1); the exponent n was added to describe cortical
    contrast responses (Albrecht & Hamilton, J. Neurophysiol. 1982).  Default
    n = 2 is the half-squaring of Heeger's normalisation model ("Normalization of
    cell responses in cat striate cortex", Visual Neuroscience 9, 1992), the
    shape of the sigmoid signal functions w²/(α + w²) Grossberg analysed (1973);
    n = 1 is the saturation φ/(α + φ) of the C-cells of Fukushima's neocognitron
    (Biol. Cybern. 36, 1980).  c50 = 1 (the input unit) is nonlin's choice.  Primary papers not
    retrieved here; the formula is the standard Hill form they share.

    Computed as 1/(1 + (c50/x)ⁿ) so that xⁿ never overflows; C1 at 0 for n >= 2
    (C0 for 1 <= n < 2), bounded in [0, 1].
    """
    xs = torch.where(x <= 0, 1.0, x)  # the dropped branch stays finite; NaN stays NaN
    return torch.where(x <= 0, 0.0, 1.0 / (1.0 + (c50 / xs) ** n))


@naka_rushton.derivative
def _(x: Tensor, n: float, c50: float) -> Tensor:
    # f' = n·t(1−t)/x with t = 1/(1+u), u = (c50/x)^n, i.e. n / (x (u + 2 + 1/u)): 0 where u under/overflows
    xs = torch.where(x <= 0, 1.0, x)
    u = (c50 / xs) ** n
    return torch.where(x <= 0, 0.0, n / (xs * (u + 2.0 + 1.0 / u)))


_LIF_TAU_REF = 0.002  # s, refractory period (Nengo's LIFRate default, used by the authors' SoftLIF layers)
_LIF_TAU_RC = 0.02  # s, membrane time constant


def _lif_reference():
    return ref("Spiking Deep Networks with LIF Neurons", "1510.08829", 2015, authors="Hunsberger, Eliasmith")


@activation(
    "lif_rate", family="rectifiers",
    formula=r"\begin{cases} \bigl[\tau_{ref} + \tau_{RC}\ln\bigl(1 + \tfrac{1}{x - 1}\bigr)\bigr]^{-1} & x > 1\\"
            r" 0 & x \le 1\end{cases}",
    reference=_lif_reference(),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0,
                    bounded_above=1.0 / _LIF_TAU_REF),
    params=dict(tau_ref=P(0.0, None, open_low=True, doc="refractory period τ_ref in s (rate <= 1/τ_ref)"),
                tau_rc=P(0.0, None, open_low=True, doc="membrane RC time constant τ_RC in s")),
)
def lif_rate(x: Tensor, tau_ref: float = _LIF_TAU_REF, tau_rc: float = _LIF_TAU_RC) -> Tensor:
    """Steady firing rate of a leaky integrate-and-fire neuron driven by a constant input x (threshold 1).

    Hunsberger & Eliasmith (arXiv 1510.08829) write the LIF response as
    r(j) = [τ_ref − τ_RC·ln(1 − V_th/j)]⁻¹ for j > V_th and 0 otherwise, with the
    input normalised so that V_th = 1; ln(1 + 1/(x − 1)) is the same logarithm
    without the cancellation of 1 − 1/x.  Defaults τ_RC = 0.02 s, τ_ref = 0.002 s
    are Nengo's LIF constants, the defaults of the authors' released SoftLIF
    layers (nengo_extras); the paper's own values could not be read here.
    Output in Hz, in [0, 1/τ_ref) = [0, 500); the slope is infinite just above
    the threshold (the reason the paper smooths it, see ``soft_lif``).
    """
    xs = torch.where(x <= 1, 2.0, x)
    return torch.where(x <= 1, 0.0, 1.0 / (tau_ref + tau_rc * torch.log1p(1.0 / (xs - 1.0))))


@lif_rate.derivative
def _(x: Tensor, tau_ref: float, tau_rc: float) -> Tensor:
    # d/dx ln(1 + 1/(x−1)) = −1/(x(x−1))  =>  r' = r²·τ_RC / (x(x−1))
    xs = torch.where(x <= 1, 2.0, x)
    r = 1.0 / (tau_ref + tau_rc * torch.log1p(1.0 / (xs - 1.0)))
    return torch.where(x <= 1, 0.0, (r / xs) * (r * tau_rc / (xs - 1.0)))


_TAIL = -30.0  # below this z, ln softplus(z) = z − e^z/2 to float64 rounding


def _log_softplus(z: Tensor) -> Tensor:
    """ln(ln(1 + e^z)), finite for every z > −inf (softplus underflows to 0 near z = −745)."""
    direct = torch.log(softplus(torch.clamp_min(z, _TAIL)))
    tail = z - 0.5 * torch.exp(torch.clamp_max(z, _TAIL))
    return torch.where(z < _TAIL, tail, direct)


def _soft_lif_log_term(x: Tensor, sigma: float) -> tuple[Tensor, Tensor, Tensor]:
    """(z, j, ln(1 + 1/j)) with z = (x − 1)/σ and j = σ·softplus(z)."""
    z = (x - 1.0) / sigma
    j = sigma * softplus(z)
    big = torch.log1p(1.0 / torch.clamp_min(j, 1.0))  # j >= 1: 1/j is small
    small = torch.log1p(torch.clamp_max(j, 1.0)) - (math.log(sigma) + _log_softplus(z))  # ln((1+j)/j), j tiny
    return z, j, torch.where(j >= 1.0, big, small)


@activation(
    "soft_lif", family="smooth_rectifiers",
    formula=r"\bigl[\tau_{ref} + \tau_{RC}\ln\bigl(1 + 1/j\bigr)\bigr]^{-1},\ "
            r"j = \sigma\ln\bigl(1 + e^{(x - 1)/\sigma}\bigr)",
    reference=_lif_reference(),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0,
                    bounded_above=1.0 / _LIF_TAU_REF),
    params=dict(sigma=P(0.0, None, open_low=True, doc="smoothing σ (γ in the paper) of the threshold"),
                tau_ref=P(0.0, None, open_low=True, doc="refractory period τ_ref in s (rate <= 1/τ_ref)"),
                tau_rc=P(0.0, None, open_low=True, doc="membrane RC time constant τ_RC in s")),
)
def soft_lif(x: Tensor, sigma: float = 1.0, tau_ref: float = _LIF_TAU_REF, tau_rc: float = _LIF_TAU_RC) -> Tensor:
    """Soft LIF rate: the LIF response with its rectified input j = [x − 1]₊ replaced by a softplus.

    Hunsberger & Eliasmith (arXiv 1510.08829) smooth the LIF response so that
    its derivative stays bounded: ρ(j) = γ·ln(1 + e^{j/γ}) replaces max(j, 0) in
    r = [τ_ref + τ_RC ln(1 + 1/ρ(x − 1))]⁻¹.  Defaults σ = γ = 1, τ_RC = 0.02 s,
    τ_ref = 0.002 s are those of the authors' released SoftLIF layers (nengo_extras
    ``SoftLIFRate`` and its Keras ``SoftLIF``); the paper's own values could not be
    read here.  Tends to ``lif_rate`` as σ → 0.

    Far below threshold j underflows (e^{(x−1)/σ}), so ln(1 + 1/j) is computed as
    ln(1 + j) − ln j with ln j = ln σ + ln softplus(z) taken asymptotically: the rate
    keeps its true, slowly decaying value ≈ 1/(τ_RC·|z|) instead of dropping to 0.
    """
    _, _, log_term = _soft_lif_log_term(x, sigma)
    return 1.0 / (tau_ref + tau_rc * log_term)


@soft_lif.derivative
def _(x: Tensor, sigma: float, tau_ref: float, tau_rc: float) -> Tensor:
    # r' = r²·τ_RC·σ'(z)/(j(1+j)); σ'(z)/j = (sigmoid(z)/softplus(z))/σ, a ratio in (0, 1] that is
    # 1 − e^z/2 in the far tail (both factors underflow there)
    z, j, log_term = _soft_lif_log_term(x, sigma)
    r = 1.0 / (tau_ref + tau_rc * log_term)
    zs = torch.clamp_min(z, _TAIL)
    ratio = torch.where(z < _TAIL, 1.0 - 0.5 * torch.exp(torch.clamp_max(z, _TAIL)),
                        torch.sigmoid(zs) / softplus(zs))
    return r * r * tau_rc * ratio / (sigma * (1.0 + j))


# Wong & Wang (2006): H(x) = (a x − b) / (1 − exp(−d (a x − b)))
_WW_A, _WW_B, _WW_D = 270.0, 108.0, 0.154  # Hz/nA, Hz, s
_SERIES = 0.1  # |t| below this: Taylor series of t/(1 − e^{−t}) (the closed forms cancel there)


def _abbott_chance(t: Tensor) -> Tensor:
    """g(t) = t / (1 − e^{−t}), g(0) = 1, finite for every t (0 at −inf, t at +inf)."""
    ts = torch.clamp(t, -_SERIES, _SERIES)
    series = 1.0 + ts * (0.5 + ts * (1.0 / 12 + ts * ts * (-1.0 / 720 + ts * ts / 30240)))
    tp = torch.clamp_min(t, _SERIES)
    pos = tp / -torch.expm1(-tp)
    tn = torch.clamp(t, -1e4, -_SERIES)  # t e^t underflows to 0 long before −1e4
    neg = tn * torch.exp(tn) / torch.expm1(tn)
    return torch.where(t.abs() < _SERIES, series, torch.where(t > 0, pos, neg))


def _abbott_chance_slope(t: Tensor) -> Tensor:
    """g'(t) = (1 − e^{−t}(1 + t)) / (1 − e^{−t})², in (0, 1)."""
    ts = torch.clamp(t, -_SERIES, _SERIES)
    series = 0.5 + ts * (1.0 / 6 + ts * ts * (-1.0 / 180 + ts * ts / 5040))
    tp = torch.clamp(t, _SERIES, 1e4)
    em = -torch.expm1(-tp)  # 1 − e^{−t}
    pos = (em - tp * torch.exp(-tp)) / (em * em)
    tn = torch.clamp(t, -1e4, -_SERIES)
    e1 = torch.expm1(tn)  # multiply through by e^{2t}: e^t (e^t − 1 − t) / (e^t − 1)²
    neg = torch.exp(tn) * (e1 - tn) / (e1 * e1)
    return torch.where(t.abs() < _SERIES, series, torch.where(t > 0, pos, neg))


@activation(
    "wong_wang_rate", family="smooth_rectifiers",
    formula=r"\dfrac{a x - b}{1 - e^{-d (a x - b)}},\ a = 270,\ b = 108,\ d = 0.154",
    reference=ref("A recurrent network mechanism of time integration in perceptual decisions", None, 2006,
                  authors="Wong, Wang", venue="Journal of Neuroscience 26(4):1314-1328"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="gain a in Hz/nA"),
                b=P(None, None, doc="offset b in Hz (threshold current b/a)"),
                d=P(0.0, None, open_low=True, doc="curvature d in s (sharpness of the threshold)")),
)
def wong_wang_rate(x: Tensor, a: float = _WW_A, b: float = _WW_B, d: float = _WW_D) -> Tensor:
    """Abbott–Chance input–output function with Wong & Wang's constants: rate (Hz) of an input current x (nA).

    H(x) = (a x − b)/(1 − e^{−d(a x − b)}) with a = 270 Hz/nA, b = 108 Hz,
    d = 0.154 s, the excitatory population's transfer function of Wong & Wang's
    reduced decision-making model (J. Neurosci. 2006); the form is Abbott &
    Chance's fit to the rate of a noisy integrate-and-fire neuron ("Drivers and
    modulators from push-pull and balanced synaptic input", Prog. Brain Res. 149,
    2005).  Primary papers not retrieved here; the constants are the widely
    reproduced ones of the 2006 paper.  A smooth rectifier: H → a x − b above the
    threshold b/a = 0.4 nA, H → 0 (as |u|e^{−d|u|}) below, H(0.4) = 1/d ≈ 6.49 Hz.
    """
    return _abbott_chance(d * (a * x - b)) / d


@wong_wang_rate.derivative
def _(x: Tensor, a: float, b: float, d: float) -> Tensor:
    return a * _abbott_chance_slope(d * (a * x - b))


# ---------------------------------------------------------------- classic squashing function

_HALF_PI = 0.5 * math.pi


@activation(
    "cosine_squasher", family="sigmoidal",
    formula=r"\begin{cases} 0 & x < -\pi/2\\ \tfrac12\bigl(1 + \cos(x + 3\pi/2)\bigr) & |x| \le \pi/2\\"
            r" 1 & x > \pi/2\end{cases}",
    reference=ref("There exists a neural network that does not make avoidable mistakes", None, 1988,
                  authors="Gallant, White", venue="IEEE International Conference on Neural Networks 1988, I:657-664"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0),
)
def cosine_squasher(x: Tensor) -> Tensor:
    """Gallant & White's cosine squasher: ½(1 + cos(x + 3π/2)) = ½(1 + sin x) on [−π/2, π/2], 0 below, 1 above.

    The squashing function of Gallant & White (ICNN 1988), whose networks
    reproduce Fourier series; Hornik, Stinchcombe & White ("Multilayer feedforward
    networks are universal approximators", Neural Networks 2, 1989) use it as their
    example of a squashing function.  Primary paper not retrieved here; the formula
    is the one quoted in the 1989 paper.  C1 (the slope ½cos x vanishes at ±π/2),
    a half period of a sine joining the two saturations.
    """
    return 0.5 * (1.0 + torch.sin(torch.clamp(x, -_HALF_PI, _HALF_PI)))


@cosine_squasher.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x.abs() < _HALF_PI, 0.5 * torch.cos(x), 0.0)


# ---------------------------------------------------------------- polynomials for homomorphic encryption

def _odd_poly(u: Tensor, coeffs: tuple[float, ...]) -> Tensor:
    """Σ_k coeffs[k]·u^{2k+1}, Horner in u² (no inf − inf when u² overflows)."""
    u2 = u * u
    acc = coeffs[-1] * torch.ones_like(u)
    for c in reversed(coeffs[:-1]):
        acc = c + u2 * acc
    return u * acc


def _odd_poly_slope(u: Tensor, coeffs: tuple[float, ...], scale: float = 1.0) -> Tensor:
    """scale · d/du of :func:`_odd_poly`: Σ_k scale·(2k+1)·coeffs[k]·u^{2k} (the scale inside the
    coefficients, so that the sum overflows only where the scaled slope itself does)."""
    return _even_poly(u * u, tuple(scale * (2 * k + 1) * c for k, c in enumerate(coeffs)))


def _even_poly(u2: Tensor, coeffs: tuple[float, ...]) -> Tensor:
    acc = coeffs[-1] * torch.ones_like(u2)
    for c in reversed(coeffs[:-1]):
        acc = c + u2 * acc
    return acc


def _kim_reference():
    return ref("Logistic regression model training based on the approximate homomorphic encryption", None, 2018,
               authors="Kim, Song, Kim, Lee, Cheon", venue="BMC Medical Genomics 11(Suppl 4):83")


_KIM_DOC = """

    Kim, Song, Kim, Lee & Cheon (BMC Medical Genomics 2018, an iDASH 2017 entry) fit the
    sigmoid by least squares on [−8, 8] and publish g₃, g₅, g₇ in the variable x/8.
    Primary paper not retrieved here; the coefficients were confirmed in the
    authors' released iDASH2017 code (scaled as {scaled}) and in Intel's HEBench
    reference workload (the paper's form).  Some implementations use the mirrored
    coefficients for σ(−x).  A polynomial: it follows σ only inside the fitting
    interval and diverges outside (declared unbounded, not monotonic over ℝ).
    """


_KIM3 = (1.20096, -0.81562)
_KIM5 = (1.53048, -2.3533056, 1.3511295)
_KIM7 = (1.73496, -4.19407, 5.43402, -2.50739)


def _kim_unit(name: str, coeffs: tuple[float, ...], formula: str, first: str, scaled: str):
    def fn(x: Tensor) -> Tensor:
        return 0.5 + _odd_poly(x * 0.125, coeffs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = first + _KIM_DOC.format(scaled=scaled)
    unit = activation(
        name, family="sigmoidal", formula=formula, reference=_kim_reference(),
        properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=False,
                        bounded_above=False),
    )(fn)

    @unit.derivative
    def _(x: Tensor) -> Tensor:
        return _odd_poly_slope(x * 0.125, coeffs, scale=0.125)  # chain rule d(x/8)/dx

    return unit


he_lr_sigmoid3 = _kim_unit(
    "he_lr_sigmoid3", _KIM3, r"0.5 + 1.20096\,(x/8) - 0.81562\,(x/8)^3",
    "Kim et al.'s degree-3 least-squares sigmoid for logistic regression on encrypted data: "
    "0.5 + 1.20096(x/8) − 0.81562(x/8)³.",
    "0.5 + 0.15012x − 0.001593x³")
he_lr_sigmoid5 = _kim_unit(
    "he_lr_sigmoid5", _KIM5, r"0.5 + 1.53048\,(x/8) - 2.3533056\,(x/8)^3 + 1.3511295\,(x/8)^5",
    "Kim et al.'s degree-5 least-squares sigmoid for logistic regression on encrypted data: "
    "0.5 + 1.53048(x/8) − 2.3533056(x/8)³ + 1.3511295(x/8)⁵.",
    "0.5 + 0.19131x − 0.0045963x³ + 0.0000412332x⁵")
he_lr_sigmoid7 = _kim_unit(
    "he_lr_sigmoid7", _KIM7,
    r"0.5 + 1.73496\,(x/8) - 4.19407\,(x/8)^3 + 5.43402\,(x/8)^5 - 2.50739\,(x/8)^7",
    "Kim et al.'s degree-7 least-squares sigmoid for logistic regression on encrypted data: "
    "0.5 + 1.73496(x/8) − 4.19407(x/8)³ + 5.43402(x/8)⁵ − 2.50739(x/8)⁷.",
    "0.5 + 0.216884x − 0.00819276x³ + 0.000165861x⁵ − 0.00000119581x⁷")


def _cheon_coeffs(n: int) -> list[float]:
    """a_i = C(2i, i)/4^i, i = 0..n: f_n(x) = x·Σ a_i (1 − x²)^i."""
    return [math.comb(2 * i, i) / 4.0 ** i for i in range(n + 1)]


@activation(
    "cheon_sign_poly", family="sigmoidal",
    formula=r"f_n(x) = \sum_{i=0}^{n} \frac{1}{4^i}\binom{2i}{i}\, x\,(1 - x^2)^i",
    reference=ref("Efficient Homomorphic Comparison Methods with Optimal Complexity", None, 2020,
                  authors="Cheon, Kim, Kim", venue="ASIACRYPT 2020 (IACR ePrint 2019/1234)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(n=P(1, 8, kind="int", doc="order n: degree 2n + 1 (nonlin's default 3, degree 7)")),
)
def cheon_sign_poly(x: Tensor, n: int = 3) -> Tensor:
    """Cheon, Kim & Kim's sign polynomial f_n: odd, f_n(±1) = ±1, f_n'(x) = c_n(1 − x²)ⁿ.

    Homomorphic comparison needs sign(x) from additions and multiplications;
    Cheon, Kim & Kim (ASIACRYPT 2020) take f_n with derivative c_n(1 − x²)ⁿ,
    c_n = (2n + 1)·C(2n, n)/4ⁿ, which flattens at ±1 to order n, and iterate it
    (f_n∘f_n∘…) to sharpen sign on [−1, 1]; ReLU(x) = (x + x·sign(x))/2 follows.
    f_1 = (3x − x³)/2, f_2 = (15x − 10x³ + 3x⁵)/8, f_3 = (35x − 35x³ + 21x⁵ − 5x⁷)/16.
    One application is registered; n = 3 (degree 7) is nonlin's choice.  Primary
    paper not retrieved here: the closed form is recomputed from the defining
    derivative in the tests.  Monotone on [−1, 1] only; diverges outside.
    """
    w = 1.0 - x * x
    a = _cheon_coeffs(n)
    acc = a[-1] * torch.ones_like(x)
    for c in reversed(a[:-1]):
        acc = c + w * acc
    return x * acc


@cheon_sign_poly.derivative
def _(x: Tensor, n: int) -> Tensor:
    c_n = (2 * n + 1) * math.comb(2 * n, n) / 4.0 ** n
    return c_n * (1.0 - x * x) ** n


# g_n of Cheon, Kim & Kim: coefficients of x, x³, x⁵, … in units of 1/1024 (their Table of g_n, n = 1..4)
_CHEON_G = {
    1: (2126, -1359),
    2: (3334, -6108, 3796),
    3: (4589, -16577, 25614, -12860),
    4: (5850, -34974, 97015, -113492, 46623),
}


def _cheon_g(n: int) -> tuple[float, ...]:
    return tuple(c / 1024.0 for c in _CHEON_G[n])


@activation(
    "cheon_sign_g", family="sigmoidal",
    formula=r"g_3(x) = \tfrac{1}{1024}\bigl(4589x - 16577x^3 + 25614x^5 - 12860x^7\bigr)",
    reference=ref("Efficient Homomorphic Comparison Methods with Optimal Complexity", None, 2020,
                  authors="Cheon, Kim, Kim", venue="ASIACRYPT 2020 (IACR ePrint 2019/1234)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
    params=dict(n=P(1, 4, kind="int", doc="order n of the published g_n (degree 2n + 1; nonlin's default 3)")),
)
def cheon_sign_g(x: Tensor, n: int = 3) -> Tensor:
    """Cheon, Kim & Kim's fast-rising sign polynomial g_n (coefficients k/1024 as published), n = 1..4.

    The companion of ``cheon_sign_poly`` in their homomorphic comparison: a few
    iterations of g_n first push small |x| quickly away from 0 (g_n'(0) = 2.08,
    3.26, 4.48, 5.71 for n = 1..4, against f_n'(0) = 1.5 … 2.46), then iterations
    of f_n flatten the result to ±1.  Integer coefficients over 2¹⁰:
    g_1 = (2126x − 1359x³)/1024, g_2 = (3334x − 6108x³ + 3796x⁵)/1024,
    g_3 = (4589x − 16577x³ + 25614x⁵ − 12860x⁷)/1024,
    g_4 = (5850x − 34974x³ + 97015x⁵ − 113492x⁷ + 46623x⁹)/1024.
    Primary paper not retrieved here; the coefficients were confirmed in an
    independent HEAAN implementation of the method.  n = 3 (degree 7) is nonlin's
    choice.  Odd, meant for [−1, 1]; diverges outside.
    """
    return _odd_poly(x, _cheon_g(n))


@cheon_sign_g.derivative
def _(x: Tensor, n: int) -> Tensor:
    return _odd_poly_slope(x, _cheon_g(n))


# ---------------------------------------------------------------- compact radial basis function

@activation(
    "raised_cosine_rbf", family="radial",
    formula=r"\begin{cases} \tfrac12\bigl(1 + \cos(\pi x)\bigr) & |x| \le 1\\ 0 & |x| > 1\end{cases}",
    reference=ref("Approximation of nonlinear systems with radial basis function neural networks", None, 2001,
                  authors="Schilling, Carroll, Al-Ajlouni", venue="IEEE Transactions on Neural Networks 12(1):1-15"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=False, bounded_below=0.0, bounded_above=1.0,
                    even=True),
)
def raised_cosine_rbf(x: Tensor) -> Tensor:
    """Raised-cosine radial basis function: ½(1 + cos πx) on [−1, 1], 0 outside.

    Schilling, Carroll & Al-Ajlouni (IEEE TNN 2001) build RBF networks from this
    compactly supported pulse: copies at unit spacing sum to 1 (a partition of
    unity, so a network of them reproduces constants exactly), and each input
    activates at most two neighbouring units.  Primary paper
    not retrieved here; the formula is the standard raised-cosine pulse it names.
    C1: the slope −(π/2)sin πx vanishes at ±1, the curvature jumps.
    """
    return 0.5 * (1.0 + torch.cos(math.pi * torch.clamp(x, -1.0, 1.0)))


@raised_cosine_rbf.derivative
def _(x: Tensor) -> Tensor:
    return torch.where(x.abs() < 1.0, (-0.5 * math.pi) * torch.sin(math.pi * x), 0.0)
