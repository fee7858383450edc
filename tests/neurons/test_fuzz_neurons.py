"""Property-based fuzz of every neuron unit over its declared parameter ranges.

Any combination of values inside the declared ranges (ends, tiny and huge magnitudes included)
either builds a unit whose outputs and input gradients are finite in float32 and float64, or is
refused at construction with a ParameterError (cross-parameter rules such as
memory_tau_max >= memory_tau_min).  Values outside the ranges are covered one by one in
test_robustness.py.
"""

from __future__ import annotations

import math

import pytest
import torch

import nonlin

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

NEURONS = nonlin.names(kind="neuron")


def _float_strategy(p):
    lo = -1e30 if p.low is None else p.low
    hi = 1e30 if p.high is None else p.high
    ends = [v for v, open_ in ((lo, p.open_low), (hi, p.open_high)) if not open_]
    inside = st.floats(lo, hi, exclude_min=p.open_low, exclude_max=p.open_high, allow_nan=False,
                       allow_infinity=False, allow_subnormal=lo < 2.2250738585072014e-308)
    if lo >= 0:  # spread over magnitudes, not just the top of the range
        mags = st.floats(-320.0, math.log10(hi) if hi > 0 else 0.0).map(lambda e: lo + 10.0 ** e)
        inside = st.one_of(inside, mags.filter(lambda v: (lo < v or not p.open_low) and (v < hi or not p.open_high)
                                                and lo <= v <= hi))
    return st.one_of(st.sampled_from(ends), inside) if ends else inside


def _strategy(p):
    if p.choices is not None:
        return st.sampled_from(p.choices)
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        lo = 0 if p.low is None else int(p.low) + (1 if p.open_low else 0)
        hi = int(p.high) - (1 if p.open_high else 0) if p.high is not None else lo + 5
        return st.integers(lo, min(hi, lo + 5) if not p.name.endswith("seed") else hi)  # sizes stay small
    if p.kind == "float":
        return _float_strategy(p)
    return None  # free-form parameters keep their defaults here


@st.composite
def unit_and_params(draw):
    name = draw(st.sampled_from(NEURONS))
    kw = {}
    for p in nonlin.spec(name).params:
        if p.required:  # layer sizes: the test gives them
            continue
        s = _strategy(p)
        if s is not None and draw(st.booleans()):
            kw[p.name] = draw(s)
    if "num_memory" in kw:
        kw["num_memory"] = min(kw["num_memory"], 4)
    if kw.get("input_to_synapse_routing") == "neuronio_routing":
        kw["num_branch"] = 3  # 6 inputs: windows of stride 2
        kw["num_synapse_per_branch"] = max(kw.get("num_synapse_per_branch", 2), 2)
    return name, kw


@hypothesis.settings(max_examples=120, deadline=None, derandomize=True,
                     suppress_health_check=list(hypothesis.HealthCheck))
@hypothesis.given(unit_and_params())
def test_every_valid_parameter_combination_is_finite_or_refused(case):
    name, kw = case
    sizes = (6,) if name == "kwinners" else (6, 4)
    try:
        model = nonlin.create(name, *sizes, **kw)
    except nonlin.ParameterError:
        return
    torch.manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        model = model.to(dtype)
        x = torch.randn(2, 5, 6, dtype=dtype, requires_grad=True)
        ctx = {"context": torch.randn(2, model.dim_context, dtype=dtype)} if name == "active_dendrites" else {}
        y, _ = model(x, **ctx)
        assert torch.isfinite(y).all(), (name, kw, dtype)
        y.sum().backward()
        assert x.grad is None or torch.isfinite(x.grad).all(), (name, kw, dtype)
