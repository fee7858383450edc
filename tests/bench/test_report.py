"""Leaderboards, plots and the bench/report commands."""

from __future__ import annotations

import argparse
import math
import os
import statistics

import pytest

from nonlin.bench import commands
from nonlin.bench.config import SweepSpec, TaskEntry, UnitEntry
from nonlin.bench.report import _fmt, average_rank_table, average_ranks, build_boards, write_report
from nonlin.bench.runner import run_sweep
from nonlin.bench.store import Store

from .test_runner import PLUGIN, plugin_registered  # noqa: F401  (autouse: registers the test plugin)


def _row(unit, seed, score, status="done", task="t", hib=True, tpe=0.5, arch="mlp", width=8):
    return {"task_label": task, "suite": "quick", "unit_label": unit, "unit": unit, "arch": arch, "width": width,
            "depth": 1, "seed": seed, "status": status, "metric": "accuracy" if hib else "mse",
            "higher_is_better": int(hib), "final_metric": score if status == "done" else None,
            "params": 100, "time_per_epoch": tpe, "wall_time": 2.0, "peak_memory": 1 << 20,
            "curve": [{"test_metric": score / 2}, {"test_metric": score}] if status == "done" else []}


def test_average_ranks_with_ties():
    assert average_ranks([3.0, 1.0, 2.0], higher_is_better=True) == [1.0, 3.0, 2.0]
    assert average_ranks([3.0, 1.0, 2.0], higher_is_better=False) == [3.0, 1.0, 2.0]
    assert average_ranks([5.0, 5.0, 1.0], higher_is_better=True) == [1.5, 1.5, 3.0]


def test_boards_mean_sd_rank_and_failures():
    rows = [_row("a", 0, 90.0), _row("a", 1, 80.0), _row("a", 2, 0.0, status="diverged"),
            _row("b", 0, 86.0), _row("b", 1, 86.0),
            _row("c", 0, 0.0, status="failed"),
            # a lower-is-better task where b wins
            _row("a", 0, 0.5, task="r", hib=False), _row("b", 0, 0.1, task="r", hib=False)]
    boards = build_boards(rows)
    assert [b.task_label for b in boards] == ["r", "t"]
    t = boards[1]
    by = {e.label: e for e in t.entries}
    assert by["a"].mean == 85.0 and math.isclose(by["a"].sd, math.sqrt(50.0))  # sample sd of (90, 80)
    assert by["a"].counts == {"done": 2, "diverged": 1}  # the diverged seed is counted, not averaged
    assert by["b"].mean == 86.0 and by["b"].sd == 0.0
    assert (by["b"].rank, by["a"].rank, by["c"].rank) == (1.0, 2.0, None)
    assert [e.label for e in t.entries] == ["b", "a", "c"]  # unranked last
    r = {e.label: e.rank for e in boards[0].entries}
    assert r == {"b": 1.0, "a": 2.0}
    avg = {d["label"]: d for d in average_rank_table(boards)}
    assert avg["b"]["mean_rank"] == 1.0 and avg["a"]["mean_rank"] == 2.0 and "c" not in avg
    assert avg["a"]["ranks"] == {"r (quick)": 2.0, "t (quick)": 2.0}


def test_variants_get_distinct_labels():
    rows = [_row("a", 0, 1.0, width=8), _row("a", 0, 2.0, width=16), _row("b", 0, 3.0)]
    labels = sorted(e.label for e in build_boards(rows)[0].entries)
    assert labels == ["a [mlp, w=16, d=1]", "a [mlp, w=8, d=1]", "b"]


def _tiny_store(tmp_path):
    db = tmp_path / "runs.db"
    spec = SweepSpec(units=[UnitEntry("relu"), UnitEntry("leaky_relu", {"negative_slope": 0.1})],
                     tasks=[TaskEntry("tiny_blobs"), TaskEntry("tiny_regression"),
                            TaskEntry("tiny_blobs", {"n": 64}, arch="nan_mlp")],
                     seeds=[0, 1], widths=[8], depth=1, plugins=[PLUGIN], store=str(db), workers=0)
    run_sweep(spec, quiet=True)
    return db


