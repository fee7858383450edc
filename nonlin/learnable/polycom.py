r"""PolyCom: polynomial composition activations, PolyReLU and PolyNorm.

"Polynomial Composition Activations: Unleashing the Dynamics of Large Language
Models", Zhuo et al., ICLR 2025, arXiv 2411.03884.

    PolyReLU(x) = \sum_{i=1}^{r} w_i relu(x)^i + b
    PolyNorm(x) = \sum_{i=1}^{r} w_i norm(x^i) + b,   norm(v) = v / sqrt(mean(v^2, last dim) + eps)

Order r = 3 in the paper; weights w (one scalar per power, per layer) are
initialised to 1/r and b to 0, eps = 1e-6.

Parameter layout (the official code's, BryceZhuo/PolyCom
``dense_model/megatron_patch/model/llama2/transformer.py`` and its README):
``weight[0]`` multiplies the highest power r, ``weight[r-1]`` the first power,
so the authors' checkpoints load unchanged (``weight`` shape (r,), ``bias``
shape (1,)).  nonlin before this layout stored the powers lowest first; flip
such an old ``weight`` with ``weight.flip(0)`` (docs/learnable.md, Migration).

The reference code wraps both in activation checkpointing (recompute the whole
forward in backward).  Here a custom autograd Function saves only the input
and the r + 1 scalars and computes the backward in closed form, which costs no
forward recompute and keeps the same memory.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import check_tensor, upcast

POLYCOM_REF = ref("Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models",
                  "2411.03884", 2025, authors="Zhuo, Wang, Zeng, Li, Zhou, Ma", venue="ICLR")


# The functions below take the coefficients lowest power first (w_1 .. w_r); the
# modules store them in the official order (w_r .. w_1) and flip at use.

def polyrelu_reference(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Plain formula (autograd through it): sum_i w_i relu(x)^i + b, ``weight`` = (w_1, ..., w_r)."""
    r = torch.relu(x)
    return sum(weight[i] * r ** (i + 1) for i in range(weight.shape[0])) + bias


def _rms_norm(v: Tensor, eps: float) -> Tensor:
    return v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + eps)


def polynorm_reference(x: Tensor, weight: Tensor, bias: Tensor, eps: float = 1e-6) -> Tensor:
    """Plain formula: sum_i w_i norm(x^i) + b, norm = RMS normalisation over the last dim, ``weight`` = (w_1, ..., w_r)."""
    return sum(weight[i] * _rms_norm(x ** (i + 1), eps) for i in range(weight.shape[0])) + bias


class _PolyReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
        r = torch.relu(x)
        acc = weight[-1] * r  # Horner: r (w_1 + r (w_2 + ... r w_r))
        for i in range(weight.shape[0] - 2, -1, -1):
            acc = (acc + weight[i]) * r
        ctx.save_for_backward(x, weight)
        return acc + bias.reshape(())  # a 0-d input keeps its shape

    @staticmethod
    def backward(ctx, g: Tensor):
        x, weight = ctx.saved_tensors
        r = torch.relu(x)
        order = weight.shape[0]
        gw = torch.empty_like(weight)
        p = r.clone()  # r^i
        dpoly = torch.zeros_like(r)  # sum_i i w_i r^(i-1)
        rprev = torch.ones_like(r)
        for i in range(order):
            gw[i] = (g * p).sum()
            dpoly = dpoly + (i + 1) * weight[i] * rprev
            rprev = p
            if i + 1 < order:
                p = p * r
        gx = g * dpoly * (x > 0)
        return gx, gw, g.sum().reshape(1)


