"""Convolutional KAN layers: a KANLinear applied to every patch (unfold).

KANConv2d(C_in, C_out, kernel_size) maps (N, C_in, H, W) → (N, C_out, H', W'):
each output pixel is y = KANLinear(C_in·k_h·k_w → C_out)(patch), i.e. every
edge from a patch element to an output channel is a learnable univariate
function (Bodner et al., "Convolutional Kolmogorov-Arnold Networks",
arXiv 2406.13155, 2024, build each kernel from an efficient-kan KANLinear
over the patch; here all output channels share one basis expansion of the
patch, which is the same function class with one matmul).  KANConv1d is the
1-D case.  Any basis of :class:`KANLinear` works (``basis=...``).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import ParameterError
from .layer import KANLinear


def _pair(v: Any, name: str) -> tuple[int, int]:
    t = (v, v) if isinstance(v, int) else tuple(v)
    if len(t) != 2 or any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in t):
        raise ParameterError(f"KANConv: {name} must be a non-negative int or a pair of them; got {v!r}")
    return t


class KANConv2d(nn.Module):
    """2-D KAN convolution: KANLinear over each (C_in, k_h, k_w) patch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any = 3, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, basis: str = "bspline", **layer_options: Any):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding, self.dilation = (_pair(stride, "stride"), _pair(padding, "padding"),
                                                    _pair(dilation, "dilation"))
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.dilation) < 1:
            raise ParameterError("KANConv2d: kernel_size, stride and dilation must be ≥ 1")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kan = KANLinear(in_channels * self.kernel_size[0] * self.kernel_size[1], out_channels,
                             basis=basis, **layer_options)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"KANConv2d expects (N, {self.in_channels}, H, W); got {tuple(x.shape)}")
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        oh = (h + 2 * self.padding[0] - self.dilation[0] * (kh - 1) - 1) // self.stride[0] + 1
        ow = (w + 2 * self.padding[1] - self.dilation[1] * (kw - 1) - 1) // self.stride[1] + 1
        cols = F.unfold(x, self.kernel_size, dilation=self.dilation, padding=self.padding, stride=self.stride)
        y = self.kan(cols.transpose(1, 2))                      # (N, L, C_out)
        return y.transpose(1, 2).reshape(n, self.out_channels, oh, ow)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}")


class KANConv1d(nn.Module):
    """1-D KAN convolution: KANLinear over each (C_in, k) window."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int = 0, dilation: int = 1, basis: str = "bspline", **layer_options: Any):
        super().__init__()
        self.conv = KANConv2d(in_channels, out_channels, (1, kernel_size), (1, stride), (0, padding),
                              (1, dilation), basis=basis, **layer_options)
        self.in_channels, self.out_channels = in_channels, out_channels

    @property
    def kan(self) -> KANLinear:
        return self.conv.kan

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"KANConv1d expects (N, {self.in_channels}, L); got {tuple(x.shape)}")
        return self.conv(x.unsqueeze(2)).squeeze(2)
