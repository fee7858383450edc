"""KAN bases against closed forms written here independently (float64 NumPy), and
the fast layer against a direct per-edge evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nonlin
from nonlin.kan import KAN, KANLinear, basis_names

KAN_UNITS = nonlin.names(kind="kan")
EXPECTED = {"kan_bspline", "kan_chebyshev", "kan_fourier", "kan_rbf", "kan_rswaf", "kan_relu", "kan_af",
            "kan_rational"}


def test_every_basis_is_registered():
    assert EXPECTED <= set(KAN_UNITS)
    for name in EXPECTED:
        s = nonlin.spec(name)
        assert s.kind == "kan" and s.formula and s.reference.title
        assert s.reference.year is not None


# ---- independent references ------------------------------------------------

def bspline_ref(x: float, t: np.ndarray, j: int, k: int) -> float:
    """Recursive scalar Cox–de Boor B_{j,k}(x) (textbook definition)."""
    if k == 0:
        return 1.0 if t[j] <= x < t[j + 1] else 0.0
    a = (x - t[j]) / (t[j + k] - t[j]) * bspline_ref(x, t, j, k - 1)
    b = (t[j + k + 1] - x) / (t[j + k + 1] - t[j + 1]) * bspline_ref(x, t, j + 1, k - 1)
    return a + b


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
def test_bspline_matches_recursive_definition(order):
    layer = KANLinear(1, 1, basis="bspline", grid_size=4, spline_order=order).double()
    xs = np.linspace(-1.9, 1.9, 53)
    got = layer.basis(torch.tensor(xs).unsqueeze(1))[:, 0].numpy()
    t = np.concatenate([-1 - 0.5 * np.arange(order, 0, -1), np.linspace(-1, 1, 5), 1 + 0.5 * np.arange(1, order + 1)])
    want = np.array([[bspline_ref(x, t, j, order) for j in range(4 + order)] for x in xs])
    np.testing.assert_allclose(got, want, atol=1e-13)


def test_bspline_partition_of_unity_and_nonuniform_grid():
    torch.manual_seed(0)
    layer = KANLinear(3, 2, basis="bspline", grid_size=7).double()
    layer.update_grid(torch.randn(500, 3, dtype=torch.float64) * 1.5)   # non-uniform knots
    b = layer.basis
    assert not b.uniform
    t = b.grid
    x = torch.stack([torch.linspace(float(t[i, 3]), float(t[i, -4]) - 1e-9, 101, dtype=torch.float64)
                     for i in range(3)], 1)
    vals = b(x)
    np.testing.assert_allclose(vals.sum(-1).numpy(), 1.0, atol=1e-12)
    assert (vals >= -1e-15).all()
    # non-uniform evaluation still equals the recursive definition
    for i in range(3):
        ti = t[i].numpy()
        want = np.array([[bspline_ref(float(v), ti, j, 3) for j in range(b.num_functions)] for v in x[::10, i]])
        np.testing.assert_allclose(vals[::10, i].numpy(), want, atol=1e-12)


def test_chebyshev_recurrence_equals_cosine_form():
    layer = KANLinear(2, 1, basis="chebyshev", degree=6).double()
    x = torch.linspace(-3, 3, 41, dtype=torch.float64).unsqueeze(1).repeat(1, 2)
    got = layer.basis(x)[:, 0].numpy()
    u = np.tanh(x[:, 0].numpy())
    want = np.stack([np.cos(n * np.arccos(u)) for n in range(7)], -1)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_fourier_rbf_rswaf_relu_closed_forms():
    x = torch.linspace(-2.5, 2.5, 37, dtype=torch.float64).unsqueeze(1)
    xn = x[:, 0].numpy()
    four = KANLinear(1, 1, basis="fourier", grid_size=3).double().basis(x)[:, 0].numpy()
    want = np.stack([np.cos(k * xn) for k in (1, 2, 3)] + [np.sin(k * xn) for k in (1, 2, 3)], -1)
    np.testing.assert_allclose(four, want, atol=1e-13)

    rbf = KANLinear(1, 1, basis="rbf").double().basis(x)[:, 0].numpy()
    c = np.linspace(-2, 2, 8)
    h = 4 / 7
    np.testing.assert_allclose(rbf, np.exp(-((xn[:, None] - c) / h) ** 2), atol=1e-13)

    rs = KANLinear(1, 1, basis="rswaf").double().basis(x)[:, 0].numpy()
    c = np.linspace(-1.2, 0.2, 8).astype(np.float32).astype(np.float64)   # trainable centres: stored in float32
    np.testing.assert_allclose(rs, 1 - np.tanh((xn[:, None] - c) * 0.5) ** 2, atol=1e-13)

    x01 = torch.linspace(-0.2, 1.2, 29, dtype=torch.float64).unsqueeze(1)
    rk = KANLinear(1, 1, basis="relu", grid_size=5, spline_order=3).double().basis(x01)[:, 0].detach().numpy()
    s64 = (np.arange(8) - 3) / 5
    s = s64.astype(np.float32).astype(np.float64)           # trainable window ends: stored in float32
    e = (s64 + 4 / 5).astype(np.float32).astype(np.float64)
    xr = x01[:, 0].numpy()[:, None]
    want = (np.maximum(e - xr, 0) * np.maximum(xr - s, 0)) ** 2 * 16 / (4 / 5) ** 4
    np.testing.assert_allclose(rk, want, atol=1e-12)
    # each ReLU-KAN bump peaks at 1 in the middle of its window
    mid = torch.tensor([[(s[2] + e[2]) / 2]], dtype=torch.float64)
    assert abs(float(KANLinear(1, 1, basis="relu").double().basis(mid)[0, 0, 2].detach()) - 1.0) < 1e-6


def test_af_quad1_with_relu_equals_relu_kan_basis():
    x = torch.linspace(-1.2, 1.2, 31, dtype=torch.float64).unsqueeze(1)
    af = KANLinear(1, 1, basis="af", activation="relu", function="quad1", grid_size=5, grid_range=(-1, 1),
                   layernorm=False).double().basis(x)
    rk = KANLinear(1, 1, basis="relu", grid_size=5, grid_range=(-1, 1)).double().basis(x)
    np.testing.assert_allclose(af.detach().numpy(), rk.detach().numpy(), atol=1e-13)


def test_rational_identity_init_and_formula():
    layer = KANLinear(8, 2, basis="rational", groups=4).double()
    x = torch.linspace(-3, 3, 16, dtype=torch.float64).reshape(2, 8)
    np.testing.assert_allclose(layer.basis(x)[..., 0].detach().numpy(), x.numpy(), atol=1e-15)
    with torch.no_grad():
        layer.basis.numerator.copy_(torch.tensor([0.1, 0.5, -0.2, 0.3, 0.05, -0.01], dtype=torch.float64))
        layer.basis.denominator.copy_(torch.tensor([[0.2, -0.1, 0.3, 0.05]], dtype=torch.float64).repeat(4, 1) *
                                      torch.arange(1, 5, dtype=torch.float64)[:, None])
    xn = x.numpy()
    a = np.array([0.1, 0.5, -0.2, 0.3, 0.05, -0.01])
    p = sum(a[j] * xn ** j for j in range(6))
    got = layer.basis(x)[..., 0].detach().numpy()
    for i in range(8):
        g = i // 2
        b = np.array([0.2, -0.1, 0.3, 0.05]) * (g + 1)
        q = 1 + sum(abs(b[j - 1]) * np.abs(xn[:, i]) ** j for j in range(1, 5))
        np.testing.assert_allclose(got[:, i], p[:, i] / q, rtol=1e-13)


def test_rational_gelu_init_is_close_to_gelu():
    layer = KANLinear(8, 1, basis="rational", init="gelu").double()
    x = torch.linspace(-3, 3, 64, dtype=torch.float64).unsqueeze(1).repeat(1, 8)
    err = (layer.basis(x)[..., 0] - torch.nn.functional.gelu(x)).abs().max()
    assert err < 2e-2


# ---- derivatives -------------------------------------------------------------

@pytest.mark.parametrize("basis", ["bspline", "chebyshev", "fourier", "rbf", "rswaf", "relu", "af", "rational"])
def test_basis_derivative_matches_central_differences(basis):
    layer = KANLinear(3, 2, basis=basis).double()
    torch.manual_seed(1)
    x = torch.rand(40, 3, dtype=torch.float64) * 1.8 - 0.9
    b, db = layer.basis.value_and_derivative(x)
    eps = 1e-6
    fd = (layer.basis(x + eps) - layer.basis(x - eps)) / (2 * eps)
    np.testing.assert_allclose(b.detach().numpy(), layer.basis(x).detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(db.detach().numpy(), fd.detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("lean", [True, False])
def test_gradcheck_every_unit(name, lean):
    torch.manual_seed(0)
    m = nonlin.create(name, 4, 3, lean=lean).double()
    x = (torch.rand(6, 4, dtype=torch.float64) * 1.6 - 0.8).requires_grad_(True)
    assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-6, rtol=1e-5)
    # gradients of every parameter (coefficients, base weights, basis parameters) against plain autograd
    ref = nonlin.create(name, 4, 3, lean=False).double()
    ref.load_state_dict(m.state_dict())
    trainable = lambda mod: [p for p in mod.parameters() if p.requires_grad]  # noqa: E731
    g1 = torch.autograd.grad(m(x).pow(2).sum(), [x, *trainable(m)])
    g2 = torch.autograd.grad(ref(x).pow(2).sum(), [x, *trainable(ref)])
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_trainable_basis_parameters_get_gradients_through_lean_path(name):
    m = nonlin.create(name, 4, 3).double()
    x = torch.randn(5, 4, dtype=torch.float64)
    m(x).sum().backward()
    for pname, p in m.named_parameters():
        if not p.requires_grad:
            continue
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname


def test_lean_chunked_path_matches_plain(monkeypatch):
    import nonlin.kan.layer as L
    monkeypatch.setattr(L, "CHUNK_ELEMENTS", 64)     # force many chunks
    torch.manual_seed(0)
    for name in ("kan_bspline", "kan_relu"):
        m = nonlin.create(name, 5, 4).double()
        ref = nonlin.create(name, 5, 4, lean=False).double()
        ref.load_state_dict(m.state_dict())
        x = torch.randn(37, 5, dtype=torch.float64, requires_grad=True)
        y1, y2 = m(x), ref(x)
        np.testing.assert_allclose(y1.detach().numpy(), y2.detach().numpy(), rtol=1e-12, atol=1e-13)
        g1 = torch.autograd.grad((y1 ** 2).sum(), [x, *m.parameters()])
        g2 = torch.autograd.grad((y2 ** 2).sum(), [x, *ref.parameters()])
        for a, b in zip(g1, g2):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
        with torch.no_grad():
            np.testing.assert_allclose(m(x).numpy(), y2.detach().numpy(), rtol=1e-12, atol=1e-13)


def _lean_node(y, name="_LeanBasisMatmul"):
    """The ``name`` autograd node in y's graph (its ctx carries the kept basis, if any)."""
    todo, seen = [y.grad_fn], set()
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if type(node).__name__ == name + "Backward":
            return node
        todo.extend(n for n, _ in node.next_functions)
    raise AssertionError(f"no {name} in the graph")


