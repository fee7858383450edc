"""Spiking neurons: LIF (with optional membrane-potential BatchNorm), adaptive LIF,
current-based (synaptic) LIF, and a learned-delay synapse layer.

All spiking layers are feed-forward: a Linear layer maps the input x_t to the
input current I_t (computed for all steps at once), then the membrane runs step
by step.  The output y_t is the spike train S_t ∈ {0, 1}; the state carries the
membrane(s) and the last spikes.  Spikes use a Heaviside forward and a
surrogate derivative (``surrogate=`` name, see :mod:`nonlin.neurons.surrogate`).
The reset signal is detached from the graph (as snnTorch does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import F32_SAFE, F32_TINY, check_choice, check_params, check_sequence, check_step_input, no_timespans
from .surrogate import SURROGATES, spike_fn

SNNTORCH_REF = ref("Training Spiking Neural Networks Using Lessons From Deep Learning", "2109.12894", 2023,
                   authors="Eshraghian, Ward, Neftci, Wang, Lenz, Dwivedi, Bennamoun, Jeong, Lu",
                   venue="Proceedings of the IEEE")
RESETS = ("subtract", "zero")


def _check_sizes(unit, input_size, output_size):
    for name, v in (("input_size", input_size), ("output_size", output_size)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ParameterError(f"'{unit}': {name} must be a positive integer; got {v!r}")


class _SpikingBase(nn.Module):
    """Linear input current + a per-step membrane update implemented by subclasses in ``_update``."""

    _unit = ""
    _n_state = 2

    def __init__(self, input_size, output_size, bias, surrogate, surrogate_params):
        super().__init__()
        unit = self._unit
        _check_sizes(unit, input_size, output_size)
        check_params(unit, bias=bias)
        check_choice(surrogate, "surrogate", tuple(SURROGATES), unit)
        if surrogate_params is not None and (not isinstance(surrogate_params, Mapping)
                                             or not all(isinstance(k, str) for k in surrogate_params)):
            raise ParameterError(f"parameter 'surrogate_params' of '{unit}' must be None or a dict of "
                                 f"parameters of the surrogate (e.g. {{'alpha': 2.0}}); got {surrogate_params!r}")
        try:
            self.spike = spike_fn(surrogate, **dict(surrogate_params or {}))
        except ParameterError as err:
            raise ParameterError(f"parameter 'surrogate_params' of '{unit}': {err}") from None
        self.input_size, self.output_size = input_size, output_size
        self.fc = nn.Linear(input_size, output_size, bias=bias)
        self.surrogate = surrogate

    def initial_state(self, batch_size, device=None, dtype=None):
        device = device or self.fc.weight.device
        dtype = dtype or self.fc.weight.dtype
        return tuple(torch.zeros(batch_size, self.output_size, device=device, dtype=dtype)
                     for _ in range(self._n_state))

    def forward(self, x: Tensor, state=None, timespans=None):
        """x (B, T, input_size) -> (spikes (B, T, output_size), final state)."""
        check_sequence(x, self.input_size, self._unit)
        no_timespans(timespans, self._unit)
        if state is None:
            state = self.initial_state(x.shape[0], x.device, x.dtype)
        if x.shape[1] == 0:  # no steps: empty output, state unchanged
            return x.new_zeros(x.shape[0], 0, self.output_size), state
        cur = self.fc(x)  # input currents of all steps in one matmul
        out = []
        for t in range(x.shape[1]):
            s, state = self._update(cur[:, t], state)
            out.append(s)
        return torch.stack(out, 1), state

    def step(self, x_t: Tensor, state=None):
        check_step_input(x_t, self.input_size, self._unit)
        if state is None:
            state = self.initial_state(x_t.shape[0], x_t.device, x_t.dtype)
        return self._update(self.fc(x_t), state)


def _decay_param(value, learn):
    t = torch.tensor(float(value))
    return nn.Parameter(t) if learn else t


@register(
    "lif", aliases=("leaky",), kind="neuron", family="spiking",
    formula=(r"U_t=\beta U_{t-1}+W x_t+b-S_{t-1}\theta,\quad S_t=\Theta(U_t-\theta)"
             r"\ \ (\text{zero reset: } U_t=\beta(1-S_{t-1})U_{t-1}+W x_t+b)"),
    reference=SNNTORCH_REF, properties=dict(stateful=True, surrogate_gradient=True, elementwise=False),
    params=dict(beta=P(0.0, 1.0, doc="membrane decay β = exp(-Δt/τ_mem)"),
                threshold=P(0.0, F32_SAFE, open_low=True, doc="firing threshold θ"),
                reset=P(choices=RESETS, doc="reset by subtraction of θ or to zero"),
                surrogate=P(choices=tuple(SURROGATES), doc="surrogate gradient of the spike"),
                surrogate_params=P(kind="any", doc="dict of surrogate parameters (e.g. {'alpha': 2.0})"),
                learn_beta=P(kind="bool", doc="train β (clamped to [0, 1])"),
                learn_threshold=P(kind="bool", doc="train θ"),
                bias=P(kind="bool", doc="bias in the input Linear"),
                mpbn=P(kind="bool", doc="membrane-potential BatchNorm before firing (Guo et al. 2023)")),
    positional=2,
)
class LIF(_SpikingBase):
    """Leaky integrate-and-fire neuron (snnTorch ``Leaky`` equations), optionally with MPBN.

    I_t = W x_t + b;  U_t = β U_{t-1} + I_t − S_{t-1} θ  (reset by subtraction; the reset signal
    S_{t-1} is detached), or U_t = β (1 − S_{t-1}) U_{t-1} + I_t (reset to zero);
    S_t = Θ(U_t − θ) with Θ(v) = 1 for v > 0 and a surrogate derivative (default arctan, α = 2).
    β = 0.9, θ = 1 by default; W, b use PyTorch's Linear initialisation.  Reference: Eshraghian
    et al., "Training Spiking Neural Networks Using Lessons From Deep Learning", Proc. IEEE 2023,
    arXiv 2109.12894.

    MPBN ("Membrane Potential Batch Normalization for Spiking Neural Networks", Guo et al., ICCV
    2023, arXiv 2308.08359): with ``mpbn=True`` the spike is S_t = Θ(BN(U_t) − θ), with a
    BatchNorm1d over the batch at every step (running statistics shared over time).  The
    membrane and its reset stay un-normalised.  :meth:`fold_mpbn` folds an evaluation-mode BN
    into a per-neuron threshold θ̃ = (θ − β_bn)·sqrt(σ² + ε)/γ + μ (the comparison flips where
    γ < 0), which gives identical inference spikes with no BN at run time.
    """

    _unit = "lif"
    _n_state = 2  # (membrane U, last spikes S)

    def __init__(self, input_size: int, output_size: int, beta: float = 0.9, threshold: float = 1.0,
                 reset: str = "subtract", surrogate: str = "atan", surrogate_params: dict | None = None,
                 learn_beta: bool = False, learn_threshold: bool = False, bias: bool = True,
                 mpbn: bool = False):
        check_params(self._unit, beta=beta, threshold=threshold, reset=reset, learn_beta=learn_beta,
                     learn_threshold=learn_threshold, mpbn=mpbn)
        super().__init__(input_size, output_size, bias, surrogate, surrogate_params)
        self.reset = reset
        b = _decay_param(beta, learn_beta)
        if learn_beta:
            self.beta = b
        else:
            self.register_buffer("beta", b)
        th = torch.tensor(float(threshold))
        if learn_threshold:
            self.threshold = nn.Parameter(th)
        else:
            self.register_buffer("threshold", th)
        self.bn = nn.BatchNorm1d(output_size) if mpbn else None
        self.register_buffer("folded_threshold", None)
        self.register_buffer("folded_sign", None)

    def _fire(self, U: Tensor) -> Tensor:
        if self.folded_threshold is not None:
            return self.spike(self.folded_sign * (U - self.folded_threshold))
        if self.bn is not None:
            return self.spike(self.bn(U) - self.threshold)
        return self.spike(U - self.threshold)

    def _update(self, I: Tensor, state):
        U, S = state
        S = S.detach()
        beta = self.beta.clamp(0, 1)
        if self.reset == "subtract":
            U = beta * U + I - S * self.threshold
        else:
            U = beta * (1 - S) * U + I
        S = self._fire(U)
        return S, (U, S)

    @torch.no_grad()
    def fold_mpbn(self) -> None:
        """Fold the (evaluation-mode) membrane BatchNorm into per-neuron thresholds; removes the BN."""
        if self.bn is None:
            raise ValueError("'lif': fold_mpbn() needs a layer built with mpbn=True")
        bn = self.bn
        s = torch.sqrt(bn.running_var + bn.eps)
        gamma = bn.weight if bn.affine else torch.ones_like(s)
        shift = bn.bias if bn.affine else torch.zeros_like(s)
        theta = self.threshold.detach().expand_as(s)
        safe = torch.where(gamma == 0, torch.ones_like(gamma), gamma)
        thr = (theta - shift) * s / safe + bn.running_mean
        # γ = 0: BN(U) = β_bn is constant, the neuron always (β_bn > θ) or never fires
        never = torch.full_like(thr, float("inf"))
        thr = torch.where(gamma == 0, torch.where(shift > theta, -never, never), thr)
        self.folded_sign = torch.where(gamma < 0, -torch.ones_like(s), torch.ones_like(s))
        self.folded_threshold = thr
        self.bn = None


ALIF_VARIANTS = ("lsnn", "eprop")


@register(
    "alif", aliases=("adaptive_lif",), kind="neuron", family="spiking",
    formula=(r"a_t=\rho a_{t-1}+(1-\rho)S_{t-1},\ A_t=\theta_0+\beta_a a_t,\ "
             r"U_t=\alpha U_{t-1}+W x_t+b-S_{t-1}A_t,\ S_t=\Theta\big((U_t-A_t)/A_t\big)"),
    reference=ref("Long short-term memory and learning-to-learn in networks of spiking neurons", "1803.09574",
                  2018, authors="Bellec, Salaj, Subramoney, Legenstein, Maass", venue="NeurIPS"),
    properties=dict(stateful=True, surrogate_gradient=True, elementwise=False),
    params=dict(tau_mem=P(0.0, None, open_low=True, doc="membrane time constant (steps); α = exp(-1/τ_mem)"),
                tau_adapt=P(0.0, None, open_low=True, doc="adaptation time constant (steps); ρ = exp(-1/τ_a)"),
                adapt_beta=P(0.0, F32_SAFE, doc="threshold adaptation strength β_a"),
                threshold=P(F32_TINY, F32_SAFE, doc="baseline threshold θ_0 (the surrogate divides by it)"),
                variant=P(choices=ALIF_VARIANTS,
                          doc="lsnn: reset by and surrogate normalised by the adaptive threshold A_t "
                              "(Bellec et al. 2018, arXiv 1803.09574); eprop: reset by and normalised by θ_0 "
                              "(Bellec et al. 2020, arXiv 1901.09049)"),
                surrogate=P(choices=tuple(SURROGATES), doc="surrogate gradient of the spike"),
                surrogate_params=P(kind="any", doc="dict of surrogate parameters"),
                bias=P(kind="bool", doc="bias in the input Linear")),
    positional=2,
)
class ALIF(_SpikingBase):
    """Adaptive LIF (the LSNN neuron): a spike raises the neuron's threshold, which decays slowly.

    a_t = ρ a_{t-1} + (1 − ρ) S_{t-1};  A_t = θ_0 + β_a a_t  (the adaptive threshold);
    ``variant="lsnn"`` (default; the cited paper's code, IGITUGraz/LSNN-official ``ALIF``):
    U_t = α U_{t-1} + I_t − S_{t-1} A_t  (the reset removes the adaptive threshold),
    S_t = Θ(v_t) with v_t = (U_t − A_t)/A_t, so the surrogate derivative (triangle,
    γ·max(0, 1 − |v|), γ = 0.3 as in the paper) acts on the membrane normalised by A_t;
    ``variant="eprop"`` (the later e-prop rule, "A solution to the learning dilemma for recurrent
    networks of spiking neurons", Bellec et al., Nat. Commun. 2020, arXiv 1901.09049):
    U_t = α U_{t-1} + I_t − S_{t-1} θ_0 and v_t = (U_t − A_t)/θ_0.  Spikes are the same function of
    the membrane in both (Θ(U_t − A_t)); the reset and the gradient differ.
    α = exp(−1/τ_mem), ρ = exp(−1/τ_a); defaults τ_mem = 20, τ_a = 200, β_a = 1.8, θ_0 = 1
    (LSNN code defaults: τ = 20, τ_a = 200, β = 1.6).  Like nonlin's other LIF units, the spike
    is tested on the membrane of the same step and the input current is I_t = W x_t + b (the LSNN
    code tests the previous step's membrane, scales the current by 1 − α and uses refractory
    periods; none of these is reproduced).  As in the other spiking units the previous spikes are
    detached (reset and adaptation carry no gradient).  Paper: "Long short-term memory and learning-to-learn
    in networks of spiking neurons", Bellec et al., NeurIPS 2018, arXiv 1803.09574.
    """

    _unit = "alif"
    _n_state = 3  # (U, a, S)

    def __init__(self, input_size: int, output_size: int, tau_mem: float = 20.0, tau_adapt: float = 200.0,
                 adapt_beta: float = 1.8, threshold: float = 1.0, variant: str = "lsnn", surrogate: str = "triangle",
                 surrogate_params: dict | None = None, bias: bool = True):
        check_params(self._unit, tau_mem=tau_mem, tau_adapt=tau_adapt, adapt_beta=adapt_beta,
                     threshold=threshold, variant=variant)
        super().__init__(input_size, output_size, bias, surrogate, surrogate_params)
        self.alpha = math.exp(-1.0 / tau_mem)
        self.rho = math.exp(-1.0 / tau_adapt)
        self.adapt_beta, self.threshold, self.variant = float(adapt_beta), float(threshold), variant

    def _update(self, I, state):
        U, a, S = state
        S = S.detach()
        a = self.rho * a + (1 - self.rho) * S
        A = self.threshold + self.adapt_beta * a
        if self.variant == "lsnn":
            U = self.alpha * U + I - S * A
            S = self.spike((U - A) / A)
        else:
            U = self.alpha * U + I - S * self.threshold
            S = self.spike((U - A) / self.threshold)
        return S, (U, a, S)


@register(
    "synaptic_lif", aliases=("synaptic", "cuba_lif"), kind="neuron", family="spiking",
    formula=r"I^{syn}_t=\alpha I^{syn}_{t-1}+W x_t+b,\ U_t=\beta U_{t-1}+I^{syn}_t-S_{t-1}\theta,\ S_t=\Theta(U_t-\theta)",
    reference=ref("Surrogate Gradient Learning in Spiking Neural Networks", "1901.09948", 2019,
                  authors="Neftci, Mostafa, Zenke", venue="IEEE Signal Processing Magazine"),
    properties=dict(stateful=True, surrogate_gradient=True, elementwise=False),
    params=dict(alpha=P(0.0, 1.0, doc="synaptic current decay α = exp(-Δt/τ_syn)"),
                beta=P(0.0, 1.0, doc="membrane decay β = exp(-Δt/τ_mem)"),
                threshold=P(0.0, F32_SAFE, open_low=True, doc="firing threshold θ"),
                reset=P(choices=RESETS, doc="reset by subtraction or to zero"),
                surrogate=P(choices=tuple(SURROGATES), doc="surrogate gradient of the spike"),
                surrogate_params=P(kind="any", doc="dict of surrogate parameters"),
                bias=P(kind="bool", doc="bias in the input Linear")),
    positional=2,
)
class SynapticLIF(_SpikingBase):
    """Current-based LIF: a leaky synaptic current feeds a leaky membrane (snnTorch ``Synaptic``).

    I^syn_t = α I^syn_{t-1} + W x_t + b;  U_t = β U_{t-1} + I^syn_t − S_{t-1} θ (or the zero reset
    U_t = β(1 − S_{t-1})U_{t-1} + I^syn_t);  S_t = Θ(U_t − θ).  Defaults α = 0.8, β = 0.9 (Norse's
    τ_syn = 5 ms, τ_mem = 10 ms at Δt = 1 ms with Euler steps).  Paper: "Surrogate Gradient Learning
    in Spiking Neural Networks", Neftci, Mostafa, Zenke, 2019, arXiv 1901.09948.
    """

    _unit = "synaptic_lif"
    _n_state = 3  # (I_syn, U, S)

    def __init__(self, input_size: int, output_size: int, alpha: float = 0.8, beta: float = 0.9,
                 threshold: float = 1.0, reset: str = "subtract", surrogate: str = "atan",
                 surrogate_params: dict | None = None, bias: bool = True):
        check_params(self._unit, alpha=alpha, beta=beta, threshold=threshold, reset=reset)
        super().__init__(input_size, output_size, bias, surrogate, surrogate_params)
        self.alpha, self.beta, self.threshold, self.reset = float(alpha), float(beta), float(threshold), reset

    def _update(self, I, state):
        syn, U, S = state
        S = S.detach()
        syn = self.alpha * syn + I
        if self.reset == "subtract":
            U = self.beta * U + syn - S * self.threshold
        else:
            U = self.beta * (1 - S) * U + syn
        S = self.spike(U - self.threshold)
        return S, (syn, U, S)


@register(
    "learned_delay", aliases=("dcls_delay",), kind="neuron", family="spiking",
    formula=(r"y_t^{o}=\sum_i\sum_{k=0}^{K-1}w_{oi}\,\frac{g_\sigma(k-p_{oi})}{\sum_{k'}g_\sigma(k'-p_{oi})}\,x^{i}_{t-k},"
             r"\ g_\sigma(z)=e^{-z^2/2\sigma^2}"),
    reference=ref("Learning Delays in Spiking Neural Networks using Dilated Convolutions with Learnable Spacings",
                  "2306.17670", 2024, authors="Hammouamri, Khalfaoui-Hassani, Masquelier", venue="ICLR"),
    properties=dict(stateful=True, elementwise=False),
    params=dict(max_delay=P(1, None, kind="int", doc="number of delay taps K (delays 0..K-1 steps)"),
                sigma=P(kind="any", doc="initial Gaussian width σ (None: K/2); anneal with set_sigma()"),
                seed=P(0, 2**63 - 1, kind="int", doc="seed of the initial delay positions")),
    positional=2,
)
class LearnedDelay(nn.Module):
    """Synapses with learned delays (DCLS style): each synapse i→o has a weight w and a delay position p.

    The synapse's temporal kernel is a normalised Gaussian bump of width σ centred at p over the
    taps k = 0..K−1; y_t = Σ kernel ∗ x (causal).  Positions are trained by gradient descent (the
    paper uses a 100× larger learning rate for them) while σ is annealed from K/2 towards ~0.23
    (:meth:`set_sigma`, :meth:`anneal`), so each synapse ends with an (almost) integer delay;
    :meth:`round_delays` switches to exact integer delays.  Initialisation: w like nn.Linear,
    p uniform in [0, K−1].  Paper: Hammouamri et al., ICLR 2024, arXiv 2306.17670.  The output is
    a current; feed it into 'lif' for spikes.  State: the last K−1 inputs.
    """

    _unit = "learned_delay"

    def __init__(self, input_size: int, output_size: int, max_delay: int = 25, sigma: float | None = None,
                 seed: int = 0):
        super().__init__()
        _check_sizes(self._unit, input_size, output_size)
        check_params(self._unit, max_delay=max_delay, seed=seed)
        if sigma is not None and (isinstance(sigma, bool) or not isinstance(sigma, (int, float))
                                  or not 0 < sigma < math.inf):
            raise ParameterError(f"parameter 'sigma' of 'learned_delay' must be None or a positive finite number; "
                                 f"got {sigma!r}")
        self.input_size, self.output_size, self.max_delay = input_size, output_size, max_delay
        lin = nn.Linear(input_size, output_size, bias=False)
        self.weight = nn.Parameter(lin.weight.detach().clone())
        g = torch.Generator().manual_seed(seed)
        self.position = nn.Parameter(torch.rand(output_size, input_size, generator=g) * (max_delay - 1))
        self.sigma_init = float(sigma) if sigma is not None else max_delay / 2
        self.sigma = self.sigma_init
        self.rounded = False

    def set_sigma(self, sigma: float) -> None:
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0; got {sigma!r}")
        self.sigma = float(sigma)

    def anneal(self, progress: float, final_sigma: float = 0.23, anneal_fraction: float = 0.25) -> float:
        """σ for training progress in [0, 1]: exponential decay to ``final_sigma`` over the first quarter."""
        f = min(max(progress / anneal_fraction, 0.0), 1.0)
        self.sigma = self.sigma_init * (final_sigma / self.sigma_init) ** f
        return self.sigma

    def round_delays(self) -> None:
        """Use exact integer delays round(p) from now on (inference)."""
        self.rounded = True

    def kernel(self) -> Tensor:
        """(output, input, K): kernel[o, i, k] = w_oi · normalised bump at delay k."""
        k = torch.arange(self.max_delay, dtype=self.weight.dtype, device=self.weight.device)
        p = self.position.clamp(0, self.max_delay - 1)
        if self.rounded:
            bump = (k == p.detach().round()[..., None]).to(self.weight.dtype)
        else:
            bump = torch.exp(-0.5 * ((k - p[..., None]) / self.sigma) ** 2)
            bump = bump / bump.sum(-1, keepdim=True)
        return self.weight[..., None] * bump

    def initial_state(self, batch_size, device=None, dtype=None):
        return torch.zeros(batch_size, self.max_delay - 1, self.input_size,
                           device=device or self.weight.device, dtype=dtype or self.weight.dtype)

    def forward(self, x: Tensor, state=None, timespans=None):
        check_sequence(x, self.input_size, self._unit)
        no_timespans(timespans, self._unit)
        if state is None:
            state = self.initial_state(x.shape[0], x.device, x.dtype)
        if x.shape[1] == 0:  # no steps: empty output, state unchanged
            return x.new_zeros(x.shape[0], 0, self.output_size), state
        xx = torch.cat([state, x], 1)  # (B, K-1+T, in): past inputs first
        # conv1d is a cross-correlation: flip the kernel so tap k multiplies x_{t-k}
        y = torch.nn.functional.conv1d(xx.transpose(1, 2), self.kernel().flip(-1)).transpose(1, 2)
        new_state = xx[:, xx.shape[1] - (self.max_delay - 1):] if self.max_delay > 1 else state
        return y, new_state

    def step(self, x_t: Tensor, state=None):
        check_step_input(x_t, self.input_size, self._unit)
        y, state = self.forward(x_t[:, None], state)
        return y[:, 0], state
