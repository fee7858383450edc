"""Effective nonlinearity: how much of a trained network survives when its late units are made linear.

After Ali Mehmeti-Göpel & Disselhoff, "Nonlinear Advantage: Trained Networks Might Not Be As Complex
as You Think", arXiv 2211.17180 (ICML 2023).  The paper linearises feature channels (PReLU slopes
pushed to 1 under a sparsity prior) and finds that after training many nonlinear units can be made
linear at little cost; the remaining nonlinear units form a core network.  This probe asks the
layer-wise version of that question without retraining: with the network's unit layers 1..K in
forward order, for every depth d = 0..K the units of layers d+1..K are replaced by an affine map per
channel, fixed on a calibration set, and the network is evaluated:

* ``mode="fit"`` (default) — the least-squares affine fit of the unit on its own pre-activations:
  slope = Cov(z, f(z)) / Var(z), offset = E f(z) − slope·E z, per channel (the best linear stand-in
  for that channel on the data; 1·z for a linear unit, about 0.5·z + c for ReLU on centred inputs);
* ``mode="mean"`` — the tangent at the channel's mean pre-activation: f(μ) + f'(μ)(z − μ).

d = K is the original network; d = 0 a fully linearised network (an affine function of the input).
Per depth it reports the accuracy, the *agreement* with the original network's predictions (the
fraction of inputs on which the argmax is unchanged; for regression outputs the R² of the outputs)
and the accuracy retained relative to the original.  Beside it, a purely linear model — least
squares from the input to the network's outputs — says how much a linear model explains.  The
paper's finding, reproduced in sign on digits: late layers linearise at little cost, early ones do
not (agreement falls as d goes to 0).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from ._common import Result, batches, channels_last, default_channel_dim, find_units, mean_ci, record_outputs, unit_derivative

_MODES = ("fit", "mean")


@dataclasses.dataclass
class NonlinearAdvantageResult(Result):
    """Per depth d (units after layer d made affine): accuracy, agreement with the original, R²."""

    mode: str
    layers: list[str]                 # unit layers in forward order
    depths: list[int]                 # 0..K: number of unit layers kept nonlinear
    accuracy: list[float]             # accuracy at each depth (NaN without labels)
    agreement: list[float]            # fraction of unchanged argmax predictions (classification)
    agreement_ci: list[tuple[float, float]]
    output_r2: list[float]            # R² of the outputs against the original outputs
    linear_model_accuracy: float      # least-squares linear model from input to outputs
    linear_model_agreement: float
    linear_model_r2: float

    @property
    def value(self) -> float:
        """Agreement with only the first unit layer kept nonlinear (d = 1): how much of the network
        one nonlinear layer explains."""
        return self.agreement[1] if len(self.agreement) > 1 else self.agreement[0]

    @property
    def retained(self) -> list[float]:
        """Accuracy at each depth relative to the original network's."""
        base = self.accuracy[-1]
        return [a / base if base > 0 else float("nan") for a in self.accuracy]

    def _draw(self, ax: Any) -> None:
        d = np.asarray(self.depths)
        ax.plot(d, self.agreement, "o-", label="agreement with the network")
        if np.isfinite(self.accuracy).all():
            ax.plot(d, self.accuracy, "s-", label="accuracy")
        ax.axhline(self.linear_model_agreement, color="k", ls="--", label="linear model (agreement)")
        ax.set_xticks(d)
        ax.set_xlabel("unit layers kept nonlinear (the later ones made affine)")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"nonlinear advantage ({self.mode} linearisation)", fontsize=9)
        ax.legend(fontsize=7)


def _pre_activation_stats(model: nn.Module, data: Any, units: list, mode: str, batch_size: int | None,
                          layout: dict[str, tuple[int, int]]) -> list:
    """Per unit layer and channel: (slope, offset) of its affine stand-in, from the calibration data."""
    sums: dict[str, dict[str, torch.Tensor]] = {}

    def reduce(name, _mod, z, output):
        cd = default_channel_dim(model, output)
        zc = channels_last(z.to(torch.float64), cd)
        fc = channels_last(output.to(torch.float64), cd)
        s = sums.setdefault(name, {k: torch.zeros(zc.shape[1], dtype=torch.float64)
                                   for k in ("n", "z", "f", "zz", "zf")})
        s["n"] += len(zc)
        s["z"] += zc.sum(0)
        s["f"] += fc.sum(0)
        s["zz"] += (zc * zc).sum(0)
        s["zf"] += (zc * fc).sum(0)

    record_outputs(model, data, reduce, batch_size, units)
    out = []
    for name, mod, _ in units:
        s = sums[name]
        n = s["n"]
        mz, mf = s["z"] / n, s["f"] / n
        if mode == "fit":
            var = s["zz"] / n - mz * mz
            cov = s["zf"] / n - mz * mf
            slope = torch.where(var > 1e-12 * (1 + mz * mz), cov / var.clamp_min(1e-300), torch.zeros_like(var))
            offset = mf - slope * mz
        else:
            dtype = next((q.dtype for q in mod.parameters()), torch.get_default_dtype())
            # the unit in its own layout: channels on dim 1 of conv maps, last otherwise
            ndim, cd = layout[name]
            shape = [1] * ndim
            shape[cd % ndim] = -1
            probe = mz.to(dtype).reshape(shape)
            with torch.no_grad():
                fmu = mod(probe).to(torch.float64).reshape(-1)
            slope = unit_derivative(mod, probe).to(torch.float64).reshape(-1)
            offset = fmu - slope * mz
        out.append((slope, offset))
    return out


