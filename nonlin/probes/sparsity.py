"""Exploitable activation sparsity: CETT activation ratio and CATS thresholding.

* :func:`cett` — "Sparsing Law: Towards Large Language Models with Greater Activation Sparsity",
  Luo et al., arXiv 2411.02335.  For a unit layer whose output a feeds a Linear W_down, neuron i
  contributes a_i·W_down[:, i] to the next layer, with magnitude c_i = |a_i|·‖W_down[:, i]‖₂.
  Truncating the neurons with c_i < ε leaves the *cumulative error of tail truncation*
  CETT(ε) = ‖Σ_{i: c_i<ε} a_i W_down[:, i]‖₂ / ‖Σ_i a_i W_down[:, i]‖₂.  Per layer, ε is found by
  bisection so that the mean CETT over the data equals ``target``; the *activation ratio* is the
  fraction of neurons with c_i ≥ ε (lower = more exploitable sparsity).  With ``metric`` given, the
  ratio is also reported at the largest CETT that keeps the loss within ``tolerance`` (relative, 1 %
  in the paper) of the untruncated model.  Published trend: ReLU's ratio falls with more training
  data, SiLU's rises.
* :func:`cats` — "CATS: Contextually-Aware Thresholding for Sparsity in Large Language Models",
  Lee et al., arXiv 2404.08763: per layer, t = the k-th percentile of |a| on a calibration set
  (k = target sparsity); the unit becomes CATS(a) = a·1[|a| > t].  Returns a handle whose hooks apply
  the thresholds (``.remove()`` restores the model).  :func:`cats_curve` measures a metric against
  the target sparsity (published: 50 % sparsity at ~99 % of base quality without fine-tuning).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ._common import Result, batches, find_units, record_outputs


def _check_fraction(v: Any, name: str, closed_high: bool = False) -> None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v and (v <= 1 if closed_high else v < 1)
    if not ok:
        raise ValueError(f"{name} must be a number in [0, {'1]' if closed_high else '1)'}; got {v!r}")


def accuracy(model: nn.Module, data: Any) -> float:
    """Classification accuracy (argmax of the last dim) over (x, y) data."""
    hits, total = 0, 0
    with torch.no_grad():
        for x, y in batches(data, 1024):
            hits += int((model(x).argmax(-1) == y).sum())
            total += len(y)
    return hits / total


# ---- CATS --------------------------------------------------------------------------------------


class CATSHandle:
    """Thresholds installed on a model's unit layers; ``remove()`` undoes them (also a context manager)."""

    def __init__(self, model: nn.Module, thresholds: dict[str, float], sparsity: float):
        self.thresholds, self.sparsity = thresholds, sparsity
        self._hooks = []
        for name, mod, _ in find_units(model):
            if name in thresholds:
                t = thresholds[name]
                self._hooks.append(mod.register_forward_hook(
                    lambda m, i, out, t=t: out * (out.abs() > t)))

    def remove(self) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks.clear()

    def __enter__(self) -> "CATSHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def cats(model: nn.Module, calibration: Any, sparsity: float = 0.5, batch_size: int | None = 512) -> CATSHandle:
    """Install CATS thresholds: per unit layer, t = the ``sparsity`` quantile of |a| on ``calibration``."""
    _check_fraction(sparsity, "sparsity")
    outs: dict[str, list[torch.Tensor]] = {}
    record_outputs(model, calibration, lambda n, m, i, o: outs.setdefault(n, []).append(o.abs().reshape(-1)),
                   batch_size)
    thresholds = {}
    for n, parts in outs.items():
        v = torch.cat(parts).double()
        thresholds[n] = float(torch.quantile(v[torch.randperm(len(v), generator=torch.Generator().manual_seed(0))[:1 << 24]]
                                             if len(v) > 1 << 24 else v, sparsity)) if sparsity > 0 else -1.0
    return CATSHandle(model, thresholds, sparsity)


@dataclasses.dataclass
class CATSCurve(Result):
    """Metric against the target sparsity of CATS thresholds (sparsity 0 = the unmodified model)."""

    sparsities: list[float]
    metric: list[float]
    measured_sparsity: list[float]   # fraction of zeros actually produced on the evaluation data

    def cost_at(self, sparsity: float) -> float:
        """Base metric minus the metric at ``sparsity`` (linear interpolation)."""
        return self.metric[0] - float(np.interp(sparsity, self.sparsities, self.metric))

    def _draw(self, ax: Any) -> None:
        ax.plot(self.sparsities, self.metric, marker="o")
        ax.set_xlabel("CATS target sparsity")
        ax.set_ylabel("metric")
        ax.set_title("CATS: metric vs sparsity", fontsize=9)


def cats_curve(model: nn.Module, calibration: Any, evaluation: Any,
               sparsities: tuple = (0.0, 0.25, 0.5, 0.7, 0.9),
               metric: Callable[[nn.Module, Any], float] = accuracy) -> CATSCurve:
    """Metric of ``model`` on ``evaluation`` with CATS at each target sparsity (calibrated on ``calibration``)."""
    vals, measured = [], []
    for s in sparsities:
        with cats(model, calibration, s):
            vals.append(float(metric(model, evaluation)))
            zeros, total = [0], [0]

            def count(n, m, i, o):
                zeros[0] += int((o == 0).sum())
                total[0] += o.numel()
            record_outputs(model, evaluation, count)
            measured.append(zeros[0] / max(total[0], 1))
    return CATSCurve([float(s) for s in sparsities], vals, measured)


