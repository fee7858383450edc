"""Universality of neurons across seeds: which units of one network have a counterpart in another.

Gurnee et al., "Universal Neurons in GPT2 Language Models", arXiv 2401.12181 (TMLR 2024).  For
models a, b trained from different seeds, with activations of neuron i of a and neuron j of b over
the same inputs, the Pearson correlation ρ_ij is computed for every pair; neuron i's score against
model b is max_j ρ_ij (signed: a neuron and its negation are different features after a unit).
With several other models the score is the mean over them.  The paper's *baseline* applies a random
Gaussian rotation to the other model's neurons (the same subspace, no privileged basis) and takes
the same max; the *excess correlation* is score − baseline, and a neuron is **universal** when its
excess correlation exceeds 0.5 (the paper's threshold; 1–5 % of GPT2 neurons are universal).

Here every recorded unit layer is matched with the same layer of the other models (``match="layer"``,
the natural choice for MLPs of equal shape) or with all of their units (``match="all"``).  Neurons
that are constant on the data (dead ReLUs) have no correlation; they are left out of the fraction
and counted separately.  The fraction comes with a 95 % CI over the models taken in turn as the
reference (each against all the others); ``baseline_models`` (e.g. untrained networks of the same
architecture) adds the same analysis on them, the chance level of the *score* itself.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from ._common import Result, channels_last, default_channel_dim, find_units, mean_ci, record_outputs

THRESHOLD = 0.5   # excess correlation above which a neuron is universal (arXiv 2401.12181)
_MATCHES = ("layer", "all")


@dataclasses.dataclass
class LayerUniversality:
    """Per-neuron scores of one layer of the reference model (NaN for constant neurons)."""

    layer: str
    max_corr: list[float]        # mean over other models of max_j ρ_ij
    baseline: list[float]        # the same against randomly rotated neurons
    excess: list[float]          # max_corr − baseline
    value: float                 # fraction universal among non-constant neurons
    constant: int                # neurons constant on the data (left out)


@dataclasses.dataclass
class UniversalityResult(Result):
    """Fraction of universal neurons (excess correlation > threshold), with a CI over reference models."""

    value: float
    ci: tuple[float, float]
    per_model: list[float]               # fraction with each model as the reference
    threshold: float
    layers: list[LayerUniversality]      # detail with the first model as the reference
    baseline_value: float | None = None  # the same fraction among ``baseline_models``
    baseline_ci: tuple[float, float] | None = None
    baseline_max_corr: float | None = None   # mean max-correlation among baseline models
    mean_max_corr: float = math.nan          # mean max-correlation among the models

    def _draw(self, ax: Any) -> None:
        exc = np.concatenate([np.asarray(l.excess, dtype=float) for l in self.layers])
        mc = np.concatenate([np.asarray(l.max_corr, dtype=float) for l in self.layers])
        bl = np.concatenate([np.asarray(l.baseline, dtype=float) for l in self.layers])
        bins = np.linspace(-0.2, 1.0, 49)
        ax.hist(mc[np.isfinite(mc)], bins=bins, alpha=0.6, label="max correlation with other seeds")
        ax.hist(bl[np.isfinite(bl)], bins=bins, alpha=0.6, label="baseline (rotated neurons)")
        ax.hist(exc[np.isfinite(exc)], bins=bins, histtype="step", color="k", label="excess")
        ax.axvline(self.threshold, color="tab:red", ls="--")
        ax.set_xlabel("correlation")
        ax.set_ylabel("neurons")
        title = f"universal: {100 * self.value:.1f} % (95 % CI {100 * self.ci[0]:.1f}–{100 * self.ci[1]:.1f})"
        if self.baseline_value is not None:
            title += f"; baseline models {100 * self.baseline_value:.1f} %"
        ax.set_title(title, fontsize=8)
        ax.legend(fontsize=7)


def _standardise(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Columns centred and scaled to unit norm (so Zᵀ Z' is the correlation matrix); constant mask."""
    a = a.to(torch.float64)
    a = a - a.mean(0, keepdim=True)
    norm = a.norm(dim=0)
    const = norm <= 1e-12 * (1 + a.abs().amax(0))
    return a / torch.where(const, torch.ones_like(norm), norm), const


def max_correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """For each column i of ``a`` (samples × neurons), max_j corr(a_i, b_j) over the columns of ``b``;
    NaN where a_i is constant; constant columns of b are ignored."""
    za, ca = _standardise(a)
    zb, cb = _standardise(b)
    if len(za) != len(zb):
        raise ValueError(f"activations must cover the same samples; got {len(za)} and {len(zb)} rows")
    if bool(cb.all()):
        return torch.full((za.shape[1],), math.nan, dtype=torch.float64)
    corr = za.T @ zb[:, ~cb]
    out = corr.amax(1)
    return torch.where(ca, torch.full_like(out, math.nan), out)


