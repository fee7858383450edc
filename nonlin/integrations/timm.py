"""``timm.create_model(..., act_layer="snake")`` in timm.

timm resolves activation names in ``timm.layers.create_act``:
``get_act_layer(name)`` looks in ``_ACT_LAYER_ME`` / ``_ACT_LAYER_JIT`` (where
present and allowed) and then ``_ACT_LAYER_DEFAULT``; ``create_act_layer``
calls the result as ``layer(inplace=..., **kwargs)``; ``get_act_fn`` reads
``_ACT_FN_DEFAULT``.  :func:`register` adds nonlin units to the two default
tables, as factories that take (and pass on or drop) ``inplace``.  Existing
timm names keep timm's own classes unless ``override=True``.
"""

from __future__ import annotations

import functools
from typing import Any, Iterable

from torch import nn

from ._common import elementwise_units, keys_for


def make_layer(unit: str, inplace: bool = False, **params: Any) -> nn.Module:
    """The module timm gets for a registered name (``inplace`` only where the unit takes it)."""
    from .. import create, spec

    if spec(unit).kind == "activation":
        params["inplace"] = inplace
    return create(unit, **params)


def make_fn(unit: str, x, inplace: bool = False):
    """timm's functional form: ``fn(x, inplace=False)``."""
    from .. import get_fn
    return get_fn(unit)(x, inplace=inplace)


def _tables(module: Any):
    if module is None:
        import timm.layers.create_act as module
    return module


def register(names: Iterable[str] | str | None = None, *, prefix: bool = True, override: bool = False,
             module: Any = None) -> list[str]:
    """Add nonlin units to timm's activation tables; returns the names added.

    ``names``: units (default: every elementwise unit).  ``module``: timm's
    ``timm.layers.create_act`` (for tests; default: imported).
    """
    ca = _tables(module)
    layers = ca._ACT_LAYER_DEFAULT
    fns = getattr(ca, "_ACT_FN_DEFAULT", None)
    ours = set(getattr(ca, "_NONLIN_KEYS", ()))
    taken = set(layers) - ours
    for other in ("_ACT_LAYER_ME", "_ACT_LAYER_JIT"):
        taken |= set(getattr(ca, other, {}))
    added = []
    for name in elementwise_units(names):
        for key in keys_for(name, prefix, taken, override):
            layers[key] = functools.partial(make_layer, name)
            if fns is not None and _is_fixed(name):
                fns[key] = functools.partial(make_fn, name)
            added.append(key)
    ca._NONLIN_KEYS = sorted(ours | set(added))
    return added


def _is_fixed(name: str) -> bool:
    from .. import spec
    return spec(name).kind == "activation"


def unregister(module: Any = None) -> None:
    """Remove every name :func:`register` added."""
    ca = _tables(module)
    for key in getattr(ca, "_NONLIN_KEYS", ()):
        ca._ACT_LAYER_DEFAULT.pop(key, None)
        getattr(ca, "_ACT_FN_DEFAULT", {}).pop(key, None)
    ca._NONLIN_KEYS = []
