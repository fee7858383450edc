"""Published properties of the sigmoid-area additions (survey2_sig*.py), checked against their papers' claims.

The catalogue tests compare every unit with its float64 formula; these check what
the papers say the constants *do*: NFNets' gains normalise the variance, the
entmoid is the two-class 1.5-entmax, Pohlen et al.'s rescaling has their inverse,
Theano's approximations stay within Theano's own tolerances, and so on.
"""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.special import expit

import nonlin


def f64(name, x, **params):
    return nonlin.get_fn(name, **params)(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()


@pytest.mark.parametrize("name, base", [
    ("nf_tanh", np.tanh), ("nf_sigmoid", expit), ("nf_softsign", lambda z: z / (1 + abs(z))),
    ("nf_log_sigmoid", lambda z: -np.logaddexp(0.0, -z)),
])
def test_nfnets_gains_give_unit_variance_under_standard_normal_input(name, base):
    """γ = 1/std[g(z)], z ~ N(0, 1) (Brock et al.); the released γ are Monte-Carlo estimates, good to 0.2 %."""
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    mean = integrate.quad(lambda z: base(z) * pdf(z), -40, 40)[0]
    var = integrate.quad(lambda z: (base(z) - mean) ** 2 * pdf(z), -40, 40)[0]
    gamma = float(f64(name, [1.0])[0] / base(1.0))
    assert abs(gamma * math.sqrt(var) - 1.0) < 2e-3


def _entmax15(z):
    """α = 1.5 entmax of one vector by the sort-based closed form (Peters et al., arXiv 1905.05702)."""
    z = np.sort(np.asarray(z, dtype=np.float64) / 2)[::-1]
    k = np.arange(1, len(z) + 1)
    mean = np.cumsum(z) / k
    mean_sq = np.cumsum(z ** 2) / k
    tau = mean - np.sqrt(np.maximum(0.0, (1 - k * (mean_sq - mean ** 2)) / k))
    support = int(np.sum(tau <= z))
    return tau[support - 1]


def test_entmoid_is_the_two_class_entmax():
    xs = np.linspace(-3, 3, 61)
    want = np.array([max(x / 2 - _entmax15([x, 0.0]), 0.0) ** 2 for x in xs])
    np.testing.assert_allclose(f64("entmoid15", xs), want, atol=1e-12)
    assert f64("entmoid15", [-2.0, 2.0]).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name, eps", [("value_rescale", 1e-2), ("r2d2_value_rescale", 1e-3)])
def test_value_rescaling_has_the_published_inverse(name, eps):
    """h⁻¹(x) = sign(x)(((√(1 + 4ε(|x| + 1 + ε)) − 1)/(2ε))² − 1) (Pohlen et al., Proposition A.2)."""
    x = np.array([-1e4, -37.5, -1.0, -1e-3, 0.0, 2e-3, 0.7, 12.0, 3e5])
    h = f64(name, x)
    inv = np.sign(h) * (((np.sqrt(1 + 4 * eps * (np.abs(h) + 1 + eps)) - 1) / (2 * eps)) ** 2 - 1)
    np.testing.assert_allclose(inv, x, rtol=1e-9, atol=1e-9)


def test_anguita_tanh_matches_the_published_constants_up_to_their_rounding():
    """With the printed c = 0.26037 the values of Anguita et al. (e.g. 0.434905884882 at 0.5) differ by < 2.1e-6."""
    x = np.array([0.1, 0.5, 0.9, 1.5, 1.92033, 3.0])
    printed = np.where(x > 1.92033, 0.96016, 0.96016 - 0.26037 * (x - 1.92033) ** 2)
    np.testing.assert_allclose(f64("anguita_tanh", x), printed, atol=2.1e-6)
    np.testing.assert_allclose(f64("anguita_tanh", -x), -printed, atol=2.1e-6)
    assert abs(printed[1] - 0.434905884882) < 1e-11


def test_theano_approximations_error_against_the_logistic_sigmoid():
    """ultra_fast_sigmoid is within 0.028 of σ (worst at |x| ≈ 0.54), hard_sigmoid within 0.076 (at |x| = 2.5)."""
    x = np.linspace(-12, 12, 4801)
    err_fast = np.abs(f64("ultra_fast_sigmoid", x) - expit(x))
    err_hard = np.abs(f64("hard_sigmoid_theano", x) - expit(x))
    assert 0.027 < err_fast.max() < 0.028 and abs(abs(x[err_fast.argmax()]) - 0.54) < 0.02
    assert 0.075 < err_hard.max() < 0.076 and abs(x[err_hard.argmax()]) == 2.5


def test_saturating_sigmoid_reaches_zero_and_one_beyond_ln_11():
    edge = math.log(11.0)
    np.testing.assert_array_equal(f64("saturating_sigmoid", [-edge - 1e-9, -50.0, edge + 1e-9, 50.0]),
                                  [0.0, 0.0, 1.0, 1.0])
    inside = np.array([-2.0, 0.0, 1.5])
    np.testing.assert_allclose(f64("saturating_sigmoid", inside), 1.2 * expit(inside) - 0.1, rtol=1e-15)


@pytest.mark.parametrize("b, maxima", [(4.0, 2), (2.0, 1)])
def test_bimodal_sigmoid_derivative_has_two_maxima_once_b_exceeds_2ln_2_plus_sqrt3(b, maxima):
    x = torch.linspace(-10, 6, 16001, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(nonlin.get_fn("bimodal_sigmoid", b=b)(x).sum(), x)
    g = g.numpy()
    peaks = np.flatnonzero((g[1:-1] > g[:-2]) & (g[1:-1] > g[2:]))
    assert len(peaks) == maxima


def test_sigmoid_gumbel_minimum_is_sigma_of_one_at_zero():
    x = np.linspace(-5, 5, 10001)
    y = f64("sigmoid_gumbel", x)
    assert abs(x[np.argmin(y)]) < 1e-9 and abs(y.min() - expit(1.0)) < 1e-15


@pytest.mark.parametrize("name, tau", [("gla_forget_gate", 16.0), ("gsa_forget_gate", 8.0)])
def test_tempered_gates_are_powers_of_the_sigmoid(name, tau):
    x = np.array([-30.0, -1.0, 0.0, 2.0])
    np.testing.assert_allclose(f64(name, x), expit(x) ** (1 / tau), rtol=1e-12)
    assert abs(f64(name, [0.0])[0] - 2 ** (-1 / tau)) < 1e-15


def test_capsule_squash_is_the_vector_squash_of_a_one_dimensional_capsule():
    s = np.array([-40.0, -2.0, -0.3, 0.0, 1e-4, 0.5, 3.0])
    norm = np.abs(s)
    with np.errstate(invalid="ignore"):
        v = np.where(norm > 0, norm ** 2 / (1 + norm ** 2) * s / norm, 0.0)
    np.testing.assert_allclose(f64("capsule_squash", s), v, rtol=1e-13, atol=1e-300)


def test_mu_law_maps_the_unit_interval_onto_itself_and_rescales_symlog():
    assert f64("mu_law", [-1.0, 0.0, 1.0]).tolist() == pytest.approx([-1.0, 0.0, 1.0], abs=1e-15)
    x = np.array([-3.0, -0.01, 0.2, 7.0])
    np.testing.assert_allclose(f64("mu_law", x), f64("symlog", 255 * x) / math.log(256), rtol=1e-13)


def test_hopfield_tank_neuron_is_a_gain_100_logistic():
    x = np.array([-0.2, -0.01, 0.0, 0.004, 0.3])
    np.testing.assert_allclose(f64("hopfield_tank_sigmoid", x), expit(100 * x), rtol=1e-13)
