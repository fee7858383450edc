"""Describe and plot a unit's derivative next to its b-bit tables (for ``nonlin show`` / ``nonlin plot``)."""

from __future__ import annotations

from typing import Any, Sequence

import torch

from .tables import BITS, table as optimal_table


def describe_table(unit: str, bits: Sequence[int] = BITS, dist: Any = "normal", **params: Any) -> str:
    """One line per bit width: borders, levels and relative derivative error of the optimal table."""
    return "\n".join(optimal_table(unit, b, dist, **params).describe() for b in bits)


def plot_table(unit: str, path: str, bits: Sequence[int] = (1, 2, 3), dist: Any = "normal",
               lo: float = -5.0, hi: float = 5.0, **params: Any) -> str:
    """PNG: f' (the unit's backward rule) and its b-bit approximations (left), their errors (right)."""
    from ..plotting import _pyplot
    from .tables import derivative_fn
    plt = _pyplot()
    x = torch.linspace(lo, hi, 2001, dtype=torch.float64)
    d = torch.from_numpy(derivative_fn(unit, **params)(x.numpy()))
    fig, (ax, ax_e) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ax.plot(x, d, color="k", lw=2, label=f"{unit}'")
    for b in bits:
        t = optimal_table(unit, b, dist, **params)
        q = t.derivative(x)
        ax.step(x, q, where="post", label=f"{b} bit (rel. err {t.rel_error:.3g})")
        ax_e.plot(x, q - d, label=f"{b} bit")
    ax.set_title(f"{unit}: derivative and optimal b-bit tables under {dist}")
    ax_e.set_title("approximation error q(x) - f'(x)")
    for a in (ax, ax_e):
        a.axhline(0, color="0.8", lw=0.8)
        a.grid(alpha=0.3)
        a.set_xlabel("x")
        a.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
