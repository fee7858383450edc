r"""PAON: the Padé approximant neuron (fully connected and 2-D convolutional).

"PAON: A New Neuron Model using Padé Approximants", Onur Keleş, A. Murat
Tekalp, ICIP 2024, arXiv 2403.11791.

    Paon^{[K/L]}(x) = (a_0 + \sum_{k=1}^{K} a_k ⊛ x^k) / (1 + \sum_{l=1}^{L} b_l ⊛ x^l)

⊛ is a fully connected map or a convolution and **every power has its own
weights**, so this is a neuron model (a layer), not a pointwise activation;
x^k is the elementwise power of the input.  The powers are concatenated so
each sum is one matmul / one convolution.

Denominator: ``denominator="plain"`` (default of ``paon`` / ``paon_conv2d``)
is the paper's formula above, 1 + Σ_l b_l ⊛ x^l, which can have poles;
``"abs"`` uses 1 + |Σ_l b_l ⊛ x^l|, a denominator ≥ 1 with no poles (the
"safe" form of PAU).  The safe form is also registered under its own names,
``paon_safe`` and ``paon_safe_conv2d`` (nonlin's variant, not the paper's).
The paper's own stabilisation (PaonS) is not implemented here.

Initialisation (chosen here; the paper's is unverified): a_1 like
``nn.Linear``/``nn.Conv2d``, a_0 their bias, a_k (k ≥ 2) and b_l zero, so a
Paon starts as the plain linear/conv layer and learns its rational part.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import check_conv_pair, check_size, check_tensor

PAON_REF = ref("PAON: A New Neuron Model using Padé Approximants", "2403.11791", 2024,
               authors="Keleş, Tekalp", venue="ICIP")
_PARAMS = dict(numerator_degree=P(1, 8, kind="int", doc="K, highest input power in the numerator"),
               denominator_degree=P(1, 8, kind="int", doc="L, highest input power in the denominator"),
               denominator=P(choices=("plain", "abs"),
                             doc="'plain': 1 + Σ b_l ⊛ x^l (the paper); 'abs': 1 + |Σ b_l ⊛ x^l| (no poles)"),
               bias=P(kind="bool", doc="learn a_0"))


def _check(unit: str, K, L, denominator, bias) -> None:
    for nm, v in (("numerator_degree", K), ("denominator_degree", L)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 8:
            raise ParameterError(f"parameter '{nm}' of '{unit}' must be an integer in [1, 8]; got {v!r}")
    if denominator not in ("plain", "abs"):
        raise ParameterError(f"parameter 'denominator' of '{unit}' must be 'plain' or 'abs'; got {denominator!r}")
    if not isinstance(bias, bool):
        raise ParameterError(f"parameter 'bias' of '{unit}' must be True or False; got {bias!r}")


def _powers(x: Tensor, k: int, dim: int) -> Tensor:
    p, out = x, [x]
    for _ in range(k - 1):
        p = p * x
        out.append(p)
    return torch.cat(out, dim)


class _Paon(nn.Module):
    UNIT = ""

    def _ratio(self, num: Tensor, den: Tensor) -> Tensor:
        return num / (1 + den.abs()) if self.denominator == "abs" else num / (1 + den)


_FC_FORMULA = r"\frac{a_0 + \sum_{k=1}^{K} A_k x^{k}}{1 + \sum_{l=1}^{L} B_l x^{l}}"
_CONV_FORMULA = r"\frac{a_0 + \sum_{k=1}^{K} a_k \circledast x^{k}}{1 + \sum_{l=1}^{L} b_l \circledast x^{l}}"


def _safe(formula: str) -> str:
    num, den = formula.split("}{1 + ")
    return num + r"}{1 + \left|" + den[:-1] + r"\right|}"


_FC_PARAMS = _PARAMS  # the sizes are positional (checked in the constructor)


@register("paon", kind="learnable", family="rational", positional=2, params=_FC_PARAMS, formula=_FC_FORMULA,
          reference=PAON_REF, properties=dict(elementwise=False, smooth="Cinf"))
class Paon(_Paon):
    """Fully connected Padé neuron layer (in_features → out_features), one weight matrix per power.

    Default denominator: the paper's 1 + Σ_l B_l x^l (``denominator="plain"``).
    """

    UNIT = "paon"

    def __init__(self, in_features: int, out_features: int, numerator_degree: int = 2,
                 denominator_degree: int = 1, denominator: str = "plain", bias: bool = True):
        super().__init__()
        check_size(in_features, "in_features", self.UNIT)
        check_size(out_features, "out_features", self.UNIT)
        _check(self.UNIT, numerator_degree, denominator_degree, denominator, bias)
        self.K, self.L, self.denominator = numerator_degree, denominator_degree, denominator
        lin = nn.Linear(in_features, out_features, bias=bias)
        self.num_weight = nn.Parameter(torch.zeros(out_features, in_features * self.K))
        with torch.no_grad():
            self.num_weight[:, :in_features] = lin.weight
        self.bias = lin.bias
        self.den_weight = nn.Parameter(torch.zeros(out_features, in_features * self.L))

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, self.UNIT)
        num = F.linear(_powers(x, self.K, -1), self.num_weight, self.bias)
        den = F.linear(_powers(x, self.L, -1), self.den_weight)
        return self._ratio(num, den)

    def extra_repr(self) -> str:
        return f"K={self.K}, L={self.L}, denominator={self.denominator!r}"


_CONV_PARAMS = dict(_PARAMS, stride=P(kind="any", doc="convolution stride"), padding=P(kind="any", doc="zero padding"))


@register("paon_conv2d", kind="learnable", family="rational", positional=3, params=_CONV_PARAMS,
          formula=_CONV_FORMULA, reference=PAON_REF, properties=dict(elementwise=False, smooth="Cinf"))
class PaonConv2d(_Paon):
    """Convolutional Padé neuron layer: one convolution kernel per input power.

    Default denominator: the paper's 1 + Σ_l b_l ⊛ x^l (``denominator="plain"``).
    """

    UNIT = "paon_conv2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, numerator_degree: int = 2,
                 denominator_degree: int = 1, denominator: str = "plain", bias: bool = True,
                 stride=1, padding=0):
        super().__init__()
        check_size(in_channels, "in_channels", self.UNIT)
        check_size(out_channels, "out_channels", self.UNIT)
        kernel_size = check_conv_pair(kernel_size, "kernel_size", self.UNIT, 1)
        stride = check_conv_pair(stride, "stride", self.UNIT, 1)
        padding = check_conv_pair(padding, "padding", self.UNIT, 0, ("same", "valid"))
        _check(self.UNIT, numerator_degree, denominator_degree, denominator, bias)
        self.K, self.L, self.denominator = numerator_degree, denominator_degree, denominator
        self.stride, self.padding = stride, padding
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)
        kh, kw = conv.weight.shape[2:]
        self.num_weight = nn.Parameter(torch.zeros(out_channels, in_channels * self.K, kh, kw))
        with torch.no_grad():
            self.num_weight[:, :in_channels] = conv.weight
        self.bias = conv.bias
        self.den_weight = nn.Parameter(torch.zeros(out_channels, in_channels * self.L, kh, kw))

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, self.UNIT)
        num = F.conv2d(_powers(x, self.K, 1), self.num_weight, self.bias, self.stride, self.padding)
        den = F.conv2d(_powers(x, self.L, 1), self.den_weight, None, self.stride, self.padding)
        return self._ratio(num, den)

    def extra_repr(self) -> str:
        return f"K={self.K}, L={self.L}, denominator={self.denominator!r}"


_SAFE_PARAMS = dict(_FC_PARAMS, denominator=P(choices=("abs", "plain"), doc="'abs' (default here): 1 + |Σ b_l ⊛ x^l|"))


@register("paon_safe", kind="learnable", family="rational", positional=2, params=_SAFE_PARAMS,
          formula=_safe(_FC_FORMULA), reference=PAON_REF, properties=dict(elementwise=False, smooth="C0"))
class PaonSafe(Paon):
    """PAON with the pole-free denominator 1 + |Σ_l B_l x^l| (nonlin's variant, not the paper's).

    The same layer as :class:`Paon` with ``denominator="abs"`` by default, so a
    state_dict moves freely between the two.
    """

    UNIT = "paon_safe"

    def __init__(self, in_features: int, out_features: int, numerator_degree: int = 2,
                 denominator_degree: int = 1, denominator: str = "abs", bias: bool = True):
        super().__init__(in_features, out_features, numerator_degree, denominator_degree, denominator, bias)


@register("paon_safe_conv2d", kind="learnable", family="rational", positional=3,
          params=dict(_CONV_PARAMS, denominator=_SAFE_PARAMS["denominator"]),
          formula=_safe(_CONV_FORMULA), reference=PAON_REF, properties=dict(elementwise=False, smooth="C0"))
class PaonSafeConv2d(PaonConv2d):
    """Convolutional PAON with the pole-free denominator 1 + |Σ_l b_l ⊛ x^l| (nonlin's variant)."""

    UNIT = "paon_safe_conv2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, numerator_degree: int = 2,
                 denominator_degree: int = 1, denominator: str = "abs", bias: bool = True,
                 stride=1, padding=0):
        super().__init__(in_channels, out_channels, kernel_size, numerator_degree, denominator_degree,
                         denominator, bias, stride, padding)
