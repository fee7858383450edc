"""Shared plumbing of the learnable elementwise units.

Parameter sharing follows ``nn.PReLU``: a unit holds ``num_parameters`` sets
of its parameters.  ``num_parameters=1`` is one set for the whole layer;
``num_parameters=G > 1`` splits the channel dimension (dim 1, or dim 0 of a
1-D input) into G contiguous groups of C/G channels, so G = C is one set per
channel and 1 < G < C is the group sharing of KAT/GR-KAN.  C only has to be a
multiple of G, so the layer does not need to know C in advance.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..registry import ParameterError

_HALF = (torch.float16, torch.bfloat16)


def check_tensor(x: Any, name: str) -> None:
    """The activations' input check (a non-tensor or a non-floating tensor raises TypeError)."""
    from ..elementwise import check_input

    check_input(x, name)


def check_size(v: Any, name: str, unit: str, low: int = 1) -> int:
    """A layer size (features, channels, ...): an int >= ``low``, checked before anything is built."""
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ParameterError(f"parameter '{name}' of '{unit}' must be an integer >= {low}; got {v!r}")
    return v


def check_conv_pair(v: Any, name: str, unit: str, low: int, words: tuple[str, ...] = ()) -> Any:
    """A conv argument: an int >= ``low``, a pair of them, or one of ``words`` (e.g. padding 'same')."""
    if isinstance(v, str) and v in words:
        return v
    items = v if isinstance(v, (tuple, list)) else (v,)
    ok = (isinstance(v, (tuple, list)) and len(v) == 2) or not isinstance(v, (tuple, list))
    if not ok or not all(isinstance(i, int) and not isinstance(i, bool) and i >= low for i in items):
        extra = f" or one of {', '.join(map(repr, words))}" if words else ""
        raise ParameterError(f"parameter '{name}' of '{unit}' must be an integer >= {low} or a pair of them"
                             f"{extra}; got {v!r}")
    return tuple(v) if isinstance(v, list) else v


def check_num_parameters(n: Any, unit: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(f"parameter 'num_parameters' of '{unit}' must be an integer >= 1 "
                             f"(1 = one set per layer, C = one per channel); got {n!r}")
    return n


def channel_dim(x: Tensor) -> int:
    return 0 if x.dim() == 1 else 1


def broadcast_param(p: Tensor, x: Tensor, unit: str) -> Tensor:
    """Shape a parameter of shape (G,) or (G, k) so it broadcasts against ``x``.

    Returns shape (..., ) for G == 1 (a (k,) or scalar-like tensor is returned as
    (k, 1, ..., 1) when k is given, i.e. the coefficient index first) and
    (k, 1, C, 1, ...) style shapes for grouped parameters.  The coefficient
    axis, if any, is always the leading axis of the result.
    """
    g = p.shape[0]
    has_k = p.dim() == 2
    if g == 1:
        q = p[0]  # (k,) or ()
        if has_k:
            return q.reshape(q.shape[0], *([1] * x.dim()))
        return q
    cdim = channel_dim(x)
    if x.dim() == 0:
        raise ValueError(f"'{unit}' with num_parameters={g} needs an input with a channel dimension")
    c = x.shape[cdim]
    if c % g:
        raise ValueError(f"'{unit}' has num_parameters={g} but the input has {c} channels "
                         f"(dim {cdim}); the channel count must be a multiple of num_parameters")
    q = p.repeat_interleave(c // g, dim=0) if c != g else p  # (C,) or (C, k)
    shape = [1] * x.dim()
    shape[cdim] = c
    if has_k:
        return q.t().reshape(q.shape[1], *shape)
    return q.reshape(shape)


def upcast(x: Tensor) -> Tensor:
    return x.float() if x.dtype in _HALF else x


class CompiledKernel:
    """``torch.compile`` of one kernel with a local eager fallback.

    Unlike a global switch, a failure here (no C++ compiler, recompile limit)
    only sends this kernel back to eager, with one warning.  Keyed callers
    should build one instance per (kernel, dtype) so recompiles stay rare.
    """

    def __init__(self, fn, label: str):
        self.fn, self.label, self.broken = fn, label, False
        self.compiled = torch.compile(fn, dynamic=True, fullgraph=True)

    def __call__(self, *args):
        if self.broken:
            return self.fn(*args)
        try:
            return self.compiled(*args)
        except Exception as err:  # stay correct: run eagerly from now on
            import warnings

            self.broken = True
            warnings.warn(f"nonlin: torch.compile failed for {self.label} ({type(err).__name__}: {err}); "
                          "running it eagerly", RuntimeWarning, stacklevel=3)
            return self.fn(*args)


def use_compiled(numel: int) -> bool:
    """Whether a kernel on ``numel`` elements should run compiled (follows nonlin's backend setting)."""
    from .. import elementwise as ew

    backend = ew.get_backend()
    if backend == "eager" or torch.compiler.is_compiling():
        return False
    return backend == "compile" or numel >= ew.COMPILE_MIN_NUMEL
