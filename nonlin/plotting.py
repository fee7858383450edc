"""Plots of elementwise units and their derivatives (matplotlib, optional extra ``plot``)."""

from __future__ import annotations

from typing import Sequence

import torch

from . import registry


def _pyplot():
    try:
        import matplotlib
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'nonlin[plot]'") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def curves(name: str, lo: float = -5.0, hi: float = 5.0, n: int = 801, **params):
    """(x, f(x), f'(x)) in float64; f' is the unit's backward rule (its surrogate, if it has one)."""
    s = registry.spec(name)
    if s.fn is None:
        raise TypeError(f"'{s.name}' is a {s.kind} unit, not an elementwise activation")
    x = torch.linspace(lo, hi, n, dtype=torch.float64, requires_grad=True)
    fn = registry.get_fn(name, **params)
    y = fn(x)
    (dy,) = torch.autograd.grad(y.sum(), x)
    return x.detach().numpy(), y.detach().numpy(), dy.numpy()


def plot_units(names: Sequence[str], path: str, lo: float = -5.0, hi: float = 5.0) -> str:
    """Write a PNG with each unit's function (left) and derivative (right)."""
    plt = _pyplot()
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for name in names:
        s = registry.spec(name)
        x, y, dy = curves(name, lo, hi)
        ax_f.plot(x, y, label=s.name)
        ax_d.plot(x, dy, label=s.name)
    for ax, title in ((ax_f, "f(x)"), (ax_d, "f'(x)  (backward rule)")):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    ax_f.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
