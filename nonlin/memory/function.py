r"""Forward-exact, backward-approximate autograd functions.

:class:`FewBitFunction` computes y = f(x) with the unit's own exact forward,
and saves only the packed b-bit code of each element (b/8 bytes per element;
see :mod:`.packing`).  Backward is exactly ``levels[code] * grad``
(Few-Bit Backward, arXiv 2202.00441; Approx-BP's ReGELU2/ReSiLU2, arXiv
2406.16282, are the same with their preset tables).  ``inplace=True`` writes
y into x, which is safe because x is not needed afterwards.

:class:`OutputOnlyFunction` is the 0-extra-bytes mode of units whose
derivative is a function of their output (Tempo, arXiv 2210.10246; Inverted
Activations, arXiv 2407.15545): it saves y, which the next layer (a linear
layer, say) saves anyway, so autograd keeps one tensor where it kept two, and
the gradient is the exact one.  :data:`OUTPUT_RULES` lists the units and the
closed forms f'(x) = g(y).
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from .packing import pack, unpack
from .tables import Table


class Codebook:
    """A :class:`Table` as tensors, cached per device and dtype; encodes x to packed codes."""

    def __init__(self, table: Table):
        self.table = table
        self.bits = table.code_bits
        # built eagerly: tensors created inside a torch.compile region must not leak into a cache
        self._base = (torch.tensor(table.borders, dtype=torch.float64),
                      None if table.interval_codes is None else torch.tensor(table.interval_codes, dtype=torch.uint8),
                      torch.tensor(table.levels, dtype=torch.float64))
        self._cache: dict = {}

    def tensors(self, dtype: torch.dtype, device: Any) -> tuple[Tensor, Tensor | None, Tensor]:
        key = (dtype, str(device))
        t = self._cache.get(key)
        if t is None:
            b, m, lv = self._base
            t = (b.to(device=device, dtype=dtype), None if m is None else m.to(device),
                 lv.to(device=device, dtype=dtype))
            if not torch.compiler.is_compiling():
                self._cache[key] = t
        return t

    def encode(self, x: Tensor) -> Tensor:
        """Packed codes of ``x`` (flat uint8, ceil(numel * b / 8) bytes)."""
        borders, imap, _ = self.tensors(x.dtype, x.device)
        shape = ("encode", self.bits, borders.shape[0], self.table.fold, imap is not None)
        return _kernel(shape, x.numel())(x, borders, imap, self.table.fold, self.bits)

    def levels(self, dtype: torch.dtype, device: Any) -> Tensor:
        return self.tensors(dtype, device)[2]


def interval_index(v: Tensor, borders: Tensor) -> Tensor:
    """``torch.bucketize(v, borders)`` (uint8) as a count of the borders below v: one fused pass
    for the 1-15 borders of a table, where bucketize's binary search costs 10x a GELU."""
    # counted in int32: Inductor's CPU code for a chain of uint8 adds is ~40x slower (15 borders)
    idx = torch.zeros_like(v, dtype=torch.int32)
    for j in range(borders.shape[0]):  # none for a constant derivative: every code is 0
        idx = idx + (v > borders[j]).to(torch.int32)
    # bucketize puts NaN after the last border
    return torch.where(torch.isnan(v), torch.full_like(idx, borders.shape[0]), idx).to(torch.uint8)


def _encode(x: Tensor, borders: Tensor, imap: Tensor | None, fold: bool, bits: int) -> Tensor:
    idx = interval_index(x.abs() if fold else x, borders)
    codes = imap[idx.int()] if imap is not None else idx
    return pack(codes, bits)


def _decode(packed: Tensor, levels: Tensor, grad: Tensor, bits: int) -> Tensor:
    codes = unpack(packed, bits, grad.numel()).view(grad.shape)
    return levels[codes.long()] * grad


# Above this many elements encode/decode run as compiled kernels (one fused pass each instead of
# a handful of eager ones; the eager 2-bit step cost 1.5x an exact MLP step).  Same threshold and
# backend switch as the elementwise units (NONLIN_BACKEND=eager turns it off).  One compiled copy
# per table shape (kind, bits, borders, fold, map), each with its own code object: dynamo allows 8
# recompiles per code object and would silently fall back to eager past that.
_EAGER = {"encode": _encode, "decode": _decode}
_COMPILED: dict[tuple, Callable] = {}


def _kernel(shape: tuple, numel: int) -> Callable:
    from ..elementwise import should_compile, with_own_code

    if not should_compile(numel):
        return _EAGER[shape[0]]  # inside a user's compiled region the plain code is traced and fused
    fn = _COMPILED.get(shape)
    if fn is None:
        label = "fewbit_" + "_".join(str(v) for v in shape)
        fn = _COMPILED[shape] = torch.compile(with_own_code(_EAGER[shape[0]], label), dynamic=True)
    return fn


def apply_levels(packed: Tensor, codebook: Codebook, grad: Tensor) -> Tensor:
    """``levels[code] * grad`` from packed codes (the whole backward)."""
    levels = codebook.levels(grad.dtype, grad.device)
    return _kernel(("decode", codebook.bits, levels.shape[0]), grad.numel())(packed, levels, grad, codebook.bits)


