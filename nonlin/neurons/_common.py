"""Shared pieces of the neuron models: input checks, the LeCun tanh, state handling."""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch
from torch import Tensor

from ..registry import ParameterError

# Upper bound of scale parameters that enter float32 arithmetic (thresholds, step sizes, gains):
# the library's choice, far above any published value, low enough that products with activations
# of order 1e6 stay finite in float32 (max 3.4e38).
F32_SAFE = 1e30
F32_TINY = 1e-30  # lower bound of a scale that is divided by (its inverse stays below F32_SAFE)

LECUN_A = 1.7159  # LeCun et al., "Efficient BackProp" (1998): 1.7159·tanh(2x/3)
LECUN_B = 2.0 / 3.0


def lecun_tanh(x: Tensor) -> Tensor:
    """φ(x) = 1.7159·tanh(2x/3), the scaled tanh used by ELM."""
    return LECUN_A * torch.tanh(LECUN_B * x)


def lecun_tanh_grad(x: Tensor) -> Tensor:
    t = torch.tanh(LECUN_B * x)
    return LECUN_A * LECUN_B * (1.0 - t * t)


def check_params(unit: str, **values: Any) -> None:
    """Check constructor arguments against the unit's declared parameters, before any work.

    Numbers must be real and finite (NaN and ±inf are rejected: no neuron parameter is
    meaningful at infinity), integers integral, and every value inside its declared range or
    choices.  Raises :class:`ParameterError` naming the unit, the parameter and what is allowed.
    Parameters declared ``kind="any"`` are checked by the unit itself.
    """
    from ..registry import spec  # the spec exists once the class is registered (import time)

    s = spec(unit)
    for name, value in values.items():
        p = s.param(name)
        if p.kind in ("float", "int"):
            what = "an integer" if p.kind == "int" else "a number"
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ParameterError(f"parameter '{name}' of '{unit}' must be {what} in {p.range_text()}; "
                                     f"got {type(value).__name__} {value!r}")
            if not math.isfinite(value):
                raise ParameterError(f"parameter '{name}' of '{unit}' must be a finite number in "
                                     f"{p.range_text()}; got {value!r}")
            if p.kind == "int" and not isinstance(value, numbers.Integral):
                raise ParameterError(f"parameter '{name}' of '{unit}' must be an integer in {p.range_text()}; "
                                     f"got {value!r}")
            value = int(value) if p.kind == "int" else float(value)
        p.check(value, unit)


def check_optional_int(value: Any, name: str, unit: str) -> None:
    """None or a positive integer (the ``kind="any"`` size parameters)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
        raise ParameterError(f"parameter '{name}' of '{unit}' must be None or a positive integer; got {value!r}")


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
