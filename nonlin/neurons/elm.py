"""Expressive Leaky Memory (ELM) neuron and Branch-ELM, parallel in time.

Spieler, Rahaman, Martius, Schölkopf, Levina, "The Expressive Leaky Memory
Neuron: an Efficient and Expressive Phenomenological Neuron Model Can Solve
Long-Horizon Tasks", ICLR 2024, arXiv 2306.16922.

Modes (``mode=``)
-----------------
* ``"sequential"``: the equations as written, one :meth:`step` per time step,
  autograd through the loop (the reference the others are tested against).
* ``"fused"`` (what ``"auto"`` picks for the default one-hidden-layer MLP):
  traces and the MLP's branch half for all T at once (steps 1-2 below), then
  the memory recurrence as a tight loop of ~8 tensor ops per step without
  autograd, and a hand-derived exact backward (the adjoint loop, then every
  parameter gradient as one batched product).  Exact; the fastest on CPU.
* ``"parallel"``: steps 1-4 below (quasi-DEER).  On 2 CPU cores it needs ~20-40
  iterations for randomly initialised ELMs and is slower than ``"fused"``
  (docs/neurons.md); kept because it is the parallel-in-time method that
  scales with parallel hardware.  With one hidden layer its backward uses the
  exact fused adjoint; with deeper MLPs the parallel adjoint of step 4.

How the parallel forward works (``mode="parallel"``)
---------------------------------------------------
1. The synapse/branch traces are linear and do not depend on the memory:
   b_t = κ_b b_{t-1} + Σ_syn w_s x_t is one routing matmul plus one decayed
   cumulative sum over all T (:func:`decayed_cumsum`).
2. The branch half of the first MLP layer, W1_b b_t + c1, is one batched matmul.
3. Only the memory recurrence m_t = f(m_{t-1}, u_t) is nonlinear.  It is solved
   over whole chunks of time by quasi-DEER (Gonzalez et al., arXiv 2407.19115):
   Newton iterations on the trajectory with the Jacobian ∂f/∂m replaced by its
   diagonal D_t, each iteration one batched MLP over B·T and one diagonal
   linear scan.  The first k steps are exact after k iterations, so it always
   converges; it stops at the tolerance ``tol`` (relative to max |m|) and falls
   back to the sequential loop after ``max_iter`` iterations or on a
   non-finite value.
4. Backward solves the adjoint recurrence λ_t = ∂L/∂m_t + J_{t+1}^T λ_{t+1}
   the same way (vector-Jacobian products over the whole chunk, diagonal
   preconditioning, reverse scan), then one batched VJP gives the parameter and
   input gradients.  Exact up to ``tol``; tests compare it with the sequential
   loop.  Chunks of ``chunk_size`` steps bound the memory.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import (F32_SAFE, LECUN_A, LECUN_B, check_optional_int, check_params, check_sequence, check_step_input,
                      lecun_tanh, lecun_tanh_grad, no_timespans)
from ._scan import decayed_cumsum, decayed_sum_last, diag_scan

ELM_REF = ref("The Expressive Leaky Memory Neuron: an Efficient and Expressive Phenomenological Neuron "
              "Model Can Solve Long-Horizon Tasks", "2306.16922", 2024,
              authors="Spieler, Rahaman, Martius, Schölkopf, Levina", venue="ICLR")

ROUTINGS = (None, "random_routing", "neuronio_routing")
MODES = ("auto", "parallel", "fused", "sequential")
ACTIVATIONS = ("relu", "silu")

_COMMON_PARAMS = dict(
    num_memory=P(1, None, kind="int", doc="number of memory units d_m"),
    mlp_num_layers=P(1, None, kind="int", doc="hidden layers of the integration MLP"),
    mlp_hidden_size=P(kind="any", doc="MLP width, a positive int (None: 2·d_m)"),
    mlp_activation=P(choices=ACTIVATIONS, doc="MLP hidden activation"),
    memory_tau_min=P(0.0, None, open_low=True, doc="smallest memory time constant τ_min"),
    memory_tau_max=P(0.0, None, open_low=True, doc="largest memory time constant τ_max"),
    learn_memory_tau=P(kind="bool", doc="train τ_m (through a sigmoid between τ_min and τ_max)"),
    lambda_value=P(0.0, F32_SAFE, open_low=True, doc="memory update scale λ"),
    w_s_value=P(0.0, F32_SAFE, doc="initial synapse weight (w_s = relu(proto_w_s))"),
    num_branch=P(kind="any", doc="number of dendritic branches, a positive int (None: from the routing)"),
    num_synapse_per_branch=P(1, None, kind="int", doc="synapses per branch"),
    input_to_synapse_routing=P(choices=ROUTINGS, doc="how inputs reach synapses"),
    routing_seed=P(0, 2**63 - 1, kind="int", doc="seed of the random routing"),
    delta_t=P(0.0, None, open_low=True, doc="time step Δt"),
    mode=P(choices=MODES, doc="fused (exact tight loop), parallel (quasi-DEER) or sequential; auto: fused for 1-layer MLPs, else parallel (T >= 16)"),
    chunk_size=P(1, None, kind="int", doc="time steps solved together in parallel mode (bounds memory)"),
    tol=P(kind="any", doc="quasi-DEER tolerance relative to max|m|, > 0 (None: 2e-6 fp32, 1e-11 fp64)"),
    max_iter=P(1, None, kind="int", doc="quasi-DEER iterations before the sequential fallback"),
)


def _routing_indices(routing, n_in: int, n_branch: int, spb: int, seed: int, unit: str) -> tuple[Tensor, Tensor]:
    """(input index, valid mask) of every synapse, synapses ordered branch by branch, (n_branch·spb,) each.

    ``neuronio_routing`` is the reference's (AaronSpieler/elmneuron, ``src/modeling_utils.py``):
    the inputs are interlaced, synapse position i reading input (i mod 2)·⌊n/2⌋ + ⌊i/2⌋ (the
    excitatory first half alternates with the inhibitory second half); branch k takes the window
    of positions k·s … k·s + spb − 1 with stride s = ⌈n / n_branch⌉.  Positions past the last
    input are masked out (their synapses never receive input), not wrapped around.
    """
    n_syn = n_branch * spb
    if routing is None:
        if n_syn != n_in:
            raise ParameterError(
                f"'{unit}': without routing every input is one synapse: num_branch·num_synapse_per_branch "
                f"({n_branch}·{spb} = {n_syn}) must equal input_size ({n_in}); or choose "
                f"input_to_synapse_routing='random_routing' or 'neuronio_routing'")
        return torch.arange(n_in), torch.ones(n_in, dtype=torch.bool)
    if routing == "random_routing":
        g = torch.Generator().manual_seed(seed)
        return torch.randint(0, n_in, (n_syn,), generator=g), torch.ones(n_syn, dtype=torch.bool)
    if n_in % 2:
        raise ParameterError(f"'{unit}': 'neuronio_routing' needs an even input_size (excitatory + inhibitory "
                             f"halves); got {n_in}")
    stride = math.ceil(n_in / n_branch)
    if stride > spb:
        raise ParameterError(f"'{unit}': 'neuronio_routing' needs num_synapse_per_branch >= ceil(input_size / "
                             f"num_branch) = {stride} so that every input reaches a branch; got {spb}")
    pos = torch.arange(n_in)
    interlaced = (pos % 2) * (n_in // 2) + pos // 2
    window = (torch.arange(n_branch)[:, None] * stride + torch.arange(spb)[None, :]).reshape(-1)
    valid = window < n_in
    return interlaced[window.clamp(max=n_in - 1)], valid


def _act(name: str, x: Tensor) -> Tensor:
    return F.relu(x) if name == "relu" else F.silu(x)


def _act_grad(name: str, x: Tensor) -> Tensor:
    if name == "relu":
        return (x > 0).to(x.dtype)
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))


class _ParallelMemory(torch.autograd.Function):
    """m = solve(m_t = f(m_{t-1}, u_t)) over all t; backward by the parallel adjoint solve."""

    @staticmethod
    def forward(ctx, cell: "_ELMBase", u: Tensor, m0: Tensor, *params: Tensor) -> Tensor:
        m = cell._solve_forward(u, m0, params)
        ctx.cell = cell
        ctx.save_for_backward(u, m0, m, *params)
        return m

    @staticmethod
    def backward(ctx, grad_m: Tensor):
        u, m0, m, *params = ctx.saved_tensors
        need = ctx.needs_input_grad
        gu, gm0, gparams = ctx.cell._solve_backward(u, m0, m, params, grad_m.contiguous(), need[3:])
        return (None, gu if need[1] else None, gm0 if need[2] else None, *gparams)


def _forward_loop(pre: Tensor, th: Tensor, m_all: Tensor, m0: Tensor, W1kT: Tensor, W2Tb: Tensor,
                  k: Tensor, ga: Tensor, relu: bool) -> None:
    """m_t = κ⊙m_{t−1} + ga⊙tanh(c2' + act(u_t + m_{t−1}W1kᵀ) W2'ᵀ), in place into the buffers.

    ``pre`` starts as u (T, B, H) and ends as the hidden pre-activations; ``th``
    starts as c2' (broadcast) and ends as tanh(2o/3); ``m_all`` receives m_t.
    Each matmul accumulates in place (addmm_ with β = 1): 6 kernels per step,
    no copies, because at these sizes each kernel launch costs as much as its
    arithmetic.
    """
    m = m0
    for t in range(pre.shape[0]):
        p = pre[t].addmm_(m, W1kT)
        h = torch.relu(p) if relu else torch.nn.functional.silu(p)
        tt = th[t].addmm_(h, W2Tb).tanh_()
        m = torch.mul(m, k, out=m_all[t]).addcmul_(ga, tt)


def _backward_loop(gmT: Tensor, lam_all: Tensor, dpre: Tensor, dphi: Tensor, act_grad: Tensor,
                   W2: Tensor, W1k: Tensor, k: Tensor) -> None:
    """The adjoint λ_t = ∂L/∂m_t + κ⊙λ_{t+1} + dpre_{t+1} W1k, dpre_t = ((λ_t⊙φ'_t) W2)⊙act'_t, in place."""
    T = gmT.shape[0]
    lam = lam_all[T - 1].copy_(gmT[T - 1])
    dp = torch.mul(torch.mm(lam * dphi[T - 1], W2), act_grad[T - 1], out=dpre[T - 1])
    for t in range(T - 2, -1, -1):
        lam = torch.addcmul(gmT[t], k, lam, out=lam_all[t]).addmm_(dp, W1k)
        dp = torch.mul(torch.mm(lam * dphi[t], W2), act_grad[t], out=dpre[t])


_LOOPS: dict = {}


def _loop(name: str):
    """The TorchScript version of a fused loop (built once), or the Python one if scripting fails.

    TorchScript runs the per-step ops from C++ and saves ~30 % of the loop time
    on CPU (measured: 26–38 ms vs 40–52 ms for T = 1000, d_m = 100); the
    numbers are the same either way.
    """
    if name not in _LOOPS:
        fn = {"forward": _forward_loop, "backward": _backward_loop}[name]
        try:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TorchScript's deprecation notice
                _LOOPS[name] = torch.jit.script(fn)
        except Exception:  # no TorchScript in this build: same numbers, more overhead
            _LOOPS[name] = fn
    return _LOOPS[name]


class _FusedMemory(torch.autograd.Function):
    """The memory recurrence for a one-hidden-layer MLP as two tight loops without autograd.

    Forward: ~8 tensor ops per step into preallocated time-major buffers.  Backward:
    the adjoint λ_t = ∂L/∂m_t + J_{t+1}^T λ_{t+1} with J applied matrix-free (~6 ops
    per step), then every parameter gradient as one batched product over all steps.
    Exact (no tolerance); tests compare it with autograd through the plain loop.
    """

    @staticmethod
    def forward(ctx, act: str, u: Tensor, m0: Tensor, W1m: Tensor, W2: Tensor, c2: Tensor, k: Tensor, g: Tensor):
        B, T, H = u.shape
        d = m0.shape[1]
        W1k = W1m * k[None, :]                          # κ folded into the memory half of layer 1
        W1kT = W1k.t().contiguous()
        W2Tb, c2b = (W2.t() * LECUN_B).contiguous(), c2 * LECUN_B   # LeCun tanh's 2/3 folded into layer 2
        # Buffers start as the additive terms (u_t, c2), so every matmul accumulates in place
        # (addmm_ with β = 1): no per-step copies.  6 kernels per step, since at these sizes
        # each kernel launch (~6 µs) costs as much as the arithmetic.
        pre = u.transpose(0, 1).clone(memory_format=torch.contiguous_format)   # (T, B, H): u, owned
        th = c2b.expand(T, B, d).contiguous()
        m_all = torch.empty(T, B, d, dtype=u.dtype, device=u.device)
        _loop("forward")(pre, th, m_all, m0, W1kT, W2Tb, k, g * LECUN_A, act == "relu")
        ctx.act = act
        ctx.save_for_backward(m0, W1m, W2, k, g, pre, th, m_all)
        return m_all.transpose(0, 1)

    @staticmethod
    def backward(ctx, grad_m: Tensor):
        m0, W1m, W2, k, g, pre, th, m_all = ctx.saved_tensors
        grads = _fused_adjoint(ctx.act, grad_m, m0, W1m, W2, k, g, pre, th, m_all)
        return (None, *grads)


@torch.no_grad()
def _fused_adjoint(act, grad_m, m0, W1m, W2, k, g, pre, th, m_all):
    """Exact gradients of the one-hidden-layer memory recurrence from its saved trajectory.

    ``pre`` (T, B, H) hidden pre-activations, ``th`` (T, B, d) tanh(2o/3), ``m_all``
    (T, B, d) memory, all time-major.  Returns grads of (u, m0, W1m, W2, c2, κ, gain).
    """
    T, B, H = pre.shape
    gmT = grad_m.transpose(0, 1).contiguous()
    dphi = (g * (LECUN_A * LECUN_B)) * (1 - th * th)  # dm_t/do_t, batched over all steps
    act_grad = _act_grad(act, pre)
    W1k = W1m * k[None, :]
    dpre = torch.empty_like(pre)
    lam_all = torch.empty_like(th)
    _loop("backward")(gmT, lam_all, dpre, dphi, act_grad, W2, W1k, k)
    carry = torch.addcmul(torch.zeros_like(m0), k, lam_all[0]).addmm_(dpre[0], W1k)   # ∂L/∂m_0
    m_prev = torch.cat([m0[None], m_all[:-1]], 0)  # (T, B, d)
    h = _act(act, pre)
    do = lam_all * dphi
    d_flat, h_flat = do.reshape(-1, do.shape[-1]), h.reshape(-1, H)
    dpre_flat, mp_flat = dpre.reshape(-1, H), m_prev.reshape(-1, m_prev.shape[-1])
    gW2 = d_flat.t() @ h_flat
    gc2 = d_flat.sum(0)
    pm = dpre_flat.t() @ mp_flat                     # Σ_n dpre ⊗ m_prev: serves W1m and κ
    gW1m = pm * k[None, :]
    gk = (lam_all * m_prev).sum((0, 1)) + (pm * W1m).sum(0)
    gg = (lam_all * th).sum((0, 1)) * LECUN_A
    return dpre.transpose(0, 1), carry, gW1m, gW2, gc2, gk, gg


class _ELMBase(nn.Module):
    """Shared code of ELM / Branch-ELM (v1) and ELM v2; subclasses set ``_version`` and the trace τ's name."""

    _version = 1
    _unit = "elm"
    _trace_param = "tau_s"

    def __init__(self, input_size: int, output_size: int, *, num_memory: int, mlp_num_layers: int,
                 mlp_hidden_size, mlp_activation: str, memory_tau_min: float, memory_tau_max: float,
                 learn_memory_tau: bool, lambda_value: float, trace_tau: float, w_s_value: float,
                 num_branch, num_synapse_per_branch: int, input_to_synapse_routing, routing_seed: int,
                 delta_t: float, mode: str, chunk_size: int, tol, max_iter: int):
        super().__init__()
        unit = self._unit
        for name, v in (("input_size", input_size), ("output_size", output_size)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"'{unit}': {name} must be a positive integer; got {v!r}")
        check_params(unit, num_memory=num_memory, mlp_num_layers=mlp_num_layers, mlp_activation=mlp_activation,
                     memory_tau_min=memory_tau_min, memory_tau_max=memory_tau_max,
                     learn_memory_tau=learn_memory_tau, lambda_value=lambda_value, w_s_value=w_s_value,
                     num_synapse_per_branch=num_synapse_per_branch,
                     input_to_synapse_routing=input_to_synapse_routing, routing_seed=routing_seed,
                     delta_t=delta_t, mode=mode, chunk_size=chunk_size, max_iter=max_iter,
                     **{self._trace_param: trace_tau})
        if memory_tau_max < memory_tau_min:
            raise ParameterError(f"'{unit}': memory_tau_max ({memory_tau_max}) must be >= memory_tau_min ({memory_tau_min})")
        check_optional_int(mlp_hidden_size, "mlp_hidden_size", unit)
        check_optional_int(num_branch, "num_branch", unit)
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < math.inf):
            raise ParameterError(f"parameter 'tol' of '{unit}' must be None or a positive finite number; got {tol!r}")
        if num_branch is None:
            num_branch = input_size // num_synapse_per_branch if input_to_synapse_routing is None else input_size
        self.input_size, self.output_size = input_size, output_size
        self.num_memory, self.num_branch = num_memory, num_branch
        self.num_synapse_per_branch = num_synapse_per_branch
        self.num_synapse = num_branch * num_synapse_per_branch
        self.mlp_activation = mlp_activation
        self.lambda_value, self.delta_t = float(lambda_value), float(delta_t)
        self.memory_tau_min, self.memory_tau_max = float(memory_tau_min), float(memory_tau_max)
        self.learn_memory_tau = learn_memory_tau
        self.trace_tau = float(trace_tau)
        self.mode, self.chunk_size, self.tol, self.max_iter = mode, chunk_size, tol, max_iter
        self.routing = input_to_synapse_routing
        index, mask = _routing_indices(input_to_synapse_routing, input_size, num_branch, num_synapse_per_branch,
                                       routing_seed, unit)
        # Saved in state_dict: the routing is part of the trained model (the authors' checkpoints
        # store it too, as ``input_to_synapse_indices`` / ``valid_indices_mask``).
        self.register_buffer("synapse_index", index)
        self.register_buffer("synapse_mask", mask)
        self.register_buffer("synapse_branch", torch.arange(num_branch).repeat_interleave(num_synapse_per_branch),
                             persistent=False)
        self.proto_w_s = nn.Parameter(torch.full((self.num_synapse,), float(w_s_value)))
        # memory time constants, log-spaced over [τ_min, τ_max]
        tau = torch.logspace(math.log10(memory_tau_min), math.log10(memory_tau_max), num_memory)
        if learn_memory_tau:
            span = max(memory_tau_max - memory_tau_min, 1e-12)
            # the end points would be ±inf logits: clamp (τ off by at most 1e-7·(τ_max − τ_min))
            frac = ((tau.double() - memory_tau_min) / span).clamp(1e-7, 1 - 1e-7)
            self.proto_tau_m = nn.Parameter((torch.log(frac) - torch.log1p(-frac)).float())
        else:
            self.register_buffer("tau_m_fixed", tau)
        hidden = mlp_hidden_size or 2 * num_memory
        self.mlp_hidden_size = hidden
        self.mlp_num_layers = mlp_num_layers
        layers = [nn.Linear(num_branch + num_memory, hidden)]
        layers += [nn.Linear(hidden, hidden) for _ in range(mlp_num_layers - 1)]
        layers.append(nn.Linear(hidden, num_memory))
        self.mlp = nn.ModuleList(layers)
        self.w_y = nn.Linear(num_memory, output_size)
        self.last_solver_stats: dict = {}

    # -- derived quantities ----------------------------------------------------
    @property
    def tau_m(self) -> Tensor:
        if self.learn_memory_tau:
            return self.memory_tau_min + (self.memory_tau_max - self.memory_tau_min) * torch.sigmoid(self.proto_tau_m)
        return self.tau_m_fixed

    def w_s(self) -> Tensor:
        """Effective synapse weights relu(proto_w_s), zero for masked synapses (outside every input window)."""
        return F.relu(self.proto_w_s) * self.synapse_mask

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # state_dicts saved before the routing was persistent lack it: keep the routing built from
        # the constructor arguments (identical for no routing and random_routing; see
        # docs/neurons.md "Migration" for neuronio_routing, whose indices changed).
        for name in ("synapse_index", "synapse_mask"):
            state_dict.setdefault(prefix + name, getattr(self, name))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def kappa_m(self) -> Tensor:
        return torch.exp(-self.delta_t / self.tau_m)

    def memory_gain(self, kappa_m: Tensor) -> Tensor:
        """Scale of Δm in the memory update: λ(1-κ_m) for ELM, 1-exp(-λΔt/τ_m) for Branch-ELM."""
        if self._version == 1:
            return self.lambda_value * (1 - kappa_m)
        return -torch.expm1(-self.lambda_value * self.delta_t / self.tau_m)

    @property
    def kappa_trace(self) -> float:
        return math.exp(-self.delta_t / self.trace_tau)

    def routing_matrix(self) -> Tensor:
        """R (input_size, num_branch) with Σ_syn w_s x routed = x @ R."""
        w = self.w_s()
        flat = self.synapse_index * self.num_branch + self.synapse_branch
        R = w.new_zeros(self.input_size * self.num_branch).index_add(0, flat, w)
        return R.view(self.input_size, self.num_branch)

    def initial_state(self, batch_size: int, device=None, dtype=None) -> tuple[Tensor, Tensor]:
        """(trace, memory): trace is per synapse for ELM (B, n_syn), per branch for Branch-ELM (B, n_branch)."""
        device = device or self.proto_w_s.device
        dtype = dtype or self.proto_w_s.dtype
        n_trace = self.num_synapse if self._version == 1 else self.num_branch
        return (torch.zeros(batch_size, n_trace, device=device, dtype=dtype),
                torch.zeros(batch_size, self.num_memory, device=device, dtype=dtype))

    def _mem_params(self) -> tuple[Tensor, ...]:
        """Flat parameters of the memory step f: (W1_m, W2, c2, κ_m, gain, hidden W, hidden b, ...)."""
        k = self.kappa_m()
        first, last = self.mlp[0], self.mlp[-1]
        out = [first.weight[:, self.num_branch:], last.weight, last.bias, k, self.memory_gain(k)]
        for layer in self.mlp[1:-1]:
            out += [layer.weight, layer.bias]
        return tuple(out)

    def _mem_step(self, m_prev: Tensor, u: Tensor, params, with_diag: bool = False):
        """f(m_{t-1}, u_t) = κ m + g φ(MLP(u + W1_m κ m)); optionally the diagonal of ∂f/∂m."""
        W1m, W2, c2, k, g = params[:5]
        km = k * m_prev
        pre = u + km @ W1m.t()
        h = _act(self.mlp_activation, pre)
        for i in range(5, len(params), 2):
            h = _act(self.mlp_activation, F.linear(h, params[i], params[i + 1]))
        o = F.linear(h, W2, c2)
        f = km + g * lecun_tanh(o)
        if not with_diag:
            return f
        if len(params) == 5:  # exact diagonal: κ + g φ'(o) Σ_h W2[i,h] act'(pre_h) W1_m[h,i] κ
            M = W2.t() * W1m
            diag = k + g * lecun_tanh_grad(o) * (_act_grad(self.mlp_activation, pre) @ M) * k
        else:  # deeper MLPs: keep only the leak (still converges to the same solution)
            diag = k.expand_as(f)
        return f, diag

    # -- parallel solve ------------------------------------------------------
    def _tolerance(self, dtype) -> float:
        if self.tol is not None:
            return self.tol
        return 1e-11 if dtype == torch.float64 else 2e-6

    @torch.no_grad()
    def _sequential_chunk(self, u: Tensor, m0: Tensor, params) -> Tensor:
        out, m = [], m0
        for t in range(u.shape[1]):
            m = self._mem_step(m, u[:, t], params)
            out.append(m)
        return torch.stack(out, 1)

    @torch.no_grad()
    def _solve_forward(self, u: Tensor, m0: Tensor, params) -> Tensor:
        B, T, _ = u.shape
        tol = self._tolerance(u.dtype)
        ms, iters, fallbacks = [], [], 0
        m_start = m0
        for s in range(0, T, self.chunk_size):
            uc = u[:, s:s + self.chunk_size]
            C = uc.shape[1]
            m = m_start[:, None, :].expand(B, C, -1).contiguous()
            ok = False
            for it in range(1, self.max_iter + 1):
                m_prev = torch.cat([m_start[:, None, :], m[:, :-1]], 1)
                f, D = self._mem_step(m_prev, uc, params, with_diag=True)
                D = D.clamp(-1.0, 1.0)  # keeps the scan stable; changes only the rate, not the fixed point
                m_new = diag_scan(D, f - D * m_prev, m_start)
                err = float((m_new - m).abs().max())
                scale = max(1.0, float(m_new.abs().max()))
                m = m_new
                if not math.isfinite(err):
                    break
                if err <= tol * scale:
                    ok = True
                    break
            if not ok:
                m = self._sequential_chunk(uc, m_start, params)
                fallbacks += 1
            iters.append(it)
            ms.append(m)
            m_start = m[:, -1]
        self.last_solver_stats = {"forward_iterations": iters, "forward_fallbacks": fallbacks}
        return torch.cat(ms, 1)

    def _solve_backward(self, u, m0, m, params, grad_m, need_params):
        if len(params) == 5:  # one hidden layer: the adjoint is linear, solve it exactly in one fused pass
            with torch.no_grad():
                W1m, W2, c2, k, g = params
                m_prev = torch.cat([m0[:, None], m[:, :-1]], 1)
                pre = (u + (k * m_prev) @ W1m.t()).transpose(0, 1).contiguous()
                th = torch.tanh(LECUN_B * F.linear(_act(self.mlp_activation, pre), W2, c2))
                gu, gm0, *gp = _fused_adjoint(self.mlp_activation, grad_m, m0, W1m, W2, k, g, pre, th,
                                              m.transpose(0, 1))
            self.last_solver_stats.update(backward="fused exact adjoint")
            return gu, gm0, [gi if n else None for gi, n in zip(gp, need_params)]
        B, T, _ = u.shape
        tol = self._tolerance(u.dtype)
        gu = torch.empty_like(u)
        gparams = [torch.zeros_like(p) if n else None for p, n in zip(params, need_params)]
        carry = torch.zeros_like(m0)  # J^T λ flowing into the end of the current chunk from the next one
        starts = list(range(0, T, self.chunk_size))
        iters, fallbacks = [], 0
        for s in reversed(starts):
            e = min(s + self.chunk_size, T)
            m_start = m0 if s == 0 else m[:, s - 1]
            G = grad_m[:, s:e].clone()
            G[:, -1] += carry
            with torch.enable_grad():
                uc = u[:, s:e].detach().requires_grad_(True)
                pl = [p.detach().requires_grad_(bool(n)) for p, n in zip(params, need_params)]
                wanted = [uc] + [p for p, n in zip(pl, need_params) if n]
                m_prev = torch.cat([m_start[:, None, :], m[:, s:e - 1]], 1).detach().requires_grad_(True)
                f, D = self._mem_step(m_prev, uc, pl, with_diag=True)
                D = D.detach().clamp(-1.0, 1.0)
                Dn = torch.cat([D[:, 1:], torch.zeros_like(D[:, :1])], 1)  # D_{t+1}
                lam, ok = G, False
                for it in range(1, self.max_iter + 1):
                    v = torch.autograd.grad(f, m_prev, lam, retain_graph=True)[0]  # v_t = J_t^T λ_t
                    # λ_t = G_t + J_{t+1}^T λ_{t+1}, with J_{t+1} ≈ D_{t+1} for the not-yet-known part:
                    # λ_t^new = D_{t+1} λ_{t+1}^new + (G_t + v_{t+1} - D_{t+1} λ_{t+1}^old)
                    vn = torch.cat([v[:, 1:], torch.zeros_like(v[:, :1])], 1)
                    lam_next = torch.cat([lam[:, 1:], torch.zeros_like(lam[:, :1])], 1)
                    lam_new = diag_scan(Dn, G + vn - Dn * lam_next, torch.zeros_like(m0), reverse=True)
                    err = float((lam_new - lam).abs().max())
                    scale = max(1.0, float(lam_new.abs().max()))
                    lam = lam_new
                    if not math.isfinite(err):
                        break
                    if err <= tol * scale:
                        ok = True
                        break
                if ok:
                    grads = torch.autograd.grad(f, [m_prev] + wanted, lam)
                    carry = grads[0][:, 0]
                    rest = grads[1:]
                else:  # exact fallback: backpropagate through the sequential loop of this chunk
                    fallbacks += 1
                    m_s = m_start.detach().requires_grad_(True)
                    mm, outs = m_s, []
                    for t in range(e - s):
                        mm = self._mem_step(mm, uc[:, t], pl)
                        outs.append(mm)
                    grads = torch.autograd.grad(torch.stack(outs, 1), [m_s] + wanted, G)
                    carry = grads[0]
                    rest = grads[1:]
            iters.append(it)
            gu[:, s:e] = rest[0]
            j = 1
            for i, n in enumerate(need_params):
                if n:
                    gparams[i] += rest[j]
                    j += 1
        self.last_solver_stats.update(backward_iterations=iters[::-1], backward_fallbacks=fallbacks)
        return gu, carry, gparams

    # -- public API ----------------------------------------------------------
    def forward(self, x: Tensor, state=None, timespans=None):
        """x (B, T, input_size) -> (y (B, T, output_size), final state (trace, memory))."""
        check_sequence(x, self.input_size, self._unit)
        no_timespans(timespans, self._unit)
        B, T, _ = x.shape
        if state is None:
            state = self.initial_state(B, x.device, x.dtype)
        if x.shape[1] == 0:  # no steps: empty output, state unchanged
            return x.new_zeros(x.shape[0], 0, self.output_size), state
        trace0, m0 = state
        mode = self.mode
        if mode == "auto":  # the fused loop is the fastest exact path on CPU (see docs/neurons.md)
            mode = "fused" if self.mlp_num_layers == 1 else ("parallel" if T >= 16 else "sequential")
        if torch.compiler.is_compiling():
            # torch.export / compile / ONNX trace the plain loop: the fused and parallel solvers write
            # into preallocated buffers inside custom autograd functions, which tracing cannot follow.
            mode = "sequential"
        if mode == "sequential":
            ys = []
            for t in range(T):
                y, state = self.step(x[:, t], state)
                ys.append(y)
            return torch.stack(ys, 1), state
        k_tr = self.kappa_trace
        z = x @ self.routing_matrix()  # Σ_{syn in branch} w_s x_t, (B, T, n_branch)
        if self._version == 1:  # per-synapse traces sum to a trace of the branch sums (same κ_s)
            b0 = trace0.view(B, self.num_branch, self.num_synapse_per_branch).sum(-1)
        else:
            b0 = trace0
        b = decayed_cumsum(z, k_tr, b0)
        first = self.mlp[0]
        u = F.linear(b, first.weight[:, :self.num_branch], first.bias)
        params = self._mem_params()
        if mode == "fused":
            if len(params) != 5:
                raise ParameterError(f"'{self._unit}': mode='fused' supports mlp_num_layers=1 only; use 'parallel'")
            m = _FusedMemory.apply(self.mlp_activation, u, m0, *params)
        else:
            m = _ParallelMemory.apply(self, u, m0, *params)
        y = self.w_y(m)
        if self._version == 1:
            xs = decayed_sum_last(x, k_tr)[:, self.synapse_index]
            trace_T = (k_tr ** T) * trace0 + self.w_s() * xs
        else:
            trace_T = b[:, -1]
        return y, (trace_T, m[:, -1])

    def step(self, x_t: Tensor, state=None):
        """One time step, the equations as written: x_t (B, input_size) -> (y_t, state)."""
        check_step_input(x_t, self.input_size, self._unit)
        B = x_t.shape[0]
        if state is None:
            state = self.initial_state(B, x_t.device, x_t.dtype)
        trace, m = state
        k_tr = self.kappa_trace
        drive = self.w_s() * x_t[:, self.synapse_index]  # (B, n_syn)
        if self._version == 1:
            trace = k_tr * trace + drive                           # s_t
            branch = trace.view(B, self.num_branch, -1).sum(-1)   # u_t
        else:
            trace = k_tr * trace + drive.view(B, self.num_branch, -1).sum(-1)  # b_t
            branch = trace
        k = self.kappa_m()
        h = torch.cat([branch, k * m], -1)
        for layer in self.mlp[:-1]:
            h = _act(self.mlp_activation, layer(h))
        dm = lecun_tanh(self.mlp[-1](h))
        m = k * m + self.memory_gain(k) * dm
        return self.w_y(m), (trace, m)

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, output_size={self.output_size}, num_memory={self.num_memory}, "
                f"num_branch={self.num_branch}, synapses={self.num_synapse}, routing={self.routing!r}, "
                f"mode={self.mode!r}")


