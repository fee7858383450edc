"""Leaderboards and plots from a benchmark store (and nothing else).

>>> from nonlin.bench.report import write_report
>>> paths = write_report("runs.db", "nonlin-report")   # doctest: +SKIP
>>> paths["html"], paths["markdown"]                   # doctest: +SKIP

For every (task, suite) pair in the store there is one *board*: each unit
configuration's final test metric as mean ± sample standard deviation over
the seeds that finished (``done``), its rank (respecting whether the metric is
higher- or lower-is-better; ties share the mean rank), parameter count,
median training seconds per epoch, CPU seconds per run, activation memory
(bytes saved for backward in one batch), peak resident-set growth, and how many of its
runs diverged, failed or are unfinished.  Diverged and failed runs are not
averaged in; their counts are shown next to the score so a unit cannot hide
its failures.  An average-rank table summarises the boards.

Statistics (``nonlin.bench.stats``): each score carries a 95 % bootstrap interval
over seeds; every unit is compared with a baseline unit (default ``relu``) by a
paired t-test over seeds with Holm's correction and the effect size d_z; the
units statistically tied with the best are marked ``≈``.  Across boards, a unit
× board table, the Friedman test and Demšar's critical-difference diagram.  A
board on which no unit beats the task's trivial baseline is marked *not solved*
and left out of the average ranks.  Timing columns come with a warning when the
runs' CPU time fell well short of their wall time (a loaded machine).

The final-epoch metric is what is ranked: the best epoch on the test split
would be selection on the test set.  ``best`` stays in the store and the CSV.

Outputs, all in one directory: ``report.md`` (images referenced relatively),
``index.html`` (self-contained: images inlined as base64, opens in any
browser), ``runs.csv`` (every column of every run) and the PNG plots
(metric vs time per epoch; learning curves).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import html
import math
import os
import re
import statistics
from typing import Any, Sequence

from . import stats
from .store import Store

# The unit every other one is compared with on each board (``--baseline``).
DEFAULT_BASELINE = "relu"
ALPHA = 0.05
# CPU seconds / wall seconds of a one-thread run below this: the runs waited for a core.
LOADED_CPU_FRACTION = 0.8


@dataclasses.dataclass
class Entry:
    """One unit configuration on one board."""

    label: str
    unit_label: str
    arch: str
    width: int | None
    depth: int | None
    scores: list[float]                 # final metric of each done run
    seeds_done: list[int]
    counts: dict[str, int]              # status -> runs
    params: int | None
    time_per_epoch: float | None        # median over done runs, seconds
    wall_time: float | None             # mean total seconds per run
    cpu_time: float | None              # mean CPU seconds per run (robust to a busy machine)
    peak_memory: int | None             # median bytes of resident-set growth
    saved_bytes: int | None             # bytes saved for backward in one training batch
    curves: list[list[float]]           # per done run: test metric per epoch
    rank: float | None = None
    ci: tuple[float, float] | None = None   # 95 % bootstrap interval of the mean over seeds
    vs_baseline: stats.Paired | None = None  # paired comparison with the board's baseline unit
    tied_best: bool = False                 # not significantly different from the best unit

    @property
    def by_seed(self) -> dict[int, float]:
        return dict(zip(self.seeds_done, self.scores))

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def sd(self) -> float | None:
        return statistics.stdev(self.scores) if len(self.scores) > 1 else None


@dataclasses.dataclass
class Board:
    task_label: str
    suite: str
    metric: str
    higher_is_better: bool
    info: dict
    entries: list[Entry]
    baseline: str | None = None         # label of the entry the others are compared with
    solved: bool = True                 # some unit beats the task's trivial baseline
    settings: dict = dataclasses.field(default_factory=dict)  # training settings shared by the runs

    @property
    def title(self) -> str:
        return f"{self.task_label} ({self.suite})"

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{self.task_label}_{self.suite}").strip("_")


def _median(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def average_ranks(values: Sequence[float], higher_is_better: bool) -> list[float]:
    """Rank 1 = best; tied values share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i], reverse=higher_is_better)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def build_boards(rows: Sequence[dict], task_info: dict[str, dict] | None = None, *,
                 baseline: str = DEFAULT_BASELINE, alpha: float = ALPHA) -> list[Board]:
    """Group store rows into ranked boards with their statistics (pure function of the rows)."""
    task_info = task_info or {}
    # One board per task and architecture: a unit in a CNN and the same unit in
    # an MLP differ by the model, not the unit, so they are not ranked together.
    archs_of: dict[str, set] = {}
    for r in rows:
        archs_of.setdefault(r["task_label"], set()).add(r["arch"])
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        label = r["task_label"] if len(archs_of[r["task_label"]]) == 1 else f"{r['task_label']} [{r['arch']}]"
        groups.setdefault((label, r.get("suite") or ""), []).append(r)
    boards = []
    for (task_label, suite), rs in sorted(groups.items()):
        info = task_info.get(rs[0]["task_label"], {})
        metric = next((r["metric"] for r in rs if r.get("metric")), info.get("metric", "metric"))
        hib_vals = [r["higher_is_better"] for r in rs if r.get("higher_is_better") is not None]
        hib = bool(hib_vals[0]) if hib_vals else bool(info.get("higher_is_better", True))
        variants: dict[tuple, list[dict]] = {}
        for r in rs:
            variants.setdefault((r["unit_label"], r["arch"], r.get("width"), r.get("depth")), []).append(r)
        # Show arch/width in the label only where one unit appears in several variants.
        per_unit: dict[str, int] = {}
        for (u, *_rest) in variants:
            per_unit[u] = per_unit.get(u, 0) + 1
        entries = []
        for (u, arch, width, depth), vr in variants.items():
            done = sorted((r for r in vr if r["status"] == "done" and r.get("final_metric") is not None),
                          key=lambda r: r["seed"])
            counts: dict[str, int] = {}
            for r in vr:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            label = u if per_unit[u] == 1 else f"{u} [{arch}, w={width}, d={depth}]"
            measured = [r for r in vr if r["status"] in ("done", "diverged")]
            entries.append(Entry(
                label=label, unit_label=u, arch=arch, width=width, depth=depth,
                scores=[r["final_metric"] for r in done], seeds_done=[r["seed"] for r in done], counts=counts,
                params=next((r["params"] for r in vr if r.get("params") is not None), None),
                time_per_epoch=_median([r.get("time_per_epoch") for r in done or measured]),
                wall_time=(statistics.fmean([r["wall_time"] for r in done if r.get("wall_time") is not None])
                           if any(r.get("wall_time") is not None for r in done) else None),
                cpu_time=(statistics.fmean([r["cpu_time"] for r in done if r.get("cpu_time") is not None])
                          if any(r.get("cpu_time") is not None for r in done) else None),
                peak_memory=_median([r.get("peak_memory") for r in done or measured]),
                saved_bytes=_median([r.get("saved_bytes") for r in done or measured]),
                curves=[[c["test_metric"] for c in (r.get("curve") or [])] for r in done],
            ))
        ranked = [e for e in entries if e.scores]
        for e, rank in zip(ranked, average_ranks([e.mean for e in ranked], hib)):
            e.rank = rank
        entries.sort(key=lambda e: (e.rank is None, e.rank if e.rank is not None else 0, e.label))
        board = Board(task_label, suite, metric, hib, info, entries, settings=_shared_settings(rs))
        _add_statistics(board, baseline, alpha)
        boards.append(board)
    return boards


