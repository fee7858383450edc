"""True bit-packing of b-bit codes into uint8 tensors, pure PyTorch.

Layouts (little-end first: code i of a group sits in the lowest bits):

* b = 1: eight codes per byte,
* b = 2: four codes per byte,
* b = 4: two codes per byte,
* b = 3: eight codes in three bytes (a 24-bit group), so 3/8 byte per code
  exactly; the group is built in int32 and split into its three bytes.

A tensor of n codes packs into ceil(n / group) groups (the tail is padded
with zeros and cut off again by :func:`unpack`), i.e. ``packed_nbytes(n, b)``
= ceil(n * b / 8) rounded up to a whole group.  Codes must be < 2^b (not
checked on the hot path; :func:`pack` with ``check=True`` does).
"""

from __future__ import annotations

import torch
from torch import Tensor

GROUP = {1: 8, 2: 4, 3: 8, 4: 2}  # codes per packing group
GROUP_BYTES = {1: 1, 2: 1, 3: 3, 4: 1}


def _check_bits(bits: int) -> None:
    if isinstance(bits, bool) or bits not in GROUP:
        raise ValueError(f"bits must be one of 1, 2, 3, 4; got {bits!r}")


def packed_nbytes(n: int, bits: int) -> int:
    """Bytes that :func:`pack` uses for ``n`` codes."""
    _check_bits(bits)
    return -(-n // GROUP[bits]) * GROUP_BYTES[bits]


def pack(codes: Tensor, bits: int, check: bool = False) -> Tensor:
    """Pack a uint8 tensor of codes (any shape, values < 2^bits) into a flat uint8 tensor."""
    _check_bits(bits)
    if codes.dtype != torch.uint8:
        raise TypeError(f"codes must be a uint8 tensor; got {codes.dtype}")
    if check and codes.numel() and int(codes.max()) >= (1 << bits):
        raise ValueError(f"{bits}-bit codes must be < {1 << bits}; got max {int(codes.max())}")
    flat = codes.reshape(-1)
    n, g = flat.numel(), GROUP[bits]
    pad = (-n) % g
    if pad:
        flat = torch.cat([flat, flat.new_zeros(pad)])
    c = flat.view(-1, g)
    if bits == 3:
        c32 = c.to(torch.int32)
        word = c32[:, 0]
        for i in range(1, 8):
            word = word | (c32[:, i] << (3 * i))
        return torch.stack([(word >> s) & 0xFF for s in (0, 8, 16)], 1).to(torch.uint8).reshape(-1)
    out = c[:, 0].clone()
    for i in range(1, g):
        out |= c[:, i] << (bits * i)
    return out


def unpack(packed: Tensor, bits: int, n: int) -> Tensor:
    """The first ``n`` codes of a :func:`pack` result, as a flat uint8 tensor."""
    _check_bits(bits)
    if packed.dtype != torch.uint8:
        raise TypeError(f"packed codes must be uint8; got {packed.dtype}")
    if packed.numel() != packed_nbytes(n, bits):
        raise ValueError(f"{n} {bits}-bit codes pack into {packed_nbytes(n, bits)} bytes; got {packed.numel()}")
    if bits == 3:
        b = packed.view(-1, 3).to(torch.int32)
        word = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        shifts = torch.arange(0, 24, 3, dtype=torch.int32, device=packed.device)
        return ((word[:, None] >> shifts) & 7).to(torch.uint8).reshape(-1)[:n]
    shifts = torch.arange(0, 8, bits, dtype=torch.uint8, device=packed.device)
    mask = (1 << bits) - 1
    return ((packed[:, None] >> shifts) & mask).reshape(-1)[:n]
