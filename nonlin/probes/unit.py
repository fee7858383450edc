"""Unit-level probes of an elementwise activation: what ``nonlin probe UNIT`` prints.

Each is computed in float64 under a Gaussian pre-activation z ~ N(0, q) — the
mean-field setting of Poole et al., "Exponential expressivity in deep neural
networks through transient chaos", arXiv 1606.05340, and Schoenholz et al.,
"Deep Information Propagation", arXiv 1611.01232.  The columns of
``nonlin probe`` (see :data:`COLUMNS`):

* ``second_moment``  E[f(z)²]: the mean squared output for unit-variance inputs.
* ``init_gain``      1/sqrt(E[f(z)²]): multiply a unit-variance (LeCun) weight init by this so the
                     pre-activation variance stays 1 layer after layer (√2 for ReLU = He init).
* ``chi``            E[f'(z)²]: per-layer growth of squared gradients at σ_w = 1 (χ₁ of Schoenholz et al.);
                     with the init gain applied, chi·gain² > 1 means gradients explode, < 1 vanish.
* ``sparsity``       P(f(z) = 0): the fraction of exact zeros (0.5 for ReLU, 0 for smooth units).
* ``linearity``      R² of the best affine fit of f(z) in z: 1 = linear unit, 0 = no linear part
                     (an even unit such as x² or a Gaussian bump).
* ``lipschitz``      max |f'(x)| on a dense grid of [-20, 20]: an estimate (lower bound) of the
                     Lipschitz constant; >1 lets a layer stretch distances.
* ``corr_map_0.5``   E[f(u)f(v)] / E[f(u)²] for unit-variance u, v with correlation 0.5: how a layer
                     changes the correlation of two inputs (0.5 = preserved; > 0.5 = inputs pulled
                     together, towards the ordered phase; < 0.5 = pushed apart, towards chaos).

Gaussian expectations use composite Gauss–Legendre quadrature on [−10, 10]
with interval edges on a 0.01 grid, so the kinks of piecewise units cost no
accuracy (tests check ReLU's closed forms to 1e-9).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from .. import registry

def _normal_nodes(width: float, order: int, span: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre nodes/weights for E[g(z)], z ~ N(0, 1), on [-span, span].

    Interval edges fall on multiples of ``width`` (0 included), so kinks at
    0, ±1, ±3, ±6 ... of piecewise units sit on edges and cost no accuracy;
    the truncated tail mass beyond ±10 is below 1e-22.
    """
    x, w = np.polynomial.legendre.leggauss(order)
    left = np.arange(-span, span, width)
    nodes = (left[:, None] + (x[None, :] + 1) * width / 2).ravel()
    weights = np.tile(w * width / 2, len(left)) * np.exp(-0.5 * nodes**2) / math.sqrt(2 * math.pi)
    return nodes, weights


_NODES, _WEIGHTS = _normal_nodes(0.01, 8)      # 16,000 nodes for 1-D expectations
_NODES2, _WEIGHTS2 = _normal_nodes(0.05, 4)    # 1,600 per axis for the 2-D correlation map


def _fn(unit: str | Callable, **params) -> Callable:
    """A float64 elementwise callable: a fixed unit's functional, or a learnable elementwise unit's
    module at its initialisation (``pau``, ``snake_learnable`` ...)."""
    if not isinstance(unit, str):
        return unit
    s = registry.spec(unit)
    if s.fn is None and s.properties.get("elementwise"):
        module = registry.create(s.name, **params).to(torch.float64)
        return lambda x: module(x.reshape(-1, 1)).reshape(x.shape) if _needs_channels(module) else module(x)
    return registry.get_fn(unit, **params)


def _needs_channels(module: torch.nn.Module) -> bool:
    """Per-channel learnable units want a (N, C) input; probe them with one channel."""
    try:
        module(torch.zeros(3, dtype=torch.float64))
        return False
    except Exception:
        return True