def _add_statistics(board: Board, baseline: str, alpha: float) -> None:
    ranked = [e for e in board.entries if e.scores]
    for e in ranked:
        e.ci = stats.bootstrap_ci(e.scores)
    board.solved = stats.solved([e.mean for e in ranked], board.info.get("trivial_baseline"),
                                board.higher_is_better)
    scores = {e.label: e.by_seed for e in ranked}
    # the exact label (``snake(a=2.0)``) if present, else the first configuration of that unit
    base = next((e.label for e in ranked if e.unit_label == baseline), None) or next(
        (e.label for e in ranked if e.unit_label.split("(")[0] == baseline), None)
    board.baseline = base
    if base is not None:
        for label, result in stats.compare_all(scores, base).items():
            next(e for e in ranked if e.label == label).vs_baseline = result
    if ranked:
        tied = stats.tied_with_best(scores, ranked[0].label, alpha)
        for e in ranked:
            e.tied_best = e.label in tied


# RunConfig fields that differ between the runs of a board by design.
_PER_RUN_FIELDS = {"unit", "unit_params", "seed", "arch", "width", "depth", "suite", "task", "version"}


def _flat_config(config: dict) -> dict:
    """A run's config with the training settings (``train``: epochs, lr, ...) lifted to the top."""
    out = {k: v for k, v in config.items() if k != "train"}
    out.update(config.get("train") or {})
    return out


