"""More periodic and oscillating units (issue 13: complete the catalogue).

Sinusoids modulated by a trend or a damping factor, from the implicit-neural-
representation literature and the survey "Three Decades of Activations"
(Kunc & Kléma, arXiv 2402.09092).  None is strictly periodic, so none declares
``periodic``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ref

FAMILY = "periodic"


def _sin_over_x(x: Tensor) -> Tensor:
    """sin(x)/x with the removable singularity filled in (torch.sinc is sin(πt)/(πt))."""
    return torch.sinc(x / torch.pi)


# ------------------------------------------------------------------ SPDER

@activation(
    "spder", family=FAMILY, formula=r"\sin(x)\sqrt{|x|}",
    reference=ref("SPDER: Semiperiodic Damping-Enabled Object Representation", "2306.15242", 2023,
                  authors="Shah, Sitawarin", venue="ICLR 2024"),
    properties=dict(monotonic=False, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def spder(x: Tensor) -> Tensor:
    """SPDER's activation: f(x) = sin(x)·√|x|, a sinusoid times the sublinear "damping" √|x|.

    Shah & Sitawarin (arXiv 2306.15242): the sine lets an MLP learn a positional
    embedding of its input coordinate while the damping factor passes the
    coordinate's magnitude on.  Odd; C¹ at 0 (f' → 0 there, f'' ~ |x|^{−1/2}).
    """
    return torch.sin(x) * torch.sqrt(x.abs())


@spder.derivative
def _(x: Tensor) -> Tensor:
    # cos(x)√|x| + sin(x)·sign(x)/(2√|x|) = √|x|·(cos x + sin(x)/(2x)): finite at 0 (where it is 0)
    return torch.sqrt(x.abs()) * (torch.cos(x) + 0.5 * _sin_over_x(x))