def test_lean_backward_keeps_the_basis_only_for_small_inputs():
    import nonlin.kan.layer as L
    m = nonlin.create("kan_bspline", 32, 16)
    k = m.basis.num_functions
    small = torch.randn(L.KEEP_ELEMENTS // (32 * k), 32, requires_grad=True)
    large = torch.randn(L.KEEP_ELEMENTS // (32 * k) + 1, 32, requires_grad=True)
    # the default B-spline layer takes the fused path: it keeps x, B and silu(x), feature-major
    xt, bt, st = _lean_node(m(small), "_FusedBasisLinear").kept
    n = small.shape[0]
    assert xt.shape == st.shape == (32, n) and bt.shape == (32, k, n)
    assert _lean_node(m(large), "_FusedBasisLinear").kept is None
    # a B-spline without the fused path (order 2) keeps B only: dB/dx·g comes from the basis in backward
    m2 = nonlin.create("kan_bspline", 32, 16, spline_order=2)
    k2 = m2.basis.num_functions
    b, db = _lean_node(m2(small)).kept
    assert b.shape == (n, 32, k2) and db.shape == b.shape
    assert _lean_node(m2(torch.randn(L.KEEP_ELEMENTS // (32 * k2) + 1, 32, requires_grad=True))).kept is None
    r = KANLinear(32, 16, basis="chebyshev")
    x = torch.randn(4, 32, requires_grad=True)
    b, db = _lean_node(r(x)).kept
    assert b.shape == db.shape == (4, 32, r.basis.num_functions)


@pytest.mark.parametrize("backend", ["eager", "compile"])
def test_bspline_fused_derivative_dot_equals_the_dense_derivative(backend):
    """Σ_k g·B_k'(x) from the fused kernel equals the dot product with the dense dB/dx (Cox–de Boor
    derivative), inside, outside and on the edges of the grid, with NaN kept and ±inf giving 0."""
    from nonlin.kan.bspline import cox_de_boor_and_derivative
    m = nonlin.create("kan_bspline", 3, 2, grid_size=5).double()
    torch.manual_seed(2)
    x = torch.rand(40, 3, dtype=torch.float64) * 3.6 - 1.8
    x[0, 0], x[1, 1], x[2, 2], x[3, 0] = float("nan"), float("inf"), -float("inf"), 1.0
    g = torch.randn(40, 3, m.basis.num_functions, dtype=torch.float64)
    _, db = cox_de_boor_and_derivative(x, m.basis.knots(x), 3)  # exact knots (the buffer is float32)
    want = (g * torch.nan_to_num(db, nan=0.0)).sum(-1)
    want[0, 0] = float("nan")
    want[1, 1] = want[2, 2] = 0.0
    with nonlin.use_backend(backend), _no_warning():
        got = m.basis.derivative_dot(x, g)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def test_lean_backward_saves_only_input_and_weights():
    m = nonlin.create("kan_bspline", 32, 16)
    x = torch.randn(2048, 32, requires_grad=True)       # basis tensor above KEEP_ELEMENTS
    saved = {}
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.setdefault(t.untyped_storage().data_ptr(), t.numel()) and t,
                                                  lambda t: t):
        m(x)
    basis_numel = 2048 * 32 * m.basis.num_functions
    assert max(saved.values()) < basis_numel, saved   # the (batch, in·K) basis tensor is not kept
    params = {p.untyped_storage().data_ptr() for p in m.parameters()}
    activations = sum(n for ptr, n in saved.items() if ptr not in params)
    assert activations <= 2 * x.numel()              # the input and silu(input) for the base branch


# ---- the fast layer equals a direct per-edge evaluation ------------------------

def silu(v):
    return v / (1 + np.exp(-v))


def test_bspline_layer_equals_sum_of_edge_functions():
    torch.manual_seed(3)
    m = KANLinear(3, 2, basis="bspline", grid_size=5, bias=True).double()
    with torch.no_grad():
        m.bias.copy_(torch.tensor([0.3, -0.2]))
        m.coef.normal_()
    x = torch.rand(9, 3, dtype=torch.float64) * 2 - 1
    got = m(x).detach().numpy()
    t = -1 + (np.arange(12) - 3) * 0.4              # grid 5 on [−1, 1], extended by 3 knots each side
    coef, wb, bias = m.coef.detach().numpy(), m.base_weight.detach().numpy(), m.bias.detach().numpy()
    want = np.zeros((9, 2))
    for n in range(9):
        for o in range(2):
            acc = bias[o]
            for i in range(3):
                xi = float(x[n, i])
                acc += wb[o, i] * silu(xi) + sum(coef[o, i, j] * bspline_ref(xi, t, j, 3) for j in range(8))
            want[n, o] = acc
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    # edge_values and the layer agree too
    np.testing.assert_allclose(m.edge_values(x).sum(-1).detach().numpy() + bias, want, rtol=1e-12)


@pytest.mark.parametrize("basis", ["chebyshev", "fourier", "rbf", "rswaf", "relu", "af", "rational"])
def test_layer_equals_einsum_over_edges(basis):
    torch.manual_seed(4)
    m = KANLinear(4, 3, basis=basis).double()
    x = torch.randn(7, 4, dtype=torch.float64)
    u = m.basis_input(x)
    phi = torch.einsum("nik,oik->noi", m.basis(u), m.coef)
    if m.base_weight is not None:
        phi = phi + torch.nn.functional.silu(x).unsqueeze(1) * m.base_weight
    want = phi.sum(-1) + (m.bias if m.bias is not None else 0)
    np.testing.assert_allclose(m(x).detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_any_leading_shape_and_errors():
    m = nonlin.create("kan_chebyshev", in_features=4, out_features=2)
    assert m(torch.randn(2, 3, 4)).shape == (2, 3, 2)
    assert m(torch.randn(0, 4)).shape == (0, 2)
    with pytest.raises(ValueError, match="last dimension 4"):
        m(torch.randn(3, 5))
    with pytest.raises(TypeError, match="floating-point"):
        m(torch.ones(3, 4, dtype=torch.long))
    with pytest.raises(nonlin.ParameterError, match="unknown basis"):
        KANLinear(3, 2, basis="splines")
    with pytest.raises(nonlin.ParameterError, match="in_features"):
        nonlin.create("kan_bspline", in_features=0, out_features=2)
    with pytest.raises(nonlin.ParameterError, match="grid_range"):
        nonlin.create("kan_bspline", 2, 2, grid_range=(1, -1))
    with pytest.raises(nonlin.ParameterError, match="base_activation"):
        nonlin.create("kan_bspline", 2, 2, base_activation="swish")
    with pytest.raises(nonlin.ParameterError, match="function"):
        nonlin.create("kan_af", 2, 2, function="quad9")
    assert set(basis_names()) == {n[4:] for n in EXPECTED}


def test_float32_forward_is_finite_far_outside_the_grid():
    for name in sorted(EXPECTED):
        m = nonlin.create(name, 3, 2)
        x = torch.tensor([[-1e4, 0.0, 1e4], [88.0, -88.0, 1e-30]])
        assert torch.isfinite(m(x)).all(), name


def test_compiled_bspline_path_matches_eager():
    """The torch.compile fast path (used for large batches) computes the same basis and derivative."""
    m = nonlin.create("kan_bspline", 3, 2, grid_size=4)
    x = torch.rand(16, 3) * 2.4 - 1.2
    with nonlin.use_backend("eager"):
        b0, d0 = m.basis.value_and_derivative(x)
    with nonlin.use_backend("compile"), _no_warning():
        b1, d1 = m.basis.value_and_derivative(x)
        b2 = m.basis(x)
    np.testing.assert_allclose(b1.numpy(), b0.numpy(), atol=1e-6)
    np.testing.assert_allclose(b2.numpy(), b0.numpy(), atol=1e-6)
    np.testing.assert_allclose(d1.numpy(), d0.numpy(), atol=1e-4)


def _no_warning():
    import warnings
    ctx = warnings.catch_warnings()

    class _C:
        def __enter__(self):
            ctx.__enter__()
            warnings.simplefilter("error", RuntimeWarning)   # a compile failure warns: fail instead

        def __exit__(self, *a):
            return ctx.__exit__(*a)
    return _C()
