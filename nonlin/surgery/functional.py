"""Swap activations that a ``forward`` calls as functions (``F.relu(x)``, ``torch.tanh``, ``x.relu()``).

How (and why this way)
----------------------
A :class:`torch.overrides.TorchFunctionMode` is pushed by a forward pre-hook on
the module whose ``forward`` makes the call (the *owner*) and popped by a
forward hook (``always_call=True``, so an exception never leaks the mode).
While it is active, every torch function the owner's own code calls passes
through :meth:`_Interceptor.__torch_function__`; a call that computes a
matched unit is answered by the replacement unit instead.  Calls made inside
the owner's children are left alone: each child carries pre/post hooks that
raise a depth counter, and the interceptor only acts at depth 0.

Compared with an FX rewrite this keeps the module tree, its class and its
``state_dict`` keys (apart from the new unit's own parameters under
``<owner>.nonlin_functional``), needs no symbolic trace (which fails on the
data-dependent Python in real models, e.g. DenseNet's ``any_requires_grad``),
and works unchanged in eager mode, under ``torch.compile(fullgraph=True)``
(dynamo traces torch function modes and hooks) and ``torch.export`` (the mode
runs while exporting; the graph holds the replacement's ops).  Hooks are
module-level functions and ``functools.partial`` objects, so ``deepcopy``,
``pickle`` and ``torch.save(model)`` keep working.

Which modules are owners is decided statically: the source of each module's
``forward`` is parsed and calls of the functions in
:data:`nonlin.surgery.torch_nn.FUNCTION_UNITS` are listed.  Limits: calls made
in helper functions that ``forward`` calls are only caught if the helper runs
inside an owner; in-place variants (``F.relu(x, inplace=True)``,
``x.relu_()``) are replaced out of place (their return value is the result,
as in every torchvision model); one replacement unit serves all calls of the
same old unit inside one owner's ``forward``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from typing import Any, Callable

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .torch_nn import FUNCTION_UNITS

ATTR = "nonlin_functional"  # the child that holds an owner's replacement units

# Units not swapped by ``old=None`` ("every activation") when called as functions:
# as functions they are mostly gates and squashing inside larger formulas.
GATE_LIKE = frozenset({"sigmoid", "tanh", "hard_sigmoid", "softplus", "log_sigmoid", "softsign",
                       "hardtanh", "tanhshrink"})

_METHOD_NAMES = {"relu", "relu_", "tanh", "sigmoid"}  # x.relu() etc. on a tensor


class FunctionalSwap(nn.Module):
    """Replacement units of one owner module, keyed by the old unit's name.

    ``match[name]`` is None (any parameters) or the parameters a call must
    have to be replaced (from ``swap(model, nn.LeakyReLU(0.2), ...)``).
    ``calls[name]`` lists the call texts found in the owner's source.
    """

    def __init__(self) -> None:
        super().__init__()
        self.units = nn.ModuleDict()
        self.match: dict[str, dict | None] = {}
        self.calls: dict[str, list[str]] = {}
        self.depth = 0
        self._modes: list = []

    def replacement(self, func: Callable, args: tuple, kwargs: dict) -> nn.Module | None:
        if self.depth:
            return None
        rule = FUNCTION_UNITS.get(func)
        if rule is None:
            return None
        name, params = rule(args, kwargs)
        if name not in self.units:
            return None
        want = self.match.get(name)
        if want is not None and any(params.get(k) != v for k, v in want.items()):
            return None
        return self.units[name]

    def extra_repr(self) -> str:
        return ", ".join(f"{k}: {', '.join(v)}" for k, v in self.calls.items())


class _Interceptor(TorchFunctionMode):
    def __init__(self, swap: FunctionalSwap):
        super().__init__()
        self.swap = swap

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        unit = self.swap.replacement(func, args, kwargs)
        if unit is not None:
            return unit(args[0])
        return func(*args, **kwargs)


# Hooks: module-level functions (picklable); state lives on the FunctionalSwap child.
def _owner_enter(module: nn.Module, args: Any) -> None:
    fs = getattr(module, ATTR)
    mode = _Interceptor(fs)
    fs._modes.append(mode)
    mode.__enter__()


def _owner_exit(module: nn.Module, args: Any, output: Any) -> None:
    fs = getattr(module, ATTR)
    if fs._modes:
        fs._modes.pop().__exit__(None, None, None)


def _child_enter(fs: FunctionalSwap, module: nn.Module, args: Any) -> None:
    fs.depth += 1


def _child_exit(fs: FunctionalSwap, module: nn.Module, args: Any, output: Any) -> None:
    fs.depth -= 1


def install(owner: nn.Module) -> FunctionalSwap:
    """The owner's :class:`FunctionalSwap`, created and hooked on first use."""
    fs = getattr(owner, ATTR, None)
    if isinstance(fs, FunctionalSwap):
        return fs
    if fs is not None:
        raise ValueError(f"{type(owner).__name__} already has an attribute '{ATTR}'")
    fs = FunctionalSwap()
    for child in owner.children():
        child.register_forward_pre_hook(functools.partial(_child_enter, fs))
        child.register_forward_hook(functools.partial(_child_exit, fs), always_call=True)
    owner.add_module(ATTR, fs)
    owner.register_forward_pre_hook(_owner_enter)
    owner.register_forward_hook(_owner_exit, always_call=True)
    return fs


# ------------------------------------------------------------------ static scan
class _Missing:
    """An argument the scan cannot evaluate (a variable)."""


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except Exception:
        return _Missing()


def _resolve(node: ast.AST, env: dict) -> Any:
    """The object an attribute chain like ``F.relu`` / ``torch.nn.functional.gelu`` names, or None."""
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, env)
        return getattr(base, node.attr, None) if base is not None else None
    return None


@functools.lru_cache(maxsize=None)
def scan(cls: type) -> tuple[tuple[str, str, tuple], ...]:
    """Activation calls in ``cls.forward``'s source: ``(call text, unit, params)`` per call.

    ``params`` is a tuple of items (static values; a parameter given by a
    variable is left out).  Returns () when the source is unavailable.
    """
    fwd = getattr(cls, "forward", None)
    fn = inspect.unwrap(fwd) if fwd is not None else None
    try:
        src = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(src)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return ()
    env = dict(getattr(fn, "__globals__", {}))
    env.update(vars(__import__("builtins")))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = _resolve(node.func, env)
        if target is None and isinstance(node.func, ast.Attribute) and node.func.attr in _METHOD_NAMES:
            target = getattr(torch.Tensor, node.func.attr)  # x.relu(): a tensor method
            args: list = [None]
        else:
            args = [None] + [_literal(a) for a in node.args[1:]]
        try:
            rule = FUNCTION_UNITS.get(target)
        except TypeError:  # unhashable object
            rule = None
        if rule is None:
            continue
        kwargs = {k.arg: _literal(k.value) for k in node.keywords if k.arg}
        known = not any(isinstance(v, _Missing) for v in [*args, *kwargs.values()])
        try:
            name, params = rule(tuple(args), kwargs) if known else rule((None,), {})
        except Exception:  # a literal of an unexpected type
            (name, params), known = rule((None,), {}), False
        if not known:
            params = {}  # decided at run time
        found.append((ast.unparse(node.func), name, tuple(sorted(params.items()))))
    return tuple(found)
