r"""Novelty search: which registered units compute (almost) the same function?

A "new" activation is often an old one in disguise: Mish with its input
rescaled, tanh written as ``2*sigmoid(2x) - 1``, GELU's tanh approximation
with a different constant.  :func:`similar` ranks the registered elementwise
units by their distance to a query after the best affine rescaling of input
and output,

.. math::

    d(f, g) = \min_{a, b, c, d}
        \frac{\lVert f(x) - (c\, g(a x + b) + d) \rVert_2}{\lVert f(x) - \bar f \rVert_2},
    \qquad x \in [lo, hi] \text{ (uniform grid)},

so ``d = 0`` means "the same function up to an affine change of variables",
and ``d = 1`` means no better than a constant.  The output map (c, d) is
linear least squares in closed form; the input map (a, b) is searched on a
grid of scales (both signs, 1/8 to 8) and shifts (±2), then refined with
Nelder-Mead for the best candidates.  For a fixed (a, b), the residual after
the optimal (c, d) is :math:`\sqrt{1 - \rho^2}` with ρ the Pearson correlation
of f and g(a x + b) on the grid, which is what makes the search one matrix
product per unit.

Queries: a registered name, a Python callable on a float64 tensor, or an
expression in ``x`` with the functions in :data:`EXPRESSION_FUNCTIONS`
(``"x * tanh(softplus(x))"``).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import math
from typing import Callable, Iterable, Sequence

import torch
import torch.nn.functional as F

from . import registry
from .elementwise import use_backend

__all__ = ["Match", "similar", "neighbours", "EXPRESSION_FUNCTIONS", "parse_expression"]

# Names an expression may use.  Everything is applied to float64 tensors.
EXPRESSION_FUNCTIONS: dict[str, Callable] = {
    "exp": torch.exp, "log": torch.log, "log1p": torch.log1p, "expm1": torch.expm1, "sqrt": torch.sqrt,
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": F.softplus, "erf": torch.erf,
    "erfc": torch.erfc, "sin": torch.sin, "cos": torch.cos, "atan": torch.atan, "arctan": torch.atan,
    "asinh": torch.asinh, "sinh": torch.sinh, "cosh": torch.cosh, "abs": torch.abs, "sign": torch.sign,
    "relu": torch.relu, "gelu": F.gelu, "silu": F.silu, "elu": F.elu, "softsign": F.softsign,
    "max": lambda a, b: torch.maximum(*torch.broadcast_tensors(torch.as_tensor(a), torch.as_tensor(b))),
    "min": lambda a, b: torch.minimum(*torch.broadcast_tensors(torch.as_tensor(a), torch.as_tensor(b))),
    "clamp": torch.clamp, "where": torch.where,
    "normcdf": lambda t: 0.5 * torch.erfc(-t / math.sqrt(2.0)),
}
EXPRESSION_CONSTANTS = {"pi": math.pi, "e": math.e}

_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Load, ast.Constant, ast.Compare,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd, ast.Mod,
    ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.keyword,
)


@dataclasses.dataclass(frozen=True)
class Match:
    """One registered unit close to the query: ``query(x) ≈ c * unit(a * x + b) + d``."""

    name: str
    distance: float  # relative RMS residual after the best affine maps (0 = identical)
    a: float
    b: float
    c: float
    d: float

    def __str__(self) -> str:
        return (f"{self.name:<22} distance {self.distance:.2e}   "
                f"query(x) ≈ {self.c:+.4g}·{self.name}({self.a:.4g}·x {self.b:+.4g}) {self.d:+.4g}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def parse_expression(text: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """Turn ``"x * tanh(softplus(x))"`` into a function of a tensor, allowing only arithmetic,
    comparisons, the names in :data:`EXPRESSION_FUNCTIONS` and numbers (no attribute access)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("an expression must be a non-empty string in x, e.g. 'x * tanh(softplus(x))'")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot parse expression {text!r}: {err.msg}") from None
    allowed = set(EXPRESSION_FUNCTIONS) | set(EXPRESSION_CONSTANTS) | {"x"}
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(f"expression {text!r}: {type(node).__name__} is not allowed; use arithmetic "
                             f"on x with the functions {', '.join(sorted(EXPRESSION_FUNCTIONS))}")
        if isinstance(node, ast.Name) and node.id not in allowed:
            raise ValueError(f"expression {text!r}: unknown name {node.id!r}; allowed: x, "
                             + ", ".join(sorted(set(EXPRESSION_FUNCTIONS) | set(EXPRESSION_CONSTANTS))))
        if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name):
            raise ValueError(f"expression {text!r}: only the listed functions may be called")
    code = compile(tree, "<expression>", "eval")

    def fn(x: torch.Tensor) -> torch.Tensor:
        scope = {"__builtins__": {}, **EXPRESSION_FUNCTIONS, **EXPRESSION_CONSTANTS, "x": x}
        out = eval(code, scope)  # names checked above; no builtins reachable
        out = out.to(x.dtype) if isinstance(out, torch.Tensor) else torch.full_like(x, float(out))
        return out

    fn.__name__ = text.strip()
    return fn


