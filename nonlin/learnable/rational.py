r"""Rational (Padé) activation units.

PAU: "Padé Activation Units: End-to-end Learning of Flexible Activation
Functions in Deep Networks", Molina, Schramowski, Kersting, ICLR 2020,
arXiv 1907.06732.

    F(x) = P(x) / Q(x),   P(x) = \sum_{j=0}^{m} a_j x^j

with the denominators of the paper's versions

    A: Q = 1 + \sum_{k=1}^{n} |b_k x^k|      (the PAU default)
    B: Q = 1 + |\sum_{k=1}^{n} b_k x^k|      ("safe" PAU)
    C: Q = 0.1 + |\sum_{k=0}^{n} b_k x^k|    (constant b_0 inside |.|: n + 1 coefficients)
    D: as B, with +-10 % multiplicative noise on the numerator and the
       denominator coefficients while training.

Version C follows the authors' code, CUDA kernel and stored coefficients
(ml-research/rational_activations, ``rational/_cuda/versions/C.cu`` and
``rationals_config.json``: 5 denominator coefficients b_0..b_4 for (5, 4)),
so their published version-C coefficients load unchanged.  Version D's noise
follows their kernel (``versions/D.cu``), which perturbs a and b alike; here
one draw per coefficient and forward call (their CPU path draws per call, the
kernel per element).

All four have Q >= 0.1 > 0: no poles.  What can still overflow is x^m itself
(|x| > 4e7 in float32 for m = 5), so the kernel evaluates F in two branches:
for |x| <= 1 directly, and for |x| > 1 with P and Q divided by |x|^n, i.e. as
polynomials in u = 1/x (|u| < 1); both share the powers of t = x or 1/x.  Each branch is fed an
input that is safe for it, so neither values nor gradients ever see inf/NaN
from a finite input unless the true value is itself beyond the dtype's range.

Speed and memory: forward and backward run as ``torch.compile``-d kernels on
large tensors (forward: one fused pass; backward: the hand-derived gradient
(:func:`rational_backward`) recomputed from the saved input, with the
coefficient gradients reduced by the compiled reduction kernel, which sums
per thread block and then combines: no per-element atomics).  Only the
input and the coefficients are saved for backward.

Initialisation: the authors' published coefficient tables where they have
one (:mod:`nonlin.learnable.pau_tables`: (5, 4) for leaky_relu, relu, gelu,
silu/swish, tanh, sigmoid, identity on [-3, 3]), otherwise a least-squares fit
of P/Q to any registered activation on a range (default [-3, 3]), computed on
demand and cached (:func:`fit_rational`).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref
from ..registry import register
from ._common import CompiledKernel, broadcast_param, check_num_parameters, check_tensor, use_compiled

VERSIONS = ("A", "B", "C", "D")
_CONST = {"A": 1.0, "B": 1.0, "C": 0.1, "D": 1.0}  # constant term of Q

PAU_REF = ref("Padé Activation Units: End-to-end Learning of Flexible Activation Functions in Deep Networks",
              "1907.06732", 2020, authors="Molina, Schramowski, Kersting", venue="ICLR")


# --------------------------------------------------------------------------- formulas
def den_start(version: str) -> int:
    """Power of x that the first denominator coefficient multiplies: 0 for version C (b_0), else 1."""
    return 0 if version == "C" else 1


def den_degree(b: Tensor, version: str) -> int:
    """Degree n of Q from the denominator coefficients (b_1..b_n, or b_0..b_n for version C)."""
    return b.shape[0] - 1 + den_start(version)


def rational_naive(x: Tensor, a: Tensor, b: Tensor, version: str = "A") -> Tensor:
    """The paper's formula written plainly with powers of x (the benchmark baseline).

    ``a`` has shape (m+1, ...) and ``b`` (n, ...) (version C: (n+1, ...), b_0
    first), the coefficient index first and the rest broadcastable against
    ``x``.  Overflows for huge |x|.
    """
    num = a[0] + sum(a[j] * x ** j for j in range(1, a.shape[0]))
    s0 = den_start(version)
    if version == "A":
        den = 1.0 + sum((b[i] * x ** (i + s0)).abs() for i in range(b.shape[0]))
    else:
        den = _CONST[version] + sum(b[i] * x ** (i + s0) for i in range(b.shape[0])).abs()
    return num / den


def _scaled_powers(x: Tensor, m: int, n: int) -> list[Tensor]:
    """T_e = x^e / s for e = 0..max(m, n), with s = 1 for |x| <= 1 and s = |x|^n otherwise.

    Both P/s and Q/s are then sums of bounded terms, so nothing overflows
    unless the rational itself does (only possible when m > n).  Each branch
    gets an input that is safe for it, so the unused branch of ``where`` never
    produces inf/NaN (not even in gradients).
    """
    top = max(m, n)
    small = x.abs() <= 1.0
    # one variable |t| <= 1 for both branches: t = x (direct) or t = 1/x (asymptotic)
    xl = torch.where(small, torch.ones_like(x), x)  # |xl| >= 1, safe to invert
    t = torch.where(small, x, 1.0 / xl)
    pw = [torch.ones_like(x), t]
    for _ in range(top - 1):
        pw.append(pw[-1] * t)
    sgn_n = torch.sign(xl) if n % 2 else None
    out = []
    for e in range(top + 1):
        # direct: x^e = t^e; asymptotic: sign^n x^(e-n) = sign^n t^(n-e) (or sign^n xl^(e-n) for e > n)
        asym = pw[n - e] if e <= n else xl ** (e - n)
        if sgn_n is not None:
            asym = asym * sgn_n
        out.append(torch.where(small, pw[e], asym))
    return out


def _parts(x: Tensor, a: Tensor, b: Tensor, version: str):
    """Scaled powers, P/(s c), the inner sum S/(s c) (B, C, D), Q/(s c) and c.

    c = max(1, |coefficients|) per coefficient set: dividing P and Q by it
    changes nothing in P/Q but keeps P/s finite for large published
    coefficients (the authors' version-C tables reach 1e4) at huge |x|.
    """
    m, n, s0 = a.shape[0] - 1, den_degree(b, version), den_start(version)
    c = torch.maximum(a.abs().amax(0), b.abs().amax(0)).clamp_min(1.0)
    a, b = a / c, b / c
    c0 = _CONST[version] / c
    t = _scaled_powers(x, m, n)
    num = a[0] * t[0]
    for j in range(1, m + 1):
        num = num + a[j] * t[j]
    if version == "A":
        den = c0 * t[0].abs()
        for k in range(1, n + 1):
            den = den + b[k - 1].abs() * t[k].abs()
        inner = None
    else:
        inner = b[0] * t[s0]
        for i in range(1, b.shape[0]):
            inner = inner + b[i] * t[i + s0]
        den = c0 * t[0].abs() + inner.abs()
    return t, num, inner, den, c


def rational_stable(x: Tensor, a: Tensor, b: Tensor, version: str = "A") -> Tensor:
    """P(x)/Q(x) evaluated without overflow (see the module docstring).

    Same arguments as :func:`rational_naive`; equal to it wherever the naive
    formula does not overflow.
    """
    _, num, _, den, _ = _parts(x, a, b, version)
    return num / den


def rational_backward(x: Tensor, a: Tensor, b: Tensor, g: Tensor, version: str = "A"):
    """(dL/dx, dL/da, dL/db) for upstream gradient ``g``, written out by hand.

    With s the branch scale and Q~ = Q/s:  dR/da_j = T_j / Q~;
    dR/db_k = -R (dQ/db_k)/s / Q~;  dR/dx = (P'/s - R Q'/s) / Q~.
    Coefficient gradients are sums over all elements (reduced to the
    coefficient's broadcast shape).
    """
    m, n, s0 = a.shape[0] - 1, den_degree(b, version), den_start(version)
    t, num, inner, den, c = _parts(x, a, b, version)
    rinv = 1.0 / den
    r = num * rinv
    gq = g * rinv / c  # g / Q~
    ga = torch.stack([(gq * t[j]).sum_to_size(a[j].shape) for j in range(m + 1)])
    dp = a[1] * t[0] if m >= 1 else torch.zeros_like(x)  # P'/s
    for j in range(2, m + 1):
        dp = dp + j * a[j] * t[j - 1]
    grq = -gq * r  # -g R / Q~
    if version == "A":
        gb = torch.stack([(grq * t[k].abs()).sum_to_size(b[k - 1].shape) * torch.sign(b[k - 1])
                          for k in range(1, n + 1)])
        dq = b[0].abs() * t[0].abs()
        for k in range(2, n + 1):
            dq = dq + k * b[k - 1].abs() * t[k - 1].abs()
        dq = dq * torch.sign(x)
    else:
        sg = torch.sign(inner)
        grqs = grq * sg
        gb = torch.stack([(grqs * t[i + s0]).sum_to_size(b[i].shape) for i in range(b.shape[0])])
        dq = b[1 - s0] * t[0] if n >= 1 else torch.zeros_like(x)  # d/dx of sum_k b_k x^k (k >= 1)
        for k in range(2, n + 1):
            dq = dq + k * b[k - s0] * t[k - 1]
        dq = dq * sg
    gx = gq * (dp - r * dq)
    return gx, ga, gb


# ---------------------------------------------------------------- autograd Function
_KERNELS: dict = {}


def _kernel(which: str, version: str, m: int, n: int, compiled: bool, dtype: torch.dtype) -> Callable:
    key = (which, version, m, n, compiled, dtype)
    k = _KERNELS.get(key)
    if k is not None:
        return k
    if which == "fwd":
        def k(x, a, b):
            return rational_stable(x, a, b, version)
    else:
        def k(x, a, b, g):
            return rational_backward(x, a, b, g, version)
    if compiled:
        k = CompiledKernel(k, f"pau.{which}.{version}{m}/{n}.{dtype}")
    _KERNELS[key] = k
    return k


class _RationalFunction(torch.autograd.Function):
    """Saves only x and the coefficients; backward recomputes the VJP of the formula."""

    @staticmethod
    def forward(ctx, x: Tensor, a: Tensor, b: Tensor, version: str) -> Tensor:
        y = _kernel("fwd", version, a.shape[0] - 1, b.shape[0], use_compiled(x.numel()), x.dtype)(x, a, b)
        ctx.save_for_backward(x, a, b)
        ctx.version = version
        return y

    @staticmethod
    def backward(ctx, g: Tensor):
        x, a, b = ctx.saved_tensors
        comp = use_compiled(x.numel()) and not torch.is_grad_enabled()
        gx, ga, gb = _kernel("bwd", ctx.version, a.shape[0] - 1, b.shape[0], comp, x.dtype)(x, a, b, g.contiguous())
        return gx, ga, gb, None


def rational(x: Tensor, numerator: Tensor, denominator: Tensor, version: str = "A") -> Tensor:
    """Apply a rational function elementwise with the fast, memory-lean path.

    ``numerator`` (m+1, ...) and ``denominator`` (n, ...) hold the
    coefficients lowest power first; trailing dims broadcast against ``x``.
    Half inputs are computed in float32.
    """
    check_tensor(x, "pau")
    if version not in VERSIONS:
        raise ParameterError(f"PAU version must be one of {', '.join(VERSIONS)}; got {version!r}")
    dt = x.dtype
    if dt in (torch.float16, torch.bfloat16):
        x = x.float()
    a = numerator.to(x.dtype)
    b = denominator.to(x.dtype)
    if torch.compiler.is_compiling():
        y = rational_stable(x, a, b, version)  # let the outer graph fuse it
    elif torch.is_grad_enabled() and (x.requires_grad or a.requires_grad or b.requires_grad):
        y = _RationalFunction.apply(x, a, b, version)
    else:
        y = _kernel("fwd", version, a.shape[0] - 1, b.shape[0], use_compiled(x.numel()), x.dtype)(x, a, b)
    return y.to(dt) if y.dtype != dt else y


# ------------------------------------------------------------------------ the fit
def _target_values(target: str | Callable, x: Tensor) -> Tensor:
    if callable(target):
        return target(x)
    import nonlin

    s = nonlin.spec(target)
    with torch.no_grad():
        if s.fn is not None:
            return s.fn(x)
        return nonlin.create(target).to(torch.float64)(x)


def _fit(target: str | Callable, m: int, n: int, version: str, lo: float, hi: float,
         points: int) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """Least squares fit in float64 NumPy (tiny problem: NumPy beats torch's per-op overhead).

    1. a linear least-squares fit of P - f (1 + sum b_k x^k) = 0 (the unsafe denominator);
    2. Levenberg-Marquardt on the actual version's residual P/Q - f from a few starts.
    """
    xt = torch.linspace(lo, hi, points, dtype=torch.float64)
    f = _target_values(target, xt).to(torch.float64).numpy()
    x = xt.numpy()
    if not np.isfinite(f).all():
        raise ValueError(f"target {target!r} is not finite on [{lo}, {hi}]")
    powers = np.stack([x ** j for j in range(max(m, n) + 1)], 1)  # (points, max+1)
    A = np.concatenate([powers[:, : m + 1], -f[:, None] * powers[:, 1: n + 1]], 1)
    theta0 = np.linalg.lstsq(A, f, rcond=None)[0]  # P / (1 + sum_k b_k x^k)
    s0 = 0 if version == "C" else 1
    c0 = _CONST[version]
    alt = theta0.copy()
    alt[m + 1:] = np.abs(alt[m + 1:])
    if version == "C":
        # 0.1 + |0.9 + sum_k b_k x^k| equals 1 + sum_k b_k x^k where the sum > -0.9
        starts = [np.concatenate([th[: m + 1], [1.0 - c0], th[m + 1:]]) for th in (theta0, alt)]
    else:
        starts = [theta0, alt]
    dpow = powers[:, s0: n + 1]  # the powers the denominator coefficients multiply

    def residual_and_jacobian(theta):
        a, b = theta[: m + 1], theta[m + 1:]
        num = powers[:, : m + 1] @ a
        xb = dpow * b  # b_k x^k
        if version == "A":
            den = c0 + np.abs(xb).sum(1)
            dden = np.abs(dpow) * np.sign(b)  # d|b_k x^k|/db_k
        else:
            sm = xb.sum(1)
            den = c0 + np.abs(sm)
            dden = np.sign(sm)[:, None] * dpow
        r = num / den - f
        jac = np.concatenate([powers[:, : m + 1] / den[:, None], -(num / den ** 2)[:, None] * dden], 1)
        return r, jac

    best = None
    for th in starts:
        th = _levenberg_marquardt(residual_and_jacobian, th.copy())
        err = float(np.max(np.abs(residual_and_jacobian(th)[0])))
        if math.isfinite(err) and (best is None or err < best[1]):
            best = (th, err)
    th, err = best
    return tuple(float(v) for v in th[: m + 1]), tuple(float(v) for v in th[m + 1:]), err


def _levenberg_marquardt(fun: Callable, theta, iters: int = 300):
    """Minimise |r(theta)|^2 given ``fun(theta) -> (r, dr/dtheta)`` (NumPy arrays)."""
    lam = 1e-3
    r, J = fun(theta)
    cost = float(r @ r)
    for _ in range(iters):
        JtJ, Jtr = J.T @ J, J.T @ r
        damp = np.diag(np.maximum(np.diag(JtJ), 1e-12))
        improved = False
        for _ in range(10):
            try:
                cand = theta + np.linalg.solve(JtJ + lam * damp, -Jtr)
            except np.linalg.LinAlgError:
                lam *= 4
                continue
            rc, Jc = fun(cand)
            cc = float(rc @ rc)
            if math.isfinite(cc) and cc < cost:
                improved = cost - cc > 1e-12 * cost
                theta, r, J, cost, lam = cand, rc, Jc, cc, max(lam / 3, 1e-12)
                break
            lam *= 4
        if not improved:
            break
    return theta


@functools.lru_cache(maxsize=256)
def _fit_cached(name: str, m: int, n: int, version: str, lo: float, hi: float, points: int):
    return _fit(name, m, n, version, lo, hi, points)


def fit_rational(target: str | Callable, degrees: tuple[int, int] = (5, 4), version: str = "A",
                 range: tuple[float, float] = (-3.0, 3.0), points: int = 2001
                 ) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """Least-squares fit of a rational P/Q of ``degrees`` (m, n) to an activation.

    ``target`` is a registered unit name (evaluated with ``nonlin``) or a
    callable on float64 tensors.  Returns ``(numerator, denominator,
    max_error)``: coefficients lowest power first (b_1..b_n for the
    denominator; b_0..b_n for version C) and the max absolute error on
    ``points`` equispaced points of ``range``.  Results for names are cached per (name, degrees, version,
    range, points).
    """
    m, n = _check_degrees(degrees)
    if version not in VERSIONS:
        raise ParameterError(f"version must be one of {', '.join(VERSIONS)}; got {version!r}")
    lo, hi = float(range[0]), float(range[1])
    if not lo < hi:
        raise ParameterError(f"fit range must be (low, high) with low < high; got {range!r}")
    fit_version = "B" if version == "D" else version
    if isinstance(target, str):
        import nonlin

        name = nonlin.resolve(target)
        return _fit_cached(name, m, n, fit_version, lo, hi, int(points))
    if not callable(target):
        raise TypeError(f"target must be a unit name or a callable; got {type(target).__name__}")
    return _fit(target, m, n, fit_version, lo, hi, int(points))


def _check_degrees(degrees: Any) -> tuple[int, int]:
    ok = (isinstance(degrees, (tuple, list)) and len(degrees) == 2
          and all(isinstance(d, int) and not isinstance(d, bool) for d in degrees))
    if not ok or degrees[0] < 0 or degrees[1] < 1 or max(degrees) > 12:
        raise ParameterError(f"degrees must be (m, n) with 0 <= m <= 12 and 1 <= n <= 12; got {degrees!r}")
    return int(degrees[0]), int(degrees[1])


# -------------------------------------------------------------------------- module
def _check_range(init_range: Any) -> tuple[float, float]:
    ok = isinstance(init_range, (tuple, list)) and len(init_range) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in init_range)
    if not ok or not init_range[0] < init_range[1]:
        raise ParameterError(f"parameter 'init_range' of 'pau' must be a pair (low, high) of finite numbers "
                             f"with low < high; got {init_range!r}")
    return float(init_range[0]), float(init_range[1])


def _max_error(target: str, num, den, version: str, lo: float, hi: float, points: int = 2001) -> float:
    """Max |P/Q - target| on ``points`` equispaced points of [lo, hi] (float64)."""
    x = torch.linspace(lo, hi, points, dtype=torch.float64)
    a = torch.tensor(num, dtype=torch.float64).reshape(-1, 1)
    b = torch.tensor(den, dtype=torch.float64).reshape(-1, 1)
    return float((rational_stable(x, a, b, version) - _target_values(target, x)).abs().max())


INIT_SOURCES = ("published", "fit")


@register(
    "pau", aliases=("rational", "pade"), kind="learnable", family="rational",
    formula=r"\frac{\sum_{j=0}^{m} a_j x^j}{1 + \sum_{k=1}^{n} |b_k x^k|}\ \text{(A; B: }1+|\sum_{k=1}^{n} b_k x^k|"
            r"\text{, C: }0.1+|\sum_{k=0}^{n} b_k x^k|\text{, D: B + noise)}",
    reference=PAU_REF,
    properties=dict(elementwise=True, smooth="C0", zero_at_zero=False, monotonic=False,
                    bounded_below=False, bounded_above=False),
    params=dict(
        degrees=P(kind="tuple", doc="(m, n): numerator and denominator degrees"),
        version=P(choices=VERSIONS, doc="denominator form A, B, C (b_0 inside |.|) or D (B + training noise)"),
        init=P(kind="str", doc="registered activation the coefficients start from"),
        num_parameters=P(1, None, kind="int", doc="coefficient sets: 1 per layer, G groups or C channels"),
        init_range=P(kind="tuple", doc="interval of the init fit"),
        init_source=P(choices=INIT_SOURCES,
                      doc="'published': the authors' coefficient table where it has the case, else a fit; "
                          "'fit': always nonlin's least-squares fit"),
        trainable=P(kind="bool", doc="learn the coefficients"),
    ),
)
class PAU(nn.Module):
    """Padé Activation Unit: a learnable rational function P(x)/Q(x) of degrees (m, n).

    Parameters: ``numerator`` a_0..a_m and ``denominator`` b_1..b_n (version
    C: b_0..b_n), shape (num_parameters, m+1) and (num_parameters, n) (C:
    n+1).  Initial values: the authors' published table
    (:mod:`nonlin.learnable.pau_tables`, e.g. version A (5, 4) leaky_relu:
    max error 3.0e-2, RMS 5.0e-3 on [-3, 3]) when ``init_source="published"``
    and the table has (version, degrees, init, init_range); otherwise a
    least-squares fit of P/Q to the activation ``init`` on ``init_range``.
    ``fit_error`` is the max absolute error on ``init_range``.
    ``num_parameters`` = 1 (one unit per layer, the paper's default), G
    (groups of channels, KAT/GR-KAN) or C (per channel, channel dim 1).
    Version D multiplies every numerator and denominator coefficient by
    (1 + U(-0.1, 0.1)) in training (the authors' kernel), one draw per
    coefficient and call.
    """

    def __init__(self, degrees: tuple = (5, 4), version: str = "A", init: str = "leaky_relu",
                 num_parameters: int = 1, init_range: tuple = (-3.0, 3.0), init_source: str = "published",
                 trainable: bool = True):
        super().__init__()
        m, n = _check_degrees(degrees)
        if version not in VERSIONS:
            raise ParameterError(f"parameter 'version' of 'pau' must be one of {', '.join(VERSIONS)}; got {version!r}")
        if init_source not in INIT_SOURCES:
            raise ParameterError(f"parameter 'init_source' of 'pau' must be one of {', '.join(INIT_SOURCES)}; "
                                 f"got {init_source!r}")
        if not (isinstance(init, str) or callable(init)):
            raise ParameterError(f"parameter 'init' of 'pau' must be a registered unit name or a callable; "
                                 f"got {init!r}")
        if not isinstance(trainable, bool):
            raise ParameterError(f"parameter 'trainable' of 'pau' must be True or False; got {trainable!r}")
        g = check_num_parameters(num_parameters, "pau")
        lo, hi = _check_range(init_range)
        import nonlin

        from .pau_tables import published

        name = nonlin.resolve(init) if isinstance(init, str) else init
        table = (published(version, (m, n), name, (lo, hi))
                 if init_source == "published" and isinstance(name, str) else None)
        if table is not None:
            num, den = table
            err = _max_error(name, num, den, "B" if version == "D" else version, lo, hi)
        else:
            num, den, err = fit_rational(name, (m, n), version, (lo, hi))
        self.degrees, self.version, self.init, self.init_range = (m, n), version, init, (lo, hi)
        self.init_source = "published" if table is not None else "fit"
        self.fit_error = err
        self.numerator = nn.Parameter(torch.tensor(num, dtype=torch.get_default_dtype()).repeat(g, 1),
                                      requires_grad=trainable)
        self.denominator = nn.Parameter(torch.tensor(den, dtype=torch.get_default_dtype()).repeat(g, 1),
                                        requires_grad=trainable)

    def coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        num, den = self.numerator, self.denominator
        if self.version == "D" and self.training:
            num = num * (1 + (torch.rand_like(num) * 0.2 - 0.1))
            den = den * (1 + (torch.rand_like(den) * 0.2 - 0.1))
        return broadcast_param(num, x, "pau"), broadcast_param(den, x, "pau")

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, "pau")
        a, b = self.coefficients(x)
        return rational(x, a, b, "B" if self.version == "D" else self.version)

    def extra_repr(self) -> str:
        return (f"degrees={self.degrees}, version={self.version!r}, init={self.init!r}, "
                f"num_parameters={self.numerator.shape[0]}, init_source={self.init_source!r}, "
                f"fit_error={self.fit_error:.2e}")