def _values_and_grads(f: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = f(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def _gauss(f: Callable, q: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = _NODES * math.sqrt(q)
    y, g = _values_and_grads(f, z)
    return z, y, g


def second_moment(unit: str | Callable, q: float = 1.0, **params) -> float:
    """E[f(z)²] for z ~ N(0, q)."""
    _, y, _ = _gauss(_fn(unit, **params), q)
    return float(np.sum(_WEIGHTS * y * y))


def init_gain(unit: str | Callable, **params) -> float:
    """Weight-init gain that keeps E[f(z)²] = 1 for unit-variance inputs (√2 for ReLU)."""
    return 1.0 / math.sqrt(second_moment(unit, 1.0, **params))


def chi(unit: str | Callable, q: float = 1.0, **params) -> float:
    """E[f'(z)²] for z ~ N(0, q); times σ_w² it is the per-layer gradient growth χ₁."""
    _, _, g = _gauss(_fn(unit, **params), q)
    return float(np.sum(_WEIGHTS * g * g))


def sparsity(unit: str | Callable, q: float = 1.0, n: int = 100_000, **params) -> float:
    """P(f(z) == 0) for z ~ N(0, q), on n equal-probability quantiles (quadrature misses point masses)."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    z = (torch.special.ndtri(u) * math.sqrt(q)).numpy()
    y, _ = _values_and_grads(_fn(unit, **params), z)
    return float(np.mean(y == 0))


def linearity(unit: str | Callable, q: float = 1.0, **params) -> float:
    """R² of the best affine fit a·z + b of f(z), z ~ N(0, q): 1 = linear, 0 = no linear part."""
    z, y, _ = _gauss(_fn(unit, **params), q)
    w = _WEIGHTS
    mean_y = np.sum(w * y)
    var_y = np.sum(w * (y - mean_y) ** 2)
    if var_y == 0:
        return 1.0
    cov = np.sum(w * z * (y - mean_y))
    return float(cov * cov / (q * var_y))


def lipschitz(unit: str | Callable, lo: float = -20.0, hi: float = 20.0, n: int = 400_001, **params) -> float:
    """max |f'(x)| on a dense grid of [lo, hi]: an estimate (lower bound) of the Lipschitz constant."""
    x = np.linspace(lo, hi, n)
    _, g = _values_and_grads(_fn(unit, **params), x)
    return float(np.max(np.abs(g)))


def correlation_map(unit: str | Callable, c: float, q: float = 1.0, **params) -> float:
    """The mean-field correlation map: E[f(u) f(v)] / E[f(u)²] with Var u = Var v = q, corr(u, v) = c."""
    if not -1.0 <= c <= 1.0:
        raise ValueError(f"correlation c must be in [-1, 1]; got {c}")
    f = _fn(unit, **params)
    z1, z2 = np.meshgrid(_NODES2, _NODES2, indexing="ij")
    ww = np.outer(_WEIGHTS2, _WEIGHTS2).ravel()
    u = math.sqrt(q) * z1
    v = math.sqrt(q) * (c * z1 + math.sqrt(max(0.0, 1 - c * c)) * z2)
    fu, _ = _values_and_grads(f, u.ravel())
    fv, _ = _values_and_grads(f, v.ravel())
    den = np.sum(ww * fu * fu)
    return float(np.sum(ww * fu * fv) / den) if den > 0 else float("nan")


def profile(unit: str, **params) -> dict:
    """All unit-level probes of one elementwise unit (what `nonlin probe` prints)."""
    name = registry.spec(unit).name
    f = _fn(unit, **params)   # built once: a learnable unit's initialisation can be costly (pau fits)
    return {
        "unit": name,
        "second_moment": second_moment(f),
        "init_gain": init_gain(f),
        "chi": chi(f),
        "sparsity": sparsity(f),
        "linearity": linearity(f),
        "lipschitz": lipschitz(f),
        "corr_map_0.5": correlation_map(f, 0.5),
    }


# The columns of `nonlin probe` / profile(), with what each means (shown by `nonlin probe --help` and docs/probes.md).
COLUMNS = {
    "second_moment": "E[f(z)^2], z ~ N(0,1): mean squared output for unit-variance inputs",
    "init_gain": "1/sqrt(E[f(z)^2]): weight-init gain that keeps unit variance layer to layer (sqrt 2 for ReLU)",
    "chi": "E[f'(z)^2]: per-layer growth of squared gradients at sigma_w = 1 (chi_1, Schoenholz et al. 1611.01232)",
    "sparsity": "P(f(z) = 0): fraction of exact zeros (0.5 for ReLU)",
    "linearity": "R^2 of the best affine fit of f(z) in z: 1 = linear, 0 = no linear part",
    "lipschitz": "max |f'(x)| on a dense grid of [-20, 20]: estimated Lipschitz constant",
    "corr_map_0.5": "E[f(u)f(v)]/E[f(u)^2] for unit-variance u, v with correlation 0.5: "
                    "> 0.5 pulls inputs together (ordered), < 0.5 pushes apart (chaotic)",
}


def columns_help() -> str:
    """The column legend printed by `nonlin probe --help`."""
    width = max(map(len, COLUMNS))
    return "columns:\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in COLUMNS.items())
