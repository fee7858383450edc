"""Learnable elementwise units other than PAU, and SIREN / PAON / ASH / PolyCom.

Each value is checked against a float64 NumPy formula written from the paper,
each gradient (input and parameters) by float64 gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import erf
from scipy.stats import norm

import nonlin


def sig(t):
    return 1 / (1 + np.exp(-t))


# name -> (constructor kwargs with non-default values, numpy formula f(x, **params))
ELEMENTWISE = {
    "apa": (dict(), lambda x, lambd, kappa: (lambd * np.exp(-kappa * x) + 1) ** (-1 / lambd)),
    "aglu": (dict(), lambda x, lambd, kappa: x * (lambd * np.exp(-kappa * x) + 1) ** (-1 / lambd)),
    "sau": (dict(alpha=0.2, sigma=0.7), lambda x, alpha, sigma: alpha * x + (1 - alpha) * (
        x * norm.cdf(x / sigma) + sigma * norm.pdf(x / sigma))),
    "snake_learnable": (dict(a=1.7), lambda x, a: x + np.sin(a * x) ** 2 / a),
    "xatlu_learnable": (dict(alpha=0.3), lambda x, alpha: x * ((1 + 2 * alpha) * (np.arctan(x) / np.pi + 0.5) - alpha)),
    "xgelu_learnable": (dict(alpha=0.3), lambda x, alpha: x * ((1 + 2 * alpha) * 0.5 * (1 + erf(x / np.sqrt(2))) - alpha)),
    "xsilu_learnable": (dict(alpha=0.3), lambda x, alpha: x * ((1 + 2 * alpha) * sig(x) - alpha)),
    "prelu": (dict(init=0.3), lambda x, weight: np.where(x >= 0, x, weight * x)),
    "cauchy_xnet": (dict(lambda1=0.8, lambda2=-0.5, d=0.6), lambda x, lambda1, lambda2, d: lambda1 * x / (x * x + d * d)
                    + lambda2 / (x * x + d * d)),
}
PARAM_NAMES = {"apa": ("lambd", "kappa"), "aglu": ("lambd", "kappa"), "sau": ("alpha", "sigma"),
               "snake_learnable": ("a",), "xatlu_learnable": ("alpha",), "xgelu_learnable": ("alpha",),
               "xsilu_learnable": ("alpha",), "prelu": ("weight",), "cauchy_xnet": ("lambda1", "lambda2", "d")}
X = np.concatenate([np.linspace(-6, 6, 121), [-300.0, -31.0, 31.0, 300.0]])


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_value_per_layer(name):
    kw, f = ELEMENTWISE[name]
    torch.manual_seed(0)
    m = nonlin.create(name, **kw).double()
    params = {p: getattr(m, p).item() for p in PARAM_NAMES[name]}
    got = m(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(got, f(X, **params), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_value_per_channel_and_groups(name):
    kw, f = ELEMENTWISE[name]
    torch.manual_seed(1)
    for groups in (4, 2):
        m = nonlin.create(name, num_parameters=groups, **kw).double()
        with torch.no_grad():
            for p in PARAM_NAMES[name]:
                getattr(m, p).mul_(1 + 0.3 * torch.rand(groups, dtype=torch.float64))
        x = torch.randn(3, 4, 5, dtype=torch.float64) * 2
        y = m(x).detach().numpy()
        for c in range(4):
            g = c // (4 // groups)
            params = {p: getattr(m, p)[g].item() for p in PARAM_NAMES[name]}
            np.testing.assert_allclose(y[:, c], f(x[:, c].numpy(), **params), rtol=1e-10, atol=1e-12)
        assert m(x[:, :, 0]).shape == (3, 4)  # (N, C) input
    with pytest.raises(ValueError, match="multiple of num_parameters"):
        nonlin.create(name, num_parameters=3, **kw)(torch.randn(2, 4))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_gradcheck_input_and_parameters(name):
    kw, _ = ELEMENTWISE[name]
    torch.manual_seed(2)
    m = nonlin.create(name, num_parameters=3, **kw).double()
    names = PARAM_NAMES[name]
    ps = [getattr(m, p).detach().clone().requires_grad_(True) for p in names]
    x = (torch.randn(2, 3, 4, dtype=torch.float64) * 2).requires_grad_(True)

    def f(x, *p):
        return torch.func.functional_call(m, dict(zip(names, p)), (x,))

    assert torch.autograd.gradcheck(f, (x, *ps), eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_finite_extremes_and_dtypes(name):
    kw, _ = ELEMENTWISE[name]
    m = nonlin.create(name, **kw)
    for dtype in (torch.float32, torch.bfloat16):
        x = torch.tensor([-1e30, -1e4, -88.0, -1e-30, 0.0, 1e-30, 88.0, 1e4, 1e30], dtype=dtype, requires_grad=True)
        y = m(x)
        assert y.dtype == dtype and y.shape == x.shape
        g = torch.autograd.grad(y.float().sum(), [x, *m.parameters()])
        assert torch.isfinite(y.float()[1:-1]).all() and all(torch.isfinite(t.float()[1:-1] if t.numel() > 1 else t).all()
                                                             for t in g)


def test_apa_special_cases_and_init():
    torch.manual_seed(3)
    m = nonlin.create("aglu", init="silu").double()
    x = torch.linspace(-5, 5, 51, dtype=torch.float64)
    torch.testing.assert_close(m(x), x * torch.sigmoid(x))  # λ = κ = 1: SiLU
    m = nonlin.create("apa", num_parameters=64)
    assert (m.lambd > 0).all() and (m.lambd < 1).all() and (m.kappa > 0).all() and (m.kappa < 1).all()
    # λ -> 0: the Gumbel gate exp(-exp(-κ z))
    g = nonlin.create("apa").double()
    with torch.no_grad():
        g.lambd.fill_(1e-4)
        g.kappa.fill_(1.3)
    np.testing.assert_allclose(g(x).detach().numpy(), np.exp(-np.exp(-1.3 * x.numpy())), atol=1e-3)


def test_expanded_gates_reduce_to_base_at_alpha_zero():
    x = torch.linspace(-4, 4, 41, dtype=torch.float64)
    torch.testing.assert_close(nonlin.create("xsilu_learnable").double()(x), x * torch.sigmoid(x))
    xn = x.numpy()
    np.testing.assert_allclose(nonlin.create("xgelu_learnable").double()(x).detach().numpy(),
                               0.5 * xn * (1 + erf(xn / math.sqrt(2))), rtol=1e-12)


def test_prelu_matches_torch():
    m = nonlin.create("prelu", num_parameters=4)
    t = torch.nn.PReLU(4)
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(m(x), t(x))


# ------------------------------------------------------------------- PolyCom
# The official layout (BryceZhuo/PolyCom, transformer.py and README): w[0] multiplies the
# highest power, w[r-1] the first power.
def np_polyrelu(x, w, b):
    r, order = np.maximum(x, 0), len(w)
    return sum(w[i] * r ** (order - i) for i in range(order)) + b


def np_polynorm(x, w, b, eps=1e-6):
    out, order = b, len(w)
    for i in range(order):
        v = x ** (order - i)
        out = out + w[i] * v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps)
    return out


def test_polycom_official_state_dict_gives_official_function():
    """An official checkpoint's (weight, bias) for order 3: w0 x^3 + w1 x^2 + w2 x + b (README's PolyNorm)."""
    official = {"weight": torch.tensor([0.5, -0.25, 2.0], dtype=torch.float64),
                "bias": torch.tensor([0.125], dtype=torch.float64)}
    x = torch.tensor([[-1.5, -0.5, 0.0, 0.5, 1.0, 2.0]], dtype=torch.float64)
    xn = x.numpy()
    r = np.maximum(xn, 0)
    m = nonlin.create("polyrelu").double()
    m.load_state_dict(official)
    np.testing.assert_allclose(m(x).detach().numpy(), 0.5 * r ** 3 - 0.25 * r ** 2 + 2.0 * r + 0.125, rtol=1e-14)

    def nrm(v):
        return v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + 1e-6)

    m = nonlin.create("polynorm").double()
    m.load_state_dict(official)
    np.testing.assert_allclose(m(x).detach().numpy(),
                               0.5 * nrm(xn ** 3) - 0.25 * nrm(xn ** 2) + 2.0 * nrm(xn) + 0.125, rtol=1e-13)


def test_polyrelu_keeps_a_0d_shape():
    m = nonlin.create("polyrelu")
    x = torch.tensor(1.5, requires_grad=True)
    y = m(x)
    assert y.shape == ()
    y.backward()
    assert x.grad.shape == ()


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_polycom_values(order):
    torch.manual_seed(4)
    x = torch.randn(3, 5, 8, dtype=torch.float64) * 1.5
    for name, ref in (("polyrelu", np_polyrelu), ("polynorm", np_polynorm)):
        m = nonlin.create(name, order=order).double()
        np.testing.assert_allclose(m.weight.detach().numpy(), np.full(order, 1 / order))  # paper init
        assert m.bias.item() == 0.0
        with torch.no_grad():
            m.weight.normal_()
            m.bias.normal_()
        want = ref(x.numpy(), m.weight.detach().numpy(), m.bias.item())
        np.testing.assert_allclose(m(x).detach().numpy(), want, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", ["polyrelu", "polynorm"])
def test_polycom_gradcheck(name):
    torch.manual_seed(5)
    m = nonlin.create(name).double()
    x = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
    w = (m.weight.detach() + 0.1 * torch.randn(3, dtype=torch.float64)).requires_grad_(True)
    b = m.bias.detach().clone().requires_grad_(True)

    def f(x, w, b):
        return torch.func.functional_call(m, {"weight": w, "bias": b}, (x,))

    assert torch.autograd.gradcheck(f, (x, w, b), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_polycom_saves_only_input():
    x = torch.randn(64, 32, requires_grad=True)
    for name in ("polyrelu", "polynorm"):
        m = nonlin.create(name)
        store = {}

        def pack(t):
            store[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            m(x)
        assert sum(store.values()) <= x.numel() * 4 + 64, name


def test_polynorm_is_not_elementwise():
    assert nonlin.spec("polynorm").properties["elementwise"] is False
    m = nonlin.create("polynorm")
    x = torch.randn(2, 5)
    x2 = x.clone()
    x2[:, -1] += 3.0
    assert not torch.allclose(m(x)[:, 0], m(x2)[:, 0])


# ----------------------------------------------------------------------- SIREN
def test_siren_init_and_value():
    torch.manual_seed(6)
    n = 400
    first = nonlin.create("siren", n, 300, is_first=True)
    hidden = nonlin.create("siren", n, 300)
    w1, w2 = first.linear.weight, hidden.linear.weight
    b1, b2 = 1 / n, math.sqrt(6 / n) / 30
    assert w1.abs().max() <= b1 and w1.abs().max() > 0.99 * b1
    assert w2.abs().max() <= b2 and w2.abs().max() > 0.99 * b2
    assert abs(w2.std().item() - b2 / math.sqrt(3)) < 0.02 * b2  # uniform
    x = torch.randn(5, n, dtype=torch.float64)
    h = hidden.double()
    want = np.sin(30.0 * (x.numpy() @ h.linear.weight.detach().numpy().T + h.linear.bias.detach().numpy()))
    np.testing.assert_allclose(h(x).detach().numpy(), want, rtol=1e-10, atol=1e-12)
    assert nonlin.create("siren", 3, 4, omega_0=5.0).omega_0 == 5.0
    with pytest.raises(nonlin.ParameterError, match="omega_0"):
        nonlin.create("siren", 3, 4, omega_0=0.0)


# ------------------------------------------------------------------------ PAON
def test_paon_starts_linear_and_matches_formula():
    torch.manual_seed(7)
    m = nonlin.create("paon", 4, 3, numerator_degree=3, denominator_degree=2).double()
    x = torch.randn(6, 4, dtype=torch.float64)
    lin = x.numpy() @ m.num_weight[:, :4].detach().numpy().T + m.bias.detach().numpy()
    np.testing.assert_allclose(m(x).detach().numpy(), lin, rtol=1e-12)
    with torch.no_grad():
        for p in m.parameters():
            p.normal_()
    A = m.num_weight.detach().numpy().reshape(3, 3, 4)  # (out, power, in)
    B = m.den_weight.detach().numpy().reshape(3, 2, 4)
    xn = x.numpy()
    num = m.bias.detach().numpy() + sum(xn ** (k + 1) @ A[:, k].T for k in range(3))
    den = sum(xn ** (l + 1) @ B[:, l].T for l in range(2))
    # default: the paper's denominator 1 + sum_l B_l x^l
    assert m.denominator == "plain"
    np.testing.assert_allclose(m(x).detach().numpy(), num / (1 + den), rtol=1e-10)
    m.denominator = "abs"
    np.testing.assert_allclose(m(x).detach().numpy(), num / (1 + np.abs(den)), rtol=1e-11)
    # the safe variant under its own name: same parameters, |.| in the denominator by default
    safe = nonlin.create("paon_safe", 4, 3, numerator_degree=3, denominator_degree=2).double()
    assert safe.denominator == "abs"
    safe.load_state_dict(m.state_dict())
    np.testing.assert_allclose(safe(x).detach().numpy(), num / (1 + np.abs(den)), rtol=1e-11)
    assert "left|" not in nonlin.spec("paon").formula and "left|" in nonlin.spec("paon_safe").formula
    xg = x.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(m, (xg,), eps=1e-6, atol=1e-6)


def test_paon_conv2d_starts_as_conv():
    torch.manual_seed(8)
    m = nonlin.create("paon_conv2d", 2, 3, 3, padding=1).double()
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    want = torch.nn.functional.conv2d(x, m.num_weight[:, :2], m.bias, padding=1)
    torch.testing.assert_close(m(x), want)
    small = nonlin.create("paon_conv2d", 1, 2, 2).double()
    with torch.no_grad():
        small.den_weight.normal_()
        small.num_weight.normal_()
    xg = torch.randn(1, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(small, (xg,), eps=1e-6, atol=1e-6)


# ------------------------------------------------------------------------- ASH
def test_ash_hard_and_smooth():
    torch.manual_seed(9)
    x = torch.randn(3, 4, 10, dtype=torch.float64)
    hard = nonlin.create("ash", mode="hard", percentile=20.0).double()
    z = norm.ppf(0.8)
    assert abs(hard.z.item() - z) < 1e-6  # stored in float32 before .double()
    xn = x.numpy().reshape(3, -1)
    mu, sd = xn.mean(1, keepdims=True), xn.std(1, keepdims=True)
    want = xn * (xn >= mu + z * sd)
    np.testing.assert_allclose(hard(x).detach().numpy().reshape(3, -1), want)
    kept = (hard(x) != 0).double().mean().item()
    assert 0.1 < kept < 0.3  # about the top 20 % of normal inputs
    smooth = nonlin.create("ash", percentile=20.0, alpha=2.0).double()
    zs = smooth.z.item()
    np.testing.assert_allclose(smooth(x).detach().numpy().reshape(3, -1), xn * sig(2.0 * (xn - mu - zs * sd)),
                               rtol=1e-10)
    z_param = smooth.z.detach().clone().requires_grad_(True)
    xg = x.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, z: torch.func.functional_call(smooth, {"z": z}, (x,)),
                                    (xg, z_param), eps=1e-6, atol=1e-6)


# ------------------------------------------------------------- registry, state
ARGS = {"siren": (4, 4), "paon": (4, 4), "paon_conv2d": (4, 4, 3), "paon_safe": (4, 4), "paon_safe_conv2d": (4, 4, 3)}


def _input(name):
    return torch.randn(2, 4, 5, 5) if name.endswith("conv2d") else torch.randn(3, 4)


@pytest.mark.parametrize("name", nonlin.names(kind="learnable"))
def test_spec_state_dict_and_shape(name):
    s = nonlin.spec(name)
    assert s.formula and s.reference.title and s.reference.arxiv and s.reference.year and s.summary
    assert "elementwise" in s.properties
    torch.manual_seed(10)
    m = nonlin.create(name, *ARGS.get(name, ()))
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    m2 = nonlin.create(name, *ARGS.get(name, ()))
    m2.load_state_dict(m.state_dict())
    m.eval()
    m2.eval()
    x = _input(name)
    torch.testing.assert_close(m(x), m2(x))
    if s.properties["elementwise"]:
        assert m(x).shape == x.shape


def test_bad_parameters_are_reported():
    with pytest.raises(nonlin.ParameterError, match="num_parameters"):
        nonlin.create("snake_learnable", num_parameters=-1)
    with pytest.raises(nonlin.ParameterError, match="'a'"):
        nonlin.create("snake_learnable", a=-1.0)
    with pytest.raises(nonlin.ParameterError, match="mode"):
        nonlin.create("ash", mode="soft")
    with pytest.raises(nonlin.ParameterError, match="order"):
        nonlin.create("polynorm", order=0)
    with pytest.raises(TypeError, match="floating-point"):
        nonlin.create("aglu")(torch.arange(4))


def test_torch_compile_smoke():
    """A small model of learnable and gated units traces into one graph (fullgraph) and matches eager."""
    torch.manual_seed(11)
    model = torch.nn.Sequential(
        nonlin.create("swiglu", 8, 16), nonlin.create("pau", num_parameters=8),
        nonlin.create("polynorm"), nonlin.create("aglu"), nonlin.create("snake_learnable", num_parameters=8),
    )
    x = torch.randn(4, 8, requires_grad=True)
    want = model(x)
    gw = torch.autograd.grad(want.sum(), [x, *model.parameters()])
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)
    got = compiled(x)
    gg = torch.autograd.grad(got.sum(), [x, *model.parameters()])
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    for a, b in zip(gg, gw):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