class FewBitFunction(torch.autograd.Function):
    """y = forward(x) exactly; saves packed codes only; dx = levels[code] * dy."""

    @staticmethod
    def forward(ctx, x: Tensor, forward: Callable[[Tensor], Tensor], codebook: Codebook,
                inplace: bool) -> Tensor:
        packed = codebook.encode(x)
        y = forward(x)
        ctx.save_for_backward(packed)
        ctx.codebook = codebook
        if inplace:
            x.copy_(y)
            ctx.mark_dirty(x)
            return x
        return y

    @staticmethod
    def backward(ctx, grad: Tensor):
        (packed,) = ctx.saved_tensors
        return apply_levels(packed, ctx.codebook, grad), None, None, None


def fewbit_apply(x: Tensor, forward: Callable[[Tensor], Tensor], codebook: Codebook,
                 inplace: bool = False) -> Tensor:
    """Apply ``forward`` to ``x`` with the b-bit backward (plain ``forward`` when no gradient is needed)."""
    if not (torch.is_grad_enabled() and x.requires_grad):
        return forward(x)
    if inplace and x.is_leaf:
        inplace = False  # a leaf that requires grad cannot be overwritten
    return FewBitFunction.apply(x, forward, codebook, inplace)


# ---------------------------------------------------------- output-only mode
def _softplus_rule(y: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    # f' = sigmoid(beta x) = 1 - exp(-beta y); torch's linear cut-over (beta x > threshold) has f' = 1
    return torch.where(beta * y > threshold, torch.ones_like(y), -torch.expm1(-beta * y))


def _selu_rule(y: Tensor) -> Tensor:
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    return torch.where(y > 0, torch.full_like(y, scale), y + scale * alpha)


def _slope(y: Tensor, negative_slope: float) -> Tensor:
    return torch.where(y > 0, torch.ones_like(y), torch.full_like(y, negative_slope))


# unit -> (rule g(y, **params) with f'(x) = g(f(x)), condition on params for the rule to hold)
OUTPUT_RULES: dict[str, tuple[Callable[..., Tensor], Callable[..., bool]]] = {
    "sigmoid": (lambda y: y * (1 - y), lambda: True),
    "tanh": (lambda y: 1 - y * y, lambda: True),
    "bipolar_sigmoid": (lambda y: 0.5 * (1 - y * y), lambda: True),  # tanh(x/2)
    "softplus": (_softplus_rule, lambda beta=1.0, threshold=20.0: beta > 0),
    "log_sigmoid": (lambda y: -torch.expm1(y), lambda: True),  # sigma(-x) = 1 - e^y
    "elu": (lambda y, alpha=1.0: torch.where(y > 0, torch.ones_like(y), y + alpha), lambda alpha=1.0: alpha > 0),
    "celu": (lambda y, alpha=1.0: torch.where(y > 0, torch.ones_like(y), y / alpha + 1), lambda alpha=1.0: alpha > 0),
    "selu": (_selu_rule, lambda: True),
    "elu_plus_one": (lambda y: torch.where(y > 1, torch.ones_like(y), y), lambda: True),
    "softsign": (lambda y: (1 - y.abs()) ** 2, lambda: True),
    "arctan": (lambda y: torch.cos(y) ** 2, lambda: True),
    "relu": (lambda y: (y > 0).to(y.dtype), lambda: True),
    "leaky_relu": (lambda y, negative_slope=0.01: _slope(y, negative_slope),
                   lambda negative_slope=0.01: negative_slope > 0),
    "prelu_init": (lambda y, negative_slope=0.25: _slope(y, negative_slope),
                   lambda negative_slope=0.25: negative_slope > 0),
    "relu6": (lambda y: ((y > 0) & (y < 6)).to(y.dtype), lambda: True),
    "hardtanh": (lambda y, min_val=-1.0, max_val=1.0: ((y > min_val) & (y < max_val)).to(y.dtype),
                 lambda min_val=-1.0, max_val=1.0: min_val < max_val),
    "hard_sigmoid": (lambda y: ((y > 0) & (y < 1)).to(y.dtype) / 6, lambda: True),
    "identity": (lambda y: torch.ones_like(y), lambda: True),
}


def output_rule(unit: str, params: dict | None = None) -> Callable[[Tensor], Tensor] | None:
    """g with f'(x) = g(f(x)) for ``unit`` at ``params``, or None if its derivative is not a function of y."""
    entry = OUTPUT_RULES.get(unit)
    if entry is None:
        return None
    rule, ok = entry
    kw = dict(params or {})
    if not ok(**kw):
        return None

    def g(y: Tensor) -> Tensor:
        return rule(y, **kw)

    return g


class OutputOnlyFunction(torch.autograd.Function):
    """y = forward(x); saves y (shared with the next layer); dx = g(y) * dy, the exact gradient."""

    @staticmethod
    def forward(ctx, x: Tensor, forward: Callable[[Tensor], Tensor], rule: Callable[[Tensor], Tensor],
                inplace: bool) -> Tensor:
        y = forward(x)
        if inplace:
            x.copy_(y)
            ctx.mark_dirty(x)
            y = x
        ctx.save_for_backward(y)
        ctx.rule = rule
        return y

    @staticmethod
    def backward(ctx, grad: Tensor):
        (y,) = ctx.saved_tensors
        d = ctx.rule(y.float() if y.dtype in (torch.float16, torch.bfloat16) else y)
        return (grad * d).to(grad.dtype), None, None, None


def output_only_apply(x: Tensor, forward: Callable[[Tensor], Tensor], rule: Callable[[Tensor], Tensor],
                      inplace: bool = False) -> Tensor:
    if not (torch.is_grad_enabled() and x.requires_grad):
        return forward(x)
    if inplace and x.is_leaf:
        inplace = False
    return OutputOnlyFunction.apply(x, forward, rule, inplace)
