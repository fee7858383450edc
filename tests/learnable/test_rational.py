"""PAU / rational activations: values, gradients, fit quality, safety, sharing, state.

References are float64 NumPy formulas written from the paper's definitions
(independent of nonlin's Horner/two-branch kernels).
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
import torch

import nonlin
from nonlin.learnable import fit_rational


def np_rational(x, a, b, version):
    """P(x)/Q(x) straight from the PAU paper's table, in float64."""
    x = np.asarray(x, dtype=np.float64)
    num = sum(a[j] * x ** j for j in range(len(a)))
    if version == "A":
        den = 1.0 + sum(abs(b[k - 1]) * np.abs(x) ** k for k in range(1, len(b) + 1))
    elif version == "C":  # 0.1 + |b_0 + b_1 x + ... + b_n x^n| (the authors' code and tables)
        den = 0.1 + np.abs(sum(b[k] * x ** k for k in range(len(b))))
    else:
        den = 1.0 + np.abs(sum(b[k - 1] * x ** k for k in range(1, len(b) + 1)))
    return num / den


def np_gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_t(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


# ------------------------------------------------------------------ fit
@pytest.mark.parametrize("version,bound", [("A", 5e-3), ("B", 2e-3), ("C", 2e-3)])
def test_fit_gelu_5_4_quality(version, bound):
    num, den, err = fit_rational(gelu_t, (5, 4), version)
    # Figures reached here: A 3.1e-3, B/C 9.3e-4 max abs error on [-3, 3].
    assert err < bound
    xs = np.linspace(-3, 3, 2001)
    indep = np.max(np.abs(np_rational(xs, num, den, version) - np_gelu(xs)))
    assert abs(indep - err) < 1e-12, "reported fit error differs from the independently evaluated one"
    # and between grid points too
    xf = np.linspace(-3, 3, 20011)
    assert np.max(np.abs(np_rational(xf, num, den, version) - np_gelu(xf))) < bound


def test_fit_by_name_is_cached_and_matches_module():
    r1 = fit_rational("leaky_relu", (5, 4), "A")
    r2 = fit_rational("lrelu", (5, 4), "A")  # alias resolves to the same cache entry
    assert r1 is r2
    m = nonlin.create("pau", init="leaky_relu", init_source="fit")
    assert m.init_source == "fit" and m.fit_error == r1[2] and m.fit_error < 0.06
    x = torch.linspace(-3, 3, 601, dtype=torch.float64)
    y = m.double()(x).detach().numpy()
    want = np.where(x.numpy() >= 0, x.numpy(), 0.01 * x.numpy())
    assert np.max(np.abs(y - want)) <= m.fit_error + 1e-9


def test_fit_higher_degree_is_better():
    e32 = fit_rational(gelu_t, (3, 2), "A")[2]
    e76 = fit_rational(gelu_t, (7, 6), "A")[2]
    assert e76 < 1e-4 < e32


def test_fit_errors():
    with pytest.raises(nonlin.ParameterError, match="degrees"):
        fit_rational(gelu_t, (5,), "A")
    with pytest.raises(nonlin.ParameterError, match="version"):
        fit_rational(gelu_t, (5, 4), "Z")
    with pytest.raises(nonlin.ParameterError, match="low < high"):
        fit_rational(gelu_t, (5, 4), "A", range=(1.0, -1.0))
    with pytest.raises(nonlin.UnknownUnitError):
        fit_rational("no_such_unit", (5, 4))


# ---------------------------------------------------------------- values
X_TEST = np.concatenate([np.linspace(-6, 6, 241), [-1e3, -37.5, -1.0, 1.0, 1.0000001, 0.9999999, 250.0, 1e4]])


@pytest.mark.parametrize("version", ["A", "B", "C"])
@pytest.mark.parametrize("degrees", [(5, 4), (3, 3), (2, 4), (7, 6)])
def test_values_match_numpy_formula(version, degrees):
    torch.manual_seed(1)
    m = nonlin.create("pau", degrees=degrees, version=version).double()
    with torch.no_grad():
        m.numerator.normal_()
        m.denominator.normal_()
    x = torch.tensor(X_TEST)
    got = m(x).detach().numpy()
    want = np_rational(X_TEST, m.numerator[0].tolist(), m.denominator[0].tolist(), version)
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)