def _shared_settings(rows: Sequence[dict]) -> dict:
    """The training settings (epochs, learning rate, ...) every run of a board used; "varies" otherwise."""
    configs = [_flat_config(r["config"]) for r in rows if isinstance(r.get("config"), dict)]
    if not configs:
        return {}
    out = {}
    for k in sorted(set().union(*configs) - _PER_RUN_FIELDS):
        vals = {repr(c.get(k)) for c in configs}
        v = configs[0].get(k)
        if isinstance(v, (dict, list)) and not v:
            continue
        out[k] = v if len(vals) == 1 else "varies"
    return out


def load_warning(rows: Sequence[dict]) -> str | None:
    """A warning when the runs' CPU time fell well short of their wall time (a loaded machine)."""
    ratios = [r["cpu_time"] / r["wall_time"] for r in rows
              if r.get("status") == "done" and r.get("cpu_time") and r.get("wall_time")]
    if not ratios:
        return None
    frac = statistics.median(ratios)
    if frac >= LOADED_CPU_FRACTION:
        return None
    return (f"Timing columns measured on a loaded machine: the median run got {frac:.0%} of a core "
            f"(CPU seconds / wall seconds, one thread per run). Compare CPU s/run, not s/epoch, "
            "and rerun on a quiet machine before quoting times.")


def cut_short_warning(rows: Sequence[dict]) -> str | None:
    """A warning naming the runs that stopped at their wall-clock budget (``max_seconds``) before
    their planned epochs: on a loaded machine a slower variant trains fewer epochs than its
    baseline, so its score says more about the load than about the unit."""
    cut = []
    for r in rows:  # Store.rows() has decoded the JSON columns
        m = r.get("metrics")
        if r.get("status") == "done" and isinstance(m, dict) and m.get("truncated"):
            cut.append(f"{r.get('unit_label') or r.get('unit')} on {r.get('task_label') or r.get('task')} "
                       f"seed {r.get('seed')} ({m.get('epochs_run')}/{m.get('epochs_planned')} epochs)")
    if not cut:
        return None
    shown = "; ".join(cut[:8]) + (f"; and {len(cut) - 8} more" if len(cut) > 8 else "")
    return (f"{len(cut)} run(s) stopped at the wall-clock budget before their planned epochs, so their "
            f"scores are not comparable with complete runs: {shown}. Rerun them with a larger "
            "--max-seconds (or on a quiet machine).")


def unit_board_table(boards: Sequence[Board]) -> tuple[list[str], list[dict]]:
    """Rows of units × solved boards: mean score, best and ties marked, and the mean rank."""
    cols = [b for b in boards if b.solved]
    table: dict[str, dict] = {}
    for b in cols:
        best = next((e for e in b.entries if e.rank is not None), None)
        for e in b.entries:
            if e.mean is None:
                continue
            mark = "**" if best is not None and e is best else ("≈" if e.tied_best else "")
            row = table.setdefault(e.label, {"label": e.label, "cells": {}, "ranks": []})
            row["cells"][b.title] = (e.mean, mark)
            row["ranks"].append(e.rank)
    rows = sorted(table.values(), key=lambda r: (-len(r["ranks"]), statistics.fmean(r["ranks"]), r["label"]))
    for r in rows:
        r["mean_rank"] = statistics.fmean(r["ranks"])
    return [b.title for b in cols], rows


def across_boards(boards: Sequence[Board], alpha: float = ALPHA) -> tuple[stats.Friedman | None, str]:
    """Friedman test over the solved boards (units present on all of them), or why there is none."""
    solved = [b for b in boards if b.solved]
    table = {b.title: {e.label: e.mean for e in b.entries if e.mean is not None} for b in solved}
    hib = {b.title: b.higher_is_better for b in solved}
    block_boards, block_units = stats.complete_block(table)
    left_out = [t for t in table if t not in block_boards]
    if block_boards:
        table = {b: {u: table[b][u] for u in block_units} for b in block_boards}
    try:
        result = stats.friedman(table, hib, alpha)
    except ValueError as err:
        return None, f"No Friedman test: {err}."
    verdict = ("the units differ (p < {:g})".format(alpha) if result.significant
               else "no significant difference between the units (p ≥ {:g})".format(alpha))
    text = (f"Friedman test over {result.n_boards} solved boards and the {len(result.units)} units present on "
            f"all of them: χ²_F = {result.chi2:.2f} (p = {result.p_chi2:.3g}), Iman–Davenport F_F = "
            f"{result.f_f:.2f} (p = {result.p_f:.3g}): {verdict}. Nemenyi critical difference at α = {alpha:g}: "
            f"CD = {result.cd:.2f} ranks; units whose average ranks differ by less are not distinguishable.")
    if left_out:
        text += (f" Left out of this test to keep every unit on every board (the largest such block of "
                 f"boards x units): {', '.join(left_out)}.")
    return result, text


