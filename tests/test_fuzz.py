"""Property-based fuzz of every registered unit, from its Spec's declared parameters.

For each unit (every kind) hypothesis draws

* valid parameters (each inside its declared range; layer sizes small) -> the unit
  builds, or refuses with a ParameterError (a cross-parameter constraint); a
  finite input gives an output free of NaN, and in float32 finite wherever the
  float64 output of the same unit is finite and within float32's range;
* one invalid parameter (NaN, ±inf, outside the range, the wrong type, an unknown
  choice) -> ParameterError / TypeError / ValueError whose message names the
  parameter; never another exception.

Sized by hypothesis profiles: ``ci`` (default, a few examples per unit, the whole
file in about a minute) and ``dev`` (many more); choose with ``HYPOTHESIS_PROFILE``.
Units outside nonlin/activations that still fail are listed in :data:`KNOWN_FAILURES`
(strict xfail: a fix turns the listing red so it gets removed).
"""

from __future__ import annotations

import copy
import math
import os

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nonlin
from nonlin.registry import ParameterError

settings.register_profile("ci", max_examples=6, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("dev", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

NAMES = nonlin.names()
SPAN = 50.0  # how far beyond a one-sided bound valid numbers are drawn (keeps params moderate)

# unit -> why it fails the fuzz today (owned outside nonlin/activations; see the report)
KNOWN_FAILURES: dict[str, str] = {}


def _marks(name):
    why = KNOWN_FAILURES.get(name)
    return [pytest.mark.xfail(strict=True, reason=why)] if why else []


CASES = [pytest.param(n, marks=_marks(n), id=n) for n in NAMES]


def _valid(p) -> st.SearchStrategy | None:
    """Values inside a Param's declared range; None where the Spec says too little to draw from."""
    if p.choices is not None:
        return st.sampled_from(p.choices)
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        if p.required:
            return st.integers(max(1, int(p.low or 1)), 4)
        lo = 0 if p.low is None else int(math.ceil(p.low + (1 if p.open_low and float(p.low).is_integer() else 0)))
        hi = lo + 6 if p.high is None else int(math.floor(p.high - (1 if p.open_high and float(p.high).is_integer() else 0)))
        hi = min(hi, lo + 6, max(lo, int(p.default) if isinstance(p.default, int) else lo) + 6)
        return st.integers(lo, max(lo, hi))
    if p.kind == "float":
        lo = -SPAN if p.low is None else p.low
        hi = (lo + SPAN if p.low is not None else SPAN) if p.high is None else p.high
        if p.low is None and p.high is not None:
            lo = p.high - SPAN
        # moderate magnitudes: a parameter below float32's smallest normal (1e-46, say) is a float64-only setting
        return st.floats(lo, hi, exclude_min=p.open_low and p.low is not None,
                         exclude_max=p.open_high and p.high is not None, allow_nan=False,
                         allow_infinity=False).filter(lambda v: v == 0 or abs(v) >= 1e-6)
    return None


def _invalid(p) -> list:
    """Values a Param must refuse (only what its declaration makes certain)."""
    bad = []
    if p.choices is not None:
        if all(isinstance(c, str) for c in p.choices if c is not None):
            bad += ["no_such_choice_zz", 3.5]
        return bad
    if p.kind in ("float", "int"):
        bad += [math.nan, "abc", (1, 2)]
        if not p.allow_inf:
            bad += [math.inf, -math.inf]
        if p.low is not None:
            bad.append(p.low - (0 if p.open_low else max(1.0, abs(p.low))))
        if p.high is not None:
            bad.append(p.high + (0 if p.open_high else max(1.0, abs(p.high))))
        if p.kind == "int":
            bad.append(1.5)
    elif p.kind == "bool":
        bad += ["yes", 2]
    elif p.kind == "str":
        bad += [3, (1,)]
    return bad


def _input(spec, params: dict, dtype) -> torch.Tensor:
    """A small finite input of the shape the unit's kind takes."""
    g = torch.Generator().manual_seed(0)
    if "in_channels" in params:
        shape = (2, params["in_channels"], 5, 5)
    elif "in_features" in params:
        shape = (3, params["in_features"])
    elif spec.kind == "neuron":
        shape = (2, 4, params["input_size"])
    elif params.get("num_parameters", 1) > 1:
        shape = (3, params["num_parameters"], 2)
    else:
        shape = (3, 5)
    return (torch.randn(shape, generator=g, dtype=torch.float64) * 3).to(dtype)


@st.composite
def valid_params(draw, name):
    spec = nonlin.spec(name)
    out = {}
    for p in spec.params:
        s = _valid(p)
        if s is None:
            if p.required:  # a non-integer required argument (a kernel size)
                out[p.name] = 3
            continue
        if p.required or draw(st.booleans()):
            out[p.name] = draw(s)
    if spec.kind == "kan":  # KAN layers have keyword sizes with a None default
        out.setdefault("in_features", draw(st.integers(1, 4)))
        out.setdefault("out_features", draw(st.integers(1, 4)))
    return out


def _output(module, x, params):
    if "dim_context" in params or "dim_context" in getattr(module, "__dict__", {}) or hasattr(module, "dim_context"):
        dim = params.get("dim_context", getattr(module, "dim_context", 10))
        c = torch.randn(x.shape[0], dim, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        y = module(x, context=c.to(x.dtype))
    else:
        y = module(x)
    if isinstance(y, tuple):
        y = y[0]
    return y


@pytest.mark.parametrize("name", CASES)
def test_valid_parameters_build_and_give_finite_outputs(name):
    @given(valid_params(name))
    def run(params):
        spec = nonlin.spec(name)
        try:
            m64 = nonlin.create(name, **params)
        except ParameterError:
            return  # a cross-parameter constraint refused the combination, with a named error
        torch.manual_seed(0)
        m64 = m64.double().eval()
        x = _input(spec, params, torch.float64)
        with torch.no_grad():
            y64 = _output(m64, x, params)
        assert not torch.isnan(y64).any(), f"{name}({params}): NaN output for a finite float64 input"
        m32 = copy.deepcopy(m64).float()
        with torch.no_grad():
            y32 = _output(m32, x.float(), params)
        ok = torch.isfinite(y64) & (y64.abs() < torch.finfo(torch.float32).max / 2)
        assert torch.isfinite(y32[ok]).all(), f"{name}({params}): non-finite float32 output where float64 is finite"

    run()


@st.composite
def invalid_param(draw, name):
    spec = nonlin.spec(name)
    options = [(p, v) for p in spec.params for v in _invalid(p)]
    if not options:
        return None
    return draw(st.sampled_from(options))


def _required_args(spec) -> dict:
    out = {p.name: 3 for p in spec.params if p.required}
    if spec.kind == "kan":
        out.update(in_features=3, out_features=2)
    return out


@pytest.mark.parametrize("name", CASES)
def test_invalid_parameters_get_a_named_error(name):
    spec = nonlin.spec(name)

    @given(invalid_param(name))
    def run(case):
        if case is None:
            return
        p, value = case
        kwargs = {**_required_args(spec), p.name: value}
        try:
            nonlin.create(name, **kwargs)
        except (ParameterError, TypeError, ValueError) as err:
            assert p.name in str(err), f"{name}({p.name}={value!r}): error does not name the parameter: {err}"
        except Exception as err:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{name}({p.name}={value!r}) raised {type(err).__name__}: {err}")
        else:
            pytest.fail(f"{name}({p.name}={value!r}) was accepted; allowed: {p.range_text()}")

    run()


# ---- defects the fuzz (dev profile) or issue 14 found in units outside nonlin/activations ----
# Each case states the behaviour the unit must have; all were fixed in nonlin/neurons and
# nonlin/learnable, and these keep them fixed.

def _no_nan(name, **kw):
    def check():
        m = nonlin.create(name, 3, 2, **kw).double().eval()
        y = _output(m, torch.randn(2, 6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0)), {})
        assert not torch.isnan(y).any(), f"{name}({kw}) gives NaN"
    return check


def _named_error(name, param, *args, **kw):
    def check():
        with pytest.raises((ParameterError, TypeError, ValueError)) as err:
            nonlin.create(name, *args, **kw)
        assert param in str(err.value), f"{name}: error does not name '{param}': {err.value}"
    return check


def _keeps_0dim(name):
    def check():
        assert nonlin.create(name)(torch.tensor(0.5)).shape == ()
    return check


FIXED_DEFECTS = {
    "elm_small_tau_s": (_no_nan("elm", tau_s=1e-3), "issue 14 item 4: fused/parallel ELM NaN for tau_s <= 5e-3"),
    "branch_elm_small_tau_s": (_no_nan("branch_elm", tau_s=1e-3), "issue 14 item 4: NaN for tau_s <= 5e-3"),
    "elm_v2_small_tau_b": (_no_nan("elm_v2", tau_b=1e-3), "issue 14 item 4: NaN for tau_b <= 5e-3"),
    "lif_surrogate_params_type": (_named_error("lif", "surrogate_params", 3, 2, surrogate_params="abc"),
                                  "untyped parameter: ValueError from dict() without the parameter's name"),
    "pau_init_range_type": (_named_error("pau", "init_range", init_range=()), "untyped parameter: IndexError"),
    "ash_dims_type": (_named_error("ash", "dims", dims="x"), "untyped parameter: accepted, fails at forward"),
    "polyrelu_0dim": (_keeps_0dim("polyrelu"), "issue 14 item 7: a 0-dim input comes back with shape (1,)"),
}


@pytest.mark.parametrize("case", list(FIXED_DEFECTS))
def test_fixed_defects_outside_activations_stay_fixed(case):
    FIXED_DEFECTS[case][0]()
