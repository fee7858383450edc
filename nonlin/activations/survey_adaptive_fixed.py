"""Adaptive units of the survey arXiv 2402.09092, frozen at their published initial values.

Survey: Kunc & Kléma, "Three Decades of Activations", arXiv 2402.09092, 2024,
section 4 (adaptive activation functions).  As with ``prelu_init`` or
``pelu_fixed``, each unit here is the paper's function with its trainable
parameters held at the stated initial/fixed values, exposed as parameters.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..elementwise import activation
from ..registry import ParameterError, P, ref
from .._math import sigmoid_prime as _sigmoid_prime




@activation(
    "reltanh", aliases=("rectified_linear_tanh",), family="sigmoidal",
    formula=r"\begin{cases} \tanh'(b)(x - b) + \tanh b & x \ge b\\ \tanh x & a < x < b\\ "
            r"\tanh'(a)(x - a) + \tanh a & x \le a\end{cases}",
    reference=ref("ReLTanh: An activation function with vanishing gradient resistance for SAE-based DNNs and "
                  "its application to rotating machinery fault diagnosis", None, 2019,
                  authors="Wang, Qin, Wang, Xiang, Chen", venue="Neurocomputing 363"),
    properties=dict(monotonic=True, smooth="C1", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(a=P(None, 0.0, doc="lower threshold a < b (trainable in the paper, initialised to −1.5)"),
                b=P(0.0, None, doc="upper threshold b (trainable in the paper, initialised to 0)")),
)
def reltanh(x: Tensor, a: float = -1.5, b: float = 0.0) -> Tensor:
    """ReLTanh: tanh between the thresholds a < b, continued outside by its tangent lines (C¹).

    Wang et al. (2019) train a ∈ (−∞, −1.5] and b ∈ [0, 0.5] layer-wise from
    a = −1.5, b = 0; this unit is ReLTanh at that initialisation (x for x >= 0).
    """
    if not a < b:
        raise ParameterError(f"reltanh needs a < b; got a={a!r}, b={b!r}")
    ta, tb = math.tanh(a), math.tanh(b)
    da, db = 1.0 - ta * ta, 1.0 - tb * tb
    return torch.where(x >= b, db * (x - b) + tb, torch.where(x <= a, da * (x - a) + ta, torch.tanh(x)))


@reltanh.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    ta, tb = math.tanh(a), math.tanh(b)
    t = torch.tanh(x)
    return torch.where(x >= b, torch.full_like(x, 1.0 - tb * tb),
                       torch.where(x <= a, torch.full_like(x, 1.0 - ta * ta), 1.0 - t * t))


@activation(
    "swim", family="self_gated", formula=r"\frac{x}{2}\left(1 + \frac{a\,x}{\sqrt{1 + x^2}}\right)",
    reference=ref("Swim: A General-Purpose, High-Performing, and Efficient Activation Function for Locomotion "
                  "Control Tasks", None, 2023, authors="Abdool, Dear",
                  venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(a=P(0.0, 1.0, doc="weight a of the algebraic-sigmoid gate (a = 1 is PFLU)")),
)
def swim(x: Tensor, a: float = 0.5) -> Tensor:
    """Swim: f(x) = (x/2)·(1 + a·x/√(1 + x²)), a generalisation of PFLU (a = 1); a = 0.5 as its authors used."""
    h = torch.hypot(torch.ones_like(x), x)  # √(1 + x²) without overflowing x²
    g = x / h
    # for x < 0, 1 + a·g = (1 − a) + a·(1 + g) with 1 + g = 1/(h·(h − x)) (no cancellation as g → −1)
    neg = 0.5 * x * (1.0 - a) + 0.5 * a * g / (h - x)
    return torch.where(x < 0, neg, 0.5 * x * (1.0 + a * g))


@swim.derivative
def _(x: Tensor, a: float) -> Tensor:
    h = torch.hypot(torch.ones_like(x), x)
    r = 1.0 / h
    # d/dx x²/√(1+x²) = x(2 + x²)/(1 + x²)^{3/2} = (x/h)·(1 + 1/h²), with x/h ∈ [−1, 1]: no inf·0
    return 0.5 + 0.5 * a * (x / h) * (1.0 + r * r)


@activation(
    "acon_b", family="self_gated", formula=r"(1 - p)\,x\,\sigma\bigl(\beta(1 - p)x\bigr) + p\,x",
    reference=ref("Activate or Not: Learning Customized Activation", "2009.04759", 2021,
                  authors="Ma, Zhang, Liu, Zhang, Sun", venue="CVPR"),
    properties=dict(monotonic=True, smooth="Cinf", zero_at_zero=True, bounded_below=False, bounded_above=False),
    params=dict(p=P(0.0, 1.0, doc="slope p of the lower branch of the smooth maximum max(x, px)"),
                beta=P(0.0, None, doc="switching factor β (β → ∞: max(x, px))")),
)
def acon_b(x: Tensor, p: float = 0.25, beta: float = 1.0) -> Tensor:
    """ACON-B: the smooth maximum S_β(x, px) = (1 − p)·x·σ(β(1 − p)x) + px.

    Ma et al. (arXiv 2009.04759) learn p and β; the survey gives p = 0.25,
    β = 1 as the initial values, held fixed here.
    """
    q = 1.0 - p
    return q * x * torch.sigmoid(beta * q * x) + p * x


@acon_b.derivative
def _(x: Tensor, p: float, beta: float) -> Tensor:
    q = 1.0 - p
    u = beta * q * x
    return q * (torch.sigmoid(u) + u * _sigmoid_prime(u)) + p


@activation(
    "coslu", family="self_gated", formula=r"\bigl(x + a\cos(b x)\bigr)\,\sigma(x)",
    reference=ref("Cosinu-sigmoidal linear unit (CosLU)", None, None,
                  venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=-0.28927312866451055,
                    bounded_above=False),
    params=dict(a=P(doc="amplitude a of the cosine term"), b=P(doc="frequency b of the cosine term")),
)
def coslu(x: Tensor, a: float = 1.0, b: float = 1.0) -> Tensor:
    """CosLU: f(x) = (x + a·cos(bx))·σ(x), the cosine counterpart of SinLU.

    a and b are trainable in the original; a = b = 1 here is nonlin's choice.
    f(0) = a/2; its minimum at the defaults is ≈ −0.28927 at x ≈ −1.905.
    """
    return (x + a * torch.cos(b * x)) * torch.sigmoid(x)


@coslu.derivative
def _(x: Tensor, a: float, b: float) -> Tensor:
    return (1.0 - a * b * torch.sin(b * x)) * torch.sigmoid(x) + (x + a * torch.cos(b * x)) * _sigmoid_prime(x)


@activation(
    "psgu", aliases=("tsrelu_l", "tsrelul"), family="self_gated", formula=r"x\tanh\bigl(a\,\sigma(x)\bigr)",
    reference=ref("Parameterized self-circulating gating unit (PSGU); TSReLU learnable (TSReLUl)", None, None,
                  authors="Li et al.; Mercioni, Tat, Holban",
                  venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (originals not checked)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=-0.13868774678755602,
                    bounded_above=False),
    params=dict(a=P(0.0, None, open_low=True, doc="scale a of the sigmoid inside tanh (trainable originally)")),
)
def psgu(x: Tensor, a: float = 0.5) -> Tensor:
    """PSGU / TSReLUl: f(x) = x·tanh(a·σ(x)), TSReLU with a scaled gate; a = 0.5 is Mercioni et al.'s initial value.

    a = 1 gives ``tsrelu``.
    """
    return x * torch.tanh(a * torch.sigmoid(x))


@psgu.derivative
def _(x: Tensor, a: float) -> Tensor:
    t = torch.tanh(a * torch.sigmoid(x))
    return t + x * (1.0 - t * t) * a * _sigmoid_prime(x)


@activation(
    "tbsrelu_l", aliases=("tbsrelul",), family="self_gated",
    formula=r"x\tanh\!\left(a\,\frac{1 - e^{-x}}{1 + e^{-x}}\right)",
    reference=ref("Tangent-bipolar-sigmoid ReLU learnable (TBSReLUl)", None, None, authors="Mercioni, Tat, Holban",
                  venue="as catalogued in 'Three Decades of Activations', arXiv 2402.09092 (original not checked)"),
    properties=dict(monotonic=False, smooth="Cinf", zero_at_zero=True, bounded_below=0.0, bounded_above=False,
                    even=True),
    params=dict(a=P(0.0, None, open_low=True, doc="scale a of the bipolar sigmoid inside tanh (trainable originally)")),
)
def tbsrelu_l(x: Tensor, a: float = 0.5) -> Tensor:
    """TBSReLUl: f(x) = x·tanh(a·tanh(x/2)) (the bipolar sigmoid is tanh(x/2)); a = 0.5 is the authors' initial value.

    a = 1 gives ``tbsrelu``.
    """
    return x * torch.tanh(a * torch.tanh(0.5 * x))


@tbsrelu_l.derivative
def _(x: Tensor, a: float) -> Tensor:
    t = torch.tanh(0.5 * x)
    tt = torch.tanh(a * t)
    return tt + x * (1.0 - tt * tt) * a * 0.5 * (1.0 - t * t)
