"""Export a model holding nonlin units: torch.export, ONNX, torch.compile.

How every unit stays traceable
------------------------------
nonlin's custom ``torch.autograd.Function`` s (the elementwise Function that
saves only the input, the fused GLU block, PolyCom, the lean KAN backward,
the fused ELM loops ...) are eager-mode memory and speed paths.  Tracers
cannot follow them: they keep modules on ``ctx``, write into preallocated
buffers, and branch on tensor values.  So every unit checks
``torch.compiler.is_compiling()`` — true inside ``torch.compile``,
``torch.export.export`` and ``torch.onnx.export(..., dynamo=True)`` — and
then runs its *plain formula*, the same reference the tests compare the fast
paths against.  The traced graph holds ordinary aten ops: the compiler fuses
them, and the exported program needs no nonlin at load time.

So ``torch.export.export(model, args)`` and ``torch.compile(model,
fullgraph=True)`` need nothing from this module.  ONNX needs one extra: a few
aten ops used by unit formulas have no ONNX translation in torch's exporter
(``hypot``, in bent_identity, squareplus, multiquadric, SMU-1, ...);
:data:`ONNX_TRANSLATIONS` supplies them and :func:`to_onnx` passes them in.

Limits: neurons export when their time loop is a Python loop over steps
(LIF family, CfC/LTC, AKOrN, ...; ELM with ``mode="sequential"``): the loop is
unrolled for the example's sequence length.  ELM's default fused/parallel
solvers write into preallocated buffers and do not trace.  ``nn.GRU``/``nn.LSTM``
export but do not compile with ``fullgraph=True`` (a torch limitation).
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn


def _onnx_hypot(x, y):
    """sqrt(x² + y²) without overflow: m·sqrt(1 + (n/m)²), m = max(|x|, |y|), n = min(|x|, |y|)."""
    from onnxscript import opset18 as op

    ax, ay = op.Abs(x), op.Abs(y)
    m = op.Max(ax, ay)
    n = op.Min(ax, ay)
    one = op.CastLike(op.Constant(value_float=1.0), m)
    zero = op.CastLike(op.Constant(value_float=0.0), m)
    r = op.Div(n, op.Where(op.Equal(m, zero), one, m))
    return op.Mul(m, op.Sqrt(op.Add(one, op.Mul(r, r))))


def onnx_translations() -> dict[Callable, Callable]:
    """aten/prims ops used by nonlin formulas -> onnxscript translations (for ``custom_translation_table``)."""
    return {
        torch.ops.aten.hypot.default: _onnx_hypot,
        torch.ops.prims.hypot.default: _onnx_hypot,
    }


def to_onnx(model: nn.Module, args: tuple, f: Any = None, *, kwargs: dict | None = None,
            dynamic_shapes: Any = None, custom_translation_table: dict | None = None, **options: Any):
    """``torch.onnx.export(model, args, f, dynamo=True, ...)`` with nonlin's extra op translations.

    Returns the ``ONNXProgram`` (``.model_proto``, ``.save(path)``); writes ``f`` when given.
    ``custom_translation_table`` entries of the caller take precedence over nonlin's.
    Needs the ``onnx`` and ``onnxscript`` packages (``pip install 'nonlin[export]'``).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_onnx expects an nn.Module; got {type(model).__name__}")
    if not isinstance(args, tuple):
        raise TypeError(f"to_onnx expects args as a tuple of example inputs, e.g. (x,); got {type(args).__name__}")
    try:
        import onnxscript  # noqa: F401
    except ImportError as err:
        raise ImportError("ONNX export needs the onnx and onnxscript packages: pip install 'nonlin[export]' "
                          "(or pip install onnx onnxscript)") from err
    table = {**onnx_translations(), **(custom_translation_table or {})}
    return torch.onnx.export(model, args, f, kwargs=kwargs, dynamo=True, dynamic_shapes=dynamic_shapes,
                             custom_translation_table=table, **options)
