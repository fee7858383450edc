r"""Quadratic neurons with the ReLinear initialisation (linear and 2-D conv).

"On Expressivity and Trainability of Quadratic Networks", Fan, Li, Wang, Lai,
Wang, IEEE TNNLS 2023, arXiv 2110.06081.

    y = (W_r x + b_r) ⊙ (W_g x + b_g) + W_b (x ⊙ x) + c

(an activation is applied after the layer, as after a linear layer).
ReLinear: W_g = 0, b_g = 1, W_b = 0, c = 0 so the layer starts as its linear
part W_r x + b_r; ``quadratic_grad_scale`` γ (ReLinear^sg) multiplies the
gradients of the quadratic parameters (W_g, b_g, W_b, c) by γ without
changing the forward value, so they move more slowly than the linear part.

Default γ = 1e-4, on as in the paper's ReLinear: the authors' trainer
(FengleiFan/ReLinear ``TrainQuadraticNetworksViaReLinear/qtrainer_10_5.py``)
trains the g and b groups with lr 1e-5 against lr 0.1 for the rest.  For SGD
a gradient factor γ equals that learning-rate ratio; adaptive optimisers
(Adam) undo gradient scaling, so there put :meth:`quadratic_parameters` in a
parameter group of its own with lr·γ and set ``quadratic_grad_scale=1``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..learnable._common import check_conv_pair, check_size, check_tensor
from ..registry import P, ParameterError, ref, register

QUAD_REF = ref("On Expressivity and Trainability of Quadratic Networks", "2110.06081", 2023,
               authors="Fan, Li, Wang, Lai, Wang", venue="IEEE TNNLS")
_FORMULA = r"(W_r x + b_r) \odot (W_g x + b_g) + W_b (x \odot x) + c"


def _scale_grad(p: Tensor, gamma: float) -> Tensor:
    # value p, gradient gamma * grad (ReLinear^sg)
    return p if gamma == 1.0 else p * gamma + p.detach() * (1.0 - gamma)


def _check_bias(unit: str, bias) -> None:
    if not isinstance(bias, bool):
        raise ParameterError(f"parameter 'bias' of '{unit}' must be True or False; got {bias!r}")


def _check_gamma(unit: str, gamma) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
        raise ParameterError(f"parameter 'quadratic_grad_scale' of '{unit}' must be >= 0; got {gamma!r}")
    return float(gamma)


RELINEAR_GRAD_SCALE = 1e-4  # lr_gb / lr = 1e-5 / 0.1 in the authors' trainer
_GAMMA_DOC = "γ: gradient factor of the quadratic terms (ReLinear^sg; 1e-4 = the authors' lr ratio, 1 = off)"


class _Quadratic(nn.Module):
    def quadratic_parameters(self) -> list[nn.Parameter]:
        """W_g, b_g, W_b, c: the parameters ReLinear trains slowly (for an optimiser parameter group)."""
        return [self.gate.weight, self.gate.bias, self.square.weight, self.square.bias]


@register("quadratic", kind="gated", family="quadratic", formula=_FORMULA, reference=QUAD_REF,
          properties=dict(elementwise=False, smooth="Cinf"), positional=2,
          params=dict(bias=P(kind="bool", doc="learn b_r"),
                      quadratic_grad_scale=P(0.0, None, doc=_GAMMA_DOC)))
class QuadraticLinear(_Quadratic):
    """Quadratic neuron layer (in_features → out_features) with ReLinear initialisation."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 quadratic_grad_scale: float = RELINEAR_GRAD_SCALE, dtype=None, device=None):
        super().__init__()
        check_size(in_features, "in_features", "quadratic")
        check_size(out_features, "out_features", "quadratic")
        _check_bias("quadratic", bias)
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
        check_tensor(x, "quadratic")
        g = self.gamma
        r = self.linear(x)
        gate = F.linear(x, _scale_grad(self.gate.weight, g), _scale_grad(self.gate.bias, g))
        sq = F.linear(x * x, _scale_grad(self.square.weight, g), _scale_grad(self.square.bias, g))
        return r * gate + sq


@register("quadratic_conv2d", kind="gated", family="quadratic", formula=_FORMULA.replace("x", r"\ast x"),
          reference=QUAD_REF, properties=dict(elementwise=False, smooth="Cinf"), positional=3,
          params=dict(stride=P(kind="any", doc="convolution stride"), padding=P(kind="any", doc="zero padding"),
                      bias=P(kind="bool", doc="learn b_r"),
                      quadratic_grad_scale=P(0.0, None, doc=_GAMMA_DOC)))
class QuadraticConv2d(_Quadratic):
    """Quadratic convolution: conv_r(x) ⊙ conv_g(x) + conv_b(x ⊙ x), ReLinear initialisation."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, quadratic_grad_scale: float = RELINEAR_GRAD_SCALE, dtype=None, device=None):
        super().__init__()
        unit = "quadratic_conv2d"
        check_size(in_channels, "in_channels", unit)
        check_size(out_channels, "out_channels", unit)
        kernel_size = check_conv_pair(kernel_size, "kernel_size", unit, 1)
        stride = check_conv_pair(stride, "stride", unit, 1)
        padding = check_conv_pair(padding, "padding", unit, 0, ("same", "valid"))
        _check_bias(unit, bias)
        kw = dict(stride=stride, padding=padding, dtype=dtype, device=device)
        self.gamma = _check_gamma(unit, quadratic_grad_scale)
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
        check_tensor(x, "quadratic_conv2d")
        return self.linear(x) * self._conv(self.gate, x) + self._conv(self.square, x * x)
