"""Every registered fixed activation, tested automatically.

Values are compared with the independent float64 NumPy formulas in
``tests/activations/ref_*.py`` (one file per family, written from the papers,
not from nonlin's code).  Derivatives are checked by float64 gradcheck (and
gradgradcheck for C² units), numerics by extreme inputs in three dtypes.
"""

from __future__ import annotations

import importlib
import math
import pathlib

import numpy as np
import pytest
import torch

import nonlin
from nonlin.elementwise import ElementwiseUnit

HERE = pathlib.Path(__file__).parent
REFS: dict = {}
SURROGATES: dict = {}
for f in sorted(HERE.glob("ref_*.py")):
    mod = importlib.import_module(f"tests.activations.{f.stem}")
    dup = set(REFS) & set(mod.REFERENCES)
    assert not dup, f"{f.name} redefines references {dup}"
    REFS.update(mod.REFERENCES)
    SURROGATES.update(getattr(mod, "SURROGATE_GRADIENTS", {}))

ACTIVATIONS = nonlin.names(kind="activation")
UNITS = {n: nonlin.spec(n).fn for n in ACTIVATIONS}

# A grid that avoids exact kinks of the piecewise units but covers both tails.
GRID = np.concatenate([np.linspace(-7.3, 7.3, 397), [-40.0, -15.5, -0.37, 0.0, 0.41, 15.5, 40.0]])
EXTREMES = [-1e4, -88.0, -20.0, -1e-3, -1e-30, 0.0, 1e-30, 1e-3, 20.0, 88.0, 1e4]


def unit(name) -> ElementwiseUnit:
    return UNITS[name]


def smoothness(name) -> str:
    return nonlin.spec(name).properties.get("smooth", "C0")


def test_catalogue_size():
    assert len(ACTIVATIONS) >= 400, f"only {len(ACTIVATIONS)} activations registered (issue 13 asks for >= 400)"


