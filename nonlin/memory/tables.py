r"""Optimal b-bit piecewise-constant tables of a unit's derivative.

Few-Bit Backward ("Few-Bit Backward: Quantized Gradients of Activation
Functions for Memory Footprint Reduction", Novikov et al., ICML 2022, arXiv
2202.00441) keeps, instead of the input x of an elementwise unit f, a b-bit
code per element and uses in backward a piecewise-constant q(x) ≈ f'(x):

    q(x) = \ell_{c(x)},   c(x) = code of the interval x falls in,

with borders t_1 < ... < t_{m-1} and at most 2^b levels.  The table minimises
the expected squared derivative error

    J(t, \ell) = E_{x\sim p}[(f'(x) - q(x))^2] = \int p(x)\,(f'(x) - q(x))^2\,dx

under an input distribution p: N(0, 1) by default (``"normal"``), uniform on an
interval (``"uniform(-100,100)"`` is the objective of Few-Bit's released
tables), or the empirical distribution of samples from a layer's real inputs.
Tables report ``rel_error = J / E[f'^2]``.

Why the method is exact
-----------------------
1. *Levels for a fixed partition.*  For fixed intervals I_k, J separates into
   \sum_k \int_{I_k} p (f' - \ell_k)^2, a convex quadratic in each \ell_k,
   minimised by the conditional mean \ell_k = E[f' | x \in I_k]; the minimum is
   M2_k - M1_k^2 / W_k with W = \int p, M1 = \int p f', M2 = \int p f'^2 over I_k.
2. *Partitions on a grid.*  Restrict borders to the edges of a fine grid of
   cells (3,000-4,000 cells).  With prefix sums of (W, M1, M2) over cells the
   cost of a run of cells [i, j) is O(1), and
   ``best[k][j] = min_{i<j} best[k-1][i] + cost(i, j)`` enumerates every
   partition of the first j cells into k runs, so the dynamic programme returns
   the global optimum over all border sets on the grid (no local minima, no
   initialisation).  The cell moments are Gauss-Legendre integrals (4 nodes per
   cell), so "exact" is up to that quadrature; for an empirical distribution
   they are exact sums over the samples.
3. *Off the grid.*  The grid optimum is then polished continuously (each border
   free within its two neighbouring cells, L-BFGS-B on J with its exact
   gradient dJ/dt_k = p(t_k)[(f'(t_k) - \ell_k)^2 - (f'(t_k) - \ell_{k+1})^2]),
   which can only lower J.  Without scipy the grid optimum is returned.

Parity
------
If f' is even (f odd: tanh, erf, arctan, ...) and p is symmetric, the table is
folded: the code is the interval of |x| (2^b intervals on [0, inf)), so 2^b
levels cover 2^{b+1} - 1 intervals of the line, and the DP runs on half the
grid.  This is never worse than any unfolded 2^b-interval table q: by symmetry
J(q) = J_+(q) + J_-(q) over the two half-lines, and mirroring the better half
gives a folded table with J <= 2 min(J_+, J_-) <= J(q).  (Few-Bit's released
2-bit tanh table is unfolded, with 4 intervals; the folded optimum is better.)
Other symmetries (f'(x) + f'(-x) = 1 for GELU/SiLU) need no special case: the
full-line DP finds the symmetric optimum itself.

Piecewise-constant derivatives
------------------------------
If f' takes at most 2^b distinct values (ReLU, leaky ReLU, hardtanh, ...; or
the unit's surrogate gradient), the table is exact: borders at the points
where f' changes (bisected to float64 precision), levels the values, rel_error
0.  ReLU at 1 bit is the mask x > 0.  The side a border point itself falls on
follows the unit's own backward rule.

Tables are computed on demand and cached as JSON under ``$NONLIN_CACHE_DIR``
(default ``~/.cache/nonlin``)/memory, keyed by unit, parameters, distribution,
bits and :data:`VERSION`; the computation is deterministic.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from .. import registry

VERSION = 1
BITS = (1, 2, 3, 4)
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(4)


# --------------------------------------------------------------- distributions
@dataclasses.dataclass(frozen=True)
class Normal:
    """N(mean, std^2)."""

    mean: float = 0.0
    std: float = 1.0

    def key(self) -> str:
        return f"normal({self.mean:g},{self.std:g})"

    def pdf(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.std
        return np.exp(-0.5 * z * z) / (self.std * math.sqrt(2 * math.pi))

    def support(self) -> tuple[float, float]:
        return self.mean - 8 * self.std, self.mean + 8 * self.std

    @property
    def symmetric(self) -> bool:
        return self.mean == 0


@dataclasses.dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high] (Few-Bit's released tables: uniform(-100, 100))."""

    low: float
    high: float

    def key(self) -> str:
        return f"uniform({self.low:g},{self.high:g})"

    def pdf(self, x: np.ndarray) -> np.ndarray:
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, 1.0 / (self.high - self.low), 0.0)

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    @property
    def symmetric(self) -> bool:
        return self.low == -self.high


