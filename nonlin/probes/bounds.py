"""Sound bounds for networks of any elementwise unit: relaxations, IBP, CROWN, Lipschitz, verification.

**Relaxations** (:func:`relaxation`).  For a unit f on an interval [l, u] we return linear functions
a_l·x + b_l ≤ f(x) ≤ a_u·x + b_u, the range [lo, hi] of f and the range [d_lo, d_hi] of f', for any
registered elementwise unit, derived automatically from the unit's definition:

1. sample f and f' (autograd; central differences for units whose backward is a surrogate) on a grid of
   n + 1 points with spacing h; on each cell enclose f' in [m, M], the hull of its end values widened
   by the smaller change of f' over the two neighbouring cells (a second-derivative estimate that a
   kink does not inflate);
2. find the *irregular* cells — a jump, an infinite slope (√x at 0), or f' leaving [m, M] — by a
   bisection search on secants (:func:`_zoom`: every sub-cell secant is a value of f', so a secant
   outside [m, M] proves the enclosure wrong; a jump's secant J/h_k doubles per level);
3. re-analyse irregular cells on a sub-grid of ``_SUB`` cells, ``_DEPTH`` levels deep; at the deepest
   level enclose f on the cell by sub-samples (widened by their largest step if monotone, else by
   their range) and give it the derivative range (-inf, inf);
4. on a regular cell a function with derivative in [p, q] stays below the envelope
   min(e_a + q·t, e_b − p·(h − t)) (:func:`_envelope_max`; exact end values on monotone cells);
5. the slope of the upper (lower) line minimises the line's value at the interval's midpoint over all
   lines above (below) the samples — the minimum-area line, which for ReLU is the triangle relaxation's
   chord and CROWN's adaptive lower line — and the offset is then raised by the largest gap of steps
   3–4, plus a float64 rounding margin;
6. the result is checked on the cells' midpoints (a second, interleaved grid); if any sample falls
   outside, it is redone with the larger neighbour change as the margin, then on a grid 4× finer (up
   to ``max_points``).  Unbounded intervals and units that overflow get the vacuous relaxation.

Soundness therefore rests on stated assumptions, not interval arithmetic: within a cell f' varies no
more than over its neighbouring cells unless the bisection finds a secant proving otherwise; a kink
does not exactly cancel a jump inside a cell that looks affine at both ends and both neighbours;
between the deepest sub-samples f moves no more than step 3 allows.  The tests check every registered
elementwise unit and ten hard synthetic functions on dense random samples, values and secants.

**Propagation** through a chain of affine modules (Linear, Conv, Flatten, AvgPool, BatchNorm in eval,
Dropout, Identity) and unit modules, e.g. an ``nn.Sequential`` MLP or CNN of any units:

* :func:`ibp` — interval bound propagation (Gowal et al., arXiv 1810.12715);
* :func:`crown` — CROWN back-substitution of the linear relaxations (Zhang et al., "Efficient Neural
  Network Robustness Certification with General Activation Functions", arXiv 1811.00866), intersected
  with IBP; for ReLU it reproduces CROWN's bounds;
* :func:`lipschitz` — a certified local Lipschitz upper bound over an ℓ∞ ball: interval bounds on every
  entry of the Jacobian W_K D_{K−1} … D_1 W_1 with D_j ∈ [f'(z) over the CROWN interval] (Fast-Lip,
  Weng et al., arXiv 1804.09699; cf. arXiv 2210.07394), then the norm of the entrywise magnitude bound;
  compared with the product of layer norms and with the largest sampled gradient norm;
* :func:`verified_accuracy` — fraction of samples whose class is certified against every ℓ∞
  perturbation of radius ε (verified-robust accuracy).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .. import registry
from ._common import Result, _is_activation, batches, mean_ci

_DTYPE = torch.float64


# ---- relaxations of one unit ------------------------------------------------------------------


@dataclasses.dataclass
class Relaxation(Result):
    """Linear bounds of a unit over [l, u] (all fields have the shape of l)."""

    unit: str
    l: torch.Tensor
    u: torch.Tensor
    lower_slope: torch.Tensor
    lower_bias: torch.Tensor
    upper_slope: torch.Tensor
    upper_bias: torch.Tensor
    lo: torch.Tensor      # f(x) >= lo on [l, u]
    hi: torch.Tensor      # f(x) <= hi on [l, u]
    d_lo: torch.Tensor    # f'(x) >= d_lo on [l, u]  (-inf if f jumps)
    d_hi: torch.Tensor    # f'(x) <= d_hi on [l, u]  (+inf if f jumps)
    points: int           # grid points used
    fn: Callable | None = dataclasses.field(default=None, repr=False)

    def _draw(self, ax: Any) -> None:
        l, u = float(self.l.ravel()[0]), float(self.u.ravel()[0])
        x = torch.linspace(l, u, 400, dtype=_DTYPE)
        if self.fn is not None:
            ax.plot(x, self.fn(x.reshape(-1, *([1] * self.l.dim()))).reshape(400, -1)[:, 0].detach(),
                    "k", label=self.unit)
        ls, lb = float(self.lower_slope.ravel()[0]), float(self.lower_bias.ravel()[0])
        us, ub = float(self.upper_slope.ravel()[0]), float(self.upper_bias.ravel()[0])
        ax.plot(x, ls * x + lb, "tab:blue", label="lower")
        ax.plot(x, us * x + ub, "tab:red", label="upper")
        ax.set_title(f"{self.unit} on [{l:g}, {u:g}]", fontsize=9)
        ax.legend(fontsize=7)


def _unit_callable(unit: Any, params: dict) -> tuple[Callable, str, bool]:
    """(float64 elementwise callable, unit name, backward-is-surrogate) of a name, module or callable."""
    if isinstance(unit, str):
        s = registry.spec(unit)
        if s.fn is not None:
            fn = registry.get_fn(s.name, **params)
        elif s.kind == "learnable" and s.properties.get("elementwise"):
            fn = registry.create(s.name, **params).to(_DTYPE)
        else:
            raise ValueError(f"'{s.name}' is a {s.kind} unit; relaxations need an elementwise unit "
                             "(kind 'activation', or a learnable unit with the 'elementwise' property)")
        return fn, s.name, bool(s.properties.get("surrogate_gradient"))
    if isinstance(unit, nn.Module):
        name = _is_activation(unit) or type(unit).__name__
        surrogate = False
        try:
            surrogate = bool(registry.spec(name).properties.get("surrogate_gradient"))
        except KeyError:
            pass
        return copy.deepcopy(unit).to(_DTYPE), name, surrogate
    if callable(unit):
        return unit, getattr(unit, "__name__", "f"), False
    raise TypeError(f"unit must be a registered name, an nn.Module or a callable; got {type(unit).__name__}")


def _values_and_slopes(f: Callable, x: torch.Tensor, surrogate: bool) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.enable_grad():
        xx = x.detach().clone().requires_grad_(not surrogate)
        y = f(xx)
        if not surrogate and y.requires_grad:
            (d,) = torch.autograd.grad(y.sum(), xx, allow_unused=True, materialize_grads=True)
        elif not surrogate:   # no graph from x to f(x) (comparisons, rounding): piecewise constant
            d = torch.zeros_like(y)
    y = y.detach()
    if surrogate:  # the true derivative, by central differences (autograd gives the surrogate)
        step = 1e-7 * (1 + x.abs())
        with torch.no_grad():
            d = (f(x + step) - f(x - step)) / (2 * step)
    return y.to(_DTYPE), d.to(_DTYPE)


def _values(f: Callable, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return f(x).detach().to(_DTYPE)


_ZOOM_LEVELS = 32       # bisections that look for a jump or an infinite slope inside each cell
_SUB = 32               # sub-cells that enclose f on an irregular cell


def _zoom(f: Callable, x: torch.Tensor, y: torch.Tensor, d: torch.Tensor, m: torch.Tensor, M: torch.Tensor,
          surrogate: bool) -> torch.Tensor:
    """Cells on which f' is *not* inside [m, M]: a jump, an infinite slope, or a derivative that escapes
    its enclosure.  By the mean-value theorem every secant of a sub-cell is a value of f' there, so
    each cell is bisected ``_ZOOM_LEVELS`` times and the secants of both halves are compared with
    [m, M]: a jump J gives a secant ≈ J / h_k that doubles at every level, an infinite slope (√x,
    x log|x|) one that grows like h_k^{-1/2} or log h_k, while on a regular cell the secants converge
    to values of f' inside [m, M].  Two paths are followed per cell: the half with the larger
    trapezoid residual |Δf − h_k (f'_a + f'_b)/2| (≈ 0 on a smooth piece, ≈ J on a jump however
    small, so it walks to the non-smooth point even where a kink hides a small jump at coarse
    levels), and the half whose secant lies furthest outside [m, M].  A jump is found once
    J > h·2^-k·(|m| + |M|), i.e. down to about 1e-12·h·(|m| + |M|) (surrogate-gradient units,
    whose f' comes from central differences, follow the residual path only to h_k ≈ 1e-5)."""
    # Cells on which f agrees with one affine function in value and slope at both ends and on both
    # neighbouring cells are affine (a jump there would have to be cancelled exactly by a kink): the
    # linear pieces of ReLU-type units and the flat pieces of steps skip the search.  The others are
    # gathered, padded to the same count per element (the unit's layout must stay intact).
    hh = x[1:] - x[:-1]
    affine = (d[1:] == d[:-1]) & ((y[1:] - y[:-1] - hh * d[:-1]).abs() <= 1e-14 * (1 + y[1:].abs() + y[:-1].abs()))
    if len(affine) > 2:
        affine[1:-1] &= affine[:-2] & affine[2:]
    candidate = ~affine & (hh > 0)
    irregular = torch.zeros(m.shape, dtype=torch.bool)
    R = int(candidate.sum(0).max()) if candidate.numel() else 0
    if R == 0:
        return irregular
    order = torch.argsort((~candidate).to(torch.int8), dim=0, stable=True)[:R]
    valid = candidate.gather(0, order)
    pick = lambda v: v.gather(0, order)   # noqa: E731
    x0, x1, y0, y1, d0, d1 = pick(x[:-1]), pick(x[1:]), pick(y[:-1]), pick(y[1:]), pick(d[:-1]), pick(d[1:])
    m, M = pick(m), pick(M)
    x1 = torch.where(valid, x1, x0)                  # padding: empty cells
    scale = 1 + m.abs() + M.abs()
    flags = torch.zeros(m.shape, dtype=torch.bool)

    def excess(s, h, fl, fr):   # > 0: the secant cannot be a value of f' in [m, M] (rounding allowed)
        e = torch.maximum(s - M, m - s) - (1e-7 * scale + 1e-13 * (1 + fl.abs() + fr.abs()) / h)
        return torch.where(torch.isnan(e), math.inf, e)   # NaN: f undefined or infinite inside

    for by_residual in (True, False):
        a, b, fa, fb, da, db = x0, x1, y0, y1, d0, d1
        live = b > a
        for _ in range(_ZOOM_LEVELS):
            h = (b - a) / 2
            c = a + h
            live = live & (c > a) & (c < b)          # stop where float64 cannot halve the cell any more
            if by_residual and surrogate:
                live = live & (h > 1e-5 * (1 + c.abs()))
            if not bool(live.any()):
                break
            if by_residual:
                fc, dc = _values_and_slopes(f, c, surrogate)
            else:
                fc = _values(f, c)
            safe_h = torch.where(live, h, torch.ones_like(h))
            e_left = excess((fc - fa) / safe_h, safe_h, fa, fc)
            e_right = excess((fb - fc) / safe_h, safe_h, fc, fb)
            flags |= live & ((e_left > 0) | (e_right > 0))
            if by_residual:
                r_left = (fc - fa - safe_h * (da + dc) / 2).abs().nan_to_num(nan=math.inf)
                r_right = (fb - fc - safe_h * (dc + db) / 2).abs().nan_to_num(nan=math.inf)
                left = r_left >= r_right
                da, db = torch.where(left, da, dc), torch.where(left, dc, db)
            else:
                left = e_left >= e_right
            a, b = torch.where(left, a, c), torch.where(left, c, b)
            fa, fb = torch.where(left, fa, fc), torch.where(left, fc, fb)
    return irregular.scatter(0, order, flags & valid)


_DEPTH = 4              # irregular cells are re-analysed on a sub-grid of _SUB cells, this many times


def _irregular_cells(x: torch.Tensor, irregular: torch.Tensor) -> tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The irregular cells of every element, padded to the same count R: (R, a, b, valid) with a, b of
    shape (R, *shape); padding cells are empty (a = b) and not valid."""
    R = int(irregular.sum(0).max()) if irregular.numel() else 0
    if R == 0:
        return 0, x[:0], x[:0], irregular[:0]
    # stable sort puts the irregular cells of each element first
    order = torch.argsort((~irregular).to(torch.int8), dim=0, stable=True)[:R]
    valid = irregular.gather(0, order)
    a = x[:-1].gather(0, order)
    b = torch.where(valid, x[1:].gather(0, order), a)
    return R, a, b, valid


def _subsample(f: Callable, a: torch.Tensor, b: torch.Tensor) -> dict:
    """f on _SUB + 1 points of each cell [a, b] (the last resort for a cell still irregular at the
    deepest level): xs, ys of shape (_SUB + 1, *a.shape)."""
    t = torch.linspace(0, 1, _SUB + 1, dtype=_DTYPE).reshape(-1, *([1] * a.dim()))
    xs = a + (b - a) * t
    xs[-1] = b
    return dict(xs=xs, ys=_values(f, xs))


def _hull_widened(v: torch.Tensor, upper: bool) -> torch.Tensor:
    """Max (or min) over sub-samples v (S + 1, ...) of a cell that stays irregular at the deepest level,
    widened: by the largest consecutive change where the sub-samples are monotone (f then leaves
    their hull by no more than one step: jumps, monotone cusps such as √x), else by their whole range
    (a V-shaped cusp such as |x|^0.3 can dip between two equal samples on either side of it).  NaN
    and inf give an infinite enclosure."""
    step = v[1:] - v[:-1]
    monotone = (step >= 0).all(0) | (step <= 0).all(0)
    widen = torch.where(monotone, step.abs().amax(0), v.amax(0) - v.amin(0))
    out = v.amax(0) + widen if upper else v.amin(0) - widen
    return out.nan_to_num(nan=math.inf if upper else -math.inf)


def _analyse(f: Callable, l: torch.Tensor, u: torch.Tensor, n: int, surrogate: bool, tight: bool = True,
             depth: int = 0) -> dict:
    t = torch.linspace(0, 1, n + 1, dtype=_DTYPE).reshape(-1, *([1] * l.dim()))
    x = l + (u - l) * t
    x[-1] = u
    y, d = _values_and_slopes(f, x, surrogate)
    singular = ~torch.isfinite(d)               # f'(x) infinite or undefined at a grid point (√x at 0)
    d = torch.where(singular, torch.zeros_like(d), d)
    h = (u - l) / n
    dd = (d[1:] - d[:-1]).abs()                      # change of f' over each cell
    # widen by the change of f' over the neighbouring cells: the smaller of the two, so a kink (f'
    # jumps in one cell, constant beside it) does not widen its neighbours, while smooth curvature
    # (f' changing in every cell) adds about |f''|·h, more than f' can leave its end values' hull.
    # A cell whose change of f' dwarfs a neighbour's holds a kink; beside a kink f' may keep curving
    # up to it, with f'' growing, so such cells take twice the smaller neighbour change.
    neigh = torch.zeros_like(dd)
    if len(dd) > 1:
        lo_n, hi_n = torch.zeros_like(dd), torch.zeros_like(dd)
        lo_n[1:-1], hi_n[1:-1] = torch.minimum(dd[:-2], dd[2:]), torch.maximum(dd[:-2], dd[2:])
        lo_n[0] = hi_n[0] = dd[1]
        lo_n[-1] = hi_n[-1] = dd[-2]
        kink = dd > 2 * lo_n
        neigh = torch.where(kink, 2 * lo_n, lo_n) if tight else 2 * hi_n   # 2x: f'' may grow towards a kink
    m = torch.minimum(d[:-1], d[1:]) - neigh
    M = torch.maximum(d[:-1], d[1:]) + neigh
    irregular = _zoom(f, x, y, d, m, M, surrogate) | singular[:-1] | singular[1:]
    irregular &= (h > 0)
    R, ca, cb, valid = _irregular_cells(x, irregular)
    out = dict(x=x, y=y, d=d, h=h, m=m, M=M, jump=irregular, R=R, valid=valid)
    if R:
        # a jump stays irregular at every depth (it lies in one sub-cell); a derivative that merely
        # escaped a coarse cell's enclosure (GELU's bump inside a cell of width 1e4) resolves
        # a grid on which most cells are irregular (a staircase, or an oscillation far below the grid's
        # resolution) is not refined: the cost would multiply by _SUB per level for little gain
        if depth < _DEPTH and R * 4 <= n:
            out["sub"] = _analyse(f, ca, cb, _SUB, surrogate, tight, depth + 1)
        else:
            out["leaf"] = _subsample(f, ca, cb)
    return out


def _envelope_max(ea: torch.Tensor, eb: torch.Tensor, p: torch.Tensor, q: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """Largest value on [0, h] of any function with end values ea, eb and derivative in [p, q].  Such a
    function lies below min(ea + q·t, eb − p·(h − t)), a concave envelope whose maximum on [0, h] is at
    an end or where the two lines cross.  It is max(ea, eb) for a monotone function (p ≥ 0 or q ≤ 0:
    a sigmoid cell of width 1e4 adds nothing) and at most max(ea, eb) + (q − p)·h/4."""
    w = q - p
    t = ((eb - ea - p * h) / torch.where(w > 0, w, torch.ones_like(w))).clamp(min=0)
    t = torch.minimum(t, h)
    cross = torch.minimum(ea + q * t, eb - p * (h - t))
    return torch.maximum(torch.maximum(ea, eb), torch.where(w > 0, cross, torch.full_like(cross, -math.inf)))


def _gap(a: dict, alpha: torch.Tensor, sign: float) -> torch.Tensor:
    """Bound of max (sign·f(x) − alpha·x) over the analysed interval(s), per element."""
    e = sign * a["y"] - alpha * a["x"]
    # regular cell: e' = ±f' − alpha lies in [p, q], so e stays below the envelope of the two lines of
    # slopes q (from the left end) and p (from the right end)
    p, q = (a["m"] - alpha, a["M"] - alpha) if sign > 0 else (-a["M"] - alpha, -a["m"] - alpha)
    smooth = _envelope_max(e[:-1], e[1:], p, q, a["h"])
    gap = torch.where(a["jump"], torch.full_like(smooth, -math.inf), smooth).amax(0)
    if a["R"]:
        if "sub" in a:
            inner = _gap(a["sub"], alpha, sign)
        else:
            inner = _hull_widened(sign * a["leaf"]["ys"] - alpha * a["leaf"]["xs"], upper=True)
        gap = torch.maximum(gap, torch.where(a["valid"], inner, torch.full_like(inner, -math.inf)).amax(0))
    return gap


def _upper_line(a: dict, sign: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Slope and offset of a line above sign·f on [l, u] (sign = -1 gives a line below f, negated)."""
    x, y, h = a["x"], sign * a["y"], a["h"]
    mid = (x[0] + x[-1]) / 2
    # slope: minimise phi(alpha) = alpha*mid + max_j (y_j - alpha x_j), convex; golden-section search
    s = (y[1:] - y[:-1]) / torch.where(h > 0, h, torch.ones_like(h))
    lo, hi = s.amin(0) - 1e-12, s.amax(0) + 1e-12

    def phi(alpha):
        return alpha * mid + (y - alpha * x).amax(0)

    g = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        c1, c2 = hi - g * (hi - lo), lo + g * (hi - lo)
        left = phi(c1) <= phi(c2)
        hi = torch.where(left, c2, hi)
        lo = torch.where(left, lo, c1)
    alpha = (lo + hi) / 2
    gap = _gap(a, alpha, sign)
    gap = gap + 1e-12 * (1 + y.abs().amax(0) + (alpha * x).abs().amax(0))
    return alpha, gap


def _range(a: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(lo, hi, d_lo, d_hi): enclosures of f and f' over the analysed interval(s), per element."""
    y, h, jump, m, M = a["y"], a["h"], a["jump"], a["m"], a["M"]
    inf = torch.full_like(m, math.inf)
    hi = torch.where(jump, -inf, _envelope_max(y[:-1], y[1:], m, M, h)).amax(0)
    lo = torch.where(jump, inf, -_envelope_max(-y[:-1], -y[1:], -M, -m, h)).amin(0)
    d_lo = torch.where(jump, inf, m).amin(0)
    d_hi = torch.where(jump, -inf, M).amax(0)
    tol = 1e-12 * (1 + y.abs().amax(0))
    if a["R"]:
        if "sub" in a:
            s_lo, s_hi, s_dlo, s_dhi = _range(a["sub"])
        else:
            ys = a["leaf"]["ys"]
            s_lo, s_hi = _hull_widened(ys, upper=False), _hull_widened(ys, upper=True)
            s_dlo, s_dhi = -torch.ones_like(s_lo) * math.inf, torch.ones_like(s_lo) * math.inf
        v, big = a["valid"], torch.full_like(s_lo, math.inf)
        lo = torch.minimum(lo, torch.where(v, s_lo, big).amin(0))
        hi = torch.maximum(hi, torch.where(v, s_hi, -big).amax(0))
        d_lo = torch.minimum(d_lo, torch.where(v, s_dlo, big).amin(0))
        d_hi = torch.maximum(d_hi, torch.where(v, s_dhi, -big).amax(0))
    return lo - tol, hi + tol, d_lo, d_hi


def relaxation(unit: Any, l: Any, u: Any, points: int = 1024, max_points: int = 65536, **params) -> Relaxation:
    """Sound linear bounds, value range and derivative range of ``unit`` over [l, u] (elementwise).

    ``unit`` is a registered elementwise unit name (with ``params``), an elementwise ``nn.Module``
    (a per-channel learnable unit works when l has the shape its input has, channels last for MLPs),
    or a float64 callable.  ``l`` and ``u`` are numbers or tensors of equal shape with l <= u.
    """
    f, name, surrogate = _unit_callable(unit, params)
    l = torch.as_tensor(l, dtype=_DTYPE)
    u = torch.as_tensor(u, dtype=_DTYPE)
    if l.shape != u.shape:
        raise ValueError(f"l and u must have the same shape; got {tuple(l.shape)} and {tuple(u.shape)}")
    if torch.isnan(l).any() or torch.isnan(u).any():
        raise ValueError("interval ends must be numbers (got NaN); +-inf is allowed")
    if (l > u).any():
        raise ValueError("every interval needs l <= u")
    if not isinstance(points, int) or points < 4:
        raise ValueError(f"points must be an integer >= 4; got {points!r}")
    return _relax(f, name, surrogate, l, u, points, max_points)


def _relax(f, name, surrogate, l, u, points, max_points) -> Relaxation:
    # An element whose interval is unbounded, or on which f is not finite (exp on [0, 1e6]), gets the
    # vacuous relaxation: lines of slope 0 at -inf / +inf, range and derivative range (-inf, inf).
    # Sound, and it lets bound propagation continue through the other elements.
    l_in, u_in = l, u
    vacuous = ~(torch.isfinite(l) & torch.isfinite(u))
    l = torch.where(vacuous, torch.zeros_like(l), l)
    u = torch.where(vacuous, torch.zeros_like(u), u)
    attempts, n = [], points
    while not attempts or n <= max_points:   # tight margin, then the conservative one, then 4x finer
        attempts += [(n, True), (n, False)]
        n *= 4
    for i, (n, tight) in enumerate(attempts):
        a = _analyse(f, l, u, n, surrogate, tight)
        vac = vacuous | ~torch.isfinite(a["y"]).all(0)
        us, ub = _upper_line(a, 1.0)
        ls_neg, lb_neg = _upper_line(a, -1.0)
        ls, lb = -ls_neg, -lb_neg
        lo, hi, d_lo, d_hi = _range(a)
        # check on the cell midpoints (an interleaved grid the construction never saw)
        xm = (a["x"][1:] + a["x"][:-1]) / 2
        ym, dm = _values_and_slopes(f, xm, surrogate)
        tol = 1e-9 * (1 + ym.abs())
        ok_pts = (ym <= us * xm + ub + tol) & (ym >= ls * xm + lb - tol) & (ym <= hi + tol) & (ym >= lo - tol)
        if not surrogate:
            ok_pts &= (dm >= a["m"] - 1e-9 * (1 + dm.abs())) & (dm <= a["M"] + 1e-9 * (1 + dm.abs())) | a["jump"]
        if bool((ok_pts | vac).all()):
            break
        if i == len(attempts) - 1:
            raise RuntimeError(f"relaxation of '{name}' failed its mid-cell check even at {n + 1} points; "
                               "the unit varies faster than the grid resolves (raise max_points)")
    inf = torch.full_like(l, math.inf)
    zero = torch.zeros_like(l)
    ls, us = torch.where(vac, zero, ls), torch.where(vac, zero, us)
    lb, lo, d_lo = (torch.where(vac, -inf, v) for v in (lb, lo, d_lo))
    ub, hi, d_hi = (torch.where(vac, inf, v) for v in (ub, hi, d_hi))
    return Relaxation(name, l_in, u_in, ls, lb, us, ub, lo, hi, d_lo, d_hi, n + 1, f)


# ---- networks as chains of affine maps and units ---------------------------------------------------

_AFFINE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Flatten, nn.Unflatten, nn.AvgPool1d, nn.AvgPool2d,
           nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Identity)


def _modules_in_order(model: nn.Module) -> list[nn.Module]:
    if isinstance(model, nn.Sequential):
        out = []
        for m in model:
            out += _modules_in_order(m)
        return out
    if _is_activation(model) is not None or isinstance(model, _AFFINE):
        return [model]
    children = list(model.children())
    if len(children) == 1 and isinstance(children[0], nn.Sequential):
        return _modules_in_order(children[0])
    raise ValueError(f"bound propagation supports an nn.Sequential (or a module whose only child is one) of "
                     f"affine modules ({', '.join(c.__name__ for c in _AFFINE)}) and elementwise unit modules; "
                     f"cannot see inside {type(model).__name__}")


@dataclasses.dataclass
class _Chain:
    """z_1 = W_1 x + b_1, a_k = f_k(z_k), z_{k+1} = W_{k+1} a_k + b_{k+1}; the last z is the output."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    units: list[nn.Module]
    shapes: list[tuple]   # shape of each z_k (without batch)


def _chain(model: nn.Module, input_shape: tuple) -> _Chain:
    mods = _modules_in_order(model)
    weights, biases, units, shapes = [], [], [], []
    shape = tuple(input_shape)
    n_in = math.prod(shape)
    W = torch.eye(n_in, dtype=_DTYPE)
    b = torch.zeros(n_in, dtype=_DTYPE)
    for mod in mods:
        if _is_activation(mod) is not None:
            weights.append(W)
            biases.append(b)
            shapes.append(shape)
            units.append(mod)
            n = math.prod(shape)
            W, b = torch.eye(n, dtype=_DTYPE), torch.zeros(n, dtype=_DTYPE)
            continue
        m = copy.deepcopy(mod).to(_DTYPE).eval()
        with torch.no_grad():
            zero = torch.zeros(1, *shape, dtype=_DTYPE)
            b0 = m(zero)[0]
            new_shape = tuple(b0.shape)
            if isinstance(m, nn.Linear):
                Wm = m.weight.detach().clone()
            else:
                Wm = torch.func.jacrev(lambda v: m(v.reshape(1, *shape)).reshape(-1))(
                    torch.zeros(math.prod(shape), dtype=_DTYPE)).detach()
        W = Wm @ W
        b = Wm @ b + b0.reshape(-1)
        shape = new_shape
    weights.append(W)
    biases.append(b)
    shapes.append(shape)
    for u in units:
        name = _is_activation(u)
        s = registry.spec(name)
        if not (s.fn is not None or s.properties.get("elementwise")):
            raise ValueError(f"unit '{name}' is not elementwise; bound propagation needs elementwise units")
    return _Chain(weights, biases, units, shapes)


def _unit_fn(mod: nn.Module, shape: tuple) -> Callable:
    """Evaluate a unit module on flattened pre-activations (..., n) in its own layout (..., *shape)."""
    m = copy.deepcopy(mod).to(_DTYPE)

    def f(z: torch.Tensor) -> torch.Tensor:
        lead = z.shape[:-1]
        return m(z.reshape(-1, *shape)).reshape(*lead, -1)

    f.unit_name = _is_activation(mod)
    surrogate = bool(registry.spec(f.unit_name).properties.get("surrogate_gradient"))
    return f, surrogate


def _relax_layer(mod: nn.Module, shape: tuple, l: torch.Tensor, u: torch.Tensor, points: int) -> Relaxation:
    f, surrogate = _unit_fn(mod, shape)
    return _relax(f, f.unit_name, surrogate, l, u, points, max(points, 16384))


def _input_box(x: torch.Tensor, eps: float, clamp: tuple | None) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.to(_DTYPE).reshape(len(x), -1)
    l, u = x - eps, x + eps
    if clamp is not None:
        l, u = l.clamp(*clamp), u.clamp(*clamp)
    return l, u


def _check_eps(eps: Any) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not (eps >= 0 and math.isfinite(eps)):
        raise ValueError(f"eps must be a finite number >= 0 (the l-infinity radius); got {eps!r}")


def _ibp_affine(W, b, l, u):
    if bool(torch.isfinite(l).all() and torch.isfinite(u).all()):
        c, r = (u + l) / 2, (u - l) / 2
        c2 = c @ W.T + b
        r2 = r @ W.abs().T
        return c2 - r2, c2 + r2
    # unbounded entries (vacuous relaxations): endpoint arithmetic, with 0 · inf = 0
    Wp, Wn = W.clamp(min=0).T, W.clamp(max=0).T
    lo = _mm0(l, Wp) + _mm0(u, Wn) + b
    hi = _mm0(u, Wp) + _mm0(l, Wn) + b
    return lo, hi


def _mm0(v: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """v @ W with 0 · (±inf) = 0 (an unbounded entry that a zero weight ignores).  In IBP the infinite
    entries that meet a non-zero weight all push the same way, so no inf − inf arises."""
    out = torch.where(torch.isfinite(v), v, torch.zeros_like(v)) @ W
    up = (v == math.inf).to(W.dtype) @ (W > 0).to(W.dtype) + (v == -math.inf).to(W.dtype) @ (W < 0).to(W.dtype)
    down = (v == -math.inf).to(W.dtype) @ (W > 0).to(W.dtype) + (v == math.inf).to(W.dtype) @ (W < 0).to(W.dtype)
    out = torch.where(up > 0, math.inf, out)
    return torch.where(down > 0, -math.inf, out)


def _mul0(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a · b with 0 · (±inf) = 0: a vacuous relaxation's infinite offset only counts where it is used."""
    return torch.where(a == 0, torch.zeros((), dtype=a.dtype), a * b)


def _backsub(chain: _Chain, k: int, C: torch.Tensor, rels: list[Relaxation], x_l, x_u, upper: bool):
    """Upper (or lower) bound of C z_k over the input box by CROWN back-substitution. C: (B, m, n_k)."""
    Lam = C @ chain.weights[k]
    off = C @ chain.biases[k]
    for j in range(k - 1, -1, -1):
        r = rels[j]
        pos, neg = Lam.clamp(min=0), Lam.clamp(max=0)
        if upper:
            slope_p, bias_p, slope_n, bias_n = r.upper_slope, r.upper_bias, r.lower_slope, r.lower_bias
        else:
            slope_p, bias_p, slope_n, bias_n = r.lower_slope, r.lower_bias, r.upper_slope, r.upper_bias
        off = off + _mul0(pos, bias_p.unsqueeze(1)).sum(-1) + _mul0(neg, bias_n.unsqueeze(1)).sum(-1)
        Lam = pos * slope_p.unsqueeze(1) + neg * slope_n.unsqueeze(1)
        off = off + Lam @ chain.biases[j]
        Lam = Lam @ chain.weights[j]
    c, rad = (x_u + x_l) / 2, (x_u - x_l) / 2
    val = (Lam @ c.unsqueeze(-1)).squeeze(-1) + off
    spread = (Lam.abs() @ rad.unsqueeze(-1)).squeeze(-1)
    return val + spread if upper else val - spread


@dataclasses.dataclass
class BoundsResult(Result):
    """Bounds on every pre-activation and on the output over an ℓ∞ ball (per sample)."""

    method: str
    eps: float
    lower: torch.Tensor                  # output lower bounds (B, out)
    upper: torch.Tensor                  # output upper bounds (B, out)
    layers: list[tuple[torch.Tensor, torch.Tensor]]   # (l, u) of each unit's pre-activation
    relaxations: list[Relaxation] = dataclasses.field(default_factory=list, repr=False)

    @property
    def width(self) -> list[float]:
        """Mean bound width per layer (unit inputs, then the output)."""
        return [float((u - l).mean()) for l, u in self.layers] + [float((self.upper - self.lower).mean())]

    def _draw(self, ax: Any) -> None:
        w = self.width
        ax.semilogy(range(1, len(w) + 1), w, marker="o")
        ax.set_xlabel("layer (last = output)")
        ax.set_ylabel("mean bound width")
        ax.set_title(f"{self.method} bounds, eps = {self.eps:g}", fontsize=9)


def _propagate(model, x, eps, method, clamp, points) -> tuple[_Chain, BoundsResult]:
    if method not in ("ibp", "crown"):
        raise ValueError(f"method must be 'ibp' or 'crown'; got {method!r}")
    _check_eps(eps)
    x = torch.as_tensor(x)
    chain = _chain(model, tuple(x.shape[1:]))
    x_l, x_u = _input_box(x, eps, clamp)
    rels: list[Relaxation] = []
    layers = []
    l, u = x_l, x_u
    for k in range(len(chain.weights)):
        il, iu = _ibp_affine(chain.weights[k], chain.biases[k], l, u) if k == 0 else \
            _ibp_affine(chain.weights[k], chain.biases[k], rels[-1].lo, rels[-1].hi)
        if method == "crown" and k > 0:
            n = chain.weights[k].shape[0]
            eye = torch.eye(n, dtype=_DTYPE).expand(len(x), n, n)
            cu = _backsub(chain, k, eye, rels, x_l, x_u, upper=True)
            cl = _backsub(chain, k, eye, rels, x_l, x_u, upper=False)
            il, iu = torch.maximum(il, cl), torch.minimum(iu, cu)
        if k == len(chain.units):
            return chain, BoundsResult(method, float(eps), il, iu, layers, rels)
        layers.append((il, iu))
        rels.append(_relax_layer(chain.units[k], chain.shapes[k], il, iu, points))
    raise AssertionError("unreachable")


def ibp(model: nn.Module, x: torch.Tensor, eps: float, clamp: tuple | None = None, points: int = 256) -> BoundsResult:
    """Interval bounds of ``model``'s outputs for every input within ℓ∞ distance ``eps`` of each row of ``x``."""
    return _propagate(model, x, eps, "ibp", clamp, points)[1]


def crown(model: nn.Module, x: torch.Tensor, eps: float, clamp: tuple | None = None, points: int = 256) -> BoundsResult:
    """CROWN bounds (linear relaxations back-substituted to the input, intersected with IBP)."""
    return _propagate(model, x, eps, "crown", clamp, points)[1]


# ---- Lipschitz ---------------------------------------------------------------------------------


@dataclasses.dataclass
class LipschitzResult(Result):
    """Certified local Lipschitz upper bounds (per sample) of the output over an ℓ∞ ball, in the
    ``norm`` operator norm ('2': ℓ2→ℓ2; 'inf': ℓ∞→ℓ∞), beside the product of layer norms (a global
    bound) and the largest gradient norm found by sampling (a lower bound of the true constant)."""

    norm: str
    eps: float
    value: float                   # mean certified bound over samples
    ci: tuple[float, float]
    per_sample: list[float]
    naive: float                   # product of layer norms × max |f'| of each unit
    sampled: list[float]           # largest sampled Jacobian norm per sample

    @property
    def gap(self) -> float:
        """How many times tighter the certified bound is than the product of layer norms."""
        return self.naive / self.value

    def _draw(self, ax: Any) -> None:
        i = np.arange(len(self.per_sample))
        ax.semilogy(i, self.per_sample, "o", label="certified local bound")
        ax.semilogy(i, self.sampled, "x", label="largest sampled gradient norm")
        ax.axhline(self.naive, color="k", ls="--", label="product of layer norms")
        ax.set_xlabel("sample")
        ax.set_ylabel(f"Lipschitz constant ({self.norm}-norm)")
        ax.legend(fontsize=7)


def _op_norm(A: torch.Tensor, norm: str) -> torch.Tensor:
    if norm == "2":
        return torch.linalg.matrix_norm(A, ord=2)
    return A.abs().sum(-1).amax(-1)


def lipschitz(model: nn.Module, x: torch.Tensor, eps: float, norm: str = "2", clamp: tuple | None = None,
              samples: int = 32, points: int = 256, seed: int = 0) -> LipschitzResult:
    """Certified local Lipschitz upper bound of ``model`` around each row of ``x`` (ℓ∞ ball of radius eps)."""
    if norm not in ("2", "inf"):
        raise ValueError(f"norm must be '2' or 'inf'; got {norm!r}")
    chain, res = _propagate(model, x, eps, "crown", clamp, points)
    B = len(x)
    # interval Jacobian: centre/radius through the weights, endpoint products through the unit derivatives
    c = chain.weights[0].expand(B, *chain.weights[0].shape)
    r = torch.zeros_like(c)
    for k, rel in enumerate(res.relaxations):
        lo_, hi_ = c - r, c + r
        dl, dh = rel.d_lo.unsqueeze(-1), rel.d_hi.unsqueeze(-1)
        prods = torch.stack([dl * lo_, dl * hi_, dh * lo_, dh * hi_])
        # an infinite derivative range (a jump or an infinite slope) makes the bound infinite; the
        # algebra continues on finite stand-ins and the affected samples are set to inf below
        prods = torch.nan_to_num(prods, nan=0.0, posinf=0.0, neginf=0.0)
        mlo, mhi = prods.amin(0), prods.amax(0)
        mc, mr = (mhi + mlo) / 2, (mhi - mlo) / 2
        W = chain.weights[k + 1]
        c = W @ mc
        r = W.abs() @ mr
    # J = c + E with |E| <= r entrywise: ||J||_2 <= ||c||_2 + || |E| ||_2 <= ||c||_2 + ||r||_2;
    # for the inf-norm the row sums of |c| + r bound it directly
    bound = _op_norm(c, norm) + _op_norm(r, norm) if norm == "2" else _op_norm(c.abs() + r, norm)
    unbounded = torch.zeros(B, dtype=torch.bool)
    for rel in res.relaxations:
        unbounded |= ~(torch.isfinite(rel.d_lo) & torch.isfinite(rel.d_hi)).reshape(B, -1).all(1)
    bound = torch.where(unbounded, math.inf, bound)
    # naive: product of the layer norms and of each unit's largest |f'| over the whole line
    naive = 1.0
    for W in chain.weights:
        naive *= float(_op_norm(W, norm))
    for k, mod in enumerate(chain.units):
        f, surrogate = _unit_fn(mod, chain.shapes[k])
        n = math.prod(chain.shapes[k])
        grid = torch.linspace(-50, 50, 20001, dtype=_DTYPE).unsqueeze(-1).expand(-1, n)
        _, d = _values_and_slopes(f, grid, surrogate)
        naive *= float(d.abs().max())
    # lower bound: the largest Jacobian norm at random points of the ball
    any_surrogate = any(_unit_fn(mod, chain.shapes[k])[1] for k, mod in enumerate(chain.units))
    gen = torch.Generator().manual_seed(seed)
    m64 = copy.deepcopy(model).to(_DTYPE).eval()
    x64 = x.to(_DTYPE)
    sampled = []
    for i in range(B):
        pts = x64[i] + eps * (2 * torch.rand(samples, *x64.shape[1:], generator=gen, dtype=_DTYPE) - 1)
        if clamp is not None:
            pts = pts.clamp(*clamp)
        pts[0] = x64[i]
        if any_surrogate:   # autograd gives the surrogate gradient: the true one by central differences
            n_in = pts[0].numel()
            step = 1e-6
            flat = pts.reshape(samples, 1, n_in)
            eye = step * torch.eye(n_in, dtype=_DTYPE).unsqueeze(0)
            with torch.no_grad():
                up = m64((flat + eye).reshape(-1, *x64.shape[1:])).reshape(samples, n_in, -1)
                dn = m64((flat - eye).reshape(-1, *x64.shape[1:])).reshape(samples, n_in, -1)
            J = ((up - dn) / (2 * step)).transpose(1, 2)
        else:
            J = None
        try:
            if J is None:
                J = torch.func.vmap(torch.func.jacrev(lambda v: m64(v.unsqueeze(0)).reshape(-1)))(pts)
        except RuntimeError:   # a unit written as an autograd.Function without setup_context
            J = torch.stack([torch.autograd.functional.jacobian(lambda v: m64(v.unsqueeze(0)).reshape(-1), p)
                             for p in pts])
        sampled.append(float(_op_norm(J.detach().reshape(samples, J.shape[1], -1), norm).max()))
    per = bound.tolist()
    mean, lo, hi = mean_ci(per)
    return LipschitzResult(norm, float(eps), mean, (lo, hi), per, naive, sampled)


# ---- verification ------------------------------------------------------------------------------


@dataclasses.dataclass
class VerifiedResult(Result):
    """Verified-robust accuracy: the fraction of samples classified correctly for *every* input in the
    ℓ∞ ball of radius ``eps`` (certified by ``method``), beside the clean accuracy."""

    method: str
    eps: float
    value: float
    ci: tuple[float, float]
    clean: float
    verified: list[bool]

    def _draw(self, ax: Any) -> None:
        ax.bar(["clean", f"verified ({self.method})"], [self.clean, self.value], color=["tab:gray", "tab:green"])
        ax.set_ylim(0, 1)
        ax.set_title(f"eps = {self.eps:g}", fontsize=9)


def verified_accuracy(model: nn.Module, data: Any, eps: float, method: str = "crown",
                      clamp: tuple | None = None, points: int = 256, batch_size: int = 64) -> VerifiedResult:
    """Fraction of (x, y) samples whose label is certified over the ℓ∞ ball of radius ``eps``.

    The margins z_y − z_j are bounded directly (the last layer is folded into the specification), which
    is tighter than subtracting independent output bounds."""
    flags, clean = [], []
    for x, y in batches(data, batch_size):
        if y is None:
            raise ValueError("verified_accuracy needs labels: pass (x, y)")
        chain, res = _propagate(model, x, eps, method, clamp, points)
        K = chain.weights[-1].shape[0]
        C = torch.eye(K, dtype=_DTYPE)[y] .unsqueeze(1) - torch.eye(K, dtype=_DTYPE).unsqueeze(0)  # (B, K, K)
        k = len(chain.units)
        if method == "crown":
            low = _backsub(chain, k, C, res.relaxations, *_input_box(x, eps, clamp), upper=False)
        else:
            Wc = C @ chain.weights[-1]
            bc = C @ chain.biases[-1]
            l_, u_ = res.relaxations[-1].lo, res.relaxations[-1].hi
            cen, rad = (u_ + l_) / 2, (u_ - l_) / 2
            low = (Wc @ cen.unsqueeze(-1)).squeeze(-1) + bc - (Wc.abs() @ rad.unsqueeze(-1)).squeeze(-1)
        low = low.masked_fill(torch.nn.functional.one_hot(y, K).bool(), math.inf)
        flags += (low > 0).all(-1).tolist()
        with torch.no_grad():
            clean += (model(x).argmax(-1) == y).tolist()
    mean, lo, hi = mean_ci(np.asarray(flags, dtype=float))
    return VerifiedResult(method, float(eps), mean, (lo, hi), float(np.mean(clean)), flags)
