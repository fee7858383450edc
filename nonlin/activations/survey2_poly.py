"""More polynomial units (issue 13: complete the catalogue).

Low-degree polynomials are the activations that homomorphic encryption can
evaluate (additions and multiplications only); CryptoNets' x² is ``square``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ref

FAMILY = "misc"
_SQRT_1_8 = math.sqrt(0.125)


@activation(
    "faster_cryptonets_poly", family=FAMILY, formula=r"2^{-3}x^2 + 2^{-1}x + 2^{-2}",
    reference=ref("Faster CryptoNets: Leveraging Sparsity for Real-World Encrypted Inference", "1811.09953", 2018,
                  authors="Chou, Beal, Levy, Yeung, Haque, Fei-Fei"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.25, bounded_above=False),
)
def faster_cryptonets_poly(x: Tensor) -> Tensor:
    """Faster CryptoNets' quadratic: f(x) = x²/8 + x/2 + 1/4, a ReLU stand-in with power-of-two coefficients.

    Chou et al. (arXiv 1811.09953) approximate ReLU by this degree-2 polynomial
    so that encrypted inference needs one multiplication and cheap scalings.
    Minimum −1/4 at x = −2.  Evaluated as ((x + 2)/√8)² − 1/4, which overflows
    only where the value itself does.
    """
    u = _SQRT_1_8 * (x + 2.0)
    return u * u - 0.25


@faster_cryptonets_poly.derivative
def _(x: Tensor) -> Tensor:
    return 0.25 * (x + 2.0)


@activation(
    "polyrelu_fixed", family=FAMILY, formula=r"\tfrac13\left(r + r^2 + r^3\right),\ r = \mathrm{ReLU}(x)",
    reference=ref("Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models",
                  "2411.03884", 2024, authors="Zhuo et al.", venue="ICLR 2025"),
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=True, bounded_below=0.0, bounded_above=False),
)
def polyrelu_fixed(x: Tensor) -> Tensor:
    """PolyReLU at its initial coefficients: f(x) = (r + r² + r³)/3, r = ReLU(x).

    PolyReLU (Zhuo et al., arXiv 2411.03884) is Σᵢ wᵢ·ReLU(x)ⁱ + b of order 3 with
    learnable w and b, initialised in the official code to w = (1/3, 1/3, 1/3),
    b = 0; this is that initial function, frozen (the learnable unit is
    ``polyrelu``).  Slope 1/3 at 0⁺ and 0 below (C⁰).  Evaluated as
    (r/3)·(1 + r(1 + r)) so that it overflows only where the value does.
    """
    r = torch.relu(x)
    return (r / 3.0) * (1.0 + r * (1.0 + r))


@polyrelu_fixed.derivative
def _(x: Tensor) -> Tensor:
    r = torch.relu(x)
    return torch.where(x > 0, (1.0 + r * (2.0 + 3.0 * r)) / 3.0, 0.0 * x)


@activation(
    "mpcformer_quad", aliases=("quad_gelu_mpcformer",), family=FAMILY, formula=r"0.125x^2 + 0.25x + 0.5",
    reference=ref("MPCFormer: fast, performant and private Transformer inference with MPC", "2211.01452", 2022,
                  authors="Li et al.", venue="ICLR 2023"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=0.375, bounded_above=False),
)
def mpcformer_quad(x: Tensor) -> Tensor:
    """MPCFormer's "Quad" GELU replacement: f(x) = 0.125x² + 0.25x + 0.5.

    Li et al. (arXiv 2211.01452) replace GELU by this quadratic so that secure
    multi-party computation needs no comparisons or exponentials, and recover
    accuracy by distillation.  Minimum 3/8 at x = −1.  Evaluated as
    ((x + 1)/√8)² + 3/8, which overflows only where the value does.
    """
    u = _SQRT_1_8 * (x + 1.0)
    return u * u + 0.375


@mpcformer_quad.derivative
def _(x: Tensor) -> Tensor:
    return 0.25 * (x + 1.0)