def test_report_files_hold_the_runs_numbers(tmp_path):
    db = _tiny_store(tmp_path)
    out = tmp_path / "report"
    paths = write_report(db, out)
    for k in ("markdown", "html", "csv"):
        assert os.path.getsize(paths[k]) > 0
    assert len(paths["plots"]) == 4  # two plots for each board with finished runs
    assert all(p.endswith(".png") and os.path.getsize(p) > 1000 for p in paths["plots"])
    md = open(paths["markdown"]).read()
    page = open(paths["html"]).read()
    with Store(db) as s:
        rows = s.rows()
    # Every board's mean, recomputed here from the raw rows, is printed in both files.
    for task in ("tiny_blobs", "tiny_regression"):
        for unit in ("relu", "leaky_relu(negative_slope=0.1)"):
            scores = [r["final_metric"] for r in rows
                      if r["task_label"] == task and r["unit_label"] == unit and r["status"] == "done"]
            assert len(scores) == 2
            text = _fmt(statistics.fmean(scores)) + " ± " + _fmt(statistics.stdev(scores), 2)
            assert text in md and text in page
    assert "## tiny_blobs(n=64) (quick)" in md and "2 diverged" in md
    assert "Average rank across tasks" in md
    assert "data:image/png;base64," in page and page.rstrip().endswith("</html>")
    for p in paths["plots"]:
        assert f"({os.path.basename(p)})" in md  # referenced relatively from the Markdown
    assert len(open(paths["csv"]).read().strip().splitlines()) == 1 + len(rows)


def test_report_of_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no benchmark store"):
        write_report(tmp_path / "nope.db", tmp_path / "out")


def _parse(argv):
    p = argparse.ArgumentParser()
    commands.add_parsers(p.add_subparsers(dest="command"))
    return p.parse_args(argv)


def test_parse_named_list():
    assert commands.parse_named_list(["relu,snake(a=2.0)", "pau(degrees=(5,4),init=gelu)"], "unit") == [
        ("relu", {}), ("snake", {"a": 2.0}), ("pau", {"degrees": (5, 4), "init": "gelu"})]


def test_bench_command_end_to_end(tmp_path, capsys):
    store, rep = tmp_path / "r.db", tmp_path / "rep"
    args = _parse(["bench", "--units", "relu,leaky_relu(negative_slope=0.2)", "--tasks", "tiny_blobs",
                   "--seeds", "2", "--width", "8", "--depth", "1", "--plugin", PLUGIN, "--workers", "0",
                   "--store", str(store), "--report-dir", str(rep), "--quiet"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "4 done" in out and str(rep / "index.html") in out
    with Store(store) as s:
        rows = s.rows()
    assert {r["unit_label"] for r in rows} == {"relu", "leaky_relu(negative_slope=0.2)"}
    assert {r["width"] for r in rows} == {8} and {r["seed"] for r in rows} == {0, 1}
    args = _parse(["report", "--store", str(store), "-o", str(tmp_path / "rep2")])
    assert args.func(args) == 0
    assert os.path.isfile(tmp_path / "rep2" / "report.md")


@pytest.mark.parametrize("argv, message", [
    (["bench", "--units", "relux"], "unknown unit 'relux'"),
    (["bench", "--units", "relu", "--tasks", "mnist1dd"], "unknown task 'mnist1dd'"),
    (["bench", "--suite", "quik"], "unknown suite 'quik'. Did you mean quick"),
    (["bench", "--config", "missing.toml"], "config file not found"),
    (["bench", "--units", "leaky_relu(negative_slope=-1)", "--tasks", "tiny_blobs", "--plugin", PLUGIN],
     "negative_slope"),
    (["report", "--store", "missing.db"], "no benchmark store"),
    # A combination the reference models cannot build, named explicitly: an error, not a silent skip.
    (["bench", "--units", "relu", "--tasks", "digits", "--arch", "transformer"], "'transformer' needs sequences"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    args = _parse(argv)
    assert args.func(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nonlin: error:") and message in err and "\n" not in err
    assert not os.path.exists(tmp_path / "runs.db")