_V1_FORMULA = (r"s_t=\kappa_s s_{t-1}+w_s\odot x_t,\ u_t=\textstyle\sum_{\mathrm{branch}} s_t,\ "
               r"m_t=\kappa_m\odot m_{t-1}+\lambda(1-\kappa_m)\odot\varphi(\mathrm{MLP}([u_t,\kappa_m\odot m_{t-1}])),\ "
               r"y_t=W_y m_t")
_V1_PARAMS = dict(tau_s=P(0.0, None, open_low=True, doc="synapse trace time constant τ_s"), **_COMMON_PARAMS)


@register("elm", kind="neuron", family="expressive_neurons", formula=_V1_FORMULA, reference=ELM_REF,
          properties=dict(stateful=True, elementwise=False), params=_V1_PARAMS, positional=2)
class ELM(_ELMBase):
    """Expressive Leaky Memory neuron (ELM): one leaky trace per synapse, an MLP integrating branch sums
    and memory, memory units with log-spaced time constants, linear readout.

    s_t = κ_s s_{t-1} + w_s ⊙ x_t  (κ_s = exp(-Δt/τ_s), τ_s = 5, w_s = relu(proto) ≥ 0, init 0.5);
    u_t = Σ_{synapses of a branch} s_t;
    Δm_t = φ(MLP([u_t, κ_m ⊙ m_{t-1}])), φ(x) = 1.7159·tanh(2x/3);
    m_t = κ_m ⊙ m_{t-1} + λ(1-κ_m) ⊙ Δm_t  (λ = 5, τ_m log-spaced over [1, 1000]);
    y_t = W_y m_t + b_y.

    The MLP is Linear(n_branch + d_m → 2 d_m), ReLU, [Linear(2d_m → 2d_m), ReLU] × (layers-1),
    Linear(2d_m → d_m); layers use PyTorch's default initialisation.  With one synapse per input
    and no branches this is the paper's ELM; with ``num_branch`` / ``num_synapse_per_branch`` /
    ``input_to_synapse_routing`` it is the paper's Branch-ELM (also registered as
    ``branch_elm``).  Paper: "The Expressive Leaky Memory Neuron ...", Spieler et al., ICLR 2024,
    arXiv 2306.16922; equations of the authors' ``src/expressive_leaky_memory_neuron.py``
    (AaronSpieler/elmneuron).  The per-synapse traces share τ_s, so their branch sums follow the
    same recurrence; the parallel and fused modes use that.
    """

    _version = 1
    _unit = "elm"
    _trace_param = "tau_s"

    def __init__(self, input_size: int, output_size: int, num_memory: int = 100, mlp_num_layers: int = 1,
                 mlp_hidden_size: int | None = None, mlp_activation: str = "relu",
                 memory_tau_min: float = 1.0, memory_tau_max: float = 1000.0, learn_memory_tau: bool = False,
                 lambda_value: float = 5.0, tau_s: float = 5.0, w_s_value: float = 0.5,
                 num_branch: int | None = None, num_synapse_per_branch: int = 1,
                 input_to_synapse_routing: str | None = None, routing_seed: int = 0, delta_t: float = 1.0,
                 mode: str = "auto", chunk_size: int = 1024, tol: float | None = None, max_iter: int = 48):
        super().__init__(input_size, output_size, num_memory=num_memory, mlp_num_layers=mlp_num_layers,
                         mlp_hidden_size=mlp_hidden_size, mlp_activation=mlp_activation,
                         memory_tau_min=memory_tau_min, memory_tau_max=memory_tau_max,
                         learn_memory_tau=learn_memory_tau, lambda_value=lambda_value, trace_tau=tau_s,
                         w_s_value=w_s_value, num_branch=num_branch,
                         num_synapse_per_branch=num_synapse_per_branch,
                         input_to_synapse_routing=input_to_synapse_routing, routing_seed=routing_seed,
                         delta_t=delta_t, mode=mode, chunk_size=chunk_size, tol=tol, max_iter=max_iter)


