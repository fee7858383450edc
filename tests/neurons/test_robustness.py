"""Every neuron unit: bad parameters rejected at construction (naming the parameter), the ends of
every declared range usable, pickling, integer and empty inputs, NaN propagation, and ELM's
traces finite over the whole declared range of τ."""

from __future__ import annotations

import io
import math
import pickle

import pytest
import torch

import nonlin
from nonlin.neurons import spike_fn

NEURONS = nonlin.names(kind="neuron")


def _sizes(name):
    return (6,) if name == "kwinners" else (6, 4)


def _small(name):
    return dict(num_memory=3) if "elm" in name else {}


def _build(name, **kw):
    """Construct through the class itself (no registry check in front), small sizes."""
    return nonlin.spec(name).builder(*_sizes(name), **{**_small(name), **kw})


def _run(model, name, x):
    dtype = x.dtype if x.dtype.is_floating_point else None
    kw = {"context": torch.randn(x.shape[0], model.dim_context, dtype=dtype)} if name == "active_dendrites" else {}
    return model(x, **kw)


def _numeric(name):
    return [p for p in nonlin.spec(name).params if p.kind in ("float", "int") and not p.required]


def _bad_values(p):
    """Values outside what the parameter declares, each with a short label."""
    out = [("nan", float("nan")), ("+inf", math.inf), ("-inf", -math.inf), ("str", "abc"), ("bool", True),
           ("none", None)]
    if p.kind == "int":
        out.append(("fraction", 2.5))
    if p.low is not None:
        out.append(("below", p.low if p.open_low else p.low - max(1, abs(p.low))))
    if p.high is not None:
        out.append(("above", p.high if p.open_high else p.high + max(1, abs(p.high))))
    return out


CASES = [(n, p.name, label, v) for n in NEURONS for p in _numeric(n) for label, v in _bad_values(p)]
OTHER = [(n, p.name) for n in NEURONS for p in nonlin.spec(n).params if p.kind not in ("float", "int") and not p.required]


