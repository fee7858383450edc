"""The speed-floor machinery: which path a unit takes, and the check that can fail (no timing here)."""

import pytest
import torch

import nonlin
from nonlin import _math, elementwise, registry
from nonlin.bench import perf
from nonlin.elementwise import EAGER_FASTER_OPS, ElementwiseUnit, activation
from nonlin.registry import ref

_REF = ref("test unit", None, 2026, authors="nobody", venue="tests")
_PROPS = dict(monotonic=False, smooth="Cinf", zero_at_zero=False, bounded_below=False, bounded_above=False)


@pytest.fixture
def make_unit():
    """Register throwaway units the standard way (the @activation decorator), removed afterwards."""
    made = []

    def make(name, fn, **kw):
        unit = activation(name, family="misc", formula="f", reference=_REF, properties=_PROPS, **kw)(fn)
        made.append(name)
        return unit

    yield make
    for name in made:
        registry._SPECS.pop(registry._normalise(name), None)


def test_a_formula_with_an_op_inductor_compiles_slowly_runs_eagerly(make_unit):
    slow = make_unit("_floor_erfc", lambda x: x * torch.erfc(x))
    fast = make_unit("_floor_tanh", lambda x: x * torch.tanh(x))
    assert "erfc" in slow.traced_ops() and "erfc" in EAGER_FASTER_OPS
    assert slow.path() == "eager"
    assert fast.traced_ops() >= {"tanh", "mul"} and fast.path() == "compiled"


def test_the_derivative_counts_too(make_unit):
    u = make_unit("_floor_deriv", lambda x: x * x)
    u.derivative(lambda x: 2 * x + 0 * torch.special.erfcx(x) + 0 * torch.lgamma(x.abs() + 1))
    assert "lgamma" in u.traced_ops() and u.path() == "eager"


def test_a_declared_preference_wins_and_a_bad_one_is_refused(make_unit):
    u = make_unit("_floor_prefer", lambda x: x * torch.erfc(x), prefer="compiled")
    assert u.path() == "compiled"
    with pytest.raises(ValueError, match="prefer must be one of"):
        make_unit("_floor_bad", lambda x: x, prefer="fast")


def test_normal_cdf_traces_to_its_kernel_form():
    """Compiled, Φ uses erf (as torch's ndtr decomposes), so probit is not sent to the eager path;
    eagerly it keeps the erfc form, exact in the left tail."""
    probit = nonlin.spec("probit").fn
    assert "erfc" not in probit.traced_ops() and "erf" in probit.traced_ops()
    assert probit.path() == "compiled"
    x = torch.tensor([-30.0], dtype=torch.float64)
    assert _math.normal_cdf(x).item() > 0  # the erfc form: 4.9e-198, not 0


def test_the_eager_path_is_the_formula_through_autograd(make_unit, monkeypatch):
    u = make_unit("_floor_eager", lambda x: x * torch.erfc(x))
    monkeypatch.setattr(elementwise, "COMPILE_MIN_NUMEL", 64)  # a "large" tensor without a large test
    x = torch.linspace(-3, 3, 128, dtype=torch.float64, requires_grad=True)
    y = u(x)
    assert y.grad_fn is not None and "Function" not in type(y.grad_fn).__name__  # plain autograd
    (g,) = torch.autograd.grad(y.sum(), x)
    xd = x.detach()
    want = torch.erfc(xd) - 2 / torch.pi ** 0.5 * xd * torch.exp(-xd * xd)
    torch.testing.assert_close(y, xd * torch.erfc(xd))
    torch.testing.assert_close(g, want)
    with torch.no_grad():  # and on the no-grad path
        torch.testing.assert_close(u(xd), xd * torch.erfc(xd))


def test_naive_defaults_to_the_formula_and_can_be_declared():
    phish = nonlin.spec("phish").fn
    relu_sq = nonlin.spec("relu_squared").fn
    assert relu_sq.naive_fn is relu_sq.formula_fn
    x = torch.linspace(-3, 3, 101, dtype=torch.float64)
    torch.testing.assert_close(phish.naive_fn(x), x * torch.tanh(torch.nn.functional.gelu(x)))
    torch.testing.assert_close(phish.naive_fn(x), phish.formula_fn(x))  # the same function


def _row(unit, fwd, fwd_spread, fb=1.2, fb_spread=(1.1, 1.3)):
    return {"unit": unit, "fwd_naive_over_ours": fwd, "fwdbwd_naive_over_ours": fb,
            "spread": {"fwd_naive_over_ours": fwd_spread, "fwdbwd_naive_over_ours": fb_spread}}


def test_floor_violations_need_a_loss_beyond_the_rounds_noise():
    rows = [_row("slow", 0.5, (0.4, 0.6)),          # lost every round: fails
            _row("noisy", 0.8, (0.6, 1.3)),         # won one round: noise, passes
            _row("tie", 0.97, (0.9, 0.99)),         # within the 5 % tolerance
            _row("fast", 1.5, (1.2, 1.8), fb=0.7, fb_spread=(0.65, 0.75))]  # fwd+bwd fails
    bad = perf.floor_violations(rows)
    assert [(b["unit"], b["phase"]) for b in bad] == [("slow", "fwd"), ("fast", "fwdbwd")]
    text = perf.format_floor(rows)
    assert "2 of 4 units SLOWER" in text and "slow forward: naive/ours 0.50 (0.40–0.60)" in text
    assert "all 1 units at least as fast" in perf.format_floor(rows[2:3])
    assert perf.floor_violations(rows, tol=0.6) == []