@register("branch_elm", kind="neuron", family="expressive_neurons", formula=_V1_FORMULA, reference=ELM_REF,
          properties=dict(stateful=True, elementwise=False), params=_V1_PARAMS, positional=2)
class BranchELM(ELM):
    """Branch-ELM as in the paper: ELM whose synapses are grouped into dendritic branches.

    The paper's model and the authors' released NeuronIO checkpoints (``models/*`` of
    AaronSpieler/elmneuron): the ELM equations (one trace per synapse, memory update
    λ(1−κ_m)Δm), the synapses of each branch summed before the MLP.  For NeuronIO:
    ``branch_elm(1278, 2, num_memory=20, num_branch=45, num_synapse_per_branch=100,
    input_to_synapse_routing="neuronio_routing", memory_tau_max=150)``; load the authors'
    checkpoints with :func:`load_elmneuron_checkpoint`.  Parameter count #syn +
    (n_branch+d_m)·2d_m + 2d_m + 2d_m·d_m + d_m + d_m·n_out + n_out (8,002 for NeuronIO at
    d_m = 20, as published).  The same model and defaults as ``elm`` (a subclass); the name is
    the paper's.  The repository's later "v2" file (one trace per branch) is ``elm_v2``.
    Paper: Spieler et al., ICLR 2024, arXiv 2306.16922.
    """

    _unit = "branch_elm"


