"""Every fixed activation over the whole float range of every dtype, and at ±inf.

For each unit and each dtype (float64, float32, bfloat16, float16) the input is
a dense log-spaced scan of both signs from the smallest normal number to the
dtype's largest finite value (plus 0, ±max and ±inf).  Outputs are compared
with the independent references of ``ref_*.py``: evaluated in float64 NumPy up
to |x| = 2^20, and re-evaluated in mpmath (``_mp_refs.py``, with one more digit
per decade of |x|) beyond, where float64 itself overflows or cancels.

Tolerance policy (where the true value y is finite and representable in the dtype):

    |out − y| <= rtol·|y| + atol + spread

* rtol/atol per dtype (:data:`TOL`): float64 1e-9/1e-12 (the catalogue test's
  level), float32 1e-5/1e-6, float16 2e-3/1e-5, bfloat16 1.6e-2/1e-5 (a few
  rounding steps of the format; half inputs are computed in float32).
* ``spread`` is how much the exact function moves when its input moves by 4
  ulps of the computing precision (float64, or float32 for the other dtypes),
  i.e. the error that rounding of intermediates legitimately causes.  Where it
  exceeds 1 % of max(|y|, 1) the value is *ill-conditioned* (sin(30·x) at
  x = 10^4 in float32: the last bit of x changes the result): there only
  finiteness and the declared bounds are required.
* True value beyond the dtype's maximum: ±inf (or ±max) with the right sign.
* ±inf input: the limit when it exists (found from the mpmath reference at
  ±10^400, ±10^800, ±10^1600), ±inf for a divergent one; with no limit
  (oscillation) NaN is allowed, or a value within the declared bounds.
* Declared properties hold over the scan, with the same tolerance: bounds,
  monotonicity, oddness/evenness.
"""

from __future__ import annotations

import functools
import math
import warnings

import mpmath
import numpy as np
import pytest
import torch

import nonlin

from . import _mp_refs
from .test_catalogue import ACTIVATIONS, REFS, unit

