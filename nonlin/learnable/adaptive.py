r"""Learnable elementwise units with a few parameters each.

Every module takes ``num_parameters`` (1 = one set per layer, G = groups of
channels, C = per channel; channel dim 1 as in ``nn.PReLU``, see
``nonlin/learnable/_common.py``).  The formulas use the stable helpers of
``nonlin/_math.py``; parameters that must stay positive are clamped at use.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .._math import INV_SQRT_2PI, normal_cdf, softplus
from ..registry import P, ParameterError, ref, register
from ._common import broadcast_param, check_num_parameters, check_tensor, upcast

_NP = P(1, None, kind="int", doc="parameter sets: 1 per layer, G channel groups or C channels")


def _param(value: float, n: int, name: str, unit: str) -> nn.Parameter:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"parameter '{name}' of '{unit}' must be a finite number; got {value!r}")
    return nn.Parameter(torch.full((n,), float(value), dtype=torch.get_default_dtype()))


class _Learnable(nn.Module):
    """Base: holds named per-group parameters and applies ``formula(x, **params)``."""

    UNIT = ""

    def _bc(self, x: Tensor, name: str) -> Tensor:
        return broadcast_param(getattr(self, name), x, self.UNIT).to(upcast(x).dtype)

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, self.UNIT)
        xf = upcast(x)
        y = self.formula(xf, **{n: self._bc(x, n) for n in self.PARAMS})
        return y.to(x.dtype)

    def extra_repr(self) -> str:
        return f"num_parameters={getattr(self, self.PARAMS[0]).shape[0]}"


# --------------------------------------------------------------------------- APA / AGLU
APA_REF = ref("Adaptive Parametric Activation", "2407.08567", 2024,
              authors="Alexandridis, Deng, Nguyen, Luo", venue="ECCV")
_APA_MIN_LAMBDA = 1e-4


def _apa(z: Tensor, lambd: Tensor, kappa: Tensor) -> Tensor:
    # (lambda e^{-kappa z} + 1)^{-1/lambda} = exp(-softplus(log(lambda) - kappa z) / lambda), stable
    lam = lambd.clamp_min(_APA_MIN_LAMBDA)
    return torch.exp(-softplus(torch.log(lam) - kappa * z) / lam)


@register(
    "apa", kind="learnable", family="adaptive_gates",
    formula=r"(\lambda e^{-\kappa x} + 1)^{-1/\lambda}", reference=APA_REF,
    properties=dict(elementwise=True, smooth="Cinf", bounded_below=0.0, bounded_above=1.0,
                    zero_at_zero=False, monotonic=True),
    params=dict(num_parameters=_NP, init=P(choices=("uniform", "silu"),
                doc="'uniform': lambda, kappa ~ U(0, 1) (the paper); 'silu': lambda = kappa = 1")),
)
class APA(_Learnable):
    """Adaptive Parametric Activation: APA(z) = (λ e^{−κz} + 1)^{−1/λ}, a learnable gate.

    λ = κ = 1 is the sigmoid (so z·APA is SiLU); λ → 0 gives the Gumbel gate
    exp(−e^{−κz}).  λ (clamped at 1e-4) and κ are learnable, one scalar each per
    layer in the paper, initialised U(0, 1).  Evaluated as
    exp(−softplus(log λ − κz)/λ), which never overflows.
    """

    UNIT, PARAMS = "apa", ("lambd", "kappa")

    def __init__(self, num_parameters: int = 1, init: str = "uniform"):
        super().__init__()
        n = check_num_parameters(num_parameters, self.UNIT)
        if init not in ("uniform", "silu"):
            raise ParameterError(f"parameter 'init' of '{self.UNIT}' must be 'uniform' or 'silu'; got {init!r}")
        self.lambd = _param(1.0, n, "lambd", self.UNIT)
        self.kappa = _param(1.0, n, "kappa", self.UNIT)
        if init == "uniform":
            with torch.no_grad():
                self.lambd.uniform_(0.0, 1.0)
                self.kappa.uniform_(0.0, 1.0)

    @staticmethod
    def formula(x: Tensor, lambd: Tensor, kappa: Tensor) -> Tensor:
        return _apa(x, lambd, kappa)


@register(
    "aglu", kind="learnable", family="adaptive_gates",
    formula=r"x\,(\lambda e^{-\kappa x} + 1)^{-1/\lambda}", reference=APA_REF,
    properties=dict(elementwise=True, smooth="Cinf", zero_at_zero=True, self_gated=True,
                    bounded_below=False, bounded_above=False),
    params=dict(num_parameters=_NP, init=P(choices=("uniform", "silu"),
                doc="'uniform': lambda, kappa ~ U(0, 1) (the paper); 'silu': lambda = kappa = 1")),
)
class AGLU(APA):
    """Adaptive Generalised Linear Unit: AGLU(z) = z · APA(z; λ, κ) (SiLU at λ = κ = 1)."""

    UNIT = "aglu"

    @staticmethod
    def formula(x: Tensor, lambd: Tensor, kappa: Tensor) -> Tensor:
        return x * _apa(x, lambd, kappa)


# --------------------------------------------------------------------------------- SAU
@register(
    "sau", kind="learnable", family="smooth_rectifiers",
    formula=r"\alpha x + (1-\alpha)\left[x\,\Phi(x/\sigma) + \sigma\,\phi(x/\sigma)\right]",
    reference=ref("SAU: Smooth activation function using convolution with approximate identities",
                  "2109.13210", 2021, authors="Biswas, Banerjee, Pandey"),
    properties=dict(elementwise=True, smooth="Cinf", zero_at_zero=False, bounded_below=False,
                    bounded_above=False),
    params=dict(num_parameters=_NP, alpha=P(doc="leaky slope α of the smoothed Leaky ReLU"),
                sigma=P(0.0, None, open_low=True, doc="width σ of the Gaussian approximate identity")),
)
class SAU(_Learnable):
    """Smooth Activation Unit: Leaky ReLU_α convolved with a Gaussian of width σ.

    f(x) = αx + (1−α)[x Φ(x/σ) + σ φ(x/σ)], the exact convolution (closed form
    derived from the definition; the paper's parameterisation is unverified
    here).  α and σ are learnable (|σ| clamped at 1e-6); init α = 0.01,
    σ = 1 (defaults chosen here, unverified against the paper).
    """

    UNIT, PARAMS = "sau", ("alpha", "sigma")

    def __init__(self, num_parameters: int = 1, alpha: float = 0.01, sigma: float = 1.0):
        super().__init__()
        n = check_num_parameters(num_parameters, self.UNIT)
        if not isinstance(sigma, (int, float)) or sigma <= 0:
            raise ParameterError(f"parameter 'sigma' of 'sau' must be > 0; got {sigma!r}")
        self.alpha = _param(alpha, n, "alpha", self.UNIT)
        self.sigma = _param(sigma, n, "sigma", self.UNIT)

    @staticmethod
    def formula(x: Tensor, alpha: Tensor, sigma: Tensor) -> Tensor:
        s = sigma.abs().clamp_min(1e-6)
        t = x / s
        smooth_relu = x * normal_cdf(t) + s * INV_SQRT_2PI * torch.exp(-0.5 * t * t)
        return alpha * x + (1 - alpha) * smooth_relu


# ------------------------------------------------------------------------------- Snake
@register(
    "snake_learnable", kind="learnable", family="periodic",
    formula=r"x + \frac{1}{a}\sin^2(a x)",
    reference=ref("Neural Networks Fail to Learn Periodic Functions and How to Fix It", "2006.08195", 2020,
                  authors="Liu Ziyin, Hartwig, Ueda", venue="NeurIPS"),
    properties=dict(elementwise=True, smooth="Cinf", zero_at_zero=True, monotonic=True,
                    bounded_below=False, bounded_above=False),
    params=dict(num_parameters=_NP, a=P(0.0, None, open_low=True, doc="initial frequency a > 0")),
)
class SnakeLearnable(_Learnable):
    """Snake with learnable frequency: f(x) = x + sin²(a x)/a, one a per channel (or group/layer).

    The paper lets a be fixed or learned per neuron; its default init is a = 1
    (the form x + sin²(x)), with larger a (5-50) suggested for strongly
    periodic data (range unverified).  |a| is clamped at 1e-9 so 1/a stays
    finite; as a → 0 Snake tends to x.
    """

    UNIT, PARAMS = "snake_learnable", ("a",)

    def __init__(self, num_parameters: int = 1, a: float = 1.0):
        super().__init__()
        n = check_num_parameters(num_parameters, self.UNIT)
        if not isinstance(a, (int, float)) or a <= 0:
            raise ParameterError(f"parameter 'a' of 'snake_learnable' must be > 0; got {a!r}")
        self.a = _param(a, n, "a", self.UNIT)

    @staticmethod
    def formula(x: Tensor, a: Tensor) -> Tensor:
        a = torch.where(a.abs() < 1e-9, torch.full_like(a, 1e-9), a)
        s = torch.sin(a * x)
        return x + s * s / a


# --------------------------------------------------------------- expanded gating ranges
XGATE_REF = ref("Expanded Gating Ranges Improve Activation Functions", "2405.20768", 2024, authors="Huang")


def _atan_gate(x: Tensor) -> Tensor:
    """arctan(x)/π + 1/2 without cancellation for x ≪ 0.

    For x < 0, arctan(x) = −π/2 − arctan(1/x), so the gate is −arctan(1/x)/π:
    at x = −3e6 the direct form loses every digit in −1/2 + 1/2 (18 % error
    in x·gate in float32), this one keeps them.  It is used for x < −1 only
    (1/x stays bounded, so its gradient too); above, the direct form has no
    cancellation (gate ≥ 1/4).  The unused branch gets a safe input.
    """
    neg = x < -1
    xn = torch.where(neg, x, -torch.ones_like(x))
    return torch.where(neg, -torch.atan(1.0 / xn) / math.pi, torch.atan(x) / math.pi + 0.5)


_XPARAMS = dict(num_parameters=_NP, alpha=P(doc="initial gate expansion α (gate range [−α, 1+α])"))
_XPROPS = dict(elementwise=True, smooth="Cinf", zero_at_zero=True, self_gated=True,
               bounded_below=False, bounded_above=False)


class _ExpandedGate(_Learnable):
    """x·((1+2α)·g(x) − α): gate g stretched to the range [−α, 1+α], α learnable.

    α is one trainable scalar per MLP block in the paper (num_parameters=1);
    init α = 0 recovers the unexpanded unit (init value unverified against the
    paper).  Module-level subclasses (not a class factory) so models pickle.
    """

    PARAMS = ("alpha",)

    def __init__(self, num_parameters: int = 1, alpha: float = 0.0):
        super().__init__()
        self.alpha = _param(alpha, check_num_parameters(num_parameters, self.UNIT), "alpha", self.UNIT)

    @staticmethod
    def gate(x: Tensor) -> Tensor:
        raise NotImplementedError

    @classmethod
    def formula(cls, x: Tensor, alpha: Tensor) -> Tensor:
        return x * ((1 + 2 * alpha) * cls.gate(x) - alpha)


@register("xatlu_learnable", kind="learnable", family="expanded_gates", reference=XGATE_REF,
          formula=r"x\left((1+2\alpha)\,\left(\tfrac{\arctan x}{\pi} + \tfrac12\right) - \alpha\right)",
          properties=_XPROPS, params=_XPARAMS)
class XATLULearnable(_ExpandedGate):
    """xATLU: arctan-gated linear unit with a learnable gate expansion, x·((1+2α)(arctan(x)/π + 1/2) − α)."""

    UNIT = "xatlu_learnable"
    gate = staticmethod(_atan_gate)


@register("xgelu_learnable", kind="learnable", family="expanded_gates", reference=XGATE_REF,
          formula=r"x\left((1+2\alpha)\,\Phi(x) - \alpha\right)", properties=_XPROPS, params=_XPARAMS)
class XGELULearnable(_ExpandedGate):
    """xGELU: Gaussian-CDF gate with a learnable gate expansion, x·((1+2α)Φ(x) − α)."""

    UNIT = "xgelu_learnable"
    gate = staticmethod(normal_cdf)


@register("xsilu_learnable", kind="learnable", family="expanded_gates", reference=XGATE_REF,
          formula=r"x\left((1+2\alpha)\,\sigma(x) - \alpha\right)", properties=_XPROPS, params=_XPARAMS)
class XSiLULearnable(_ExpandedGate):
    """xSiLU: sigmoid gate with a learnable gate expansion, x·((1+2α)σ(x) − α)."""

    UNIT = "xsilu_learnable"
    gate = staticmethod(torch.sigmoid)


# ------------------------------------------------------------------------------- PReLU
@register(
    "prelu", kind="learnable", family="rectifiers",
    formula=r"\max(0, x) + a\min(0, x)",
    reference=ref("Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification",
                  "1502.01852", 2015, authors="He, Zhang, Ren, Sun", venue="ICCV"),
    properties=dict(elementwise=True, smooth="C0", zero_at_zero=True, piecewise_linear=True,
                    bounded_below=False, bounded_above=False),
    params=dict(num_parameters=_NP, init=P(doc="initial negative slope a (0.25 in the paper)")),
)
class PReLU(_Learnable):
    """Parametric ReLU: f(x) = max(0, x) + a·min(0, x), a learnable (init 0.25), per layer or channel."""

    UNIT, PARAMS = "prelu", ("weight",)

    def __init__(self, num_parameters: int = 1, init: float = 0.25):
        super().__init__()
        self.weight = _param(init, check_num_parameters(num_parameters, self.UNIT), "init", self.UNIT)

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, self.UNIT)
        g = self.weight.shape[0]
        if g > 1 and x.dim() < 2:
            return super().forward(x)  # 1-D input: channel dim 0 (nn.PReLU would refuse)
        w = self.weight
        if g > 1:
            broadcast_param(w, x, self.UNIT)  # validates the channel count
            if x.shape[1] != g:
                w = w.repeat_interleave(x.shape[1] // g)
        return torch.nn.functional.prelu(x, w.to(x.dtype))  # the builtin saves only x

    @staticmethod
    def formula(x: Tensor, weight: Tensor) -> Tensor:
        return torch.clamp_min(x, 0) + weight * torch.clamp_max(x, 0)


# ------------------------------------------------------------------------- Cauchy / XNet
@register(
    "cauchy_xnet", aliases=("cauchy_activation", "xnet"), kind="learnable", family="rational",
    formula=r"\frac{\lambda_1 x + \lambda_2}{x^2 + d^2}",
    reference=ref("Cauchy activation function and XNet", "2409.19221", 2024, authors="Li, Xia, Zhang"),
    properties=dict(elementwise=True, smooth="Cinf", bounded_below=False, bounded_above=False,
                    zero_at_zero=False),
    params=dict(num_parameters=_NP, lambda1=P(doc="initial λ₁ (odd part)"),
                lambda2=P(doc="initial λ₂ (even part)"), d=P(0.0, None, open_low=True, doc="initial width d")),
)
class CauchyXNet(_Learnable):
    """Cauchy activation of XNet: φ(x) = λ₁ x/(x² + d²) + λ₂/(x² + d²).

    The real and imaginary parts of the Cauchy kernel 1/(x + i d); λ₁, λ₂ and
    d are trainable per neuron (``num_parameters`` = features) or shared.
    Init λ₁ = λ₂ = d = 1 (defaults chosen here; unverified against the paper).
    d² is floored at 1e-12 so there is never a pole.
    """

    UNIT, PARAMS = "cauchy_xnet", ("lambda1", "lambda2", "d")

    def __init__(self, num_parameters: int = 1, lambda1: float = 1.0, lambda2: float = 1.0, d: float = 1.0):
        super().__init__()
        n = check_num_parameters(num_parameters, self.UNIT)
        if not isinstance(d, (int, float)) or d <= 0:
            raise ParameterError(f"parameter 'd' of 'cauchy_xnet' must be > 0; got {d!r}")
        self.lambda1 = _param(lambda1, n, "lambda1", self.UNIT)
        self.lambda2 = _param(lambda2, n, "lambda2", self.UNIT)
        self.d = _param(d, n, "d", self.UNIT)

    @staticmethod
    def formula(x: Tensor, lambda1: Tensor, lambda2: Tensor, d: Tensor) -> Tensor:
        # (l1 x + l2) / (x^2 + d^2), divided through by max(|x|, 1) so x^2 never overflows
        s = torch.clamp_min(x.abs(), 1.0)
        xs = x / s
        den = xs * xs + (d * d).clamp_min(1e-12) / (s * s)
        return (lambda1 * xs + lambda2 / s) / den / s
