"""Empirical neural tangent kernel through ``torch.func``.

Θ(x, x′) = Σ_p ∂f(x)/∂p · ∂f(x′)/∂p over all trainable parameters p (Jacot, Gabriel & Hongler,
"Neural Tangent Kernel: Convergence and Generalization in Neural Networks", arXiv 1806.07572).
:func:`ntk` returns the kernel ('trace': summed over outputs, n × n; 'full': (n·out) × (n·out)), its
eigenvalues, and :class:`NTKTracker` records the kernel's relative movement
‖Θ_t − Θ_0‖_F / ‖Θ_0‖_F over training (fast early, then slow, in finite-width networks).
For a linear model f(x) = W x the kernel is X Xᵀ (times the identity over outputs).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from ._common import Result

_MODES = ("trace", "full")


@dataclasses.dataclass
class NTKResult(Result):
    mode: str
    kernel: torch.Tensor
    eigenvalues: torch.Tensor      # descending

    @property
    def condition(self) -> float:
        ev = self.eigenvalues
        return float(ev[0] / ev[-1]) if ev[-1] > 0 else float("inf")

    def _draw(self, ax: Any) -> None:
        ev = self.eigenvalues.clamp_min(1e-30).numpy()
        ax.loglog(np.arange(1, len(ev) + 1), ev, marker=".")
        ax.set_xlabel("index")
        ax.set_ylabel("NTK eigenvalue")
        ax.set_title(f"empirical NTK spectrum ({self.mode})", fontsize=9)


def _jacobians(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(n, out, P): per-sample Jacobians of the flattened output w.r.t. all trainable parameters."""
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise ValueError("the model has no trainable parameters; the NTK is zero")
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def f(p, xi):
        return torch.func.functional_call(model, (p, buffers), (xi.unsqueeze(0),)).reshape(-1)

    jac = torch.func.vmap(torch.func.jacrev(f), in_dims=(None, 0))(params, x)
    return torch.cat([j.reshape(len(x), j.shape[1], -1) for j in jac.values()], dim=-1)


def ntk(model: nn.Module, data: Any, other: torch.Tensor | None = None, mode: str = "trace") -> NTKResult:
    """Empirical NTK between the rows of ``data`` (and of ``other``; eigenvalues only when square)."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(_MODES)}; got {mode!r}")
    x = data[0] if isinstance(data, (tuple, list)) else data
    was = model.training
    model.eval()
    try:
        j1 = _jacobians(model, x)
        j2 = j1 if other is None else _jacobians(model, other)
    finally:
        model.train(was)
    if mode == "trace":
        K = torch.einsum("iap,jap->ij", j1, j2)
    else:
        K = torch.einsum("iap,jbp->iajb", j1, j2).reshape(j1.shape[0] * j1.shape[1], -1)
    K = K.detach()
    ev = torch.linalg.eigvalsh(K.double()).flip(0) if other is None else torch.empty(0)
    return NTKResult(mode, K, ev)


class NTKTracker:
    """Training callback: the NTK on fixed probe inputs every ``every`` steps and its movement.

    >>> tr = NTKTracker(model, x_probe, every=50)
    >>> for step in range(steps): ...; tr(step)
    >>> tr.movement   # [(step, ||K_t - K_0||_F / ||K_0||_F), ...]
    """

    def __init__(self, model: nn.Module, data: Any, every: int = 1, mode: str = "trace"):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer; got {every!r}")
        self.model, self.x, self.every, self.mode = model, data, every, mode
        self.kernels: list[tuple[int, torch.Tensor]] = []

    def __call__(self, step: int) -> float | None:
        if step % self.every:
            return None
        self.kernels.append((step, ntk(self.model, self.x, mode=self.mode).kernel))
        return self.movement[-1][1]

    @property
    def movement(self) -> list[tuple[int, float]]:
        if not self.kernels:
            return []
        k0 = self.kernels[0][1]
        return [(s, float((k - k0).norm() / k0.norm())) for s, k in self.kernels]

    def plot(self, path: str | None = None, ax: Any = None):
        from .activity import _History
        return _History("relative NTK movement", self.movement).plot(path, ax)
