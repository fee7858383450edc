"""Gated and multiplicative units: GLU blocks (fused vs unfused), bilinear MLP,
quadratic neurons, Π-net CCP, NAU/NMU.  References are NumPy float64 formulas
written from the papers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nonlin
from nonlin.gated import glu_product

GLU_NAMES = ["glu", "bilinear", "reglu", "geglu", "swiglu"]


def np_act(name, g):
    from scipy.special import erf

    return {
        "glu": lambda t: 1 / (1 + np.exp(-t)),
        "bilinear": lambda t: t,
        "reglu": lambda t: np.maximum(t, 0),
        "geglu": lambda t: 0.5 * t * (1 + erf(t / math.sqrt(2))),
        "swiglu": lambda t: t / (1 + np.exp(-t)),
    }[name](g)


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("name", GLU_NAMES)
@pytest.mark.parametrize("bias", [False, True])
def test_glu_block_value_matches_shazeer_formula(name, bias):
    torch.manual_seed(0)
    m = nonlin.create(name, 6, 10, 4, bias=bias).double()
    x = torch.randn(2, 5, 6, dtype=torch.float64)
    W, V, W2 = _np(m.w_gate), _np(m.w_up), _np(m.w_out)
    xn = x.numpy()
    g, u = xn @ W.T, xn @ V.T
    if bias:
        g, u = g + _np(m.b_in)[:10], u + _np(m.b_in)[10:]
    want = (np_act(name, g) * u) @ W2.T + (_np(m.b_out) if bias else 0)
    for fused in (True, False):
        m.fused = fused
        xr = x.clone().requires_grad_(True)  # grad on: the fused Function runs
        np.testing.assert_allclose(_np(m(xr)), want, rtol=1e-12, atol=1e-12)
        with torch.no_grad():
            np.testing.assert_allclose(_np(m(x)), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", GLU_NAMES)
@pytest.mark.parametrize("inplace_grad", [True, False])
def test_fused_gradients_equal_unfused(name, inplace_grad):
    torch.manual_seed(1)
    m = nonlin.create(name, 7, 12, 5, bias=True, inplace_grad=inplace_grad).double()
    x = torch.randn(3, 4, 7, dtype=torch.float64, requires_grad=True)
    params = [x, m.w_in, m.b_in, m.w_out, m.b_out]
    y = m(x)
    g = torch.randn_like(y)
    got = torch.autograd.grad(y, params, g)
    y_ref = m.reference_forward(x)
    want = torch.autograd.grad(y_ref, params, g)
    torch.testing.assert_close(y, y_ref)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", GLU_NAMES)
def test_fused_gradcheck(name):
    torch.manual_seed(2)
    m = nonlin.create(name, 4, 6, 3, bias=True, inplace_grad=False).double()
    x = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    names = ["w_in", "b_in", "w_out", "b_out"]
    ps = [getattr(m, n).detach().clone().requires_grad_(True) for n in names]

    def f(x, *p):
        return torch.func.functional_call(m, dict(zip(names, p)), (x,))

    assert torch.autograd.gradcheck(f, (x, *ps), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_inplace_grad_refuses_second_backward():
    m = nonlin.create("swiglu", 4, 6, inplace_grad=True).double()
    y = m(torch.randn(3, 4, dtype=torch.float64, requires_grad=True)).sum()
    y.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()


def _saved_bytes(fn):
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(storages.values())


def test_fused_block_saves_only_input_and_preactivations():
    n, d, h = 64, 16, 48
    m = nonlin.create("swiglu", d, h)
    x = torch.randn(n, d, requires_grad=True)
    weights = sum(p.numel() * 4 for p in m.parameters())
    fused = _saved_bytes(lambda: m(x))
    assert fused <= (n * d + n * 2 * h) * 4 + weights
    m.fused = False
    eager = _saved_bytes(lambda: m(x))
    assert eager - weights >= (n * d + 4 * n * h) * 4  # x, gate, silu(gate), up, h


@pytest.mark.parametrize("act", ["sigmoid", "identity", "relu", "gelu", "silu"])
def test_glu_product(act):
    torch.manual_seed(3)
    g = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    u = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: glu_product(a, b, act), (g, u), eps=1e-6, atol=1e-6)
    # inplace_grad writes the gradients into the (cloned) saved buffers
    name = {"sigmoid": "glu", "identity": "bilinear", "relu": "reglu", "gelu": "geglu", "silu": "swiglu"}[act]
    want = np_act(name, g.detach().numpy()) * u.detach().numpy()
    gc, uc = g.detach().clone(), u.detach().clone()
    gc.requires_grad_(True)
    uc.requires_grad_(True)
    a, b = gc * 1, uc * 1  # non-leaf buffers the Function may overwrite
    y = glu_product(a, b, act, inplace_grad=True)
    np.testing.assert_allclose(_np(y), want, rtol=1e-12, atol=1e-14)
    y.backward(torch.ones_like(y))
    ref_g, ref_u = torch.autograd.grad(glu_product(g, u, act).sum(), [g, u])
    torch.testing.assert_close(gc.grad, ref_g)
    torch.testing.assert_close(uc.grad, ref_u)


def test_glu_product_errors():
    with pytest.raises(nonlin.ParameterError, match="act"):
        glu_product(torch.randn(2), torch.randn(2), "tanh")
    with pytest.raises(ValueError, match="same shape"):
        glu_product(torch.randn(2), torch.randn(3))


def test_glu_block_errors():
    with pytest.raises(nonlin.ParameterError, match="hidden_features"):
        nonlin.create("swiglu", 4, 0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        nonlin.create("swiglu", 4, 8)(torch.randn(3, 5))
    with pytest.raises(nonlin.ParameterError, match="unexpected parameter"):
        nonlin.create("swiglu", 4, 8, hiden=3)


# ------------------------------------------------------------------- bilinear MLP
def test_bilinear_mlp_interaction_tensor_and_eigendecomposition():
    torch.manual_seed(4)
    m = nonlin.create("bilinear_mlp", 5, 7, 3).double()
    x = torch.randn(6, 5, dtype=torch.float64)
    W, V, Pm = _np(m.w_gate), _np(m.w_up), _np(m.w_out)
    out = _np(m(x))
    np.testing.assert_allclose(out, ((x.numpy() @ W.T) * (x.numpy() @ V.T)) @ Pm.T, rtol=1e-12)
    # out_k = x^T B_k x with B_k = 1/2 sum_h P_kh (w_h v_h^T + v_h w_h^T)
    B = np.zeros((3, 5, 5))
    for k in range(3):
        for h in range(7):
            B[k] += 0.5 * Pm[k, h] * (np.outer(W[h], V[h]) + np.outer(V[h], W[h]))
    np.testing.assert_allclose(_np(m.interaction_tensor()), B, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.einsum("ni,kij,nj->nk", x.numpy(), B, x.numpy()), out, rtol=1e-10)
    vals, vecs = m.interaction_eigendecomposition(1)
    np.testing.assert_allclose((_np(vecs) * _np(vals)) @ _np(vecs).T, B[1], atol=1e-12)
    u = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    vals, vecs = m.interaction_eigendecomposition(u)
    np.testing.assert_allclose((_np(vecs) * _np(vals)) @ _np(vecs).T, np.einsum("k,kij->ij", u.numpy(), B), atol=1e-12)
    vals, vecs = m.interaction_eigendecomposition()
    assert vals.shape == (3, 5) and vecs.shape == (3, 5, 5)
    with pytest.raises(ValueError, match="direction"):
        m.interaction_eigendecomposition(torch.ones(4))


# --------------------------------------------------------------------- quadratic
def test_quadratic_equals_linear_part_at_relinear_init():
    torch.manual_seed(5)
    m = nonlin.create("quadratic", 6, 4)
    x = torch.randn(8, 6)
    torch.testing.assert_close(m(x), m.linear(x))
    c = nonlin.create("quadratic_conv2d", 3, 5, 3, padding=1)
    xi = torch.randn(2, 3, 7, 7)
    torch.testing.assert_close(c(xi), c.linear(xi))


def test_quadratic_value_and_grad_scale():
    torch.manual_seed(6)
    m = nonlin.create("quadratic", 3, 2).double()
    for p in m.parameters():
        torch.nn.init.normal_(p)
    x = torch.randn(5, 3, dtype=torch.float64)
    xn = x.numpy()
    Wr, br = _np(m.linear.weight), _np(m.linear.bias)
    Wg, bg = _np(m.gate.weight), _np(m.gate.bias)
    Wb, c = _np(m.square.weight), _np(m.square.bias)
    want = (xn @ Wr.T + br) * (xn @ Wg.T + bg) + (xn * xn) @ Wb.T + c
    np.testing.assert_allclose(_np(m(x)), want, rtol=1e-12)
    # ReLinear^sg on by default: the authors' trainer uses lr 1e-5 for the g, b groups vs 0.1
    assert m.gamma == 1e-5 / 0.1
    m.gamma = 1.0
    g1 = torch.autograd.grad(m(x).sum(), [m.gate.weight, m.square.bias, m.linear.weight])
    m.gamma = 0.1
    g2 = torch.autograd.grad(m(x).sum(), [m.gate.weight, m.square.bias, m.linear.weight])
    torch.testing.assert_close(g2[0], 0.1 * g1[0])
    torch.testing.assert_close(g2[1], 0.1 * g1[1])
    torch.testing.assert_close(g2[2], g1[2])  # the linear part is not shrunk
    xg = x.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(m, (xg,), eps=1e-6, atol=1e-6)


def test_quadratic_conv_value():
    torch.manual_seed(7)
    m = nonlin.create("quadratic_conv2d", 2, 3, 3).double()
    for p in m.parameters():
        torch.nn.init.normal_(p)
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    xn = x.numpy()[0]

    def conv(w, b, img):  # direct valid cross-correlation
        out = np.zeros((w.shape[0], img.shape[1] - 2, img.shape[2] - 2))
        for o in range(w.shape[0]):
            for i in range(out.shape[1]):
                for j in range(out.shape[2]):
                    out[o, i, j] = np.sum(w[o] * img[:, i:i + 3, j:j + 3]) + b[o]
        return out

    want = (conv(_np(m.linear.weight), _np(m.linear.bias), xn) * conv(_np(m.gate.weight), _np(m.gate.bias), xn)
            + conv(_np(m.square.weight), _np(m.square.bias), xn * xn))
    np.testing.assert_allclose(_np(m(x))[0], want, rtol=1e-11, atol=1e-11)


# ------------------------------------------------------------------------ Π-net
@pytest.mark.parametrize("degree", [1, 2, 3])
def test_pinet_ccp_recursion(degree):
    torch.manual_seed(8)
    m = nonlin.create("pinet_ccp", 4, 6, 2, degree=degree).double()
    z = torch.randn(5, 4, dtype=torch.float64)
    zn = z.numpy()
    U = [_np(u.weight) for u in m.U]
    x = zn @ U[0].T
    for n in range(1, degree):
        x = (zn @ U[n].T) * x + x
    want = x @ _np(m.C.weight).T + _np(m.C.bias)
    np.testing.assert_allclose(_np(m(z)), want, rtol=1e-12)
    # a polynomial of degree N in z: (N+1)-th finite difference along a line vanishes
    t = np.arange(degree + 2, dtype=np.float64)
    d = torch.randn(4, dtype=torch.float64)
    ys = np.stack([_np(m((ti * d).unsqueeze(0)))[0] for ti in t])
    assert np.abs(np.diff(ys, degree + 1, axis=0)).max() < 1e-8
    zg = z.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(m, (zg,), eps=1e-6, atol=1e-6)


# -------------------------------------------------------------------- NAU / NMU
def test_nau():
    torch.manual_seed(9)
    m = nonlin.create("nau", 10, 6).double()
    r = min(0.5, math.sqrt(3 * 2 / 16))
    assert m.weight.abs().max() <= r
    with torch.no_grad():
        m.weight[0, 0] = 1.7  # clamped to 1 in forward
    x = torch.randn(4, 10, dtype=torch.float64)
    np.testing.assert_allclose(_np(m(x)), x.numpy() @ np.clip(_np(m.weight), -1, 1).T, rtol=1e-12)
    w = np.abs(_np(m.weight))
    assert abs(m.regularizer().item() - np.mean(np.minimum(w, 1 - w))) < 1e-12


def test_nmu():
    torch.manual_seed(10)
    m = nonlin.create("nmu", 3, 2).double()
    assert (m.weight >= 0.25).all() and (m.weight <= 0.75).all()
    with torch.no_grad():
        m.weight.copy_(torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    x = torch.tensor([[2.0, 3.0, 5.0], [-1.5, 4.0, 0.5]], dtype=torch.float64)
    np.testing.assert_allclose(_np(m(x)), [[6.0, 15.0], [-6.0, 2.0]])  # exact products
    torch.manual_seed(11)
    m2 = nonlin.create("nmu", 3, 2).double()
    xg = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    W = _np(m2.weight)
    want = np.prod(W[None] * xg.detach().numpy()[:, None, :] + 1 - W[None], axis=-1)
    np.testing.assert_allclose(_np(m2(xg)), want, rtol=1e-12)
    assert torch.autograd.gradcheck(m2, (xg,), eps=1e-6, atol=1e-6)


# ----------------------------------------------------------- registry and state
GATED_ARGS = {"quadratic_conv2d": (2, 3, 3)}


def _make(name):
    return nonlin.create(name, *GATED_ARGS.get(name, (4, 6)))


def _input(name):
    return torch.randn(2, 2, 5, 5) if name == "quadratic_conv2d" else torch.randn(3, 4)


@pytest.mark.parametrize("name", nonlin.names(kind="gated"))
def test_spec_state_dict_and_parameter_gradients(name):
    s = nonlin.spec(name)
    assert s.formula and s.reference.title and s.reference.arxiv and s.reference.year and s.summary
    assert s.properties.get("elementwise") is False
    torch.manual_seed(12)
    m = _make(name)
    for p in m.parameters():
        with torch.no_grad():
            p.add_(0.1 * torch.randn_like(p))
    m2 = _make(name)
    m2.load_state_dict(m.state_dict())
    x = _input(name)
    torch.testing.assert_close(m(x), m2(x))
    grads = torch.autograd.grad(m(x).square().sum(), list(m.parameters()), allow_unused=True)
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
