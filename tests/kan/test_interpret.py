"""pykan's interpretability stack on the fast layer: grids, regularisation, pruning,
symbolic fitting and export, plotting, state_dict, convolutions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nonlin
from nonlin.kan import KAN, KANConv1d, KANConv2d, KANLinear, SYMBOLIC_LIB, fit_params, suggest_symbolic


def test_grid_update_keeps_the_function():
    torch.manual_seed(0)
    layer = KANLinear(3, 2, basis="bspline", grid_size=5).double()
    with torch.no_grad():
        layer.coef.normal_(0, 0.5)
    x = (torch.rand(400, 3, dtype=torch.float64) * 1.6 - 0.8) ** 3   # non-uniform samples inside [−1, 1]
    before = layer(x).detach()
    layer.update_grid(x)
    assert not layer.basis.uniform
    # new knots follow the samples: first / last inner knots at the sample extremes (grid_eps = 0.02)
    k = layer.basis.spline_order
    np.testing.assert_allclose(layer.basis.grid[:, k].numpy(), x.min(0).values.numpy(), atol=1e-6)
    after = layer(x).detach()
    rel = float((after - before).norm() / before.norm())
    assert rel < 0.05, rel


def test_refine_keeps_the_function_and_changes_grid_size():
    torch.manual_seed(1)
    model = KAN([2, 3, 1], grid_size=3).double()
    with torch.no_grad():
        for l in model.layers:
            l.coef.normal_(0, 0.3)
    x = torch.rand(500, 2, dtype=torch.float64) * 2 - 1
    before = model(x).detach()
    model.refine(x, 10)
    assert all(l.basis.grid_size == 10 and l.coef.shape[-1] == 13 for l in model.layers)
    assert float((model(x) - before).abs().max()) < 1e-2 * float(before.abs().max())


def test_refine_subdivides_the_grid_and_stretches_it_over_the_samples():
    torch.manual_seed(2)
    model = KAN([2, 1], grid_size=4).double()
    with torch.no_grad():
        model.layers[0].coef.normal_(0, 0.3)
    k = model.layers[0].basis.spline_order
    x = torch.rand(600, 2, dtype=torch.float64) * 2.2 - 1.1            # reaches outside [−1, 1]
    inside = x.abs().max(1).values < 1
    before = model(x).detach()
    model.refine(x, 12)
    knots = model.layers[0].basis.grid[:, k:-k]
    assert knots.shape == (2, 13)
    # the old knots (end knots moved out to the samples) interpolated linearly at 12 equal steps
    for i in range(2):
        old = np.array([float(x[:, i].min()), -0.5, 0.0, 0.5, float(x[:, i].max())])
        want = np.interp(np.linspace(0, 4, 13), np.arange(5), old)
        np.testing.assert_allclose(knots[i].numpy(), want, atol=1e-12)
    after = model(x).detach()
    assert float((after - before)[inside].abs().max()) < 1e-2 * float(before.abs().max())


def test_residual_jacobian_equals_autograd_jacobian():
    torch.manual_seed(3)
    model = KAN([3, 2, 2], grid_size=4, bias=True).double()
    with torch.no_grad():
        model.layers[0].mask[1, 2] = 0.0                                # a pruned edge: zero columns
        model.layers[1].bias.normal_()
    x = torch.rand(7, 3, dtype=torch.float64) * 2 - 1
    y = torch.randn(7, 2, dtype=torch.float64)
    r, jac = model.residual_jacobian(x, y)
    params = [p for _, _, p in model._lm_parameters()]
    assert len(params) == 2 * 2 + 2
    want = []
    out = model(x).reshape(-1)
    for row in range(out.numel()):
        g = torch.autograd.grad(out[row], params, retain_graph=True, allow_unused=True)
        want.append(torch.cat([(t if t is not None else torch.zeros_like(p)).reshape(-1)
                               for t, p in zip(g, params)]))
    np.testing.assert_allclose(r.numpy(), (model(x) - y).detach().reshape(-1).numpy(), atol=1e-12)
    np.testing.assert_allclose(jac.numpy(), torch.stack(want).numpy(), atol=1e-10)


def test_levenberg_marquardt_fits_pykans_example_far_below_lbfgs():
    """pykan's Example 1 at grid 10, reduced: LM reaches the spline's accuracy in a few steps."""
    with nonlin.use_backend("eager"):
        # some initialisations stall at the constant-output plateau (RMSE ≈ 0.6) with LBFGS
        # and LM alike (pykan too; with pykan's init 2 of seeds 0-11 here); this seed does not
        torch.manual_seed(0)
        f = lambda v: torch.exp(torch.sin(math.pi * v[:, :1]) + v[:, 1:] ** 2)  # noqa: E731
        x = torch.rand(400, 2, dtype=torch.float64) * 2 - 1
        xt = torch.rand(400, 2, dtype=torch.float64) * 2 - 1
        model = KAN([2, 1, 1], grid_size=3).double()
        model.fit(x, f(x), steps=30, opt="lm")
        model.refine(x, 10)
        hist = model.fit(x, f(x), steps=30, opt="lm", update_grid=False, x_test=xt, y_test=f(xt))
    assert all(b <= a * (1 + 1e-12) for a, b in zip(hist["train_loss"], hist["train_loss"][1:]))  # monotone
    assert hist["test_loss"][-1] < 2e-3, hist["test_loss"][-1]                 # pykan's grid-10 value: 3.3e-4


def test_lbfgs_reaches_the_least_squares_optimum_at_small_losses():
    """A one-layer KAN is linear in its parameters: LBFGS must reach the lstsq optimum.

    torch's LBFGS skips curvature pairs with yᵀs ≤ 1e-10; unscaled, this fit stalls
    an order of magnitude above the optimum.
    """
    with nonlin.use_backend("eager"):
        torch.manual_seed(0)
        x = torch.rand(300, 1, dtype=torch.float64) * 2 - 1
        y = torch.sin(3 * x) * 1e-2                                     # small losses from the start
        model = KAN([1, 1], grid_size=20).double()
        hist = model.fit(x, y, steps=40, update_grid=False)
        layer = model.layers[0]
        design = torch.cat([layer.basis(x)[:, 0, :], torch.nn.functional.silu(x)], 1).numpy()
        sol = np.linalg.lstsq(design, y[:, 0].numpy(), rcond=None)[0]
        best = float(np.sqrt(np.mean((design @ sol - y[:, 0].numpy()) ** 2)))
    assert hist["train_loss"][-1] < 1.05 * best + 1e-12, (hist["train_loss"][-1], best)


def test_levenberg_marquardt_rejects_what_it_cannot_train():
    x, y = torch.randn(20, 2), torch.randn(20, 1)
    with pytest.raises(nonlin.ParameterError, match="lamb=0"):
        KAN([2, 1]).fit(x, y, steps=1, opt="lm", lamb=0.1)
    with pytest.raises(nonlin.ParameterError, match="basis or LayerNorm"):
        KAN([2, 1], basis="rbf").fit(x, y, steps=1, opt="lm")
    with pytest.raises(nonlin.ParameterError, match="'lbfgs', 'adam' or 'lm'"):
        KAN([2, 1]).fit(x, y, steps=1, opt="sgd")


def test_regularization_equals_its_definition():
    torch.manual_seed(2)
    model = KAN([3, 2, 1]).double()
    x = torch.randn(64, 3, dtype=torch.float64)
    got = model.regularization(x, lamb_l1=1.0, lamb_entropy=2.0)
    want = 0.0
    h = x
    for layer in model.layers:
        phi = layer.edge_values(h)                       # (N, out, in): the direct per-edge values
        s = phi.pow(2).mean(0).add(1e-12).sqrt()
        p = s / s.sum()
        want = want + s.sum() - 2.0 * (p * torch.log(p + 1e-12)).sum()
        h = layer(h)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-9)
    got.backward()                                       # differentiable
    assert model.layers[0].coef.grad is not None


def test_prune_removes_dead_nodes_edges_and_inputs():
    torch.manual_seed(3)
    model = KAN([3, 4, 1]).double()
    with torch.no_grad():
        for l in model.layers:
            l.coef.zero_()
            l.base_weight.zero_()
        # only input 0 → hidden 1 → output, plus a weak edge input 2 → hidden 1
        model.layers[0].base_weight[1, 0] = 1.0
        model.layers[0].base_weight[1, 2] = 1e-3
        model.layers[1].base_weight[0, 1] = 1.0
        model.layers[1].base_weight[0, 3] = 1.0   # hidden 3 has an output but no input: dead
    x = torch.rand(200, 3, dtype=torch.float64) * 2 - 1
    y = model(x).detach()
    model.prune(x, node_th=1e-2, edge_th=3e-2)
    assert model.widths == [3, 1, 1]
    assert model.layers[0].mask.tolist() == [[1.0, 0.0, 0.0]]
    np.testing.assert_allclose(model(x).detach().numpy(), y.numpy(), atol=1e-3)
    model.prune_input(x, threshold=1e-2)
    assert model.input_ids == [0] and model.widths == [1, 1, 1]
    np.testing.assert_allclose(model(x[:, :1]).detach().numpy(), y.numpy(), atol=1e-3)


SMALL_LIB = ["x", "x^2", "x^3", "1/x", "sqrt", "exp", "log", "sin", "tanh", "gaussian", "arctan"]


@pytest.mark.parametrize("name,a,b,c,d,lib", [("sin", 3.0, 0.5, 2.0, -1.0, None),   # the full 29-function library
                                              ("exp", 1.5, -0.3, 0.7, 0.2, SMALL_LIB),
                                              ("x^2", 2.0, 1.0, -0.5, 0.3, SMALL_LIB)])
def test_symbolic_fit_finds_the_function_on_clean_data(name, a, b, c, d, lib):
    x = torch.linspace(-1, 1, 101, dtype=torch.float64)
    y = c * SYMBOLIC_LIB[name].torch(a * x + b) + d
    ranked = suggest_symbolic(x, y, lib=lib, topk=3)
    best = ranked[0]
    # sin(ax + b) = cos(ax + b − π/2): with the same complexity either is a correct answer
    same = {"sin": {"sin", "cos"}}.get(name, {name})
    assert best["name"] in same, [e["name"] for e in ranked]
    name = best["name"]
    assert best["r2"] > 1 - 1e-8
    (fa, fb, fc, fd), r2 = fit_params(x, y, name)
    pred = fc * SYMBOLIC_LIB[name].torch(fa * x + fb) + fd
    # the zoomed grid search resolves (a, b) to ~1e-5: pykan's procedure, not an exact solver
    assert float((pred - y).abs().max()) < 1e-4 * abs(c)


def test_library_has_the_papers_29_functions():
    base = {"x", "x^2", "x^3", "x^4", "x^5", "1/x", "1/x^2", "1/x^3", "1/x^4", "1/x^5", "sqrt", "x^0.5", "x^1.5",
            "1/sqrt(x)", "1/x^0.5", "exp", "log", "abs", "sin", "cos", "tan", "tanh", "sgn", "arcsin", "arccos",
            "arctan", "arctanh", "0", "gaussian"}
    assert base <= set(SYMBOLIC_LIB) and len(base) == 29


def test_fix_symbolic_and_formula_export():
    sp = pytest.importorskip("sympy")
    model = KAN([2, 1, 1]).double()
    model.fix_symbolic(0, 0, 0, "sin", params=(math.pi, 0.0, 1.0, 0.0))
    model.fix_symbolic(0, 1, 0, "x^2", params=(1.0, 0.0, 1.0, 0.0))
    model.fix_symbolic(1, 0, 0, "exp", params=(1.0, 0.0, 1.0, 0.0))
    x = torch.rand(50, 2, dtype=torch.float64) * 2 - 1
    want = torch.exp(torch.sin(math.pi * x[:, :1]) + x[:, 1:] ** 2)
    np.testing.assert_allclose(model(x).detach().numpy(), want.numpy(), rtol=1e-12)
    (expr,) = model.symbolic_formula(digits=None)
    x1, x2 = sp.symbols("x_1 x_2")
    assert expr.has(sp.exp) and expr.has(sp.sin) and expr.free_symbols == {x1, x2}
    fn = sp.lambdify((x1, x2), expr, "numpy")
    np.testing.assert_allclose(fn(x[:, 0].numpy(), x[:, 1].numpy()), want[:, 0].numpy(), rtol=1e-12)
    model.layers[0].unfix_symbolic(0, 0)
    with pytest.raises(ValueError, match="still splines"):
        model.symbolic_formula()


def test_train_then_auto_symbolic_recovers_a_formula():
    """Reduced pipeline: train a [2, 1, 1] KAN on exp(sin πx + y²), auto-symbolic, compare."""
    sp = pytest.importorskip("sympy")
    torch.manual_seed(0)
    f = lambda v: torch.exp(torch.sin(math.pi * v[:, :1]) + v[:, 1:] ** 2)  # noqa: E731
    x = torch.rand(300, 2, dtype=torch.float64) * 2 - 1
    model = KAN([2, 1, 1], grid_size=5).double()
    model.fit(x, f(x), steps=15, update_grid=True, stop_grid_update_step=10, grid_update_num=5)
    fixed = model.auto_symbolic(x, lib=["x", "x^2", "sin", "exp", "tanh", "x^3"])
    names = {(l, i, j): n for l, i, j, n, _ in fixed}
    assert names[(0, 0, 0)] == "sin" and names[(0, 1, 0)] == "x^2" and names[(1, 0, 0)] == "exp", names
    (expr,) = model.symbolic_formula()
    x1, x2 = sp.symbols("x_1 x_2")
    fn = sp.lambdify((x1, x2), expr, "numpy")
    xt = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    want = np.exp(np.sin(np.pi * xt[:, 0]) + xt[:, 1] ** 2)
    assert np.sqrt(np.mean((fn(xt[:, 0], xt[:, 1]) - want) ** 2)) < 5e-2


def test_state_dict_round_trip_with_mask_and_symbolic_edges():
    torch.manual_seed(4)
    a = nonlin.create("kan_bspline", 3, 2).double()
    a.mask[1, 2] = 0
    a.fix_symbolic(0, 1, "tanh", (2.0, 0.1, 0.5, -0.2))
    b = nonlin.create("kan_bspline", 3, 2).double()
    b.load_state_dict(a.state_dict())
    x = torch.randn(8, 3, dtype=torch.float64)
    np.testing.assert_allclose(b(x).detach().numpy(), a(x).detach().numpy(), rtol=1e-14)
    assert b.symbolic == a.symbolic
    for name in ("kan_rbf", "kan_rational", "kan_relu"):
        m1, m2 = nonlin.create(name, 8, 3), nonlin.create(name, 8, 3)
        m2.load_state_dict(m1.state_dict())
        x = torch.randn(4, 8)
        assert torch.equal(m1(x), m2(x)), name


def test_conv_layers_equal_explicit_patch_loop():
    torch.manual_seed(5)
    conv = KANConv2d(2, 3, kernel_size=3, padding=1, stride=2, basis="chebyshev").double()
    x = torch.randn(2, 2, 6, 5, dtype=torch.float64)
    y = conv(x)
    assert y.shape == (2, 3, 3, 3)
    xp = torch.nn.functional.pad(x, (1, 1, 1, 1))
    for r in range(3):
        for c in range(3):
            patch = xp[:, :, 2 * r:2 * r + 3, 2 * c:2 * c + 3].reshape(2, -1)
            np.testing.assert_allclose(y[:, :, r, c].detach().numpy(), conv.kan(patch).detach().numpy(), rtol=1e-12)
    c1 = KANConv1d(2, 4, kernel_size=3).double()
    z = torch.randn(1, 2, 5, dtype=torch.float64, requires_grad=True)
    out = c1(z)
    assert out.shape == (1, 4, 3)
    np.testing.assert_allclose(out[:, :, 0].detach().numpy(), c1.kan(z[:, :, :3].reshape(1, -1)).detach().numpy(),
                               rtol=1e-12)
    assert torch.autograd.gradcheck(c1, (z,), eps=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="expects"):
        c1(torch.randn(3, 5, 9, dtype=torch.float64))


def test_plot_writes_every_edge(tmp_path):
    pytest.importorskip("matplotlib")
    model = KAN([2, 2, 1])
    model.fix_symbolic(1, 0, 0, "x", params=(1, 0, 1, 0))
    fig = model.plot(torch.rand(50, 2) * 2 - 1, path=str(tmp_path / "kan.png"))
    assert (tmp_path / "kan.png").stat().st_size > 0
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titled) == 4 + 2 and any(t.endswith(" x") for t in titled)


def test_interpretability_errors_are_clear():
    model = KAN([2, 1], basis="chebyshev")
    with pytest.raises(TypeError, match="no grid"):
        model.update_grid(torch.randn(10, 2))
    with pytest.raises(nonlin.ParameterError, match="unknown symbolic"):
        model.fix_symbolic(0, 0, 0, "sinh", params=(1, 0, 1, 0))
    with pytest.raises(IndexError):
        model.fix_symbolic(0, 5, 0, "sin", params=(1, 0, 1, 0))
    with pytest.raises(nonlin.ParameterError, match="widths"):
        KAN([3])
    with pytest.raises(ValueError, match="LayerNorm"):
        KAN([2, 1], basis="rbf").fix_symbolic(0, 0, 0, "sin", params=(1, 0, 1, 0))