# ---- CETT --------------------------------------------------------------------------------------


def _down_projections(model: nn.Module, data: Any) -> dict[str, nn.Linear]:
    """For each unit layer, the Linear module that consumes its output directly."""
    units = find_units(model)
    last_out: dict[int, str] = {}
    found: dict[str, nn.Linear] = {}
    hooks = []
    for name, mod, _ in units:
        hooks.append(mod.register_forward_hook(lambda m, i, o, name=name: last_out.__setitem__(id(o), name)))
    for lin in model.modules():
        if isinstance(lin, nn.Linear):
            def pre(m, inputs):
                n = last_out.get(id(inputs[0]))
                if n is not None:
                    found.setdefault(n, m)
            hooks.append(lin.register_forward_pre_hook(pre))
    try:
        with torch.no_grad():
            x, _ = next(iter(batches(data, 8)))
            model(x)
    finally:
        for h in hooks:
            h.remove()
    if not found:
        raise ValueError("cett needs unit layers whose output feeds an nn.Linear directly (an MLP or FFN); none found")
    return found


@dataclasses.dataclass
class CETTResult(Result):
    """Per unit layer: the threshold ε and the activation ratio at the CETT target."""

    target: float
    value: float                      # neuron-weighted mean activation ratio
    layers: dict[str, dict]           # name -> {"epsilon", "ratio", "cett"}
    curve: list[tuple[float, float, float]] = dataclasses.field(default_factory=list)  # (cett, ratio, metric)
    ratio_at_tolerance: float | None = None

    def _draw(self, ax: Any) -> None:
        if self.curve:
            c, r, _ = zip(*self.curve)
            ax.plot(c, r, marker="o")
            ax.set_xlabel("CETT")
            ax.set_ylabel("activation ratio")
        else:
            ax.bar(list(self.layers), [d["ratio"] for d in self.layers.values()])
            ax.set_ylabel("activation ratio")
        ax.set_title(f"CETT activation ratio (target {self.target:g}): {self.value:.3f}", fontsize=9)


def _cett_at(a: torch.Tensor, W: torch.Tensor, c: torch.Tensor, eps: float) -> float:
    full = a @ W.T
    tail = (a * (c < eps)) @ W.T
    norm = full.norm(dim=-1)
    keep = norm > 0
    return float((tail.norm(dim=-1)[keep] / norm[keep]).mean()) if keep.any() else 0.0


def _thresholds(acts: dict[str, torch.Tensor], downs: dict[str, nn.Linear], target: float) -> dict[str, dict]:
    out = {}
    for n, a in acts.items():
        W = downs[n].weight.detach().double()
        c = a.abs() * W.norm(dim=0)
        lo, hi = 0.0, float(c.max()) * (1 + 1e-9) + 1e-300
        for _ in range(50):   # CETT(ε) is non-decreasing in ε
            mid = (lo + hi) / 2
            if _cett_at(a, W, c, mid) <= target:
                lo = mid
            else:
                hi = mid
        out[n] = {"epsilon": lo, "ratio": float((c >= lo).double().mean()), "cett": _cett_at(a, W, c, lo),
                  "units": a.shape[-1]}
    return out


def cett(model: nn.Module, data: Any, target: float = 0.2, metric: Callable[[nn.Module, Any], float] | None = None,
         tolerance: float = 0.01, targets: tuple = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5), higher_is_better: bool = False,
         batch_size: int | None = 512) -> CETTResult:
    """Activation ratio at CETT = ``target`` (per layer and neuron-weighted overall).

    With ``metric(model, data)`` (a loss by default: lower is better), also sweeps ``targets`` with the
    truncation applied and reports the activation ratio at the largest CETT whose metric stays within
    ``tolerance`` × |base| of the untruncated model ("PPL-1 %" of the paper when the metric is perplexity)."""
    _check_fraction(target, "target")
    downs = _down_projections(model, data)
    acts: dict[str, list[torch.Tensor]] = {}

    def keep(n, m, i, o):
        if n in downs:
            acts.setdefault(n, []).append(o.reshape(-1, o.shape[-1]).double())
    record_outputs(model, data, keep, batch_size)
    acts_cat = {n: torch.cat(v) for n, v in acts.items()}
    layers = _thresholds(acts_cat, downs, target)
    value = sum(d["ratio"] * d["units"] for d in layers.values()) / sum(d["units"] for d in layers.values())
    res = CETTResult(float(target), float(value), layers)
    if metric is not None:
        base = float(metric(model, data))
        for t in targets:
            th = _thresholds(acts_cat, downs, t)
            hooks = []
            for name, mod, _ in find_units(model):
                if name in th:
                    W = downs[name].weight.detach()
                    colnorm = W.norm(dim=0)
                    eps = th[name]["epsilon"]
                    hooks.append(mod.register_forward_hook(
                        lambda m, i, o, cn=colnorm, e=eps: o * ((o.abs() * cn.to(o.dtype)) >= e)))
            try:
                val = float(metric(model, data))
            finally:
                for h in hooks:
                    h.remove()
            ratio = sum(d["ratio"] * d["units"] for d in th.values()) / sum(d["units"] for d in th.values())
            res.curve.append((float(t), float(ratio), val))
        worse = [(c, r) for c, r, v in res.curve
                 if (base - v if higher_is_better else v - base) <= tolerance * abs(base)]
        res.ratio_at_tolerance = min(r for _, r in worse) if worse else None
    return res
