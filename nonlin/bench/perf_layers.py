"""Speed of the layer units (``nonlin perf`` for learnable, gated, KAN and neuron units).

Each unit is timed, forward and forward+backward, against the code a user would otherwise write:

* **naive** baselines compute the same function the plain way (eager torch ops, ordinary autograd);
  a unit slower than its naive baseline breaks the speed floor (``--check-floor``);
* **peer** baselines compute a different function that fills the same slot (the MLP a KAN
  replaces, the GRU beside a spiking layer): how much the unit costs, not whether it is fast.

Per kind (shapes are ``SIZES["default"]``; ``"tiny"`` is for tests and smoke runs):

* learnable elementwise units (PAU, PolyReLU, APA, ...), x of 256 x 4096: ``naive`` is the
  unit's formula written with torch ops (``rational_naive`` for PAU, the ``*_reference``
  functions of PolyCom, the class's ``formula`` for the adaptive units).  Learnable layers (Padé
  neurons, SIREN) get the ``linear+relu`` (or ``conv+relu``) layer they replace as a peer.
* gated feed-forward blocks (GLU family), x 512 x 512, hidden 1376: ``naive`` is
  ``down(act(gate(x)) * up(x))`` in three ``nn.Linear`` with the same weights and the torch
  builtin activation; peer ``mlp``, an ungated GELU MLP of equal parameter count.  The other
  gated units (NAU, NMU, Π-net, quadratic neurons) get ``linear+relu`` / ``conv+relu``.
* KAN units, the network KAN 256→256→1 at batch 100 (the README's claim, as
  ``benchmarks/kan_perf.py``): peer ``mlp``, an MLP 256→H→1 (SiLU) with H matching the parameter
  count; ``naive`` the same layers with ``lean=False`` (the plain autograd formula, basis tensor
  kept for backward).  The network's input takes no gradient (it is data); every other unit's does.
* neuron models, x of (batch 16, T 256, 64 channels): ``step_loop``, the unit's own
  ``step`` in a Python loop over T (the equations as written); ``mode=sequential`` where
  the unit has that mode (ELM); peer ``gru``, ``torch.nn.GRU`` of the same width.

Every time comes from :func:`nonlin.bench.perf.compare` (one timing core): all cases and both
phases of a unit are interleaved in each round, and every ratio ``ours / baseline`` (< 1: ours is
faster) is computed per round and reported as median and min–max over rounds, with the load
average and CPU share, and the same NOISY MEASUREMENT rule as the elementwise rows.  The
forward+backward ratio is also given in CPU time (steadier when other processes take the cores).
"""

from __future__ import annotations

import copy
import inspect
import math
import statistics
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import registry
from . import perf

KINDS = ("learnable", "gated", "kan", "neuron")
SIZES = ("default", "tiny")

# The widths of each kind's default shape and of the tiny one (tests): (default, tiny).
_ELEMENTWISE_SHAPE = {"default": (256, 4096), "tiny": (4, 16)}
_LAYER = {"default": (256, 512), "tiny": (4, 8)}            # (batch, width)
_CONV = {"default": (16, 32, 32), "tiny": (2, 3, 6)}        # (batch, channels, side)
_GLU = {"default": (512, 512, 1376), "tiny": (4, 8, 12)}    # (rows, width, hidden)
_KAN = {"default": (100, [256, 256, 1]), "tiny": (4, [8, 8, 1])}
_NEURON = {"default": (16, 256, 64), "tiny": (2, 6, 8)}     # (batch, T, channels)
# NMU builds (batch, out, in): a smaller layer keeps that tensor at 2^20 elements
_NMU = {"default": (64, 128), "tiny": (4, 8)}


@dataclass
class Case:
    """One thing to time: ``fn(x)`` returns the output; ``module`` holds its parameters."""

    fn: Callable[[Tensor], Tensor]
    module: nn.Module | None
    role: str = "ours"   # "ours", "naive" (same function, plain code) or "peer" (a different function)
    about: str = ""