@register(
    "elm_v2", aliases=("branch_elm_v2",), kind="neuron", family="expressive_neurons",
    formula=(r"b_t=\kappa_b b_{t-1}+\textstyle\sum_{\mathrm{branch}} w_s\odot x_t,\ "
             r"m_t=\kappa_m\odot m_{t-1}+(1-\kappa_\lambda)\odot\varphi(\mathrm{MLP}([b_t,\kappa_m\odot m_{t-1}])),\ "
             r"\kappa_\lambda=e^{-\lambda\Delta t/\tau_m},\ y_t=W_y m_t"),
    reference=ELM_REF, properties=dict(stateful=True, elementwise=False),
    params=dict(tau_b=P(0.0, None, open_low=True, doc="branch trace time constant τ_b"), **_COMMON_PARAMS),
    positional=2,
)
class ELMv2(_ELMBase):
    """ELM v2 (the repository's later ``expressive_leaky_memory_neuron_v2.py``): one trace per branch.

    b_t = κ_b b_{t-1} + Σ_{synapses of the branch} w_s ⊙ x_t  (κ_b = exp(-Δt/τ_b), τ_b = 5);
    Δm_t = φ(MLP([b_t, κ_m ⊙ m_{t-1}])), φ(x) = 1.7159·tanh(2x/3);
    m_t = κ_m ⊙ m_{t-1} + (1 - κ_λ) ⊙ Δm_t,  κ_λ = exp(-λΔt/τ_m), λ = 5;
    y_t = W_y m_t + b_y.

    Not the model of the paper (that is ``elm`` / ``branch_elm``): the branch trace replaces the
    per-synapse traces, and the memory update scale is 1 − exp(−λΔt/τ_m) instead of λ(1 − κ_m).
    Defaults as that file (d_m = 100, MLP width 2 d_m, ReLU, τ_m log-spaced over [1, 1000],
    fixed, w_s init 0.5, Δt = 1); same parameter count as Branch-ELM.  In nonlin 0.1.0 this
    model was registered as ``branch_elm`` (docs/neurons.md, "Migration").
    Code: AaronSpieler/elmneuron; paper: Spieler et al., ICLR 2024, arXiv 2306.16922.
    """

    _version = 2
    _unit = "elm_v2"
    _trace_param = "tau_b"

    def __init__(self, input_size: int, output_size: int, num_memory: int = 100, mlp_num_layers: int = 1,
                 mlp_hidden_size: int | None = None, mlp_activation: str = "relu",
                 memory_tau_min: float = 1.0, memory_tau_max: float = 1000.0, learn_memory_tau: bool = False,
                 lambda_value: float = 5.0, tau_b: float = 5.0, w_s_value: float = 0.5,
                 num_branch: int | None = None, num_synapse_per_branch: int = 1,
                 input_to_synapse_routing: str | None = None, routing_seed: int = 0, delta_t: float = 1.0,
                 mode: str = "auto", chunk_size: int = 1024, tol: float | None = None, max_iter: int = 48):
        super().__init__(input_size, output_size, num_memory=num_memory, mlp_num_layers=mlp_num_layers,
                         mlp_hidden_size=mlp_hidden_size, mlp_activation=mlp_activation,
                         memory_tau_min=memory_tau_min, memory_tau_max=memory_tau_max,
                         learn_memory_tau=learn_memory_tau, lambda_value=lambda_value, trace_tau=tau_b,
                         w_s_value=w_s_value, num_branch=num_branch,
                         num_synapse_per_branch=num_synapse_per_branch,
                         input_to_synapse_routing=input_to_synapse_routing, routing_seed=routing_seed,
                         delta_t=delta_t, mode=mode, chunk_size=chunk_size, tol=tol, max_iter=max_iter)


