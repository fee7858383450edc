r"""Quadratic neurons with the ReLinear initialisation (linear and 2-D conv).

"On Expressivity and Trainability of Quadratic Networks", Fan, Li, Wang, Lai,
Wang, IEEE TNNLS 2023, arXiv 2110.06081.

    y = (W_r x + b_r) ⊙ (W_g x + b_g) + W_b (x ⊙ x) + c

(an activation is applied after the layer, as after a linear layer).
ReLinear: W_g = 0, b_g = 1, W_b = 0, c = 0 so the layer starts as its linear
part W_r x + b_r; ``quadratic_grad_scale`` γ (ReLinear^sg) multiplies the
gradients of the quadratic parameters (W_g, b_g, W_b, c) by γ without
changing the forward value, so they move more slowly than the linear part.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register

QUAD_REF = ref("On Expressivity and Trainability of Quadratic Networks", "2110.06081", 2023,
               authors="Fan, Li, Wang, Lai, Wang", venue="IEEE TNNLS")
_FORMULA = r"(W_r x + b_r) \odot (W_g x + b_g) + W_b (x \odot x) + c"


def _scale_grad(p: Tensor, gamma: float) -> Tensor:
    # value p, gradient gamma * grad (ReLinear^sg)
    return p if gamma == 1.0 else p * gamma + p.detach() * (1.0 - gamma)


def _check_gamma(unit: str, gamma) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
        raise ParameterError(f"parameter 'quadratic_grad_scale' of '{unit}' must be >= 0; got {gamma!r}")
    return float(gamma)


@register("quadratic", kind="gated", family="quadratic", formula=_FORMULA, reference=QUAD_REF,
          properties=dict(elementwise=False, smooth="Cinf"), positional=2,
          params=dict(bias=P(kind="bool", doc="learn b_r"),
                      quadratic_grad_scale=P(0.0, None, doc="γ: gradient factor of the quadratic terms (ReLinear^sg)")))
class QuadraticLinear(nn.Module):
    """Quadratic neuron layer (in_features → out_features) with ReLinear initialisation."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 quadratic_grad_scale: float = 1.0, dtype=None, device=None):
        super().__init__()
        kw = dict(dtype=dtype, device=device)
        self.gamma = _check_gamma("quadratic", quadratic_grad_scale)
        self.linear = nn.Linear(in_features, out_features, bias=bias, **kw)  # W_r, b_r
        self.gate = nn.Linear(in_features, out_features, bias=True, **kw)  # W_g, b_g
        self.square = nn.Linear(in_features, out_features, bias=True, **kw)  # W_b, c
        with torch.no_grad():  # ReLinear
            self.gate.weight.zero_()
            self.gate.bias.fill_(1.0)
            self.square.weight.zero_()
            self.square.bias.zero_()

    def forward(self, x: Tensor) -> Tensor:
        g = self.gamma
        r = self.linear(x)
        gate = F.linear(x, _scale_grad(self.gate.weight, g), _scale_grad(self.gate.bias, g))
        sq = F.linear(x * x, _scale_grad(self.square.weight, g), _scale_grad(self.square.bias, g))
        return r * gate + sq


@register("quadratic_conv2d", kind="gated", family="quadratic", formula=_FORMULA.replace("x", r"\ast x"),
          reference=QUAD_REF, properties=dict(elementwise=False, smooth="Cinf"), positional=3,
          params=dict(stride=P(kind="any", doc="convolution stride"), padding=P(kind="any", doc="zero padding"),
                      bias=P(kind="bool", doc="learn b_r"),
                      quadratic_grad_scale=P(0.0, None, doc="γ: gradient factor of the quadratic terms (ReLinear^sg)")))
class QuadraticConv2d(nn.Module):
    """Quadratic convolution: conv_r(x) ⊙ conv_g(x) + conv_b(x ⊙ x), ReLinear initialisation."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, quadratic_grad_scale: float = 1.0, dtype=None, device=None):
        super().__init__()
        kw = dict(stride=stride, padding=padding, dtype=dtype, device=device)
        self.gamma = _check_gamma("quadratic_conv2d", quadratic_grad_scale)
        self.linear = nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias, **kw)
        self.gate = nn.Conv2d(in_channels, out_channels, kernel_size, bias=True, **kw)
        self.square = nn.Conv2d(in_channels, out_channels, kernel_size, bias=True, **kw)
        with torch.no_grad():
            self.gate.weight.zero_()
            self.gate.bias.fill_(1.0)
            self.square.weight.zero_()
            self.square.bias.zero_()

    def _conv(self, m: nn.Conv2d, x: Tensor) -> Tensor:
        g = self.gamma
        return F.conv2d(x, _scale_grad(m.weight, g), _scale_grad(m.bias, g), m.stride, m.padding)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x) * self._conv(self.gate, x) + self._conv(self.square, x * x)
