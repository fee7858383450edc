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

from .store import Store


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


def build_boards(rows: Sequence[dict], task_info: dict[str, dict] | None = None) -> list[Board]:
    """Group store rows into ranked boards (pure function of the rows; used by the report and tests)."""
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
        boards.append(Board(task_label, suite, metric, hib, info, entries))
    return boards


def average_rank_table(boards: Sequence[Board]) -> list[dict]:
    """Per entry label: mean rank over the boards where it was ranked, and on how many boards."""
    ranks: dict[str, dict[str, float]] = {}
    for b in boards:
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


LEADERBOARD_HEADER = ("rank", "unit", "{metric}", "seeds", "params", "s/epoch", "CPU s/run", "saved/batch", "peak RSS", "runs")


def _leaderboard_rows(board: Board) -> list[list[str]]:
    out = []
    for e in board.entries:
        out.append([_fmt(e.rank, 3) if e.rank is not None else "—", e.label, _score(e), str(len(e.scores)),
                    "—" if e.params is None else f"{e.params:,}", _fmt(e.time_per_epoch, 3), _fmt(e.cpu_time, 3),
                    _bytes(e.saved_bytes), _bytes(e.peak_memory), _status(e)])
    return out


def _header(board: Board) -> list[str]:
    arrow = "↑" if board.higher_is_better else "↓"
    return [h.format(metric=f"{board.metric} {arrow}") for h in LEADERBOARD_HEADER]


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


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
"""


def write_report(store: str | os.PathLike | Store, out_dir: str | os.PathLike = "nonlin-report", *,
                 plots: bool = True) -> dict[str, Any]:
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
        os.makedirs(out_dir, exist_ok=True)
        csv_path = db.export_csv(os.path.join(out_dir, "runs.csv"))
        store_path = db.path
    finally:
        if own:
            db.close()

    boards = build_boards(rows, info)
    images: dict[str, list[str]] = {b.slug: (_plot_board(b, out_dir) if plots else []) for b in boards}
    avg = average_rank_table(boards)
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
    ]
    avg_header = ["unit", "mean rank", "boards", "ranks"]
    avg_rows = [[d["label"], _fmt(d["mean_rank"], 3), str(d["boards"]),
                 ", ".join(f"{t}: {_fmt(r, 3)}" for t, r in d["ranks"].items())] for d in avg]

    # Markdown
    md = ["# nonlin benchmark report", "", *summary, "", "## Average rank across tasks", ""]
    md += [_md_table(avg_header, avg_rows) if avg_rows else "_No finished runs yet._", ""]
    for b in boards:
        md += [f"## {b.title}", ""]
        notes = _task_notes(b)
        if notes:
            md += [" ".join(notes), ""]
        md += [_md_table(_header(b), _leaderboard_rows(b)), ""]
        md += [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in images[b.slug]]
        md.append("")
    md_path = os.path.join(out_dir, "report.md")
    with open(md_path, "w") as fh:
        fh.write("\n".join(md))

    # HTML (self-contained)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>nonlin benchmark report</title>"
             f"<style>{HTML_STYLE}</style></head><body><h1>nonlin benchmark report</h1>"]
    parts += [f"<p class='note'>{html.escape(s).replace('`', '')}</p>" for s in summary]
    parts.append("<h2>Average rank across tasks</h2>")
    parts.append(_html_table(avg_header, avg_rows) if avg_rows else "<p>No finished runs yet.</p>")
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
    parts.append("</body></html>")
    html_path = os.path.join(out_dir, "index.html")
    with open(html_path, "w") as fh:
        fh.write("\n".join(parts))

    return {"dir": out_dir, "markdown": md_path, "html": html_path, "csv": csv_path,
            "plots": [p for ps in images.values() for p in ps], "boards": boards, "average_rank": avg}