def average_rank_table(boards: Sequence[Board]) -> list[dict]:
    """Per entry label: mean rank over the boards where it was ranked, and on how many boards."""
    ranks: dict[str, dict[str, float]] = {}
    for b in boards:
        if not b.solved:
            continue
        for e in b.entries:
            if e.rank is not None:
                ranks.setdefault(e.label, {})[b.title] = e.rank
    table = [{"label": k, "mean_rank": statistics.fmean(v.values()), "boards": len(v), "ranks": v}
             for k, v in ranks.items()]
    table.sort(key=lambda d: (-d["boards"], d["mean_rank"], d["label"]))
    return table


# -- formatting ---------------------------------------------------------------

def _fmt(v: float | None, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits}g}"


def _score(e: Entry) -> str:
    if e.mean is None:
        return "—"
    return _fmt(e.mean) + (f" ± {_fmt(e.sd, 2)}" if e.sd is not None else "")


def _ci(e: Entry) -> str:
    return "—" if e.ci is None else f"[{_fmt(e.ci[0])}, {_fmt(e.ci[1])}]"


def _vs_baseline(e: Entry, board: Board) -> str:
    if board.baseline is None:
        return "—"
    if e.label == board.baseline:
        return "baseline"
    r = e.vs_baseline
    if r is None:
        return "—"
    star = "*" if r.p_holm is not None and r.p_holm < ALPHA else ""
    d = "∞" if math.isinf(r.d_z) else f"{r.d_z:.2g}"
    return f"{r.mean_diff:+.3g} (p={r.p_holm:.2g}{star}, d={d})"


def _bytes(n: int | None) -> str:
    if n is None:
        return "—"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _status(e: Entry) -> str:
    parts = [f"{e.counts.get('done', 0)} done"]
    for s in ("diverged", "failed", "running", "pending"):
        if e.counts.get(s):
            parts.append(f"{e.counts[s]} {s}")
    return ", ".join(parts)


LEADERBOARD_HEADER = ("rank", "unit", "{metric}", "95% CI", "vs {baseline}", "seeds", "params", "s/epoch",
                      "CPU s/run", "saved/batch", "peak RSS", "runs")


def _leaderboard_rows(board: Board) -> list[list[str]]:
    out = []
    for e in board.entries:
        rank = "—" if e.rank is None else _fmt(e.rank, 3) + (" ≈best" if e.tied_best and e.rank != 1 else "")
        out.append([rank, e.label, _score(e), _ci(e), _vs_baseline(e, board), str(len(e.scores)),
                    "—" if e.params is None else f"{e.params:,}", _fmt(e.time_per_epoch, 3), _fmt(e.cpu_time, 3),
                    _bytes(e.saved_bytes), _bytes(e.peak_memory), _status(e)])
    return out


