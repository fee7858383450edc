"""Dendritic and sparse units: active dendrites (context-gated units) and k-winners-take-all."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import check_choice, check_params

GATINGS = ("absolute_max", "max_gate", "bias")


def _check_float(x, unit: str, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"'{unit}' expects {name} to be a torch.Tensor; got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"'{unit}' expects a floating-point {name}; got {x.dtype}. Convert with .float().")


def _sparse_mask(shape, sparsity: float, gen: torch.Generator) -> Tensor:
    """Fixed random mask with round(sparsity·fan_in) zeros per output row (last dim is the fan-in)."""
    fan_in = shape[-1]
    n_zero = int(round(sparsity * fan_in))
    scores = torch.rand(*shape, generator=gen)
    mask = torch.ones(*shape)
    if n_zero:
        idx = scores.topk(n_zero, dim=-1).indices
        mask.scatter_(-1, idx, 0.0)
    return mask


@register(
    "active_dendrites", kind="neuron", family="dendritic",
    formula=(r"\hat y=Wx+b,\ d_{j}=U_j c,\ j^*=\arg\max_j|d_j|,\ y=\hat y\odot\mathrm{sigmoid}(d_{j^*})"),
    reference=ref("Avoiding Catastrophe: Active Dendrites Enable Multi-Task Learning in Dynamic Environments",
                  "2201.00042", 2022, authors="Iyer, Grewal, Velu, Souza, Forest, Ahmad",
                  venue="Frontiers in Neurorobotics"),
    properties=dict(stateful=False, elementwise=False),
    params=dict(num_segments=P(1, None, kind="int", doc="dendritic segments per unit"),
                dim_context=P(1, None, kind="int", doc="size of the context vector c"),
                weight_sparsity=P(0.0, 1.0, open_high=True, doc="fraction of zero feed-forward weights (fixed mask)"),
                dendrite_sparsity=P(0.0, 1.0, open_high=True, doc="fraction of zero segment weights (fixed mask)"),
                gating=P(choices=GATINGS, doc="absolute_max gate (default), max_gate, or additive bias"),
                seed=P(0, 2**63 - 1, kind="int", doc="seed of the sparsity masks")),
    positional=2,
)
class ActiveDendrites(nn.Module):
    """A layer of units with active dendritic segments that modulate the feed-forward response by context.

    ŷ = W x + b (optionally sparse); each unit has s segments U_j ∈ R^{dim_context}: d_j = U_j·c.
    absolute_max: y = ŷ ⊙ sigmoid(d_{j*}), j* = argmax_j |d_j| (the default of Iyer et al.);
    max_gate: y = ŷ ⊙ sigmoid(max_j d_j); bias: y = ŷ + max_j d_j.
    Feed-forward weights use nn.Linear's initialisation; segments U(−1/√c, 1/√c) (masked by the
    sparsity).  Paper: "Avoiding Catastrophe: Active Dendrites Enable Multi-Task Learning in
    Dynamic Environments", Iyer et al., Front. Neurorobot. 2022, arXiv 2201.00042.
    Call as ``layer(x, context=c)`` with x (B, T, in) or (B, in) and c (B, dim_context) or
    (B, T, dim_context); stateless (the returned state is None).
    """

    _unit = "active_dendrites"

    def __init__(self, input_size: int, output_size: int, num_segments: int = 10, dim_context: int = 10,
                 weight_sparsity: float = 0.0, dendrite_sparsity: float = 0.0, gating: str = "absolute_max",
                 seed: int = 0):
        super().__init__()
        for name, v in (("input_size", input_size), ("output_size", output_size)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"'{self._unit}': {name} must be a positive integer; got {v!r}")
        check_params(self._unit, num_segments=num_segments, dim_context=dim_context,
                     weight_sparsity=weight_sparsity, dendrite_sparsity=dendrite_sparsity, gating=gating, seed=seed)
        self.input_size, self.output_size = input_size, output_size
        self.num_segments, self.dim_context, self.gating = num_segments, dim_context, gating
        self.linear = nn.Linear(input_size, output_size)
        bound = 1.0 / math.sqrt(dim_context)
        self.segments = nn.Parameter(torch.empty(output_size, num_segments, dim_context).uniform_(-bound, bound))
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("weight_mask", _sparse_mask((output_size, input_size), weight_sparsity, g))
        self.register_buffer("segment_mask", _sparse_mask((output_size, num_segments, dim_context),
                                                          dendrite_sparsity, g))

    def initial_state(self, batch_size, device=None, dtype=None):
        return None

    def forward(self, x: Tensor, state=None, timespans=None, context: Tensor | None = None):
        _check_float(x, self._unit, "x")
        if x.shape[-1] != self.input_size or x.dim() not in (2, 3):
            raise ValueError(f"'{self._unit}' expects x of shape (B, T, {self.input_size}) or (B, {self.input_size}); "
                             f"got {tuple(x.shape)}")
        if context is None:
            raise ValueError(f"'{self._unit}' needs a context: layer(x, context=c) with c (B, {self.dim_context}) "
                             f"or (B, T, {self.dim_context})")
        _check_float(context, self._unit, "context")
        if context.shape[-1] != self.dim_context or context.shape[0] != x.shape[0]:
            raise ValueError(f"'{self._unit}': context must have shape (B, {self.dim_context}) or "
                             f"(B, T, {self.dim_context}) with B = {x.shape[0]}; got {tuple(context.shape)}")
        if x.dim() == 3 and context.dim() == 2:
            context = context[:, None, :]
        y_hat = nn.functional.linear(x, self.linear.weight * self.weight_mask, self.linear.bias)
        d = torch.einsum("...c,usc->...us", context, self.segments * self.segment_mask)  # (..., units, segments)
        if self.gating == "absolute_max":
            idx = d.abs().argmax(-1, keepdim=True)
            y = y_hat * torch.sigmoid(d.gather(-1, idx)[..., 0])
        elif self.gating == "max_gate":
            y = y_hat * torch.sigmoid(d.max(-1).values)
        else:
            y = y_hat + d.max(-1).values
        return y, None

    def step(self, x_t: Tensor, state=None, context: Tensor | None = None):
        return self.forward(x_t, context=context)


@register(
    "kwinners", aliases=("k_winners", "kwta"), kind="neuron", family="dendritic",
    formula=(r"y_i=x_i\,[\,i\in\mathrm{top}_k(x\odot e^{\beta(a^*-a)})\,],\ "
             r"a\leftarrow\frac{a\,(P-B)+\sum_{\mathrm{batch}}[y\neq 0]}{P}"),
    reference=ref("How Can We Be So Dense? The Benefits of Using Highly Sparse Representations", "1903.11257",
                  2019, authors="Ahmad, Scheinkman"),
    properties=dict(stateful=True, elementwise=False, piecewise_linear=True),
    params=dict(percent_on=P(0.0, 1.0, open_low=True, doc="fraction k/n of winners"),
                k_inference_factor=P(0.0, None, open_low=True, doc="k at inference = k · factor"),
                boost_strength=P(0.0, None, doc="boost β (0: no boosting)"),
                boost_strength_factor=P(0.0, 1.0, doc="β multiplied by this at update_boost_strength()"),
                duty_cycle_period=P(1, None, kind="int", doc="averaging period P of the duty cycles")),
    positional=1,
)
class KWinners(nn.Module):
    """k-winners-take-all with boosting by duty cycles (Numenta's k-WTA).

    In each row of n units, keep the k = round(percent_on · n) units with the largest *boosted*
    activity x·exp(β (a* − a)) (a: each unit's duty cycle, a* = k/n its target) and output their
    un-boosted values; zero the rest.  In training the duty cycles are the running fraction of
    rows in which each unit's output was positive, averaged over min(P, rows seen) rows; β decays
    by ``boost_strength_factor`` at each :meth:`update_boost_strength` (call it once per epoch).
    At inference k is ⌊k · k_inference_factor⌋ (at most n).  Exactly k units win per row (ties
    broken by index).  Defaults are those of Numenta's ``nupic.torch.modules.KWinners``
    (numenta/nupic.torch, ``k_winners.py``): k_inference_factor = 1.5, boost_strength = 1.0,
    boost_strength_factor = 0.9, duty_cycle_period = 1000.  The
    duty cycles are a state across presentations (buffers, like BatchNorm statistics), so the unit
    is registered as kind 'neuron'; it is stateless over time steps (returned state None).
    Paper: "How Can We Be So Dense? The Benefits of Using Highly Sparse Representations",
    Ahmad & Scheinkman, 2019, arXiv 1903.11257.
    """

    _unit = "kwinners"

    def __init__(self, input_size: int, output_size: int | None = None, percent_on: float = 0.1,
                 k_inference_factor: float = 1.5, boost_strength: float = 1.0, boost_strength_factor: float = 0.9,
                 duty_cycle_period: int = 1000):
        super().__init__()
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ParameterError(f"'kwinners': input_size must be a positive integer; got {input_size!r}")
        if output_size is not None and output_size != input_size:
            raise ParameterError(f"'kwinners' keeps the width: output_size must equal input_size ({input_size}); "
                                 f"got {output_size!r}")
        check_params(self._unit, percent_on=percent_on, k_inference_factor=k_inference_factor,
                     boost_strength=boost_strength, boost_strength_factor=boost_strength_factor,
                     duty_cycle_period=duty_cycle_period)
        self.input_size = self.output_size = input_size
        self.k = max(1, int(round(percent_on * input_size)))
        # Numenta: int(k · factor), i.e. rounded down
        self.k_inference = min(input_size, max(1, int(self.k * k_inference_factor)))
        self.k_inference_factor = float(k_inference_factor)
        self.percent_on = percent_on
        self.boost_strength, self.boost_strength_factor = float(boost_strength), float(boost_strength_factor)
        self.duty_cycle_period = duty_cycle_period
        self.register_buffer("duty_cycle", torch.zeros(input_size))
        self.register_buffer("learning_iterations", torch.zeros((), dtype=torch.long))

    def initial_state(self, batch_size, device=None, dtype=None):
        return None

    def update_boost_strength(self) -> None:
        self.boost_strength *= self.boost_strength_factor

    def forward(self, x: Tensor, state=None, timespans=None):
        _check_float(x, self._unit, "x")
        if x.dim() == 0 or x.shape[-1] != self.input_size:
            raise ValueError(f"'kwinners' expects a tensor of shape (..., {self.input_size}); got {tuple(x.shape)}")
        rows = x.reshape(-1, self.input_size)
        k = self.k if self.training else self.k_inference
        if self.boost_strength > 0:
            target = self.k / self.input_size
            boosted = rows.detach() * torch.exp((target - self.duty_cycle) * self.boost_strength)
        else:
            boosted = rows.detach()
        idx = boosted.topk(k, dim=-1).indices
        mask = torch.zeros_like(rows).scatter_(-1, idx, 1.0)
        y = rows * mask
        if self.training and rows.shape[0] > 0:  # an empty batch carries no activity to average
            with torch.no_grad():
                n = rows.shape[0]
                self.learning_iterations += n
                period = min(self.duty_cycle_period, int(self.learning_iterations))
                active = (y > 0).sum(0, dtype=self.duty_cycle.dtype)  # Numenta counts positive outputs
                self.duty_cycle.mul_(max(period - n, 0)).add_(active).div_(max(period, n))
        return y.reshape(x.shape), None

    def step(self, x_t: Tensor, state=None):
        return self.forward(x_t)