@dataclass
class Setup:
    unit: str
    kind: str
    shape: str
    x: Tensor
    cases: dict[str, Case] = field(default_factory=dict)
    # False for a whole network (KAN 256→256→1): its input is data, and training needs no gradient
    # for it; True for a unit that sits inside a network
    input_grad: bool = True


# ---------------------------------------------------------------------------- helpers
def _params(m: nn.Module | None) -> int:
    return 0 if m is None else sum(p.numel() for p in m.parameters() if p.requires_grad)


def equal_param_mlp(n_in: int, n_out: int, params: int, act: type[nn.Module] = nn.SiLU) -> nn.Sequential:
    """An MLP n_in → H → n_out whose parameter count is closest to ``params`` (biases included)."""
    h = max(1, round((params - n_out) / (n_in + 1 + n_out)))
    return nn.Sequential(nn.Linear(n_in, h), act(), nn.Linear(h, n_out))


def _first(out):
    """The output tensor of a unit (neurons return ``(y, state)``)."""
    return out[0] if isinstance(out, tuple) else out


def _required_args(name: str) -> list[str]:
    b = registry.spec(name).builder
    target = b.__init__ if inspect.isclass(b) else b
    return [n for n, p in inspect.signature(target).parameters.items()
            if n != "self" and p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _linear_relu(n_in: int, n_out: int) -> Case:
    m = nn.Sequential(nn.Linear(n_in, n_out), nn.ReLU())
    return Case(m, m, "peer", f"nn.Linear({n_in}, {n_out}) + ReLU: the plain layer it replaces")


def _conv_relu(c_in: int, c_out: int) -> Case:
    m = nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU())
    return Case(m, m, "peer", f"nn.Conv2d({c_in}, {c_out}, 3) + ReLU: the plain layer it replaces")


# ---------------------------------------------------------------------------- learnable
def _learnable_naive(name: str, m: nn.Module) -> Case | None:
    """The unit's function as a user would write it with torch ops, on the module's own parameters."""
    if name == "pau":
        from ..learnable.rational import rational_naive
        version = "B" if m.version == "D" else m.version

        def pau(x):  # coefficient index first, broadcast over x (one set for the layer)
            shape = (-1,) + (1,) * x.dim()
            return rational_naive(x, m.numerator[0].view(shape), m.denominator[0].view(shape), version)
        return Case(pau, m, "naive", "rational_naive: P(x)/Q(x) with powers of x, autograd through it")
    if name in ("polyrelu", "polynorm"):
        from ..learnable import polycom

        def poly(x):
            w, b = m.coefficients(x.dtype)
            if name == "polyrelu":
                return polycom.polyrelu_reference(x, w, b)
            return polycom.polynorm_reference(x, w, b, m.eps)
        return Case(poly, m, "naive", f"{name}_reference: the sum of powers, autograd through it")
    if name == "ash":
        def ash(x):
            dims = tuple(range(1, x.dim()))
            t = x - x.mean(dims, keepdim=True) - m.z * x.std(dims, keepdim=True, correction=0)
            return x * (t >= 0).to(x.dtype) if m.mode == "hard" else x * torch.sigmoid(m.alpha * t)
        return Case(ash, m, "naive", "x * sigmoid(alpha (x - mean - z std)) with torch ops")
    names = getattr(m, "PARAMS", None)
    if names and hasattr(type(m), "formula"):
        def formula(x):
            return type(m).formula(x, **{n: getattr(m, n) for n in names})
        return Case(formula, m, "naive", f"{type(m).__name__}.formula with torch ops on the parameters")
    return None


