"""torch.nn activation classes -> the registered unit each computes.

A rule is a unit name, or ``rule(module) -> (unit, params)`` when the module
carries parameters (nonlin's parameter names).  Keys are ``module.Qualname``
strings so every ecosystem table has the same shape (and a table of a library
that does not import here can still be written and tested).
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def _gelu(m):
    return ("gelu_tanh" if getattr(m, "approximate", "none") == "tanh" else "gelu"), {}


def _prelu(m):
    w = m.weight.detach()
    params = {"num_parameters": int(w.numel())}
    if w.numel() and bool((w == w.flatten()[0]).all()):
        params["init"] = float(w.flatten()[0])
    return "prelu", params


MODULE_UNITS = {
    "torch.nn.modules.activation.ReLU": "relu",
    "torch.nn.modules.activation.ReLU6": "relu6",
    "torch.nn.modules.activation.LeakyReLU": lambda m: ("leaky_relu", {"negative_slope": float(m.negative_slope)}),
    "torch.nn.modules.activation.ELU": lambda m: ("elu", {"alpha": float(m.alpha)}),
    "torch.nn.modules.activation.CELU": lambda m: ("celu", {"alpha": float(m.alpha)}),
    "torch.nn.modules.activation.SELU": "selu",
    "torch.nn.modules.activation.GELU": _gelu,
    "torch.nn.modules.activation.SiLU": "silu",
    "torch.nn.modules.activation.Mish": "mish",
    "torch.nn.modules.activation.Softplus":
        lambda m: ("softplus", {"beta": float(m.beta), "threshold": float(m.threshold)}),
    "torch.nn.modules.activation.Softsign": "softsign",
    "torch.nn.modules.activation.Tanh": "tanh",
    "torch.nn.modules.activation.Sigmoid": "sigmoid",
    "torch.nn.modules.activation.Hardsigmoid": "hard_sigmoid",
    "torch.nn.modules.activation.Hardswish": "hard_swish",
    "torch.nn.modules.activation.Hardtanh":
        lambda m: ("hardtanh", {"min_val": float(m.min_val), "max_val": float(m.max_val)}),
    "torch.nn.modules.activation.LogSigmoid": "log_sigmoid",
    "torch.nn.modules.activation.Tanhshrink": "tanhshrink",
    "torch.nn.modules.activation.Softshrink": lambda m: ("softshrink", {"lambd": float(m.lambd)}),
    "torch.nn.modules.activation.Hardshrink": lambda m: ("hardshrink", {"lambd": float(m.lambd)}),
    "torch.nn.modules.activation.Threshold":
        lambda m: ("threshold", {"threshold": float(m.threshold), "value": float(m.value)}),
    "torch.nn.modules.activation.RReLU": lambda m: ("rrelu", {"lower": float(m.lower), "upper": float(m.upper)}),
    "torch.nn.modules.activation.PReLU": _prelu,
}

# Activation-like classes that are deliberately not mapped, and why.
UNMAPPED = {
    "torch.nn.modules.activation.Softmax": "normalises over a dim (not elementwise)",
    "torch.nn.modules.activation.LogSoftmax": "normalises over a dim (not elementwise)",
    "torch.nn.modules.activation.GLU": "gated: halves a dim (use a gated unit via block surgery)",
}


# Functions that may be called inside a forward -> rule(args, kwargs) -> (unit, params) or None.
def _arg(args, kwargs, i, name, default):
    if len(args) > i:
        return args[i]
    return kwargs.get(name, default)


def _f_gelu(args, kwargs):
    return ("gelu_tanh" if _arg(args, kwargs, 1, "approximate", "none") == "tanh" else "gelu"), {}


def _f_leaky(args, kwargs):
    return "leaky_relu", {"negative_slope": float(_arg(args, kwargs, 1, "negative_slope", 0.01))}


def _f_elu(args, kwargs):
    return "elu", {"alpha": float(_arg(args, kwargs, 1, "alpha", 1.0))}


def _f_celu(args, kwargs):
    return "celu", {"alpha": float(_arg(args, kwargs, 1, "alpha", 1.0))}


def _f_softplus(args, kwargs):
    return "softplus", {"beta": float(_arg(args, kwargs, 1, "beta", 1.0)),
                        "threshold": float(_arg(args, kwargs, 2, "threshold", 20.0))}


def _f_hardtanh(args, kwargs):
    return "hardtanh", {"min_val": float(_arg(args, kwargs, 1, "min_val", -1.0)),
                        "max_val": float(_arg(args, kwargs, 2, "max_val", 1.0))}


def _plain(name):
    return lambda args, kwargs: (name, {})


# The callables themselves (F.relu, torch.relu, Tensor.relu, ...) -> rule.  Tensor
# methods appear as the method descriptor ``torch.Tensor.relu`` under a torch
# function mode; in-place variants (relu_) are matched too and replaced out of place.
FUNCTION_UNITS = {
    F.relu: _plain("relu"), torch.relu: _plain("relu"), torch.Tensor.relu: _plain("relu"),
    F.relu_: _plain("relu"), torch.relu_: _plain("relu"), torch.Tensor.relu_: _plain("relu"),
    F.relu6: _plain("relu6"),
    F.gelu: _f_gelu,
    F.silu: _plain("silu"),
    F.mish: _plain("mish"),
    F.elu: _f_elu, F.celu: _f_celu, F.selu: _plain("selu"), torch.selu: _plain("selu"),
    F.leaky_relu: _f_leaky,
    F.softplus: _f_softplus,
    F.softsign: _plain("softsign"),
    F.hardsigmoid: _plain("hard_sigmoid"), F.hardswish: _plain("hard_swish"),
    F.hardtanh: _f_hardtanh,
    F.logsigmoid: _plain("log_sigmoid"), F.tanhshrink: _plain("tanhshrink"),
    torch.tanh: _plain("tanh"), F.tanh: _plain("tanh"), torch.Tensor.tanh: _plain("tanh"),
    torch.sigmoid: _plain("sigmoid"), F.sigmoid: _plain("sigmoid"), torch.Tensor.sigmoid: _plain("sigmoid"),
}
