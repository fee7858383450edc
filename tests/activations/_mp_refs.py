"""The float64 references of ``ref_*.py``, re-evaluated in mpmath.

Float64 itself overflows (x² at 1e200) or cancels (ln(1+e^{αx}) − ln(1+e^{α(x−1)})
at 1e38) where the whole-float-range test needs a reference, so the same
paper formulas are evaluated a second time with arbitrary precision and an
unbounded exponent.  Nothing is typed twice: each ``ref_*.py`` file is
executed again with ``numpy`` / ``scipy.special`` replaced by :data:`mnp`, a
small namespace whose functions act elementwise on object arrays of
``mpmath.mpf``.  Only the NumPy functions the reference files use exist here;
a new one fails loudly with AttributeError.

``exp`` of an argument beyond ±2^40 is returned as inf/0: such values lie
far outside every float format, and computing e.g. exp(−exp(10^300)) exactly
would need 10^300 bits.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import pathlib
import types

import mpmath
import numpy as _np

mpmath.mp.dps = 40
_HERE = pathlib.Path(__file__).parent
_EXP_CUTOFF = mpmath.mpf(2) ** 40
_NAN = mpmath.mpf("nan")


def _obj(x):
    """An object array of mpf (scalars stay scalars)."""
    if isinstance(x, _np.ndarray):
        if x.dtype == object:
            return x
        return _np.array([mpmath.mpf(float(v)) if not isinstance(v, complex) else mpmath.mpc(v)
                          for v in x.ravel()], dtype=object).reshape(x.shape)
    if isinstance(x, (list, tuple)):
        return _obj(_np.asarray(x))
    if isinstance(x, (bool, _np.bool_)):
        return x
    if isinstance(x, (int, float, _np.floating, _np.integer)):
        return mpmath.mpf(float(x))
    return x


def _elementwise(f):
    uf = _np.frompyfunc(f, 1, 1)

    @functools.wraps(f)
    def g(x):
        x = _obj(x)
        if isinstance(x, _np.ndarray):
            return uf(x).astype(object) if x.size else x.copy()
        return f(x)

    return g


def _isnan(v):
    return mpmath.isnan(v) if isinstance(v, (mpmath.mpf, mpmath.mpc)) else v != v


def _exp(v):
    if _isnan(v):
        return _NAN
    if isinstance(v, mpmath.mpc):
        return mpmath.exp(v) if abs(v.real) < _EXP_CUTOFF else (mpmath.inf if v.real > 0 else mpmath.mpf(0))
    if v > _EXP_CUTOFF:
        return mpmath.inf
    if v < -_EXP_CUTOFF:
        return mpmath.mpf(0)
    return mpmath.exp(v)


def _expm1(v):
    if _isnan(v):
        return _NAN
    if v > _EXP_CUTOFF:
        return mpmath.inf
    if v < -_EXP_CUTOFF:
        return mpmath.mpf(-1)
    return mpmath.expm1(v)


def _log1p(v):
    return mpmath.log1p(v) if v > -1 else (mpmath.ninf if v == -1 else _NAN)


def _sign(v):
    return _NAN if _isnan(v) else mpmath.mpf((v > 0) - (v < 0))


def _expit(v):
    return 1 / (1 + _exp(-v))


def _sinc(t):
    return mpmath.mpf(1) if t == 0 else mpmath.sin(mpmath.pi * t) / (mpmath.pi * t)


def _tanh(v):
    if abs(v) > 2 ** 20:  # ±1 to far beyond any working precision here; tanh(10^300) would not finish
        return mpmath.mpf(1 if v > 0 else -1)
    return mpmath.tanh(v)


def _cosh(v):
    return mpmath.inf if abs(v) > _EXP_CUTOFF else mpmath.cosh(v)


def _erf(v):
    if abs(v) > 1e6:  # erf is ±1 to far beyond 40 digits; mpmath's series is slow there
        return mpmath.mpf(1 if v > 0 else -1)
    return mpmath.erf(v)


def _ndtr(v):
    if v < -1e6:
        return mpmath.mpf(0)
    if v > 1e6:
        return mpmath.mpf(1)
    return mpmath.erfc(-v / mpmath.sqrt(2)) / 2


def _broadcast_args(*args):
    return [_obj(a) for a in args]


def _binary(f):
    uf = _np.frompyfunc(f, 2, 1)

    def g(a, b):
        a, b = _broadcast_args(a, b)
        out = uf(a, b)
        return out.astype(object) if isinstance(out, _np.ndarray) else out

    return g


def _maximum(a, b):
    if _isnan(a) or _isnan(b):
        return _NAN
    return a if a >= b else b


def _minimum(a, b):
    if _isnan(a) or _isnan(b):
        return _NAN
    return a if a <= b else b


def _logaddexp(a, b):
    m = _maximum(a, b)
    if _isnan(m):
        return m
    if mpmath.isinf(m):
        return m
    return m + mpmath.log1p(_exp(-abs(a - b)))


def _heaviside(v, h0):
    return _NAN if _isnan(v) else (mpmath.mpf(1) if v > 0 else (mpmath.mpf(0) if v < 0 else mpmath.mpf(h0)))


def _power(a, b):
    return a ** b


def _where(c, a, b):
    c = _np.asarray(c, dtype=bool)
    a, b = _obj(a), _obj(b)
    return _np.where(c, a, b).astype(object)


def _select(conds, choices, default=0):
    out = _np.empty(_np.broadcast(*conds).shape, dtype=object)
    out[...] = _obj(default) if not isinstance(default, _np.ndarray) else _obj(default)
    done = _np.zeros(out.shape, dtype=bool)
    for c, v in zip(conds, choices):
        m = _np.asarray(c, dtype=bool) & ~done
        vv = _np.broadcast_to(_obj(v), out.shape)
        out[m] = vv[m]
        done |= m
    return out


def _piecewise(x, conds, funcs):
    x = _obj(x)
    out = _np.full(x.shape, _NAN, dtype=object)
    for c, f in zip(conds, funcs):
        m = _np.asarray(c, dtype=bool)
        if m.any():
            out[m] = f(x[m]) if callable(f) else f
    return out


def _full_like(x, v, dtype=None):
    out = _np.empty(_np.shape(x), dtype=object)
    out[...] = _obj(v) if not (isinstance(v, float) and v != v) else _NAN
    return out


def _asarray(x, dtype=None, copy=None):
    return _obj(_np.asarray(x) if not isinstance(x, _np.ndarray) else x)


def _array(x, dtype=None, copy=True):
    a = _asarray(x)
    return a.copy()


def _clip(x, lo, hi):
    return _minimum_v(_maximum_v(x, lo), hi)


def _round(x):
    return _elementwise(lambda v: _NAN if _isnan(v) else mpmath.nint(v))(x)


def _isnan_v(x):
    x = _obj(x)
    if isinstance(x, _np.ndarray):
        return _np.array([_isnan(v) for v in x.ravel()], dtype=bool).reshape(x.shape)
    return _isnan(x)


def _all(x):
    return bool(_np.all(_np.asarray(x, dtype=bool)))


def _real(x):
    return _elementwise(lambda v: v.real if isinstance(v, mpmath.mpc) else v)(x)


_maximum_v = _binary(_maximum)
_minimum_v = _binary(_minimum)


def _const_like(c):
    def f(x, dtype=None):
        return _full_like(x, c)
    return f


mnp = types.SimpleNamespace(
    exp=_elementwise(_exp), expm1=_elementwise(_expm1), log=_elementwise(lambda v: mpmath.log(v) if v >= 0 else _NAN),
    log1p=_elementwise(_log1p), sqrt=_elementwise(lambda v: mpmath.sqrt(v) if v >= 0 else _NAN),
    tanh=_elementwise(_tanh), sin=_elementwise(mpmath.sin), cos=_elementwise(mpmath.cos),
    cosh=_elementwise(_cosh), sinh=_elementwise(lambda v: mpmath.sinh(v) if abs(v) < _EXP_CUTOFF else mpmath.inf * _sign(v)), arctan=_elementwise(mpmath.atan), arcsin=_elementwise(mpmath.asin),
    arcsinh=_elementwise(mpmath.asinh), arctan2=_binary(mpmath.atan2), abs=_elementwise(abs),
    sign=_elementwise(_sign), sinc=_elementwise(_sinc), real=_real,
    maximum=_maximum_v, minimum=_minimum_v, logaddexp=_binary(_logaddexp), power=_binary(_power),
    heaviside=_binary(_heaviside), where=_where, select=_select, piecewise=_piecewise,
    zeros_like=_const_like(0.0), ones_like=_const_like(1.0), empty_like=_const_like(0.0), full_like=_full_like,
    asarray=_asarray, array=_array, clip=_clip, round=_round, isnan=_isnan_v, all=_all,
    errstate=lambda **kw: contextlib.nullcontext(), pi=mpmath.pi, nan=_NAN, float64=float, ndarray=_np.ndarray,
)
msp = types.SimpleNamespace(erf=_elementwise(_erf), ndtr=_elementwise(_ndtr), expit=_elementwise(_expit),
                            log_expit=_elementwise(lambda v: -_logaddexp(mpmath.mpf(0), -v)))
mscipy = types.SimpleNamespace(special=msp)


def _load(path: pathlib.Path) -> dict:
    """Execute a reference file with numpy/scipy replaced by their mpmath stand-ins."""
    real_import = builtins.__import__

    def fake_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name == "numpy":
            return mnp
        if level == 0 and name == "scipy":
            return mscipy
        if level == 0 and name == "scipy.special":
            return mscipy if not fromlist else msp
        if level == 1 and name == "_numpy_pieces":
            return types.SimpleNamespace(**_load(_HERE / "_numpy_pieces.py"))
        return real_import(name, globals, locals, fromlist, level)

    ns = {"__name__": f"mp_{path.stem}", "__builtins__": {**vars(builtins), "__import__": fake_import}}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns


@functools.lru_cache(maxsize=None)
def references() -> dict:
    """name -> the reference formula evaluated in mpmath (takes and returns object arrays of mpf)."""
    out = {}
    for f in sorted(_HERE.glob("ref_*.py")):
        out.update(_load(f)["REFERENCES"])
    return out


def evaluate(name: str, x) -> _np.ndarray:
    """The mpmath reference of unit ``name`` at the float64 points ``x`` (object array of mpf).

    Working precision grows with |x| (40 digits plus one per decade of |x|), so
    that differences such as α·x − α·(x − 1) at x = 10^308 stay exact.
    """
    x = _np.asarray(x, dtype=_np.float64)
    out = _np.empty(x.shape, dtype=object)
    with _np.errstate(divide="ignore"):
        decades = _np.nan_to_num(_np.ceil(_np.log10(_np.abs(x))), nan=0.0, posinf=0.0, neginf=0.0)
    dps = 40 + 50 * _np.ceil(_np.maximum(decades, 0) / 50).astype(int)
    for d in _np.unique(dps):
        m = dps == d
        with mpmath.workdps(int(d)):
            y = references()[name](_obj(x[m]))
            y = _obj(y)
            if not isinstance(y, _np.ndarray) or y.shape != x[m].shape:
                y = _np.broadcast_to(y, x[m].shape).astype(object)
            out[m] = y
    return out


def evaluate_huge(name: str, x: float, decades: int):
    """The reference at x·10^decades (beyond every float format), for limits at ±inf."""
    with mpmath.workdps(40 + decades):
        return _obj(references()[name](_np.array([mpmath.mpf(x) * mpmath.mpf(10) ** decades], dtype=object)))[0]


def to_float(y) -> _np.ndarray:
    """mpf values -> float64 (inf beyond the float64 range, NaN kept)."""
    return _np.array([float(v.real if isinstance(v, mpmath.mpc) else v) for v in _np.ravel(y)],
                     dtype=_np.float64).reshape(_np.shape(y))