# -- the authors' released checkpoints -----------------------------------------------------------
# model_config.json key of AaronSpieler/elmneuron -> nonlin constructor argument
_ELMNEURON_CONFIG = {
    "num_input": "input_size", "num_output": "output_size", "num_memory": "num_memory",
    "lambda_value": "lambda_value", "mlp_num_layers": "mlp_num_layers", "mlp_hidden_size": "mlp_hidden_size",
    "mlp_activation": "mlp_activation", "tau_s_value": "tau_s", "tau_b_value": "tau_b",
    "memory_tau_min": "memory_tau_min", "memory_tau_max": "memory_tau_max", "learn_memory_tau": "learn_memory_tau",
    "w_s_value": "w_s_value", "num_branch": "num_branch", "num_synapse_per_branch": "num_synapse_per_branch",
    "input_to_synapse_routing": "input_to_synapse_routing", "delta_t": "delta_t",
}


def _read(obj, what: str):
    if isinstance(obj, dict):
        return obj
    import json
    import os
    if not isinstance(obj, (str, os.PathLike)):
        raise TypeError(f"{what} must be a dict or a file path; got {type(obj).__name__}")
    if what == "model_config":
        with open(obj) as f:
            return json.load(f)
    return torch.load(obj, map_location="cpu", weights_only=True)


