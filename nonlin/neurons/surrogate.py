"""Surrogate gradients for spiking: Heaviside forward, a smooth pseudo-derivative backward.

``spike_fn("atan", alpha=2.0)`` returns S(v) = Θ(v) (v = membrane − threshold)
whose backward multiplies by the named pseudo-derivative σ'(v):

=============  ===========================================  ==========================================
name           σ'(v)                                         source
=============  ===========================================  ==========================================
atan           (α/2) / (1 + (π α v / 2)²), α = 2             snnTorch ``surrogate.atan`` (Fang et al.
                                                             2021, arXiv 2007.05785)
fast_sigmoid   1 / (slope·|v| + 1)², slope = 25              snnTorch ``surrogate.fast_sigmoid``
                                                             (Zenke & Ganguli 2018)
sigmoid        slope·s(1 − s), s = sigmoid(slope·v), 25      snnTorch ``surrogate.sigmoid``
triangle       γ·max(0, 1 − |v|/w), γ = 0.3, w = 1           Bellec et al. 2018, arXiv 1803.09574
superspike     1 / (α·|v| + 1)², α = 100                     Zenke & Ganguli 2018, arXiv 1705.11146
                                                             (Norse ``method="super"``)
=============  ===========================================  ==========================================
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from ..registry import ParameterError


def _atan(v: Tensor, alpha: float = 2.0) -> Tensor:
    return (alpha / 2) / (1 + (math.pi / 2 * alpha * v) ** 2)


def _fast_sigmoid(v: Tensor, slope: float = 25.0) -> Tensor:
    return 1.0 / (slope * v.abs() + 1.0) ** 2


def _sigmoid(v: Tensor, slope: float = 25.0) -> Tensor:
    s = torch.sigmoid(slope * v)
    return slope * s * (1 - s)


def _triangle(v: Tensor, gamma: float = 0.3, width: float = 1.0) -> Tensor:
    return gamma * torch.clamp_min(1 - v.abs() / width, 0)


def _superspike(v: Tensor, alpha: float = 100.0) -> Tensor:
    return 1.0 / (alpha * v.abs() + 1.0) ** 2


SURROGATES: dict[str, Callable[..., Tensor]] = {
    "atan": _atan,
    "fast_sigmoid": _fast_sigmoid,
    "sigmoid": _sigmoid,
    "triangle": _triangle,
    "superspike": _superspike,
}

DEFAULTS = {"atan": {"alpha": 2.0}, "fast_sigmoid": {"slope": 25.0}, "sigmoid": {"slope": 25.0},
            "triangle": {"gamma": 0.3, "width": 1.0}, "superspike": {"alpha": 100.0}}


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v: Tensor, grad_fn, kw) -> Tensor:
        ctx.save_for_backward(v)
        ctx.grad_fn, ctx.kw = grad_fn, kw
        s = (v > 0).to(v.dtype)  # strict, as snnTorch: a spike when the membrane exceeds the threshold
        # NaN > 0 is False: without this a NaN membrane would read as "no spike" and hide the NaN
        return torch.where(torch.isnan(v), v, s)

    @staticmethod
    def backward(ctx, grad: Tensor):
        (v,) = ctx.saved_tensors
        return grad * ctx.grad_fn(v, **ctx.kw), None, None


def surrogate_grad(name: str, v: Tensor, **params) -> Tensor:
    """σ'(v) of the named surrogate (for tests and plots)."""
    fn, kw = _lookup(name, params)
    return fn(v, **kw)


def _lookup(name: str, params):
    if not isinstance(name, str) or name not in SURROGATES:
        raise ParameterError(f"unknown surrogate gradient {name!r}; choose one of {', '.join(SURROGATES)}")
    if not isinstance(params, dict):
        raise ParameterError(f"surrogate_params must be a dict of parameters of {name!r} "
                             f"({', '.join(DEFAULTS[name])}) or None; got {type(params).__name__} {params!r}")
    allowed = DEFAULTS[name]
    bad = set(params) - set(allowed)
    if bad:
        raise ParameterError(f"surrogate {name!r} takes parameters {', '.join(allowed)}; "
                             f"got {', '.join(sorted(map(str, bad)))}")
    kw = {**allowed, **params}
    for k, v in kw.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < math.inf:
            raise ParameterError(f"surrogate {name!r}: parameter {k!r} must be a positive finite number; got {v!r}")
        kw[k] = float(v)
    return SURROGATES[name], kw


class SpikeFunction:
    """S(v) = Θ(v) (1 where v > 0, NaN where v is NaN) with a surrogate derivative in backward.

    A plain object holding module-level functions, so modules that use it pickle
    (``torch.save(model)``); a closure or lambda would not.
    """

    def __init__(self, name: str = "atan", **params):
        self._fn, self.params = _lookup(name, params)
        self.surrogate = name

    def __call__(self, v: Tensor) -> Tensor:
        return _Spike.apply(v, self._fn, self.params)

    def __repr__(self) -> str:
        return f"SpikeFunction({self.surrogate!r}, " + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"


def spike_fn(name: str = "atan", **params) -> SpikeFunction:
    """S(v) = Θ(v) (1 where v > 0) with the named surrogate derivative in backward."""
    return SpikeFunction(name, **params)