@dataclasses.dataclass(frozen=True)
class Empirical:
    """The empirical distribution of samples (e.g. a layer's recorded inputs)."""

    samples: np.ndarray = dataclasses.field(repr=False, compare=False)
    digest: str = ""

    @classmethod
    def of(cls, samples: Any) -> "Empirical":
        a = np.sort(np.asarray(torch.as_tensor(samples).detach().double().cpu().reshape(-1)))
        if a.size < 2 or not np.isfinite(a).all():
            raise ValueError(f"an empirical distribution needs >= 2 finite samples; got {a.size}"
                             + ("" if np.isfinite(a).all() else " with non-finite values"))
        return cls(a, hashlib.sha256(a.tobytes()).hexdigest()[:16])

    def key(self) -> str:
        return f"empirical({len(self.samples)},{self.digest})"

    def support(self) -> tuple[float, float]:
        return self.samples[0], self.samples[-1]

    @property
    def symmetric(self) -> bool:
        return False


Distribution = Normal | Uniform | Empirical
_DIST_RE = re.compile(r"^\s*(normal|uniform)\s*(?:\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\))?\s*$")


def as_distribution(dist: Any) -> Distribution:
    """``"normal"``, ``"normal(m,s)"``, ``"uniform(a,b)"``, a distribution object, or a tensor of samples."""
    if isinstance(dist, (Normal, Uniform, Empirical)):
        return dist
    if isinstance(dist, (Tensor, np.ndarray, list, tuple)):
        return Empirical.of(dist)
    if isinstance(dist, str):
        m = _DIST_RE.match(dist.lower())
        if m:
            kind, a, b = m.groups()
            if kind == "normal":
                d = Normal() if a is None else Normal(float(a), float(b))
                if not d.std > 0:
                    raise ValueError(f"normal(mean, std) needs std > 0; got {dist!r}")
                return d
            if a is not None and float(a) < float(b):
                return Uniform(float(a), float(b))
    raise ValueError("dist must be 'normal', 'normal(mean,std)', 'uniform(low,high)' with low < high, "
                     f"or a tensor of samples; got {dist!r}")