def _setup_learnable(name: str, size: str) -> Setup:
    required = _required_args(name)
    if not required:  # an elementwise module: any shape
        rows, cols = _ELEMENTWISE_SHAPE[size]
        x = torch.randn(rows, cols)
        m = registry.create(name)
        s = Setup(name, "learnable", f"x {rows}x{cols}", x, {"ours": Case(m, m)})
        naive = _learnable_naive(name, m)
        if naive is not None:
            s.cases["naive"] = naive
        return s
    if "kernel_size" in required:  # a conv layer
        b, c, side = _CONV[size]
        m = registry.create(name, c, c, 3, padding=1)
        s = Setup(name, "learnable", f"x {b}x{c}x{side}x{side}, 3x3 conv", torch.randn(b, c, side, side),
                  {"ours": Case(m, m)})
        s.cases["conv+relu"] = _conv_relu(c, c)
        return s
    b, d = _LAYER[size]
    m = registry.create(name, d, d)
    s = Setup(name, "learnable", f"x {b}x{d} -> {d}", torch.randn(b, d), {"ours": Case(m, m)})
    if name == "siren":
        s.cases["naive"] = Case(lambda x: torch.sin(m.omega_0 * F.linear(x, m.linear.weight, m.linear.bias)),
                                m, "naive", "sin(omega_0 * F.linear(x, W, b))")
    s.cases["linear+relu"] = _linear_relu(d, d)
    return s


# ---------------------------------------------------------------------------- gated
_BUILTIN_ACT = {"silu": F.silu, "gelu": F.gelu, "relu": F.relu, "sigmoid": torch.sigmoid, "identity": lambda t: t}


class PlainGLU(nn.Module):
    """``down(act(gate(x)) * up(x))`` in three nn.Linear: the gated block as written in papers."""

    def __init__(self, block: nn.Module):
        super().__init__()
        h, bias = block.hidden_features, block.b_in is not None
        self.gate = nn.Linear(block.in_features, h, bias=bias)
        self.up = nn.Linear(block.in_features, h, bias=bias)
        self.down = nn.Linear(h, block.out_features, bias=bias)
        self.act = _BUILTIN_ACT[block.ACT]
        with torch.no_grad():  # the same weights as the block
            self.gate.weight.copy_(block.w_gate)
            self.up.weight.copy_(block.w_up)
            self.down.weight.copy_(block.w_out)
            if bias:
                self.gate.bias.copy_(block.b_in[:h])
                self.up.bias.copy_(block.b_in[h:])
                self.down.bias.copy_(block.b_out)

    def forward(self, x: Tensor) -> Tensor:
        return self.down(self.act(self.gate(x)) * self.up(x))


def _setup_gated(name: str, size: str) -> Setup:
    from ..gated.glu import GatedFFN

    cls = registry.spec(name).builder
    if inspect.isclass(cls) and issubclass(cls, GatedFFN):
        rows, d, h = _GLU[size]
        m = registry.create(name, d, h)
        s = Setup(name, "gated", f"x {rows}x{d}, hidden {h}", torch.randn(rows, d), {"ours": Case(m, m)})
        plain = PlainGLU(m)
        s.cases["naive"] = Case(plain, plain, "naive", f"down({m.ACT}(gate(x)) * up(x)) in three nn.Linear")
        mlp = equal_param_mlp(d, d, _params(m), nn.GELU)
        s.cases["mlp"] = Case(mlp, mlp, "peer", f"ungated GELU MLP {d}->{mlp[0].out_features}->{d}, equal params")
        return s
    required = _required_args(name)
    if "kernel_size" in required:
        b, c, side = _CONV[size]
        m = registry.create(name, c, c, 3, padding=1)
        s = Setup(name, "gated", f"x {b}x{c}x{side}x{side}, 3x3 conv", torch.randn(b, c, side, side),
                  {"ours": Case(m, m)})
        s.cases["conv+relu"] = _conv_relu(c, c)
        return s
    b, d = (_NMU if name == "nmu" else _LAYER)[size]
    m = registry.create(name, d, d, d) if "hidden_features" in required else registry.create(name, d, d)
    s = Setup(name, "gated", f"x {b}x{d} -> {d}", torch.randn(b, d), {"ours": Case(m, m)})
    s.cases["linear+relu"] = _linear_relu(d, d)
    return s


