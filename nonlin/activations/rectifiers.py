"""Rectifiers: ReLU and its piecewise-linear and clipped relatives."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..elementwise import activation
from ..registry import ParameterError, P, ordered, ref

_RELU_REF = ref("Rectified Linear Units Improve Restricted Boltzmann Machines", None, 2010,
                authors="Nair, Hinton", venue="ICML")


@activation(
    "relu", family="rectifiers", formula=r"\max(0, x)", reference=_RELU_REF,
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    builtin=F.relu,
)
def relu(x: Tensor) -> Tensor:
    """Rectified linear unit: f(x) = max(0, x)."""
    return torch.clamp_min(x, 0)


@relu.derivative
def _(x: Tensor) -> Tensor:
    return (x > 0).to(x.dtype)


@activation(
    "leaky_relu", aliases=("lrelu",), family="rectifiers",
    formula=r"\max(0,x) + a\min(0,x)",
    reference=ref("Rectifier Nonlinearities Improve Neural Network Acoustic Models", None, 2013,
                  authors="Maas, Hannun, Ng", venue="ICML workshop"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(negative_slope=P(0.0, 1.0, doc="slope a for x < 0")),
    builtin=F.leaky_relu,
)
def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU: f(x) = x for x >= 0, a·x otherwise (a = 0.01)."""
    return torch.where(x >= 0, x, negative_slope * x)


@leaky_relu.derivative
def _(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x >= 0, 1.0, negative_slope).to(x.dtype)


@activation(
    "helu", aliases=("hysteresis_relu",), family="rectifiers",
    formula=r"f(x)=\max(0,x),\quad \tilde f'(x) = \mathbb{1}[x > -\alpha]",
    reference=ref("Hysteresis Activation Function for Efficient Inference", "2411.10573", 2024,
                  authors="Kimhi, Kashani, Mendelson, Baskin", venue="NeurIPS ENLSP workshop"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True, surrogate_gradient=True),
    params=dict(alpha=P(0.0, None, doc="backward threshold shift α > 0 (training only)")),
)
def helu(x: Tensor, alpha: float = 0.05) -> Tensor:
    """Hysteresis ReLU (HeLU): forward ReLU, backward gradient 1[x > −α].

    The gradient threshold is shifted left by α during training only, so
    units just below zero still learn; inference cost equals ReLU.
    """
    return torch.clamp_min(x, 0)


@helu.derivative
def _(x: Tensor, alpha: float) -> Tensor:
    return (x > -alpha).to(x.dtype)


@activation(
    "relu_squared", aliases=("relu2", "squared_relu"), family="rectifiers", formula=r"\max(0,x)^2",
    reference=ref("Primer: Searching for Efficient Transformers for Language Modeling", "2109.08668", 2021,
                  authors="So, Mańke, Liu, Dai, Shazeer, Le", venue="NeurIPS"),
    properties=dict(monotonic=True, smooth="C1", bounded_below=0.0, bounded_above=False, zero_at_zero=True),
)
def relu_squared(x: Tensor) -> Tensor:
    """Squared ReLU (Primer): f(x) = max(0, x)²."""
    r = torch.clamp_min(x, 0)
    return r * r


@relu_squared.derivative
def _(x: Tensor) -> Tensor:
    return 2 * torch.clamp_min(x, 0)


# ---------------------------------------------------------------------------
# Leaky / parametric rectifiers at fixed slopes
# ---------------------------------------------------------------------------

