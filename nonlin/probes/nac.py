"""Out-of-distribution scores: neuron activation coverage (NAC-UE), max-softmax and energy.

* :func:`max_softmax` — max_k softmax(f(x))_k (Hendrycks & Gimpel, arXiv 1610.02136).
* :func:`energy` — log Σ_k exp(f_k(x)), the negative free energy (Liu et al., arXiv 2010.03759).
* :func:`nac` — NAC-UE of Liu et al., "Neuron Activation Coverage: Rethinking Out-of-distribution
  Detection and Generalization", arXiv 2306.02879.  The *state* of neuron i for input x is
  ŝ_i(x) = σ(β · z_i(x) · ∂KL(u ‖ softmax(f(x))) / ∂z_i), with u the uniform distribution over classes
  and z_i the unit's output.  On in-distribution data the states are histogrammed per neuron into M
  bins of [0, 1]; the coverage of a state is Φ(s) = min(p̂(s) / r, 1), p̂ the estimated density of
  the ID states at s (bin frequency × M), so a neuron state is fully covered where the ID density
  reaches r.  The score of x is the mean coverage over the neurons of all unit layers (higher = more
  in-distribution).  Defaults M = 50, r = 1, β = 1 per layer.

:func:`ood_scores` compares them by AUROC on in- vs out-of-distribution inputs (their independent
CIFAR-10 rerun reports AUROC 88.74 for NAC-UE vs 91.41 for max-softmax).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from ._common import Result, batches, find_units


def max_softmax(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Maximum softmax probability per input (higher = more in-distribution)."""
    with torch.no_grad():
        return model(x).softmax(-1).amax(-1)


def energy(model: nn.Module, x: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """T · logsumexp(f(x) / T) per input (higher = more in-distribution)."""
    with torch.no_grad():
        return temperature * torch.logsumexp(model(x) / temperature, -1)


def _states(model: nn.Module, x: torch.Tensor, beta: float) -> dict[str, torch.Tensor]:
    """Neuron states σ(β · z ⊙ ∂KL(u‖p)/∂z) of every unit layer, (N, neurons) each."""
    units = find_units(model)
    outs: dict[str, torch.Tensor] = {}
    hooks = [mod.register_forward_hook(lambda m, i, o, n=name: outs.__setitem__(n, o)) for name, mod, _ in units]
    try:
        with torch.enable_grad():
            logits = model(x)
            logp = logits.log_softmax(-1)
            k = logits.shape[-1]
            # KL(u || p) = sum_k u_k (log u_k - log p_k), summed over the batch (samples are independent)
            kl = (-(logp.sum(-1) / k) - np.log(k)).sum()
            grads = torch.autograd.grad(kl, [outs[n] for n, _, _ in units])
    finally:
        for h in hooks:
            h.remove()
    return {n: torch.sigmoid(beta * outs[n].detach() * g).reshape(len(x), -1)
            for (n, _, _), g in zip(units, grads)}


@dataclasses.dataclass
class NACModel:
    """Per-layer, per-neuron histograms of in-distribution neuron states."""

    bins: int
    r: float
    beta: float
    hist: dict[str, torch.Tensor]     # (neurons, bins) fraction of ID samples per bin

    def score(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Mean neuron activation coverage of each input (higher = more in-distribution)."""
        st = _states(model, x, self.beta)
        total = torch.zeros(len(x), dtype=torch.float64)
        count = 0
        for n, h in self.hist.items():
            idx = (st[n] * self.bins).long().clamp(0, self.bins - 1)           # (N, neurons)
            p = torch.gather(h.T.expand(len(x), -1, -1), 1, idx.unsqueeze(1)).squeeze(1)  # (N, neurons)
            total += (p * self.bins / self.r).clamp(max=1.0).double().sum(-1)
            count += h.shape[0]
        return total / count


def nac(model: nn.Module, data: Any, bins: int = 50, r: float = 1.0, beta: float = 1.0) -> NACModel:
    """Fit NAC-UE histograms on in-distribution ``data``; use ``.score(model, x)`` on new inputs."""
    if not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2; got {bins!r}")
    if not r > 0:
        raise ValueError(f"r must be > 0; got {r!r}")
    counts: dict[str, torch.Tensor] = {}
    n = 0
    for x, _ in batches(data, 512):
        for name, s in _states(model, x, beta).items():
            idx = (s * bins).long().clamp(0, bins - 1)
            c = torch.zeros(s.shape[1], bins)
            c.scatter_add_(1, idx.T, torch.ones_like(idx.T, dtype=torch.float32))
            counts[name] = counts[name] + c if name in counts else c
        n += len(x)
    return NACModel(bins, r, beta, {k: v / n for k, v in counts.items()})


def auroc(pos: torch.Tensor, neg: torch.Tensor) -> float:
    """P(score of a positive > score of a negative), ties counted half (Mann–Whitney)."""
    pos, neg = pos.double().ravel(), neg.double().ravel()
    greater = (pos[:, None] > neg[None, :]).double().mean()
    ties = (pos[:, None] == neg[None, :]).double().mean()
    return float(greater + 0.5 * ties)


@dataclasses.dataclass
class OODResult(Result):
    """AUROC of each score for in- (positive) vs out-of-distribution inputs."""

    auroc: dict[str, float]

    @property
    def value(self) -> float:
        return self.auroc["nac"]

    def _draw(self, ax: Any) -> None:
        ax.bar(list(self.auroc), list(self.auroc.values()), color="tab:purple")
        ax.set_ylim(0.5, 1)
        ax.set_ylabel("AUROC (ID vs OOD)")


def ood_scores(model: nn.Module, fit_data: Any, x_in: torch.Tensor, x_out: torch.Tensor, **nac_options) -> OODResult:
    """AUROC of NAC-UE (fitted on ``fit_data``), max-softmax and energy for ``x_in`` vs ``x_out``."""
    model.eval()
    fitted = nac(model, fit_data, **nac_options)
    return OODResult({
        "nac": auroc(fitted.score(model, x_in), fitted.score(model, x_out)),
        "max_softmax": auroc(max_softmax(model, x_in), max_softmax(model, x_out)),
        "energy": auroc(energy(model, x_in), energy(model, x_out)),
    })