# ---------------------------------------------------------------------------- KAN
def _setup_kan(name: str, size: str) -> Setup:
    from ..kan import KAN

    basis = name[len("kan_"):]
    batch, widths = _KAN[size]
    torch.manual_seed(0)
    m = KAN(widths, basis=basis)
    plain = copy.deepcopy(m)
    for layer in plain.layers:
        layer.lean = False
    mlp = equal_param_mlp(widths[0], widths[-1], _params(m))
    arrow = "→".join(map(str, widths))
    s = Setup(name, "kan", f"KAN {arrow}, batch {batch}", torch.randn(batch, widths[0]), {"ours": Case(m, m)},
              input_grad=False)
    s.cases["naive"] = Case(plain, plain, "naive", "the same layers with lean=False (plain autograd formula)")
    s.cases["mlp"] = Case(mlp, mlp, "peer",
                          f"MLP {widths[0]}→{mlp[0].out_features}→{widths[-1]} (SiLU), equal parameter count")
    return s


# ---------------------------------------------------------------------------- neurons
def _setup_neuron(name: str, size: str) -> Setup:
    b, T, c = _NEURON[size]
    torch.manual_seed(0)
    m = registry.create(name, c, c)
    kw = {}
    if "dim_context" in inspect.signature(type(m).__init__).parameters:
        kw["context"] = torch.randn(b, m.dim_context)  # dendritic units gate on a context vector

    def ours(x):
        return _first(m(x, **kw))

    def step_loop(x):
        state, ys = None, []
        for t in range(x.shape[1]):
            y, state = m.step(x[:, t], state, **kw)
            ys.append(y)
        return torch.stack(ys, 1)

    s = Setup(name, "neuron", f"x (batch {b}, T {T}, {c} channels)", torch.randn(b, T, c), {"ours": Case(ours, m)})
    s.cases["step_loop"] = Case(step_loop, m, "naive", "the unit's own step() in a Python loop over T")
    mode = next((p for p in registry.spec(name).params if p.name == "mode"), None)
    if mode is not None and mode.choices and "sequential" in mode.choices:
        seq = registry.create(name, c, c, mode="sequential")
        seq.load_state_dict(m.state_dict())
        s.cases["mode=sequential"] = Case(lambda x: _first(seq(x, **kw)), seq, "naive",
                                          "the same weights with mode='sequential' (the reference loop)")
    gru = nn.GRU(c, c, batch_first=True)
    s.cases["gru"] = Case(lambda x: gru(x)[0], gru, "peer", f"torch.nn.GRU({c}, {c}), the standard recurrent layer")
    return s


_SETUPS = {"learnable": _setup_learnable, "gated": _setup_gated, "kan": _setup_kan, "neuron": _setup_neuron}


def names(kind: str = "all") -> list[str]:
    """The layer units of ``kind`` (one of :data:`KINDS`, or ``"all"``)."""
    if kind != "all" and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} or 'all'; got {kind!r}")
    return [n for k in (KINDS if kind == "all" else (kind,)) for n in registry.names(kind=k)]


