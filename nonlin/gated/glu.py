r"""GLU-family feed-forward blocks (Shazeer 2020) with a memory-lean fused gate.

"GLU Variants Improve Transformer", Noam Shazeer, 2020, arXiv 2002.05202:

    FFN_act(x) = (act(x W) \odot x V) W_2

with act = sigmoid (GLU), identity (Bilinear), ReLU (ReGLU), GELU (GEGLU) or
Swish_1 = SiLU (SwiGLU).  Here ``x W`` and ``x V`` are one matmul with the
stacked weight ``w_in = [W; V]`` of shape (2H, in), and ``w_out = W_2`` is
(out, H).  The paper uses no biases (``bias=False``, the default).

Memory.  Eager autograd keeps the input, the gate pre-activation, act(gate),
the up projection and the product h for backward (x + 4H per row, more when
act saves internals).  The fused path (:class:`FusedGLUFunction`, default)
keeps x and the stacked pre-activations [gate | up] only (x + 2H): backward
recomputes act(gate) and h in row chunks (at most 4), and consumes each chunk
of d[gate | up] at once in the input-side matmuls, so the full gradient of
the pre-activations is never materialised.  ``inplace_grad=True`` also writes
each chunk into the saved buffer, the trick of fused GLU kernels
(Liger-Kernel); backward can then run only once.  :func:`glu_product` is the same idea for a bare
act(gate) * up.  :meth:`GatedFFN.reference_forward` is the plain unfused block
the tests compare against.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._math import INV_SQRT_2PI, SQRT_2
from ..learnable._common import CompiledKernel, use_compiled
from ..registry import P, ParameterError, ref, register

GLU_REF = ref("GLU Variants Improve Transformer", "2002.05202", 2020, authors="Shazeer")

ACTIVATIONS = ("sigmoid", "identity", "relu", "gelu", "silu")


# ------------------------------------------------------------ gate activations
def gate_activation(name: str, g: Tensor) -> Tensor:
    """act(g) for the GLU variants, plain torch (the reference path)."""
    if name == "sigmoid":
        return torch.sigmoid(g)
    if name == "identity":
        return g
    if name == "relu":
        return F.relu(g)
    if name == "gelu":
        return F.gelu(g)
    if name == "silu":
        return F.silu(g)
    raise ParameterError(f"gate activation must be one of {', '.join(ACTIVATIONS)}; got {name!r}")


def gate_activation_and_derivative(name: str, g: Tensor) -> tuple[Tensor, Tensor]:
    """(act(g), act'(g)), computed in float32 or better."""
    gf = g.float() if g.dtype in (torch.float16, torch.bfloat16) else g
    if name == "sigmoid":
        s = torch.sigmoid(gf)
        return s, s * (1 - s)
    if name == "identity":
        return gf, torch.ones_like(gf)
    if name == "relu":
        return F.relu(gf), (gf > 0).to(gf.dtype)
    if name == "gelu":
        cdf = 0.5 * torch.erfc(-gf / SQRT_2)
        return gf * cdf, cdf + gf * INV_SQRT_2PI * torch.exp(-0.5 * gf * gf)
    if name == "silu":
        s = torch.sigmoid(gf)
        return gf * s, s * (1 + gf * (1 - s))
    raise ParameterError(f"gate activation must be one of {', '.join(ACTIVATIONS)}; got {name!r}")


def _row_chunk(n_rows: int, n_cols: int) -> int:
    """Rows per backward chunk: at most 4 chunks, at least ~1M elements each.

    Chunking bounds the backward temporaries to about one (N, H) buffer in
    total while keeping the number of kernel launches (and matmuls) small.
    """
    return max(1, -(-n_rows // 4), -(-(1 << 20) // max(n_cols, 1)))


def _fwd_eager(act: str, g: Tensor, u: Tensor) -> Tensor:
    return gate_activation(act, g) * u


def _bwd_eager(act: str, g: Tensor, u: Tensor, dh: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(d[gate | up] as one (rows, 2H) tensor, h = act(g) * u)."""
    a, da = gate_activation_and_derivative(act, g)
    dt = g.dtype
    return torch.cat([(dh * u * da).to(dt), (dh * a).to(dt)], -1), (a * u).to(dt)


_KERNELS: dict = {}


def _kernel(which: str, act: str, numel: int, dtype: torch.dtype) -> Callable:
    """The eager kernel, or its torch.compile-d version for large tensors (one fused pass)."""
    fn = _fwd_eager if which == "fwd" else _bwd_eager
    if not use_compiled(numel):
        return lambda *t: fn(act, *t)
    k = _KERNELS.get((which, act, dtype))
    if k is None:
        def bound(*t, _act=act, _fn=fn):
            return _fn(_act, *t)
        k = _KERNELS[(which, act, dtype)] = CompiledKernel(bound, f"glu.{which}.{act}.{dtype}")
    return k


# ------------------------------------------------ bare gate: act(gate) * up
class GatedProductFunction(torch.autograd.Function):
    """h = act(gate) * up, saving only (gate, up); backward recomputes act."""

    @staticmethod
    def forward(ctx, gate: Tensor, up: Tensor, act: str, inplace_grad: bool) -> Tensor:
        a = gate_activation(act, gate)
        h = a.mul_(up) if act != "identity" else gate * up
        ctx.save_for_backward(gate, up)
        ctx.act, ctx.inplace_grad = act, inplace_grad
        return h

    @staticmethod
    def backward(ctx, dh: Tensor):
        gate, up = ctx.saved_tensors
        if getattr(ctx, "consumed", False):
            raise RuntimeError("glu_product ran with inplace_grad=True: its saved inputs were overwritten by the "
                               "first backward, so backward can run only once. Use inplace_grad=False.")
        a, da = gate_activation_and_derivative(ctx.act, gate)
        dgate = (dh * up * da).to(gate.dtype)
        dup = (dh * a).to(up.dtype)
        if ctx.inplace_grad and not torch.is_grad_enabled():
            gate.copy_(dgate)
            up.copy_(dup)
            dgate, dup = gate, up
            ctx.consumed = True
        return dgate, dup, None, None


def glu_product(gate: Tensor, up: Tensor, act: str = "silu", inplace_grad: bool = False) -> Tensor:
    """act(gate) * up with a backward that saves only the two pre-activations.

    ``inplace_grad=True`` writes the gradients into the saved ``gate`` and
    ``up`` buffers (they must not be used afterwards, as in Liger-Kernel).
    """
    if act not in ACTIVATIONS:
        raise ParameterError(f"act must be one of {', '.join(ACTIVATIONS)}; got {act!r}")
    if gate.shape != up.shape:
        raise ValueError(f"gate and up must have the same shape; got {tuple(gate.shape)} and {tuple(up.shape)}")
    if torch.compiler.is_compiling() or not torch.is_grad_enabled():
        return gate_activation(act, gate) * up
    return GatedProductFunction.apply(gate, up, act, inplace_grad)


# -------------------------------------------------------- whole fused block
class FusedGLUFunction(torch.autograd.Function):
    """out = (act(x W_g^T + b_g) * (x W_u^T + b_u)) W_out^T + b_out, saving x and [gate|up] only."""

    @staticmethod
    def forward(ctx, x: Tensor, w_in: Tensor, b_in: Tensor | None, w_out: Tensor, b_out: Tensor | None,
                act: str, inplace_grad: bool) -> Tensor:
        hid = w_in.shape[0] // 2
        gu = F.linear(x, w_in, b_in)  # (N, 2H): [gate | up]
        h = _kernel("fwd", act, gu.numel() // 2, gu.dtype)(gu[:, :hid], gu[:, hid:])
        out = F.linear(h, w_out, b_out)
        del h
        ctx.save_for_backward(x, gu, w_in, w_out)
        ctx.act, ctx.inplace_grad = act, inplace_grad
        ctx.has_b_in, ctx.has_b_out = b_in is not None, b_out is not None
        return out

    @staticmethod
    def backward(ctx, dout: Tensor):
        x, gu, w_in, w_out = ctx.saved_tensors
        if getattr(ctx, "consumed", False):
            raise RuntimeError("this SwiGLU-type block ran with inplace_grad=True: its saved pre-activations were "
                               "overwritten by the first backward, so backward can run only once (no "
                               "retain_graph reuse). Create the block with inplace_grad=False for that.")
        ctx.consumed = ctx.inplace_grad
        hid = w_in.shape[0] // 2
        dout = dout.contiguous()
        need = ctx.needs_input_grad
        dx = torch.empty_like(x) if need[0] else None
        dw_in = torch.zeros_like(w_in) if need[1] else None
        db_in = torch.zeros(w_in.shape[0], dtype=gu.dtype, device=gu.device) if ctx.has_b_in and need[2] else None
        dw_out = torch.zeros_like(w_out) if need[3] else None
        # Row chunks: every temporary is one chunk, and d[gate|up] never exists for all rows at once.
        step = _row_chunk(x.shape[0], hid)
        kernel = _kernel("bwd", ctx.act, min(step, x.shape[0]) * hid, gu.dtype)
        for r in range(0, x.shape[0], step):
            rows = slice(r, r + step)
            do = dout[rows]
            dh = do @ w_out  # (rows, H)
            dgu, h = kernel(gu[rows, :hid], gu[rows, hid:], dh)
            del dh
            if dw_out is not None:
                dw_out.addmm_(do.t(), h)
            del h
            if ctx.inplace_grad:  # reuse the saved buffer for the gradient chunk
                gu[rows].copy_(dgu)
                dgu = gu[rows]
            if dx is not None:
                torch.mm(dgu, w_in, out=dx[rows])
            if dw_in is not None:
                dw_in.addmm_(dgu.t(), x[rows])
            if db_in is not None:
                db_in += dgu.sum(0)
            del dgu
        db_out = dout.sum(0) if ctx.has_b_out and ctx.needs_input_grad[4] else None
        return dx, dw_in, db_in, dw_out, db_out, None, None


class GatedFFN(nn.Module):
    """Gated feed-forward block in -> hidden -> out: W_out(act(W_g x) * (W_u x)).

    ``w_in`` (2*hidden, in) stacks the gate rows W_g (first half) and the up
    rows W_u (second half); ``w_out`` is (out, hidden).  Weights and biases are
    initialised like ``nn.Linear`` (U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    ``fused=True`` uses :class:`FusedGLUFunction` when gradients are needed
    (saves x + 2H per row instead of x + 4H); ``inplace_grad=True`` lets its
    backward write the gate gradients into the saved pre-activation buffer.
    """

    ACT = "silu"

    def __init__(self, in_features: int, hidden_features: int, out_features: int | None = None,
                 bias: bool = False, fused: bool = True, inplace_grad: bool = False,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        for nm, v in (("in_features", in_features), ("hidden_features", hidden_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"'{nm}' must be a positive integer; got {v!r}")
        out_features = in_features if out_features is None else out_features
        if isinstance(out_features, bool) or not isinstance(out_features, int) or out_features < 1:
            raise ParameterError(f"'out_features' must be a positive integer or None; got {out_features!r}")
        kw = dict(dtype=dtype, device=device)
        self.in_features, self.hidden_features, self.out_features = in_features, hidden_features, out_features
        self.fused, self.inplace_grad = fused, inplace_grad
        self.w_in = nn.Parameter(torch.empty(2 * hidden_features, in_features, **kw))
        self.w_out = nn.Parameter(torch.empty(out_features, hidden_features, **kw))
        self.b_in = nn.Parameter(torch.empty(2 * hidden_features, **kw)) if bias else None
        self.b_out = nn.Parameter(torch.empty(out_features, **kw)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for w, b in ((self.w_in, self.b_in), (self.w_out, self.b_out)):
            bound = 1 / math.sqrt(w.shape[1])
            nn.init.uniform_(w, -bound, bound)
            if b is not None:
                nn.init.uniform_(b, -bound, bound)

    @property
    def w_gate(self) -> Tensor:
        return self.w_in[: self.hidden_features]

    @property
    def w_up(self) -> Tensor:
        return self.w_in[self.hidden_features:]

    def _check(self, x: Tensor) -> None:
        if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
            raise TypeError(f"{type(self).__name__} expects a floating-point tensor; got {getattr(x, 'dtype', type(x))}")
        if x.dim() == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{type(self).__name__} expects input (..., {self.in_features}); got {tuple(x.shape)}")

    def reference_forward(self, x: Tensor) -> Tensor:
        """The plain unfused definition (eager autograd), the tests' reference."""
        self._check(x)
        gu = F.linear(x, self.w_in, self.b_in)
        gate, up = gu.split(self.hidden_features, dim=-1)
        return F.linear(gate_activation(self.ACT, gate) * up, self.w_out, self.b_out)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        grad = torch.is_grad_enabled() and (x.requires_grad or self.w_in.requires_grad or self.w_out.requires_grad)
        if not self.fused or not grad or torch.compiler.is_compiling():
            return self.reference_forward(x)
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        out = FusedGLUFunction.apply(x2, self.w_in, self.b_in, self.w_out, self.b_out, self.ACT, self.inplace_grad)
        return out.reshape(*lead, self.out_features)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, hidden_features={self.hidden_features}, "
                f"out_features={self.out_features}, bias={self.b_in is not None}, fused={self.fused}")


_PARAMS = dict(
    out_features=P(kind="any", doc="output width (default: in_features)"),
    bias=P(kind="bool", doc="biases on both projections (the paper uses none)"),
    fused=P(kind="bool", doc="memory-lean fused backward (saves x and [gate|up] only)"),
    inplace_grad=P(kind="bool", doc="fused backward writes gate/up gradients into the saved buffer"),
)
_PROPS = dict(elementwise=False, smooth="C0")


def _glu_variant(name: str, act: str, formula: str, doc: str, smooth: str, aliases=()):
    def deco(cls):
        cls.ACT = act
        cls.__doc__ = doc + "\n\n" + GatedFFN.__doc__
        return register(name, kind="gated", family="glu", formula=formula, reference=GLU_REF,
                        properties=dict(_PROPS, smooth=smooth), params=_PARAMS, aliases=aliases,
                        positional=2)(cls)
    return deco


@_glu_variant("glu", "sigmoid", r"W_2\,(\sigma(xW) \odot xV)", "GLU feed-forward block: sigmoid gate.", "Cinf",
              aliases=("glu_ffn",))
class GLU(GatedFFN):
    pass


@_glu_variant("bilinear", "identity", r"W_2\,(xW \odot xV)", "Bilinear feed-forward block: no gate nonlinearity.",
              "Cinf", aliases=("bilinear_ffn",))
class Bilinear(GatedFFN):
    pass


@_glu_variant("reglu", "relu", r"W_2\,(\max(0, xW) \odot xV)", "ReGLU feed-forward block: ReLU gate.", "C0")
class ReGLU(GatedFFN):
    pass


@_glu_variant("geglu", "gelu", r"W_2\,(\mathrm{GELU}(xW) \odot xV)", "GEGLU feed-forward block: GELU (erf) gate.",
              "Cinf")
class GEGLU(GatedFFN):
    pass


@_glu_variant("swiglu", "silu", r"W_2\,(\mathrm{Swish}_1(xW) \odot xV)", "SwiGLU feed-forward block: SiLU gate.",
              "Cinf")
class SwiGLU(GatedFFN):
    pass
