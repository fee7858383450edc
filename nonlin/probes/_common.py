"""Shared plumbing of the network probes: finding units, feeding data, confidence intervals, plots.

Every network probe has the shape ``result = probe(model, data, **options)``.
``data`` is a tensor of inputs, an ``(x, y)`` pair, or an iterable of such
batches (a DataLoader); :func:`batches` turns any of them into ``(x, y)``
batches (``y`` may be None).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch
from torch import nn


def _is_activation(module: nn.Module) -> str | None:
    """The registered unit name a module implements, or None.

    Uses the model-surgery recogniser ``nonlin.surgery.identify`` when it
    exists (it knows transformers/timm classes too) and falls back to
    ``nonlin.swap.unit_name_of`` (nonlin modules and torch.nn activations).
    """
    try:
        from ..surgery import identify  # type: ignore[attr-defined]
    except ImportError:
        identify = None
    if identify is not None:
        try:
            found = identify(module)
        except Exception:  # an identifier that rejects a module means "not a unit"
            found = None
        if found is not None:
            if isinstance(found, str):
                return found
            for attr in ("unit", "name"):
                v = getattr(found, attr, None)
                if isinstance(v, str):
                    return v
    from ..swap import unit_name_of
    return unit_name_of(module)


def find_units(model: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """(qualified name, module, unit name) of every recognised unit module, outermost first.

    A unit nested inside another recognised unit (a learnable wrapper holding
    a fixed activation) is reported once, as the outer module.
    """
    found: list[tuple[str, nn.Module, str]] = []
    for name, mod in model.named_modules():
        if any(name.startswith(outer + ".") for outer, _, _ in found):
            continue
        unit = _is_activation(mod)
        if unit is not None:
            found.append((name or type(mod).__name__, mod, unit))
    if not found:
        raise ValueError(f"no unit modules found in {type(model).__name__}: probes hook modules that are "
                         "units (nonlin units or torch.nn activations); functional calls such as F.relu "
                         "inside forward() cannot be seen")
    return found


def batches(data: Any, batch_size: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Yield (x, y) batches from a tensor, an (x, y) pair, or an iterable of either."""
    if isinstance(data, torch.Tensor):
        data = (data, None)
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor) \
            and (data[1] is None or isinstance(data[1], torch.Tensor)):
        x, y = data
        if batch_size is None or batch_size >= len(x):
            yield x, y
            return
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], None if y is None else y[i:i + batch_size]
        return
    if isinstance(data, Iterable):
        for item in data:
            if isinstance(item, torch.Tensor):
                yield item, None
            elif isinstance(item, (tuple, list)) and len(item) >= 1:
                yield item[0], item[1] if len(item) > 1 else None
            else:
                raise TypeError(f"a data batch must be a tensor or an (x, y) pair; got {type(item).__name__}")
        return
    raise TypeError("data must be a tensor of inputs, an (x, y) pair of tensors, or an iterable of batches; "
                    f"got {type(data).__name__}")


def channels_last(out: torch.Tensor, channel_dim: int) -> torch.Tensor:
    """Reshape an activation tensor to (samples, channels)."""
    if out.dim() == 1:
        return out.reshape(-1, 1)
    return out.movedim(channel_dim, -1).reshape(-1, out.shape[channel_dim])


def default_channel_dim(model: nn.Module, out: torch.Tensor) -> int:
    """Channels are dim 1 of conv feature maps and the last dim of (B, T, C) sequences."""
    if out.dim() == 4 or out.dim() == 2:
        return 1
    if out.dim() == 3 and any(isinstance(m, nn.Conv1d) for m in model.modules()):
        return 1
    return -1


def record_outputs(model: nn.Module, data: Any, reduce: Callable[[str, nn.Module, torch.Tensor, torch.Tensor], None],
                   batch_size: int | None = 512, units: list | None = None) -> list[tuple[str, nn.Module, str]]:
    """Run the model over ``data`` in eval mode without gradients, calling
    ``reduce(name, module, input, output)`` for every unit module call."""
    units = units or find_units(model)
    hooks = []
    busy: list[bool] = []  # re-entrancy guard: a reducer may call the unit again (to get f'(z))
    for name, mod, _ in units:
        def hook(m, inputs, output, name=name):
            if busy or not isinstance(output, torch.Tensor):
                return
            busy.append(True)
            try:
                reduce(name, m, inputs[0].detach(), output.detach())
            finally:
                busy.pop()
        hooks.append(mod.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for x, _ in batches(data, batch_size):
                model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return units


def mean_ci(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and a Student-t confidence interval of independent values (seeds, batches)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan, math.nan, math.nan)
    m = float(v.mean())
    if v.size < 2:
        return (m, m, m)
    try:
        from scipy import stats
        t = float(stats.t.ppf(0.5 + level / 2, v.size - 1))
    except ImportError:  # normal quantile; slightly narrow for few values
        t = 1.959963984540054
    half = t * float(v.std(ddof=1)) / math.sqrt(v.size)
    return (m, m - half, m + half)


def unit_derivative(module: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Elementwise f'(z) of an elementwise unit module (autograd of the sum)."""
    with torch.enable_grad():
        zz = z.detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(module(zz).sum(), zz)
    return g


class Result:
    """Base of probe results: ``.plot()`` draws with matplotlib (imported lazily)."""

    def plot(self, path: str | None = None, ax: Any = None):
        """Draw the result; save a PNG to ``path`` if given. Returns the matplotlib Figure."""
        import matplotlib
        if ax is None and path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        if ax is None:
            fig, ax = plt.subplots(figsize=(5, 3.4))
        else:
            fig = ax.figure
        self._draw(ax)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=80)
            plt.close(fig)
        return fig

    def _draw(self, ax: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dict(self) -> dict:
        return _jsonable(dataclasses.asdict(self)) if dataclasses.is_dataclass(self) else {}


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().tolist()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


@contextlib.contextmanager
def one_thread():
    """Run a block on one intra-op thread, then restore the previous count.  The probes that train many
    small models (spectral.compare, exploitable.cett_trend, the probe card) are faster on one thread, and
    on a loaded machine several threads contending for the cores can make them many times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