# ----------------------------------------------------------------------- table
@dataclasses.dataclass(frozen=True)
class Table:
    """A b-bit piecewise-constant derivative: borders, interval codes, levels.

    ``borders`` are sorted; interval i is (borders[i-1], borders[i]] (x equal
    to a border falls left, like ``torch.bucketize(right=False)``).  With
    ``fold`` the borders are on |x| (positive) and the code is the interval of
    |x|.  ``interval_codes`` maps intervals to codes (None: identity), so an
    exact table may have more intervals than levels (hardtanh: 0, 1, 0).
    """

    unit: str
    params: tuple
    bits: int
    dist: str
    borders: tuple
    levels: tuple
    interval_codes: tuple | None = None
    fold: bool = False
    rel_error: float = float("nan")
    method: str = "dp"  # dp | exact | preset
    source: str = ""

    def __post_init__(self):
        n_int = len(self.borders) + 1
        if self.interval_codes is not None and len(self.interval_codes) != n_int:
            raise ValueError(f"{n_int} intervals need {n_int} interval codes; got {len(self.interval_codes)}")
        n_codes = n_int if self.interval_codes is None else max(self.interval_codes) + 1
        if len(self.levels) != n_codes or n_codes > 2 ** self.bits:
            raise ValueError(f"a {self.bits}-bit table has at most {2 ** self.bits} levels, one per code; "
                             f"got {len(self.levels)} levels for {n_codes} codes")
        if list(self.borders) != sorted(self.borders):
            raise ValueError("table borders must be sorted")

    # -- evaluation -------------------------------------------------------
    def encode(self, x: Tensor) -> Tensor:
        """The uint8 code of every element of ``x`` (before packing)."""
        b = torch.tensor(self.borders, dtype=x.dtype, device=x.device)
        idx = torch.bucketize(x.abs() if self.fold else x, b)
        if self.interval_codes is not None:
            idx = torch.tensor(self.interval_codes, dtype=torch.uint8, device=x.device)[idx]
        return idx.to(torch.uint8)

    def level_tensor(self, dtype: torch.dtype = torch.float32, device: Any = None) -> Tensor:
        return torch.tensor(self.levels, dtype=dtype, device=device)

    def derivative(self, x: Tensor) -> Tensor:
        """q(x): the table's approximation of f'."""
        return self.level_tensor(x.dtype, x.device)[self.encode(x).long()]

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def code_bits(self) -> int:
        """Bits a code needs (an exact ReLU table asked for 2 bits still needs only 1)."""
        return max(1, math.ceil(math.log2(len(self.levels))))

    # -- serialisation ----------------------------------------------------
    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["params"] = [list(p) for p in self.params]
        d["version"] = VERSION
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Table":
        d = dict(d)
        d.pop("version", None)
        d["params"] = tuple(tuple(p) for p in d["params"])
        for k in ("borders", "levels"):
            d[k] = tuple(d[k])
        if d.get("interval_codes") is not None:
            d["interval_codes"] = tuple(d["interval_codes"])
        return cls(**d)

    def describe(self) -> str:
        brd = ", ".join(f"{t:+.4f}" for t in self.borders)
        lv = ", ".join(f"{v:+.4f}" for v in self.levels)
        fold = " on |x|" if self.fold else ""
        return (f"{self.unit} {self.bits}-bit table ({self.method}, {self.dist}): borders{fold} [{brd}], "
                f"levels [{lv}], relative derivative error {self.rel_error:.4g}")