class _Affine(nn.Module):
    """z ↦ slope·z + offset per channel (channel dim 1 for conv maps, last dim for (N, C) and (B, T, C))."""

    def __init__(self, slope: torch.Tensor, offset: torch.Tensor, channel_dim: int):
        super().__init__()
        self.slope, self.offset, self.channel_dim = slope, offset, channel_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        shape = [1] * z.dim()
        cd = self.channel_dim % z.dim()
        shape[cd] = -1
        return (z * self.slope.to(z.dtype).reshape(shape) + self.offset.to(z.dtype).reshape(shape))


def _evaluate(model: nn.Module, data: Any, batch_size: int | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    outs, ys = [], []
    with torch.no_grad():
        for x, y in batches(data, batch_size):
            outs.append(model(x).to(torch.float64))
            if y is not None:
                ys.append(y)
    return torch.cat(outs), (torch.cat(ys) if ys else None)


def _r2(pred: torch.Tensor, ref: torch.Tensor) -> float:
    ss_res = float(((pred - ref) ** 2).sum())
    ss_tot = float(((ref - ref.mean(0)) ** 2).sum())
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else float("nan"))


def nonlinear_advantage(model: nn.Module, data: Any, calibration: Any = None, mode: str = "fit",
                        batch_size: int | None = 512) -> NonlinearAdvantageResult:
    """Linearise the unit layers of ``model`` from every depth on; report what survives on ``data``.

    ``data`` is (x, y) (labels give accuracy; without them only agreement and R²); the affine
    stand-ins are fitted on ``calibration`` (default: ``data``)."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(_MODES)}; got {mode!r}")
    calibration = data if calibration is None else calibration
    units = find_units(model)
    # (ndim, channel dim) of each unit's output, from one calibration batch
    layout: dict[str, tuple[int, int]] = {}
    def note(m, i, o, name):   # returns None: the output is left as it is
        layout.setdefault(name, (o.dim(), default_channel_dim(model, o)))

    hooks = [mod.register_forward_hook(lambda m, i, o, name=name: note(m, i, o, name)) for name, mod, _ in units]
    was = model.training
    try:
        with torch.no_grad():
            model.eval()
            model(next(iter(batches(calibration, 8)))[0])
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    stats = _pre_activation_stats(model, calibration, units, mode, batch_size, layout)
    model.eval()
    ref, y = _evaluate(model, data, batch_size)
    classify = ref.dim() == 2 and ref.shape[1] > 1
    ref_pred = ref.argmax(1) if classify else None

    K = len(units)
    acc, agr, agr_ci, r2 = [], [], [], []
    for depth in range(K + 1):
        swapped = [(mod, _Affine(*stats[k], layout[name][1])) for k, (name, mod, _) in enumerate(units) if k >= depth]
        handles = [mod.register_forward_hook(lambda m, i, o, aff=aff: aff(i[0])) for mod, aff in swapped]
        try:
            out, _ = _evaluate(model, data, batch_size)
        finally:
            for h in handles:
                h.remove()
        r2.append(_r2(out, ref))
        if classify:
            same = (out.argmax(1) == ref_pred).double().numpy()
            m, lo, hi = mean_ci(same)
            agr.append(m)
            agr_ci.append((lo, hi))
            acc.append(float((out.argmax(1) == y).double().mean()) if y is not None else float("nan"))
        else:
            agr.append(r2[-1])
            agr_ci.append((r2[-1], r2[-1]))
            acc.append(float("nan"))

    # a linear model of the whole network: least squares from the (flattened) input to its outputs
    xs = torch.cat([x.reshape(len(x), -1).to(torch.float64) for x, _ in batches(calibration, batch_size)])
    cal_out, _ = _evaluate(model, calibration, batch_size)
    X1 = torch.cat([xs, torch.ones(len(xs), 1, dtype=torch.float64)], 1)
    coef = torch.linalg.lstsq(X1, cal_out.reshape(len(cal_out), -1), driver="gelsd").solution
    xe = torch.cat([x.reshape(len(x), -1).to(torch.float64) for x, _ in batches(data, batch_size)])
    lin = (torch.cat([xe, torch.ones(len(xe), 1, dtype=torch.float64)], 1) @ coef).reshape(ref.shape)
    lin_r2 = _r2(lin, ref)
    if classify:
        lin_agr = float((lin.argmax(1) == ref_pred).double().mean())
        lin_acc = float((lin.argmax(1) == y).double().mean()) if y is not None else float("nan")
    else:
        lin_agr, lin_acc = lin_r2, float("nan")
    model.train(was)
    return NonlinearAdvantageResult(mode, [n for n, _, _ in units], list(range(K + 1)), acc, agr, agr_ci, r2,
                                    lin_acc, lin_agr, lin_r2)
