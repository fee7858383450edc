"""The large-tensor fast path: the cheap ±inf test, the measured kernel/eager choice, builtins measured slower.

No timing is asserted here (that is `nonlin perf --check-floor`); the choice itself is forced with
monkeypatch so each branch is checked for values, gradients, ±inf limits and saved memory."""

from __future__ import annotations

import math
import time

import pytest
import torch
import torch.nn.functional as F

import nonlin
from nonlin import elementwise
from nonlin.elementwise import _may_hold_inf, _time_pick

N = 1 << 16  # the smallest "large" tensor (COMPILE_MIN_NUMEL)


def _phish64(x: torch.Tensor) -> torch.Tensor:
    """phish = x·tanh(x·Φ(x)) in float64, Φ from erfc (exact in the left tail); independent of nonlin."""
    x = x.double()
    return x * torch.tanh(x * 0.5 * torch.erfc(-x / math.sqrt(2.0)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_may_hold_inf_is_never_wrong_when_it_says_no(dtype):
    big = torch.randn(N, dtype=dtype)
    assert not _may_hold_inf(big)
    for bad in (math.inf, -math.inf, math.nan):
        x = big.clone()
        x[N // 3] = bad
        assert _may_hold_inf(x), bad
    small = torch.tensor([1.0, -math.inf], dtype=dtype)
    assert _may_hold_inf(small) and not _may_hold_inf(small[:1])
    # finite values whose sum overflows: "maybe", which only costs the exact fix
    huge = torch.full((N,), torch.finfo(dtype).max / 2, dtype=dtype)
    assert _may_hold_inf(huge) in (True, False)
    assert not _may_hold_inf(torch.empty(0, dtype=dtype))


def test_time_pick_takes_the_faster_and_breaks_ties_to_the_first():
    calls = {"slow": 0, "fast": 0}

    def slow():
        calls["slow"] += 1
        time.sleep(0.004)

    def fast():
        calls["fast"] += 1

    assert _time_pick({"slow": slow, "fast": fast}) == "fast"
    assert calls["slow"] == calls["fast"] == 1 + elementwise.AUTOTUNE_ROUNDS  # warm-up, then alternating rounds
    assert _time_pick({"fast": fast, "slow": slow}) == "fast"
    # a near-tie keeps the first (the kernel): 1 % faster is inside AUTOTUNE_MARGIN
    assert _time_pick({"a": lambda: time.sleep(0.0040), "b": lambda: time.sleep(0.00396)}) == "a"


@pytest.mark.parametrize("name", ["silu", "gelu", "elu", "softplus"])
def test_builtin_units_keep_the_limits_on_large_tensors(name):
    f = nonlin.get_fn(name)
    x = torch.randn(N) * 4
    x[7], x[N - 2] = math.inf, -math.inf
    y = f(x)
    s = nonlin.spec(name).fn
    lo, hi = s.limits(dict(s.defaults))
    assert y[7].item() == hi and y[N - 2].item() == lo
    rest = torch.ones(N, dtype=torch.bool)
    rest[[7, N - 2]] = False
    torch.testing.assert_close(y[rest], s.builtin(x[rest], **s.defaults))


@pytest.fixture
def no_compile(monkeypatch):
    """Kernels run their eager body (the choice logic is under test, not Inductor; saves compiles)."""
    monkeypatch.setattr(elementwise, "compile_kernel", lambda fn, label: fn)
    yield
    for name in ("swish", "telu", "mish"):
        nonlin.spec(name).fn._kernels.clear()


@pytest.fixture
def forced(monkeypatch):
    """force(unit, choice): the next large calls of `unit` take `choice` ("kernel" or "eager")."""
    touched = []

    def force(unit, choice):
        unit._fastest_path.clear()
        monkeypatch.setattr(elementwise, "_time_pick", lambda candidates: choice)
        touched.append(unit)

    yield force
    for u in touched:
        u._fastest_path.clear()


@pytest.mark.parametrize("name, choice", [("phish", "kernel"), ("phish", "eager"), ("telu", "eager"),
                                          ("mish", "eager"), ("hard_mish", "eager")])
def test_both_large_paths_agree_with_the_float64_formula(name, choice, forced):
    """Values, gradients and ±inf limits on a large float32 tensor, whichever path the machine picks;
    only the input is saved for backward either way."""
    unit = nonlin.spec(name).fn
    forced(unit, choice)
    x = torch.cat([torch.linspace(-12, 12, N - 4), torch.tensor([math.inf, -math.inf, 3e38, -3e38])])
    xg = x.clone().requires_grad_(True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t.numel()) or t, lambda t: t):
        y = unit(xg)
    assert saved == [x.numel()]
    (g,) = torch.autograd.grad(y.sum(), xg)
    xd = x.double()
    want = unit.formula_fn(xd) if name != "phish" else _phish64(xd)
    lo, hi = unit.limits(dict(unit.defaults))
    want[-4], want[-3] = hi, lo
    # float32 arithmetic: the kernel's tanh decomposition and F.gelu's tail (the eager phish path)
    # each cost a few 1e-6 in absolute error; values are O(1) to O(10)
    torch.testing.assert_close(y.double(), want, rtol=1e-5, atol=5e-6, equal_nan=True)
    x_in = xd[:-4].clone().requires_grad_(True)
    (g64,) = torch.autograd.grad(unit.formula_fn(x_in).sum(), x_in)
    torch.testing.assert_close(g[:-4].double(), g64, rtol=1e-4, atol=1e-5)
    assert torch.isfinite(g[-2:]).all()


def test_the_eager_forward_is_the_declared_builtin_formula(forced, monkeypatch):
    """phish's eager candidate is x·tanh(F.gelu(x)) — the formula the issue asks us never to lose to."""
    unit = nonlin.spec("phish").fn
    forced(unit, "eager")
    seen = []
    real_gelu = F.gelu
    monkeypatch.setattr(F, "gelu", lambda t, *a, **k: seen.append(t.numel()) or real_gelu(t, *a, **k))
    with torch.no_grad():
        unit(torch.randn(N))
    assert seen == [N]


def test_compile_backend_and_autotune_off_always_take_the_kernel(forced, monkeypatch, no_compile):
    unit = nonlin.spec("telu").fn
    forced(unit, "eager")
    picked = []
    monkeypatch.setattr(unit, "_fast_eager_forward", lambda x, kw: picked.append("eager") or x)
    with torch.no_grad(), nonlin.use_backend("compile"):
        unit(torch.randn(N))
    monkeypatch.setattr(elementwise, "AUTOTUNE", False)
    with torch.no_grad():
        unit(torch.randn(N))
    assert picked == []
    monkeypatch.setattr(elementwise, "AUTOTUNE", True)
    with torch.no_grad():
        unit(torch.randn(N))
    assert picked == ["eager"]


def test_the_choice_is_cached_per_direction_parameters_and_dtype(monkeypatch, no_compile):
    unit = nonlin.spec("swish").fn
    unit._fastest_path.clear()
    picks = []
    monkeypatch.setattr(elementwise, "_time_pick", lambda c: picks.append(sorted(c)) or "kernel")
    x = torch.randn(N, requires_grad=True)
    for _ in range(2):
        unit(x).sum().backward()
    unit(x.detach().double())
    nonlin.get_fn("swish", beta=2.0)(x.detach())
    dirs = sorted(k[0] for k in unit._fastest_path)
    assert dirs == ["bwd", "fwd", "fwd", "fwd"] and len(picks) == 4
    unit._fastest_path.clear()


def test_mish_skips_its_slow_builtin_on_large_tensors_only(monkeypatch, no_compile):
    """F.mish is measured at about half the speed of the fused kernel on large tensors (docs/perf.md)."""
    calls = []
    unit = nonlin.spec("mish").fn
    real = unit.builtin
    monkeypatch.setattr(unit, "builtin", lambda t, **k: calls.append(t.numel()) or real(t, **k))
    x = torch.randn(N, requires_grad=True)
    mish = nonlin.get_fn("mish")
    y = mish(x)
    assert "ElementwiseFunction" in type(y.grad_fn).__name__ and N not in calls
    mish(torch.randn(100))
    assert 100 in calls


def _declared_eager_forms():
    units = (nonlin.spec(n).fn for n in nonlin.names(kind="activation"))
    return [u.name for u in units if u.eager_fn is not None and u.eager_fn is not u.naive_fn]


@pytest.mark.parametrize("name", _declared_eager_forms())
def test_a_declared_eager_form_computes_exactly_its_naive_formula(name):
    """The in-place `eager=` forms (phish, telu) must be the naive builtin formula, op for op."""
    unit = nonlin.spec(name).fn
    x = torch.cat([torch.randn(4096) * 5, torch.tensor([0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0, 3e38, -3e38])])
    for dtype in (torch.float32, torch.float64):
        xd = x.to(dtype)
        torch.testing.assert_close(unit.eager_fn(xd.clone(), **unit.defaults), unit.naive_fn(xd, **unit.defaults),
                                   rtol=0, atol=0, equal_nan=True)
    assert {"phish", "telu"} <= set(_declared_eager_forms())


def _declared_eager_grads():
    units = (nonlin.spec(n).fn for n in nonlin.names(kind="activation"))
    return [u.name for u in units if u.eager_grad_fn is not None]


@pytest.mark.parametrize("name", _declared_eager_grads())
def test_a_declared_eager_grad_computes_exactly_the_derivative_product(name):
    """`eager_grad=` (telu) is grad·f'(x) op for op, and the large path uses it when it is faster."""
    unit = nonlin.spec(name).fn
    x = torch.cat([torch.randn(4096) * 5, torch.tensor([0.0, 1e-30, 20.0, 21.0, 88.0, -88.0, 3e38, -3e38])])
    g = torch.randn_like(x)
    for dtype in (torch.float32, torch.float64):
        xd, gd = x.to(dtype), g.to(dtype)
        want = gd * unit.grad_reference(xd)
        torch.testing.assert_close(unit.eager_grad_fn(xd, gd, **unit.defaults), want, rtol=0, atol=0, equal_nan=True)
    assert "telu" in _declared_eager_grads()


def test_the_eager_backward_choice_runs_the_declared_form(forced, monkeypatch):
    unit = nonlin.spec("telu").fn
    forced(unit, "eager")
    used = []
    real = unit.eager_grad_fn
    monkeypatch.setattr(unit, "eager_grad_fn", lambda x, g: used.append(x.numel()) or real(x, g))
    x = torch.randn(N, requires_grad=True)
    (gx,) = torch.autograd.grad(unit(x).sum(), x)
    assert used == [N]
    torch.testing.assert_close(gx, unit.grad_reference(x.detach()), rtol=0, atol=0)
