"""timm activation classes -> the registered unit each computes.

From ``timm/layers/activations.py`` (and the memory-efficient ``activations_me``
and older ``activations_jit`` variants), i.e. every class ``timm.layers.get_act_layer``
/ ``create_act_layer`` can return besides the torch.nn ones (which are in
:mod:`nonlin.surgery.torch_nn`).  Keys are qualified names: timm does not import
beside this environment's torch (it needs torchvision), so the table must not
import it.  Verified numerically against a timm install in the vision venv (docs/surgery.md).
"""

from __future__ import annotations

_L = "timm.layers."


def _prelu(m):
    from .torch_nn import _prelu as torch_prelu
    return torch_prelu(m)


MODULE_UNITS = {
    _L + "activations.Swish": "silu",
    _L + "activations.Mish": "mish",
    _L + "activations.Sigmoid": "sigmoid",
    _L + "activations.Tanh": "tanh",
    _L + "activations.HardSwish": "hard_swish",
    _L + "activations.HardSigmoid": "hard_sigmoid",
    _L + "activations.HardMish": "hard_mish",      # 0.5 x clamp(x+2, 0, 2)
    _L + "activations.PReLU": _prelu,
    _L + "activations.GELU": "gelu",
    _L + "activations.GELUTanh": "gelu_tanh",
    _L + "activations.QuickGELU": "quick_gelu",
    _L + "activations_me.SwishMe": "silu",
    _L + "activations_me.MishMe": "mish",
    _L + "activations_me.HardSwishMe": "hard_swish",
    _L + "activations_me.HardSigmoidMe": "hard_sigmoid",
    _L + "activations_me.HardMishMe": "hard_mish",
    _L + "activations_jit.SwishJit": "silu",
    _L + "activations_jit.MishJit": "mish",
    _L + "activations_jit.HardSwishJit": "hard_swish",
    _L + "activations_jit.HardSigmoidJit": "hard_sigmoid",
    _L + "activations_jit.HardMishJit": "hard_mish",
}

UNMAPPED: dict[str, str] = {}