# ------------------------------------------------------------------ the maths
def derivative_fn(unit: str, **params: Any) -> Callable[[np.ndarray], np.ndarray]:
    """f'(x) in float64 by the unit's backward rule (its surrogate, if it has one)."""
    s = registry.spec(unit)
    if s.fn is None:
        raise TypeError(f"'{s.name}' is a {s.kind} unit; tables need an elementwise unit "
                        "(give fprime= for a learnable unit at fixed parameters)")
    kw = s.check_params(params)
    u = s.fn

    def fprime(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return u.grad_reference(torch.from_numpy(np.asarray(x, dtype=np.float64)), **kw).numpy()

    return fprime


def _grid(dist: Distribution, fine_cells: int = 3200) -> np.ndarray:
    """Cell edges: fine where the mass and the action are, coarse in far tails."""
    lo, hi = dist.support()
    if isinstance(dist, Empirical):
        a = np.asarray(dist.samples)
        q = np.unique(np.quantile(a, np.linspace(0, 1, min(fine_cells, a.size) + 1)))
        mids = 0.5 * (q[1:-1] + q[2:])  # edges between samples: every cell holds samples
        return np.unique(np.concatenate([[lo - 1.0], mids, [hi + 1.0]]))
    core_lo, core_hi = max(lo, -12.0), min(hi, 12.0)
    if core_lo >= core_hi:  # support far from 0: all fine
        core_lo, core_hi = lo, hi
    edges = [np.linspace(core_lo, core_hi, fine_cells + 1)]
    if lo < core_lo:
        edges.append(np.linspace(lo, core_lo, 201))
    if hi > core_hi:
        edges.append(np.linspace(core_hi, hi, 201))
    return np.unique(np.concatenate(edges))


def _cell_moments(fprime, dist: Distribution, edges: np.ndarray):
    """Per cell: W = \\int p, M1 = \\int p f', M2 = \\int p f'^2."""
    if isinstance(dist, Empirical):
        a = np.asarray(dist.samples)
        d = fprime(a)
        cell = np.searchsorted(edges, a, side="left") - 1
        n = len(edges) - 1
        w = np.bincount(cell, minlength=n)[:n] / a.size
        m1 = np.bincount(cell, weights=d, minlength=n)[:n] / a.size
        m2 = np.bincount(cell, weights=d * d, minlength=n)[:n] / a.size
        return w, m1, m2
    a, b = edges[:-1], edges[1:]
    half = 0.5 * (b - a)
    x = (0.5 * (a + b))[:, None] + half[:, None] * _GL_NODES[None, :]
    p = dist.pdf(x) * half[:, None] * _GL_WEIGHTS[None, :]
    d = fprime(x.reshape(-1)).reshape(x.shape)
    return p.sum(1), (p * d).sum(1), (p * d * d).sum(1)


def _dp(w: np.ndarray, m1: np.ndarray, m2: np.ndarray, k_max: int) -> tuple[list[int], float]:
    """Optimal split of the cells into <= k_max runs; returns cut indices and the cost."""
    n = len(w)
    k_max = min(k_max, n)
    shift = m1.sum() / max(w.sum(), 1e-300)  # centre f' so the prefix sums don't cancel
    m2c = m2 - 2 * shift * m1 + shift * shift * w
    m1c = m1 - shift * w
    W = np.concatenate([[0.0], np.cumsum(w)])
    S1 = np.concatenate([[0.0], np.cumsum(m1c)])
    S2 = np.concatenate([[0.0], np.cumsum(m2c)])

    def cost(i: np.ndarray, j: np.ndarray) -> np.ndarray:  # runs [i, j)
        ww = W[j] - W[i]
        s1 = S1[j] - S1[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = (S2[j] - S2[i]) - np.where(ww > 1e-300, s1 * s1 / ww, 0.0)
        return np.maximum(c, 0.0)

    best = np.full((k_max + 1, n + 1), np.inf)
    arg = np.zeros((k_max + 1, n + 1), dtype=np.int64)
    best[1, 1:] = cost(np.zeros(n, dtype=np.int64), np.arange(1, n + 1))
    idx = np.arange(n + 1)
    block = max(1, (1 << 21) // (n + 1))
    for k in range(2, k_max + 1):
        for j0 in range(k, n + 1, block):
            js = np.arange(j0, min(n + 1, j0 + block))
            ii, jj = np.meshgrid(idx, js)
            tot = best[k - 1][ii] + cost(ii, jj)
            tot[ii >= jj] = np.inf
            tot[ii < k - 1] = np.inf
            a = np.argmin(tot, axis=1)
            best[k, js] = tot[np.arange(len(js)), a]
            arg[k, js] = a
    k = int(np.argmin(best[1:, n])) + 1  # more runs never hurt, but ties keep fewer
    cuts, j = [], n
    while k > 1:
        i = int(arg[k, j])
        cuts.append(i)
        j, k = i, k - 1
    return sorted(cuts), float(best[:, n].min())


def _segment_levels(w, m1, cuts):
    bounds = [0, *cuts, len(w)]
    return [float(m1[a:b].sum() / w[a:b].sum()) if w[a:b].sum() > 0 else 0.0
            for a, b in zip(bounds[:-1], bounds[1:])]


def _objective(fprime, dist, borders: np.ndarray, lo: float, hi: float, fine: int = 20000):
    """J and its gradient for continuous borders, on a dense Gauss-Legendre rule over [lo, hi]."""
    edges = np.unique(np.concatenate([np.linspace(lo, hi, fine + 1), borders]))
    w, m1, m2 = _cell_moments(fprime, dist, edges)
    cuts = np.searchsorted(edges, borders)
    levels = _segment_levels(w, m1, list(cuts))
    bounds = [0, *cuts, len(w)]
    J = sum(float(m2[a:b].sum() - 2 * lv * m1[a:b].sum() + lv * lv * w[a:b].sum())
            for (a, b), lv in zip(zip(bounds[:-1], bounds[1:]), levels))
    d = fprime(borders)
    p = dist.pdf(borders)
    lv = np.asarray(levels)
    grad = p * ((d - lv[:-1]) ** 2 - (d - lv[1:]) ** 2)
    return J, grad, levels


def _polish(fprime, dist, edges, cuts, lo, hi):
    """Move each grid border within its neighbouring cells to lower J (L-BFGS-B); keeps the DP result on failure."""
    t0 = edges[np.asarray(cuts)]
    try:
        from scipy.optimize import minimize
    except ImportError:  # optional: the grid optimum stands
        return t0
    bounds = [(edges[max(c - 1, 0)], edges[min(c + 1, len(edges) - 1)]) for c in cuts]
    fine = 4000

    def fun(t):
        J, g, _ = _objective(fprime, dist, np.sort(t), lo, hi, fine)
        return J, g

    j0 = fun(t0)[0]
    res = minimize(fun, t0, jac=True, method="L-BFGS-B", bounds=bounds, options=dict(maxiter=200, ftol=1e-15, gtol=1e-12))
    return np.sort(res.x) if res.fun <= j0 else t0


def _is_even(fprime, dist, edges) -> bool:
    if not dist.symmetric:
        return False
    x = np.linspace(1e-3, min(abs(edges[0]), edges[-1]), 2001)
    a, b = fprime(x), fprime(-x)
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(a).max())))


