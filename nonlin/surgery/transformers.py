"""HuggingFace transformers activation classes -> the registered unit each computes.

Covers every class ``transformers.activations.ACT2CLS`` / ``ACT2FN`` can return
(checked against transformers 5.x); the torch.nn classes it also returns
(``nn.ReLU``, ``nn.SiLU``, ...) are in :mod:`nonlin.surgery.torch_nn`.  Keys are
qualified names, so this file never imports transformers.
"""

from __future__ import annotations

import math

_A = "transformers.activations."


def _clipped_gelu(m):
    # clip(gelu(x), min, max): equals gelu on [min, max] (gelu_10 clips at +-10).
    return "gelu", {}, False, f"then clipped to [{m.min:g}, {m.max:g}] (equal to gelu inside that range)"


def _xielu(m):
    # transformers stores softplus-inverse parameters: alpha_p = softplus(a_p),
    # alpha_n = beta + softplus(a_n); nonlin's xielu takes the effective values.
    # Its eps (min(x, eps) inside expm1, default -1e-6) is dropped: a <1e-6 difference.
    import torch.nn.functional as F

    beta = float(m.beta)
    return "xielu", {"alpha_p": float(F.softplus(m.alpha_p.detach().float()).flatten()[0]),
                     "alpha_n": beta + float(F.softplus(m.alpha_n.detach().float()).flatten()[0]),
                     "beta": beta}, True, "learnable in transformers; identified at its current values"


def _accurate(m):
    c = float(getattr(m, "precomputed_constant", math.sqrt(2 / math.pi)))
    return "gelu_tanh", {}, abs(c - math.sqrt(2 / math.pi)) < 1e-12, ""


MODULE_UNITS = {
    _A + "GELUActivation": "gelu",                 # erf GELU (use_gelu_python too)
    _A + "NewGELUActivation": "gelu_tanh",         # "gelu_new": tanh approximation
    _A + "GELUTanh": "gelu_tanh",                  # "gelu_pytorch_tanh" (5.x name)
    _A + "PytorchGELUTanh": "gelu_tanh",           # the same class before 5.x
    _A + "FastGELUActivation": "gelu_tanh",        # sqrt(2/pi) written as 0.7978845608
    _A + "AccurateGELUActivation": _accurate,
    _A + "QuickGELUActivation": "quick_gelu",      # x * sigmoid(1.702 x)
    _A + "SiLUActivation": "silu",
    _A + "MishActivation": "mish",
    _A + "LinearActivation": "identity",
    _A + "ReLUSquaredActivation": "relu_squared",  # "relu2"
    _A + "ClippedGELUActivation": _clipped_gelu,   # "gelu_10"
    _A + "XIELUActivation": _xielu,
}

UNMAPPED = {
    _A + "LaplaceActivation": "0.5(1+erf((x-0.707107)/(0.282095*sqrt2))): a shifted, scaled probit; "
                              "no registered unit (MEGA attention only)",
    _A + "SqrtSoftplusActivation": "sqrt(softplus(x)): a router score, no registered unit",
}