def _header(board: Board) -> list[str]:
    arrow = "↑" if board.higher_is_better else "↓"
    return [h.format(metric=f"{board.metric} {arrow}", baseline=board.baseline or DEFAULT_BASELINE)
            for h in LEADERBOARD_HEADER]


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _html_cell(c: str, column: str) -> str:
    text = html.escape(str(c))
    if text.startswith("**") and text.endswith("**") and len(text) > 4:
        text = f"<b>{text[2:-2]}</b>"
    return f"<td title='{html.escape(column)}'>{text}</td>"


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table whose columns sort on a click on their header (SORT_SCRIPT); cells name their column on hover."""
    h = "".join(f"<th onclick='sortTable(this)'>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(_html_cell(c, header[i]) for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table class='sortable'><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


# Click-to-sort for the report's tables: numbers sort numerically (leading ≈/** and trailing text
# ignored), everything else as text; a second click reverses.  No server, no library.
SORT_SCRIPT = """
function sortKey(t){var m=t.replace(/[≈*]/g,'').match(/^\\s*[-+]?[0-9.]+(e[-+]?[0-9]+)?/i);return m?parseFloat(m[0]):t;}
function sortTable(th){var table=th.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th);
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
rows.sort(function(a,b){var x=sortKey(a.cells[i].textContent),y=sortKey(b.cells[i].textContent);
if(typeof x==='number'&&typeof y==='number'){return asc?x-y:y-x;}x=String(x);y=String(y);return asc?x.localeCompare(y):y.localeCompare(x);});
rows.forEach(function(r){body.appendChild(r);});}
"""


def _task_notes(board: Board) -> list[str]:
    info = board.info
    notes = []
    if info.get("description"):
        notes.append(str(info["description"]))
    if info.get("trivial_baseline") is not None:
        note = f"Trivial baseline: {info['trivial_baseline']:g} {board.metric}"
        if info.get("trivial_baseline_note"):
            note += f" ({info['trivial_baseline_note']})"
        notes.append(note + ".")
    if info.get("published"):
        notes.append("Published: " + "; ".join(f"{k}: {v:g}" for k, v in info["published"].items()) + ".")
    if info.get("reference"):
        notes.append(f"Source: {info['reference']}.")
    if not board.solved:
        notes.append("NOT SOLVED: no unit beats the trivial baseline, so this board is left out of the "
                     "average ranks and the Friedman test.")
    if board.settings:
        notes.append("Training settings: " + ", ".join(f"{k}={v}" for k, v in board.settings.items()) + ".")
    return notes


# -- plots --------------------------------------------------------------------------

def _plot_board(board: Board, out_dir: str) -> list[str]:
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    paths = []
    ranked = [e for e in board.entries if e.mean is not None]
    if not ranked:
        return paths
    colors = plt.get_cmap("tab20")
    # Metric against time per epoch: the trade-off a user chooses on.
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, e in enumerate(ranked):
        x = e.time_per_epoch if e.time_per_epoch is not None else float("nan")
        ax.errorbar([x], [e.mean], yerr=[e.sd or 0.0], fmt="o", color=colors(i % 20), capsize=3)
        ax.annotate(e.label, (x, e.mean), textcoords="offset points", xytext=(4, 3), fontsize=7)
    ax.set_xlabel("training seconds per epoch (median over seeds, 1 thread)")
    ax.set_ylabel(f"test {board.metric} ({'higher' if board.higher_is_better else 'lower'} is better)")
    means = [e.mean for e in ranked]
    if not board.higher_is_better and min(means) > 0 and max(means) / min(means) > 30:
        ax.set_yscale("log")
    ax.set_title(f"{board.title}: {board.metric} vs time")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    p = os.path.join(out_dir, f"{board.slug}_tradeoff.png")
    fig.savefig(p, dpi=110)
    plt.close(fig)
    paths.append(p)

    # Learning curves: mean over seeds of the test metric per epoch.
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = False
    for i, e in enumerate(ranked):
        curves = [c for c in e.curves if c]
        if not curves:
            continue
        n = min(len(c) for c in curves)
        mean = [statistics.fmean(c[k] for c in curves) for k in range(n)]
        ax.plot(range(1, n + 1), mean, label=e.label, color=colors(i % 20), lw=1.3)
        drawn = True
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"test {board.metric}")
    if not board.higher_is_better and min(means) > 0:
        ax.set_yscale("log")
    ax.set_title(f"{board.title}: learning curves (mean over seeds)")
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=7, ncol=2 if len(ranked) > 8 else 1, loc="best")
    fig.tight_layout()
    p = os.path.join(out_dir, f"{board.slug}_curves.png")
    fig.savefig(p, dpi=110)
    plt.close(fig)
    paths.append(p)
    return paths


# -- the report -------------------------------------------------------------------

HTML_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:nth-child(2),th:nth-child(2){text-align:left}
thead{background:#f2f2f2}
img{max-width:100%;margin:0.5em 0}
.note{color:#555;font-size:0.9em}
th{cursor:pointer}
tr:hover td{background:#fafae0}
"""


