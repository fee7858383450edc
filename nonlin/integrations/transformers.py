"""``config.hidden_act = "pau"`` in HuggingFace transformers.

transformers builds every activation through ``transformers.activations.ACT2FN``
(a dict that instantiates on lookup) whose entries come from ``ACT2CLS``.
:func:`register` adds nonlin units to both, as ``(factory, {"unit": name})``
entries, the form ACT2CLS already uses for classes with arguments (e.g.
``"gelu_10"``).  Each unit gets the key ``"nonlin:<name>"`` and, unless
transformers already has that key, the bare name; existing keys ("gelu",
"silu", ...) keep transformers' own classes unless ``override=True``.
"""

from __future__ import annotations

from typing import Any, Iterable

from torch import nn

from ._common import elementwise_units, keys_for


def make_activation(unit: str, **params: Any) -> nn.Module:
    """The module transformers gets for a registered key (module-level so models pickle)."""
    from .. import create
    return create(unit, **params)


def register(names: Iterable[str] | str | None = None, *, prefix: bool = True, override: bool = False,
             module: Any = None) -> list[str]:
    """Add nonlin units to transformers' activation tables; returns the keys added.

    ``names``: units to add (default: every elementwise unit).  ``module``: the
    ``transformers.activations`` module (for tests; default: imported).
    Calling it again is harmless.
    """
    acts = module
    if acts is None:
        import transformers.activations as acts
    taken = set(acts.ACT2CLS) - set(getattr(acts, "_NONLIN_KEYS", ()))
    added = []
    for name in elementwise_units(names):
        for key in keys_for(name, prefix, taken, override):
            entry = (make_activation, {"unit": name})
            acts.ACT2CLS[key] = entry
            acts.ACT2FN[key] = entry
            added.append(key)
    acts._NONLIN_KEYS = sorted(set(getattr(acts, "_NONLIN_KEYS", ())) | set(added))
    return added


def register_unit(key: str, unit: str, *, module: Any = None, **params: Any) -> str:
    """Add one key bound to a unit with parameters, e.g. ``register_unit("pau_gelu", "pau", init="gelu")``."""
    acts = module
    if acts is None:
        import transformers.activations as acts
    from ..registry import spec

    name = elementwise_units([unit])[0]
    spec(name).check_params(params)
    entry = (make_activation, {"unit": name, **params})
    acts.ACT2CLS[key] = entry
    acts.ACT2FN[key] = entry
    acts._NONLIN_KEYS = sorted(set(getattr(acts, "_NONLIN_KEYS", ())) | {key})
    return key


def unregister(module: Any = None) -> None:
    """Remove every key :func:`register` / :func:`register_unit` added."""
    acts = module
    if acts is None:
        import transformers.activations as acts
    for key in getattr(acts, "_NONLIN_KEYS", ()):
        acts.ACT2CLS.pop(key, None)
        acts.ACT2FN.pop(key, None)
    acts._NONLIN_KEYS = []