def test_every_activation_has_an_independent_reference():
    missing = sorted(set(ACTIVATIONS) - set(REFS))
    assert not missing, f"no float64 reference in tests/activations/ref_*.py for: {missing}"
    stale = sorted(set(REFS) - set(ACTIVATIONS))
    assert not stale, f"references for unregistered units: {stale}"


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_value_matches_float64_reference(name):
    x = torch.tensor(GRID, dtype=torch.float64)
    got = unit(name)(x).numpy()
    want = REFS[name](GRID.copy())
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradient(name):
    torch.manual_seed(0)
    x = (torch.randn(24, dtype=torch.float64) * 2.5).requires_grad_(True)
    f = unit(name)
    if name in SURROGATES:
        (g,) = torch.autograd.grad(f(x).sum(), x)
        np.testing.assert_allclose(g.numpy(), SURROGATES[name](x.detach().numpy()), rtol=1e-9, atol=1e-12)
        return
    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-6, rtol=1e-5)
    if smoothness(name) in ("C2", "Cinf"):
        assert torch.autograd.gradgradcheck(f, (x,), eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_extreme_inputs_stay_finite(name, dtype):
    """Finite input -> finite output and gradient, wherever the true value is representable."""
    f = unit(name)
    x64 = torch.tensor(EXTREMES, dtype=torch.float64)
    x = x64.to(dtype)
    xr = x.to(torch.float64).requires_grad_(True)  # the representable inputs, in float64
    y64 = f(xr)
    (g64,) = torch.autograd.grad(y64.sum(), xr)
    big = torch.finfo(dtype).max
    x = x.requires_grad_(True)
    y = f(x)
    (g,) = torch.autograd.grad(y.float().sum(), x)
    assert y.dtype == dtype and g.dtype == dtype
    ok_y = y64.detach().abs() < big / 2
    ok_g = g64.abs() < big / 2
    assert torch.isfinite(y[ok_y]).all(), f"{name} {dtype}: non-finite output at {x.detach()[ok_y & ~torch.isfinite(y)]}"
    assert torch.isfinite(g[ok_g]).all(), f"{name} {dtype}: non-finite gradient at {x.detach()[ok_g & ~torch.isfinite(g)]}"


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_shapes_nan_empty_and_input_untouched(name):
    f = unit(name)
    x = torch.randn(2, 3, 4)
    before = x.clone()
    y = f(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert torch.equal(x, before), "non-inplace call mutated its input"
    e = f(torch.empty(0, 3))
    assert e.shape == (0, 3)
    n = f(torch.tensor([float("nan"), 1.0]))
    assert torch.isnan(n[0]), f"{name} does not propagate NaN"


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_module_and_inplace(name):
    x = torch.randn(5, 7)
    want = unit(name)(x)
    m = nonlin.create(name)
    assert torch.equal(m(x), want)
    xi = x.clone()
    mi = nonlin.create(name, inplace=True)
    out = mi(xi)
    assert out.data_ptr() == xi.data_ptr(), "inplace=True did not write into the input"
    torch.testing.assert_close(xi, want)
    # inplace under autograd: gradient equals the out-of-place one
    a = torch.randn(6, dtype=torch.float64, requires_grad=True)
    (ga,) = torch.autograd.grad(unit(name)(a).sum(), a)
    b = a.detach().clone().requires_grad_(True)
    (gb,) = torch.autograd.grad(mi(b.clone()).sum(), b)
    torch.testing.assert_close(ga, gb)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_saved_memory_at_most_one_input(name):
    """Saved-for-backward bytes never exceed one tensor the size of the input."""
    x = torch.randn(4096, requires_grad=True)
    saved = []

    def pack(t):
        saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        unit(name)(x)
    storages = {}
    for t in saved:
        if t.numel() > 1:
            storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
    assert sum(storages.values()) <= x.numel() * x.element_size(), f"{name} saves {sum(storages.values())} bytes"


# ---- declared properties, checked numerically ------------------------------------
WIDE = np.concatenate([-np.logspace(3, -3, 200), [0.0], np.logspace(-3, 3, 200)])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_declared_properties_hold(name):
    s = nonlin.spec(name)
    props = s.properties
    f = unit(name)
    x = torch.tensor(WIDE, dtype=torch.float64)
    y = f(x).numpy()
    dense = torch.linspace(-12, 12, 4801, dtype=torch.float64)
    yd = f(dense).numpy()
    # differences between neighbours; where a value overflows to inf (exp-like
    # units at |x| = 1e3) the difference says nothing about monotonicity
    dd, dw = np.diff(yd), np.diff(y)
    dd, dw = dd[np.isfinite(dd)], dw[np.isfinite(dw)]
    if props.get("monotonic") is True:
        assert np.all(dd >= -1e-12) and np.all(dw >= -1e-9), f"{name} not monotonic"
    if props.get("monotonic") is False:
        assert np.any(dd < -1e-12) or np.any(dw < -1e-9), f"{name} declared non-monotonic but is"
    if props.get("zero_at_zero") is not None:
        z = float(f(torch.zeros(1, dtype=torch.float64)))
        assert (abs(z) < 1e-12) == props["zero_at_zero"], f"{name}: f(0) = {z}"
    lo, hi = props.get("bounded_below"), props.get("bounded_above")
    if lo is not False and lo is not None:
        assert np.all(y >= lo - 1e-9) and np.all(yd >= lo - 1e-9), f"{name} goes below {lo}"
    if hi is not False and hi is not None:
        assert np.all(y <= hi + 1e-9) and np.all(yd <= hi + 1e-9), f"{name} goes above {hi}"
    period = props.get("periodic")
    if period:
        shifted = f(dense + period).numpy()
        np.testing.assert_allclose(shifted, yd, atol=1e-9, err_msg=f"{name} not periodic with {period}")
    if props.get("odd"):
        np.testing.assert_allclose(f(-dense).numpy(), -yd, atol=1e-12, err_msg=f"{name} not odd")
    if props.get("even"):
        np.testing.assert_allclose(f(-dense).numpy(), yd, atol=1e-12, err_msg=f"{name} not even")
    if props.get("piecewise_linear"):
        # second differences vanish except at finitely many kinks
        d2 = np.abs(np.diff(yd, 2))
        assert np.mean(d2 > 1e-9) < 0.01, f"{name} declared piecewise linear but curves"


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_spec_is_complete(name):
    s = nonlin.spec(name)
    assert s.formula and s.reference.title and s.summary, name
    assert s.family and s.kind == "activation"
    for key in ("monotonic", "smooth", "zero_at_zero", "bounded_below", "bounded_above"):
        assert key in s.properties, f"{name}: property '{key}' not declared"
    assert s.properties["smooth"] in ("C0", "C1", "C2", "Cinf")
    assert "Reference:" in (unit(name).__doc__ or "")


# A sample across families (all units would take minutes of Inductor compiles).
def _compile_sample():
    fams = {}
    for n in ACTIVATIONS:
        if nonlin.spec(n).builtin is None:
            fams.setdefault(nonlin.spec(n).family, n)
    return sorted(fams.values())[:8]


@pytest.mark.parametrize("name", _compile_sample())
def test_torch_compile_fullgraph(name):
    torch._dynamo.reset()
    m = torch.nn.Sequential(torch.nn.Linear(8, 8), nonlin.create(name))
    cm = torch.compile(m, fullgraph=True)
    x = torch.randn(4, 8, requires_grad=True)
    torch.testing.assert_close(cm(x), m(x), rtol=1e-5, atol=1e-6)
    cm(x).sum().backward()


@pytest.mark.parametrize("name", _compile_sample()[:3])
def test_compiled_kernels_match_eager(name):
    """The fused torch.compile fast path computes the same values and gradients."""
    f = unit(name)
    x = (torch.randn(1 << 16) * 3).requires_grad_(True)
    with nonlin.use_backend("eager"):
        y0 = f(x)
        (g0,) = torch.autograd.grad(y0.sum(), x)
    with nonlin.use_backend("compile"):
        y1 = f(x)
        (g1,) = torch.autograd.grad(y1.sum(), x)
    torch.testing.assert_close(y1, y0, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(g1, g0, rtol=1e-5, atol=1e-6)
