"""The fused feature-major path of the default B-spline layer (_FusedBasisLinear) against
references computed without it: the Cox–de Boor recursion written here in NumPy, torch's
own SiLU, and the plain autograd layer (lean=False), in float64 and float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nonlin
from nonlin.kan import KANLinear
from nonlin.kan.bspline import cox_de_boor_and_derivative, cubic_features_t, cubic_input_grad_t

from .test_bases import _lean_node, _no_warning, bspline_ref


def _inputs(dtype, n=40, d=3, seed=2):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d, dtype=dtype, generator=g) * 3.6 - 1.8          # inside, outside and across the grid
    x[0, 0], x[1, 1], x[2, 2], x[3, 0], x[4, 1] = float("nan"), float("inf"), -float("inf"), 1.0, -2.2
    return x


@pytest.mark.parametrize("backend", ["eager", "compile"])
def test_feature_major_basis_equals_the_recursive_definition(backend):
    """B (in, K, N) from the fused kernel = the Cox–de Boor recursion (NumPy, float64); NaN stays NaN,
    ±inf gives 0; the base branch output is torch's SiLU."""
    m = nonlin.create("kan_bspline", 3, 2, grid_size=5).double()
    t0, h, num = m.basis._cubic_args()
    x = _inputs(torch.float64)
    with nonlin.use_backend(backend), _no_warning():
        bt, st = cubic_features_t(x.t().contiguous(), t0, h, num, True)
    t = -1 + (np.arange(12) - 3) * 0.4                     # grid 5 on [−1, 1], extended by 3 knots each side
    got = bt.permute(2, 0, 1).numpy()                      # (N, in, K)
    for n in range(x.shape[0]):
        for i in range(3):
            xi = float(x[n, i])
            if np.isnan(xi):
                assert np.isnan(got[n, i]).all()
            elif np.isinf(xi):
                assert (got[n, i] == 0).all()
            else:
                want = [bspline_ref(xi, t, j, 3) for j in range(num)]
                np.testing.assert_allclose(got[n, i], want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(st.t().numpy(), torch.nn.functional.silu(x).numpy(), rtol=1e-15, equal_nan=True)
    # and the batch-major closed form the other paths use, bit for bit in eager
    if backend == "eager":
        assert torch.equal(bt.permute(2, 0, 1).nan_to_num(7.0), m.basis(x).nan_to_num(7.0))


@pytest.mark.parametrize("backend", ["eager", "compile"])
def test_feature_major_input_gradient_equals_the_dense_derivative(backend):
    """Σ_k g_k·B_k'(x) + g_s·silu'(x) from the fused kernel = the dot product with the Cox–de Boor
    derivative plus torch's SiLU gradient (float64)."""
    m = nonlin.create("kan_bspline", 3, 2, grid_size=5).double()
    t0, h, num = m.basis._cubic_args()
    x = _inputs(torch.float64)
    torch.manual_seed(3)
    gb = torch.randn(40, 3, num, dtype=torch.float64)
    gs = torch.randn(40, 3, dtype=torch.float64)
    _, db = cox_de_boor_and_derivative(x, m.basis.knots(x), 3)
    spline = (gb * torch.nan_to_num(db, nan=0.0)).sum(-1)
    spline[1, 1] = spline[2, 2] = 0.0                                    # ±inf: outside every support
    xs = x.clone().requires_grad_(True)
    silu_grad, = torch.autograd.grad(torch.nn.functional.silu(xs), xs, gs)
    with nonlin.use_backend(backend), _no_warning():
        got = cubic_input_grad_t(x.t().contiguous(), gb.permute(1, 2, 0).contiguous(),
                                 gs.t().contiguous(), t0, h, num).t()
        no_base = cubic_input_grad_t(x.t().contiguous(), gb.permute(1, 2, 0).contiguous(), None, t0, h, num).t()
    want = spline + silu_grad
    want[0, 0] = float("nan")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    spline[0, 0] = float("nan")
    np.testing.assert_allclose(no_base.numpy(), spline.numpy(), rtol=1e-12, atol=1e-12)


def _pair(base="silu", dtype=torch.float64, seed=0, **kw):
    torch.manual_seed(seed)
    m = KANLinear(5, 4, basis="bspline", base_activation=base, **kw).to(dtype)
    ref = KANLinear(5, 4, basis="bspline", base_activation=base, lean=False, **kw).to(dtype)
    ref.load_state_dict(m.state_dict())
    return m, ref


def _grads(m, x):
    y = m(x)
    return [y] + list(torch.autograd.grad((y * torch.linspace(-1, 2, y.numel(), dtype=y.dtype).view_as(y)).sum(),
                                          [x, *[p for p in m.parameters() if p.requires_grad]]))


CASES = [  # (dtype, base, chunked, backend): float64 everywhere, float32 with the compiled kernels too
    (torch.float64, "silu", False, "eager"), (torch.float64, "silu", True, "eager"),
    (torch.float64, "none", False, "eager"), (torch.float64, "none", True, "eager"),
    (torch.float32, "silu", False, "eager"), (torch.float32, "silu", True, "eager"),
    (torch.float32, "silu", False, "compile"), (torch.float64, "silu", True, "compile"),
]


@pytest.mark.parametrize("dtype,base,chunked,backend", CASES)
def test_fused_layer_equals_plain_autograd(monkeypatch, dtype, base, chunked, backend):
    """Outputs and gradients (input, coefficients, base weights) of the fused path = the plain
    autograd formula (lean=False): float64 to 1e-12, float32 to float32 rounding."""
    import nonlin.kan.layer as L
    if chunked:
        monkeypatch.setattr(L, "CHUNK_ELEMENTS", 64)      # many row chunks, recompute in backward
    m, ref = _pair(base, dtype)
    x = torch.randn(37, 5, dtype=dtype, generator=torch.Generator().manual_seed(1)).requires_grad_(True)
    with nonlin.use_backend(backend), _no_warning():
        got = _grads(m, x)
        node = _lean_node(m(x), "_FusedBasisLinear")
        want = _grads(ref, x)
    assert (node.kept is None) == chunked
    tol = dict(rtol=1e-12, atol=1e-13) if dtype == torch.float64 else dict(rtol=2e-5, atol=2e-6)
    assert len(got) == len(want) == (4 if base == "silu" else 3)      # y, x, coef (, base_weight)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)


def test_fused_layer_with_pruned_edges_bias_and_leading_dims():
    m, ref = _pair(bias=True)
    with torch.no_grad():
        for mod in (m, ref):
            mod.bias.copy_(torch.tensor([0.3, -0.2, 0.1, 0.0], dtype=torch.float64))
            mod.mask[1, 2] = 0.0
            mod.mask[3, 0] = 0.0
    x = torch.randn(2, 6, 5, dtype=torch.float64, requires_grad=True)
    got, want = _grads(m, x), _grads(ref, x)
    assert got[0].shape == (2, 6, 4)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-13)
    assert float(got[2][1, 2].abs().sum()) == 0.0                     # a pruned edge gets no gradient
    with torch.no_grad():                                             # inference takes the same path
        np.testing.assert_allclose(m(x).numpy(), want[0].detach().numpy(), rtol=1e-12, atol=1e-13)