def _rotate(b: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """b's neurons mixed by a random orthogonal matrix (QR of a Gaussian matrix, signs fixed so the
    rotation is Haar-distributed)."""
    n = b.shape[1]
    q, r = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)
    return b.to(torch.float64) @ q


def universality_of_activations(acts: Sequence[Sequence[torch.Tensor]], threshold: float = THRESHOLD,
                                match: str = "layer", names: Sequence[str] | None = None,
                                seed: int = 0) -> tuple[list[float], list[list[LayerUniversality]]]:
    """The analysis on recorded activations: ``acts[m][k]`` is layer k of model m (samples × neurons).

    Returns (fraction universal with each model as the reference, per-layer detail per reference)."""
    if match not in _MATCHES:
        raise ValueError(f"match must be one of {', '.join(_MATCHES)}; got {match!r}")
    if len(acts) < 2:
        raise ValueError(f"universality needs at least 2 models (different seeds); got {len(acts)}")
    n_layers = {len(a) for a in acts}
    if len(n_layers) != 1:
        raise ValueError(f"every model must have the same number of unit layers; got {sorted(n_layers)}")
    gen = torch.Generator().manual_seed(seed)
    names = list(names) if names is not None else [f"layer{k}" for k in range(len(acts[0]))]
    # one fixed rotation per (model, pool): the baseline is the same whichever model is the reference
    pools = [[a for a in model] if match == "layer" else [torch.cat([x.to(torch.float64) for x in model], 1)]
             for model in acts]
    rotated = [[_rotate(p, gen) for p in model] for model in pools]
    fractions, details = [], []
    for ref in range(len(acts)):
        layers, universal, counted = [], 0, 0
        for k, a in enumerate(acts[ref]):
            pk = k if match == "layer" else 0
            others = [o for o in range(len(acts)) if o != ref]
            mc = torch.stack([max_correlation(a, pools[o][pk]) for o in others]).mean(0)
            bl = torch.stack([max_correlation(a, rotated[o][pk]) for o in others]).mean(0)
            ex = mc - bl
            ok = torch.isfinite(ex)
            u = int((ex[ok] > threshold).sum())
            universal += u
            counted += int(ok.sum())
            layers.append(LayerUniversality(names[k], mc.tolist(), bl.tolist(), ex.tolist(),
                                            u / max(1, int(ok.sum())), int((~ok).sum())))
        fractions.append(universal / max(1, counted))
        details.append(layers)
    return fractions, details


def _activations(model: nn.Module, data: Any, batch_size: int | None) -> tuple[list[str], list[torch.Tensor]]:
    units = find_units(model)
    store: dict[str, list[torch.Tensor]] = {name: [] for name, _, _ in units}

    def reduce(name, mod, inp, out):
        store[name].append(channels_last(out, default_channel_dim(model, out)).to(torch.float64))

    record_outputs(model, data, reduce, batch_size=batch_size, units=units)
    names = [name for name, _, _ in units]
    return names, [torch.cat(store[n]) for n in names]


def universality(models: Sequence[nn.Module], data: Any, threshold: float = THRESHOLD, match: str = "layer",
                 baseline_models: Sequence[nn.Module] | None = None, batch_size: int | None = 512,
                 seed: int = 0) -> UniversalityResult:
    """Universal neurons across ``models`` (same architecture, different seeds) on ``data``.

    Every recorded unit output is a neuron (conv feature maps: one neuron per channel, positions as
    samples).  ``baseline_models`` (e.g. the same architectures untrained) get the same analysis."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not -1 <= threshold <= 2:
        raise ValueError(f"threshold must be a number in [-1, 2] (an excess correlation); got {threshold!r}")
    if match not in _MATCHES:
        raise ValueError(f"match must be one of {', '.join(_MATCHES)}; got {match!r}")
    models = list(models)
    if len(models) < 2:
        raise ValueError(f"universality needs at least 2 models (different seeds); got {len(models)}")
    recorded = [_activations(m, data, batch_size) for m in models]
    names = recorded[0][0]
    fractions, details = universality_of_activations([r[1] for r in recorded], threshold, match, names, seed)
    mean, lo, hi = mean_ci(fractions)
    mmc = float(np.nanmean(np.concatenate([l.max_corr for l in details[0]])))
    res = UniversalityResult(mean, (lo, hi), fractions, float(threshold), details[0], mean_max_corr=mmc)
    if baseline_models is not None:
        base = [_activations(m, data, batch_size)[1] for m in baseline_models]
        bf, bd = universality_of_activations(base, threshold, match, names, seed)
        res.baseline_value, blo, bhi = mean_ci(bf)
        res.baseline_ci = (blo, bhi)
        res.baseline_max_corr = float(np.nanmean(np.concatenate([l.max_corr for l in bd[0]])))
    return res