def load_elmneuron_checkpoint(checkpoint, model_config, **overrides) -> "_ELMBase":
    """Build the nonlin model of a checkpoint saved by the authors' code (AaronSpieler/elmneuron).

    ``checkpoint``: the state dict (or the path of ``neuronio_best_model_state.pt``);
    ``model_config``: the dict (or the path of ``model_config.json``) it was built with.
    Checkpoints of ``src/expressive_leaky_memory_neuron.py`` (the paper's ELM / Branch-ELM,
    which all released NeuronIO models are) give a :class:`BranchELM`; those of the ``_v2`` file
    (they hold ``tau_b``) give an :class:`ELMv2`.  ``overrides`` are extra constructor arguments
    (e.g. ``mode="sequential"``).  The result computes the authors' ``forward`` (not the
    ``neuronio_eval_forward`` post-processing: apply a sigmoid to output 0 for spike
    probabilities yourself).
    """
    sd = dict(_read(checkpoint, "checkpoint"))
    cfg = dict(_read(model_config, "model_config"))
    unknown = set(cfg) - set(_ELMNEURON_CONFIG)
    if unknown:
        raise ParameterError(f"model_config has keys nonlin does not know: {sorted(unknown)}; "
                             f"known: {sorted(_ELMNEURON_CONFIG)}")
    v2 = "tau_b" in sd
    cls = ELMv2 if v2 else BranchELM
    kwargs = {_ELMNEURON_CONFIG[k]: v for k, v in cfg.items()}
    for missing in ("num_input", "num_output"):
        if missing not in cfg:
            raise ParameterError(f"model_config needs {missing!r}")
    trace_key, trace_arg = ("tau_b", "tau_b") if v2 else ("tau_s", "tau_s")
    kwargs.pop("tau_s" if v2 else "tau_b", None)
    tau = sd.pop(trace_key).double()
    if tau.numel() == 0 or not bool((tau == tau[0]).all()):
        raise ParameterError(f"checkpoint's {trace_key} differs between synapses/branches; nonlin's ELM has "
                             f"one shared trace time constant")
    kwargs[trace_arg] = float(tau[0])
    if v2:  # the v2 file widens a degenerate τ_m range the same way
        lo = float(kwargs.get("memory_tau_min", 1.0))
        kwargs["memory_tau_max"] = max(lo + 3e-6, float(kwargs.get("memory_tau_max", 1000.0)))
    kwargs.update(overrides)
    model = cls(**kwargs)
    out = {}
    for k, v in sd.items():
        if k.startswith("mlp.network."):
            idx, leaf = k[len("mlp.network."):].split(".", 1)
            out[f"mlp.{int(idx) // 2}.{leaf}"] = v
        elif k == "_proto_w_s":
            out["proto_w_s"] = v
        elif k.startswith("w_y."):
            out[k] = v
        elif k == "_proto_tau_m":
            if model.learn_memory_tau:
                out["proto_tau_m"] = v
            else:  # the same scaled sigmoid as the reference: τ = τ_min + (τ_max − τ_min)·sigmoid(proto)
                out["tau_m_fixed"] = model.memory_tau_min + (model.memory_tau_max - model.memory_tau_min) * \
                    torch.sigmoid(v)
        elif k == "input_to_synapse_indices":
            if v.numel():  # no routing: the reference stores an empty tensor
                out["synapse_index"] = v.long()
        elif k == "valid_indices_mask":
            if v.numel():
                out["synapse_mask"] = v.bool()
        else:
            raise ParameterError(f"unexpected key {k!r} in an elmneuron checkpoint")
    model.load_state_dict(out, strict=True)
    return model