class _PolyNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor, eps: float) -> Tensor:
        out = bias.expand_as(x).clone() if x.numel() else x.clone()
        p = x
        for i in range(weight.shape[0]):
            out = out + weight[i] * _rms_norm(p, eps)
            if i + 1 < weight.shape[0]:
                p = p * x
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        return out

    @staticmethod
    def backward(ctx, g: Tensor):
        x, weight = ctx.saved_tensors
        eps = ctx.eps
        gw = torch.empty_like(weight)
        gx = torch.zeros_like(x)
        p, pprev = x, torch.ones_like(x)  # x^i, x^(i-1)
        for i in range(weight.shape[0]):
            rs = torch.rsqrt(p.pow(2).mean(-1, keepdim=True) + eps)
            n = p * rs
            gw[i] = (g * n).sum()
            gn = g * weight[i]
            # d norm(v) = rs * (gn - v * mean(gn * v) * rs^2)
            dv = rs * (gn - p * (gn * p).mean(-1, keepdim=True) * rs * rs)
            gx = gx + dv * (i + 1) * pprev
            pprev = p
            p = p * x
        return gx, gw, g.sum().reshape(1), None


class _PolyCom(nn.Module):
    UNIT = ""

    def __init__(self, order: int = 3):
        super().__init__()
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 8:
            raise ParameterError(f"parameter 'order' of '{self.UNIT}' must be an integer in [1, 8]; got {order!r}")
        self.weight = nn.Parameter(torch.full((order,), 1.0 / order))  # official order: highest power first
        self.bias = nn.Parameter(torch.zeros(1))

    def coefficients(self, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        """(w_1, ..., w_r) lowest power first, and b, in ``dtype``."""
        return self.weight.flip(0).to(dtype), self.bias.to(dtype)

    def extra_repr(self) -> str:
        return f"order={self.weight.shape[0]}"


@register(
    "polyrelu", kind="learnable", family="polynomial",
    formula=r"\sum_{i=1}^{r} w_i\,\mathrm{relu}(x)^i + b", reference=POLYCOM_REF,
    properties=dict(elementwise=True, smooth="C0", zero_at_zero=True, bounded_below=False,
                    bounded_above=False),
    params=dict(order=P(1, 8, kind="int", doc="polynomial order r (3 in the paper)")),
)
class PolyReLU(_PolyCom):
    """PolyReLU: a learnable polynomial of relu(x), Σ_i w_i relu(x)^i + b, w = 1/r, b = 0 at init.

    ``weight[0]`` multiplies relu(x)^r (the official layout).
    """

    UNIT = "polyrelu"

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, self.UNIT)
        xf = upcast(x)
        w, b = self.coefficients(xf.dtype)
        if torch.compiler.is_compiling():
            y = polyrelu_reference(xf, w, b.reshape(()))
        else:
            y = _PolyReLUFunction.apply(xf, w, b)
        return y.to(x.dtype)


@register(
    "polynorm", kind="learnable", family="polynomial",
    formula=r"\sum_{i=1}^{r} w_i\,\frac{x^i}{\sqrt{\overline{(x^i)^2} + \epsilon}} + b", reference=POLYCOM_REF,
    properties=dict(elementwise=False, smooth="Cinf", bounded_below=False, bounded_above=False),
    params=dict(order=P(1, 8, kind="int", doc="polynomial order r (3 in the paper)"),
                eps=P(0.0, None, open_low=True, doc="epsilon of the RMS normalisation")),
)
class PolyNorm(_PolyCom):
    """PolyNorm: Σ_i w_i · RMSnorm(x^i) + b, normalised over the last dimension (not elementwise).

    Each power of x is divided by its root mean square over the last dim
    (plus eps = 1e-6, the official code's).  w = 1/r, b = 0 at init;
    ``weight[0]`` multiplies norm(x^r) (the official layout).
    """

    UNIT = "polynorm"

    def __init__(self, order: int = 3, eps: float = 1e-6):
        super().__init__(order)
        if not isinstance(eps, (int, float)) or eps <= 0:
            raise ParameterError(f"parameter 'eps' of 'polynorm' must be > 0; got {eps!r}")
        self.eps = float(eps)

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, self.UNIT)
        if x.dim() == 0:
            raise ValueError("polynorm normalises over the last dimension; got a 0-d tensor")
        xf = upcast(x)
        w, b = self.coefficients(xf.dtype)
        if torch.compiler.is_compiling():
            y = polynorm_reference(xf, w, b, self.eps)
        else:
            y = _PolyNormFunction.apply(xf, w, b, self.eps)
        return y.to(x.dtype)

    def extra_repr(self) -> str:
        return f"order={self.weight.shape[0]}, eps={self.eps}"