def _exact_table(fprime, dist, bits, lo, hi, unit_rule):
    """If f' is piecewise constant with <= 2^bits values: (borders, interval codes, levels), else None."""
    x = np.linspace(lo, hi, 200001)
    d = fprime(x)
    vals = np.unique(np.round(d, 12))
    if len(vals) > 2 ** bits or not np.isfinite(vals).all():
        return None
    change = np.nonzero(np.round(d[1:], 12) != np.round(d[:-1], 12))[0]
    if len(change) > 64:
        return None
    borders, sides = [], []
    for i in change:
        a, b = x[i], x[i + 1]
        da = np.round(d[i], 12)
        for _ in range(80):  # bisect to float64 precision
            m = 0.5 * (a + b)
            if m in (a, b):
                break
            if np.round(unit_rule(np.array([m]))[0], 12) == da:
                a = m
            else:
                b = m
        borders.append(a)  # unit_rule(a) == left value: x == border falls left, as bucketize does
    intervals = [np.round(d[0], 12)] + [np.round(d[i + 1], 12) for i in change]
    levels = sorted(set(intervals))
    codes = tuple(levels.index(v) for v in intervals)
    return tuple(float(t) for t in borders), codes, tuple(float(v) for v in levels)


def _rel_error(fprime, dist, table: Table) -> float:
    lo, hi = dist.support()
    edges = _grid(dist, 8000)
    if isinstance(dist, Empirical):
        a = np.asarray(dist.samples)
        d = fprime(a)
        q = table.derivative(torch.from_numpy(a)).numpy()
        return float(np.mean((d - q) ** 2) / max(np.mean(d * d), 1e-300))
    a, b = edges[:-1], edges[1:]
    half = 0.5 * (b - a)
    x = (0.5 * (a + b))[:, None] + half[:, None] * _GL_NODES[None, :]
    p = dist.pdf(x) * half[:, None] * _GL_WEIGHTS[None, :]
    d = fprime(x.reshape(-1)).reshape(x.shape)
    q = table.derivative(torch.from_numpy(x.reshape(-1))).numpy().reshape(x.shape)
    den = (p * d * d).sum()
    return float((p * (d - q) ** 2).sum() / den) if den > 0 else 0.0