@pytest.mark.parametrize("name,param,label,value", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_bad_numeric_parameter_is_rejected_at_construction(name, param, label, value):
    with pytest.raises(nonlin.ParameterError, match=param):
        _build(name, **{param: value})


@pytest.mark.parametrize("name,param", OTHER, ids=[f"{n}-{p}" for n, p in OTHER])
def test_bad_typed_parameter_is_rejected_at_construction(name, param):
    # bool, choice and free-form ("any") parameters: a string that is none of their values
    with pytest.raises(nonlin.ParameterError, match=param):
        _build(name, **{param: "abc"})


def test_examples_from_the_issue():
    with pytest.raises(nonlin.ParameterError, match="surrogate_params"):
        nonlin.create("lif", 4, 3, surrogate_params="abc")
    with pytest.raises(nonlin.ParameterError, match="surrogate_params"):
        nonlin.create("lif", 4, 3, surrogate_params={"alpha": float("nan")})
    with pytest.raises(nonlin.ParameterError, match="t_max"):
        nonlin.create("lstm_chrono", 4, 3, t_max=float("inf"))


def _ends(p):
    """The closed ends of the range, or the closest representable values inside open ones."""
    out = []
    if p.low is not None:
        if not p.open_low:
            out.append(p.low)
        else:
            out.append(p.low + 1 if p.kind == "int" else (5e-324 if p.low == 0 else math.nextafter(p.low, math.inf)))
    if p.high is not None:
        if not p.open_high:
            out.append(p.high)
        else:
            out.append(p.high - 1 if p.kind == "int" else math.nextafter(p.high, -math.inf))
    return out


ENDS = [(n, p.name, v) for n in NEURONS for p in _numeric(n) for v in _ends(p)
        if not p.name.endswith("seed")]


@pytest.mark.parametrize("name,param,value", ENDS, ids=[f"{c[0]}-{c[1]}-{c[2]!r}" for c in ENDS])
def test_ends_of_declared_ranges_give_finite_outputs(name, param, value):
    torch.manual_seed(0)
    kw = {param: value}
    if param == "memory_tau_max":  # memory_tau_max >= memory_tau_min is checked too
        kw["memory_tau_min"] = value
    model = _build(name, **kw)
    y, _ = _run(model, name, torch.randn(2, 5, 6))
    assert torch.isfinite(y).all()


HUGE = [(n, p.name, v) for n in NEURONS for p in _numeric(n) if p.kind == "float"
        for v in ([1e300] if p.high is None else []) + ([-1e300] if p.low is None else [])]


@pytest.mark.parametrize("name,param,value", HUGE, ids=[f"{c[0]}-{c[1]}-{c[2]!r}" for c in HUGE])
def test_huge_values_inside_unbounded_ranges_give_finite_outputs(name, param, value):
    torch.manual_seed(0)
    kw = {param: value}
    if param == "memory_tau_min":
        kw["memory_tau_max"] = value
    model = _build(name, **kw)
    y, _ = _run(model, name, torch.randn(2, 5, 6))
    assert torch.isfinite(y).all()


@pytest.mark.parametrize("name", ["elm", "branch_elm", "elm_v2", "akorn", "active_dendrites", "learned_delay", "ltc"])
def test_largest_seeds_are_accepted(name):
    param = next(p.name for p in nonlin.spec(name).params if p.name.endswith("seed"))
    _build(name, **{param: 2**63 - 1, **({"input_to_synapse_routing": "random_routing"} if "elm" in name else {})})


@pytest.mark.parametrize("name", NEURONS)
def test_pickle_round_trip_of_the_whole_model(name):
    torch.manual_seed(1)
    model = _build(name).double().eval()
    x = torch.randn(2, 5, 6, dtype=torch.float64)
    torch.manual_seed(2)
    y, _ = _run(model, name, x)
    buf = io.BytesIO()
    torch.save(model, buf)  # the whole module, as torch.save(model) does
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    torch.manual_seed(2)
    y2, _ = _run(loaded, name, x)
    assert torch.equal(y, y2)
    assert type(pickle.loads(pickle.dumps(model))) is type(model)


@pytest.mark.parametrize("name", NEURONS)
def test_integer_input_is_a_type_error(name):
    model = _build(name)
    with pytest.raises(TypeError, match="float"):
        _run(model, name, torch.ones(2, 5, 6, dtype=torch.long))


@pytest.mark.parametrize("name", NEURONS)
@pytest.mark.parametrize("shape", [(0, 5, 6), (2, 0, 6)], ids=["empty_batch", "no_steps"])
def test_empty_inputs_give_empty_outputs(name, shape):
    model = _build(name)
    y, _ = _run(model, name, torch.randn(*shape))
    assert y.shape == (*shape[:2], model.output_size)


@pytest.mark.parametrize("name", ["lif", "alif", "synaptic_lif"])
def test_nan_input_propagates_to_the_spikes(name):
    model = _build(name).double()
    x = torch.randn(3, 6, 6, dtype=torch.float64)
    x[1, 2, 0] = float("nan")  # one NaN input: row 1 turns NaN from step 2 on (the Linear mixes inputs)
    s, state = model(x)
    assert torch.isnan(state[0][1]).all() or torch.isnan(state[1][1]).all()
    assert torch.isnan(s[1, 2:]).all()  # not silently 0 spikes
    assert not torch.isnan(s[0]).any() and not torch.isnan(s[2]).any()
    assert not torch.isnan(s[1, :2]).any()
    # a NaN membrane is NaN in the spike; ±inf membranes still spike / stay silent
    v = torch.tensor([float("nan"), math.inf, -math.inf, 0.5, -0.5, 0.0])
    assert torch.equal(spike_fn("atan")(v)[1:], torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0]))
    assert torch.isnan(spike_fn("atan")(v)[0])


# -- ELM: traces finite over the declared range of τ (issue: NaN for τ <= 5e-3 in fused/parallel) --

def _elm_reference(model, x):
    """Float64 loop of the equations with κ = exp(−Δt/τ) evaluated in float64 (no underflow tricks)."""
    y, st = [], None
    m64 = model.double()
    m64.mode = "sequential"
    y, _ = m64(x.double())
    return y


@pytest.mark.parametrize("name,param", [("elm", "tau_s"), ("branch_elm", "tau_s"), ("elm_v2", "tau_b")])
@pytest.mark.parametrize("tau", [5e-324, 1e-300, 1e-30, 1e-3, 5e-3, 1e-2, 1.0, 1e300])
@pytest.mark.parametrize("mode", ["fused", "parallel", "sequential"])
def test_elm_trace_time_constant_over_its_declared_range(name, param, tau, mode):
    torch.manual_seed(3)
    model = nonlin.create(name, 6, 2, num_memory=3, mode=mode, chunk_size=8, **{param: tau})
    x = torch.randn(2, 20, 6)
    y, (trace, m) = model(x)
    assert torch.isfinite(y).all() and torch.isfinite(trace).all() and torch.isfinite(m).all()
    ref = _elm_reference(model, x)
    assert torch.allclose(y.double(), ref, atol=2e-5, rtol=1e-4)
    if tau <= 1e-2:  # κ = exp(−Δt/τ) ≈ 0 in float32: the trace is the current drive alone
        drive = (model.w_s().double() * x[:, -1, model.synapse_index].double())
        if model._version == 2:
            drive = drive.view(2, model.num_branch, -1).sum(-1)
        assert torch.allclose(trace.double(), drive, atol=1e-5)