def write_report(store: str | os.PathLike | Store, out_dir: str | os.PathLike = "nonlin-report", *,
                 plots: bool = True, baseline: str = DEFAULT_BASELINE) -> dict[str, Any]:
    """Write report.md, index.html, runs.csv and PNG plots for every run in ``store``; returns their paths."""
    out_dir = os.fspath(out_dir)
    if isinstance(store, Store):
        db, own = store, False
    else:
        if not os.path.isfile(os.fspath(store)):
            raise FileNotFoundError(f"no benchmark store at {os.fspath(store)!r}; run `nonlin bench` first")
        db, own = Store(store), True
    try:
        rows = db.rows()
        info = db.task_info()
        probe_cards = _load_probe_cards(db)   # probe-card section (nonlin.probes.card)
        os.makedirs(out_dir, exist_ok=True)
        csv_path = db.export_csv(os.path.join(out_dir, "runs.csv"))
        store_path = db.path
    finally:
        if own:
            db.close()

    boards = build_boards(rows, info, baseline=baseline)
    images: dict[str, list[str]] = {b.slug: (_plot_board(b, out_dir) if plots else []) for b in boards}
    avg = average_rank_table(boards)
    friedman, friedman_text = across_boards(boards)
    cd_path = None
    if plots and friedman is not None:
        cd_path = stats.plot_cd(friedman, os.path.join(out_dir, "critical_difference.png"))
    grid_cols, grid_rows = unit_board_table(boards)
    grid_header = ["unit", *grid_cols, "mean rank"]
    grid_body = [[r["label"], *[_grid_cell(r["cells"].get(c)) for c in grid_cols], _fmt(r["mean_rank"], 3)]
                 for r in grid_rows]
    unsolved = [b.title for b in boards if not b.solved]
    warning = load_warning(rows)
    cards = unit_cards(boards)
    for card in cards:
        card["plot"] = _unit_plot(card, out_dir) if plots else None
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    versions = sorted({f"nonlin {r['nonlin_version']}, torch {r['torch_version']}, Python {r['python_version']}"
                       for r in rows if r.get("nonlin_version")})
    hosts = sorted({r["hostname"] for r in rows if r.get("hostname")})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    summary = [
        f"Store: `{os.path.abspath(store_path)}` — {len(rows)} runs: "
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ".",
        f"Generated {now}. Software: {'; '.join(versions) or 'unknown'}. Hosts: {', '.join(hosts) or 'unknown'}.",
        "Score = final-epoch test metric, mean ± sample sd over the seeds that finished; diverged and failed "
        "runs are counted in the last column, not averaged. Time per epoch: median wall seconds, one thread "
        "per run; CPU s/run: the worker's CPU seconds per run, which a busy machine inflates less. "
        "saved/batch: bytes autograd keeps for backward in one training batch (activation memory, "
        "deterministic). Peak RSS: growth of the worker's resident set during the run (includes "
        "allocator effects; a worker that already holds freed memory from an earlier run shows less).",
        f"Statistics: 95% CI = percentile bootstrap of the mean over seeds; 'vs {baseline}' = mean paired "
        f"difference over common seeds, paired t-test p-value after Holm's correction across the board "
        f"(* = significant at {ALPHA:g}) and effect size d_z; '≈best' = not significantly different from the "
        "best unit. With fewer than 5 seeds (the quick suite) ranks are indicative only.",
    ]
    if unsolved:
        summary.append("Not solved (every unit at or below the trivial baseline; left out of the ranks): "
                       + ", ".join(unsolved) + ".")
    if warning:
        summary.append("WARNING: " + warning)
    cut_short = cut_short_warning(rows)
    if cut_short:
        summary.append("WARNING: " + cut_short)
    avg_header = ["unit", "mean rank", "boards", "ranks"]
    avg_rows = [[d["label"], _fmt(d["mean_rank"], 3), str(d["boards"]),
                 ", ".join(f"{t}: {_fmt(r, 3)}" for t, r in d["ranks"].items())] for d in avg]

    # Markdown
    md = ["# nonlin benchmark report", "", *summary, "", "## Units × boards", "",
          "Mean final score per solved board (**bold** = best, ≈ = statistically tied with the best).", ""]
    md += [_md_table(grid_header, grid_body) if grid_body else "_No finished runs yet._", "", friedman_text, ""]
    if cd_path:
        md += [f"![critical difference]({os.path.basename(cd_path)})", ""]
    md += ["## Average rank across tasks", ""]
    md += [_md_table(avg_header, avg_rows) if avg_rows else "_No finished runs yet._", ""]
    md += _probe_card_table_md(probe_cards, cards)   # probe-card section (nonlin.probes.card)
    for b in boards:
        md += [f"## {b.title}", ""]
        notes = _task_notes(b)
        if notes:
            md += [" ".join(notes), ""]
        md += [_md_table(_header(b), _leaderboard_rows(b)), ""]
        md += [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in images[b.slug]]
        md.append("")
    md += ["## Units", ""]
    for card in cards:
        md += [f"### {card['label']}", ""]
        if card.get("formula"):
            md += [f"{card['kind']}, family {card['family']}: `{card['formula']}` — {card['reference']}", ""]
        md += [_md_table(CARD_HEADER, _card_rows(card)), ""]
        md += _probe_card_unit_md(probe_cards, card)   # probe-card section (nonlin.probes.card)
        if card["plot"]:
            md += [f"![{card['label']}]({os.path.basename(card['plot'])})", ""]
    md_path = os.path.join(out_dir, "report.md")
    with open(md_path, "w") as fh:
        fh.write("\n".join(md))

    # HTML (self-contained)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>nonlin benchmark report</title>"
             f"<style>{HTML_STYLE}</style><script>{SORT_SCRIPT}</script></head>"
             f"<body><h1>nonlin benchmark report</h1>"]
    parts += [f"<p class='note'>{html.escape(s).replace('`', '')}</p>" for s in summary]
    parts.append("<h2>Units × boards</h2><p class='note'>Mean final score per solved board (bold = best, "
                 "≈ = statistically tied with the best). Click a header to sort.</p>")
    parts.append(_html_table(grid_header, grid_body) if grid_body else "<p>No finished runs yet.</p>")
    parts.append(f"<p class='note'>{html.escape(friedman_text)}</p>")
    if cd_path:
        with open(cd_path, "rb") as fh:
            data = base64.b64encode(fh.read()).decode()
        parts.append(f"<img alt='critical difference diagram' src='data:image/png;base64,{data}'>")
    parts.append("<h2>Average rank across tasks</h2>")
    parts.append(_html_table(avg_header, avg_rows) if avg_rows else "<p>No finished runs yet.</p>")
    parts += _probe_card_table_html(probe_cards, cards)   # probe-card section (nonlin.probes.card)
    for b in boards:
        parts.append(f"<h2 id='{html.escape(b.slug)}'>{html.escape(b.title)}</h2>")
        notes = _task_notes(b)
        if notes:
            parts.append(f"<p class='note'>{html.escape(' '.join(notes))}</p>")
        parts.append(_html_table(_header(b), _leaderboard_rows(b)))
        for p in images[b.slug]:
            with open(p, "rb") as fh:
                data = base64.b64encode(fh.read()).decode()
            parts.append(f"<img alt='{html.escape(os.path.basename(p))}' src='data:image/png;base64,{data}'>")
    parts.append("<h2>Units</h2>")
    for card in cards:
        anchor = "unit-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", card["label"])
        parts.append(f"<h3 id='{html.escape(anchor)}'>{html.escape(card['label'])}</h3>")
        if card.get("formula"):
            parts.append(f"<p class='note'>{html.escape(card['kind'])}, family {html.escape(card['family'])}: "
                         f"<code>{html.escape(card['formula'])}</code> — {html.escape(card['reference'])}</p>")
        parts.append(_html_table(CARD_HEADER, _card_rows(card)))
        parts += _probe_card_unit_html(probe_cards, card)   # probe-card section (nonlin.probes.card)
        if card["plot"]:
            with open(card["plot"], "rb") as fh:
                data = base64.b64encode(fh.read()).decode()
            parts.append(f"<img alt='{html.escape(card['label'])}' src='data:image/png;base64,{data}'>")
    parts.append("</body></html>")
    html_path = os.path.join(out_dir, "index.html")
    with open(html_path, "w") as fh:
        fh.write("\n".join(parts))

    return {"dir": out_dir, "markdown": md_path, "html": html_path, "csv": csv_path,
            "plots": [p for ps in images.values() for p in ps] + ([cd_path] if cd_path else []),
            "unit_plots": [c["plot"] for c in cards if c["plot"]],
            "boards": boards, "average_rank": avg, "friedman": friedman, "unit_board": grid_rows,
            "probe_cards": probe_cards}


