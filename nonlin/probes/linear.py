"""The function a network computes, seen as a linear map.

* :func:`linear_map` — the linear interpreter of LinearScope (
  arXiv 1908.05168): every unit is replaced by its input-dependent affine piece
  f(z) = s·z + c with s = f'(z), c = f(z) − s·z, frozen at the pre-activations of the given input.
  The network becomes an affine map y = A(x)·x + b(x).  For a piecewise-linear network (ReLU,
  leaky ReLU, hardtanh …) this is *exact* on the whole linear region containing x; for smooth units it
  is the local linearisation (tangent) at x.  ``A`` is computed as the Jacobian of the frozen network
  and ``b`` by running the frozen network on the zero input — two computations independent of the
  original forward pass — and ``reconstruction_error`` = max |A x + b − model(x)| checks them.
  The fraction of the output carried by the bias path, |b| / (|A x| + |b|), is LinearScope's
  observation that classification networks lean on bias terms.
* :func:`jacobian_spectrum` — singular values of the input-output Jacobian (dynamical isometry,
  Pennington et al., arXiv 1711.04735).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from ._common import Result, find_units


@dataclasses.dataclass
class LinearMap(Result):
    """y ≈ A x + b for each input row (exact for piecewise-linear networks)."""

    A: torch.Tensor                 # (B, out, in) — rows are the output units' input templates
    b: torch.Tensor                 # (B, out)
    input_shape: tuple
    reconstruction_error: float     # max |A x + b − model(x)|
    bias_share: float               # mean |b| / (|A x| + |b|) over outputs and samples

    def row_image(self, sample: int, output: int) -> torch.Tensor:
        """Row ``output`` of A for ``sample``, in the input's shape (an image for image inputs)."""
        return self.A[sample, output].reshape(self.input_shape)

    def _draw(self, ax: Any) -> None:
        out = self.A.shape[1]
        shape = self.input_shape
        if len(shape) >= 2 or (len(shape) == 1 and int(np.sqrt(shape[0])) ** 2 == shape[0]):
            side = shape[-1] if len(shape) >= 2 else int(np.sqrt(shape[0]))
            rows = [self.A[0, o].reshape(-1, side).detach().numpy() for o in range(min(out, 10))]
            ax.imshow(np.concatenate(rows, axis=1), cmap="RdBu_r")
            ax.set_title("rows of A(x) (one per output) as images", fontsize=9)
            ax.axis("off")
        else:
            ax.imshow(self.A[0].detach().numpy(), aspect="auto", cmap="RdBu_r")
            ax.set_xlabel("input")
            ax.set_ylabel("output")
            ax.set_title("A(x)", fontsize=9)


def _frozen(model: nn.Module, x: torch.Tensor):
    """Record each unit's slope and offset at x; return a function running the frozen (affine) network."""
    units = find_units(model)
    pieces: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    hooks = []
    busy: list[bool] = []
    for name, mod, _ in units:
        def record(m, inputs, output, name=name):
            if busy:
                return
            busy.append(True)
            try:
                with torch.enable_grad():
                    z = inputs[0].detach().clone().requires_grad_(True)
                    (s,) = torch.autograd.grad(m(z).sum(), z)
                pieces[name] = (s.detach(), (output - s * inputs[0]).detach())
            finally:
                busy.pop()
        hooks.append(mod.register_forward_hook(record))
    try:
        with torch.no_grad():
            y = model(x)
    finally:
        for h in hooks:
            h.remove()

    def run(inp: torch.Tensor) -> torch.Tensor:
        frozen_hooks = []
        for name, mod, _ in units:
            s, c = pieces[name]

            def replace(m, inputs, output, s=s, c=c):
                return s * inputs[0] + c
            frozen_hooks.append(mod.register_forward_hook(replace))
        try:
            return model(inp)
        finally:
            for h in frozen_hooks:
                h.remove()

    return y, run


def linear_map(model: nn.Module, data: Any) -> LinearMap:
    """The input-dependent affine map of ``model`` at each input row of ``data`` (a tensor (B, ...))."""
    x = data[0] if isinstance(data, (tuple, list)) else data
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"linear_map needs a tensor of inputs (B, ...); got {type(x).__name__}")
    was = model.training
    model.eval()
    try:
        y, run = _frozen(model, x)
        # samples are independent, so the Jacobian of the batch sum gives every sample's A
        J = torch.func.jacrev(lambda v: run(v).sum(0))(x)          # (out, B, *in)
        A = J.movedim(1, 0).reshape(len(x), y.shape[-1], -1).detach()
        with torch.no_grad():
            b = run(torch.zeros_like(x)).detach()
    finally:
        model.train(was)
    Ax = (A @ x.reshape(len(x), -1, 1)).squeeze(-1)
    err = float((Ax + b - y).abs().max())
    share = float((b.abs() / (Ax.abs() + b.abs()).clamp_min(1e-30)).mean())
    return LinearMap(A, b, tuple(x.shape[1:]), err, share)


def jacobian_spectrum(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Singular values of d model(x) / d x for one input sample ``x`` (no batch dim), descending.

    Dynamical isometry (all singular values near 1) predicts trainability of
    deep networks (Pennington et al., arXiv 1711.04735).
    """
    jac = torch.func.jacrev(lambda t: model(t.unsqueeze(0)).squeeze(0))(x)
    jac = jac.reshape(-1, x.numel())
    return torch.linalg.svdvals(jac)