def compute_table(unit: str | None = None, bits: int = 2, dist: Any = "normal", *,
                  fprime: Callable[[np.ndarray], np.ndarray] | None = None,
                  params: dict | None = None, polish: bool = True, fold: bool | None = None,
                  fine_cells: int = 3200) -> Table:
    """Compute (never from cache) the optimal ``bits``-bit table of f' under ``dist``.

    ``unit`` is a registered elementwise unit (its backward rule is f'); or
    pass ``fprime`` (a float64 NumPy function) for any other derivative, e.g.
    a learnable unit at fixed parameters.  ``fold=None`` folds on |x| when f'
    is even and ``dist`` symmetric (see the module doc).  ``fine_cells``: grid
    resolution of the DP; ``polish=False`` returns the grid optimum.
    """
    _check_bits(bits)
    params = dict(params or {})
    name = unit or "custom"
    if fprime is None:
        if unit is None:
            raise ValueError("compute_table needs a unit name or an fprime function")
        name = registry.spec(unit).name
        fprime = derivative_fn(name, **params)
    dist = as_distribution(dist)
    lo, hi = dist.support()
    edges = _grid(dist, fine_cells)
    key_params = tuple(sorted((k, v) for k, v in params.items()))
    exact = _exact_table(fprime, dist, bits, min(lo, -12.0), max(hi, 12.0), fprime) \
        if not isinstance(dist, Empirical) else _exact_table(fprime, dist, bits, lo, hi, fprime)
    if exact is not None:
        borders, codes, levels = exact
        identity = codes == tuple(range(len(codes)))
        t = Table(name, key_params, bits, dist.key(), borders, levels, None if identity else codes,
                  False, 0.0, "exact", "f' is piecewise constant")
        return dataclasses.replace(t, rel_error=_rel_error(fprime, dist, t))
    do_fold = _is_even(fprime, dist, edges) if fold is None else fold
    if do_fold:
        if not dist.symmetric:
            raise ValueError("fold=True needs a distribution symmetric about 0")
        half = edges[edges >= 0]
        if half[0] > 0:
            half = np.concatenate([[0.0], half])
        w, m1, m2 = _cell_moments(fprime, dist, half)
        w, m1, m2 = 2 * w, 2 * m1, 2 * m2
        cuts, _ = _dp(w, m1, m2, 2 ** bits)
        borders = half[np.asarray(cuts, dtype=int)] if cuts else np.array([])
        levels = _segment_levels(w, m1, cuts)
        if polish and cuts and not isinstance(dist, Empirical):
            borders = _polish_folded(fprime, dist, half, cuts, hi)
            levels = _objective(fprime, dist, borders, 0.0, hi, 20000)[2]
        t = Table(name, key_params, bits, dist.key(), tuple(map(float, borders)), tuple(map(float, levels)),
                  None, True, float("nan"), "dp", "DP over the |x| grid (f' even)")
    else:
        w, m1, m2 = _cell_moments(fprime, dist, edges)
        cuts, _ = _dp(w, m1, m2, 2 ** bits)
        borders = edges[np.asarray(cuts, dtype=int)] if cuts else np.array([])
        levels = _segment_levels(w, m1, cuts)
        if polish and cuts and not isinstance(dist, Empirical):
            borders = _polish(fprime, dist, edges, cuts, lo, hi)
            levels = _objective(fprime, dist, borders, lo, hi, 20000)[2]
        t = Table(name, key_params, bits, dist.key(), tuple(map(float, borders)), tuple(map(float, levels)),
                  None, False, float("nan"), "dp", "DP over the grid")
    return dataclasses.replace(t, rel_error=_rel_error(fprime, dist, t))


def _polish_folded(fprime, dist, half, cuts, hi):
    """_polish on the half line: J(|x|-table) = 2 \\int_0^inf p (f' - Q)^2 for even p, f'."""
    return _polish(fprime, dist, half, cuts, 0.0, hi)


def _check_bits(bits: Any) -> None:
    if isinstance(bits, bool) or bits not in BITS:
        raise ValueError(f"bits must be one of {', '.join(map(str, BITS))}; got {bits!r}")


# -------------------------------------------------------------------- caching
def cache_dir() -> Path:
    """``$NONLIN_CACHE_DIR/memory`` or ``~/.cache/nonlin/memory``."""
    root = os.environ.get("NONLIN_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "nonlin")
    return Path(root) / "memory"


_MEMO: dict = {}


def table(unit: str, bits: int = 2, dist: Any = "normal", *, cache: bool = True, **params: Any) -> Table:
    """The optimal table of a registered unit: from memory, then the disk cache, else computed and stored.

    ``unit`` may also name a preset (:data:`PRESETS`: ``regelu2``,
    ``resilu2``, ``fewbit_gelu``, ``fewbit_silu``, ``fewbit_tanh``).
    """
    _check_bits(bits)
    if unit.lower() in PRESETS:
        return preset(unit, bits)
    s = registry.spec(unit)
    kw = s.check_params(params) if s.fn is not None else params
    d = as_distribution(dist)
    key = json.dumps([s.name, sorted(kw.items()), d.key(), bits, VERSION], default=repr)
    if key in _MEMO:
        return _MEMO[key]
    path = cache_dir() / f"{s.name}-{bits}bit-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if cache and path.exists():
        try:
            t = Table.from_dict(json.loads(path.read_text())["table"])
            _MEMO[key] = t
            return t
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            pass  # stale or damaged entry: recompute and overwrite
    t = compute_table(s.name, bits, d, params=kw)
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "table": t.to_dict()}, indent=1))
            tmp.replace(path)
        except OSError:
            pass  # a read-only home is no reason to fail
    _MEMO[key] = t
    return t