def unit_cards(boards: Sequence[Board]) -> list[dict]:
    """Per unit configuration: what the registry says of the unit and its result on every board."""
    from .. import registry

    cards: dict[str, dict] = {}
    for b in boards:
        for e in b.entries:
            card = cards.setdefault(e.label, {"label": e.label, "unit": e.unit_label.split("(")[0],
                                               "results": []})
            card["results"].append({"board": b.title, "score": _score(e), "ci": _ci(e),
                                    "rank": e.rank, "solved": b.solved, "runs": _status(e)})
    for card in cards.values():
        try:
            s = registry.spec(card["unit"])
        except (registry.UnknownUnitError, TypeError):
            continue  # a plugin's unit that is not registered in this process
        card.update(name=s.name, kind=s.kind, family=s.family, formula=s.formula,
                    reference=str(s.reference), elementwise=s.fn is not None)
    return sorted(cards.values(), key=lambda c: c["label"])


def _unit_plot(card: dict, out_dir: str) -> str | None:
    if not card.get("elementwise"):
        return None
    from ..plotting import plot_units

    path = os.path.join(out_dir, "unit_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", card["name"]) + ".png")
    try:
        return plot_units([card["name"]], path)
    except Exception:  # a unit that cannot be drawn at its defaults still gets its card
        return None


def _card_rows(card: dict) -> list[list[str]]:
    return [[r["board"] + ("" if r["solved"] else " (not solved)"), r["score"], r["ci"],
             "—" if r["rank"] is None else _fmt(r["rank"], 3), r["runs"]] for r in card["results"]]


