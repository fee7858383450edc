"""Shared pieces of the neuron models: input checks, the LeCun tanh, state handling."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..registry import ParameterError

LECUN_A = 1.7159  # LeCun et al., "Efficient BackProp" (1998): 1.7159·tanh(2x/3)
LECUN_B = 2.0 / 3.0


def lecun_tanh(x: Tensor) -> Tensor:
    """φ(x) = 1.7159·tanh(2x/3), the scaled tanh used by ELM."""
    return LECUN_A * torch.tanh(LECUN_B * x)


def lecun_tanh_grad(x: Tensor) -> Tensor:
    t = torch.tanh(LECUN_B * x)
    return LECUN_A * LECUN_B * (1.0 - t * t)


def check_sequence(x: Any, input_size: int, unit: str) -> None:
    """x must be a floating (B, T, input_size) tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"'{unit}' expects a torch.Tensor of shape (batch, time, {input_size}); got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"'{unit}' expects a floating-point tensor; got {x.dtype}. Convert with x.float().")
    if x.dim() != 3 or x.shape[-1] != input_size:
        raise ValueError(f"'{unit}' expects input of shape (batch, time, {input_size}); got {tuple(x.shape)}")


def check_step_input(x: Any, input_size: int, unit: str) -> None:
    if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
        raise TypeError(f"'{unit}'.step expects a floating-point tensor of shape (batch, {input_size})")
    if x.dim() != 2 or x.shape[-1] != input_size:
        raise ValueError(f"'{unit}'.step expects input of shape (batch, {input_size}); got {tuple(x.shape)}")


def no_timespans(timespans: Any, unit: str) -> None:
    if timespans is not None:
        raise ValueError(f"'{unit}' is a discrete-time model with a fixed step; timespans must be None "
                         "(continuous-time units that accept timespans: 'cfc', 'ltc')")


def check_choice(value: Any, name: str, choices: tuple, unit: str) -> Any:
    if value not in choices:
        raise ParameterError(f"parameter '{name}' of '{unit}' must be one of "
                             + ", ".join(repr(c) for c in choices) + f"; got {value!r}")
    return value


def timespan_tensor(timespans: Any, B: int, T: int, ref: Tensor, unit: str) -> Tensor:
    """Elapsed time per (batch, step) as a (B, T, 1) tensor; None means 1.0 per step."""
    if timespans is None:
        return torch.ones(B, T, 1, dtype=ref.dtype, device=ref.device)
    ts = torch.as_tensor(timespans, dtype=ref.dtype, device=ref.device)
    if ts.dim() == 0:
        ts = ts.expand(B, T)
    elif ts.dim() == 1 and ts.shape[0] == T:
        ts = ts[None, :].expand(B, T)
    elif ts.dim() == 3 and ts.shape[-1] == 1:
        ts = ts[..., 0]
    if ts.shape != (B, T):
        raise ValueError(f"'{unit}': timespans must be a scalar, (time,), (batch, time) or (batch, time, 1) "
                         f"matching batch={B}, time={T}; got {tuple(torch.as_tensor(timespans).shape)}")
    if bool((ts <= 0).any()):
        raise ValueError(f"'{unit}': timespans must be positive")
    return ts[..., None]
