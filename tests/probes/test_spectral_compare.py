"""Spectral slope: learning time against closed forms; the flatter order of periodic units (Rahaman et al.)."""

import math

import numpy as np
import pytest

from nonlin.probes import cli, spectral


def test_learning_time_of_an_exponential_decay_is_its_time_constant():
    steps = list(range(0, 2001, 1))
    T = np.array([20.0, 100.0, 400.0])
    r = np.exp(-np.asarray(steps, dtype=float)[:, None] / T)
    expected = T * (1 - np.exp(-2000 / T))        # ∫_0^2000 exp(-t/T) dt
    assert spectral.learning_time(steps, r) == pytest.approx(expected.tolist(), rel=1e-3)   # trapezoid rule, step 1
    # residuals above 1 (a fit that overshoots) count as 1: not learned yet, not "negatively" learned
    assert spectral.learning_time([0, 10], np.array([[3.0], [3.0]])) == [10.0]


def test_spectral_slope_of_a_power_law_is_its_exponent():
    freqs = (1, 3, 5, 7, 9)
    assert spectral._loglog_slope(freqs, [7.0 * k ** 2 for k in freqs]) == pytest.approx(2.0)
    assert spectral._loglog_slope(freqs, [5.0] * 5) == pytest.approx(0.0, abs=1e-12)


def test_compare_rejects_a_bad_unit_before_training():
    with pytest.raises(ValueError, match="parameters"):
        spectral.compare(("relu", "snake(a=)"), steps=1)


def test_spectral_result_carries_the_slope_and_its_ci():
    res = spectral.spectral_bias("relu", steps=20, record_every=5, seeds=2, width=8, depth=2)
    assert len(res.slope) == 2 and len(res.learning_time[0]) == 5
    assert res.slope_value == pytest.approx(np.mean(res.slope))
    assert res.slope_ci[0] <= res.slope_value <= res.slope_ci[1]


@pytest.fixture(scope="module")
def periodic_vs_relu():
    # 3 x 64 coordinate MLPs, 200 full-batch Adam steps at lr 2e-3, same targets per seed for every unit.
    # sine at omega_0 = 10 and Snake at a = 30: the frequency scale of the unit must reach the target's
    # (sine at omega_0 = 5 and Snake at a = 1 keep a ReLU-like order; docs/probes_card.md has the numbers).
    return spectral.compare(("relu", "sine(w0=10)", "snake(a=30)"), seeds=3, steps=200, width=64, depth=3,
                            record_every=2)


@pytest.mark.parametrize("unit", ["sine(w0=10)", "snake(a=30)"])
def test_reproduction_periodic_units_flatten_the_spectral_order(periodic_vs_relu, unit):
    # Rahaman et al. (arXiv 1806.08734): ReLU learns low frequencies first; periodic units flatten the order.
    res = periodic_vs_relu
    relu_mean, relu_lo, _ = res.slope["relu"]
    assert relu_lo > 0.3, res.slope                  # ReLU: learning time grows with frequency
    diff, lo, hi = res.difference[unit]
    assert hi < 0, (unit, res.difference)             # flatter than ReLU on every seed pairing, 95 % CI
    assert res.learned[unit] >= 0.9, res.learned      # flat because it learns everything, not nothing


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reproduced at this scale: a B-spline KAN learns every frequency "
                   "faster than ReLU but in the same low-to-high order (log-log slope 0.73 [0.53, 0.93] vs "
                   "ReLU 0.58 [0.43, 0.73], 3 x 32, grid 5, 3 seeds; grid 20 at width 16: 0.34 vs 0.34)")
def test_reproduction_bspline_kan_flattens_the_spectral_order():
    res = spectral.compare(("relu", "kan_bspline"), seeds=3, steps=300, width=32, depth=3, record_every=2)
    assert res.difference["kan_bspline"][2] < 0, res.difference


def test_cli_spectral_compare_prints_slopes(tmp_path, capsys, monkeypatch):
    calls = {}

    def fake_compare(units, **kw):
        calls["units"] = units
        return spectral.SpectralComparison(["relu", *units], "relu", [1, 3], 10, {"relu": (1.0, 0.5, 1.5),
                                           units[0]: (0.1, 0.0, 0.2)}, {units[0]: (-0.9, -1.2, -0.6)},
                                           {"relu": 0.5, units[0]: 1.0}, {"relu": [1.0, 3.0], units[0]: [1.0, 1.1]},
                                           {"relu": [1.0], units[0]: [0.1]})
    monkeypatch.setattr(spectral, "compare", fake_compare)
    assert cli.cli_main(["spectral_compare", "--unit", "sine(w0=10)", "--out", str(tmp_path), "--json"]) == 0
    out = __import__("json").loads(capsys.readouterr().out)
    assert calls["units"] == ("sine(w0=10)",) and out["difference"]["sine(w0=10)"][2] == -0.6
    assert (tmp_path / "spectral_compare_sine_w0=10_.png").exists()
    assert math.isclose(out["slope"]["relu"][0], 1.0)
