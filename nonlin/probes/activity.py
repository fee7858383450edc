"""Activity probes: how many units a network actually uses.

* :func:`density`      per layer, the fraction of outputs that are non-zero and that exceed ε in
                       magnitude ("The Lazy Neuron Phenomenon", Li et al., arXiv 2210.06313:
                       3.0 % non-zero in T5-Base, 6.3 % in ViT-B/16, falling over training).
* :func:`dead_units`   units that never fire (|a| ≤ ε for every sample of a data set), and the dynamic
                       dead-neuron rate: the fraction of units silent on a whole batch, averaged over
                       batches ("AP: Selective Activation for De-sparsifying Pruned Neural Networks").
* :func:`dormant`      the τ-dormant ratio of Sokar et al., "The Dormant Neuron Phenomenon in Deep
                       Reinforcement Learning", arXiv 2302.12902: unit i of a layer with H units is
                       τ-dormant when s_i = E|h_i| / ((1/H) Σ_j E|h_j|) ≤ τ.  :class:`DormantCallback`
                       records it during training.
* :func:`saturation`   fraction of outputs where the unit passes (almost) no gradient, |f'(z)| < δ, and for
                       bounded units the fraction within δ of a bound.
* :func:`activation_stats`  the older one-batch summary (zeros, dead, saturated, mean, std) per unit module.

Activations are read with forward hooks on modules that are units (see
``_common.find_units``); channels are dim 1 of 2-D/4-D outputs and the last
dim of (B, T, C) sequences (``channel_dim`` overrides).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import registry
from ._common import (Result, channels_last, default_channel_dim, find_units, mean_ci, record_outputs,
                      unit_derivative)


@dataclasses.dataclass
class LayerActivity:
    """One unit module's activity over a data set."""

    layer: str
    unit: str
    units: int          # channels of the layer
    value: float        # the probe's per-layer number (see the result's doc)
    detail: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ActivityResult(Result):
    """``value`` over all units of the model (unit-weighted mean of the layers), a 95 % CI over batches
    (``ci``), and per-layer detail in ``layers``."""

    probe: str
    value: float
    ci: tuple[float, float]
    layers: list[LayerActivity]

    def _draw(self, ax: Any) -> None:
        names = [f"{l.layer}\n({l.unit})" for l in self.layers]
        ax.bar(range(len(names)), [l.value for l in self.layers], color="tab:blue")
        ax.set_xticks(range(len(names)), names, fontsize=7)
        ax.set_ylabel(self.probe)
        ax.set_title(f"{self.probe}: {self.value:.3f} (95% CI {self.ci[0]:.3f}-{self.ci[1]:.3f})", fontsize=9)


def _check_eps(eps: float, name: str = "eps") -> None:
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps >= 0:
        raise ValueError(f"{name} must be a number >= 0; got {eps!r}")


def _result(probe: str, units, per_layer: dict, per_batch: list[float], detail: dict | None = None) -> ActivityResult:
    layers = [LayerActivity(n, u, int(per_layer[n][1]), float(per_layer[n][0]), (detail or {}).get(n, {}))
              for n, _, u in units if n in per_layer]
    total = sum(l.units for l in layers)
    value = sum(l.value * l.units for l in layers) / total if total else float("nan")
    _, lo, hi = mean_ci(per_batch)
    return ActivityResult(probe, value, (lo, hi), layers)


def density(model: nn.Module, data: Any, eps: float = 1e-3, channel_dim: int | None = None,
            batch_size: int | None = 512) -> ActivityResult:
    """Fraction of unit outputs that are non-zero (``value``, per layer) and, in ``detail['above_eps']``,
    the fraction with |a| > ``eps`` (the meaningful density for units that never output exactly 0)."""
    _check_eps(eps)
    sums: dict[str, list[float]] = {}
    batch_vals: list[list[float]] = []

    def reduce(name, mod, inp, out):
        a = channels_last(out, channel_dim if channel_dim is not None else default_channel_dim(model, out))
        s = sums.setdefault(name, [0.0, 0.0, 0.0, a.shape[1]])
        s[0] += float((a != 0).sum())
        s[1] += float((a.abs() > eps).sum())
        s[2] += a.numel()
        batch_vals.append([float((a != 0).sum()), float(a.numel())])

    units = record_outputs(model, data, reduce, batch_size)
    per_layer = {n: (s[0] / s[2], s[3]) for n, s in sums.items()}
    detail = {n: {"above_eps": s[1] / s[2], "eps": eps} for n, s in sums.items()}
    # one density per forward call of a batch (all layers of that batch pooled)
    per_batch = _per_batch(batch_vals, len(sums))
    return _result("density", units, per_layer, per_batch, detail)