# -------------------------------------------------------------------- presets
def _approx_bp(name: str, a: Sequence[float], c: Sequence[float], unit: str, source: str) -> Table:
    """Approx-BP's 2-bit rule: q(x) = \\sum_{i<k} a_i with k = #{c_i < x}."""
    levels = tuple(float(sum(a[:k])) for k in range(4))
    return Table(unit, (), 2, "approx-bp primitive fit", tuple(c), levels, None, False,
                 float("nan"), "preset", source)


_APPROX_BP = "Yang et al., 'Reducing Fine-Tuning Memory Overhead by Approximate and Memory-Sharing Backpropagation', arXiv 2406.16282"
_FEWBIT = "Novikov et al., 'Few-Bit Backward', arXiv 2202.00441, released tables (uniform objective on [-100, 100])"

# Published constants (reference: shared/references/memory_and_probes.md, checked against the papers).
PRESETS: dict[str, dict] = {
    "regelu2": dict(unit="gelu", bits=2, make=lambda: _approx_bp(
        "regelu2", (-0.04922261145617846, 1.0979632065417297, -0.048740595085551286),
        (-3.1858810036855245, -0.001178821281161997, 3.190832613414926), "gelu", "ReGELU2, " + _APPROX_BP)),
    "resilu2": dict(unit="silu", bits=2, make=lambda: _approx_bp(
        "resilu2", (-0.04060357190528599, 1.080925428529668, -0.040321856624382146),
        (-6.3050461001646445, -0.0008684942046214787, 6.325815242089708), "silu", "ReSiLU2, " + _APPROX_BP)),
    "fewbit_gelu": dict(unit="gelu", bits=(1, 2, 3), make=lambda bits: {
        1: Table("gelu", (), 1, "uniform(-100,100)", (0.0,), (0.0, 1.0), None, False, float("nan"), "preset", _FEWBIT),
        2: Table("gelu", (), 2, "uniform(-100,100)", (-0.4536, 0.0, 0.4536), (-0.0015, 0.3251, 0.6749, 1.0015),
                 None, False, float("nan"), "preset", _FEWBIT),
        3: Table("gelu", (), 3, "uniform(-100,100)", (-2.4166, -0.7100, -0.3258, 0.0001, 0.3261, 0.7102, 2.4145),
                 (-0.0002, -0.0883, 0.1257, 0.3723, 0.6279, 0.8745, 1.0883, 1.0002), None, False,
                 float("nan"), "preset", _FEWBIT)}[bits]),
    "fewbit_silu": dict(unit="silu", bits=(2,), make=lambda bits: Table(
        "silu", (), 2, "uniform(-100,100)", (-0.7433, 0.0, 0.7433), (-0.0024, 0.3223, 0.6777, 1.0024),
        None, False, float("nan"), "preset", _FEWBIT)),
    "fewbit_tanh": dict(unit="tanh", bits=(2,), make=lambda bits: Table(
        "tanh", (), 2, "uniform(-100,100)", (-1.0438, 0.8000, 1.5398), (0.0022, 0.7828, 0.3353, 0.0009),
        None, False, float("nan"), "preset", _FEWBIT)),
}


def preset(name: str, bits: int = 2, dist: Any = "normal") -> Table:
    """A published table, with its relative derivative error under ``dist`` (default N(0,1))."""
    key = name.lower()
    if key not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(sorted(PRESETS))}")
    p = PRESETS[key]
    allowed = p["bits"] if isinstance(p["bits"], tuple) else (p["bits"],)
    if bits not in allowed:
        raise ValueError(f"preset {name!r} exists for bits {', '.join(map(str, allowed))}; got {bits!r}")
    t = p["make"]() if not isinstance(p["bits"], tuple) else p["make"](bits)
    d = as_distribution(dist)
    return dataclasses.replace(t, rel_error=_rel_error(derivative_fn(t.unit), d, t))
