"""Which registered unit does a module (or a function call) compute?

:func:`identify` looks a module up, by its exact class, in the ecosystem
tables (one file per library: torch_nn, transformers, timm, torchvision) and
returns an :class:`Identified` (unit name, bound parameters, where the answer
came from).  A subclass counts only if it does not override ``forward``.  With
``probe=True`` a parameter-free, childless module not in any table is
evaluated on a grid and compared with every fixed registered unit.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import torch
from torch import nn

from ..registry import Spec, all_specs, resolve, spec
from . import timm as _timm
from . import torch_nn as _torch_nn
from . import torchvision as _torchvision
from . import transformers as _transformers
from .report import type_name

# ecosystem -> its table module; adding a library is one file and one line here.
ECOSYSTEMS = {
    "torch.nn": _torch_nn,
    "transformers": _transformers,
    "timm": _timm,
    "torchvision": _torchvision,
}


@dataclasses.dataclass
class Identified:
    """The unit a module computes: ``name`` (canonical registered unit),
    ``params`` (its bound parameters in nonlin's names; {} = defaults),
    ``source`` ("nonlin", "torch.nn", "transformers", "timm", "torchvision",
    "probe"), ``exact`` (False where it matches only on part of the line, e.g.
    a clipped GELU) and a ``note``.  ``str()`` is the name."""

    name: str
    params: dict = dataclasses.field(default_factory=dict)
    source: str = ""
    exact: bool = True
    note: str = ""

    def __str__(self) -> str:
        return self.name

    def fn(self) -> Callable:
        """The nonlin functional with these parameters bound (fixed units)."""
        from ..registry import get_fn
        return get_fn(self.name, **self.params)


def _tables(attr: str) -> dict[str, tuple[str, Any]]:
    out = {}
    for eco, mod in ECOSYSTEMS.items():
        for key, rule in getattr(mod, attr).items():
            out[key] = (eco, rule)
    return out


_MODULE_RULES = _tables("MODULE_UNITS")
_UNMAPPED = _tables("UNMAPPED")


def _apply_rule(rule: Any, obj: Any, source: str) -> Identified | None:
    res = rule if isinstance(rule, str) else rule(obj)
    if res is None:
        return None
    if isinstance(res, str):
        res = (res, {})
    name, params, *rest = res
    exact = rest[0] if rest else True
    note = rest[1] if len(rest) > 1 else ""
    return Identified(resolve(name), dict(params), source, exact, note)


def _table_rule(cls: type) -> tuple[str, Any] | None:
    """The rule for ``cls``: its own entry, else a base's if ``forward`` is inherited."""
    for base in cls.__mro__:
        if base is nn.Module or base is object:
            return None
        hit = _MODULE_RULES.get(type_name(base))
        if hit is not None:
            return hit if base is cls or cls.forward is base.forward else None
    return None


def is_unmapped_activation(module: nn.Module) -> str | None:
    """Why an activation-like class in a table is not mapped (None if it is not listed)."""
    hit = _UNMAPPED.get(type_name(module))
    return hit[1] if hit else None


def identify(module: nn.Module, *, probe: bool = False) -> Identified | None:
    """The registered elementwise unit ``module`` computes, or None.

    nonlin's own modules answer from their Spec (fixed units with their bound
    ``params``).  Other modules are looked up in the ecosystem tables.  Gated,
    KAN and neuron modules and non-elementwise units return None: they are not
    activations a swap can replace one-for-one.  ``probe=True`` also evaluates
    unknown parameter-free elementwise modules (see :func:`probe_module`).
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"identify expects an nn.Module; got {type(module).__name__}")
    from ..elementwise import ElementwiseModule
    from .channels import ChannelAxis

    if isinstance(module, ChannelAxis):
        return identify(module.inner, probe=probe)
    s = module.unit.spec if isinstance(module, ElementwiseModule) else getattr(type(module), "spec", None)
    if isinstance(s, Spec):
        if not is_elementwise(s.name):
            return None
        params = dict(getattr(module, "params", {}) or {}) if s.kind == "activation" else {}
        defaults = {p.name: p.default for p in s.params}
        params = {k: v for k, v in params.items() if defaults.get(k, object()) != v}
        return Identified(s.name, params, "nonlin")
    hit = _table_rule(type(module))
    if hit is not None:
        return _apply_rule(hit[1], module, hit[0])
    if probe:
        return probe_module(module)
    return None


def identify_call(func: Callable, args: tuple, kwargs: dict) -> Identified | None:
    """The unit a functional call ``func(*args, **kwargs)`` computes (F.relu, torch.tanh, x.relu ...)."""
    rule = _torch_nn.FUNCTION_UNITS.get(func)
    if rule is None:
        return None
    return _apply_rule(lambda _: rule(args, kwargs), None, "torch.nn.functional")


def is_elementwise(name: str) -> bool:
    """Whether a registered unit is elementwise (can stand where an activation stands)."""
    s = spec(name)
    return s.kind in ("activation", "learnable") and bool(s.properties.get("elementwise"))


# ---------------------------------------------------------------- probing unknown modules
PROBE_GRID = (-8.0, 8.0, 4001)


def probe_module(module: nn.Module, *, atol: float = 2e-5, rtol: float = 1e-4) -> Identified | None:
    """Identify a parameter-free, childless module by evaluating it.

    torch's own classes are skipped, and a module found to be the identity is
    not reported (a placeholder, not an activation).
    The module is run (in eval mode, no grad) on a float32 grid over
    [-8, 8] and on a permuted 2-D copy to check it is elementwise; every fixed
    registered unit with default parameters is compared at the same points.
    Units within ``atol + rtol*|y|`` everywhere match; among several, the unit
    with a torch builtin, then the shorter name wins (the note lists the others).
    """
    if any(True for _ in module.parameters()) or any(True for _ in module.children()):
        return None
    if type(module).__module__.startswith("torch."):
        return None  # torch's own classes are in the table or are not activations (Dropout, Identity)
    lo, hi, n = PROBE_GRID
    x = torch.linspace(lo, hi, n)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            y = module(x.clone())
            x2 = x[torch.randperm(n, generator=torch.Generator().manual_seed(0))].reshape(1, -1, 1)
            y2 = module(x2.clone())
    except Exception:
        return None
    finally:
        module.train(was_training)
    if not (isinstance(y, torch.Tensor) and y.shape == x.shape and isinstance(y2, torch.Tensor)
            and y2.shape == x2.shape):
        return None
    idx = torch.argsort(x2.flatten())
    if not torch.allclose(y2.flatten()[idx].double(), y.double(), atol=atol, rtol=rtol, equal_nan=True):
        return None  # not elementwise (depends on neighbours or position)
    y = y.double()
    matches = []
    for s in all_specs():
        if s.kind != "activation" or not s.properties.get("elementwise") or s.properties.get("stochastic"):
            continue
        try:
            with torch.no_grad():
                ref = s.fn(x.clone()).double()
        except Exception:
            continue
        if ref.shape != y.shape:
            continue
        err = (ref - y).abs()
        ok = (err <= atol + rtol * y.abs()) | (ref.isnan() & y.isnan())
        if bool(ok.all()):
            matches.append((s.builtin is None, len(s.name), s.name))
    if not matches or matches[0][2] == "identity":
        return None  # a no-op placeholder is not an activation
    matches.sort()
    best = matches[0][2]
    others = [m[2] for m in matches[1:]]
    note = f"identified by evaluation on [{lo:g}, {hi:g}]"
    if others:
        note += "; also equal there: " + ", ".join(others)
    return Identified(best, {}, "probe", True, note)