def _per_batch(calls: list[list[float]], n_layers: int) -> list[float]:
    out = []
    for i in range(0, len(calls), max(n_layers, 1)):
        chunk = np.asarray(calls[i:i + n_layers])
        out.append(chunk[:, 0].sum() / chunk[:, 1].sum())
    return out


def dead_units(model: nn.Module, data: Any, eps: float = 0.0, channel_dim: int | None = None,
               batch_size: int | None = 256) -> ActivityResult:
    """Fraction of units with |a| ≤ ``eps`` on every sample of ``data`` (``value``), and in
    ``detail['dynamic_rate']`` the fraction of units silent on a whole batch, averaged over batches
    (the dynamic dead-neuron rate).  ``eps = 0`` means exactly zero."""
    _check_eps(eps)
    alive: dict[str, torch.Tensor] = {}
    dyn: dict[str, list[float]] = {}

    def reduce(name, mod, inp, out):
        a = channels_last(out, channel_dim if channel_dim is not None else default_channel_dim(model, out))
        fired = (a.abs() > eps).any(dim=0)
        alive[name] = fired | alive[name] if name in alive else fired
        dyn.setdefault(name, []).append(float((~fired).float().mean()))

    units = record_outputs(model, data, reduce, batch_size)
    per_layer = {n: (float((~f).float().mean()), f.numel()) for n, f in alive.items()}
    detail = {n: {"dynamic_rate": float(np.mean(dyn[n])), "dead_index": torch.nonzero(~f).ravel().tolist()}
              for n, f in alive.items()}
    n_batches = len(next(iter(dyn.values())))
    per_batch = [float(np.mean([dyn[n][b] for n in dyn])) for b in range(n_batches)]
    return _result("dead fraction", units, per_layer, per_batch, detail)


def dormant(model: nn.Module, data: Any, tau: float = 0.0, channel_dim: int | None = None,
            batch_size: int | None = 256) -> ActivityResult:
    """The τ-dormant ratio (Sokar et al., arXiv 2302.12902): fraction of units whose normalised mean
    absolute activation s_i = E|h_i| / mean_j E|h_j| is ≤ ``tau`` (τ = 0 counts fully inactive units;
    the paper uses τ = 0.025 and 0.1 as well).  ``detail['score']`` holds s_i per unit."""
    _check_eps(tau, "tau")
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    per_batch_scores: list[list[float]] = []

    def reduce(name, mod, inp, out):
        a = channels_last(out, channel_dim if channel_dim is not None else default_channel_dim(model, out)).abs()
        m = a.double().sum(0)
        sums[name] = sums[name] + m if name in sums else m
        counts[name] = counts.get(name, 0) + a.shape[0]
        s = _scores(m / a.shape[0])
        per_batch_scores.append([float((s <= tau).sum()), float(s.numel())])

    units = record_outputs(model, data, reduce, batch_size)
    per_layer, detail = {}, {}
    for n, total in sums.items():
        s = _scores(total / counts[n])
        per_layer[n] = (float((s <= tau).float().mean()), s.numel())
        detail[n] = {"score": s.tolist(), "tau": tau}
    return _result(f"dormant ratio (tau={tau:g})", units, per_layer, _per_batch(per_batch_scores, len(sums)), detail)


def _scores(mean_abs: torch.Tensor) -> torch.Tensor:
    norm = mean_abs.mean()
    return mean_abs / norm if norm > 0 else torch.zeros_like(mean_abs)


