"""GELU replacements of secure (MPC / HE) transformer inference with published coefficients (issue 13).

Secure-inference protocols evaluate only additions, multiplications and a few
comparisons cheaply, so papers replace GELU by low-degree piecewise polynomials;
the constants here are the authors' published ones.  (PUMA's and I-BERT's are
``puma_gelu`` and ``i_gelu``; MPCFormer's quadratic is ``mpcformer_quad``.)
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ref

FAMILY = "self_gated"

# BOLT (Pang et al. 2024), seg(|x|) = c4|x|^4 + c3|x|^3 + c2 x^2 + c1|x| + c0 on |x| <= 2.7
_BOLT = (0.0016208085, -0.03798164612714, 0.5410550166368381, -0.183525061270, 0.020848611754127593)
_BOLT_T = 2.7


@activation(
    "bolt_gelu", family=FAMILY,
    formula=r"\begin{cases} 0 & x < -2.7\\ 0.020849|x|^4 - 0.18353|x|^3 + 0.54106x^2 - 0.037982|x| + 0.0016208"
            r" + \tfrac12 x & |x| \le 2.7\\ x & x > 2.7\end{cases}",
    reference=ref("BOLT: Privacy-Preserving, Accurate and Efficient Inference for Transformers", None, 2024,
                  authors="Pang, Zhu, Möllering, Zheng, Schneider", venue="IEEE S&P 2024"),
    properties=dict(monotonic=False, smooth="C0", zero_at_zero=False, bounded_below=-0.16835105,
                    bounded_above=False),
)
def bolt_gelu(x: Tensor) -> Tensor:
    """BOLT's GELU for secure inference: 0 below −2.7, x above 2.7, a quartic in |x| plus x/2 between.

    Pang et al. fit GELU(x) − x/2, an even function, by a degree-4 polynomial in
    |x| on [−2.7, 2.7] (evaluated with two multiplications in Paterson–Stockmeyer
    form in the protocol); coefficients as published.  The pieces do not meet
    exactly: jumps of about 0.011 at ±2.7 (declared C0, as for ``puma_gelu``);
    f(0) = 0.00162, minimum −0.168351 at x ≈ −0.7523.
    """
    a = torch.clamp_max(x.abs(), _BOLT_T)  # the quartic only matters inside; clamping keeps a^4 finite
    c0, c1, c2, c3, c4 = _BOLT
    seg = c0 + a * (c1 + a * (c2 + a * (c3 + a * c4))) + 0.5 * x
    return torch.where(x > _BOLT_T, x, torch.where(x < -_BOLT_T, 0.0 * x, seg))


@bolt_gelu.derivative
def _(x: Tensor) -> Tensor:
    a = torch.clamp_max(x.abs(), _BOLT_T)
    _, c1, c2, c3, c4 = _BOLT
    dseg = torch.sign(x) * (c1 + a * (2.0 * c2 + a * (3.0 * c3 + 4.0 * c4 * a))) + 0.5
    return torch.where(x > _BOLT_T, torch.ones_like(x), torch.where(x < -_BOLT_T, torch.zeros_like(x), dseg))
