"""Miscellaneous units: polynomials and the remaining members of the Swish search."""

from __future__ import annotations

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ref

FAMILY = "misc"
_SWISH_SEARCH_REF = ref("Searching for Activation Functions", "1710.05941", 2017,
                        authors="Ramachandran, Zoph, Le", venue="ICLR workshop 2018")
_OSC_REF = ref("Biologically Inspired Oscillating Activation Functions Can Bridge the Performance Gap between "
               "Biological and Artificial Neurons", "2111.04020", 2021,
               authors="Noel, Bharadwaj, Muthiah-Nakarajan, Dutta, Amali")
_SIGMOID_FIXED_POINT = 0.6590460684074664  # x = σ(x): where max(x, σ(x)) switches branch


@activation(
    "square", family=FAMILY, formula=r"x^2",
    reference=ref("On the Computational Efficiency of Training Neural Networks", "1410.1141", 2014,
                  authors="Livni, Shalev-Shwartz, Shamir", venue="NeurIPS"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
)
def square(x: Tensor) -> Tensor:
    """Quadratic activation: f(x) = x².

    Livni, Shalev-Shwartz & Shamir, "On the Computational Efficiency of Training
    Neural Networks", arXiv 1410.1141, 2014, who study networks with quadratic
    activations. No parameters.
    """
    return x * x


@square.derivative
def _(x: Tensor) -> Tensor:
    return 2.0 * x


@activation(
    "cube", family=FAMILY, formula=r"x^3",
    reference=ref("A Fast and Accurate Dependency Parser using Neural Networks", None, 2014,
                  authors="Chen, Manning", venue="EMNLP"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def cube(x: Tensor) -> Tensor:
    """Cube activation: f(x) = x³.

    Chen & Manning, "A Fast and Accurate Dependency Parser using Neural Networks",
    EMNLP 2014 (not on arXiv): the cube models three-way feature interactions.
    No parameters.
    """
    return x * x * x


@cube.derivative
def _(x: Tensor) -> Tensor:
    return 3.0 * x * x


@activation(
    "ncu", aliases=("non_monotonic_cubic_unit",), family=FAMILY, formula=r"x - x^3", reference=_OSC_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def ncu(x: Tensor) -> Tensor:
    """Non-monotonic cubic unit: f(x) = x − x³.

    Noel et al., arXiv 2111.04020, 2021. No parameters.
    """
    return x - x * x * x


@ncu.derivative
def _(x: Tensor) -> Tensor:
    return 1.0 - 3.0 * x * x


@activation(
    "squ", aliases=("shifted_quadratic_unit",), family=FAMILY, formula=r"x^2 + x", reference=_OSC_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.25, bounded_above=False),
)
def squ(x: Tensor) -> Tensor:
    """Shifted quadratic unit: f(x) = x² + x (minimum −1/4 at x = −1/2).

    Noel et al., arXiv 2111.04020, 2021. No parameters.
    """
    return x * x + x


@squ.derivative
def _(x: Tensor) -> Tensor:
    return 2.0 * x + 1.0


# ---------------- non-periodic members of the Swish search (Ramachandran et al., Figure 3)

@activation(
    "max_x_sigmoid", family=FAMILY, formula=r"\max(x, \sigma(x))", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=True, smooth="C0", zero_at_zero=False, bounded_below=0.0, bounded_above=False),
)
def max_x_sigmoid(x: Tensor) -> Tensor:
    """f(x) = max(x, σ(x)): σ(x) left of x ≈ 0.65905 (where σ(x) = x), x to the right.

    Ramachandran, Zoph & Le, "Searching for Activation Functions", arXiv 1710.05941,
    2017 (Figure 3). No parameters.
    """
    return torch.maximum(x, torch.sigmoid(x))


@max_x_sigmoid.derivative
def _(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return torch.where(x > _SIGMOID_FIXED_POINT, 1.0, s * (1.0 - s))


@activation(
    "max_x_tanh", family=FAMILY, formula=r"\max(x, \tanh x)", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=True, smooth="C2", zero_at_zero=True, bounded_below=-1.0, bounded_above=False),
)
def max_x_tanh(x: Tensor) -> Tensor:
    """f(x) = max(x, tanh x): tanh x for x < 0, x for x ≥ 0 (from the Swish search).

    Ramachandran, Zoph & Le, arXiv 1710.05941, 2017 (Figure 3). The pieces agree to
    second order at 0 (C²). No parameters.
    """
    return torch.maximum(x, torch.tanh(x))


@max_x_tanh.derivative
def _(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return torch.where(x >= 0, 1.0, 1.0 - t * t)


@activation(
    "atan_squared_minus_x", family=FAMILY, formula=r"\arctan(x)^2 - x", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
)
def atan_squared_minus_x(x: Tensor) -> Tensor:
    """f(x) = arctan(x)² − x (from the Swish search); strictly decreasing.

    Ramachandran, Zoph & Le, arXiv 1710.05941, 2017 (Figure 3). No parameters.
    """
    a = torch.atan(x)
    return a * a - x


@atan_squared_minus_x.derivative
def _(x: Tensor) -> Tensor:
    return 2.0 * torch.atan(x) / (1.0 + x * x) - 1.0


@activation(
    "x_asinh_squared", family=FAMILY, formula=r"x\,\operatorname{arsinh}(x)^2", reference=_SWISH_SEARCH_REF,
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False,
                    odd=True),
)
def x_asinh_squared(x: Tensor) -> Tensor:
    """f(x) = x·arsinh(x)² (from the Swish search).

    Ramachandran, Zoph & Le, arXiv 1710.05941, 2017 (Figure 3). No parameters.
    """
    a = torch.asinh(x)
    return x * a * a


@x_asinh_squared.derivative
def _(x: Tensor) -> Tensor:
    a = torch.asinh(x)
    return a * a + 2.0 * a * (x / torch.hypot(x, torch.ones_like(x)))  # x/√(1+x²) first: 2x overflows
