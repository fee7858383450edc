"""Leaderboards, plots and the bench/report commands."""

from __future__ import annotations

import argparse
import math
import os
import statistics

import pytest

from nonlin.bench import commands
from nonlin.bench import report as report_mod
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


# -- statistics in the report -------------------------------------------------------

def test_board_statistics_baseline_ties_and_intervals():
    # relu is the baseline; "good" beats it on every seed, "same" equals it up to noise
    bump = [0.3, -0.2, 0.1, -0.1, 0.2]
    rows = [_row("relu", s, 80.0 + bump[s]) for s in range(5)]
    rows += [_row("good", s, 90.0 + bump[s] + 0.1 * (-1) ** s) for s in range(5)]
    rows += [_row("same", s, 80.0 + bump[::-1][s]) for s in range(5)]
    board = build_boards(rows)[0]
    by = {e.label: e for e in board.entries}
    assert board.baseline == "relu" and board.solved
    good = by["good"].vs_baseline
    assert good.n == 5 and good.mean_diff == pytest.approx(10.0 + 0.1 * (1 - 1 + 1 - 1 + 1) / 5)
    assert good.p_holm < 0.001 and good.d_z > 10
    assert by["same"].vs_baseline.p_holm > 0.05
    assert by["good"].tied_best and not by["relu"].tied_best and not by["same"].tied_best
    lo, hi = by["relu"].ci
    assert lo <= by["relu"].mean <= hi and hi - lo < 1.0


def test_board_below_trivial_baseline_is_not_solved_and_not_ranked():
    rows = [_row("a", 0, 9.0, task="hard"), _row("b", 0, 10.0, task="hard"),
            _row("a", 0, 50.0, task="easy"), _row("b", 0, 40.0, task="easy")]
    boards = {b.task_label: b for b in build_boards(rows, {"hard": {"trivial_baseline": 10.0},
                                                             "easy": {"trivial_baseline": 10.0}})}
    assert not boards["hard"].solved and boards["easy"].solved
    avg = {d["label"]: d for d in average_rank_table(list(boards.values()))}
    assert avg["a"]["ranks"] == {"easy (quick)": 1.0}  # the unsolved board does not count
    cols, grid = report_mod.unit_board_table(list(boards.values()))
    assert cols == ["easy (quick)"]
    assert grid[0]["label"] == "a" and grid[0]["cells"]["easy (quick)"] == (50.0, "**")


def test_friedman_across_boards_and_cd_diagram(tmp_path):
    rows = []
    for t in range(6):  # "a" best and "c" worst on every board
        for s in range(2):
            rows += [_row("a", s, 90.0 + t + s, task=f"t{t}"), _row("b", s, 80.0 + t + s, task=f"t{t}"),
                     _row("c", s, 70.0 + t + s, task=f"t{t}")]
    boards = build_boards(rows)
    result, text = report_mod.across_boards(boards)
    assert result.average_ranks == (1.0, 2.0, 3.0) and result.n_boards == 6
    # chi2 = 12*6/(3*4) * (1 + 4 + 9 - 12) = 12
    assert result.chi2 == pytest.approx(12.0) and result.significant and "CD =" in text
    assert "Left out" not in text
    # A board that only "a" and "b" ran (like a sequence board for neurons) would leave 2 shared
    # units and no test: it is left out of the Friedman test, and the text says so.
    extra = [_row(u, s, 50.0 + s, task="seq") for u in ("a", "b") for s in range(2)]
    result, text = report_mod.across_boards(build_boards(rows + extra))
    assert result.n_boards == 6 and result.units == ("a", "b", "c")
    assert "Left out of this test" in text and "seq" in text


def test_report_warns_about_a_loaded_machine():
    quiet = [dict(_row("a", s, 1.0), cpu_time=1.9, wall_time=2.0) for s in range(3)]
    loaded = [dict(_row("a", s, 1.0), cpu_time=0.7, wall_time=2.0) for s in range(3)]
    assert report_mod.load_warning(quiet) is None
    assert "35% of a core" in report_mod.load_warning(loaded)


def test_report_names_runs_cut_short_by_the_time_budget():
    full = {"epochs_run": 15, "epochs_planned": 15, "truncated": False}
    cut = {"epochs_run": 1, "epochs_planned": 15, "truncated": True}
    rows = [dict(_row("a", 0, 1.0), metrics=full), dict(_row("b", 0, 1.0), metrics=cut),
            dict(_row("b", 1, 1.0), metrics=cut, status="diverged")]  # only finished runs are named
    text = report_mod.cut_short_warning(rows)
    assert text.startswith("1 run(s) stopped") and "b on" in text and "seed 0 (1/15 epochs)" in text
    assert report_mod.cut_short_warning(rows[:1]) is None