def test_cpu_share_flags_a_busy_machine(monkeypatch):
    assert perf.cpu_share(1.0, 1.0, threads=2) == pytest.approx(0.5)
    assert perf.cpu_share(3.0, 1.0, threads=2) == 1.0
    monkeypatch.setattr(perf.os, "cpu_count", lambda: 64)
    row = {"unit": "u", "cpu_share": 0.3, "load": (0.1, 0.1), "spread": {}}
    assert "30% of their wall time" in perf.noise_warning([row])


def test_eager_path_units_save_no_more_than_their_formula(monkeypatch):
    """The memory price of the speed floor, stated: a unit on the eager path (large tensors) saves what
    autograd through its formula saves, which may exceed the one input of the compiled Function.
    (One test over all units: tracing every formula costs a few CPU seconds, not at collection.)"""
    monkeypatch.setattr(elementwise, "COMPILE_MIN_NUMEL", 256)
    units = [registry.spec(n).fn for n in registry.names(kind="activation")]
    eager = [u for u in units if u.builtin is None and u.path() == "eager"]
    assert "laplace_attention" in [u.name for u in eager]  # its formula calls torch.erfc
    x = torch.randn(1024, requires_grad=True)
    for unit in eager:
        ours = perf.saved_bytes(lambda t: unit(t), x)
        formula = perf.saved_bytes(lambda t: unit.formula_fn(t, **unit.defaults), x)
        assert ours <= formula, unit.name


def test_compare_times_cases_interleaved_and_reports_ratio_spread():
    calls = []
    res = perf.compare({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, baseline="a",
                       repeats=4, inner=2, warmup=1)
    assert calls == ["a", "b"] + ["a", "a", "b", "b"] * 4  # warm-up, then rounds alternate
    r = res["ratio"]["a"]
    assert r["median"] == r["min"] == r["max"] == 1.0
    b = res["ratio"]["b"]
    assert b["min"] <= b["q1"] <= b["median"] <= b["q3"] <= b["max"]
    assert set(res) == {"ms", "ratio", "rounds", "cpu_ms", "cpu_ratio", "cpu_rounds", "load", "cpu_share"}
    assert 0 < res["cpu_share"] <= 1 and all(t > 0 for v in res["cpu_rounds"].values() for t in v)
    assert [len(v) for v in res["rounds"].values()] == [4, 4]
    assert "IQR" in perf.format_ratio(b)
    with pytest.raises(ValueError, match="baseline must be one of"):
        perf.compare({"a": lambda: None}, baseline="z")


def test_train_step_resets_gradients():
    lin = torch.nn.Linear(3, 2)
    step = perf.train_step(lin, torch.ones(4, 3))
    step()
    g1 = lin.weight.grad.clone()
    step()
    torch.testing.assert_close(lin.weight.grad, g1)  # not accumulated


def test_cli_check_floor_exits_1_and_lists_the_slow_unit(monkeypatch, capsys):
    from nonlin import cli

    def fake_run(names, numel, repeats, quiet):
        rows = []
        for n in names:
            r = {"unit": n, "builtin": None, "numel": numel, "clone_ms": 1.0,
                 "fwd_ms": {"ours": 1.0}, "fwdbwd_ms": {"ours": 2.0},
                 "saved_bytes_per_elem": {"ours": 4.0, "naive": 8.0}, "load": (0.1, 0.1), "cpu_share": 1.0}
            slow = n == "phish"
            for phase in ("fwd", "fwdbwd"):
                r[f"{phase}_naive_over_ours"] = 0.5 if slow else 1.5
                r[f"{phase}_ours_over_compiled"] = 1.0
            r["spread"] = {f"{p}_naive_over_ours": ((0.4, 0.6) if slow else (1.2, 1.8)) for p in ("fwd", "fwdbwd")}
            rows.append(r)
        return rows

    monkeypatch.setattr(perf, "run", fake_run)
    assert cli.main(["perf", "phish", "telu", "--check-floor"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 units SLOWER" in out and "phish forward: naive/ours 0.50 (0.40–0.60)" in out
    assert cli.main(["perf", "telu", "--check-floor"]) == 0
    assert cli.main(["perf", "phish"]) == 0  # without --check-floor the table is informational


def test_surrogate_units_are_held_to_the_floor_forward_only():
    """A spiking unit's backward computes a surrogate derivative; the naive step function has none."""
    spike = _row("spike", 1.2, (1.1, 1.3), fb=0.5, fb_spread=(0.4, 0.6))
    assert [b["phase"] for b in perf.floor_violations([spike])] == ["fwdbwd"]
    spike["surrogate"] = True
    assert perf.floor_violations([spike]) == []
    slow_fwd = dict(_row("spike_slow", 0.5, (0.4, 0.6)), surrogate=True)
    assert [b["phase"] for b in perf.floor_violations([slow_fwd])] == ["fwd"]