class DormantCallback:
    """Training callback recording the τ-dormant ratio every ``every`` steps.

    >>> cb = DormantCallback(model, x_probe, tau=0.025, every=100)
    >>> for step in range(steps): ...; cb(step)
    >>> cb.history    # [(step, ratio), ...];  cb.plot() draws it
    """

    def __init__(self, model: nn.Module, data: Any, tau: float = 0.0, every: int = 1):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer; got {every!r}")
        _check_eps(tau, "tau")
        self.model, self.data, self.tau, self.every = model, data, tau, every
        self.history: list[tuple[int, float]] = []

    def __call__(self, step: int) -> float | None:
        if step % self.every:
            return None
        r = dormant(self.model, self.data, self.tau).value
        self.history.append((step, r))
        return r

    def plot(self, path: str | None = None, ax: Any = None):
        res = _History(f"dormant ratio (tau={self.tau:g})", self.history)
        return res.plot(path, ax)


@dataclasses.dataclass
class _History(Result):
    label: str
    history: list

    def _draw(self, ax: Any) -> None:
        if self.history:
            s, v = zip(*self.history)
            ax.plot(s, v, marker="o")
        ax.set_xlabel("step")
        ax.set_ylabel(self.label)


def saturation(model: nn.Module, data: Any, delta: float = 1e-3, channel_dim: int | None = None,
               batch_size: int | None = 256) -> ActivityResult:
    """Fraction of unit outputs where |f'(z)| < ``delta`` (no gradient flows back: the unit is saturated
    or switched off), per layer.  For bounded units (Spec properties ``bounded_below`` /
    ``bounded_above`` numbers) ``detail['near_bound']`` is the fraction within ``delta`` of a bound."""
    _check_eps(delta, "delta")
    acc: dict[str, list[float]] = {}
    batch_vals: list[list[float]] = []
    unit_of = {}

    def reduce(name, mod, inp, out):
        g = unit_derivative(mod, inp)
        props = registry.spec(unit_of[name]).properties
        near = torch.zeros_like(out, dtype=torch.bool)
        for key in ("bounded_below", "bounded_above"):
            b = props.get(key)
            if isinstance(b, (int, float)) and not isinstance(b, bool):
                near |= (out - b).abs() < delta
        a = acc.setdefault(name, [0.0, 0.0, 0.0, out.shape[1] if out.dim() > 1 else 1])
        sat = float((g.abs() < delta).sum())
        a[0] += sat
        a[1] += float(near.sum())
        a[2] += out.numel()
        batch_vals.append([sat, float(out.numel())])

    units = find_units(model)
    unit_of.update({n: u for n, _, u in units})
    record_outputs(model, data, reduce, batch_size, units)
    per_layer = {n: (a[0] / a[2], a[3]) for n, a in acc.items()}
    detail = {n: {"near_bound": a[1] / a[2]} for n, a in acc.items()}
    return _result("saturated fraction", units, per_layer, _per_batch(batch_vals, len(acc)), detail)


# ---- one-batch summary kept from the first probes module -------------------------


@dataclasses.dataclass
class UnitStats:
    """Statistics of one unit module's outputs over a batch (channel dim 1, or last for 2-D)."""

    module: str
    unit: str
    zero_fraction: float      # fraction of exact zeros in the output
    dead_fraction: float      # channels whose output is zero for every sample
    saturated_fraction: float  # fraction of elements with |f'(x)| < 1e-3 (no gradient flows)
    mean: float
    std: float


def activation_stats(model: nn.Module, x: torch.Tensor) -> list[UnitStats]:
    """Run ``model(x)`` and report, for each recognised activation module, sparsity, dead and saturated units."""
    records: list[UnitStats] = []

    def reduce(name, mod, inp, out):
        g = unit_derivative(mod, inp)
        per_channel = out.transpose(0, 1).reshape(out.shape[1], -1) if out.dim() > 1 else out.reshape(1, -1)
        records.append(UnitStats(
            module=name, unit=unit_of[name],
            zero_fraction=float((out == 0).float().mean()),
            dead_fraction=float((per_channel == 0).all(dim=1).float().mean()),
            saturated_fraction=float((g.abs() < 1e-3).float().mean()),
            mean=float(out.float().mean()), std=float(out.float().std()) if out.numel() > 1 else 0.0,
        ))

    units = find_units(model)
    unit_of = {n: u for n, _, u in units}
    record_outputs(model, x, reduce, None, units)
    return records