def test_fused_path_gradcheck_chunked(monkeypatch):
    import nonlin.kan.layer as L
    monkeypatch.setattr(L, "CHUNK_ELEMENTS", 48)
    m, _ = _pair()
    x = (torch.rand(9, 5, dtype=torch.float64) * 2.4 - 1.2).requires_grad_(True)
    assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_fused_path_is_taken_only_where_it_applies():
    x = torch.randn(8, 5, dtype=torch.float64)
    fused = lambda m: "_FusedBasisLinear" in str(_graph_names(m(x)))  # noqa: E731
    assert fused(KANLinear(5, 4, basis="bspline").double())
    assert fused(KANLinear(5, 4, basis="bspline", base_activation="none").double())
    assert not fused(KANLinear(5, 4, basis="bspline", lean=False).double())
    assert not fused(KANLinear(5, 4, basis="bspline", spline_order=2).double())
    assert not fused(KANLinear(5, 4, basis="bspline", base_activation="gelu").double())
    assert not fused(KANLinear(5, 4, basis="bspline", layernorm=True).double())
    assert not fused(KANLinear(5, 4, basis="chebyshev").double())
    m = KANLinear(5, 4, basis="bspline").double()
    m.update_grid(torch.randn(64, 5, dtype=torch.float64))           # non-uniform knots: the general path
    assert not fused(m)


def _graph_names(y):
    todo, seen, names = [y.grad_fn], set(), []
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(type(node).__name__)
        todo.extend(n for n, _ in node.next_functions)
    return names


def test_kan_passes_the_transposed_layout_between_layers():
    """A KAN's hidden layers hand on their output transposed (no copy); the network's output and
    a layer called directly are contiguous, and the values and gradients equal plain autograd."""
    from nonlin.kan import KAN
    torch.manual_seed(5)
    net = KAN([5, 6, 3]).double()
    ref = KAN([5, 6, 3], lean=False).double()
    ref.load_state_dict(net.state_dict())
    x = torch.randn(11, 5, dtype=torch.float64, requires_grad=True)
    assert not net.layers[0](x, contiguous=False).is_contiguous()
    assert net.layers[0](x).is_contiguous()
    got, want = _grads(net, x), _grads(ref, x)
    assert got[0].is_contiguous()
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-13)
