"""Rectifiers: ReLU and its piecewise-linear and clipped relatives."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..elementwise import activation
from ..registry import P, ref

_RELU_REF = ref("Rectified Linear Units Improve Restricted Boltzmann Machines", None, 2010,
                authors="Nair, Hinton", venue="ICML")


@activation(
    "relu", family="rectifiers", formula=r"\max(0, x)", reference=_RELU_REF,
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    builtin=F.relu,
)
def relu(x: Tensor) -> Tensor:
    """Rectified linear unit: f(x) = max(0, x)."""
    return torch.clamp_min(x, 0)


@relu.derivative
def _(x: Tensor) -> Tensor:
    return (x > 0).to(x.dtype)


@activation(
    "leaky_relu", aliases=("lrelu",), family="rectifiers",
    formula=r"\max(0,x) + a\min(0,x)",
    reference=ref("Rectifier Nonlinearities Improve Neural Network Acoustic Models", None, 2013,
                  authors="Maas, Hannun, Ng", venue="ICML workshop"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(negative_slope=P(0.0, 1.0, doc="slope a for x < 0")),
    builtin=F.leaky_relu,
)
def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU: f(x) = x for x >= 0, a·x otherwise (a = 0.01)."""
    return torch.where(x >= 0, x, negative_slope * x)


@leaky_relu.derivative
def _(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x >= 0, 1.0, negative_slope).to(x.dtype)


@activation(
    "helu", aliases=("hysteresis_relu",), family="rectifiers",
    formula=r"f(x)=\max(0,x),\quad \tilde f'(x) = \mathbb{1}[x > -\alpha]",
    reference=ref("Hysteresis Activation Function for Efficient Inference", "2411.10573", 2024,
                  authors="Kimhi, Kashani, Mendelson, Baskin", venue="NeurIPS ENLSP workshop"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True, surrogate_gradient=True),
    params=dict(alpha=P(0.0, None, doc="backward threshold shift α > 0 (training only)")),
    builtin=F.relu,
)
def helu(x: Tensor, alpha: float = 0.05) -> Tensor:
    """Hysteresis ReLU (HeLU): forward ReLU, backward gradient 1[x > −α].

    The gradient threshold is shifted left by α during training only, so
    units just below zero still learn; inference cost equals ReLU.
    """
    return torch.clamp_min(x, 0)


@helu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return (x > -alpha).to(x.dtype)


@activation(
    "relu_squared", aliases=("relu2", "squared_relu"), family="rectifiers", formula=r"\max(0,x)^2",
    reference=ref("Primer: Searching for Efficient Transformers for Language Modeling", "2109.08668", 2021,
                  authors="So, Mańke, Liu, Dai, Shazeer, Le", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=0.0, bounded_above=False, zero_at_zero=True),
)
def relu_squared(x: Tensor) -> Tensor:
    """Squared ReLU (Primer): f(x) = max(0, x)²."""
    r = torch.clamp_min(x, 0)
    return r * r


@relu_squared.derivative
def _(x: Tensor) -> Tensor:
    return 2 * torch.clamp_min(x, 0)