def _unit_function(name: str) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The float64 function of an elementwise unit at its defaults (learnable: at initialisation)."""
    s = registry.spec(name)
    if s.fn is not None:
        fn = registry.get_fn(s.name)
        return lambda t: fn(t)
    if s.kind == "learnable" and s.properties.get("elementwise", False):
        try:
            with torch.random.fork_rng():
                torch.manual_seed(0)
                module = registry.create(s.name).to(torch.float64).eval()
        except Exception:  # needs sizes or other required arguments: not comparable here
            return None

        def run(t: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return module(t)
        return run
    return None


def _candidates(kinds: Iterable[str]) -> dict[str, Callable]:
    out = {}
    for kind in kinds:
        for n in registry.names(kind=kind):
            s = registry.spec(n)
            if s.properties.get("stochastic") or s.properties.get("elementwise") is False:
                continue
            fn = _unit_function(n)
            if fn is not None:
                out[n] = fn
    return out


def _query_function(query) -> tuple[Callable, str | None]:
    if callable(query) and not isinstance(query, str):
        return query, None
    if not isinstance(query, str):
        raise TypeError(f"similar: query must be a unit name, an expression in x or a callable; "
                        f"got {type(query).__name__}")
    try:
        name = registry.resolve(query)
    except registry.UnknownUnitError:
        return parse_expression(query), None
    fn = _unit_function(name)
    if fn is None:
        raise ValueError(f"similar: '{name}' is a {registry.spec(name).kind} unit, not an elementwise function")
    return fn, name


def _standardise(v: torch.Tensor) -> torch.Tensor:
    """Centre each row and scale it to unit norm (rows with no variation or non-finite values -> 0)."""
    v = v - v.mean(-1, keepdim=True)
    norm = v.norm(dim=-1, keepdim=True)
    ok = torch.isfinite(norm) & (norm > 1e-12)
    return torch.where(ok, v / torch.where(ok, norm, torch.ones_like(norm)), torch.zeros_like(v))


def _grid_transforms() -> tuple[torch.Tensor, torch.Tensor]:
    scales = torch.logspace(-3, 3, 13, base=2.0, dtype=torch.float64)
    scales = torch.cat([scales, -scales])
    shifts = torch.linspace(-2.0, 2.0, 9, dtype=torch.float64)
    a, b = torch.meshgrid(scales, shifts, indexing="ij")
    return a.reshape(-1), b.reshape(-1)


def _map_cost(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """How far an input map a x + b is from the identity (to break ties between exact matches)."""
    return a.abs().log().abs() + b.abs() + (a < 0).to(a.dtype)


def _safe_eval(fn: Callable, t: torch.Tensor) -> torch.Tensor:
    try:
        out = fn(t)
    except Exception:  # a unit that rejects some inputs is not a match there
        return torch.full_like(t, float("nan"))
    out = torch.as_tensor(out, dtype=torch.float64)
    return out.expand_as(t) if out.shape != t.shape else out


def _affine_fit(f: torch.Tensor, g: torch.Tensor) -> tuple[float, float, float]:
    """Least-squares c, d in f ≈ c g + d, and the relative residual."""
    fc = f - f.mean()
    gc = g - g.mean()
    denom = float(gc @ gc)
    c = float(fc @ gc) / denom if denom > 1e-300 else 0.0
    d = float(f.mean() - c * g.mean())
    resid = float((fc - c * gc).norm() / fc.norm())
    return resid, c, d


def _match(fname: str, f: torch.Tensor, g_fn: Callable, x: torch.Tensor, a_grid: torch.Tensor,
           b_grid: torch.Tensor, refine: bool) -> Match:
    f_hat = _standardise(f)
    arg = a_grid[:, None] * x[None, :] + b_grid[:, None]
    g = _safe_eval(g_fn, arg)
    g = torch.where(torch.isfinite(g), g, torch.full_like(g, float("nan")))
    rows_ok = torch.isfinite(g).all(-1)
    rho = (_standardise(torch.nan_to_num(g)) @ f_hat).abs()
    rho = torch.where(rows_ok, rho, torch.zeros_like(rho))
    # among (near-)ties prefer the map closest to the identity
    k = int(torch.argmax(rho - 1e-12 * _map_cost(a_grid, b_grid)))
    a, b = float(a_grid[k]), float(b_grid[k])
    best = (math.sqrt(max(0.0, 1.0 - float(rho[k]) ** 2)), a, b)
    if refine and best[0] > 0:
        best = _refine(f, g_fn, x, a, b, best)
    dist, a, b = best
    resid, c, d = _affine_fit(f, _safe_eval(g_fn, a * x + b))
    return Match(fname, resid if math.isfinite(resid) else 1.0, a, b, c, d)


def _refine(f, g_fn, x, a, b, best):
    from scipy.optimize import minimize  # scipy ships with the bench/kan extras

    def loss(p):
        g = _safe_eval(g_fn, p[0] * x + p[1])
        if not bool(torch.isfinite(g).all()):
            return 1.0
        return _affine_fit(f, g)[0]

    res = minimize(loss, [a, b], method="Nelder-Mead",
                   options=dict(xatol=1e-9, fatol=1e-13, maxiter=300))
    if res.fun < best[0]:
        return float(res.fun), float(res.x[0]), float(res.x[1])
    return best


def similar(query, **options) -> list[Match]:
    """The ``top`` registered elementwise units closest to ``query`` as functions on ``interval``.

    ``query`` is a registered name (then that unit itself is left out), a callable on a float64
    tensor, or an expression in ``x`` (``"x * tanh(softplus(x))"``).  Options: ``interval=(-5, 5)``,
    ``top=5``, ``kinds=("activation", "learnable")``, ``points=801``, ``exclude=()``.  Distance is
    the relative RMS residual after the best affine maps of input and output (see the module
    docstring); each :class:`Match` carries the maps so the equivalence can be checked by hand.
    """
    with _search_settings():
        return _similar(query, **options)


@contextlib.contextmanager
def _search_settings():
    """Eager kernels (compiling ~170 unit functions for one search would take minutes) on one
    thread (the tensors are small; on a loaded machine the thread pool's waits cost 10x)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with use_backend("eager"):
            yield
    finally:
        torch.set_num_threads(threads)


def _similar(query, *, interval: Sequence[float] = (-5.0, 5.0), top: int = 5,
            kinds: Sequence[str] = ("activation", "learnable"), points: int = 801,
            exclude: Iterable[str] = ()) -> list[Match]:
    lo, hi = (float(v) for v in interval)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"similar: interval must be two finite numbers LO < HI; got {tuple(interval)}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"similar: top must be a positive integer; got {top!r}")
    if isinstance(points, bool) or not isinstance(points, int) or not 16 <= points <= 100_000:
        raise ValueError(f"similar: points must be an integer in [16, 100000]; got {points!r}")
    bad = [k for k in kinds if k not in registry.KINDS]
    if bad:
        raise ValueError(f"similar: unknown kinds {bad}; allowed: {', '.join(registry.KINDS)}")
    fn, own = _query_function(query)
    x = torch.linspace(lo, hi, points, dtype=torch.float64)
    f = _safe_eval(fn, x)
    if not bool(torch.isfinite(f).all()):
        raise ValueError(f"similar: the query is not finite everywhere on [{lo}, {hi}]; choose another interval")
    if float((f - f.mean()).norm()) < 1e-12:
        raise ValueError("similar: the query is constant on the interval; nothing to compare")
    skip = set(exclude) | ({own} if own else set())
    a_grid, b_grid = _grid_transforms()
    coarse_x = x if points <= 201 else torch.linspace(lo, hi, 201, dtype=torch.float64)
    coarse_f = _safe_eval(fn, coarse_x)
    cands = {n: g for n, g in _candidates(kinds).items() if n not in skip}
    rough = sorted((_match(n, coarse_f, g, coarse_x, a_grid, b_grid, refine=False) for n, g in cands.items()),
                   key=lambda m: m.distance)
    # Refine the most promising few on the full grid; the rest keep their coarse score.  The
    # coarse (a, b) grid only brackets the best rescaling, so an exact twin can rank behind
    # dozens of near-twins there (ELU behind 20 ELU-like units of the survey): keep a margin.
    shortlist = rough[:max(4 * top, 48)]
    refined = [_match(m.name, f, cands[m.name], x, torch.tensor([m.a]), torch.tensor([m.b]), refine=True)
               for m in shortlist]
    return sorted(refined, key=_rank)[:top]


def _year(name: str) -> int:
    ref = registry.spec(name).reference
    return getattr(ref, "year", None) or 9999


def _rank(m: Match) -> tuple[float, int, float]:
    """Closest first; among equally close units (distance equal to 1e-9) the earliest published
    (a novelty search wants the original), then the simplest map."""
    return (round(m.distance, 9), _year(m.name),
            abs(math.log(abs(m.a))) + abs(m.b) + abs(math.log(abs(m.c) + 1e-300)))


def neighbours(top: int = 3, *, interval: Sequence[float] = (-5.0, 5.0),
               points: int = 201) -> dict[str, list[dict]]:
    """Every fixed activation's nearest registered units (coarse grid search, no refinement).

    The catalogue stores this list, so it is cheap: for each unit the affine-grid correlations of
    every other unit come from one matrix product.
    """
    with _search_settings():
        return _neighbours(top, interval, points)


def _neighbours(top: int, interval: Sequence[float], points: int) -> dict[str, list[dict]]:
    lo, hi = (float(v) for v in interval)
    x = torch.linspace(lo, hi, points, dtype=torch.float64)
    a_grid, b_grid = _grid_transforms()
    cands = _candidates(("activation",))
    names = sorted(cands)
    # banks[name]: standardised rows g(a x + b) for every grid transform
    banks, ok = [], []
    for n in names:
        g = _safe_eval(cands[n], a_grid[:, None] * x[None, :] + b_grid[:, None])
        good = torch.isfinite(g).all(-1)
        banks.append(_standardise(torch.nan_to_num(g)))
        ok.append(good)
    bank = torch.stack(banks)  # (units, transforms, points)
    valid = torch.stack(ok)
    years = {n: _year(n) for n in names}
    identity = int(torch.argmin((a_grid - 1).abs() + b_grid.abs()))
    queries = bank[:, identity, :]  # each unit at a=1, b=0
    rho = torch.einsum("qp,utp->qut", queries, bank).abs()
    rho = torch.where(valid[None], rho, torch.zeros_like(rho))
    _, best_t = (rho - 1e-12 * _map_cost(a_grid, b_grid)).max(-1)  # ties: the simplest map
    best_rho = rho.gather(-1, best_t[..., None])[..., 0]
    out: dict[str, list[dict]] = {}
    for qi, qn in enumerate(names):
        if not bool(valid[qi, identity]) or float(queries[qi].norm()) == 0:
            out[qn] = []
            continue
        rows = []
        for ui in range(len(names)):
            if ui == qi:
                continue
            r = float(best_rho[qi, ui])
            t = int(best_t[qi, ui])
            rows.append({"name": names[ui], "distance": round(math.sqrt(max(0.0, 1 - r * r)), 6),
                         "a": float(a_grid[t]), "b": float(b_grid[t])})
        # closest first; exact twins (same distance to 1e-6) earliest published first: the original
        rows.sort(key=lambda row: (row["distance"], years[row["name"]], row["name"]))
        out[qn] = rows[:top]
    return out