def setup(name: str, size: str = "default") -> Setup:
    """The input and the cases (ours and its baselines) of one layer unit."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}; got {size!r}")
    s = registry.spec(name)
    if s.kind not in _SETUPS:
        raise ValueError(f"'{s.name}' is a {s.kind} unit; perf_layers measures {', '.join(KINDS)} units "
                         "(fixed activations: nonlin.bench.perf.measure)")
    torch.manual_seed(0)
    return _SETUPS[s.kind](s.name, size)


# ---------------------------------------------------------------------------- measuring
def measure(name: str, size: str = "default", repeats: int = 5, min_run_time: float = 0.05) -> dict:
    """One row: forward and forward+backward of the unit and each baseline, timed interleaved by
    :func:`nonlin.bench.perf.compare`, with ``ours / baseline`` per round summarised over rounds."""
    st = setup(name, size)
    x = st.x
    xg = x.clone().requires_grad_(st.input_grad)
    with torch.no_grad():
        want = tuple(_first(st.cases["ours"].fn(x)).shape)
    for k, c in st.cases.items():  # every baseline must answer the same question
        with torch.no_grad():
            got = tuple(_first(c.fn(x)).shape)
        if got != want:
            raise RuntimeError(f"perf_layers: baseline {k!r} of {name!r} gives shape {got}, ours {want}")
    g = torch.randn(want)
    timed: dict[str, Callable[[], object]] = {}
    for k, c in st.cases.items():
        params = [p for p in (c.module.parameters() if c.module is not None else ()) if p.requires_grad]

        def forward(f=c.fn):
            with torch.no_grad():
                return f(x)

        def forward_backward(f=c.fn, params=params):
            for p in params:
                p.grad = None
            xg.grad = None
            f(xg).backward(g)

        timed[f"fwd:{k}"], timed[f"fwdbwd:{k}"] = forward, forward_backward
    res = perf.compare(timed, baseline="fwd:ours", repeats=repeats, warmup=1, min_run_time=min_run_time)
    rounds = res["rounds"]
    row = {"unit": st.unit, "kind": st.kind, "shape": st.shape, "size": size, "input_grad": st.input_grad,
           "baselines": {k: {"role": c.role, "about": c.about} for k, c in st.cases.items() if k != "ours"},
           "params": {k: _params(c.module) for k, c in st.cases.items()},
           "fwd_ms": {k: res["ms"][f"fwd:{k}"] for k in st.cases},
           "fwdbwd_ms": {k: res["ms"][f"fwdbwd:{k}"] for k in st.cases},
           "saved_mib": {k: perf.saved_bytes(lambda t, f=c.fn: f(t), xg) / 2 ** 20 for k, c in st.cases.items()},
           "ratio": {}, "cpu_ratio": {}, "spread": {}, "load": res["load"], "cpu_share": res["cpu_share"]}
    for phase in ("fwd", "fwdbwd"):
        row["ratio"][phase], row["cpu_ratio"][phase] = {}, {}
        for k in row["baselines"]:
            # the same ratio in CPU time: steadier than wall time when other processes take the cores
            row["cpu_ratio"][phase][k] = perf.ratio_stats(res["cpu_rounds"][f"{phase}:ours"],
                                                          res["cpu_rounds"][f"{phase}:{k}"])
            r = perf.ratio_stats(rounds[f"{phase}:ours"], rounds[f"{phase}:{k}"])
            row["ratio"][phase][k] = r
            row[f"{phase}_ours_over_{k}"] = r["median"]
            row["spread"][f"{phase}_ours_over_{k}"] = (r["min"], r["max"])
    return row


def run(unit_names, size: str = "default", repeats: int = 5, quiet: bool = False) -> list[dict]:
    """Rows of :func:`measure` for every name, in fresh processes of ``perf.CHUNK`` units when many."""
    unit_names = list(unit_names)
    for n in unit_names:  # bad names and kinds fail before any timing
        if registry.spec(n).kind not in KINDS:
            raise ValueError(f"'{n}' is a {registry.spec(n).kind} unit; perf_layers measures "
                             f"{', '.join(KINDS)} units")
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}; got {size!r}")
    perf.warn_allocator(quiet)
    return perf.in_chunks(measure, unit_names, quiet, size=size, repeats=repeats)


# ---------------------------------------------------------------------------- reporting
def floor_violations(rows: list[dict], tol: float = perf.FLOOR_TOL) -> list[dict]:
    """Units slower than a *naive* baseline (the same function written plainly) beyond the noise:
    median ours/naive > 1/(1 − tol) and ours lost in every round.  Peers are not a floor."""
    out = []
    for r in rows:
        for k, b in r["baselines"].items():
            if b["role"] != "naive":
                continue
            for phase in ("fwd", "fwdbwd"):
                s = r["ratio"][phase][k]
                if s["median"] > 1.0 / (1.0 - tol) and s["min"] > 1.0:
                    out.append({"unit": r["unit"], "baseline": k, "phase": phase, "ours_over_naive": s["median"],
                                "spread": (s["min"], s["max"])})
    return out


def format_floor(rows: list[dict], tol: float = perf.FLOOR_TOL) -> str:
    bad = floor_violations(rows, tol)
    if not bad:
        return (f"speed floor: all {len(rows)} layer units at least as fast as their naive baselines "
                f"(tolerance {tol:.0%})")
    lines = [f"speed floor: {len({b['unit'] for b in bad})} of {len(rows)} layer units SLOWER than a naive "
             "baseline (and slower in every round):"]
    for b in bad:
        lo, hi = b["spread"]
        lines.append(f"  {b['unit']} vs {b['baseline']} {'forward' if b['phase'] == 'fwd' else 'fwd+bwd'}: "
                     f"ours/naive {b['ours_over_naive']:.2f} ({lo:.2f}–{hi:.2f})")
    return "\n".join(lines)


def _cell(row: dict, phase: str, k: str, which: str = "ratio") -> str:
    r = row[which][phase][k]
    return f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})"


def format_table(rows: list[dict]) -> str:
    """One line per (unit, baseline): times of both and ``ours / baseline`` median (min–max over rounds),
    in wall time and, for forward+backward, in CPU time."""
    head = ("| unit | kind | shape | baseline | role | fwd ms ours (baseline) | fwd ours/baseline "
            "| fwd+bwd ms ours (baseline) | fwd+bwd ours/baseline | fwd+bwd CPU-time ours/baseline "
            "| saved MiB ours (baseline) |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        for k, b in r["baselines"].items():
            lines.append(
                f"| {r['unit']} | {r['kind']} | {r['shape']} | {k} | {b['role']} "
                f"| {r['fwd_ms']['ours']:.3g} ({r['fwd_ms'][k]:.3g}) | {_cell(r, 'fwd', k)} "
                f"| {r['fwdbwd_ms']['ours']:.3g} ({r['fwdbwd_ms'][k]:.3g}) | {_cell(r, 'fwdbwd', k)} "
                f"| {_cell(r, 'fwdbwd', k, 'cpu_ratio')} "
                f"| {r['saved_mib']['ours']:.2f} ({r['saved_mib'][k]:.2f}) |")
    return "\n".join(lines)


def _geomean(values) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def format_summary(rows: list[dict]) -> str:
    env = perf.environment()
    lines = [f"\n{len(rows)} layer units, torch {env['torch']}, {env['threads']} threads; "
             "ratios are ours / baseline (< 1: ours faster), median (min–max) over interleaved rounds"]
    naive = [r["ratio"]["fwdbwd"][k]["median"] for r in rows for k, b in r["baselines"].items()
             if b["role"] == "naive"]
    if naive:
        lines.append(f"against naive baselines ({len(naive)}), fwd+bwd: geometric mean ours/naive "
                     f"{_geomean(naive):.2f}, worst {max(naive):.2f}")
    spreads = [perf.relative_spread(r) for r in rows]
    loads = [v for r in rows for v in r.get("load", ()) if v is not None]
    shares = [r["cpu_share"] for r in rows]
    if spreads:
        lines.append(f"spread of the ratios over rounds: median {statistics.median(spreads):.0%}, worst "
                     f"{max(spreads):.0%}" + (f"; load average {min(loads):.1f}-{max(loads):.1f}" if loads else "")
                     + f"; CPU share of our threads {min(shares):.0%}-{max(shares):.0%}")
    warning = perf.noise_warning(rows)
    if warning:
        lines.append(warning)
    return "\n".join(lines)
