"""Published anchors of the units in nonlin/activations/survey4_classic.py, beyond the generic catalogue tests.

Each check uses numbers from the papers or an independent computation (an Euler
simulation of the LIF neuron, the defining derivative of Cheon et al.'s f_n),
never nonlin's own formula.
"""

import math

import numpy as np
import pytest
import torch

import nonlin


def f(name, x, **kw):
    return nonlin.spec(name).fn(torch.as_tensor(x, dtype=torch.float64), **kw).numpy()


def test_kim_polynomials_match_the_authors_scaled_coefficients_and_improve_with_degree():
    # iDASH 2017 code of Kim et al. stores the same fits in the variable x (not x/8), rounded
    x = np.linspace(-8, 8, 161)
    scaled = {
        "he_lr_sigmoid3": [0.15012, -0.001593],
        "he_lr_sigmoid5": [0.19131, -0.0045963, 0.0000412332],
        "he_lr_sigmoid7": [0.216884, -0.00819276, 0.000165861, -0.00000119581],
    }
    sig = 1 / (1 + np.exp(-x))
    errs = []
    for name, c in scaled.items():
        want = 0.5 + sum(ck * x ** (2 * k + 1) for k, ck in enumerate(c))
        np.testing.assert_allclose(f(name, x), want, atol=2e-4, err_msg=name)
        errs.append(np.abs(f(name, x) - sig).max())
    assert errs[0] > errs[1] > errs[2], errs  # least squares on [-8, 8]: a higher degree fits better
    assert errs[2] < 0.04


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_cheon_f_n_has_the_defining_derivative_and_fixes_plus_minus_one(n):
    x = torch.linspace(-1.3, 1.3, 53, dtype=torch.float64, requires_grad=True)
    y = nonlin.spec("cheon_sign_poly").fn(x, n=n)
    (g,) = torch.autograd.grad(y.sum(), x)
    c_n = (2 * n + 1) * math.comb(2 * n, n) / 4 ** n
    np.testing.assert_allclose(g.numpy(), c_n * (1 - x.detach().numpy() ** 2) ** n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(f("cheon_sign_poly", [-1.0, 0.0, 1.0], n=n), [-1.0, 0.0, 1.0], atol=1e-15)


def test_cheon_closed_forms_as_published():
    x = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(f("cheon_sign_poly", x, n=1), (3 * x - x ** 3) / 2, atol=1e-15)
    np.testing.assert_allclose(f("cheon_sign_poly", x, n=2), (15 * x - 10 * x ** 3 + 3 * x ** 5) / 8, atol=1e-15)
    np.testing.assert_allclose(f("cheon_sign_poly", x, n=3),
                               (35 * x - 35 * x ** 3 + 21 * x ** 5 - 5 * x ** 7) / 16, atol=1e-15)
    f4 = [2.4609375, -3.28125, 2.953125, -1.40625, 0.2734375]  # 315/128, ..., 35/128 as implemented in HEAAN code
    np.testing.assert_allclose(f("cheon_sign_poly", x, n=4), sum(c * x ** (2 * k + 1) for k, c in enumerate(f4)),
                               atol=1e-15)


def test_cheon_g_n_rises_faster_than_f_n_at_zero():
    for n, lead in [(1, 2126), (2, 3334), (3, 4589), (4, 5850)]:
        x = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(nonlin.spec("cheon_sign_g").fn(x, n=n).sum(), x)
        assert float(g) == pytest.approx(lead / 1024, rel=1e-15)
        assert float(g) > (2 * n + 1) * math.comb(2 * n, n) / 4 ** n  # f_n'(0)


def _simulated_lif_rate(j, tau_rc=0.02, tau_ref=0.002, dt=1e-6, t_max=0.2):
    """Euler-integrate tau dv/dt = -v + j from v = 0 to the threshold 1; rate = 1 / (tau_ref + crossing time)."""
    v = np.zeros_like(j)
    t_cross = np.full_like(j, np.inf)
    for step in range(1, int(t_max / dt) + 1):
        v = v + dt / tau_rc * (j - v)
        hit = (v >= 1) & np.isinf(t_cross)
        t_cross[hit] = step * dt
    return np.where(np.isinf(t_cross), 0.0, 1 / (tau_ref + t_cross))


def test_lif_rate_matches_a_simulated_leaky_integrate_and_fire_neuron():
    j = np.array([0.5, 1.0, 1.05, 1.5, 2.0, 4.0, 10.0])
    np.testing.assert_allclose(f("lif_rate", j), _simulated_lif_rate(j), rtol=2e-3)
    assert f("lif_rate", [1e12])[0] == pytest.approx(1 / 0.002)  # saturates at 1/tau_ref


def test_soft_lif_tends_to_lif_and_keeps_a_bounded_slope():
    above = np.array([1.5, 2.0, 5.0])
    np.testing.assert_allclose(f("soft_lif", above, sigma=1e-3), f("lif_rate", above), rtol=1e-3)
    # below threshold ln(1 + 1/j) ~ (1 - x)/sigma: the rate vanishes only like sigma/(tau_RC (1 - x))
    below = np.array([-1.0, 0.5])
    np.testing.assert_allclose(f("soft_lif", below, sigma=1e-3), 1e-3 / (0.02 * (1 - below)), rtol=0.05)
    xs = torch.linspace(0.9, 1.1, 2001, dtype=torch.float64, requires_grad=True)
    (g_soft,) = torch.autograd.grad(nonlin.spec("soft_lif").fn(xs, sigma=0.02).sum(), xs)
    (g_hard,) = torch.autograd.grad(nonlin.spec("lif_rate").fn(xs).sum(), xs)
    assert float(g_soft.max()) < 0.2 * float(g_hard.max())  # the point of the smoothing


def test_wong_wang_rate_at_threshold_and_far_above():
    a, b, d = 270.0, 108.0, 0.154
    assert f("wong_wang_rate", [b / a])[0] == pytest.approx(1 / d, rel=1e-12)
    assert f("wong_wang_rate", [2.0])[0] == pytest.approx(a * 2.0 - b, rel=1e-12)  # e^{-d(ax-b)} ~ e^{-66}
    x = torch.tensor([b / a], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(nonlin.spec("wong_wang_rate").fn(x).sum(), x)
    assert float(g) == pytest.approx(a / 2, rel=1e-12)  # (u / (1 - e^{-du}))' = 1/2 at u = 0


def test_naka_rushton_half_saturates_at_c50_and_n1_is_the_hyperbolic_ratio():
    for n in (1.0, 2.0, 4.0):
        assert f("naka_rushton", [0.1], n=n, c50=0.1)[0] == pytest.approx(0.5, rel=1e-14)
    x = np.linspace(0, 5, 11)
    np.testing.assert_allclose(f("naka_rushton", x, n=1.0), x / (1 + x), rtol=1e-14)


def test_cosine_squasher_is_half_a_sine_between_its_saturations():
    x = np.linspace(-math.pi / 2, math.pi / 2, 31)
    np.testing.assert_allclose(f("cosine_squasher", x), (1 + np.sin(x)) / 2, atol=1e-15)
    np.testing.assert_allclose(f("cosine_squasher", [-2.0, 2.0]), [0.0, 1.0])


def test_raised_cosine_rbfs_at_unit_spacing_are_a_partition_of_unity():
    x = np.linspace(-3, 3, 601)
    total = sum(f("raised_cosine_rbf", x - k) for k in range(-4, 5))
    np.testing.assert_allclose(total, 1.0, atol=1e-14)