DTYPES = [torch.float64, torch.float32, torch.bfloat16, torch.float16]
TOL = {  # dtype -> (rtol, atol)
    torch.float64: (1e-9, 1e-12),
    torch.float32: (1e-5, 1e-6),
    torch.float16: (2e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
}
MP_FROM = 2.0 ** 20  # beyond this |x| the reference is evaluated in mpmath
ILL_CONDITIONED = 1e-2


def _compute_eps(dtype) -> float:
    return torch.finfo(torch.float64 if dtype == torch.float64 else torch.float32).eps


@functools.lru_cache(maxsize=None)
def scan(dtype) -> np.ndarray:
    """Sorted distinct finite inputs of the dtype (as float64) covering its whole range."""
    fi = torch.finfo(dtype)
    top = math.log10(fi.max)
    mags = [np.logspace(math.log10(fi.tiny), -2, 120), np.logspace(-2, 2, 321),
            np.logspace(2, min(top, math.log10(MP_FROM)), 60)]
    if top > math.log10(MP_FROM):  # sparser where nothing new happens, dense again near the maximum
        mid = min(top, 40.0)  # 3 points a decade through float32's range, 1 beyond (float64 only)
        mags.append(np.logspace(math.log10(MP_FROM), mid, 3 * int(mid - math.log10(MP_FROM)) + 1))
        if top > mid:
            mags.append(np.logspace(mid, top, int(top - mid) + 1))
        mags.append(fi.max * np.array([0.5, 0.7, 0.9, 0.99, 0.999, 1.0]))
    m = np.concatenate(mags + [[fi.max, 1.0, 0.5, 2.0]])
    x = torch.tensor(np.concatenate([-m, [0.0], m])).to(dtype)
    x = x[torch.isfinite(x)]
    return np.unique(x.double().numpy())


def _numpy_ref(name, x):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(REFS[name](x.copy()), dtype=np.float64)


@functools.lru_cache(maxsize=None)
def reference(name: str, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, spread): the scan, the true values, their change under a 4-ulp input perturbation."""
    x = scan(dtype)
    y = _numpy_ref(name, x)
    big = np.abs(x) > MP_FROM
    if big.any():
        y[big] = _mp_refs.to_float(_mp_refs.evaluate(name, x[big]))
    eps = _compute_eps(dtype)
    spread = np.zeros_like(x)
    for s in (1 - 4 * eps, 1 - 2 * eps, 1 + 2 * eps, 1 + 4 * eps):
        with np.errstate(all="ignore"):
            d = np.abs(_numpy_ref(name, x * s) - y)
        spread = np.maximum(spread, np.where(np.isfinite(d), d, 0.0))
        if s < 1:  # where float64 overflows in the reference (near the maximum), the spread in mpmath
            redo = big & ~np.isfinite(d) & np.isfinite(y)
            if redo.any():
                dm = np.abs(_mp_refs.to_float(_mp_refs.evaluate(name, x[redo] * s)) - y[redo])
                spread[redo] = np.maximum(spread[redo], np.where(np.isfinite(dm), dm, 0.0))
    return x, y, spread


@functools.lru_cache(maxsize=None)
def limit(name: str, sign: int) -> float | None:
    """lim f(x) for x -> sign·inf: a float (maybe ±inf), or None where there is none.

    Read from the mpmath reference at nine points between 10^400 and 2.7·10^1600: all equal
    (to 1e-12), all beyond 10^300 with one sign, or growing at every step (a slow, logarithmic
    divergence); anything else is oscillation."""
    vals = [_mp_refs.evaluate_huge(name, sign * m, d) for d in (400, 800, 1600) for m in (1.0, 1.37, 2.71)]
    if any(mpmath.isnan(v) for v in vals):
        return None
    one_sign = len({mpmath.sign(v) for v in vals}) == 1
    if all(abs(v) > 1e300 for v in vals) and one_sign:
        return math.copysign(math.inf, float(mpmath.sign(vals[-1])))
    c = vals[-1]
    if all(abs(v - c) <= 1e-12 * (1 + abs(c)) for v in vals):
        return float(c)
    grows = all(abs(a) < abs(b) for a, b in zip(vals, vals[1:]))
    if one_sign and grows and abs(c) >= 1.5 * abs(vals[0]):
        return math.copysign(math.inf, float(mpmath.sign(c)))  # diverges slowly (logarithmically)
    return None


def _bounds(name):
    p = nonlin.spec(name).properties
    lo, hi = p.get("bounded_below"), p.get("bounded_above")
    lo = -math.inf if lo is False or lo is None else float(lo)
    hi = math.inf if hi is False or hi is None else float(hi)
    return lo, hi


def _run(name, x: np.ndarray, dtype) -> np.ndarray:
    with torch.no_grad():
        out = unit(name)(torch.tensor(x, dtype=torch.float64).to(dtype))
    assert out.dtype == dtype
    return out.double().numpy()


def _fmt(xs, got, want):
    return ", ".join(f"f({a:.6g}) = {b:.6g} (want {c:.6g})" for a, b, c in list(zip(xs, got, want))[:6])


# torch builtins that overflow to inf just below the float maximum, where the true value is finite:
# nonlin dispatches these units to the builtin for speed (fixing them would cost a pass).
BUILTIN_OVERFLOW = {"gelu": "F.gelu forms x·(1 + erf) ", "hard_swish": "F.hardswish forms x·relu6(x + 3)"}


def _known(name, dtype):
    if name in BUILTIN_OVERFLOW and dtype != torch.float16 and (name, dtype) != ("gelu", torch.float64):
        return [pytest.mark.xfail(strict=True, reason=BUILTIN_OVERFLOW[name] + "and overflows near the maximum")]
    return []


CASES = [pytest.param(n, d, marks=_known(n, d), id=f"{n}-{str(d).replace('torch.', '')}")
         for n in ACTIVATIONS for d in DTYPES]


@pytest.mark.parametrize("name, dtype", CASES)
def test_whole_float_range_matches_reference(name, dtype):
    x, y, spread = reference(name, dtype)
    rtol, atol = TOL[dtype]
    fmax = torch.finfo(dtype).max
    got = _run(name, x, dtype)
    lo, hi = _bounds(name)

    ill = spread > ILL_CONDITIONED * np.maximum(np.abs(y), 1.0)
    finite_true = np.isfinite(y) & (np.abs(y) <= fmax * (1 - rtol))
    overflow = ~np.isnan(y) & (np.abs(y) > fmax)
    bad_nan = np.isnan(got) & ~np.isnan(y)
    assert not bad_nan.any(), f"{name} {dtype}: NaN where the true value exists: {_fmt(x[bad_nan], got[bad_nan], y[bad_nan])}"

    check = finite_true & ~ill
    with np.errstate(invalid="ignore"):
        err = np.abs(got - y)
    wrong = check & ~(err <= rtol * np.abs(y) + atol + spread)
    assert not wrong.any(), f"{name} {dtype}: wrong values: {_fmt(x[wrong], got[wrong], y[wrong])}"

    loose = finite_true & ill
    tol_b = rtol * np.maximum(np.abs([lo if np.isfinite(lo) else 0, hi if np.isfinite(hi) else 0]).max(), 1) + atol
    out_of_bounds = loose & ~(np.isfinite(got) & (got >= lo - tol_b) & (got <= hi + tol_b))
    assert not out_of_bounds.any(), (f"{name} {dtype}: ill-conditioned points not finite or out of the declared "
                                     f"bounds [{lo}, {hi}]: {_fmt(x[out_of_bounds], got[out_of_bounds], y[out_of_bounds])}")

    over_bad = overflow & ~((np.sign(got) == np.sign(y)) & (np.abs(got) >= fmax))
    assert not over_bad.any(), f"{name} {dtype}: true value overflows the dtype, got: {_fmt(x[over_bad], got[over_bad], y[over_bad])}"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_infinite_inputs_give_the_limit(name, dtype):
    rtol, atol = TOL[dtype]
    got = _run(name, np.array([-math.inf, math.inf]), dtype)
    lo, hi = _bounds(name)
    for sign, g in zip((-1, 1), got):
        L = limit(name, sign)
        where = f"{name}({'-' if sign < 0 else '+'}inf) {dtype}"
        if L is None:  # no limit: NaN, or a value inside the declared range
            assert np.isnan(g) or lo <= g <= hi, f"{where} = {g}, outside [{lo}, {hi}]"
            continue
        Ld = float(torch.tensor(L, dtype=torch.float64).to(dtype).double())  # the limit in the dtype
        if math.isinf(Ld):
            assert g == Ld, f"{where} = {g}; the limit is {L}"
        else:
            assert abs(g - L) <= rtol * abs(L) + atol, f"{where} = {g}; the limit is {L}"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_declared_properties_over_the_whole_range(name, dtype):
    props = nonlin.spec(name).properties
    rtol, atol = TOL[dtype]
    x = np.concatenate([[-math.inf], scan(dtype), [math.inf]])
    got = _run(name, x, dtype)
    tol = rtol * np.abs(got) + atol
    fin = np.isfinite(got)
    lo, hi = _bounds(name)
    if np.isfinite(lo):
        bad = fin & (got < lo - rtol * max(abs(lo), 1) - atol)
        assert not bad.any(), f"{name} {dtype} below its declared bound {lo} at {x[bad][:5]}: {got[bad][:5]}"
    if np.isfinite(hi):
        bad = fin & (got > hi + rtol * max(abs(hi), 1) + atol)
        assert not bad.any(), f"{name} {dtype} above its declared bound {hi} at {x[bad][:5]}: {got[bad][:5]}"
    if props.get("monotonic") is True:
        ok = ~np.isnan(got)
        g, t = got[ok], tol[ok]
        with np.errstate(invalid="ignore"):
            drops = np.diff(g) < -np.minimum(t[1:], t[:-1])
        assert not drops.any(), f"{name} {dtype} declared monotonic but decreases after x = {x[ok][:-1][drops][:5]}"
    neg = _run(name, -x, dtype)
    if props.get("odd"):
        with np.errstate(invalid="ignore"):
            bad = ~((neg == -got) | (np.abs(neg + got) <= tol) | (np.isnan(neg) & np.isnan(got)))
        assert not bad.any(), f"{name} {dtype} declared odd: f(-x) != -f(x) at {x[bad][:5]}"
    if props.get("even"):
        with np.errstate(invalid="ignore"):
            bad = ~((neg == got) | (np.abs(neg - got) <= tol) | (np.isnan(neg) & np.isnan(got)))
        assert not bad.any(), f"{name} {dtype} declared even: f(-x) != f(x) at {x[bad][:5]}"


# Known gap: derivatives (analytic, or the builtin backward of gelu_tanh) that overflow in float32 within a factor ~10^6 of the float
# maximum (−2x·e^{−x²} is inf·0 at 3e38) while the float64 gradient of the same input is finite.
# test_catalogue.test_extreme_inputs_stay_finite still checks these units up to |x| = 1e4.
GRADIENT_OVERFLOW = sorted("""gelu_tanh""".split())
GRAD_CASES = [pytest.param(n, d, id=f"{n}-{str(d).replace('torch.', '')}",
                           marks=[pytest.mark.xfail(strict=True, reason="derivative overflows near the float maximum")]
                           if n in GRADIENT_OVERFLOW and d != torch.float16 else [])
              for n in ACTIVATIONS for d in (torch.float32, torch.bfloat16, torch.float16)]


# Sparse scan for gradients: finite wherever the float64 gradient of the same input is finite.
@pytest.mark.parametrize("name, dtype", GRAD_CASES)
def test_gradient_finite_over_the_whole_range(name, dtype):
    xs = scan(dtype)[:: 7]
    f = unit(name)
    xr = torch.tensor(xs, dtype=torch.float64).requires_grad_(True)
    (g64,) = torch.autograd.grad(f(xr).sum(), xr)
    x = torch.tensor(xs, dtype=torch.float64).to(dtype).requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).float().sum(), x)
    assert g.dtype == dtype
    ok = torch.isfinite(g64) & (g64.abs() < torch.finfo(dtype).max / 2)
    bad = ok & ~torch.isfinite(g.double())
    assert not bad.any(), f"{name} {dtype}: non-finite gradient at {xs[bad.numpy()][:6]}"


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "elu"])
def test_builtin_units_work_under_vmap_and_jacrev(name):
    # the ±inf fix must not branch on a tensor's value inside torch.func transforms
    f = nonlin.get_fn(name)
    x = torch.tensor([[-torch.inf, -1.0, 0.5], [2.0, torch.inf, 0.0]], dtype=torch.float64)
    got = torch.func.vmap(f)(x)
    assert torch.equal(got, f(x))
    jac = torch.func.vmap(torch.func.jacrev(f))(torch.tensor([[-1.0], [0.5]], dtype=torch.float64))
    assert jac.shape == (2, 1, 1) and torch.isfinite(jac).all()
