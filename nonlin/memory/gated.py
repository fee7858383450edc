r"""Memory-lean backward for gated MLPs: out = W_d (act(W_g x) \odot W_u x).

What a GLU block's backward needs, per row (H = hidden width, d = input width):
dW_d needs h = act(g) \odot u; du = dh \odot act(g); dg = dh \odot u \odot act'(g);
dW_g, dW_u need x.  What is kept (float32 elements per row; eager = transformers'
``LlamaMLP``/``nonlin`` reference, Liger = its SwiGLU kernel + the down
projection, which keeps its input h):

==================  ===========================================  =============
mode                kept for backward                            per row
==================  ===========================================  =============
eager               x, g (act input), act(g), u, h                d + 4H
fewbit on act only  x, codes(g), act(g), u, h                     d + 3H + bH/32
Liger (exact)       x, g, u (kernel), h (down projection)         d + 3H
``"exact"``         x, g, u; act, act', h recomputed               d + 2H
``"recompute"``     x, u; g = W_g x recomputed (+1 matmul)         d + H
==================  ===========================================  =============

Why no b-bit gate here: once h is not kept, backward needs act(g) itself (for
du and h), which a b-bit code of g cannot give; keeping act(g) next to the code
costs more than keeping g and recomputing both act and act'.  So the b-bit gate
pays only in the eager block (``fewbit`` on its ``act_fn``), and the lean block
modes are exact.  ``"recompute"`` trades one extra (N x d x H) matmul (about
+11 % of the block's nine) for H fewer elements per row.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

GATED_MODES = ("exact", "recompute")


class LeanGLUFunction(torch.autograd.Function):
    """Gated MLP with the lean saves above; act and act' come from ``act`` / ``dact``."""

    @staticmethod
    def forward(ctx, x, w_g, b_g, w_u, b_u, w_d, b_d, act: Callable, dact: Callable, mode: str):
        g = F.linear(x, w_g, b_g)
        u = F.linear(x, w_u, b_u)
        out = F.linear(act(g) * u, w_d, b_d)
        if mode == "exact":
            ctx.save_for_backward(x, g, u, w_g, b_g, w_u, w_d)
        else:
            ctx.save_for_backward(x, u, w_g, b_g, w_u, w_d)
        ctx.act, ctx.dact, ctx.mode = act, dact, mode
        ctx.has_b = (b_g is not None, b_u is not None, b_d is not None)
        return out

    @staticmethod
    def backward(ctx, dout):
        if ctx.mode == "exact":
            x, g_all, u, w_g, b_g, w_u, w_d = ctx.saved_tensors
        else:
            x, u, w_g, b_g, w_u, w_d = ctx.saved_tensors
            g_all = None
        need = ctx.needs_input_grad
        d_in, hid = x.shape[-1], u.shape[-1]
        x2, u2, do2 = x.reshape(-1, d_in), u.reshape(-1, hid), dout.reshape(-1, dout.shape[-1])
        g2 = None if g_all is None else g_all.reshape(-1, hid)
        dx = torch.empty_like(x2) if need[0] else None
        dw_g = torch.zeros_like(w_g) if need[1] else None
        dw_u = torch.zeros_like(w_u) if need[3] else None
        dw_d = torch.zeros_like(w_d) if need[5] else None
        db_g = torch.zeros(hid, dtype=x.dtype, device=x.device) if ctx.has_b[0] and need[2] else None
        db_u = torch.zeros(hid, dtype=x.dtype, device=x.device) if ctx.has_b[1] and need[4] else None
        # Row chunks (at most 4): the backward temporaries (gate, act, act', dh, ...) exist for one
        # chunk at a time, so the lean block does not trade saved bytes for a higher peak.
        n = x2.shape[0]
        step = max(1, -(-n // 4), -(-(1 << 18) // max(hid, 1)))
        for r in range(0, n, step):
            rows = slice(r, r + step)
            xc, uc, doc = x2[rows], u2[rows], do2[rows]
            g = F.linear(xc, w_g, b_g) if g2 is None else g2[rows]
            a = ctx.act(g)
            da = ctx.dact(g)
            del g
            if dw_d is not None:
                dw_d.addmm_(doc.t(), a * uc)
            dh = doc @ w_d
            du = dh * a
            del a
            dg = dh.mul_(uc).mul_(da)
            del da, dh
            if dx is not None:
                torch.mm(dg, w_g, out=dx[rows])
                dx[rows].addmm_(du, w_u)
            if dw_g is not None:
                dw_g.addmm_(dg.t(), xc)
            if dw_u is not None:
                dw_u.addmm_(du.t(), xc)
            if db_g is not None:
                db_g += dg.sum(0)
            if db_u is not None:
                db_u += du.sum(0)
            del dg, du
        db_d = do2.sum(0) if ctx.has_b[2] and need[6] else None
        dx = None if dx is None else dx.view_as(x)
        return dx, dw_g, db_g, dw_u, db_u, dw_d, db_d, None, None, None


class LeanGatedMLP(nn.Module):
    """Wraps a gated MLP (``gate_proj``/``up_proj``/``down_proj`` linears and ``act_fn``) in place.

    The original module is kept (its parameters are shared); forward computes
    the same ops, so its output equals the original's bit for bit.
    """

    def __init__(self, original: nn.Module, unit: str, params: dict, mode: str = "exact"):
        super().__init__()
        if mode not in GATED_MODES:
            raise ValueError(f"gated mode must be one of {', '.join(GATED_MODES)}; got {mode!r}")
        from .. import registry
        self.original, self.unit, self.mode = original, unit, mode
        u = registry.spec(unit).fn
        kw = {**u.defaults, **params}
        act_module = original.act_fn
        self._act = act_module
        self._dact = lambda g: u.grad_reference(g, **kw)

    def forward(self, x: Tensor) -> Tensor:
        from .convert import _ENABLED
        o = self.original
        if not _ENABLED[0] or not torch.is_grad_enabled():
            return o(x)
        gp, up, dp = o.gate_proj, o.up_proj, o.down_proj
        return LeanGLUFunction.apply(x, gp.weight, gp.bias, up.weight, up.bias, dp.weight, dp.bias,
                                     self._act, self._dact, self.mode)

    def extra_repr(self) -> str:
        return f"unit={self.unit}, mode={self.mode}"


def lean_gated_candidate(module: nn.Module) -> str | None:
    """None if ``module`` is a plain gated MLP this file can wrap, else why not (or '' if not gated at all)."""
    parts = ("gate_proj", "up_proj", "down_proj", "act_fn")
    if not all(hasattr(module, p) for p in parts):
        return ""
    if not all(type(getattr(module, p)) is nn.Linear for p in parts[:3]):
        return "gate/up/down projections are not plain nn.Linear (adapters, quantised layers): left alone"
    src = type(module).forward
    try:
        import inspect
        code = inspect.getsource(src)
    except (OSError, TypeError):
        return "forward source not available to check it is act(gate) * up"
    body = "".join(code.split())
    if "self.down_proj(self.act_fn(self.gate_proj(x))*self.up_proj(x))" not in body:
        return "forward is not down_proj(act_fn(gate_proj(x)) * up_proj(x)): left alone"
    return None
