"""Spectral bias: which frequencies a network learns first.

Rahaman et al., "On the Spectral Bias of Neural Networks", arXiv 1806.08734: fit
f(x) = Σ_i A_i sin(2π k_i x + φ_i) on n equispaced points of [0, 1) by full-batch Adam and track,
per target frequency k_i, the normalised residual |F[f − h]|(k_i) / |F[f]|(k_i) of the discrete
Fourier transform.  ReLU networks learn low frequencies first (the residual of k = 5 falls long before
that of k = 50); periodic units (sine/SIREN, Snake) and spline bases (KAN) flatten the order.

:func:`spectral_bias` returns the residual history, each frequency's *learning step* (first recorded
step with residual < ``threshold``; ``steps`` if never) and the **spectral order**: the Spearman
correlation between frequency and learning step (+1 = strictly low-to-high, 0 = no order), with a
95 % CI over ``seeds``.

The rank order saturates at +1 and cannot say *how much* later high frequencies come, nor compare units
that learn at different speeds.  The **spectral slope** does: per frequency the *learning time*
τ_k = ∫ min(r_k(t), 1) dt, the area under the clipped residual curve in steps (for an exponential decay
r_k = exp(−t/T_k) it is T_k; it needs no threshold and is finite for frequencies not learned yet, which
it under-states, so ReLU's slope is conservative), and the slope of the least-squares line of log τ_k
on log k.  0 = every frequency learned equally fast; ~2 is the k⁻² decay of a ReLU network's NTK
eigenvalues in 1-D.  :func:`compare` measures it for several units on the same seeds and gives each
unit's paired difference to a reference unit (ReLU) with a 95 % CI.  ``model`` may be any module mapping (N, 1) → (N, 1), or a unit name: then a
coordinate MLP (``nonlin.bench.models`` 'mlp', any unit kind incl. KAN) is built per seed.
"""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from torch import nn

from ._common import Result, mean_ci, one_thread


def coordinate_mlp(unit: str, width: int = 64, depth: int = 3, **unit_params) -> nn.Module:
    """A 1-D regression MLP (1 → width × depth → 1) around any registered unit, via the benchmark's builder."""
    from ..bench.models import build_model
    task = SimpleNamespace(name="spectral_bias", input_shape=(1,), num_outputs=1, output_kind="regression")
    return build_model("mlp", unit, task, width=width, depth=depth, unit_params=unit_params or None)


