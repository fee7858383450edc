"""Replace the units inside an existing model in one line."""

from __future__ import annotations

from typing import Any

from torch import nn

from .registry import create, resolve, spec

# torch.nn classes that are the same function as a registered unit.
TORCH_MODULE_UNITS = {
    nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.ELU: "elu", nn.SELU: "selu", nn.CELU: "celu",
    nn.GELU: "gelu", nn.SiLU: "silu", nn.Mish: "mish", nn.Softplus: "softplus", nn.Softsign: "softsign",
    nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.Hardsigmoid: "hard_sigmoid", nn.Hardswish: "hard_swish",
    nn.ReLU6: "relu6", nn.Hardtanh: "hardtanh", nn.LogSigmoid: "log_sigmoid", nn.Tanhshrink: "tanhshrink",
    nn.Softshrink: "softshrink", nn.Hardshrink: "hardshrink", nn.PReLU: "prelu", nn.RReLU: "rrelu",
}


def unit_name_of(module: nn.Module) -> str | None:
    """The registered unit a module implements, or None."""
    s = getattr(type(module), "spec", None) or getattr(getattr(module, "unit", None), "spec", None)
    if s is not None:
        return s.name
    name = TORCH_MODULE_UNITS.get(type(module))
    if name == "gelu" and getattr(module, "approximate", "none") == "tanh":
        return "gelu_tanh"
    return name


def swap(model: nn.Module, old: str | type | None, new: str, **params: Any) -> nn.Module:
    """Replace every unit ``old`` in ``model`` with a fresh ``nonlin.create(new, **params)``.

    ``old`` is a unit name or alias (matches nonlin modules and the torch.nn
    class of the same function), an ``nn.Module`` class, or ``None`` for every
    recognised activation.  Works in place and returns ``model``.  Raises
    ``ValueError`` if nothing matched, so a typo never silently does nothing.
    """
    new_name = resolve(new)
    spec(new_name).check_params(params, allow_extra=("inplace", "dtype", "device"))
    old_name = resolve(old) if isinstance(old, str) else None
    count = 0
    for parent in list(model.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(old, type):
                hit = isinstance(child, old)
            elif old is None:
                hit = unit_name_of(child) is not None
            else:
                hit = unit_name_of(child) == old_name
            if hit:
                setattr(parent, child_name, create(new_name, **params))
                count += 1
    if count == 0:
        raise ValueError(f"swap: no module matching {old!r} found in {type(model).__name__}")
    return model