def test_per_channel_and_group_sharing():
    torch.manual_seed(2)
    x = torch.randn(3, 6, 5, dtype=torch.float64) * 2
    for groups in (6, 3, 2):
        m = nonlin.create("pau", num_parameters=groups).double()
        with torch.no_grad():
            m.numerator.add_(0.1 * torch.randn_like(m.numerator))
            m.denominator.add_(0.1 * torch.randn_like(m.denominator))
        y = m(x).detach().numpy()
        for c in range(6):
            g = c // (6 // groups)
            want = np_rational(x[:, c].numpy(), m.numerator[g].tolist(), m.denominator[g].tolist(), "A")
            np.testing.assert_allclose(y[:, c], want, rtol=1e-12, atol=1e-13)
    # 2-D (N, C) input
    m = nonlin.create("pau", num_parameters=6).double()
    assert m(x[:, :, 0]).shape == (3, 6)
    with pytest.raises(ValueError, match="multiple of num_parameters"):
        nonlin.create("pau", num_parameters=4)(torch.randn(2, 6))


# ------------------------------------------------------------- gradients
@pytest.mark.parametrize("version", ["A", "B", "C"])
@pytest.mark.parametrize("groups", [1, 3])
def test_gradcheck_input_and_coefficients(version, groups):
    torch.manual_seed(3)
    m = nonlin.create("pau", version=version, num_parameters=groups).double()
    with torch.no_grad():
        m.numerator.add_(0.2 * torch.randn_like(m.numerator))
        m.denominator.add_(0.2 * torch.randn_like(m.denominator))
    x = (torch.randn(2, 3, 4, dtype=torch.float64) * 2.5)
    x[0, 0, :2] = torch.tensor([30.0, -7.0])  # exercise the |x| > 1 branch
    x.requires_grad_(True)
    a = m.numerator.detach().clone().requires_grad_(True)
    b = m.denominator.detach().clone().requires_grad_(True)

    def f(x, a, b):
        return torch.func.functional_call(m, {"numerator": a, "denominator": b}, (x,))

    assert torch.autograd.gradcheck(f, (x, a, b), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_backward_matches_autograd_of_naive_formula():
    from nonlin.learnable.rational import rational_naive

    torch.manual_seed(4)
    for version in "ABC":
        m = nonlin.create("pau", version=version).double()
        x = (torch.randn(200, dtype=torch.float64) * 3).requires_grad_(True)
        y = m(x)
        g = torch.randn_like(y)
        got = torch.autograd.grad(y, [x, m.numerator, m.denominator], g)
        x2 = x.detach().clone().requires_grad_(True)
        a = m.numerator.detach()[0].clone().requires_grad_(True)
        b = m.denominator.detach()[0].clone().requires_grad_(True)
        y2 = rational_naive(x2, a.reshape(-1, 1), b.reshape(-1, 1), version)
        want = torch.autograd.grad(y2, [x2, a, b], g)
        torch.testing.assert_close(y, y2)
        torch.testing.assert_close(got[0], want[0])
        torch.testing.assert_close(got[1][0], want[1])
        torch.testing.assert_close(got[2][0], want[2])


def test_saves_only_input_and_coefficients():
    m = nonlin.create("pau")
    x = torch.randn(4096, requires_grad=True)
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        m(x)
    assert sum(storages.values()) <= x.numel() * 4 + 10 * 4


# -------------------------------------------------------------- safety
EXTREMES = [-1e38, -3e20, -1e10, -88.0, -1.0, -1e-30, 0.0, 1e-30, 1.0, 88.0, 1e10, 3e20, 1e38]


@pytest.mark.parametrize("version", ["A", "B", "C"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_finite_for_finite_inputs(version, dtype):
    """No inf/NaN in value or any gradient wherever the true value is representable."""
    torch.manual_seed(5)
    for init in ("leaky_relu", "random"):
        m = nonlin.create("pau", version=version)
        if init == "random":
            with torch.no_grad():
                m.numerator.normal_()
                m.denominator.normal_()
        m = m.to(dtype) if dtype != torch.bfloat16 else m
        ext = EXTREMES + ([-1e300, 1e300] if dtype == torch.float64 else [])
        x = torch.tensor(ext, dtype=dtype, requires_grad=True)
        y = m(x)
        gx, ga, gb = torch.autograd.grad(y.double().sum(), [x, m.numerator, m.denominator])
        with np.errstate(all="ignore"):
            true = np_rational(np.array(ext, dtype=np.float64), m.numerator[0].double().tolist(),
                               m.denominator[0].double().tolist(), version)
        ok = np.abs(true) < float(torch.finfo(dtype).max) / 4
        assert ok.sum() >= len(ext) - 2
        assert torch.isfinite(y.double()[torch.from_numpy(ok)]).all(), (init, y)
        assert torch.isfinite(gx.double()[torch.from_numpy(ok)]).all(), (init, gx)
        # coefficient gradients sum x^j / Q over elements: finite when the inputs are not
        # so huge that the true sum overflows (|x| <= 1e20 here)
        xm = torch.tensor([e for e in ext if abs(e) <= 1e20], dtype=dtype)
        ga, gb = torch.autograd.grad(m(xm).float().sum(), [m.numerator, m.denominator])
        assert torch.isfinite(ga).all() and torch.isfinite(gb).all(), (init, ga, gb)


def test_denominators_are_bounded_below():
    # versions A, B: Q >= 1; C: Q >= 0.1, so |F| <= |P| / 0.1 at worst
    torch.manual_seed(6)
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64)
    for version, c0 in (("A", 1.0), ("B", 1.0), ("C", 0.1)):
        m = nonlin.create("pau", version=version).double()
        with torch.no_grad():
            m.denominator.normal_().mul_(10)
        p = sum(m.numerator[0, j].item() * x ** j for j in range(6))
        y = m(x).detach()
        assert torch.all(y.abs() <= p.abs() / c0 + 1e-9)


# ------------------------------------------------------------- version D
def test_version_d_noise_in_training_only():
    torch.manual_seed(7)
    d = nonlin.create("pau", version="D", init="leaky_relu").double()
    b = nonlin.create("pau", version="B", init="leaky_relu").double()
    x = torch.linspace(-3, 3, 101, dtype=torch.float64)
    d.eval()
    torch.testing.assert_close(d(x), b(x))
    d.train()
    y1, y2 = d(x), d(x)
    assert not torch.allclose(y1, y2)
    # the authors' kernel (rational/_cuda/versions/D.cu) perturbs a and b by U(0.9, 1.1) each:
    # the output stays within the range that +-10 % on every coefficient allows
    p_abs = sum(d.numerator[0, j].abs().item() * x.abs() ** j for j in range(6))
    inner = sum(d.denominator[0, k - 1].item() * x ** k for k in range(1, 5))
    spread = sum(abs(d.denominator[0, k - 1].item()) * x.abs() ** k for k in range(1, 5))
    q_min = 1 + (inner.abs() - 0.1 * spread).clamp_min(0)
    assert torch.all(y1.abs() <= 1.1 * p_abs / q_min + 1e-12)


def test_version_d_perturbs_the_denominator_too():
    """With P = 1, numerator noise alone scales F by one constant; denominator noise does not."""
    torch.manual_seed(17)
    d = nonlin.create("pau", version="D").double().train()
    with torch.no_grad():
        d.numerator.zero_()
        d.numerator[0, 0] = 1.0
        d.denominator.copy_(torch.tensor([[0.5, 0.3, 0.2, 0.1]]))
    x = torch.linspace(0.5, 3, 11, dtype=torch.float64)
    clean = 1 / (1 + sum(d.denominator[0, k - 1].item() * x ** k for k in range(1, 5)))
    ratios = [d(x).detach() / clean for _ in range(5)]
    assert max(float(r.max() - r.min()) for r in ratios) > 1e-3


# ------------------------------------------------------ registry, state, compile
def test_spec_and_errors():
    s = nonlin.spec("pau")
    assert s.kind == "learnable" and s.reference.arxiv == "1907.06732"
    assert nonlin.spec("rational").name == "pau"
    with pytest.raises(nonlin.ParameterError, match="version"):
        nonlin.create("pau", version="N")
    with pytest.raises(nonlin.ParameterError, match="degrees"):
        nonlin.create("pau", degrees=(5, 0))
    with pytest.raises(nonlin.ParameterError, match="num_parameters"):
        nonlin.create("pau", num_parameters=0)
    with pytest.raises(TypeError, match="floating-point"):
        nonlin.create("pau")(torch.arange(3))
    for bad in ((), (1.0,), (3.0, -3.0), "ab", (0.0, float("nan"))):
        with pytest.raises(nonlin.ParameterError, match="init_range"):
            nonlin.create("pau", init_range=bad)
    with pytest.raises(nonlin.ParameterError, match="init_source"):
        nonlin.create("pau", init_source="table")


# ------------------------------------------------- the authors' published coefficients
# Copied by hand from ml-research/rational_activations rational/rationals_config.json
# (independently of nonlin/learnable/pau_tables.py): version C (5, 4) leaky_relu, whose
# denominator has 5 coefficients b_0..b_4, and version A (5, 4) leaky_relu.
AUTHORS_C_LRELU = ([0.863943144302673, 13.001131096231564, 42.56763919941753, 51.74757697869782,
                    23.99165145314087, 3.924120833060723],
                   [25.644974747512343, -0.0013495866374991824, 102.47308203485366,
                    -0.0017931970367811253, 7.77090005615082])
AUTHORS_A_LRELU = ([0.029792778657264946, 0.6183735264987601, 2.323309062531321, 3.051936237265109,
                    1.4854203263828845, 0.2510244961111299],
                   [-1.1419548357285474, 4.393159974992486, 0.8714712309957245, 0.34719662339598834])


def _lrelu(x):
    return np.where(x >= 0, x, 0.01 * x)


def test_published_version_c_coefficients_load_and_reproduce_leaky_relu():
    m = nonlin.create("pau", version="C").double()
    assert m.denominator.shape == (1, 5)  # b_0 .. b_4
    sd = {"numerator": torch.tensor([AUTHORS_C_LRELU[0]], dtype=torch.float64),
          "denominator": torch.tensor([AUTHORS_C_LRELU[1]], dtype=torch.float64)}
    m.load_state_dict(sd)
    xs = np.linspace(-3, 3, 2001)
    y = m(torch.tensor(xs)).detach().numpy()
    np.testing.assert_allclose(y, np_rational(xs, *AUTHORS_C_LRELU, "C"), rtol=1e-12, atol=1e-13)
    # the authors' coefficients only approximate leaky_relu with b_0 inside |.|
    assert np.max(np.abs(y - _lrelu(xs))) < 0.035


def test_default_init_is_the_published_table():
    torch.set_default_dtype(torch.float64)  # keep the table's float64 digits
    try:
        m = nonlin.create("pau")  # version A, (5, 4), leaky_relu on [-3, 3]
    finally:
        torch.set_default_dtype(torch.float32)
    assert m.init_source == "published"
    np.testing.assert_array_equal(m.numerator[0].detach().numpy(), AUTHORS_A_LRELU[0])
    np.testing.assert_array_equal(m.denominator[0].detach().numpy(), AUTHORS_A_LRELU[1])
    xs = np.linspace(-3, 3, 2001)
    err = m(torch.tensor(xs)).detach().numpy() - _lrelu(xs)
    # the figures for the published fit: max 3.0e-2, RMS 5.0e-3
    assert abs(np.max(np.abs(err)) - 2.98e-2) < 5e-4 and abs(np.sqrt(np.mean(err ** 2)) - 5.03e-3) < 5e-5
    assert abs(m.fit_error - np.max(np.abs(err))) < 1e-12
    # other ranges or degrees have no table: nonlin's own fit
    assert nonlin.create("pau", init_range=(-2.0, 2.0)).init_source == "fit"
    assert nonlin.create("pau", degrees=(4, 4)).init_source == "fit"


@pytest.mark.parametrize("version", ["A", "B", "C", "D"])
@pytest.mark.parametrize("init", ["leaky_relu", "relu", "gelu", "silu", "tanh", "sigmoid"])
def test_published_tables_fit_their_targets(version, init):
    m = nonlin.create("pau", version=version, init=init).double().eval()
    assert m.init_source == "published"
    x = torch.linspace(-3, 3, 601, dtype=torch.float64)
    want = nonlin.get_fn(init)(x)
    assert float((m(x) - want).abs().max()) < 3.5e-2


def test_fit_version_c_has_constant_inside_abs():
    num, den, err = fit_rational(gelu_t, (5, 4), "C")
    assert len(den) == 5 and err < 2e-3
    xs = np.linspace(-3, 3, 2001)
    assert abs(np.max(np.abs(np_rational(xs, num, den, "C") - np_gelu(xs))) - err) < 1e-12


def test_state_dict_round_trip():
    torch.manual_seed(8)
    m = nonlin.create("pau", num_parameters=4, version="C")
    with torch.no_grad():
        m.numerator.normal_()
    m2 = nonlin.create("pau", num_parameters=4, version="C")
    m2.load_state_dict(m.state_dict())
    x = torch.randn(2, 8, 3)
    torch.testing.assert_close(m(x), m2(x))


def test_half_precision_computes_in_float32():
    m = nonlin.create("pau", init="leaky_relu")
    x = torch.linspace(-3, 3, 64)
    y16 = m(x.bfloat16())
    assert y16.dtype == torch.bfloat16
    torch.testing.assert_close(y16.float(), m(x), atol=2e-2, rtol=1e-2)


def test_compiled_kernels_match_eager():
    """The torch.compile-d forward/backward kernels (used for large tensors) equal the eager ones."""
    from nonlin import elementwise

    torch.manual_seed(9)
    m = nonlin.create("pau", num_parameters=3)
    x = (torch.randn(4, 3, 7) * 3).requires_grad_(True)
    y = m(x)
    g = torch.randn_like(y)
    want = torch.autograd.grad(y, [x, m.numerator, m.denominator], g)
    with elementwise.use_backend("compile"):
        y2 = m(x)
        got = torch.autograd.grad(y2, [x, m.numerator, m.denominator], g)
    rat = importlib.import_module("nonlin.learnable.rational")
    compiled = [k for key, k in rat._KERNELS.items() if key[4]]
    assert compiled and not any(k.broken for k in compiled), "torch.compile fell back to eager"
    torch.testing.assert_close(y2, y, rtol=1e-5, atol=1e-6)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