@activation(
    "prelu_init", family="rectifiers", formula=r"\max(0,x) + a\min(0,x),\quad a = 0.25",
    reference=ref("Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification",
                  "1502.01852", 2015, authors="He, Zhang, Ren, Sun", venue="ICCV"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(negative_slope=P(0.0, 1.0, doc="slope a for x < 0 (PReLU initialises a = 0.25)")),
    builtin=F.leaky_relu,
)
def prelu_init(x: Tensor, negative_slope: float = 0.25) -> Tensor:
    """PReLU frozen at its initialisation: f(x) = x for x >= 0, a·x otherwise, a = 0.25.

    PReLU (He et al. 2015) learns a; the paper initialises it to 0.25.  This
    is that function with a fixed; the learnable PReLU is a separate unit.
    """
    return torch.where(x >= 0, x, negative_slope * x)


@prelu_init.derivative
def _(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x >= 0, 1.0, negative_slope).to(x.dtype)


@activation(
    "rrelu", aliases=("randomized_leaky_relu",), family="rectifiers",
    formula=r"\max(0,x) + \tfrac{l+u}{2}\min(0,x)\ \text{(eval)};\ a\sim U(l,u)\ \text{(train)}",
    reference=ref("Empirical Evaluation of Rectified Activations in Convolutional Network", "1505.00853", 2015,
                  authors="Xu, Wang, Chen, Li", venue="ICML Deep Learning workshop"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True, stochastic=True),
    params=dict(lower=P(0.0, 1.0, doc="lower bound l of the random negative slope"),
                upper=P(0.0, 1.0, doc="upper bound u of the random negative slope")),
    constraints=ordered("lower", "upper", strict=False),
    # not builtin=F.rrelu: it saves a noise buffer beside the input even in eval mode
)
def rrelu(x: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3) -> Tensor:
    """Randomized leaky ReLU, evaluation form: f(x) = x for x >= 0, ((l+u)/2)·x otherwise.

    During training RReLU draws the negative slope a ~ U(l, u) per element;
    at test time it uses the mean (l+u)/2.  This fixed unit is the evaluation
    form (l = 1/8, u = 1/3 as in the paper and torch).
    """
    return torch.where(x >= 0, x, (0.5 * (lower + upper)) * x)


@rrelu.derivative
def _(x: Tensor, lower: float, upper: float) -> Tensor:
    return torch.where(x >= 0, 1.0, 0.5 * (lower + upper)).to(x.dtype)


@activation(
    "bounded_leaky_relu", aliases=("blrelu",), family="rectifiers",
    formula=r"\begin{cases}\beta x & x\le 0\\ x & 0<x<n\\ \beta(x-n)+n & x\ge n\end{cases}",
    reference=ref("Bounded activation functions for enhanced training stability of deep neural networks "
                  "on visual pattern recognition problems", None, 2016,
                  authors="Liew, Khalil-Hani, Bakhteri", venue="Neurocomputing 216"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(n=P(0.0, None, open_low=True, doc="knee n where the identity part ends"),
                beta=P(0.0, 1.0, doc="leak slope β below 0 and above n")),
)
def bounded_leaky_relu(x: Tensor, n: float = 6.0, beta: float = 0.01) -> Tensor:
    """Bounded leaky ReLU (BLReLU): leaky below 0 and above the knee n, identity between.

    f(x) = βx (x <= 0), x (0 < x < n), β(x − n) + n (x >= n).  The paper
    studies several n; the defaults here (n = 6 as in ReLU6, β = 0.01 as
    in leaky ReLU) are nonlin's choice.
    """
    return torch.where(x <= 0, beta * x, torch.where(x < n, x, beta * (x - n) + n))


@bounded_leaky_relu.derivative
def _(x: Tensor, n: float, beta: float) -> Tensor:
    inside = (x > 0) & (x < n)
    return torch.where(inside, 1.0, beta).to(x.dtype)


# ---------------------------------------------------------------------------
# Clipped and shifted rectifiers
# ---------------------------------------------------------------------------

@activation(
    "relu6", family="rectifiers", formula=r"\min(\max(0, x), 6)",
    reference=ref("Convolutional Deep Belief Networks on CIFAR-10", None, 2010,
                  authors="Krizhevsky", venue="unpublished manuscript"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=6.0,
                    zero_at_zero=True, piecewise_linear=True),
    builtin=F.relu6,
)
def relu6(x: Tensor) -> Tensor:
    """ReLU6: f(x) = min(max(0, x), 6), ReLU capped at 6 (Krizhevsky 2010; MobileNets)."""
    return torch.clamp(x, 0.0, 6.0)


@relu6.derivative
def _(x: Tensor) -> Tensor:
    return ((x > 0) & (x < 6)).to(x.dtype)


@activation(
    "hardtanh", aliases=("hard_tanh",), family="rectifiers",
    formula=r"\min(\max(x, a), b),\quad a=-1,\ b=1",
    reference=ref("Large Scale Machine Learning", None, 2004, authors="Collobert",
                  venue="PhD thesis, Université Paris VI"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=1.0,
                    zero_at_zero=True, piecewise_linear=True, odd=True),
    params=dict(min_val=P(None, None, doc="lower clip a (must be < max_val)"),
                max_val=P(None, None, doc="upper clip b (must be > min_val)")),
    constraints=ordered("min_val", "max_val"),
    builtin=F.hardtanh,
)
def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Hard tanh: f(x) = clip(x, a, b), a = −1, b = 1 — the piecewise-linear tanh."""
    return torch.clamp(x, min_val, max_val)


@hardtanh.derivative
def _(x: Tensor, min_val: float, max_val: float) -> Tensor:
    return ((x > min_val) & (x < max_val)).to(x.dtype)


@activation(
    "clipped_relu", aliases=("capped_relu", "brelu", "bounded_relu"), family="rectifiers",
    formula=r"\min(\max(0, x), c),\quad c = 20",
    reference=ref("Deep Speech: Scaling up end-to-end speech recognition", "1412.5567", 2014,
                  authors="Hannun, Case, Casper, Catanzaro, Diamos, Elsen, Prenger, Satheesh, Sengupta, "
                          "Coates, Ng"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=20.0,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(cap=P(0.0, None, open_low=True, doc="clipping value c (Deep Speech uses 20)")),
)
def clipped_relu(x: Tensor, cap: float = 20.0) -> Tensor:
    """Clipped (capped, bounded) ReLU: f(x) = min(max(0, x), c), c = 20 as in Deep Speech.

    Bounded ReLU (BReLU, Liew et al. 2016) is the same function with a
    chosen cap n.
    """
    return torch.clamp(x, 0.0, cap)


@clipped_relu.derivative
def _(x: Tensor, cap: float) -> Tensor:
    return ((x > 0) & (x < cap)).to(x.dtype)


@activation(
    "shifted_relu", family="rectifiers", formula=r"\max(-1, x)",
    reference=ref("Fast and Accurate Deep Network Learning by Exponential Linear Units (ELUs)", "1511.07289",
                  2015, authors="Clevert, Unterthiner, Hochreiter", venue="ICLR 2016"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-1.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
)
def shifted_relu(x: Tensor) -> Tensor:
    """Shifted ReLU (called SReLU in the ELU paper): f(x) = max(−1, x).

    ReLU moved down and left by one so that mean activations can be
    negative; Clevert et al. use it as a baseline for ELU.
    """
    return torch.clamp_min(x, -1.0)


@shifted_relu.derivative
def _(x: Tensor) -> Tensor:
    return (x > -1).to(x.dtype)


@activation(
    "displaced_relu", aliases=("disrelu",), family="rectifiers", formula=r"\max(-\delta, x),\quad \delta = 0.05",
    reference=ref("Enhancing Batch Normalized Convolutional Networks using Displaced Rectifier Linear Units: "
                  "A Systematic Comparative Study", "1708.04086", 2017,
                  authors="Macêdo, Zanchettin, Oliveira, Ludermir", venue="Expert Systems with Applications 2019"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=-0.05, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(delta=P(0.0, None, doc="displacement δ of the kink into the third quadrant")),
)
def displaced_relu(x: Tensor, delta: float = 0.05) -> Tensor:
    """Displaced ReLU (DReLU): f(x) = x for x >= −δ, −δ otherwise; δ = 0.05.

    The kink is displaced to (−δ, −δ) to work better with batch
    normalisation.  (arXiv id and δ = 0.05 recalled from the paper,
    not re-verified here.)
    """
    return torch.clamp_min(x, -delta)


@displaced_relu.derivative
def _(x: Tensor, delta: float) -> Tensor:
    return (x > -delta).to(x.dtype)


@activation(
    "abrelu_fixed", family="rectifiers", formula=r"\max(0, x - \beta)",
    reference=ref("Average Biased ReLU Based CNN Descriptor for Improved Face Retrieval", "1804.02051", 2018,
                  authors="Dubey, Chakraborty", venue="Multimedia Tools and Applications 2021"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(bias=P(None, None, doc="the bias β subtracted before rectifying")),
)
def abrelu_fixed(x: Tensor, bias: float = 0.1) -> Tensor:
    """Average-biased ReLU with a fixed bias: f(x) = max(0, x − β).

    ABReLU proper sets β to the *average of the input* (over the feature
    map / batch), so it is not elementwise; this unit freezes β as a
    parameter (default 0.1, nonlin's choice — set it to the expected mean
    of the pre-activations to mimic ABReLU).
    """
    return torch.clamp_min(x - bias, 0.0)


@abrelu_fixed.derivative
def _(x: Tensor, bias: float) -> Tensor:
    return (x > bias).to(x.dtype)


@activation(
    "absolute", aliases=("abs", "absolute_rectification", "abs_relu"), family="rectifiers", formula=r"|x|",
    reference=ref("What is the Best Multi-Stage Architecture for Object Recognition?", None, 2009,
                  authors="Jarrett, Kavukcuoglu, Ranzato, LeCun", venue="ICCV"),
    properties=dict(monotonic=False, smooth="C0", bounded_below=0.0, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True, even=True),
)
def absolute(x: Tensor) -> Tensor:
    """Absolute-value rectification: f(x) = |x| (Jarrett et al. 2009)."""
    return torch.where(x >= 0, x, -x)


@absolute.derivative
def _(x: Tensor) -> Tensor:
    return torch.sign(x)


@activation(
    "srelu_fixed", aliases=("s_shaped_relu",), family="rectifiers",
    formula=r"\begin{cases} t_r + a_r(x - t_r) & x \ge t_r\\ x & t_l < x < t_r\\ "
            r"t_l + a_l(x - t_l) & x \le t_l\end{cases}",
    reference=ref("Deep Learning with S-shaped Rectified Linear Activation Units", "1512.07030", 2015,
                  authors="Jin, Xu, Feng, Wei, Xiong, Yan", venue="AAAI 2016"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True),
    params=dict(t_left=P(None, 0.0, doc="left knee t_l (<= 0)"),
                a_left=P(0.0, None, doc="slope a_l left of t_l"),
                t_right=P(0.0, None, doc="right knee t_r (>= 0)"),
                a_right=P(0.0, None, doc="slope a_r right of t_r")),
)
def srelu_fixed(x: Tensor, t_left: float = -1.0, a_left: float = 0.1, t_right: float = 1.0,
                a_right: float = 0.5) -> Tensor:
    """S-shaped ReLU (SReLU) with its four parameters frozen.

    Three linear pieces: identity between the knees t_l and t_r, slopes a_l
    and a_r outside.  SReLU learns (t_l, a_l, t_r, a_r) per channel; the
    defaults here (−1, 0.1, 1, 0.5) are nonlin's illustrative choice of an
    S shape, not values from the paper.
    """
    return torch.where(x >= t_right, t_right + a_right * (x - t_right),
                       torch.where(x > t_left, x, t_left + a_left * (x - t_left)))


@srelu_fixed.derivative
def _(x: Tensor, t_left: float, a_left: float, t_right: float, a_right: float) -> Tensor:
    return torch.where(x >= t_right, a_right, torch.where(x > t_left, 1.0, a_left)).to(x.dtype)


@activation(
    "nlrelu", aliases=("natural_log_relu",), family="rectifiers", formula=r"\ln(\beta\max(0, x) + 1)",
    reference=ref("Natural-Logarithm-Rectified Activation Function in Convolutional Neural Networks",
                  "1908.03682", 2019, authors="Liu, Guo, Zhang, Chen, Yu, Wang"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=0.0, bounded_above=False, zero_at_zero=True),
    params=dict(beta=P(0.0, None, open_low=True, doc="scale β inside the logarithm")),
)
def nlrelu(x: Tensor, beta: float = 1.0) -> Tensor:
    """Natural-logarithm ReLU (NLReLU): f(x) = ln(β·max(0, x) + 1), β = 1."""
    return torch.log1p(beta * torch.clamp_min(x, 0.0))


@nlrelu.derivative
def _(x: Tensor, beta: float) -> Tensor:
    r = torch.clamp_min(x, 0.0)
    return torch.where(x > 0, beta / (1.0 + beta * r), 0.0)


@activation(
    "dual_line", family="rectifiers", formula=r"\begin{cases} a x + m & x \ge 0\\ b x + m & x < 0\end{cases}",
    reference=ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for "
                  "Neural Networks (as listed in the survey)", "2402.09092", 2024, authors="Kunc, Kléma"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=False, piecewise_linear=True),
    params=dict(a=P(0.0, None, doc="slope for x >= 0"), b=P(0.0, None, doc="slope for x < 0"),
                m=P(None, None, doc="vertical offset")),
)
def dual_line(x: Tensor, a: float = 1.0, b: float = 0.01, m: float = -0.22) -> Tensor:
    """Dual line: two lines through (0, m), f(x) = a·x + m (x >= 0), b·x + m (x < 0).

    Defaults a = 1, b = 0.01, m = −0.22 as recalled from the survey's entry
    (unverified against the original publication, which is not on arXiv).
    """
    return torch.where(x >= 0, a * x, b * x) + m


@dual_line.derivative
def _(x: Tensor, a: float, b: float, m: float) -> Tensor:
    return torch.where(x >= 0, a, b).to(x.dtype)


@activation(
    "plu", aliases=("piecewise_linear_unit",), family="rectifiers",
    formula=r"\max\big(\alpha(x+c)-c,\ \min(\alpha(x-c)+c,\ x)\big)",
    reference=ref("PLU: The Piecewise Linear Unit Activation Function", "1809.09534", 2018, authors="Nicolae"),
    properties=dict(monotonic=True, smooth="C0", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True, odd=True),
    params=dict(alpha=P(0.0, 1.0, doc="slope α of the outer pieces"),
                c=P(0.0, None, open_low=True, doc="half-width c of the identity region")),
)
def plu(x: Tensor, alpha: float = 0.1, c: float = 1.0) -> Tensor:
    """Piecewise Linear Unit: identity on [−c, c], slope α outside (α = 0.1, c = 1)."""
    return torch.maximum(alpha * (x + c) - c, torch.minimum(alpha * (x - c) + c, x))


@plu.derivative
def _(x: Tensor, alpha: float, c: float) -> Tensor:
    return torch.where(x.abs() < c, 1.0, alpha).to(x.dtype)


@activation(
    "repu", aliases=("rectified_power_unit",), family="rectifiers", formula=r"\max(0, x)^p",
    reference=ref("Better Approximations of High Dimensional Smooth Functions by Deep Neural Networks with "
                  "Rectified Power Units", "1903.05858", 2019, authors="Li, Tang, Xu",
                  venue="Communications in Computational Physics 2020"),
    properties=dict(monotonic=True, smooth="C2", bounded_below=0.0, bounded_above=False, zero_at_zero=True),
    params=dict(p=P(1, 8, kind="int", doc="integer power p (p = 2 is relu_squared)")),
)
def repu(x: Tensor, p: int = 3) -> Tensor:
    """Rectified power unit: f(x) = max(0, x)^p, default p = 3 (C^{p−1}).

    p = 2 is the squared ReLU (registered as relu_squared); the default
    here is the cubic RePU, twice continuously differentiable.
    """
    return torch.clamp_min(x, 0.0) ** p


@repu.derivative
def _(x: Tensor, p: int) -> Tensor:
    return p * torch.clamp_min(x, 0.0) ** (p - 1)


@activation(
    "identity", aliases=("linear",), family="rectifiers", formula=r"x",
    reference=ref("Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions for "
                  "Neural Networks (as listed in the survey)", "2402.09092", 2024, authors="Kunc, Kléma"),
    properties=dict(monotonic=True, smooth="Cinf", bounded_below=False, bounded_above=False,
                    zero_at_zero=True, piecewise_linear=True, odd=True),
    builtin=torch.clone,  # autograd's CloneBackward passes the gradient through: nothing is cheaper
)
def identity(x: Tensor) -> Tensor:
    """Identity (linear) activation: f(x) = x — the no-nonlinearity baseline of a benchmark."""
    return x.clone()


@identity.derivative
def _(x: Tensor) -> Tensor:
    return torch.ones_like(x)
