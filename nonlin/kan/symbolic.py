"""Symbolic regression of KAN edges (pykan's symbolic stack, on the fast layer).

* :data:`SYMBOLIC_LIB`: the KAN paper's 29 candidate functions (x, x², …,
  1/x⁵, sqrt, exp, log, sin, tanh, arcsin, gaussian, 0, …) as (torch, sympy,
  complexity) triples.
* :func:`fit_params`: fit y ≈ c·f(a·x + b) + d.  (a, b) by a grid sweep of
  101 × 101 points on [−10, 10]², zoomed 3 times around the best point
  (maximising R² of the linear fit of y on f), then (c, d) by least squares
  — the procedure of pykan's ``fit_params`` as described in its docs.
* :func:`suggest_symbolic`: rank the library by
  weight_simple·complexity + (1 − weight_simple)·log2(1 + 1e-5 − R²).

Singular functions (1/x, log, sqrt, …) are used as is: a candidate (a, b)
whose values are not finite on the samples scores R² = 0.  The complexity
values follow pykan's ordering idea (1 for x, 2 for squares and simple
transcendental functions, more for higher powers and inverse trig); the exact
numbers are this library's (unverified against pykan's table).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Iterable

import torch
from torch import Tensor


@dataclasses.dataclass(frozen=True)
class SymbolicFunction:
    name: str
    torch: Callable[[Tensor], Tensor]
    sympy: Callable  # sympy expression -> sympy expression
    complexity: int


def _sp():
    import sympy
    return sympy


def _lib() -> dict[str, SymbolicFunction]:
    entries = [
        ("x", lambda x: x, lambda x: x, 1),
        ("x^2", lambda x: x ** 2, lambda x: x ** 2, 2),
        ("x^3", lambda x: x ** 3, lambda x: x ** 3, 3),
        ("x^4", lambda x: x ** 4, lambda x: x ** 4, 3),
        ("x^5", lambda x: x ** 5, lambda x: x ** 5, 3),
        ("1/x", lambda x: 1 / x, lambda x: 1 / x, 2),
        ("1/x^2", lambda x: 1 / x ** 2, lambda x: 1 / x ** 2, 2),
        ("1/x^3", lambda x: 1 / x ** 3, lambda x: 1 / x ** 3, 3),
        ("1/x^4", lambda x: 1 / x ** 4, lambda x: 1 / x ** 4, 4),
        ("1/x^5", lambda x: 1 / x ** 5, lambda x: 1 / x ** 5, 5),
        ("sqrt", torch.sqrt, lambda x: _sp().sqrt(x), 2),
        ("x^0.5", torch.sqrt, lambda x: _sp().sqrt(x), 2),
        ("x^1.5", lambda x: torch.sqrt(x) ** 3, lambda x: _sp().sqrt(x) ** 3, 4),
        ("1/sqrt(x)", lambda x: 1 / torch.sqrt(x), lambda x: 1 / _sp().sqrt(x), 2),
        ("1/x^0.5", lambda x: 1 / torch.sqrt(x), lambda x: 1 / _sp().sqrt(x), 2),
        ("exp", torch.exp, lambda x: _sp().exp(x), 2),
        ("log", torch.log, lambda x: _sp().log(x), 2),
        ("abs", torch.abs, lambda x: _sp().Abs(x), 3),
        ("sin", torch.sin, lambda x: _sp().sin(x), 2),
        ("cos", torch.cos, lambda x: _sp().cos(x), 2),
        ("tan", torch.tan, lambda x: _sp().tan(x), 3),
        ("tanh", torch.tanh, lambda x: _sp().tanh(x), 3),
        ("sgn", torch.sign, lambda x: _sp().sign(x), 3),
        ("arcsin", torch.asin, lambda x: _sp().asin(x), 4),
        ("arccos", torch.acos, lambda x: _sp().acos(x), 4),
        ("arctan", torch.atan, lambda x: _sp().atan(x), 4),
        ("arctanh", torch.atanh, lambda x: _sp().atanh(x), 4),
        ("0", lambda x: x * 0, lambda x: 0, 0),
        ("gaussian", lambda x: torch.exp(-x * x), lambda x: _sp().exp(-x ** 2), 3),
    ]
    return {n: SymbolicFunction(n, t, s, c) for n, t, s, c in entries}


SYMBOLIC_LIB: dict[str, SymbolicFunction] = _lib()


def add_symbolic(name: str, torch_fn: Callable, sympy_fn: Callable, complexity: int = 2) -> None:
    """Add a candidate function to the library (pykan's ``add_symbolic``)."""
    if not isinstance(name, str) or not name:
        raise ValueError("add_symbolic: name must be a non-empty string")
    SYMBOLIC_LIB[name] = SymbolicFunction(name, torch_fn, sympy_fn, int(complexity))


def _check_lib(lib: Iterable[str] | None) -> list[str]:
    names = list(SYMBOLIC_LIB) if lib is None else list(lib)
    bad = [n for n in names if n not in SYMBOLIC_LIB]
    if bad:
        raise ValueError(f"unknown symbolic functions {bad}; allowed: {', '.join(SYMBOLIC_LIB)}")
    return names


def _r2_grid(post: Tensor, y: Tensor) -> Tensor:
    """R² of the best linear fit y ≈ c·post + d, for each leading index of post (…, N)."""
    pm = post - post.mean(-1, keepdim=True)
    ym = y - y.mean()
    num = (pm * ym).sum(-1) ** 2
    den = (pm * pm).sum(-1) * (ym * ym).sum()
    r2 = num / den
    return torch.where(torch.isfinite(r2) & (den > 0), r2, torch.zeros_like(r2))


def fit_params(x: Tensor, y: Tensor, fun: str | Callable, a_range=(-10.0, 10.0), b_range=(-10.0, 10.0),
               grid_number: int = 101, iteration: int = 3) -> tuple[tuple[float, float, float, float], float]:
    """Fit y ≈ c·f(a·x + b) + d; returns ((a, b, c, d), R²).  Float64 throughout."""
    f = SYMBOLIC_LIB[fun].torch if isinstance(fun, str) else fun
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    y = torch.as_tensor(y, dtype=torch.float64).reshape(-1)
    if x.numel() != y.numel() or x.numel() < 3:
        raise ValueError(f"fit_params needs matching x and y with at least 3 samples; got {x.numel()} and {y.numel()}")
    if isinstance(fun, str) and fun == "0":
        return (0.0, 0.0, 0.0, 0.0), 0.0
    a_lo, a_hi = a_range
    b_lo, b_hi = b_range
    best_a = best_b = 0.0
    for _ in range(iteration):
        a_grid = torch.linspace(a_lo, a_hi, grid_number, dtype=torch.float64)
        b_grid = torch.linspace(b_lo, b_hi, grid_number, dtype=torch.float64)
        r2 = torch.empty(grid_number, grid_number, dtype=torch.float64)
        rows = max(1, (1 << 22) // (grid_number * x.numel()))
        with torch.no_grad():
            for s in range(0, grid_number, rows):
                arg = a_grid[s:s + rows, None, None] * x + b_grid[None, :, None]
                r2[s:s + rows] = _r2_grid(f(arg), y)
        flat = int(torch.argmax(r2))
        ia, ib = divmod(flat, grid_number)
        best_a, best_b = float(a_grid[ia]), float(b_grid[ib])
        a_lo, a_hi = float(a_grid[max(ia - 1, 0)]), float(a_grid[min(ia + 1, grid_number - 1)])
        b_lo, b_hi = float(b_grid[max(ib - 1, 0)]), float(b_grid[min(ib + 1, grid_number - 1)])
    post = f(best_a * x + best_b)
    if not bool(torch.isfinite(post).all()):
        return (best_a, best_b, 0.0, float(y.mean())), 0.0
    design = torch.stack([post, torch.ones_like(post)], 1)
    sol = torch.linalg.lstsq(design, y.unsqueeze(1), driver="gelsd").solution.reshape(-1)
    c, d = float(sol[0]), float(sol[1])
    pred = c * post + d
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    return (best_a, best_b, c, d), r2


def symbolic_score(r2: float, complexity: int, weight_simple: float = 0.8) -> float:
    """Lower is better: weight_simple·complexity + (1 − weight_simple)·log2(1 + 1e-5 − R²)."""
    return weight_simple * complexity + (1 - weight_simple) * math.log2(1 + 1e-5 - min(max(r2, -1e6), 1.0))


def suggest_symbolic(x: Tensor, y: Tensor, lib: Iterable[str] | None = None, topk: int = 5,
                     weight_simple: float = 0.8) -> list[dict]:
    """Rank library functions for the samples (x, y): best first.

    Each entry: {"name", "params": (a, b, c, d), "r2", "complexity", "score"}.
    """
    if not 0.0 <= weight_simple <= 1.0:
        raise ValueError(f"weight_simple must be in [0, 1]; got {weight_simple!r}")
    out = []
    for name in _check_lib(lib):
        params, r2 = fit_params(x, y, name)
        cx = SYMBOLIC_LIB[name].complexity
        out.append({"name": name, "params": params, "r2": r2, "complexity": cx,
                    "score": symbolic_score(r2, cx, weight_simple)})
    out.sort(key=lambda e: e["score"])
    return out[:topk]


def round_expr(expr, digits: int = 4):
    """Round every float in a sympy expression to ``digits`` decimals."""
    sp = _sp()
    return expr.xreplace({n: sp.Float(round(float(n), digits), max(digits, 1) + 2)
                          for n in expr.atoms(sp.Float)})