def test_report_shows_statistics_table_and_settings(tmp_path):
    db = _tiny_store(tmp_path)
    paths = write_report(db, tmp_path / "report")
    md = open(paths["markdown"]).read()
    assert "## Units × boards" in md and "vs relu" in md and "95% CI" in md
    assert "Training settings: " in md and "epochs=" in md
    page = open(paths["html"]).read()
    assert "sortTable" in page and "<th onclick='sortTable(this)'>unit</th>" in page


def test_report_html_renders_in_a_headless_browser(tmp_path):
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium to run this check)")
    db = _tiny_store(tmp_path)
    paths = write_report(db, tmp_path / "report")
    shot = tmp_path / "shot.png"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", "file://" + os.path.abspath(paths["html"])],
        capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Units × boards" in dom.stdout and "<table class=\"sortable\">" in dom.stdout
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}", "--window-size=1200,900",
                    "file://" + os.path.abspath(paths["html"])], capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000


def test_report_has_a_card_per_unit(tmp_path):
    db = _tiny_store(tmp_path)
    paths = write_report(db, tmp_path / "report")
    md = open(paths["markdown"]).read()
    assert "### relu" in md and "### leaky_relu(negative_slope=0.1)" in md
    assert "\\max(0, x)" in md or "max(0, x)" in md  # relu's formula from the registry
    assert len(paths["unit_plots"]) == 2 and all(os.path.getsize(p) > 1000 for p in paths["unit_plots"])
    page = open(paths["html"]).read()
    assert "id='unit-relu'" in page


def test_report_command_takes_a_baseline_and_bench_checks_data_dir(tmp_path, capsys):
    db = _tiny_store(tmp_path)
    args = _parse(["report", "--store", str(db), "-o", str(tmp_path / "rep"), "--baseline", "leaky_relu",
                   "--no-plots"])
    assert args.func(args) == 0
    assert "vs leaky_relu(negative_slope=0.1)" in open(tmp_path / "rep" / "report.md").read()
    args = _parse(["bench", "--units", "relu", "--tasks", "tiny_blobs", "--data-dir", str(tmp_path / "nope")])
    assert args.func(args) == 2
    assert "--data-dir" in capsys.readouterr().err


def test_backward_option_runs_units_with_the_fewbit_backward(tmp_path):
    from nonlin.bench.config import ConfigError, parse_backward
    from nonlin.bench.grid import RunConfig

    assert parse_backward("exact") is None and parse_backward("fewbit-3") == (3, "optimal")
    assert parse_backward("fewbit-2:approx_bp") == (2, "approx_bp")
    for bad in ("fewbit-5", "fewbit-2:nope", "bits", 2):
        with pytest.raises(ConfigError, match="backward must be"):
            parse_backward(bad)
    # an exact run's stored config has no backward field: keys of stores written before it are unchanged
    cfg = RunConfig(unit="relu", task="t", arch="mlp", seed=0, train={})
    assert "backward" not in cfg.to_dict() and cfg.unit_label == "relu"
    assert RunConfig(unit="relu", task="t", arch="mlp", seed=0, train={}, backward="fewbit-1").unit_label \
        == "relu [fewbit-1]"
    db = tmp_path / "runs.db"
    spec = SweepSpec(units=[UnitEntry("relu"), UnitEntry("gelu")], tasks=[TaskEntry("tiny_blobs")], seeds=[0, 1],
                     widths=[8], depth=1, plugins=[PLUGIN], store=str(db), workers=0,
                     backwards=["exact", "fewbit-1"])
    run_sweep(spec, quiet=True)
    with Store(db) as s:
        rows = {(r["unit_label"], r["seed"]): r for r in s.rows()}
    assert all(r["status"] == "done" for r in rows.values()) and len(rows) == 8
    for seed in (0, 1):
        # ReLU's 1-bit table is its exact derivative: the same training to the last bit
        assert rows[("relu [fewbit-1]", seed)]["final_metric"] == rows[("relu", seed)]["final_metric"]
        # GELU keeps its input for backward; at 1 bit it keeps one bit per element instead
        assert rows[("gelu [fewbit-1]", seed)]["saved_bytes"] < rows[("gelu", seed)]["saved_bytes"]
