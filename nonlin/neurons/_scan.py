"""Linear recurrences over time, computed without a per-step Python loop over T.

Two scans are used by the neuron models:

* :func:`decayed_cumsum` — h_t = κ h_{t-1} + z_t with one scalar decay κ (the
  synapse / branch traces of ELM, the leaky integrators).  Differentiable by
  autograd.  Computed with two levels of lower-triangular Toeplitz products
  (κ^{i-j} inside chunks of length L, κ^{L(c-c')} across chunks): a few large
  matmuls and no division by κ^t, so nothing overflows for long T.
* :func:`diag_scan` — h_t = a_t ⊙ h_{t-1} + c_t with time-varying diagonal
  coefficients (the linear solve inside each quasi-DEER iteration).  No
  autograd (it runs inside a custom Function); a chunked two-level scan whose
  Python loops have about 2·sqrt(T) steps instead of T.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _toeplitz_powers(kappa: Tensor, n: int, step: int = 1) -> Tensor:
    """K[i, j] = κ^{step·(i-j)} for j <= i, else 0 (n x n)."""
    idx = torch.arange(n, device=kappa.device)
    diff = (idx[:, None] - idx[None, :]).to(kappa.dtype)
    lower = diff >= 0
    return torch.where(lower, _powers(kappa, diff.clamp_min(0) * step), torch.zeros_like(diff))


def _powers(kappa: Tensor, exponents: Tensor) -> Tensor:
    """κ^e for κ in [0, 1], e >= 0: κ^0 = 1 also when κ underflowed to 0 (τ << Δt in float32).

    exp(e·log κ) would give exp(0·(−inf)) = NaN there; pow(0, 0) = 1, pow(0, e > 0) = 0 and
    pow(κ, large e) underflows to 0, so nothing overflows and nothing is NaN.
    """
    return torch.pow(kappa, exponents)


def decayed_cumsum(z: Tensor, kappa: float | Tensor, h0: Tensor | None = None, chunk: int = 64) -> Tensor:
    """h_t = κ·h_{t-1} + z_t for t = 1..T along dim 1 of ``z`` (B, T, C); h_0 = ``h0`` (B, C) or 0.

    ``kappa`` is a scalar in (0, 1].  Returns all h_t, shape (B, T, C).
    """
    B, T, C = z.shape
    kappa_t = torch.as_tensor(kappa, dtype=z.dtype, device=z.device)
    L = max(1, min(chunk, T))
    n_chunks = math.ceil(T / L)
    pad = n_chunks * L - T
    zp = torch.nn.functional.pad(z, (0, 0, 0, pad)) if pad else z
    zc = zp.reshape(B, n_chunks, L, C)
    # local scan of each chunk from a zero state: K_L @ z_chunk
    K = _toeplitz_powers(kappa_t, L)
    local = torch.einsum("ij,bcjd->bcid", K, zc)
    # state at the end of every chunk: carry_c = Σ_{c'<=c} κ^{L(c-c')} local_end_{c'} + κ^{L(c+1)} h0
    ends = local[:, :, -1, :]
    carry = torch.einsum("ij,bjd->bid", _toeplitz_powers(kappa_t, n_chunks, step=L), ends)
    first_pow = _powers(kappa_t, torch.arange(1, L + 1, device=z.device, dtype=z.dtype))  # κ^{1..L}
    if h0 is not None:
        chunk_pow = _powers(kappa_t, torch.arange(1, n_chunks + 1, device=z.device, dtype=z.dtype) * L)
        carry = carry + chunk_pow[None, :, None] * h0[:, None, :]
        start = torch.cat([h0[:, None, :], carry[:, :-1, :]], dim=1)
    else:
        start = torch.nn.functional.pad(carry[:, :-1, :], (0, 0, 1, 0))
    out = local + first_pow[None, None, :, None] * start[:, :, None, :]
    out = out.reshape(B, n_chunks * L, C)
    return out[:, :T] if pad else out


def decayed_sum_last(z: Tensor, kappa: float | Tensor) -> Tensor:
    """Σ_t κ^{T-t} z_t over dim 1 of ``z`` (B, T, C): the last value of :func:`decayed_cumsum` from 0."""
    T = z.shape[1]
    kappa_t = torch.as_tensor(kappa, dtype=z.dtype, device=z.device)
    w = _powers(kappa_t, torch.arange(T - 1, -1, -1, device=z.device, dtype=z.dtype))
    return torch.einsum("t,btc->bc", w, z)


@torch.no_grad()
def diag_scan(a: Tensor, c: Tensor, h0: Tensor, reverse: bool = False, chunk: int | None = None) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + c_t along dim 1 (a, c: (B, T, D); h0: (B, D)); all h_t, no autograd.

    With ``reverse`` the recurrence runs from t = T down to 1 (h_{T+1} = h0).
    Two levels: a vectorised sequential pass inside chunks of length L (over
    all chunks at once), then the carries across the T/L chunks.
    """
    if reverse:
        return diag_scan(a.flip(1), c.flip(1), h0, chunk=chunk).flip(1)
    B, T, D = c.shape
    L = chunk or max(1, int(math.sqrt(T)))
    n = math.ceil(T / L)
    pad = n * L - T
    if pad:  # padding with a = 1, c = 0 leaves the scan unchanged
        a = torch.cat([a, a.new_ones(B, pad, D)], 1)
        c = torch.cat([c, c.new_zeros(B, pad, D)], 1)
    a = a.reshape(B, n, L, D)
    c = c.reshape(B, n, L, D)
    local = torch.empty_like(c)
    local[:, :, 0] = c[:, :, 0]
    for j in range(1, L):  # local scans of all chunks at once, zero initial state
        torch.addcmul(c[:, :, j], a[:, :, j], local[:, :, j - 1], out=local[:, :, j])
    prod = torch.cumprod(a, dim=2)  # Π_{i<=j} a_i inside each chunk
    starts = torch.empty(B, n, D, dtype=c.dtype, device=c.device)
    h = h0
    for k in range(n):  # carries across chunks
        starts[:, k] = h
        h = prod[:, k, -1] * h + local[:, k, -1]
    out = local.addcmul_(prod, starts[:, :, None, :]).reshape(B, n * L, D)
    return out[:, :T] if pad else out
