"""Optimal derivative tables: known optima, the published Few-Bit table, parity, exactness, caching."""

import math

import numpy as np
import pytest
import torch

from nonlin.memory import tables as T

# Few-Bit Backward (arXiv 2202.00441) released 2-bit GELU table (uniform objective on [-100, 100]).
FEWBIT_GELU2_BORDERS = (-0.4536, 0.0, 0.4536)
FEWBIT_GELU2_LEVELS = (-0.0015, 0.3251, 0.6749, 1.0015)


def _gelu_prime(x):
    x = np.asarray(x, dtype=np.float64)
    from scipy.special import ndtr
    return ndtr(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def test_reproduces_published_fewbit_2bit_gelu_table():
    t = T.compute_table("gelu", 2, "uniform(-100,100)")
    np.testing.assert_allclose(t.borders, FEWBIT_GELU2_BORDERS, atol=1e-4)
    np.testing.assert_allclose(t.levels, FEWBIT_GELU2_LEVELS, atol=1e-4)


def test_step_function_optimum_is_found_exactly():
    # f' = a step with 3 values: the 2-bit optimum is the step itself, error 0
    def fprime(x):
        x = np.asarray(x)
        return np.where(x < -0.7, 0.2, np.where(x < 1.3, 1.5, -0.4))

    t = T.compute_table(fprime=fprime, bits=2, dist="normal")
    assert t.method == "exact" and t.rel_error == 0.0
    np.testing.assert_allclose(t.borders, (-0.7, 1.3), atol=1e-12)
    x = torch.linspace(-4, 4, 1001, dtype=torch.float64)
    np.testing.assert_array_equal(t.derivative(x).numpy(), fprime(x.numpy()))


def test_dp_finds_the_optimum_of_a_smooth_function_by_brute_force():
    # 1-bit table of f'(x) = x under N(0,1): optimum border 0, levels -+sqrt(2/pi) (half-normal means)
    t = T.compute_table(fprime=lambda x: np.asarray(x, dtype=np.float64) ** 1 + 0.0, bits=1, dist="normal", fold=False)
    assert abs(t.borders[0]) < 1e-6
    np.testing.assert_allclose(t.levels, (-math.sqrt(2 / math.pi), math.sqrt(2 / math.pi)), atol=1e-6)
    assert abs(t.rel_error - (1 - 2 / math.pi)) < 1e-6


def test_two_bit_dp_beats_every_grid_partition():
    # exhaustive search over 3 borders on a 0.1 grid of [-3, 3] never beats the DP (GELU, N(0,1))
    d = T.as_distribution("normal")
    x = np.linspace(-8, 8, 160001)
    w = d.pdf(x) * (x[1] - x[0])
    f = _gelu_prime(x)

    def J(bs):
        idx = np.searchsorted(bs, x)
        total = 0.0
        for k in range(len(bs) + 1):
            m = idx == k
            lv = (w[m] * f[m]).sum() / w[m].sum()
            total += (w[m] * (f[m] - lv) ** 2).sum()
        return total

    t = T.compute_table("gelu", 2, "normal")
    best_dp = J(np.array(t.borders))
    grid = np.round(np.arange(-3, 3.01, 0.1), 10)
    rng = np.random.default_rng(0)
    for _ in range(300):
        bs = np.sort(rng.choice(grid, 3, replace=False))
        assert J(bs) >= best_dp - 1e-12


def test_relu_one_bit_is_exact_mask():
    t = T.compute_table("relu", 1)
    assert t.method == "exact" and t.rel_error == 0.0
    assert t.borders == (0.0,) and t.levels == (0.0, 1.0)
    x = torch.randn(10000, dtype=torch.float64)
    assert torch.equal(t.derivative(x), (x > 0).double())


def test_hardtanh_exact_with_interval_codes():
    t = T.compute_table("hardtanh", 1)
    assert t.method == "exact" and t.code_bits == 1 and len(t.borders) == 2
    x = torch.randn(10000, dtype=torch.float64) * 2
    assert torch.equal(t.derivative(x), ((x > -1) & (x < 1)).double())


@pytest.mark.parametrize("unit", ["softplus", "sigmoid_like_softplus"])
def test_tables_are_monotone_where_f_prime_is(unit):
    if unit == "softplus":  # f' = sigmoid: increasing
        t = T.compute_table("softplus", 3)
    else:  # f' = -tanh(x), decreasing, not even: fold impossible
        t = T.compute_table(fprime=lambda x: -np.tanh(np.asarray(x)), bits=3)
    lv = np.array(t.levels)
    assert (np.diff(lv) > 0).all() if unit == "softplus" else (np.diff(lv) < 0).all()


def test_even_derivative_is_folded_and_beats_published_unfolded_tanh():
    t = T.compute_table("tanh", 2, "uniform(-100,100)")
    assert t.fold and len(t.levels) == 4
    published = T.preset("fewbit_tanh", 2, "uniform(-100,100)")
    assert t.rel_error < published.rel_error
    x = torch.linspace(-3, 3, 601, dtype=torch.float64)
    assert torch.equal(t.derivative(x), t.derivative(-x))


def test_gelu_table_symmetric_without_special_case():
    t = T.compute_table("gelu", 2)
    np.testing.assert_allclose(t.borders, [-t.borders[2], 0.0, t.borders[2]], atol=1e-4)
    np.testing.assert_allclose(np.array(t.levels) + np.array(t.levels[::-1]), 1.0, atol=1e-4)


def test_error_falls_with_bits():
    errs = [T.compute_table("silu", b).rel_error for b in (1, 2, 3)]
    assert errs[0] > errs[1] > errs[2] > 0


def test_published_relative_errors_under_normal():
    # reference/memory_and_probes.md, computed from the published constants: 0.020 / 0.127 (GELU)
    assert abs(T.preset("fewbit_gelu", 2).rel_error - 0.020) < 0.0015
    assert abs(T.preset("regelu2").rel_error - 0.127) < 0.0015
    assert abs(T.preset("resilu2").rel_error - 0.222) < 0.0015
    assert T.preset("regelu2").levels == pytest.approx((0.0, -0.04922261145617846, 1.0487406, 1.0), abs=1e-6)


def test_empirical_distribution_close_to_normal_table():
    torch.manual_seed(0)
    t_emp = T.compute_table("gelu", 2, torch.randn(50000, dtype=torch.float64))
    t_norm = T.compute_table("gelu", 2, "normal")
    np.testing.assert_allclose(t_emp.levels, t_norm.levels, atol=0.02)
    assert t_emp.dist.startswith("empirical")


def test_cache_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("NONLIN_CACHE_DIR", str(tmp_path))
    T._MEMO.clear()
    a = T.table("elu", 2)
    files = list((tmp_path / "memory").glob("elu-2bit-*.json"))
    assert len(files) == 1
    T._MEMO.clear()
    b = T.table("elu", 2)
    assert a == b


@pytest.mark.parametrize("bad,match", [
    (dict(bits=5), "bits must be one of"),
    (dict(dist="cauchy"), "dist must be"),
    (dict(dist="uniform(2,1)"), "dist must be"),
])
def test_bad_input_errors(bad, match):
    kw = dict(unit="gelu", bits=2, dist="normal") | bad
    with pytest.raises(ValueError, match=match):
        T.compute_table(**kw)
