"""The report's statistics against hand-computed cases and Demšar's (2006) worked example."""

import math

import numpy as np
import pytest

from nonlin.bench import stats


def test_demsar_worked_example():
    # Demšar 2006, section 3.2.2: four C4.5 variants on 14 data sets, average ranks
    # 3.143, 2.000, 2.893, 1.964 -> chi2_F = 9.28, F_F = 3.69 (critical F(3, 39) = 2.85),
    # Nemenyi CD = 2.569 * sqrt(4*5 / (6*14)) = 1.25.
    r = stats.friedman_from_ranks(["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"],
                                  [3.143, 2.000, 2.893, 1.964], n_boards=14)
    assert r.chi2 == pytest.approx(9.28, abs=0.01)
    assert r.f_f == pytest.approx(3.69, abs=0.01)
    assert r.cd == pytest.approx(1.25, abs=0.005)
    assert r.significant  # F_F = 3.69 > 2.85


@pytest.mark.parametrize("k, q", zip(range(2, 11), [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]))
def test_nemenyi_q_matches_demsar_table_5a(k, q):
    # CD = q * sqrt(k(k+1)/(6N)); with N = k(k+1)/6 the CD is q itself
    assert stats.nemenyi_cd(k, n=1) / math.sqrt(k * (k + 1) / 6) == pytest.approx(q, abs=1.5e-3)


def test_friedman_from_a_score_table_ranks_each_board():
    table = {"b1": {"a": 0.9, "b": 0.8, "c": 0.7}, "b2": {"a": 0.5, "b": 0.6, "c": 0.4},
             "b3": {"a": 2.0, "b": 1.0, "c": 3.0}}  # b3 is lower-is-better
    r = stats.friedman(table, {"b1": True, "b2": True, "b3": False})
    # hand ranks: a: 1, 2, 2 ; b: 2, 1, 1 ; c: 3, 3, 3
    assert dict(zip(r.units, r.average_ranks)) == pytest.approx({"a": 5 / 3, "b": 4 / 3, "c": 3.0})
    # chi2 = 12*3/(3*4) * (25/9 + 16/9 + 9 - 12) = 3 * (41/9 - 3) = 14/3
    assert r.chi2 == pytest.approx(14 / 3)


def test_friedman_refuses_too_little():
    with pytest.raises(ValueError, match="at least 3 units"):
        stats.friedman({"b1": {"a": 1, "b": 2}, "b2": {"a": 1, "b": 2}}, {"b1": True, "b2": True})


def test_complete_block_drops_the_board_that_costs_most_units():
    wide = {u: 1.0 for u in "abcdef"}
    table = {"b1": wide, "b2": wide, "b3": wide, "seq": {"a": 1.0, "b": 1.0, "x": 1.0, "y": 1.0}}
    # all 4 boards share a, b (2 units: no block); without "seq": 6 units x 3 boards = 18 cells
    assert stats.complete_block(table) == (["b1", "b2", "b3"], list("abcdef"))
    # a board that shares everything stays: 6 x 4 = 24 cells beat any subset
    assert stats.complete_block({**table, "seq": wide}) == (["b1", "b2", "b3", "seq"], list("abcdef"))
    # nothing large enough
    assert stats.complete_block({"b1": {"a": 1.0}, "b2": {"a": 1.0}}) == ([], [])


def test_holm_by_hand():
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_paired_t_by_hand():
    # differences 1, 2, 3: t = 2 / (1/sqrt(3)); with 2 degrees of freedom the two-sided
    # p-value has the closed form 1 - |t| / sqrt(t^2 + 2)
    r = stats.paired({0: 2.0, 1: 4.0, 2: 6.0, 3: 9.0}, {0: 1.0, 1: 2.0, 2: 3.0})
    t = 2 * math.sqrt(3)
    assert r.n == 3 and r.mean_diff == pytest.approx(2.0) and r.d_z == pytest.approx(2.0)
    assert r.p == pytest.approx(1 - t / math.sqrt(t * t + 2), rel=1e-9)


def test_paired_degenerate_cases():
    assert stats.paired({0: 1.0}, {0: 2.0}) is None          # one common seed
    same = stats.paired({0: 1.0, 1: 2.0}, {0: 1.0, 1: 2.0})
    assert same.p == 1.0 and same.d_z == 0.0
    shifted = stats.paired({0: 2.0, 1: 3.0}, {0: 1.0, 1: 2.0})
    assert shifted.p == 0.0 and shifted.d_z == math.inf


def test_compare_all_and_ties():
    rng = np.random.default_rng(0)
    seeds = range(8)
    base = {s: 0.5 + 0.01 * rng.standard_normal() for s in seeds}
    best = {s: base[s] + 0.10 + 0.005 * rng.standard_normal() for s in seeds}
    # alternating ±0.002 around the best: mean difference 0, so tied
    scores = {"best": best, "close": {s: best[s] + (0.002 if s % 2 else -0.002) for s in seeds},
              "baseline": base}
    cmp = stats.compare_all(scores, "baseline")
    assert set(cmp) == {"best", "close"} and all(r.p_holm < 0.01 for r in cmp.values())
    assert stats.tied_with_best(scores, "best") == {"best", "close"}


def test_bootstrap_interval_covers_the_mean():
    rng = np.random.default_rng(1)
    hits, trials = 0, 300
    for _ in range(trials):
        lo, hi = stats.bootstrap_ci(rng.normal(3.0, 1.0, size=25), n_resamples=1999, seed=2)
        hits += lo <= 3.0 <= hi
    # the percentile bootstrap slightly under-covers at n = 25: expect ~0.93
    assert 0.88 <= hits / trials <= 0.99
    assert stats.bootstrap_ci([1.0]) is None
    assert stats.bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_solved_against_trivial_baseline():
    assert not stats.solved([0.4, 0.5], trivial=0.5, higher_is_better=True)
    assert stats.solved([0.4, 0.51], trivial=0.5, higher_is_better=True)
    assert not stats.solved([1.2, 1.0], trivial=1.0, higher_is_better=False)
    assert stats.solved([1.2], trivial=None, higher_is_better=False)


def test_cd_diagram_is_drawn(tmp_path):
    r = stats.friedman_from_ranks(list("abcde"), [1.2, 2.5, 2.9, 3.9, 4.5], n_boards=10)
    p = stats.plot_cd(r, str(tmp_path / "cd.png"))
    assert (tmp_path / "cd.png").stat().st_size > 1000 and p.endswith("cd.png")
