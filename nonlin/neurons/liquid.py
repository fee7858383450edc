"""Liquid neurons: Closed-form Continuous-time (CfC) and Liquid Time-constant (LTC) cells.

Equations as in the papers and the ncps package (mlech26l/ncps, ``cfc_cell.py``,
``ltc_cell.py``); implemented from the equations, with loaders for ncps state
dicts so outputs can be compared.  Both accept ``timespans`` (elapsed time per
step; default 1.0).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import check_choice, check_optional_int, check_params, check_sequence, check_step_input, timespan_tensor

CFC_MODES = ("default", "no_gate", "pure")
BACKBONE_ACTS = ("lecun_tanh", "silu", "relu", "tanh", "gelu")


class _NcpsLeCun(nn.Module):
    """1.7159·tanh(0.666·x): ncps's LeCun tanh (its constant 0.666, not exactly 2/3)."""

    def forward(self, x):
        return 1.7159 * torch.tanh(0.666 * x)


def _backbone_act(name):
    return {"lecun_tanh": _NcpsLeCun, "silu": nn.SiLU, "relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}[name]()


def _step_timespan(timespan, B, ref):
    """Elapsed time of one step as (B, 1): None -> 1, a scalar, or one value per batch element."""
    if timespan is None:
        return torch.ones(B, 1, dtype=ref.dtype, device=ref.device)
    ts = torch.as_tensor(timespan, dtype=ref.dtype, device=ref.device).reshape(-1, 1)
    if ts.shape[0] not in (1, B) or bool((ts <= 0).any()):
        raise ValueError(f"timespan must be a positive scalar or one positive value per batch element ({B})")
    return ts.expand(B, 1)


def _check_sizes(unit, **sizes):
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ParameterError(f"'{unit}': {name} must be a positive integer; got {v!r}")


@register(
    "cfc", kind="neuron", family="liquid",
    formula=(r"z=\mathrm{bb}([x_t,h_{t-1}]),\ \sigma_t=\mathrm{sigmoid}(W_a z\,\Delta t+W_b z),\ "
             r"h_t=\tanh(W_1 z)\odot(1-\sigma_t)+\sigma_t\odot\tanh(W_2 z)"),
    reference=ref("Closed-form continuous-time neural networks", "2106.13898", 2022,
                  authors="Hasani, Lechner, Amini, Liebenwein, Ray, Tschaikowski, Teschl, Rus",
                  venue="Nature Machine Intelligence"),
    properties=dict(stateful=True, elementwise=False),
    params=dict(units=P(kind="any", doc="hidden units (None: output_size, no projection)"),
                mode=P(choices=CFC_MODES, doc="default (gated), no_gate, or pure (direct LTC-solution form)"),
                backbone_activation=P(choices=BACKBONE_ACTS, doc="backbone activation"),
                backbone_units=P(1, None, kind="int", doc="backbone width"),
                backbone_layers=P(0, None, kind="int", doc="backbone depth (0: none)"),
                backbone_dropout=P(0.0, 1.0, open_high=True, doc="dropout between backbone layers")),
    positional=2,
)
class CfC(nn.Module):
    """Closed-form continuous-time cell (CfC), the closed-form approximation of the LTC ODE.

    z = backbone([x_t, h_{t-1}]) (Linear + LeCun tanh, 128 units, 1 layer by default);
    ff1 = tanh(W_1 z), ff2 = tanh(W_2 z), σ_t = sigmoid(W_a z · Δt + W_b z)  (the time gate);
    default: h_t = ff1 ⊙ (1 − σ_t) + σ_t ⊙ ff2;  no_gate: h_t = ff1 + σ_t ⊙ ff2;
    pure: h_t = −A ⊙ exp(−Δt (|w_τ| + |W_1 z|)) ⊙ W_1 z + A.
    Output y_t = h_t, or a Linear projection when ``units`` differs from ``output_size``.
    Initialisation as ncps: Xavier-uniform matrices, PyTorch-default biases, w_τ = 0, A = 1.
    Δt = ``timespans`` (default 1).  The LSTM "mixed memory" option of ncps is not implemented.
    Paper: Hasani et al., "Closed-form continuous-time neural networks", Nat. Mach. Intell.
    2022, arXiv 2106.13898.
    """

    _unit = "cfc"

    def __init__(self, input_size: int, output_size: int, units: int | None = None, mode: str = "default",
                 backbone_activation: str = "lecun_tanh", backbone_units: int = 128, backbone_layers: int = 1,
                 backbone_dropout: float = 0.0):
        super().__init__()
        check_optional_int(units, "units", self._unit)
        units = output_size if units is None else units
        _check_sizes(self._unit, input_size=input_size, output_size=output_size, units=units)
        check_params(self._unit, mode=mode, backbone_activation=backbone_activation, backbone_units=backbone_units,
                     backbone_layers=backbone_layers, backbone_dropout=backbone_dropout)
        self.input_size, self.output_size, self.units, self.mode = input_size, output_size, units, mode
        self.backbone_layers = backbone_layers
        if backbone_layers > 0:
            layers = [nn.Linear(input_size + units, backbone_units), _backbone_act(backbone_activation)]
            for _ in range(1, backbone_layers):
                layers += [nn.Linear(backbone_units, backbone_units), _backbone_act(backbone_activation)]
                if backbone_dropout > 0:
                    layers.append(nn.Dropout(backbone_dropout))
            self.backbone = nn.Sequential(*layers)
            width = backbone_units
        else:
            self.backbone = nn.Identity()
            width = input_size + units
        self.ff1 = nn.Linear(width, units)
        if mode == "pure":
            self.w_tau = nn.Parameter(torch.zeros(1, units))
            self.A = nn.Parameter(torch.ones(1, units))
        else:
            self.ff2 = nn.Linear(width, units)
            self.time_a = nn.Linear(width, units)
            self.time_b = nn.Linear(width, units)
        for p in self.parameters():
            if p.dim() == 2 and p.requires_grad and p is not getattr(self, "w_tau", None) and p is not getattr(self, "A", None):
                nn.init.xavier_uniform_(p)
        self.fc = nn.Linear(units, output_size) if units != output_size else nn.Identity()

    def initial_state(self, batch_size, device=None, dtype=None):
        return torch.zeros(batch_size, self.units, device=device or self.ff1.weight.device,
                           dtype=dtype or self.ff1.weight.dtype)

    def _cell(self, x_t: Tensor, h: Tensor, ts: Tensor) -> Tensor:
        z = self.backbone(torch.cat([x_t, h], 1))
        ff1 = self.ff1(z)
        if self.mode == "pure":
            return -self.A * torch.exp(-ts * (self.w_tau.abs() + ff1.abs())) * ff1 + self.A
        ff1, ff2 = torch.tanh(ff1), torch.tanh(self.ff2(z))
        gate = torch.sigmoid(self.time_a(z) * ts + self.time_b(z))
        if self.mode == "no_gate":
            return ff1 + gate * ff2
        return ff1 * (1.0 - gate) + gate * ff2

    def forward(self, x: Tensor, state=None, timespans=None):
        """x (B, T, input_size) -> (y (B, T, output_size), h_T); timespans: elapsed time per step."""
        check_sequence(x, self.input_size, self._unit)
        B, T, _ = x.shape
        ts = timespan_tensor(timespans, B, T, x, self._unit)
        h = self.initial_state(B, x.device, x.dtype) if state is None else state
        if T == 0:  # no steps: empty output, state unchanged
            return x.new_zeros(B, 0, self.output_size), h
        out = []
        for t in range(T):
            h = self._cell(x[:, t], h, ts[:, t])
            out.append(h)
        return self.fc(torch.stack(out, 1)), h

    def step(self, x_t: Tensor, state=None, timespan=None):
        check_step_input(x_t, self.input_size, self._unit)
        B = x_t.shape[0]
        h = self.initial_state(B, x_t.device, x_t.dtype) if state is None else state
        h = self._cell(x_t, h, _step_timespan(timespan, B, x_t))
        return self.fc(h), h

    def load_ncps_state_dict(self, sd: dict) -> None:
        """Load weights from an ``ncps.torch.CfC`` state dict (same names under ``rnn_cell.``)."""
        mapped = {}
        for k, v in sd.items():
            if k.startswith("rnn_cell."):
                mapped[k[len("rnn_cell."):]] = v
            elif k.startswith("fc."):
                mapped[k] = v
        self.load_state_dict(mapped)


@register(
    "ltc", kind="neuron", family="liquid",
    formula=(r"\frac{dv}{dt}=-\Big[\frac{1}{\tau}+f(v,I)\Big]v+f(v,I)A;\ "
             r"v\leftarrow\frac{c_m v/\delta+g_l v_l+\sum_j w_j\sigma_j(v_j)E_j}{c_m/\delta+g_l+\sum_j w_j\sigma_j(v_j)},"
             r"\ \delta=\Delta t/K"),
    reference=ref("Liquid Time-constant Networks", "2006.04439", 2021,
                  authors="Hasani, Lechner, Amini, Rus, Grosu", venue="AAAI"),
    properties=dict(stateful=True, elementwise=False),
    params=dict(units=P(kind="any", doc="number of LTC neurons (None: output_size); outputs read the first ones"),
                ode_unfolds=P(1, None, kind="int", doc="semi-implicit Euler steps K per input step"),
                implicit_param_constraints=P(kind="bool", doc="softplus on w, cm, g_leak (else clip after steps)"),
                epsilon=P(0.0, None, doc="added to the denominator"),
                seed=P(0, 2**63 - 1, kind="int", doc="seed of the synapse polarities (reversal potentials ±1)")),
    positional=2,
)
class LTC(nn.Module):
    """Liquid time-constant network, fully connected, solved with K semi-implicit (fused) Euler unfolds.

    Synapse j→i conducts w_ji·sigmoid(σ_ji (v_j − μ_ji)) with reversal potential E_ji ∈ {−1, +1}
    (2/3 excitatory); sensory synapses likewise from the affinely mapped inputs.  Each of the K
    unfolds (K = 6) per input step updates
    v ← (c_m/δ · v + g_leak v_leak + Σ_j w σ(v_j) E) / (c_m/δ + g_leak + Σ_j w σ(v_j) + ε), δ = Δt/K.
    Outputs: the first ``output_size`` neurons, affinely mapped (weight 1, bias 0 at init).
    Initial ranges as ncps: g_leak U[0.001, 1], v_leak U[−0.2, 0.2], c_m U[0.4, 0.6],
    w U[0.001, 1], σ U[3, 8], μ U[0.3, 0.8] (sensory: same w, σ, μ ranges).  Without implicit
    constraints call :meth:`apply_weight_constraints` after each optimiser step.  Default: softplus
    constraints (the default of ``ncps.torch.LTC``).
    Paper: Hasani et al., "Liquid Time-constant Networks", AAAI 2021, arXiv 2006.04439.
    """

    _unit = "ltc"

    def __init__(self, input_size: int, output_size: int, units: int | None = None, ode_unfolds: int = 6,
                 implicit_param_constraints: bool = True, epsilon: float = 1e-8, seed: int = 1111):
        super().__init__()
        check_optional_int(units, "units", self._unit)
        units = output_size if units is None else units
        _check_sizes(self._unit, input_size=input_size, output_size=output_size, units=units)
        check_params(self._unit, ode_unfolds=ode_unfolds, implicit_param_constraints=implicit_param_constraints,
                     epsilon=epsilon, seed=seed)
        if output_size > units:
            raise ParameterError(f"'ltc': output_size ({output_size}) must be <= units ({units})")
        self.input_size, self.output_size, self.units = input_size, output_size, units
        self.ode_unfolds, self.epsilon = ode_unfolds, float(epsilon)
        self.implicit_param_constraints = implicit_param_constraints

        def U(shape, lo, hi):
            return nn.Parameter(torch.rand(*shape) * (hi - lo) + lo)

        n, m = units, input_size
        self.gleak, self.vleak, self.cm = U((n,), 0.001, 1.0), U((n,), -0.2, 0.2), U((n,), 0.4, 0.6)
        self.sigma, self.mu, self.w = U((n, n), 3, 8), U((n, n), 0.3, 0.8), U((n, n), 0.001, 1.0)
        self.sensory_sigma, self.sensory_mu = U((m, n), 3, 8), U((m, n), 0.3, 0.8)
        self.sensory_w = U((m, n), 0.001, 1.0)
        rng = np.random.default_rng(seed)
        self.register_buffer("erev", torch.tensor(rng.choice([-1.0, 1.0, 1.0], size=(n, n)), dtype=torch.float32))
        self.register_buffer("sensory_erev", torch.tensor(rng.choice([-1.0, 1.0, 1.0], size=(m, n)),
                                                          dtype=torch.float32))
        self.input_w, self.input_b = nn.Parameter(torch.ones(m)), nn.Parameter(torch.zeros(m))
        self.output_w, self.output_b = nn.Parameter(torch.ones(output_size)), nn.Parameter(torch.zeros(output_size))

    def _pos(self, p):
        return F.softplus(p) if self.implicit_param_constraints else p

    @torch.no_grad()
    def apply_weight_constraints(self) -> None:
        """Clip w, sensory_w, c_m, g_leak at 0 (call after each optimiser step without implicit constraints)."""
        for p in (self.w, self.sensory_w, self.cm, self.gleak):
            p.clamp_(min=0)

    def initial_state(self, batch_size, device=None, dtype=None):
        return torch.zeros(batch_size, self.units, device=device or self.w.device, dtype=dtype or self.w.dtype)

    @staticmethod
    def _syn(v, mu, sigma):  # sigmoid(σ (v_pre − μ)), v (B, n_pre) -> (B, n_pre, n_post)
        return torch.sigmoid(sigma * (v[..., None] - mu))

    def _cell(self, x_t, v, ts):
        x_t = x_t * self.input_w + self.input_b
        sw = self._pos(self.sensory_w) * self._syn(x_t, self.sensory_mu, self.sensory_sigma)
        num_s = (sw * self.sensory_erev).sum(1)
        den_s = sw.sum(1)
        cm_t = self._pos(self.cm) / (ts / self.ode_unfolds)
        w = self._pos(self.w)
        gleak = self._pos(self.gleak)
        for _ in range(self.ode_unfolds):
            wa = w * self._syn(v, self.mu, self.sigma)
            num = cm_t * v + gleak * self.vleak + (wa * self.erev).sum(1) + num_s
            den = cm_t + gleak + wa.sum(1) + den_s
            v = num / (den + self.epsilon)
        return v

    def _readout(self, v):
        return v[..., :self.output_size] * self.output_w + self.output_b

    def forward(self, x: Tensor, state=None, timespans=None):
        check_sequence(x, self.input_size, self._unit)
        B, T, _ = x.shape
        ts = timespan_tensor(timespans, B, T, x, self._unit)
        v = self.initial_state(B, x.device, x.dtype) if state is None else state
        if T == 0:  # no steps: empty output, state unchanged
            return x.new_zeros(B, 0, self.output_size), v
        out = []
        for t in range(T):
            v = self._cell(x[:, t], v, ts[:, t])
            out.append(v)
        return self._readout(torch.stack(out, 1)), v

    def step(self, x_t: Tensor, state=None, timespan=None):
        check_step_input(x_t, self.input_size, self._unit)
        B = x_t.shape[0]
        v = self.initial_state(B, x_t.device, x_t.dtype) if state is None else state
        v = self._cell(x_t, v, _step_timespan(timespan, B, x_t))
        return self._readout(v), v
