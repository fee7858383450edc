"""Probes: what a nonlinearity does to a signal and to a network.

Unit-level probes (of an elementwise activation, in float64, under a standard
normal pre-activation z ~ N(0, q) — the mean-field setting of Poole et al.,
"Exponential expressivity in deep neural networks through transient chaos",
arXiv 1606.05340, and Schoenholz et al., "Deep Information Propagation",
arXiv 1611.01232):

* :func:`second_moment`  E[f(z)²]  -> the variance-preserving init gain 1/sqrt(E[f(z)²])
* :func:`chi`            E[f'(z)²] -> gradient growth per layer (χ₁ at q = 1 with σ_w = 1)
* :func:`sparsity`       P(f(z) = 0)
* :func:`linearity`      R² of the best affine fit of f(z) in z (1 for a linear unit)
* :func:`lipschitz`      sup |f'(x)| on a dense grid (an estimate of the Lipschitz constant)
* :func:`correlation_map` c -> E[f(u)f(v)] / E[f(u)²] for unit-variance (u, v) with correlation c

Gaussian expectations use composite Gauss–Legendre quadrature on [−10, 10]
with interval edges on a 0.01 grid, so the kinks of piecewise units cost no
accuracy (tests check ReLU's closed forms to 1e-9).

Network-level probes (any ``nn.Module``):

* :func:`activation_stats`   per-unit-module output sparsity, dead and saturated units
* :func:`jacobian_spectrum`  singular values of the input-output Jacobian (dynamical isometry)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np
import torch
from torch import nn

from .. import registry
from ..swap import unit_name_of


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
    return registry.get_fn(unit, **params) if isinstance(unit, str) else unit


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
    return {
        "unit": registry.spec(unit).name,
        "second_moment": second_moment(unit, **params),
        "init_gain": init_gain(unit, **params),
        "chi": chi(unit, **params),
        "sparsity": sparsity(unit, **params),
        "linearity": linearity(unit, **params),
        "lipschitz": lipschitz(unit, **params),
        "corr_map_0.5": correlation_map(unit, 0.5, **params),
    }


# ---- network-level probes ---------------------------------------------------------


@dataclasses.dataclass
class UnitStats:
    """Statistics of one unit module's outputs over a batch (channel dim 1, or last for 2-D)."""

    module: str
    unit: str
    zero_fraction: float      # fraction of exact zeros in the output
    dead_fraction: float      # channels whose output is zero for every sample
    saturated_fraction: float  # fraction of elements with |f'(x)| < 1e-3 (no gradient flows)
    mean: float
    std: float


def activation_stats(model: nn.Module, x: torch.Tensor) -> list[UnitStats]:
    """Run ``model(x)`` and report, for each recognised activation module, sparsity, dead and saturated units."""
    records: list[UnitStats] = []
    hooks = []
    busy = []  # re-entrancy guard: the hook calls the module again to get f'(x)
    for name, mod in model.named_modules():
        unit = unit_name_of(mod)
        if unit is None:
            continue

        def hook(m, inputs, output, name=name, unit=unit):
            if busy:
                return
            busy.append(True)
            try:
                inp = inputs[0].detach().clone().requires_grad_(True)
                with torch.enable_grad():
                    (g,) = torch.autograd.grad(m(inp.clone()).sum(), inp)
            finally:
                busy.pop()
            out = output.detach()
            per_channel = out.transpose(0, 1).reshape(out.shape[1], -1) if out.dim() > 1 else out.reshape(1, -1)
            records.append(UnitStats(
                module=name, unit=unit,
                zero_fraction=float((out == 0).float().mean()),
                dead_fraction=float((per_channel == 0).all(dim=1).float().mean()),
                saturated_fraction=float((g.abs() < 1e-3).float().mean()),
                mean=float(out.float().mean()), std=float(out.float().std()) if out.numel() > 1 else 0.0,
            ))

        hooks.append(mod.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return records


def jacobian_spectrum(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Singular values of d model(x) / d x for one input sample ``x`` (no batch dim), descending.

    Dynamical isometry (all singular values near 1) predicts trainability of
    deep networks (Pennington et al., arXiv 1711.04735).
    """
    jac = torch.func.jacrev(lambda t: model(t.unsqueeze(0)).squeeze(0))(x)
    jac = jac.reshape(-1, x.numel())
    return torch.linalg.svdvals(jac)