CARD_HEADER = ["board", "score", "95% CI", "rank", "runs"]


def _grid_cell(cell: tuple[float, str] | None) -> str:
    if cell is None:
        return "—"
    mean, mark = cell
    return f"**{_fmt(mean)}**" if mark == "**" else f"{mark}{_fmt(mean)}"


# ---- probe-card section (owned by nonlin.probes.card; additive) ----------------------------------------
# Cards are computed by `nonlin probe card --store STORE` on a small fixed setting (not the benchmark
# runs) and cached in the store; the report shows those of this nonlin version and omits the section
# when there are none.

PROBE_CARD_INTRO = ("Probe cards: five probe numbers per unit, computed by `nonlin probe card --store STORE` on a "
                    "small fixed setting (a 2 × 64 MLP on digits, 10 epochs, seed 0; a 3 × 64 coordinate MLP "
                    "for the spectral slope), not on the benchmark runs above.")


def _load_probe_cards(db: Store) -> dict[str, Any]:
    """unit label -> ProbeCard cached in the store for this nonlin version ({} if none)."""
    import nonlin
    from ..probes.card import ProbeCard

    return {label: ProbeCard.from_dict(c) for label, c in db.probe_cards(version=nonlin.__version__).items()}


def _probe_card_of(probe_cards: dict[str, Any], card: dict) -> Any:
    # a report label is the unit label, plus " [arch, w=…, d=…]" where one unit has several variants
    return probe_cards.get(card["label"]) or probe_cards.get(card["label"].split(" [")[0])


def _probe_card_table(probe_cards: dict[str, Any], cards: Sequence[dict]) -> tuple[list[str], list[list[str]]]:
    from ..probes.card import CARD_COLUMNS

    header = ["unit", *CARD_COLUMNS]
    rows, seen = [], set()
    for card in cards:
        pc = _probe_card_of(probe_cards, card)
        if pc is None or pc.unit in seen:
            continue
        seen.add(pc.unit)
        na = next((pc.reasons[c] for c in CARD_COLUMNS if pc.values.get(c) is None and c in pc.reasons), None)
        if all(pc.values.get(c) is None for c in CARD_COLUMNS) and na:
            rows.append([pc.unit, f"n/a ({na})", *(["n/a"] * (len(CARD_COLUMNS) - 1))])
        else:
            rows.append([pc.unit, *[pc.cell(c) if pc.values.get(c) is not None else "n/a" for c in CARD_COLUMNS]])
    return header, rows


def _probe_card_legend() -> list[str]:
    from ..probes.card import CARD_COLUMNS

    return [f"{k}: {v}" for k, v in CARD_COLUMNS.items()]


def _probe_card_table_md(probe_cards: dict[str, Any], cards: Sequence[dict]) -> list[str]:
    header, rows = _probe_card_table(probe_cards, cards)
    if not rows:
        return []
    return ["## Probe cards", "", PROBE_CARD_INTRO, "", _md_table(header, rows), "",
            *[f"- {line}" for line in _probe_card_legend()], ""]


def _probe_card_table_html(probe_cards: dict[str, Any], cards: Sequence[dict]) -> list[str]:
    header, rows = _probe_card_table(probe_cards, cards)
    if not rows:
        return []
    return ["<h2>Probe cards</h2>", f"<p class='note'>{html.escape(PROBE_CARD_INTRO).replace('`', '')}</p>",
            _html_table(header, rows),
            "<ul class='note'>" + "".join(f"<li>{html.escape(line)}</li>" for line in _probe_card_legend()) + "</ul>"]


def _probe_card_unit_rows(pc: Any) -> list[list[str]]:
    from ..probes.card import CARD_COLUMNS

    return [[c, pc.cell(c), CARD_COLUMNS[c]] for c in CARD_COLUMNS]


def _probe_card_unit_md(probe_cards: dict[str, Any], card: dict) -> list[str]:
    pc = _probe_card_of(probe_cards, card)
    if pc is None:
        return []
    return ["Probe card:", "", _md_table(["probe", "value", "meaning"], _probe_card_unit_rows(pc)), ""]


def _probe_card_unit_html(probe_cards: dict[str, Any], card: dict) -> list[str]:
    pc = _probe_card_of(probe_cards, card)
    if pc is None:
        return []
    return ["<p class='note'>Probe card:</p>", _html_table(["probe", "value", "meaning"], _probe_card_unit_rows(pc))]

# ---- end of probe-card section -------------------------------------------------------------------------
