"""AKOrN: artificial Kuramoto oscillatory neurons."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import F32_SAFE, check_params, check_sequence, check_step_input, no_timespans


@register(
    "akorn", aliases=("kuramoto",), kind="neuron", family="oscillatory",
    formula=(r"x_i\leftarrow\frac{x_i+\gamma\big(\Omega_i x_i+\mathrm{Proj}_{x_i}(c_i+\sum_j J_{ij}x_j)\big)}"
             r"{\|\cdot\|},\ \mathrm{Proj}_x(y)=y-\langle y,x\rangle x,\ "
             r"E=-\sum_i\langle x_i,c_i+\sum_j J_{ij}x_j\rangle"),
    reference=ref("Artificial Kuramoto Oscillatory Neurons", "2410.13821", 2025,
                  authors="Miyato, Löwe, Geiger, Welling", venue="ICLR"),
    properties=dict(stateful=True, elementwise=False),
    params=dict(n=P(2, None, kind="int", doc="dimension N of each oscillator (even)"),
                steps=P(1, None, kind="int", doc="Kuramoto updates per input step"),
                gamma=P(0.0, F32_SAFE, open_low=True, doc="step size γ (bounded so float32 stays finite)"),
                omega=P(kind="bool", doc="natural frequencies Ω (learnable rotation per 2-D pair)"),
                seed=P(0, 2**63 - 1, kind="int", doc="seed of the fixed random initial oscillator state")),
    positional=2,
)
class AKOrN(nn.Module):
    """A layer of Kuramoto oscillators: each neuron is a unit vector x_i ∈ S^{N−1} (N = 4).

    At each input step the conditioning c_t = W_c x_t + b (one N-vector per oscillator) drives
    ``steps`` (T = 8) updates
    x_i ← normalize(x_i + γ(Ω_i x_i + Proj_{x_i}(c_i + Σ_j J_ij x_j))), Proj_x(y) = y − ⟨y, x⟩x,
    with Ω_i a rotation generator with one learnable natural frequency per 2-D pair
    ((x₀, x₁) ↦ (ω x₁, −ω x₀)) and J a dense learnable coupling (the paper uses convolutions or
    attention on images).  The oscillators carry over to the next input step.  Readout: the norm
    over the N coordinates of a learned mix of the oscillators, y_t = ‖Σ_j R_ij x_j‖ (the
    "ReadOut" of the paper); the energy E = −Σ_i ⟨x_i, c_i + Σ_j J_ij x_j⟩ of every input step is
    kept in ``last_energy`` (B, T).  Init: J, W_c, R like nn.Linear; ω ~ N(0, 1)·0.1 (unverified);
    initial x: fixed random unit vectors (seeded); a state passed to :meth:`forward` or
    :meth:`step` is normalised to unit vectors first, as the reference code does
    (autonomousvision/akorn, ``KLayer.forward``).  Paper: "Artificial Kuramoto Oscillatory
    Neurons", Miyato, Löwe, Geiger, Welling, ICLR 2025, arXiv 2410.13821.  The paper's GroupNorm
    on c is left to the surrounding model.
    """

    _unit = "akorn"

    def __init__(self, input_size: int, output_size: int, n: int = 4, steps: int = 8, gamma: float = 1.0,
                 omega: bool = True, seed: int = 0):
        super().__init__()
        for name, v in (("input_size", input_size), ("output_size", output_size)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"'akorn': {name} must be a positive integer; got {v!r}")
        check_params(self._unit, n=n, steps=steps, gamma=gamma, omega=omega, seed=seed)
        if n % 2:
            raise ParameterError(f"'akorn': n must be even (rotations act on 2-D pairs); got {n}")
        self.input_size, self.output_size, self.n, self.steps = input_size, output_size, n, steps
        self.gamma = float(gamma)
        self.cond = nn.Linear(input_size, output_size * n)
        self.J = nn.Linear(output_size * n, output_size * n, bias=False)
        self.readout = nn.Linear(output_size, output_size, bias=False)
        self.omega = nn.Parameter(0.1 * torch.randn(output_size, n // 2)) if omega else None
        g = torch.Generator().manual_seed(seed)
        x0 = torch.randn(output_size, n, generator=g)
        self.register_buffer("x_init", x0 / x0.norm(dim=-1, keepdim=True))
        self.last_energy: Tensor | None = None

    def initial_state(self, batch_size, device=None, dtype=None):
        x = self.x_init.to(device=device or self.x_init.device, dtype=dtype or self.cond.weight.dtype)
        return x.expand(batch_size, -1, -1).clone()

    def _rotate(self, x: Tensor) -> Tensor:
        """Ω x: each pair (x0, x1) -> (ω x1, −ω x0)."""
        pairs = x.unflatten(-1, (self.n // 2, 2))
        rot = torch.stack([pairs[..., 1], -pairs[..., 0]], -1) * self.omega[..., None]
        return rot.flatten(-2)

    def _coupled(self, x: Tensor, c: Tensor) -> Tensor:
        B = x.shape[0]
        return c + self.J(x.reshape(B, self.output_size * self.n)).view(B, self.output_size, self.n)

    @staticmethod
    def _normalise(x: Tensor) -> Tensor:
        return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    def _check_state(self, s: Tensor, B: int) -> Tensor:
        """A user-supplied oscillator state, projected onto the sphere as the reference does."""
        if not isinstance(s, Tensor) or s.shape != (B, self.output_size, self.n):
            raise ValueError(f"'akorn': state must be a tensor of shape (batch, output_size, n) = "
                             f"({B}, {self.output_size}, {self.n}); got "
                             f"{tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__}")
        return self._normalise(s)

    def _step(self, x_t: Tensor, x: Tensor):
        c = self.cond(x_t).view(x_t.shape[0], self.output_size, self.n)
        for _ in range(self.steps):
            y = self._coupled(x, c)
            dx = y - (y * x).sum(-1, keepdim=True) * x
            if self.omega is not None:
                dx = dx + self._rotate(x)
            x = self._normalise(x + self.gamma * dx)
        energy = -(x * self._coupled(x, c)).sum((-1, -2))
        out = torch.einsum("oi,bin->bon", self.readout.weight, x).norm(dim=-1)
        return out, x, energy

    def forward(self, x: Tensor, state=None, timespans=None):
        check_sequence(x, self.input_size, self._unit)
        no_timespans(timespans, self._unit)
        B, T = x.shape[0], x.shape[1]
        s = self.initial_state(B, x.device, x.dtype) if state is None else self._check_state(state, B)
        ys, es = [], []
        for t in range(T):
            y, s, e = self._step(x[:, t], s)
            ys.append(y)
            es.append(e)
        if T == 0:  # an empty sequence: empty outputs, the state unchanged
            self.last_energy = x.new_zeros(B, 0)
            return x.new_zeros(B, 0, self.output_size), s
        self.last_energy = torch.stack(es, 1).detach()
        return torch.stack(ys, 1), s

    def step(self, x_t: Tensor, state=None):
        check_step_input(x_t, self.input_size, self._unit)
        B = x_t.shape[0]
        s = self.initial_state(B, x_t.device, x_t.dtype) if state is None else self._check_state(state, B)
        y, s, e = self._step(x_t, s)
        self.last_energy = e[:, None].detach()
        return y, s