def sum_of_sines(n: int, freqs: tuple, amplitudes: tuple | None, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x on n equispaced points of [0, 1) and f(x) = Σ A_i sin(2π k_i x + φ_i), φ_i ~ U[0, 2π) from ``seed``."""
    g = np.random.default_rng(seed)
    amps = np.ones(len(freqs)) if amplitudes is None else np.asarray(amplitudes, dtype=float)
    phases = g.uniform(0, 2 * np.pi, len(freqs))
    x = np.arange(n) / n
    y = sum(a * np.sin(2 * np.pi * k * x + p) for a, k, p in zip(amps, freqs, phases))
    return torch.tensor(x, dtype=torch.float32)[:, None], torch.tensor(y, dtype=torch.float32)[:, None]


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = np.argsort(np.argsort(a, kind="stable"), kind="stable").astype(float)
    rb = _avg_rank(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt((ra @ ra) * (rb @ rb))
    return float(ra @ rb / den) if den > 0 else 0.0


def _avg_rank(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    r = np.empty(len(v))
    r[order] = np.arange(len(v), dtype=float)
    for val in np.unique(v):   # ties share the mean rank
        idx = v == val
        r[idx] = r[idx].mean()
    return r


@dataclasses.dataclass
class SpectralResult(Result):
    """Residual per frequency over training, learning steps and the spectral order."""

    freqs: list[int]
    steps: list[int]                      # recorded steps
    residual: list[list[list[float]]]     # [seed][record][freq]
    learned_at: list[list[int]]           # [seed][freq]
    order: list[float]                    # Spearman(freq, learned step) per seed
    value: float                          # mean order
    ci: tuple[float, float]
    learning_time: list[list[float]] = dataclasses.field(default_factory=list)  # [seed][freq] tau_k in steps
    slope: list[float] = dataclasses.field(default_factory=list)      # d log tau_k / d log k per seed
    slope_value: float = math.nan                                      # mean spectral slope
    slope_ci: tuple[float, float] = (math.nan, math.nan)
    final: list[list[float]] = dataclasses.field(default_factory=list)  # [seed][freq] residual at the last step

    def _draw(self, ax: Any) -> None:
        r = np.asarray(self.residual[0]).T
        im = ax.imshow(r, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                       extent=(self.steps[0], self.steps[-1], -0.5, len(self.freqs) - 0.5))
        ax.set_yticks(range(len(self.freqs)), [str(k) for k in self.freqs], fontsize=7)
        ax.set_xlabel("training step")
        ax.set_ylabel("frequency k")
        ax.figure.colorbar(im, ax=ax, label="normalised residual")
        ax.set_title(f"spectral order {self.value:.2f} (95% CI {self.ci[0]:.2f}-{self.ci[1]:.2f})", fontsize=9)


def spectral_bias(model: nn.Module | str, data: Any = None, freqs: tuple = (1, 3, 5, 7, 9), amplitudes: tuple | None = None,
                  steps: int = 1000, lr: float = 1e-3, record_every: int = 20, threshold: float = 0.5, n: int = 200,
                  seeds: int | tuple = 1, width: int = 64, depth: int = 3, unit_params: dict | None = None) -> SpectralResult:
    """Train on a sum of sines and report the per-frequency residual over training (see the module doc).

    ``data`` may be an (x, y) pair on n equispaced points of [0, 1) to use instead of the generated target
    (``freqs`` are then the DFT bins to track).  A module ``model`` is trained in place (one seed);
    a unit name builds a fresh coordinate MLP for each seed."""
    if isinstance(seeds, int):
        seeds = tuple(range(seeds))
    if not isinstance(steps, int) or steps < 1 or not isinstance(record_every, int) or record_every < 1:
        raise ValueError("steps and record_every must be positive integers")
    if not freqs or any((not isinstance(k, int)) or k < 1 for k in freqs):
        raise ValueError(f"freqs must be positive integers (cycles on [0, 1)); got {freqs!r}")
    if isinstance(model, nn.Module) and len(seeds) > 1:
        raise ValueError("a module can be trained for one seed only; pass a unit name to repeat over seeds")
    residuals, learned, orders, times, slopes, finals = [], [], [], [], [], []
    rec_steps: list[int] = []
    for seed in seeds:
        if data is None:
            if 2 * max(freqs) >= n:
                raise ValueError(f"n = {n} points cannot resolve frequency {max(freqs)} (need n > {2 * max(freqs)})")
            x, y = sum_of_sines(n, freqs, amplitudes, seed)
        else:
            x, y = data
        torch.manual_seed(seed)
        net = coordinate_mlp(model, width, depth, **(unit_params or {})) if isinstance(model, str) else model
        target_f = torch.fft.rfft(y[:, 0].double())
        ref = target_f[list(freqs)].abs()
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        hist, rec_steps = [], []
        for step in range(steps + 1):
            if step % record_every == 0 or step == steps:
                with torch.no_grad():
                    h = net(x)[:, 0].double()
                res = (torch.fft.rfft(y[:, 0].double() - h)[list(freqs)].abs() / ref).tolist()
                hist.append(res)
                rec_steps.append(step)
            if step == steps:
                break
            opt.zero_grad()
            loss = torch.mean((net(x) - y) ** 2)
            loss.backward()
            opt.step()
        r = np.asarray(hist)
        at = [int(rec_steps[int(np.argmax(r[:, j] < threshold))]) if (r[:, j] < threshold).any() else steps + record_every
              for j in range(len(freqs))]
        residuals.append(hist)
        learned.append(at)
        times.append(learning_time(rec_steps, r))
        slopes.append(_loglog_slope(freqs, times[-1]))
        finals.append(r[-1].tolist())
        orders.append(_spearman(np.asarray(freqs, dtype=float), np.asarray(at, dtype=float)))
    m, lo, hi = mean_ci(orders)
    sm, slo, shi = mean_ci(slopes)
    return SpectralResult(list(freqs), rec_steps, residuals, learned, orders, m, (lo, hi), times, slopes, sm,
                          (slo, shi), finals)


def learning_time(steps: list[int], residual: np.ndarray) -> list[float]:
    """τ_k = ∫ min(r_k(t), 1) dt over the recorded steps (trapezoid rule), one per frequency column."""
    r = np.minimum(np.asarray(residual, dtype=np.float64), 1.0)
    t = np.asarray(steps, dtype=np.float64)
    return (((r[1:] + r[:-1]) / 2) * np.diff(t)[:, None]).sum(0).tolist()


def _loglog_slope(freqs: tuple, times: list[float]) -> float:
    lk = np.log(np.asarray(freqs, dtype=np.float64))
    lt = np.log(np.maximum(np.asarray(times, dtype=np.float64), 1e-12))
    lk = lk - lk.mean()
    return float(lk @ (lt - lt.mean()) / (lk @ lk)) if lk @ lk > 0 else 0.0


@dataclasses.dataclass
class SpectralComparison(Result):
    """Spectral slope of several units on the same seeds, and each unit's paired difference to ``reference``.

    ``slope[u]`` = (mean, lo, hi) over seeds; ``difference[u]`` = (mean, lo, hi) of slope(u) − slope(reference)
    per seed (negative = a flatter order than the reference); ``learned[u]`` = fraction of (seed, frequency)
    pairs whose final residual is below the threshold (a unit that learns nothing is flat for the wrong
    reason: read the slope together with it)."""

    units: list[str]
    reference: str
    freqs: list[int]
    steps: int
    slope: dict[str, tuple[float, float, float]]
    difference: dict[str, tuple[float, float, float]]
    learned: dict[str, float]
    learning_time: dict[str, list[float]]          # mean tau_k over seeds per unit
    per_seed: dict[str, list[float]]

    def _draw(self, ax: Any) -> None:
        for u in self.units:
            m, lo, hi = self.slope[u]
            ax.loglog(self.freqs, self.learning_time[u], marker="o",
                      label=f"{u}: slope {m:.2f} [{lo:.2f}, {hi:.2f}]")
        ax.set_xlabel("frequency k (cycles on [0, 1))")
        ax.set_ylabel("learning time (steps)")
        ax.legend(fontsize=7)
        ax.set_title("spectral bias: learning time vs frequency (95% CI over seeds)", fontsize=9)


def compare(units: tuple = ("relu", "sine(w0=5)", "kan_bspline"), reference: str = "relu", seeds: int | tuple = 3,
            freqs: tuple = (1, 3, 5, 7, 9), steps: int = 400, lr: float = 2e-3, record_every: int = 10,
            width: int = 64, depth: int = 3, threshold: float = 0.5, n: int = 200) -> SpectralComparison:
    """Spectral slope of each unit (names, parameters as 'snake(a=10)') on the same seeds and targets.

    The reference unit is added if missing.  Every unit gets the same optimiser, learning rate and
    steps, so a unit that needs another learning rate shows it in ``learned``."""
    from .cli import parse_unit
    units = tuple(units)
    if reference not in units:
        units = (reference, *units)
    parsed = {u: parse_unit(u) for u in units}     # bad names fail here, before any training
    per_seed, times, learned = {}, {}, {}
    for u in units:
        name, params = parsed[u]
        with one_thread():
            res = spectral_bias(name, freqs=freqs, steps=steps, lr=lr, record_every=record_every, threshold=threshold,
                                n=n, seeds=seeds, width=width, depth=depth, unit_params=params)
        per_seed[u] = res.slope
        times[u] = np.mean(res.learning_time, axis=0).tolist()
        learned[u] = float((np.asarray(res.final) < threshold).mean())
    slope = {u: mean_ci(v) for u, v in per_seed.items()}
    diff = {u: mean_ci(np.asarray(per_seed[u]) - np.asarray(per_seed[reference])) for u in units if u != reference}
    return SpectralComparison(list(units), reference, list(freqs), steps, slope, diff, learned, times, per_seed)
