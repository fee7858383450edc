r"""The statistics of the benchmark report: what differences between units are real.

Within a board (one task, one architecture), each unit has one final score per seed, and seeds
are *paired* across units (the same seed gives every unit the same data order and split).

- **Confidence interval of a mean:** percentile bootstrap over the seeds (SciPy's
  ``scipy.stats.bootstrap``), 95 % by default.  With fewer than 2 seeds there is none.
- **A unit against the baseline** (default ``relu``): the paired t-test on the per-seed
  differences (``scipy.stats.ttest_rel``), the effect size Cohen's :math:`d_z = \bar d / s_d`,
  and Holm's step-down correction over all units of the board.  Why t and not Wilcoxon: with
  5 seeds the exact two-sided Wilcoxon signed-rank test cannot go below p = 1/16, so it could
  never report a difference at α = 0.05; Wilcoxon's p is still reported beside it.
- **Tied with the best:** units whose Holm-corrected paired test against the best unit is not
  significant at α.
- **Across boards** (Demšar 2006, "Statistical Comparisons of Classifiers over Multiple Data
  Sets", JMLR 7:1–30): average ranks :math:`R_j` over N boards of the k units present on all
  of them; the Friedman statistic
  :math:`\chi^2_F = \frac{12N}{k(k+1)}\left[\sum_j R_j^2 - \frac{k(k+1)^2}{4}\right]`, Iman and
  Davenport's :math:`F_F = \frac{(N-1)\chi^2_F}{N(k-1) - \chi^2_F}` with (k−1, (k−1)(N−1))
  degrees of freedom, and the Nemenyi critical difference
  :math:`CD = q_\alpha \sqrt{k(k+1)/(6N)}`, where :math:`q_\alpha` is the studentized range
  quantile for k groups and infinite degrees of freedom divided by √2
  (``scipy.stats.studentized_range``).  Two units whose average ranks differ by less than CD
  are not distinguishable.
- **Not solved:** a board on which no unit beats the task's trivial baseline says nothing about
  the units and is left out of the average ranks.

SciPy provides every test used here; Holm's correction is four lines, so no further dependency.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Sequence

import numpy as np


@dataclasses.dataclass(frozen=True)
class Paired:
    """A unit against a reference unit on the seeds both finished."""

    n: int                      # common seeds
    mean_diff: float            # mean of (unit - reference); sign as measured, not "better"
    d_z: float                  # Cohen's d_z (mean diff / sd of diffs); ±inf when sd = 0
    p: float                    # paired t-test, two-sided
    p_wilcoxon: float | None    # Wilcoxon signed-rank, two-sided (None where undefined)
    p_holm: float | None = None  # after Holm's correction across the board's units


@dataclasses.dataclass(frozen=True)
class Friedman:
    """Friedman test over boards, with the Nemenyi critical difference."""

    units: tuple[str, ...]
    average_ranks: tuple[float, ...]
    n_boards: int
    chi2: float
    p_chi2: float
    f_f: float
    p_f: float
    cd: float
    alpha: float

    @property
    def significant(self) -> bool:
        return self.p_f < self.alpha


def bootstrap_ci(values: Sequence[float], confidence: float = 0.95, n_resamples: int = 9999,
                 seed: int = 0) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean; ``None`` with fewer than 2 values."""
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(x) < 2:
        return None
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    from scipy import stats

    res = stats.bootstrap((x,), np.mean, confidence_level=confidence, n_resamples=n_resamples,
                          method="percentile", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


def paired(unit: Mapping[int, float], reference: Mapping[int, float]) -> Paired | None:
    """Paired comparison over common seeds (``{seed: score}``); ``None`` with fewer than 2."""
    seeds = sorted(set(unit) & set(reference))
    if len(seeds) < 2:
        return None
    from scipy import stats

    d = np.array([unit[s] - reference[s] for s in seeds], dtype=float)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0.0:
        # Every seed moved by the same amount: no noise at all.
        p = 1.0 if mean == 0.0 else 0.0
        d_z = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    else:
        p = float(stats.ttest_rel([unit[s] for s in seeds], [reference[s] for s in seeds]).pvalue)
        d_z = mean / sd
    p_w = None
    if np.any(d != 0):
        try:
            p_w = float(stats.wilcoxon(d).pvalue)
        except ValueError:
            p_w = None
    return Paired(len(seeds), mean, d_z, p, p_w)


def compare_all(scores: Mapping[str, Mapping[int, float]], reference: str) -> dict[str, Paired]:
    """Every unit against ``reference`` with Holm's correction across them."""
    if reference not in scores:
        return {}
    results = {u: paired(s, scores[reference]) for u, s in scores.items() if u != reference}
    results = {u: r for u, r in results.items() if r is not None}
    adjusted = holm([r.p for r in results.values()])
    return {u: dataclasses.replace(r, p_holm=p) for (u, r), p in zip(results.items(), adjusted)}


def tied_with_best(scores: Mapping[str, Mapping[int, float]], best: str, alpha: float = 0.05) -> set[str]:
    """``best`` and the units whose corrected paired test against it is not significant at ``alpha``."""
    tied = {best}
    for u, r in compare_all(scores, best).items():
        if r.p_holm is not None and r.p_holm >= alpha:
            tied.add(u)
    return tied


def rank_row(values: Sequence[float], higher_is_better: bool) -> np.ndarray:
    """Ranks within one board, 1 = best, ties share the average rank."""
    from scipy.stats import rankdata

    v = np.asarray(values, dtype=float)
    return rankdata(-v if higher_is_better else v, method="average")


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks for k units over n boards."""
    if k < 2 or n < 1:
        raise ValueError(f"the critical difference needs k >= 2 units and n >= 1 boards; got k={k}, n={n}")
    from scipy.stats import studentized_range

    q = float(studentized_range.ppf(1 - alpha, k, np.inf)) / math.sqrt(2)
    return q * math.sqrt(k * (k + 1) / (6.0 * n))


def friedman_from_ranks(units: Sequence[str], average_ranks: Sequence[float], n_boards: int,
                        alpha: float = 0.05) -> Friedman:
    """Demšar's Friedman statistic, Iman–Davenport F and Nemenyi CD from average ranks."""
    from scipy import stats

    k, n = len(units), n_boards
    if k < 3 or n < 2:
        raise ValueError(f"the Friedman test needs at least 3 units and 2 boards; got {k} units, {n} boards")
    r = np.asarray(average_ranks, dtype=float)
    chi2 = 12.0 * n / (k * (k + 1)) * (float(np.sum(r ** 2)) - k * (k + 1) ** 2 / 4.0)
    p_chi2 = float(stats.chi2.sf(chi2, k - 1))
    denom = n * (k - 1) - chi2
    f_f = (n - 1) * chi2 / denom if denom > 0 else math.inf
    p_f = float(stats.f.sf(f_f, k - 1, (k - 1) * (n - 1))) if math.isfinite(f_f) else 0.0
    return Friedman(tuple(units), tuple(float(v) for v in r), n, chi2, p_chi2, f_f, p_f,
                    nemenyi_cd(k, n, alpha), alpha)


def friedman(table: Mapping[str, Mapping[str, float]], higher_is_better: Mapping[str, bool],
             alpha: float = 0.05) -> Friedman:
    """Friedman test over ``table[board][unit] = mean score`` for the units present on every board."""
    boards = list(table)
    common = sorted(set.intersection(*(set(table[b]) for b in boards))) if boards else []
    if len(common) < 3 or len(boards) < 2:
        raise ValueError(f"the Friedman test needs at least 3 units shared by at least 2 boards; "
                         f"got {len(common)} shared units on {len(boards)} boards")
    ranks = np.array([rank_row([table[b][u] for u in common], higher_is_better[b]) for b in boards])
    return friedman_from_ranks(common, ranks.mean(axis=0), len(boards), alpha)


def complete_block(table: Mapping[str, Mapping[str, float]], min_units: int = 3,
                   min_boards: int = 2) -> tuple[list[str], list[str]]:
    """(boards, units) of the largest complete block of ``table[board][unit]``: a subset of
    boards and the units scored on every one of them, with the most cells (boards x units).

    The Friedman test needs every unit on every board.  A suite that runs some units only on
    the boards they fit (neurons on a sequence board, KAN layers on regressions) would leave
    just the few units shared by all boards; dropping the boards that cost the most units
    keeps the test about the many units compared on the many boards.  Backward elimination:
    from all boards, drop the board whose removal gives the most cells (ties: the later
    board) while that adds cells.  Returns ([], []) when no block has ``min_units`` units on
    ``min_boards`` boards.
    """
    def cells(bs: Sequence[str]) -> tuple[int, list[str]]:
        common = sorted(set.intersection(*(set(table[b]) for b in bs))) if bs else []
        return (len(common) * len(bs) if len(common) >= min_units and len(bs) >= min_boards else 0), common

    boards = list(table)
    score, units = cells(boards)
    while len(boards) > min_boards:
        trials = [(cells([b for b in boards if b != drop]), i) for i, drop in enumerate(boards)]
        (best_score, best_units), i = max(trials, key=lambda t: (t[0][0], t[1]))
        if best_score <= score:
            break
        score, units = best_score, best_units
        boards = boards[:i] + boards[i + 1:]
    return (boards, units) if score else ([], [])


def solved(means: Sequence[float], trivial: float | None, higher_is_better: bool) -> bool:
    """Whether any unit beats the task's trivial baseline (True where there is no baseline)."""
    vals = [m for m in means if m is not None and math.isfinite(m)]
    if trivial is None or not vals:
        return True
    return any(m > trivial for m in vals) if higher_is_better else any(m < trivial for m in vals)


def plot_cd(result: Friedman, path: str, title: str = "") -> str:
    """Demšar's critical-difference diagram: units on an average-rank axis, CD bar, and bars
    joining groups of units whose ranks differ by less than CD."""
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    order = np.argsort(result.average_ranks)
    names = [result.units[i] for i in order]
    ranks = [result.average_ranks[i] for i in order]
    k = len(names)
    lo, hi = 1, max(k, 2)
    half = (k + 1) // 2
    height = 0.9 + 0.28 * half
    fig, ax = plt.subplots(figsize=(8, height))
    ax.set_xlim(lo - 0.3, hi + 0.3)
    ax.set_ylim(-height, 0.8)
    ax.axis("off")
    ax.hlines(0, lo, hi, color="k", lw=1)
    for t in range(lo, hi + 1):
        ax.vlines(t, 0, 0.08, color="k", lw=1)
        ax.text(t, 0.15, str(t), ha="center", va="bottom", fontsize=8)
    # CD bar
    ax.hlines(0.55, lo, lo + result.cd, color="k", lw=2)
    ax.text(lo + result.cd / 2, 0.62, f"CD = {result.cd:.2f}", ha="center", va="bottom", fontsize=8)
    for i, (n, r) in enumerate(zip(names, ranks)):
        left = i < half
        row = i if left else k - 1 - i
        y = -0.35 - 0.28 * row
        xt = lo - 0.25 if left else hi + 0.25
        ax.plot([r, r, xt], [0, y, y], color="k", lw=0.8)
        ax.text(xt, y, f"{n} ({r:.2f})", ha="right" if left else "left", va="center", fontsize=8)
    # maximal cliques: for each unit the run of units after it within CD, kept if it reaches further
    cliques, reach = [], 0
    for i in range(k):
        j = max(j for j in range(i, k) if ranks[j] - ranks[i] < result.cd)
        if j > i and j > reach:
            cliques.append((i, j))
            reach = j
    for n_bar, (a, b) in enumerate(cliques):
        y = -0.15 - 0.12 * n_bar
        ax.hlines(y, ranks[a] - 0.05, ranks[b] + 0.05, color="tab:red", lw=2.5)
    ax.set_title(title or f"average rank over {result.n_boards} boards (Friedman p = {result.p_f:.3g})",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
